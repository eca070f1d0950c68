"""Submodels of professionals: the week's hours and new cases, and community work (``docs/ODD.md``, 7.10, 7.12)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.city import _is_bridging, _similar_neighbour
from model.core.draws import draw_key, integer, poisson, subkey, uniform
from model.core.metrics import pairwise_sum
from model.core.state import CASE_NONE, CASE_OPEN, CASE_WAITING, LONELY, NO, _need_levels_of
from model.core.submodels.helpers import _first_shares_above, _take_distinct, case_hours_of, keep_unseen
from model.core.submodels.needs import refer

if TYPE_CHECKING:
    from model.core.community import CommunityModel


# 10 ------------------------------------------------------------------------------
def allocate_professional_time(m: CommunityModel) -> None:
    """Open-case demand per professional, then each professional splits the week and takes cases.

    Cases of professionals who no longer do casework (community builders after a redeployment
    ends, temporary staff who left) go back to the head of their neighbourhood's waiting list.
    The professionals' rule (:func:`_split_weeks`) is one compiled pass over their arrays; the
    :class:`agents.Professional` agents read their hours from those arrays.
    """
    pop, lev, p = m.pop, m.levers, m.p
    does_casework = m.pro_team | lev.builders_do_casework[m.pro_nbh]
    cases, open_at, open_prof, waiting, waiting_at = _cases_by_state(pop.case_state, pop.case_prof,
                                                                     does_casework & (m.pro_fte > 0))
    # Read by the professionals (life domains do not change here); only residents with a case ask hours. The
    # waiting residents' hours go with them into their order: a per-resident array of every case's hours, zeros
    # elsewhere, was made for them before (8 MB cleared and some 75,000 places written a week at 1,000,000
    # residents; this submodel 3.7 -> 3.1 ms there, 0.54 -> 0.49 at 100,000, caches cold).
    hours = case_hours_of(m, cases)
    # Each neighbourhood's waiting list, longest waiting first (the first resident of equals).
    order = _waiting_order(waiting, pop.case_since, pop.nbh, m.n_nbh)
    m.case_demand, m.pro_hours, m.pro_bemoeizorg = _split_weeks(
        open_prof, hours[open_at], waiting[order], hours[waiting_at[order]], pop.case_state, pop.case_prof, pop.nbh,
        m.pro_nbh, m.pro_fte, does_casework, lev.accountability, lev.protected_share, lev.bemoeizorg_share,
        p.hours_per_week, p.admin_base_hours, p.admin_per_case_hours, m.counters.cases_opened)


@numba.njit(cache=True)
def _split_weeks(open_prof: np.ndarray, open_hours: np.ndarray, waiting: np.ndarray, waiting_hours: np.ndarray,
                 case_state: np.ndarray, case_prof: np.ndarray, nbh: np.ndarray, pro_nbh: np.ndarray,
                 pro_fte: np.ndarray, does_casework: np.ndarray, accountability: np.ndarray,
                 protected_share: np.ndarray, bemoeizorg_share: np.ndarray, hours_per_week: float,
                 admin_base_hours: float, admin_per_case_hours: float, cases_opened: np.ndarray) -> tuple:
    """Each professional in order splits the week's hours and takes cases (``docs/ODD.md``, 7.10).

    ``open_prof`` and ``open_hours``: the professional and the hours of each open case (residents ascending;
    compact, from :func:`_cases_by_state`; read at the residents' places, nearly every cache line of two 8 MB arrays
    at 1,000,000 residents: with the cases' pass and hours 4.2-4.4 -> 3.5-3.7 ms there); ``waiting``: the waiting
    residents by neighbourhood, longest waiting first, and their hours ``waiting_hours``. The budget is split as:
    administration first (fixed plus per open case, scaled by the accountability lever), then the protected
    community-work share, then casework up to what is left; community work is whatever remains, so ``casework +
    admin + community == fte * hours_per_week``. Where casework is served first and protection is zero, community
    work is what casework leaves over (the casework trap). Those who do casework reserve the ``bemoeizorg_share``
    lever's share of their casework time for seeking out residents who do not ask (counted as casework) and take
    residents from the head of their neighbourhood's waiting list while they fit (the first that does not stops
    their intake; the next professional of the neighbourhood tries it again). Opened cases are set in place
    (``case_state``, ``case_prof``, ``cases_opened``).

    Returns each professional's casework demand (the hours its open cases ask, new ones included), hours
    (casework, administration, community work) and bemoeizorg hours (part of casework).
    """
    n_pro = len(pro_nbh)
    # Demand and open cases per professional, summed in the residents' order (numpy's bincount's bits).
    demand_of, count = np.zeros(n_pro), np.zeros(n_pro, dtype=np.int64)
    for k in range(len(open_prof)):
        demand_of[open_prof[k]] += open_hours[k]
        count[open_prof[k]] += 1
    # The head of each neighbourhood's waiting list, and its end.
    head, end = np.zeros(len(accountability), dtype=np.int64), np.zeros(len(accountability), dtype=np.int64)
    for x in range(len(waiting)):
        end[nbh[waiting[x]]] = x + 1
    for b in range(1, len(end)):
        end[b] = max(end[b], end[b - 1])
    for b in range(1, len(end)):
        head[b] = end[b - 1]
    hours, bemoeizorg = np.empty((n_pro, 3)), np.empty(n_pro)
    for q in range(n_pro):
        b = pro_nbh[q]
        budget = pro_fte[q] * hours_per_week
        acc = accountability[b]
        protected = protected_share[b] * budget
        demand = demand_of[q]
        admin = min(budget, acc * (pro_fte[q] * admin_base_hours + admin_per_case_hours * count[q]))
        casework = outreach = 0.0
        if does_casework[q]:
            reserved = bemoeizorg_share[b] * max(0.0, budget - admin - protected)
            extra_admin = acc * admin_per_case_hours
            opened = 0
            while head[b] < end[b]:
                r, case_hours = waiting[head[b]], waiting_hours[head[b]]
                if demand + case_hours + admin + extra_admin + protected + reserved > budget:
                    break
                head[b] += 1
                case_state[r] = CASE_OPEN
                case_prof[r] = q
                demand += case_hours
                opened += 1
                admin += extra_admin
            cases_opened[b] += opened
            outreach = min(reserved, max(0.0, budget - admin - protected))
            casework = max(0.0, min(demand, budget - admin - protected - outreach)) + outreach
        demand_of[q] = demand
        hours[q, 0], hours[q, 1] = casework, admin
        hours[q, 2] = max(0.0, budget - admin - casework)  # not below 0 by rounding
        bemoeizorg[q] = outreach
    return demand_of, hours, bemoeizorg


@numba.njit(cache=True)
def _waiting_order(waiting: np.ndarray, case_since: np.ndarray, nbh: np.ndarray, n_nbh: int) -> np.ndarray:
    """The order of the residents ``waiting`` by neighbourhood, then by ``case_since``, then their own (a stable sort).

    That is ``np.lexsort((case_since[waiting], nbh[waiting]))``: a counting sort by both keys at once where the
    weeks since cases began span few values (a waiting list's weeks; 1.9 -> 0.3 ms at 1,000,000 residents with
    72,000 waiting), else two stable sorts.
    """
    if len(waiting) == 0:
        return np.empty(0, dtype=np.int64)
    # Both keys read once (the residents' arrays lie far apart in memory), then the compact copies.
    since, home = np.empty(len(waiting), dtype=np.int64), np.empty(len(waiting), dtype=np.int64)
    for k in range(len(waiting)):
        since[k], home[k] = case_since[waiting[k]], nbh[waiting[k]]
    lo, hi = since.min(), since.max()
    span = hi - lo + 1
    if span > (4 * len(waiting) + 65536) // n_nbh:  # too many weeks for a count of each (in no model run)
        order = np.argsort(since, kind="mergesort")
        return order[np.argsort(home[order], kind="mergesort")]
    start = np.zeros(n_nbh * span + 1, dtype=np.int64)
    for k in range(len(waiting)):
        home[k] = home[k] * span + since[k] - lo  # the bucket
        start[home[k] + 1] += 1
    for q in range(n_nbh * span):
        start[q + 1] += start[q]
    order = np.empty(len(waiting), dtype=np.int64)
    for k in range(len(waiting)):
        order[start[home[k]]] = k
        start[home[k]] += 1
    return order


@numba.njit(cache=True)
def _cases_by_state(case_state: np.ndarray, case_prof: np.ndarray, does_casework: np.ndarray) -> tuple:
    """Those with a case, the open cases' places among them and professionals, the waiting and their places among them.

    One pass over the residents. Residents ascending; the open cases' professionals (and hours, by their places)
    compact for :func:`_split_weeks`, as the waiting residents' hours (by their places).
    Open cases of professionals who no longer do casework (community builders after a redeployment ends,
    temporary staff who left) go back to the waiting list first (``case_prof`` NO). Most residents have
    no case, so the first branch is nearly always predicted right (five numpy passes before).
    """
    n = len(case_state)
    cases, open_at, waiting = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    waiting_at = np.empty(n, np.int64)
    open_prof = np.empty(n, case_prof.dtype)
    n_cases = n_open = n_waiting = 0
    for i in range(n):
        if case_state[i] == CASE_NONE:
            continue
        if case_state[i] == CASE_OPEN and not does_casework[max(case_prof[i], 0)]:
            case_state[i], case_prof[i] = CASE_WAITING, NO
        if case_state[i] == CASE_OPEN:
            open_at[n_open], open_prof[n_open] = n_cases, case_prof[i]
            n_open += 1
        elif case_state[i] == CASE_WAITING:
            waiting[n_waiting], waiting_at[n_waiting] = i, n_cases
            n_waiting += 1
        cases[n_cases] = i
        n_cases += 1
    return cases[:n_cases], open_at[:n_open], open_prof[:n_open], waiting[:n_waiting], waiting_at[:n_waiting]


# 12 ------------------------------------------------------------------------------
def community_work(m: CommunityModel) -> None:
    """Professionals' community hours: connecting, initiative support, talent spotting, outreach.

    Whom connecting and talent spotting reach follows the ``targeting`` lever: at 0 those who come
    forward (in proportion to their engagement), at 1 the isolated (connecting, in proportion to
    1 / (1 + good ties)) and the vulnerable (spotting). For ``switch_disruption_weeks`` after a
    neighbourhood's steering mode changed, community work has ``1 - switch_disruption`` of its effect.

    One compiled call a week (:func:`_community_work`) that draws its own numbers from one key of the
    model's generator (:mod:`model.core.draws`); some 40 numpy calls and draws per neighbourhood before.
    """
    p, pop, ini = m.p, m.pop, m.inits
    hours, who, other, bridging, referred = _community_work(
        draw_key(m.rng), m.week, m.municipality.switched_week, p.switch_disruption_weeks, p.switch_disruption,
        m.pro_nbh, m.pro_hours, m.levers.community_split, m.levers.targeting, m.nbh_start, p.introductions_per_hour,
        p.spotting_per_hour, p.outreach_per_hour, p.spotting_competence_gain, p.outreach_targeting, p.similar_search,
        ini.alive, ini.taken_over, ini.nbh, ini.support_weight, ini.support_hours, pop.score, pop.engagement,
        pop.good_ties, pop.vulnerability, pop.talents, pop.zrm, pop.case_state, pop.helper, pop.member_of,
        pop.prompted, pop.spotted, pop.competence, m.counters.outreach_found, pop.age, pop.low_income, pop.nbh,
        m.nbh_size)
    m.community_hours = hours
    # Referrals and introductions to neighbours after the loop: nothing in it reads a referred resident's case
    # (outreach comes last in a neighbourhood, and refers only its own residents) or the ties; and adding ties
    # per neighbourhood would rewrite the tie arrays once per neighbourhood (a real city has 100 wijken).
    if len(referred):
        refer(m, referred)
    m.net.add(who, other, p.introduction_strength, False, bridging)


# The streams of community_work's key: draws.uniform(key, stream * n + resident), and at the end per
# neighbourhood b its three counts and three samples (positions _PER_NBH * n + 6 * b + 0..5).
_JOIN, _INVITE, _SIMILAR, _PER_NBH = range(4)


@numba.njit(cache=True)
def _community_work(key: np.uint64, week: int, switched_week: np.ndarray, disruption_weeks: int, disruption: float,
                    pro_nbh: np.ndarray, pro_hours: np.ndarray, split: np.ndarray, targeting: np.ndarray,
                    nbh_start: np.ndarray, introductions_per_hour: float, spotting_per_hour: float,
                    outreach_per_hour: float, competence_gain: float, outreach_targeting: float, similar_search: int,
                    alive: np.ndarray, taken_over: np.ndarray, ini_nbh: np.ndarray, support_weight: np.ndarray,
                    support_hours: np.ndarray, score: np.ndarray, engagement: np.ndarray, good_ties: np.ndarray,
                    vulnerability: np.ndarray, talents: np.ndarray, zrm: np.ndarray, case_state: np.ndarray,
                    helper: np.ndarray, member_of: np.ndarray, prompted: np.ndarray, spotted: np.ndarray,
                    competence: np.ndarray, outreach_found: np.ndarray, age: np.ndarray, low_income: np.ndarray,
                    nbh: np.ndarray, nbh_size: np.ndarray) -> tuple:
    """The rule of :func:`community_work`, per neighbourhood in order, with its own draws; effects in place.

    Counts are Poisson (``draws.poisson``), residents are drawn without replacement in proportion to
    their chances (:func:`_successive_sample`), initiatives and similar neighbours' candidates uniformly.
    Returns the community hours per neighbourhood and activity, the residents introduced to neighbours
    with those neighbours and the ties' bridging flags, and the residents to refer (``refer``), in the
    order the neighbourhoods found them.
    """
    n, n_nbh = len(score), len(nbh_start) - 1
    total = np.zeros(n_nbh)
    for x in range(len(pro_nbh)):
        total[pro_nbh[x]] += pro_hours[x, 2]
    hours = np.empty((n_nbh, 4))
    for b in range(n_nbh):
        for c in range(4):
            hours[b, c] = total[b] * split[b, c]
    # The neighbourhood's resident-run initiatives, ascending (a counting sort by neighbourhood).
    living = np.flatnonzero(alive & ~taken_over)
    first = np.zeros(n_nbh + 1, dtype=np.int64)
    for k in living:
        first[ini_nbh[k] + 1] += 1
    first = np.cumsum(first)
    inits, filled = np.empty(len(living), dtype=np.int64), first[:-1].copy()
    for k in living:
        inits[filled[ini_nbh[k]]] = k
        filled[ini_nbh[k]] += 1
    support_hours[:] = 0
    introduced, referred = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    n_introduced = n_referred = 0
    for b in range(n_nbh):
        lo, hi = nbh_start[b], nbh_start[b + 1]
        inits_b = inits[first[b]:first[b + 1]]
        effect = 1 - disruption if week - switched_week[b] < disruption_weeks else 1.0
        # Connecting: lonely residents are introduced to an initiative or to a similar neighbour.
        at = _PER_NBH * n + 6 * b
        k = poisson(key, at, hours[b, 0] * effect * introductions_per_hour)
        lonely, w_connect = _lonely_chances(score[lo:hi], engagement[lo:hi], good_ties[lo:hi], lo, targeting[b])
        # The chances of the three samples below (connecting, talent spotting, outreach) and their first
        # rounds' running sums at once: they are independent chains of additions.
        w_spot = _reach_chances(engagement[lo:hi], vulnerability[lo:hi], targeting[b])
        w_out = _outreach_chances(vulnerability[lo:hi], outreach_targeting)
        sums, positive = _running_sums(w_connect, w_spot, w_out)
        if k and len(lonely):
            for i in lonely[_sample_from(key, at + 3, w_connect, sums[0, :len(lonely)], positive[0], k)]:
                if len(inits_b) == 0:
                    introduced[n_introduced] = i
                    n_introduced += 1
                elif member_of[i] < 0:
                    member_of[i] = inits_b[integer(key, _JOIN * n + i, len(inits_b))]
                prompted[i] = True
        # Initiative support: hours shared by the neighbourhood's resident-run initiatives, in equal parts
        # unless professionals chose which to support (support_weight, intervention support_initiatives).
        parts = support_weight[inits_b]
        parts_total = pairwise_sum(parts, 0, len(parts))
        if parts_total > 0:
            support_hours[inits_b] = hours[b, 1] * effect * parts / parts_total
        # Talent spotting: residents with talents are seen and invited to contribute.
        k = poisson(key, at + 1, hours[b, 2] * effect * spotting_per_hour)
        if k:
            for i in lo + _sample_from(key, at + 4, w_spot, sums[1], positive[1], k):
                if talents[i].any():
                    spotted[i] = True
                    competence[i] = min(1.0, competence[i] + competence_gain)
                    if len(inits_b) and member_of[i] < 0:
                        member_of[i] = inits_b[integer(key, _INVITE * n + i, len(inits_b))]
        # Outreach: visits uncover hidden demand (CPB, Magnee & Benda): registered demand rises first.
        k = poisson(key, at + 2, hours[b, 3] * effect * outreach_per_hour)
        if k:
            who = lo + _sample_from(key, at + 5, w_out, sums[2], positive[2], k)
            hidden, refer_b = _hidden_demand(who, _need_levels_of(zrm, who), case_state, helper)
            prompted[hidden] = True
            outreach_found[b] += len(hidden)
            referred[n_referred:n_referred + len(refer_b)] = refer_b
            n_referred += len(refer_b)
    # Introductions to a similar neighbour: similar_search candidates of the neighbourhood per resident.
    who = introduced[:n_introduced]
    u = np.empty((n_introduced, similar_search))
    for x in range(n_introduced):
        sub = subkey(key, _SIMILAR * n + who[x])
        for y in range(similar_search):
            u[x, y] = uniform(sub, y)
    other = _similar_neighbour(who, u, nbh_start, nbh_size, nbh, age, low_income)
    return hours, who, other, _is_bridging(who, other, age, low_income, nbh), referred[:n_referred]


@numba.njit(cache=True, inline="always")
def _draw_distinct(sub: np.uint64, t: int, weight: np.ndarray, cdf: np.ndarray, chosen: np.ndarray,
                   seen: np.ndarray, taken: int) -> np.ndarray:
    """Fill ``chosen`` (``taken`` of it filled, ``seen`` marking them) with distinct places by ``weight``.

    Each round draws as many numbers of ``sub`` (from its ``t``-th on) as places are missing and keeps those
    that fall on places not yet taken (:func:`_take_distinct`, ``cdf`` its scratch), until ``chosen`` is full.
    """
    while taken < len(chosen):
        x = np.empty(len(chosen) - taken)
        for j in range(len(x)):
            x[j] = uniform(sub, t + j)
        t += len(x)
        taken = _take_distinct(weight, x, cdf, chosen, seen, taken)
    return chosen


@numba.njit(cache=True)
def _successive_sample(key: np.uint64, k: int, weight: np.ndarray, size: int) -> np.ndarray:
    """Up to ``size`` distinct positions of ``weight``, drawn one after another in proportion to the weights left.

    numpy's algorithm of ``Generator.choice(..., replace=False, p=weight)`` (:func:`helpers._take_distinct`:
    uniform numbers searched in the cumulative weights, repeats drawn again with the chosen weights set to
    zero) with the numbers of ``subkey(key, k)``, one after another. The same distribution as
    ``draws.weighted_sample`` (successive sampling, in draw order), at a fraction of the cost of that
    function's first form (some 2 against 15 us for 5 of 500): a sum and a search per draw instead of a
    logarithm per candidate and a sort. At most as many positions as have a positive weight are returned.
    """
    size = min(size, np.count_nonzero(weight > 0))
    cdf, chosen, seen = np.empty(len(weight)), np.empty(size, dtype=np.int64), np.zeros(len(weight), dtype=np.bool_)
    return _draw_distinct(subkey(key, k), 0, weight, cdf, chosen, seen, 0)


@numba.njit(cache=True)
def _lonely_chances(score: np.ndarray, engagement: np.ndarray, good_ties: np.ndarray, lo: int,
                    targeting: float) -> tuple[np.ndarray, np.ndarray]:
    """The lonely residents of a neighbourhood (``score``, ... its residents from ``lo``) and their chances.

    The chances of :func:`_reach_chances` with need ``1 / (1 + good_ties)``, the lonely listed branch-free and
    their values gathered in one loop, not through six temporaries.
    """
    where = np.empty(len(score), dtype=np.int64)
    m = 0
    for j in range(len(score)):
        where[m] = j
        m += score[j] >= LONELY
    eng, need, lonely = np.empty(m), np.empty(m), np.empty(m, dtype=np.int64)
    for x in range(m):
        j = where[x]
        lonely[x] = lo + j
        eng[x] = engagement[j]
        need[x] = 1 / (1 + good_ties[j])
    return lonely, _reach_chances(eng, need, targeting)


@numba.njit(cache=True)
def _running_sums(w0: np.ndarray, w1: np.ndarray, w2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running sums of three arrays of chances as the first round of :func:`_take_distinct` adds them up.

    ``w0`` at most as long as ``w1`` and ``w2`` (of one length). Returns the running sums (row ``r`` for
    ``w<r>``, row 0 in its first ``len(w0)`` places) and the numbers of positive chances. Each running sum is a
    chain of dependent additions (one addition's latency per resident); the three advance in one loop, each
    with the same additions in the same order, so the same bits: 22 us for two chains of 25,000 as for one.
    They are not divided by their last (the cumulative shares): :func:`_first_shares_above` works out only the
    few shares its search needs.
    """
    m, n = len(w0), len(w1)
    sums, positive = np.empty((3, n)), np.zeros(3, dtype=np.int64)
    c0, c1, c2 = sums[0], sums[1], sums[2]
    s0 = s1 = s2 = 0.0
    for j in range(m):
        s0 += w0[j]
        s1 += w1[j]
        s2 += w2[j]
        c0[j], c1[j], c2[j] = s0, s1, s2
    for j in range(m, n):
        s1 += w1[j]
        s2 += w2[j]
        c1[j], c2[j] = s1, s2
    for r, w in enumerate((w0, w1, w2)):  # counted in loops of their own: vectorised, unlike in the sums' loop
        count = 0
        for j in range(len(w)):
            count += w[j] > 0
        positive[r] = count
    return sums, positive


