"""Submodels of needs and help: life events, informal help, escalation to the front desk, casework.

``docs/ODD.md``, sections 7.3 (``life_events``), 7.8 (``informal_help``), 7.9 (``escalate_needs``)
and 7.11 (``casework``); :func:`refer` puts residents on the waiting list (also used by outreach).
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.city import is_bridging, replace_residents
from model.core.draws import draw_key, integer, poisson, uniform, weighted_sample
from model.core.network import find_in_starts
from model.core.state import (
    CARE_TALENT,
    CASE_NONE,
    CASE_OPEN,
    CASE_WAITING,
    LONELY,
    NO,
    _need_levels_of_all,
    need_level_at,
    need_level_of,
)
from model.core.submodels.helpers import _free_to_help, kernel_parameters, open_at_once, recover_one
from model.core.tie_lookups import AHEAD, _asking_pairs
from model.core.tie_passes import _prefetch

if TYPE_CHECKING:
    from model.core.community import CommunityModel


_HelpParameters = namedtuple("_HelpParameters", [
    "ask_rate", "prompted_ask", "carer_strain_rate", "strain_recovery_rate", "carer_strain_limit",
    "carer_capacity_hours", "care_talent_preference", "informal_recovery_rate"])

_LifeParameters = namedtuple("_LifeParameters", [
    "zrm_shock_rate", "vulnerability_shock_factor", "shock_factor_75plus", "lonely_shock_factor"])

_EscalationParameters = namedtuple("_EscalationParameters", [
    "deterioration_rate", "renege_rate", "crisis_rate", "escalation_weeks", "formal_ask_rate", "formal_reluctance",
    "heavy_need_ask_factor", "carer_strain_limit", "carer_capacity_hours"])


# 3 -------------------------------------------------------------------------------
def life_events(m: CommunityModel) -> None:
    """Turnover, household changes, ZRM shocks and own recovery.

    Moving in with others balances starting to live alone: the rate ``rate * (1 - a) / a``
    for the share ``a`` living alone in the resident's neighbourhood and age group keeps
    households stationary (the model has no ageing; newcomers are drawn with the same share).
    Life events hit lonely residents ``lonely_shock_factor`` times as often: the less community
    strength, the more individual problems.

    Its random numbers are drawn in its kernels from one key of the model's generator a week
    (:mod:`model.core.draws`): a stream per kind of draw, one number per resident in each.
    """
    p, pop = m.p, m.pop
    key = draw_key(m.rng)
    leaving = _leaving(key, np.array(p.turnover_rate), pop.age)
    if len(leaving):
        replace_residents(m, leaving)  # newcomers' own draws come from the model's generator
    # Households change, and life events hit: their rate rises with vulnerability and age, and with a demand shock.
    _households_and_shocks(kernel_parameters(_LifeParameters, p), key, np.array(p.becoming_alone_rate), m.alone_p,
                           m.levers.demand_multiplier, m.nbh_start, pop.age, pop.vulnerability, pop.score, pop.alone,
                           pop.zrm)
    _self_recovery(key, p.self_recovery_rate, pop.zrm, pop.chronic)


# The streams of life_events' key (draws.uniform(key, stream * n + resident)).
_LEAVE, _HOUSEHOLD, _SHOCK, _DOMAIN, _RECOVER = range(5)


@numba.njit(cache=True)
def _leaving(key: np.uint64, turnover_rate: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Who leaves the city this week, at the turnover rate of their age group (0-3).

    Everyone's draw and flag first, in a loop the compiler turns into vector instructions (the rate chosen among the
    four, not read at ``turnover_rate[age[i]]``, which kept the loop scalar), then the few who leave (a branch nearly
    never taken) listed. The flags of blocks of 1,024 residents, each block listed at once, were slower: 1.33-1.44
    against 0.79-0.84 ms at 1,000,000 residents, 0.16-0.19 against 0.12-0.14 at 100,000.
    """
    n = len(age)
    r0, r1, r2, r3 = turnover_rate[0], turnover_rate[1], turnover_rate[2], turnover_rate[3]
    go = np.empty(n, dtype=np.bool_)
    for i in range(n):
        a = age[i]
        rate = r0 if a == 0 else (r1 if a == 1 else (r2 if a == 2 else r3))
        go[i] = uniform(key, _LEAVE * n + i) < rate
    leave = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        if go[i]:
            leave[k] = i
            k += 1
    return leave[:k]


