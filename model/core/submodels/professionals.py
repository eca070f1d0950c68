"""Submodels of professionals: the week's hours and new cases, and community work (``docs/ODD.md``, 7.10, 7.12)."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.city import is_bridging, similar_neighbour
from model.core.state import CASE_NONE, CASE_OPEN, CASE_WAITING, LONELY, NO, need_level_of
from model.core.submodels.helpers import case_hours_of, weighted_sample
from model.core.submodels.needs import refer

if TYPE_CHECKING:
    from model.core.community import CommunityModel


# 10 ------------------------------------------------------------------------------
def allocate_professional_time(m: CommunityModel) -> None:
    """Open-case demand per professional, then each professional splits the week and takes cases.

    Cases of professionals who no longer do casework (community builders after a redeployment
    ends, temporary staff who left) go back to the head of their neighbourhood's waiting list.
    """
    pop = m.pop
    does_casework = (m.pro_team | m.levers.builders_do_casework[m.pro_nbh]) & (m.pro_fte > 0)
    cases, open_, waiting = _cases_by_state(pop.case_state, pop.case_prof, does_casework)
    # Read by the professionals (life domains do not change here); only residents with a case ask hours.
    m.case_hours_now = np.zeros(len(pop))
    m.case_hours_now[cases] = case_hours_of(m, cases)
    m.case_demand = np.bincount(pop.case_prof[open_], m.case_hours_now[open_], minlength=len(m.professionals))
    m.case_count = np.bincount(pop.case_prof[open_], minlength=len(m.professionals))
    # Each neighbourhood's waiting list, longest waiting first (the first resident of equals): lexsort is
    # stable, so this is the order of a stable sort by case_since split by neighbourhood.
    waiting = waiting[np.lexsort((pop.case_since[waiting], pop.nbh[waiting]))]
    ends = np.cumsum(np.bincount(pop.nbh[waiting], minlength=m.n_nbh)).tolist()
    # Python ints: the professionals index with them, faster than with numpy's scalars.
    queued = waiting.tolist()
    m.waiting_by_nbh = [deque(queued[start:end]) for start, end in zip([0, *ends[:-1]], ends, strict=True)]
    for pro in m.professionals:
        pro.step()
    m.pro_hours = np.array([[pro.casework, pro.admin, pro.community] for pro in m.professionals]).reshape(-1, 3)
    m.pro_bemoeizorg = np.array([pro.bemoeizorg for pro in m.professionals])


@numba.njit(cache=True)
def _cases_by_state(case_state: np.ndarray, case_prof: np.ndarray,
                    does_casework: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The residents with a case, with an open case and waiting (ascending), in one pass over the residents.

    Open cases of professionals who no longer do casework (community builders after a redeployment ends,
    temporary staff who left) go back to the waiting list first (``case_prof`` NO). Most residents have
    no case, so the first branch is nearly always predicted right (five numpy passes before).
    """
    n = len(case_state)
    cases, open_, waiting = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    n_cases = n_open = n_waiting = 0
    for i in range(n):
        if case_state[i] == CASE_NONE:
            continue
        if case_state[i] == CASE_OPEN and not does_casework[max(case_prof[i], 0)]:
            case_state[i], case_prof[i] = CASE_WAITING, NO
        cases[n_cases] = i
        n_cases += 1
        if case_state[i] == CASE_OPEN:
            open_[n_open] = i
            n_open += 1
        elif case_state[i] == CASE_WAITING:
            waiting[n_waiting] = i
            n_waiting += 1
    return cases[:n_cases], open_[:n_open], waiting[:n_waiting]


