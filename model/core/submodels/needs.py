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
from model.core.draws import draw_key, uniform
from model.core.state import CARE_TALENT, CASE_NONE, CASE_OPEN, CASE_WAITING, LONELY, NO, need_level_of
from model.core.submodels.helpers import (
    free_to_help,
    kernel_parameters,
    open_at_once,
    recover,
    recover_one,
    weighted_sample,
    worsen,
)

if TYPE_CHECKING:
    from model.core.community import CommunityModel


_HelpParameters = namedtuple("_HelpParameters", ["ask_rate", "prompted_ask", "carer_strain_rate",
                                                 "strain_recovery_rate"])


_LifeParameters = namedtuple("_LifeParameters", [
    "zrm_shock_rate", "vulnerability_shock_factor", "shock_factor_75plus",
    "lonely_shock_factor"])


_EscalationParameters = namedtuple("_EscalationParameters", [
    "escalation_weeks", "formal_ask_rate", "formal_reluctance", "heavy_need_ask_factor"])


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
                           m.levers.demand_multiplier, pop.nbh, pop.age, pop.vulnerability, pop.score, pop.alone,
                           pop.zrm)
    _self_recovery(key, need_level_of(pop.zrm), p.self_recovery_rate, pop.zrm, pop.chronic)


# The streams of life_events' key (draws.uniform(key, stream * n + resident)).
_LEAVE, _HOUSEHOLD, _SHOCK, _DOMAIN, _RECOVER = range(5)