@numba.njit(cache=True)
def _households_and_shocks(p: tuple, key: np.uint64, becoming_alone_rate: np.ndarray, alone_p: np.ndarray,
                           demand: np.ndarray, nbh_start: np.ndarray, age: np.ndarray, vulnerability: np.ndarray,
                           score: np.ndarray, alone: np.ndarray, zrm: np.ndarray) -> None:
    """Household changes and life events (a random life domain one point down, not below 1), in place.

    Neighbourhood by neighbourhood (residents ``nbh_start[b]:nbh_start[b + 1]``, as they are stored), over views
    of its residents in a loop ``range(count)`` that the compiler turns into vector instructions (AVX-512): its
    chances chosen among the four age groups (``x if age == 0 else ...``, selects in that loop, not reads at a
    place that differs per resident), both draws and whether a life event hits noted per resident; then the
    few hit (a branch nearly never taken) draw their domain. The household change is one expression of both
    chances (per neighbourhood and age group, computed once a week as they were per resident). Each resident
    touches its own row only, so the same result as one loop per resident, which did not vectorise (the
    lookups by ``nbh[i], age[i]`` and the life event's branch): 0.72 to 0.32 ms at 100,000 residents.
    """
    n = len(age)
    # Per neighbourhood and age group, the chances of starting to live alone and of moving in with others.
    start, end = np.empty(alone_p.shape), np.empty(alone_p.shape)
    for b in range(alone_p.shape[0]):
        for g in range(alone_p.shape[1]):
            a = alone_p[b, g]
            start[b, g], end[b, g] = becoming_alone_rate[g], becoming_alone_rate[g] * (1 - a) / a
    oldest, lonely, vulnerable = p.shock_factor_75plus, p.lonely_shock_factor, p.vulnerability_shock_factor - 1
    hit = np.empty(n, dtype=np.bool_)
    for b in range(len(nbh_start) - 1):
        lo, hi = nbh_start[b], nbh_start[b + 1]
        ag, vul, sco, alo, hits = age[lo:hi], vulnerability[lo:hi], score[lo:hi], alone[lo:hi], hit[lo:hi]
        s0, s1, s2, s3 = start[b, 0], start[b, 1], start[b, 2], start[b, 3]
        e0, e1, e2, e3 = end[b, 0], end[b, 1], end[b, 2], end[b, 3]
        rate = p.zrm_shock_rate * demand[b]  # the product's first factor, as it was per resident
        household, shock = _HOUSEHOLD * n + lo, _SHOCK * n + lo
        for i in range(hi - lo):  # ``range(count)``: with ``range(lo, hi)`` numba leaves the trip count unknown
            g = ag[i]
            r = uniform(key, household + i)
            starts = s0 if g == 0 else (s1 if g == 1 else (s2 if g == 2 else s3))
            ends = e0 if g == 0 else (e1 if g == 1 else (e2 if g == 2 else e3))
            was = alo[i]
            alo[i] = (was & ~(r < ends)) | (~was & (r < starts))
            chance = (rate * (1 + vulnerable * vul[i]) * (oldest if g == 3 else 1.0)
                      * (lonely if sco[i] >= LONELY else 1.0))
            hits[i] = uniform(key, shock + i) < chance
    for i in range(n):
        if hit[i]:
            dom = int(uniform(key, _DOMAIN * n + i) * 9)
            zrm[i, dom] = max(zrm[i, dom] - 1, 1)