# 12 ------------------------------------------------------------------------------
def community_work(m: CommunityModel) -> None:
    """Professionals' community hours: connecting, initiative support, talent spotting, outreach.

    Whom connecting and talent spotting reach follows the ``targeting`` lever: at 0 those who come
    forward (in proportion to their engagement), at 1 the isolated (connecting, in proportion to
    1 / (1 + good ties)) and the vulnerable (spotting). For ``switch_disruption_weeks`` after a
    neighbourhood's steering mode changed, community work has ``1 - switch_disruption`` of its effect.
    """
    p, rng, pop, ini = m.p, m.rng, m.pop, m.inits
    hours = np.bincount(m.pro_nbh, m.pro_hours[:, 2], minlength=m.n_nbh)[:, None] * m.levers.community_split
    m.community_hours = hours
    disrupted = m.week - m.municipality.switched_week < p.switch_disruption_weeks
    effective = hours * np.where(disrupted, 1 - p.switch_disruption, 1.0)[:, None]
    alive = ini.alive & ~ini.taken_over
    ini.support_hours[:] = 0
    # Introductions to neighbours become ties in one pass over the tie arrays after the loop: adding
    # them per neighbourhood would rewrite those arrays once per neighbourhood (slow for a real city's
    # 100 wijken), and nothing in the loop reads the ties.
    introduced: list[tuple[np.ndarray, np.ndarray]] = []
    living = np.flatnonzero(alive)
    # A neighbourhood's residents are a run of the arrays: read their values as slices (views, not copies).
    everyone = np.arange(len(pop))
    lonely_all = np.flatnonzero(pop.score >= LONELY)
    lonely_start = np.searchsorted(lonely_all, m.nbh_start)
    for b in range(m.n_nbh):
        lo, hi = m.nbh_start[b], m.nbh_start[b + 1]
        residents = everyone[lo:hi]
        inits_b = living[ini.nbh[living] == b]
        target = m.levers.targeting[b]
        # Connecting: lonely residents are introduced to an initiative or to a similar neighbour.
        k = rng.poisson(effective[b, 0] * p.introductions_per_hour)
        lonely = lonely_all[lonely_start[b]:lonely_start[b + 1]]
        if k and len(lonely):
            weight = reach_chances(pop.engagement[lonely], 1 / (1 + pop.good_ties[lonely]), target)
            who = weighted_sample(rng, lonely, min(k, len(lonely)), weight)
            if len(inits_b):
                j = who[pop.member_of[who] < 0]
                # rng.choice(inits_b, len(j))'s draws, without its checks (a third of the loop's time);
                # none to draw for nobody (a draw of size 0 leaves the generator as it is).
                if len(j):
                    pop.member_of[j] = inits_b[rng.integers(0, len(inits_b), len(j))]
            else:
                introduced.append((who, similar_neighbour(m, who)))
            pop.prompted[who] = True
        # Initiative support: hours shared by the neighbourhood's resident-run initiatives, in equal parts
        # unless professionals chose which to support (support_weight, intervention support_initiatives).
        parts = ini.support_weight[inits_b]
        total = parts.sum()
        if total > 0:
            ini.support_hours[inits_b] = effective[b, 1] * parts / total
        # Talent spotting: residents with talents are seen and invited to contribute.
        k = rng.poisson(effective[b, 2] * p.spotting_per_hour)
        if k:
            weight = reach_chances(pop.engagement[lo:hi], pop.vulnerability[lo:hi], target)
            who = weighted_sample(rng, residents, min(k, len(residents)), weight)
            who = who[pop.talents[who].any(axis=1)]
            pop.spotted[who] = True
            pop.competence[who] = np.minimum(1, pop.competence[who] + p.spotting_competence_gain)
            free = who[pop.member_of[who] < 0]
            if len(inits_b) and len(free):
                pop.member_of[free] = inits_b[rng.integers(0, len(inits_b), len(free))]
        # Outreach: visits uncover hidden demand (CPB, Magnee & Benda): registered demand rises first.
        k = rng.poisson(effective[b, 3] * p.outreach_per_hour)
        if k:
            weight = _outreach_chances(pop.vulnerability[lo:hi], p.outreach_targeting)
            who = weighted_sample(rng, residents, min(k, len(residents)), weight)
            hidden, referred = _hidden_demand(who, need_level_of(pop.zrm, who), pop.case_state, pop.helper)
            refer(m, referred)
            pop.prompted[hidden] = True
            m.counters.outreach_found[b] += len(hidden)
    if introduced:
        who, other = (np.concatenate(parts) for parts in zip(*introduced, strict=True))
        m.net.add(who, other, p.introduction_strength, False, is_bridging(m, who, other))


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


@numba.njit(cache=True)
def pairwise_sum(x: np.ndarray, start: int, n: int) -> float:
    """The sum of ``x[start:start + n]`` as numpy sums a contiguous float64 array (the same bits).

    numpy's pairwise summation (``pairwise_sum`` in its ``loops_utils.h``): up to 128 numbers in one
    block (:func:`_block_sum`); more split in two halves (the first a multiple of 8) summed alike, and
    added. Written with explicit stacks: numba's cache crashes on recursive functions.
    """
    # Frames to do (start, size, halves already pushed?) and the sums done, in the order numpy adds them.
    starts, sizes = np.empty(128, dtype=np.int64), np.empty(128, dtype=np.int64)
    split, sums = np.zeros(128, dtype=np.bool_), np.empty(128)
    starts[0], sizes[0], frames, done = start, n, 1, 0
    while frames:
        frames -= 1
        first, size = starts[frames], sizes[frames]
        if size <= 128:
            sums[done] = _block_sum(x, first, size)
            done += 1
        elif split[frames]:  # both halves summed: left + right
            sums[done - 2] += sums[done - 1]
            done -= 1
        else:
            half = size // 2 - (size // 2) % 8
            split[frames] = True
            starts[frames + 1], sizes[frames + 1], split[frames + 1] = first + half, size - half, False
            starts[frames + 2], sizes[frames + 2], split[frames + 2] = first, half, False
            frames += 3  # this frame again (to add), the right half, the left half (summed first)
    return sums[0]


@numba.njit(cache=True)
def _block_sum(x: np.ndarray, start: int, n: int) -> float:
    """The sum of at most 128 numbers as numpy adds them: under 8 one by one, else in eight partial sums."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += x[i]
        return total
    r = x[start:start + 8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += x[start + i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for k in range(i, n):
        total += x[start + k]
    return total