@numba.njit(cache=True)
def _leaving(key: np.uint64, turnover_rate: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Who leaves the city this week, at the turnover rate of their age group."""
    n = len(age)
    leave = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        leave[k] = i
        k += uniform(key, _LEAVE * n + i) < turnover_rate[age[i]]
    return leave[:k]


@numba.njit(cache=True)
def _households_and_shocks(p: tuple, key: np.uint64, becoming_alone_rate: np.ndarray, alone_p: np.ndarray,
                           demand: np.ndarray, nbh: np.ndarray, age: np.ndarray, vulnerability: np.ndarray,
                           score: np.ndarray, alone: np.ndarray, zrm: np.ndarray) -> None:
    """Household changes and life events (a random life domain one point down, not below 1), in place.

    The rate per age group comes as an array: indexing a tuple by a number known only at run time made
    numba build the tuple for every resident. The factors for the oldest and the lonely are looked up
    (``[1, factor][condition]``, the same numbers) rather than chosen with ``if``: those branches could not
    be predicted and made the pass 60% slower (1.25 against 0.77 ms at 100,000 residents).
    """
    n = len(nbh)
    oldest = np.array([1.0, p.shock_factor_75plus])
    lonely = np.array([1.0, p.lonely_shock_factor])
    for i in range(n):
        rate = becoming_alone_rate[age[i]]
        a = alone_p[nbh[i], age[i]]
        r = uniform(key, _HOUSEHOLD * n + i)
        if not alone[i] and r < rate:
            alone[i] = True
        elif alone[i] and r < rate * (1 - a) / a:
            alone[i] = False
        shock = (p.zrm_shock_rate * demand[nbh[i]] * (1 + (p.vulnerability_shock_factor - 1) * vulnerability[i])
                 * oldest[int(age[i] == 3)] * lonely[int(score[i] >= LONELY)])
        if uniform(key, _SHOCK * n + i) < shock:
            dom = int(uniform(key, _DOMAIN * n + i) * 9)
            zrm[i, dom] = max(zrm[i, dom] - 1, 1)


@numba.njit(cache=True)
def _self_recovery(key: np.uint64, level: np.ndarray, rate: float, zrm: np.ndarray, chronic: np.ndarray) -> None:
    """Residents with a problem (need level 1 or more) recover one point of their own at ``rate``, in place.

    A pass of its own, after numpy's column-wise need level: folded into the first pass, the row-wise
    minimum over the (column-major) life domains made both 25% slower (2.2 against 1.8 ms at 100,000).
    """
    n = len(level)
    for i in range(n):
        if level[i] >= 1 and uniform(key, _RECOVER * n + i) < rate:
            recover_one(zrm, i, chronic)


# 8 -------------------------------------------------------------------------------
def informal_help(m: CommunityModel) -> None:
    """Help follows personal ties: people in need ask a tie (reluctance), carers help and strain."""
    p, rng, pop, net = m.p, m.rng, m.pop, m.net
    n = len(pop)
    hp = kernel_parameters(_HelpParameters, p)
    level = need_level_of(pop.zrm)
    # Existing help continues while the need, the tie and the carer's strength last.
    idx = np.flatnonzero(pop.helper >= 0)
    _end_help(idx, net.find(idx, pop.helper[idx]), level, pop.strain, pop.helper)
    # New requests: reluctance holds many back (vraagverlegenheid, Linders 2010). Carers are free with
    # a light need at most, strength left and hours to spare.
    asking = _requests(hp, level, pop.helper, pop.reluctance, pop.prompted, rng.random(n))
    free = free_to_help(m, level)
    if asking.any() and len(net):
        # Both directions of every tie (a asks b, then b asks a), kept where one asks and the other is free.
        tie, ea, eb = net.directed(asking, free)
        _ask_best_scored(tie, ea, eb, net.w, pop.talents[:, CARE_TALENT], p.care_talent_preference,
                         rng.random(len(ea)), pop.helper)
    pop.care_given, helped = _care_and_strain(hp, np.array(p.help_hours, dtype=np.float64), level, pop.helper,
                                              pop.case_state, pop.strain, pop.unmet_weeks)
    recover(m, helped[rng.random(len(helped)) < p.informal_recovery_rate])


@numba.njit(cache=True)
def _end_help(helped: np.ndarray, tie: np.ndarray, level: np.ndarray, strain: np.ndarray, helper: np.ndarray) -> None:
    """Help to ``helped`` (tie to the helper: ``tie``, -1 if none) ends without a need, a tie or the carer's strength.

    In place, in one pass instead of eight numpy calls; what ends is what ``~((level >= 1) & (tie >= 0)
    & (strain[helper] < 1))`` ended (a NaN strain ends help too).
    """
    for k in range(len(helped)):
        i = helped[k]
        if not (level[i] >= 1 and tie[k] >= 0 and strain[helper[i]] < 1):
            helper[i] = NO


@numba.njit(cache=True)
def _requests(p: tuple, level: np.ndarray, helper: np.ndarray, reluctance: np.ndarray, prompted: np.ndarray,
              u: np.ndarray) -> np.ndarray:
    """Who asks a tie for help this week (``u``: one uniform number each)."""
    asking = np.empty(len(level), dtype=np.bool_)
    for i in range(len(level)):
        ask_p = p.ask_rate * (1 - reluctance[i]) + p.prompted_ask * prompted[i]
        asking[i] = (level[i] >= 1) & (helper[i] < 0) & (u[i] < ask_p)  # & not and: no mispredicted branches
        prompted[i] = False
    return asking


@numba.njit(cache=True)
def _ask_best_scored(tie: np.ndarray, asker: np.ndarray, carer: np.ndarray, w: np.ndarray, care_talent: np.ndarray,
                     preference: float, u: np.ndarray, helper: np.ndarray) -> None:
    """:func:`_ask_best` with each request's score: tie strength, the carer's care talent and a random number ``u``.

    The score is ``w[tie] * (1 + preference * care_talent[carer]) * u``, multiplied in numpy's order
    (the same bits as the numpy expression it replaces, in one call instead of seven).
    """
    score = np.empty(len(tie))
    for e in range(len(tie)):
        talent = 1.0 if care_talent[carer[e]] else 0.0
        score[e] = w[tie[e]] * (1 + preference * talent) * u[e]
    _ask_best(asker, carer, score, helper)


@numba.njit(cache=True)
def _ask_best(asker: np.ndarray, carer: np.ndarray, score: np.ndarray, helper: np.ndarray) -> None:
    """Each asker's ``helper`` becomes the carer of their highest ``score`` (the first of equals), in place.

    What ``np.lexsort((-score, asker))`` and the first of each asker in that order gave, in two passes
    over the requests instead of a sort (about a millisecond a week at 100,000 residents).
    """
    best = np.full(len(helper), -1, dtype=np.int64)  # per resident, the place of their best request so far
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
    for i in range(len(level)):  # in residents' order, as np.bincount sums
        if helper[i] >= 0:
            care[helper[i]] += help_hours[max(level[i] - 1, 0)]
            helped[k] = i
            k += 1
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
    one is free (:func:`divert_to_volunteers`); the others join the waiting list.
    """
    p, rng, pop = m.p, m.rng, m.pop
    unmet = np.flatnonzero(pop.unmet_weeks > 0)
    worse = unmet[rng.random(len(unmet)) < p.deterioration_rate]
    worsen(m, worse, pop.zrm[worse, :9].argmin(axis=1))
    level = need_level_of(pop.zrm)
    waiting = np.flatnonzero(pop.case_state == CASE_WAITING)
    give_up = waiting[rng.random(len(waiting)) < p.renege_rate * (1.5 - pop.trust[waiting])]
    pop.case_state[give_up] = CASE_NONE
    pop.unmet_weeks[give_up] = 0
    m.counters.reneged += np.bincount(pop.nbh[give_up], minlength=m.n_nbh)
    acute = _alone_with(3, level, pop.case_state, pop.helper)
    crisis = acute[rng.random(len(acute)) < p.crisis_rate]
    open_at_once(m, crisis)
    m.counters.crises += np.bincount(pop.nbh[crisis], minlength=m.n_nbh)
    # Residents whose need resolved while waiting leave the waiting list; needs escalate after weeks unmet
    # (or at once when heavy); trust in the municipality scales the step to the front desk from half (0)
    # to one and a half (1) times.
    asking = _front_desk(kernel_parameters(_EscalationParameters, p), level, pop.unmet_weeks, pop.reluctance,
                         pop.trust, rng.random(len(pop)), pop.case_state)
    diverted = divert_to_volunteers(m, asking, level)
    # Both ascending and the diverted among those asking: a search, not np.isin (some 40 us a call).
    referred = np.ones(len(asking), dtype=bool)
    referred[np.searchsorted(asking, diverted)] = False
    refer(m, asking[referred])


def divert_to_volunteers(m: CommunityModel, who: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The voorliggend veld: match light and moderate needs among ``who`` with a volunteer of the neighbourhood.

    With the chance the ``diversion`` lever gives, a resident is matched with a random member of a
    live initiative in the same neighbourhood who is free to help (:func:`free_to_help`); the match
    starts a tie (an introduction) and the volunteer's help (continued by ``informal_help``).

    Returns:
        The residents matched, in the order of ``who``.
    """
    p, rng, pop = m.p, m.rng, m.pop
    ask = who[(level[who] <= 2) & (rng.random(len(who)) < m.levers.diversion[pop.nbh[who]])]
    if not len(ask):  # no pass over all residents for the volunteers in a week when nobody is diverted
        return ask
    volunteers = np.flatnonzero((pop.member_of >= 0) & free_to_help(m, level))  # by neighbourhood, as stored
    if not len(volunteers):
        return np.empty(0, dtype=np.int64)
    bounds = np.searchsorted(pop.nbh[volunteers], np.arange(m.n_nbh + 1))
    lo, hi = bounds[pop.nbh[ask]], bounds[pop.nbh[ask] + 1]
    ask, lo, hi = ask[hi > lo], lo[hi > lo], hi[hi > lo]
    helper = volunteers[lo + (rng.random(len(ask)) * (hi - lo)).astype(np.int64)]
    pop.helper[ask] = helper
    m.net.add(ask, helper, p.introduction_strength, False, is_bridging(m, ask, helper))
    m.counters.diverted += np.bincount(pop.nbh[ask], minlength=m.n_nbh)
    return ask


@numba.njit(cache=True)
def _front_desk(p: tuple, level: np.ndarray, unmet_weeks: np.ndarray, reluctance: np.ndarray, trust: np.ndarray,
                u: np.ndarray, case_state: np.ndarray) -> np.ndarray:
    """Who goes to the front desk this week (ascending; ``u``: one uniform number each); resolved waits end in place.

    ``and`` here, not ``&``: most residents are not escalated (a branch well predicted), and computed for
    everyone the chance made the pass half as slow again (0.50 against 0.32 ms at 100,000 residents).
    """
    go = np.empty(len(level), dtype=np.int64)
    k = 0
    for i in range(len(level)):
        if case_state[i] == CASE_WAITING and level[i] == 0:
            case_state[i] = CASE_NONE
        escalated = case_state[i] == CASE_NONE and ((level[i] >= 2 and unmet_weeks[i] >= p.escalation_weeks)
                                                     or level[i] == 3)
        ask = (p.formal_ask_rate * (1 - p.formal_reluctance * reluctance[i]) * (0.5 + trust[i])
               * (p.heavy_need_ask_factor if level[i] == 3 else 1.0))
        go[k] = i
        k += escalated and u[i] < ask
    return go[:k]


# 11 ------------------------------------------------------------------------------
def casework(m: CommunityModel) -> None:
    """Open cases recover in proportion to the casework they get; recovered cases close; bemoeizorg.

    The hours reserved for bemoeizorg reach residents with a moderate or heavy need who have
    neither help nor an open case, most likely those most reluctant to ask, one per
    ``bemoeizorg_visit_hours``; each gets a case at once.
    """
    p, rng, pop = m.p, m.rng, m.pop
    open_ = np.flatnonzero(pop.case_state == CASE_OPEN)
    adequacy = np.minimum(1, (m.pro_hours[:, 0] - m.pro_bemoeizorg) / np.maximum(m.case_demand, 1e-9))
    chance = p.casework_recovery_rate * adequacy[pop.case_prof[open_]]
    recover(m, open_[rng.random(len(open_)) < chance])
    done = open_[need_level_of(pop.zrm, open_) <= 1]
    pop.case_state[done] = CASE_NONE
    pop.case_prof[done] = NO
    m.counters.cases_closed += np.bincount(pop.nbh[done], minlength=m.n_nbh)
    visits = rng.poisson(np.bincount(m.pro_nbh, m.pro_bemoeizorg, minlength=m.n_nbh) / p.bemoeizorg_visit_hours)
    if visits.any():
        hidden = _alone_with(2, need_level_of(pop.zrm), pop.case_state, pop.helper)
        # Residents are stored by neighbourhood, so each neighbourhood's hidden residents are a slice.
        bounds = np.searchsorted(hidden, m.nbh_start)
        found = []
        for b in np.flatnonzero(visits):
            cand = hidden[bounds[b]:bounds[b + 1]]
            if len(cand):
                weight = pop.reluctance[cand] + 0.05
                found.append(weighted_sample(rng, cand, min(visits[b], len(cand)), weight / weight.sum()))
        found = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        open_at_once(m, found)
        m.counters.bemoeizorg_found += np.bincount(pop.nbh[found], minlength=m.n_nbh)


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
    who = who[m.pop.case_state[who] == CASE_NONE]
    m.pop.case_state[who] = CASE_WAITING
    m.pop.case_since[who] = m.week
    m.counters.referrals += np.bincount(m.pop.nbh[who], minlength=m.n_nbh)