@numba.njit(cache=True)
def _self_recovery(key: np.uint64, rate: float, zrm: np.ndarray, chronic: np.ndarray) -> None:
    """Residents with a problem (need level 1 or more) recover one point of their own at ``rate``, in place.

    Everyone draws in a vectorised loop and who recovers (a problem, i.e. a lowest life domain of 3 or less, read as
    ``state._need_levels_of_all`` reads it, and the draw; 1 in 160) is noted, then those few are raised (the levels
    in a pass of their own first: 0.235 against 0.180 ms at 100,000 residents, 1.62 against 1.19 at 1,000,000).
    """
    n = zrm.shape[0]
    recovers = np.empty(n, dtype=np.bool_)
    for i in range(n):
        low = zrm[i, 0]
        for j in range(1, 9):
            low = min(low, zrm[i, j])
        recovers[i] = (low <= 3) & (uniform(key, _RECOVER * n + i) < rate)
    for i in range(n):
        if recovers[i]:
            recover_one(zrm, i, chronic)


# 8 -------------------------------------------------------------------------------
def informal_help(m: CommunityModel) -> None:
    """Help follows personal ties: people in need ask a tie (reluctance), carers help and strain.

    One compiled call a week (:func:`_informal_help`) that draws its own numbers from one key of the
    model's generator (:mod:`model.core.draws`).
    """
    p, pop, net = m.p, m.pop, m.net
    # The network keeps where each resident's ties as the lower end start (``TieNetwork.lower_starts``): the
    # contact pass just before wrote them, so no pass over the ties of its own (0.2 ms less at 100,000 residents).
    pop.care_given = _informal_help(kernel_parameters(_HelpParameters, p), draw_key(m.rng),
                                    np.array(p.help_hours, dtype=np.float64), need_level_of(pop.zrm),
                                    net.lower_starts(), net.a, net.b, net.w, pop.talents, pop.reluctance,
                                    pop.prompted, pop.helper, pop.case_state, pop.strain, pop.care_given,
                                    pop.unmet_weeks, pop.zrm, pop.chronic)


# The streams of informal_help's key: per resident (draws.uniform(key, stream * n + resident)), then per
# request, unbounded, last (2 * tie + 1 where the tie is seen from its higher end).
_ASK, _HELPED_RECOVER, _CHOOSE = range(3)


@numba.njit(cache=True)
def _informal_help(p: tuple, key: np.uint64, help_hours: np.ndarray, level: np.ndarray, start: np.ndarray,
                   a: np.ndarray, b: np.ndarray, w: np.ndarray, talents: np.ndarray, reluctance: np.ndarray,
                   prompted: np.ndarray,
                   helper: np.ndarray, case_state: np.ndarray, strain: np.ndarray, care_given: np.ndarray,
                   unmet_weeks: np.ndarray, zrm: np.ndarray, chronic: np.ndarray) -> np.ndarray:
    """The rule of :func:`informal_help` (``docs/ODD.md`` 7.8) in order, in place; returns the care given.

    ``level``: the need levels at the start; the tie network as its ends ``a``, ``b``, strengths ``w`` and
    where each resident's ties as the lower end start (``network.lower_starts``, for both lookups of ties).
    """
    n = len(level)
    # Existing help continues while the need, the tie and the carer's strength last.
    helped = np.empty(n, dtype=np.int64)  # np.flatnonzero(helper >= 0) without its temporary
    k = 0
    for i in range(n):
        helped[k] = i
        k += helper[i] >= 0
    ongoing = helped[:k]
    _end_help(ongoing, find_in_starts(ongoing, helper[ongoing], start, b), level, strain, helper)
    # New requests: reluctance holds many back (vraagverlegenheid, Linders 2010). Everyone draws, in a loop the
    # compiler turns into vector instructions, and who asks is whoever has a need, no helper and the draw;
    # then the askers are listed. Drawing only for those with a need and no helper, listed first, cost more
    # (0.24 against 0.17 ms at 100,000 residents): a draw is a fraction of a nanosecond in vector instructions.
    asking = np.empty(n, dtype=np.bool_)
    for i in range(n):
        ask_p = p.ask_rate * (1 - reluctance[i]) + p.prompted_ask * prompted[i]
        asking[i] = (level[i] >= 1) & (helper[i] < 0) & (uniform(key, _ASK * n + i) < ask_p)
        prompted[i] = False
    askers = helped  # reused: the helped were read by _end_help above
    n_askers = 0
    for i in range(n):
        askers[n_askers] = i
        n_askers += asking[i]
    if n_askers and len(a):
        # Carers are free with a light need at most, strength left and hours to spare; both directions of
        # every tie (a asks b, then b asks a), kept where one asks and the other is free.
        free = _free_to_help(level, strain, care_given, p.carer_strain_limit, p.carer_capacity_hours)
        tie, asker, carer, n_up = _asking_pairs(start, askers[:n_askers], free, a, b)  # seen from a, then b
        score = np.empty(len(tie))
        for e in range(len(tie)):
            ahead = min(e + AHEAD, len(tie) - 1)  # asked for early: 29.0 to 27.4 ms at 1,000,000 residents
            _prefetch(talents, carer[ahead])
            _prefetch(w, tie[ahead])
            u = uniform(key, _CHOOSE * n + 2 * tie[e] + (e >= n_up))
            talent = 1.0 if talents[carer[e], CARE_TALENT] else 0.0
            score[e] = w[tie[e]] * (1 + p.care_talent_preference * talent) * u
        _ask_best(asker, carer, score, helper)
    care, helped = _care_and_strain(p, help_hours, level, helper, case_state, strain, unmet_weeks)
    recovers = np.empty(len(helped), dtype=np.bool_)  # the draws in a vectorised loop, then the few recover
    for j in range(len(helped)):  # (with the draw and the recovery in one loop: 0.11 against 0.09 ms at 100,000)
        recovers[j] = uniform(key, _HELPED_RECOVER * n + helped[j]) < p.informal_recovery_rate
    for j in range(len(helped)):
        if recovers[j]:
            recover_one(zrm, helped[j], chronic)
    return care