@numba.njit(cache=True)
def _sample_from(key: np.uint64, k: int, w: np.ndarray, sums: np.ndarray, positive: int, size: int) -> np.ndarray:
    """:func:`_successive_sample` of the chances ``w`` given its first round's running sums and count.

    ``sums`` and ``positive`` as :func:`_running_sums` computes them for ``w``; the same positions as
    ``_successive_sample(key, k, w, size)``. Only the repeats (a resident drawn twice in a round) need
    :func:`_take_distinct`'s pass over the chances again.
    """
    size = min(size, positive)
    sub = subkey(key, k)
    x = np.empty(size)
    for t in range(size):
        x[t] = uniform(sub, t)
    chosen, seen = np.empty(size, dtype=np.int64), np.zeros(len(w), dtype=np.bool_)
    taken = keep_unseen(_first_shares_above(sums, x), chosen, seen, 0)
    return _draw_distinct(sub, size, w, np.empty(len(w)), chosen, seen, taken)


@numba.njit(cache=True)
def _hidden_demand(who: np.ndarray, need: np.ndarray, case_state: np.ndarray,
                   helper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hidden demand among the residents outreach visits, and those of them to refer, in ``who``'s order.

    Hidden: a need (``need``, per resident of ``who``) but neither a case nor a helper; referred: of those,
    need level 2 or more. One compiled pass instead of seven numpy calls per neighbourhood (a week's fixed
    cost in a small city).
    """
    hidden, referred = np.empty(len(who), np.int64), np.empty(len(who), np.int64)
    n_hidden = n_referred = 0
    for x in range(len(who)):
        r = who[x]
        if need[x] >= 1 and case_state[r] == CASE_NONE and helper[r] < 0:
            hidden[n_hidden] = r
            n_hidden += 1
            if need[x] >= 2:
                referred[n_referred] = r
                n_referred += 1
    return hidden[:n_hidden], referred[:n_referred]


def reach_chances(engagement: np.ndarray, in_need: np.ndarray, targeting: float) -> np.ndarray:
    """Chances of being reached: a mix, by ``targeting``, of coming forward and of need (each as a share).

    Coming forward is engagement plus a little for everyone (0.05: those who never attend are still
    met now and then, at the front desk or the school gate), so that every resident can be reached.
    One compiled pass (numpy's nine passes and temporaries cost more than the arithmetic at city
    scale); its sums are numpy's pairwise sums (:func:`pairwise_sum`), so the chances keep every bit.
    """
    return _reach_chances(np.asarray(engagement, dtype=np.float64), np.asarray(in_need, dtype=np.float64),
                          float(targeting))


@numba.njit(cache=True)
def _reach_chances(engagement: np.ndarray, in_need: np.ndarray, targeting: float) -> np.ndarray:
    forward, need = engagement + 0.05, in_need + 1e-9
    forward_total, need_total = pairwise_sum(forward, 0, len(forward)), pairwise_sum(need, 0, len(need))
    chances = np.empty(len(forward))
    for i in range(len(forward)):
        chances[i] = (1 - targeting) * (forward[i] / forward_total) + targeting * (need[i] / need_total)
    return chances


@numba.njit(cache=True)
def _outreach_chances(vulnerability: np.ndarray, targeting: float) -> np.ndarray:
    """Outreach's chances: the most vulnerable ``targeting`` times as likely as the least, ``1 + (targeting - 1) v``."""
    weight = 1 + (targeting - 1) * vulnerability
    return weight / pairwise_sum(weight, 0, len(weight))