@numba.njit(cache=True)
def _end_help(helped: np.ndarray, tie: np.ndarray, level: np.ndarray, strain: np.ndarray, helper: np.ndarray) -> None:
    """Help to ``helped`` (tie to the helper: ``tie``, -1 if none) ends without a need, a tie or the carer's strength.

    In place; what ends is what ``~((level >= 1) & (tie >= 0) & (strain[helper] < 1))`` ended (a NaN
    strain ends help too).
    """
    for k in range(len(helped)):
        i = helped[k]
        _prefetch(strain, helper[helped[min(k + AHEAD, len(helped) - 1)]])
        if not (level[i] >= 1 and tie[k] >= 0 and strain[helper[i]] < 1):
            helper[i] = NO


@numba.njit(cache=True)
def _ask_best(asker: np.ndarray, carer: np.ndarray, score: np.ndarray, helper: np.ndarray) -> None:
    """Each asker's ``helper`` becomes the carer of their highest ``score`` (the first of equals), in place.

    What ``np.lexsort((-score, asker))`` and the first of each asker in that order gave, in two passes
    over the requests instead of a sort (about a millisecond a week at 100,000 residents).
    """
    best = np.empty(len(helper), dtype=np.int64)  # per asker, the place of their best request so far
    for i in asker:  # only the askers' places are set (and paged in): a few thousand of 100,000 residents
        best[i] = -1
    for e in range(len(asker)):
        i = asker[e]
        if best[i] < 0 or score[e] > score[best[i]]:
            best[i] = e
    for e in range(len(asker)):
        if best[asker[e]] == e:
            helper[asker[e]] = carer[e]


@numba.njit(cache=True)
def _care_and_strain(p: tuple, help_hours: np.ndarray, level: np.ndarray, helper: np.ndarray, case_state: np.ndarray,
                     strain: np.ndarray, unmet_weeks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Carers' hours this week and strain; weeks of unmet need (no help, no open case).

    The unmet need is counted without branches (``&`` and a product, not ``and`` and ``if``): whether
    a resident's need is unmet cannot be predicted, and the mispredicted branches made this pass four
    times slower (0.55 against 0.05 ms at 100,000 residents).

    Returns:
        Each resident's hours of care given, and the residents helped (ascending).
    """
    care = np.zeros(len(level))
    helped = np.empty(len(level), dtype=np.int64)
    k = 0
    for i in range(len(level)):  # the helped (a sixth, unpredictably) noted without branches (0.37 to 0.33 ms)
        helped[k] = i
        k += helper[i] >= 0
    for j in range(k):  # in residents' order, as np.bincount sums
        # the carer's place AHEAD helped on asked for early: at 1,000,000 residents ``care`` is far from the
        # cache (with the same in _end_help: _informal_help 27.4 to 26.2 ms at 1,000,000, 2.26 to 2.18 at 100,000)
        _prefetch(care, helper[helped[min(j + AHEAD, k - 1)]])
        i = helped[j]
        care[helper[i]] += help_hours[max(level[i] - 1, 0)]
    for i in range(len(level)):
        strain[i] = min(max(strain[i] + p.carer_strain_rate * care[i] - p.strain_recovery_rate * strain[i], 0.0), 1.0)
        unmet = (level[i] >= 1) & (helper[i] < 0) & (case_state[i] != CASE_OPEN)
        unmet_weeks[i] = (unmet_weeks[i] + 1) * unmet
    return care, helped[:k]


# 9 -------------------------------------------------------------------------------
def escalate_needs(m: CommunityModel) -> None:
    """Unmet needs worsen, waits are given up, acute needs left alone become crises, needs reach the front desk.

    Waiting residents give up at ``renege_rate`` (more with low trust, less with high) and try
    again later. An acute need (a life domain at 1) with neither help nor an open case becomes a
    crisis at ``crisis_rate``: it costs ``crisis_cost_eur`` and forces an emergency case. The front
    desk matches light and moderate needs with a volunteer where the ``diversion`` lever says so and
    one is free (:func:`divert_to_volunteers`); the others join the waiting list (:func:`refer`).

    Two compiled calls around the crises' cases (:func:`_worsen_give_up_and_crises`, then
    :func:`_front_desk`), drawing their numbers from one key of the model's generator a week.
    """
    p, pop, counters = m.p, m.pop, m.counters
    params, key = kernel_parameters(_EscalationParameters, p), draw_key(m.rng)
    level, crisis = _worsen_give_up_and_crises(params, key, pop.zrm, pop.unmet_weeks, pop.case_state, pop.trust,
                                               pop.helper, pop.nbh, counters.reneged, counters.crises)
    open_at_once(m, crisis)
    diverted, volunteer = _front_desk(params, key, m.week, level, m.levers.diversion, pop.nbh, m.nbh_start,
                                      pop.member_of, pop.strain, pop.care_given, pop.reluctance, pop.trust,
                                      pop.unmet_weeks, pop.case_state, pop.case_since, pop.helper, counters.diverted,
                                      counters.referrals)
    if len(diverted):  # the introductions start ties
        m.net.add(diverted, volunteer, p.introduction_strength, False, is_bridging(m, diverted, volunteer))


# The streams of escalate_needs' key (draws.uniform(key, stream * n + resident)).
_WORSEN, _RENEGE, _CRISIS, _DESK, _DIVERT, _VOLUNTEER = range(6)


@numba.njit(cache=True)
def _worsen_give_up_and_crises(p: tuple, key: np.uint64, zrm: np.ndarray, unmet_weeks: np.ndarray,
                               case_state: np.ndarray, trust: np.ndarray, helper: np.ndarray, nbh: np.ndarray,
                               reneged: np.ndarray, crises: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1-3 of ``escalate_needs`` (``docs/ODD.md`` 7.9) in place; counts those who give up and the crises.

    Returns:
        The need levels after the worsening, and the residents in crisis (ascending).
    """
    n = len(unmet_weeks)
    # Those with an unmet need (a quarter, unpredictably) are noted without branches, then only they draw, then
    # the few who worsen do (each touches its own row only, so the same result as one pass with ``and``,
    # whose mispredicted branches made this function a third slower: 0.54 against 0.40 ms at 100,000).
    found = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        found[k] = i
        k += unmet_weeks[i] > 0
    worse = 0
    for i in found[:k]:
        found[worse] = i
        worse += uniform(key, _WORSEN * n + i) < p.deterioration_rate
    for i in found[:worse]:
        dom = 0  # the lowest life domain, the first of equals (np.argmin)
        for j in range(1, 9):
            if zrm[i, j] < zrm[i, dom]:
                dom = j
        zrm[i, dom] = max(zrm[i, dom] - 1, 1)
    level = _need_levels_of_all(zrm)
    for i in range(n):
        if case_state[i] == CASE_WAITING and uniform(key, _RENEGE * n + i) < p.renege_rate * (1.5 - trust[i]):
            case_state[i] = CASE_NONE
            unmet_weeks[i] = 0
            reneged[nbh[i]] += 1
    crisis = _alone_with(3, level, case_state, helper)
    k = 0
    for i in crisis:
        crisis[k] = i
        k += uniform(key, _CRISIS * n + i) < p.crisis_rate
    for i in crisis[:k]:
        crises[nbh[i]] += 1
    return level, crisis[:k]


@numba.njit(cache=True)
def _front_desk(p: tuple, key: np.uint64, week: int, level: np.ndarray, diversion: np.ndarray, nbh: np.ndarray,
                nbh_start: np.ndarray, member_of: np.ndarray, strain: np.ndarray, care_given: np.ndarray,
                reluctance: np.ndarray, trust: np.ndarray, unmet_weeks: np.ndarray, case_state: np.ndarray,
                case_since: np.ndarray, helper: np.ndarray, diverted: np.ndarray,
                referrals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steps 4-6 of ``escalate_needs``: resolved waits end; escalated needs reach the desk, which diverts or refers.

    The escalated (a few in a hundred) are noted first, without branches, and only they read their
    reluctance and trust and draw (the chance computed for everyone made the pass half as slow again: 0.50
    against 0.32 ms at 100,000 residents); with the volunteers looked for only in a week with someone diverted
    (:func:`divert_to_volunteers`), 0.63 to 0.48 ms at 100,000 residents and 7.3 to 4.7 at 1,000,000 (round 10).

    Returns:
        The residents diverted to a volunteer (ascending) and their volunteers.
    """
    n = len(level)
    go = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        if case_state[i] == CASE_WAITING and level[i] == 0:
            case_state[i] = CASE_NONE
        go[k] = i
        k += (case_state[i] == CASE_NONE) & (((level[i] >= 2) & (unmet_weeks[i] >= p.escalation_weeks))
                                             | (level[i] == 3))
    at_desk = 0
    for j in range(k):  # their reluctance and trust asked for early (3.42 to 3.22 ms at 1,000,000 residents)
        _prefetch(reluctance, go[min(j + AHEAD, k - 1)])
        _prefetch(trust, go[min(j + AHEAD, k - 1)])
        i = go[j]
        ask = (p.formal_ask_rate * (1 - p.formal_reluctance * reluctance[i]) * (0.5 + trust[i])
               * (p.heavy_need_ask_factor if level[i] == 3 else 1.0))
        go[at_desk] = i
        at_desk += uniform(key, _DESK * n + i) < ask
    go = go[:at_desk]
    ask, volunteer = divert_to_volunteers(p, key, go, level, diversion, nbh, nbh_start, member_of, strain,
                                          care_given, helper, diverted)
    referred = np.ones(len(go), dtype=np.bool_)
    referred[np.searchsorted(go, ask)] = False  # both ascending, and the diverted among those at the desk
    _refer(go[referred], week, nbh, case_state, case_since, referrals)
    return ask, volunteer


@numba.njit(cache=True)
def divert_to_volunteers(p: tuple, key: np.uint64, who: np.ndarray, level: np.ndarray, diversion: np.ndarray,
                         nbh: np.ndarray, nbh_start: np.ndarray, member_of: np.ndarray, strain: np.ndarray,
                         care_given: np.ndarray, helper: np.ndarray,
                         diverted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The voorliggend veld: match light and moderate needs among ``who`` with a volunteer of the neighbourhood.

    With the chance the ``diversion`` lever gives, a resident is matched with a random member of a
    live initiative in the same neighbourhood who is free to help (``helpers.free_to_help``): the
    volunteer becomes the resident's helper (continued by ``informal_help``), in place, and the
    match is counted in ``diverted``; the caller starts their tie (an introduction).

    Returns:
        The residents matched (in the order of ``who``) and their volunteers.
    """
    n = len(level)
    ask = np.empty(len(who), dtype=np.int64)
    k = 0
    for i in who:
        ask[k] = i
        k += level[i] <= 2 and uniform(key, _DIVERT * n + i) < diversion[nbh[i]]
    if k == 0:  # no pass over all residents for the volunteers in a week when nobody is diverted
        return ask[:0], ask[:0]
    # The free members of live initiatives, by neighbourhood as residents are stored (each one's a slice): who is free
    # for everyone (vectorised), then the free members listed. With the members' (a fifth of the residents) need,
    # strain and care gathered first, the front desk took 6.8 ms at 1,000,000 residents, not 5.3 (0.56, not 0.43).
    free = _free_to_help(level, strain, care_given, p.carer_strain_limit, p.carer_capacity_hours)
    volunteers = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        volunteers[m] = i
        m += (member_of[i] >= 0) & free[i]
    volunteers = volunteers[:m]
    bounds = np.searchsorted(volunteers, nbh_start)  # residents are stored by neighbourhood
    chosen = np.empty(k, dtype=np.int64)
    matched = 0
    for i in ask[:k]:
        lo, hi = bounds[nbh[i]], bounds[nbh[i] + 1]
        if hi > lo:
            ask[matched] = i
            chosen[matched] = volunteers[lo + integer(key, _VOLUNTEER * n + i, hi - lo)]
            helper[i] = chosen[matched]
            diverted[nbh[i]] += 1
            matched += 1
    return ask[:matched], chosen[:matched]


# 11 ------------------------------------------------------------------------------
def casework(m: CommunityModel) -> np.ndarray:
    """Open cases recover in proportion to the casework they get; recovered cases close; bemoeizorg.

    The hours reserved for bemoeizorg reach residents with a moderate or heavy need who have
    neither help nor an open case, most likely those most reluctant to ask, one per
    ``bemoeizorg_visit_hours``; each gets a case at once. One compiled call
    (:func:`_casework_and_visits`, drawing from one key of the model's generator) and the new cases.
    Returns everyone's need level after it, handed on to the week's later readers (``CommunityModel.need_levels``).
    """
    p, pop, counters = m.p, m.pop, m.counters
    found, level = _casework_and_visits(draw_key(m.rng), p.casework_recovery_rate, p.bemoeizorg_visit_hours,
                                        m.pro_hours, m.pro_bemoeizorg, m.case_demand, m.pro_nbh, m.nbh_start, pop.zrm,
                                        pop.chronic, pop.case_state, pop.case_prof, pop.nbh, pop.helper,
                                        pop.reluctance, counters.cases_closed, counters.bemoeizorg_found)
    open_at_once(m, found)
    return level


# The streams of casework's key: per resident or neighbourhood (draws.uniform(key, stream * n + i)).
_CASE_RECOVER, _VISITS, _SEEK = range(3)


@numba.njit(cache=True)
def _casework_and_visits(key: np.uint64, recovery_rate: float, visit_hours: float, pro_hours: np.ndarray,
                         pro_bemoeizorg: np.ndarray, case_demand: np.ndarray, pro_nbh: np.ndarray,
                         nbh_start: np.ndarray, zrm: np.ndarray, chronic: np.ndarray, case_state: np.ndarray,
                         case_prof: np.ndarray, nbh: np.ndarray, helper: np.ndarray, reluctance: np.ndarray,
                         cases_closed: np.ndarray, bemoeizorg_found: np.ndarray) -> np.ndarray:
    """The rule of ``casework`` (``docs/ODD.md`` 7.11) up to the new cases, in place, counted.

    Returns:
        The residents bemoeizorg found, neighbourhood by neighbourhood, each in the order drawn; everyone's need level.
    """
    n = len(case_state)
    open_ = np.empty(n, dtype=np.int64)  # np.flatnonzero(case_state == CASE_OPEN) without its temporary
    k = 0
    for i in range(n):
        open_[k] = i
        k += case_state[i] == CASE_OPEN
    open_ = open_[:k]
    # Each open case's need level after its recovery, read while its row is in the cache: the nine life
    # domains of a row lie in nine columns, and reading them again in a pass of their own (and numpy for the open
    # cases) made this kernel a third slower: 0.53 against 0.38 ms at 100,000 residents, 6.1 against 4.7 at 1,000,000.
    level = np.empty(len(open_), dtype=zrm.dtype)
    for k in range(len(open_)):
        i = open_[k]
        q = case_prof[i]
        adequacy = min(1.0, (pro_hours[q, 0] - pro_bemoeizorg[q]) / max(case_demand[q], 1e-9))
        if uniform(key, _CASE_RECOVER * n + i) < recovery_rate * adequacy:
            recover_one(zrm, i, chronic)
        level[k] = need_level_at(zrm, i)
    for k in range(len(open_)):
        if level[k] <= 1:
            i = open_[k]
            case_state[i] = CASE_NONE
            case_prof[i] = NO
            cases_closed[nbh[i]] += 1
    # Bemoeizorg: Poisson(hours / visit_hours) residents a neighbourhood, the most reluctant most likely.
    n_nbh = len(nbh_start) - 1
    hours = np.zeros(n_nbh)
    for q in range(len(pro_nbh)):  # in the professionals' order, as np.bincount sums
        hours[pro_nbh[q]] += pro_bemoeizorg[q]
    visits = np.empty(n_nbh, dtype=np.int64)
    for b in range(n_nbh):
        visits[b] = poisson(key, _VISITS * n + b, hours[b] / visit_hours)
    levels = _need_levels_of_all(zrm)  # after the recoveries: bemoeizorg's and the rest of the week's (casework)
    if visits.sum() == 0:
        return np.empty(0, dtype=np.int64), levels
    hidden = _alone_with(2, levels, case_state, helper)
    bounds = np.searchsorted(hidden, nbh_start)  # residents are stored by neighbourhood: each one's a slice
    found = np.empty(min(visits.sum(), len(hidden)), dtype=np.int64)
    k = 0
    for b in range(n_nbh):
        cand = hidden[bounds[b]:bounds[b + 1]]
        if visits[b] > 0 and len(cand):
            for x in weighted_sample(key, _SEEK * n + bounds[b], reluctance[cand] + 0.05, visits[b]):
                found[k] = cand[x]
                bemoeizorg_found[nbh[cand[x]]] += 1
                k += 1
    return found[:k], levels


@numba.njit(cache=True)
def _alone_with(least: int, level: np.ndarray, case_state: np.ndarray, helper: np.ndarray) -> np.ndarray:
    """The residents (ascending) with a need level of ``least`` or more and neither an open case nor help.

    One pass instead of five numpy calls: the acute needs that may become crises (``escalate_needs``)
    and the hidden needs bemoeizorg looks for (``casework``).
    """
    found = np.empty(len(level), dtype=np.int64)
    k = 0
    for i in range(len(level)):
        found[k] = i
        k += (level[i] >= least) & (case_state[i] != CASE_OPEN) & (helper[i] < 0)  # no mispredicted branches
    return found[:k]


def refer(m: CommunityModel, who: np.ndarray) -> None:
    """Put residents without a case on the waiting list of their neighbourhood's team."""
    pop = m.pop
    _refer(np.asarray(who, dtype=np.int64), m.week, pop.nbh, pop.case_state, pop.case_since, m.counters.referrals)


@numba.njit(cache=True)
def _refer(who: np.ndarray, week: int, nbh: np.ndarray, case_state: np.ndarray, case_since: np.ndarray,
           referrals: np.ndarray) -> None:
    """:func:`refer` in place: those of ``who`` without a case (before any of them joined) join the list, counted."""
    joins = np.empty(len(who), dtype=np.bool_)
    for k in range(len(who)):
        joins[k] = case_state[who[k]] == CASE_NONE
    for k in range(len(who)):
        if joins[k]:
            case_state[who[k]] = CASE_WAITING
            case_since[who[k]] = week
            referrals[nbh[who[k]]] += 1
