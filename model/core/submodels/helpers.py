"""Helper rules used by several submodels (``docs/ODD.md``, section 7, "Helper rules").

Recovery and worsening of life domains, the casework a case asks, how much a resident goes out, the
relationships a resident lacks, meeting activities without a place, the parameters a compiled
kernel reads, and a weighted sample without replacement (and its search of the cumulative shares).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.categories import INITIATIVE_KINDS
from model.core.network import searchsorted_lockstep
from model.core.state import CASE_OPEN, DAILY_LIVING, PHYSICAL, need_level_at

if TYPE_CHECKING:
    from model.core.community import CommunityModel
    from model.core.parameters import Parameters

MEETING = INITIATIVE_KINDS.index("meeting_activity")


def kernel_parameters(kind: type, p: Parameters) -> tuple:
    """The parameters a compiled kernel reads, as the named tuple ``kind`` (numba takes tuples, not dataclasses)."""
    return kind(*(getattr(p, name) for name in kind._fields))


@numba.njit(cache=True, inline="always")
def recoverable_value(zrm: np.ndarray, i: int, j: int, chronic: np.ndarray) -> int:
    """Life domain ``j`` of resident ``i`` as recovery sees it: a chronic floor (2 or more) reads as 6."""
    if chronic[i] and j in (DAILY_LIVING, PHYSICAL) and zrm[i, j] >= 2:
        return 6
    return zrm[i, j]


@numba.njit(cache=True)
def recover_one(zrm: np.ndarray, i: int, chronic: np.ndarray) -> None:
    """Raise resident ``i``'s lowest recoverable life domain (the first of equals) by one, if below 5."""
    dom, low = 0, recoverable_value(zrm, i, 0, chronic)
    for j in range(1, 9):
        v = recoverable_value(zrm, i, j, chronic)
        if v < low:
            dom, low = j, v
    if low < 5:
        zrm[i, dom] += 1


def recover(m: CommunityModel, who: np.ndarray) -> None:
    """Raise the lowest recoverable life domain of each of ``who`` (distinct residents) by one ZRM point.

    Chronic residents' daily-living and physical domains do not recover above 2
    (long-term support); their other domains recover as anyone's.
    """
    _recover_all(m.pop.zrm, np.asarray(who, dtype=np.int64), m.pop.chronic)


@numba.njit(cache=True)
def _recover_all(zrm: np.ndarray, who: np.ndarray, chronic: np.ndarray) -> None:
    for i in who:
        recover_one(zrm, i, chronic)


def case_hours_of(m: CommunityModel, who: np.ndarray | None = None) -> np.ndarray:
    """Weekly casework each resident's case asks (all residents, or ``who``): ``p.case_hours`` by need level.

    A chronic resident whose only problems are the chronic ones asks ``p.chronic_case_hours``:
    the long-term support itself comes from providers (home care, Wmo maatwerk), the team
    reassesses now and then.
    """
    pop, p = m.pop, m.p
    who = np.arange(len(pop)) if who is None else np.asarray(who, dtype=np.int64)
    return _case_hours(pop.zrm, who, pop.chronic, np.array(p.case_hours), p.chronic_case_hours)


@numba.njit(cache=True)
def _case_hours(zrm: np.ndarray, who: np.ndarray, chronic: np.ndarray, case_hours: np.ndarray,
                chronic_case_hours: float) -> np.ndarray:
    """:func:`case_hours_of` in one loop over ``who`` (some ten numpy calls before), in ``case_hours``' type.

    A chronic resident with a moderate need or more asks the chronic hours where the lowest of its recoverable
    domains (:func:`recoverable_value`) is 3 or more.
    """
    hours = np.empty(len(who), dtype=case_hours.dtype)
    for k in range(len(who)):
        i = who[k]
        level = need_level_at(zrm, i)
        hours[k] = case_hours[max(level - 1, 0)]
        if chronic[i] and level >= 2:
            low = recoverable_value(zrm, i, 0, chronic)
            for j in range(1, 9):
                low = min(low, recoverable_value(zrm, i, j, chronic))
            if low >= 3:
                hours[k] = chronic_case_hours
    return hours


def free_to_help(m: CommunityModel, level: np.ndarray) -> np.ndarray:
    """Who can take on informal help: a light need at most, strength left and hours to spare."""
    pop, p = m.pop, m.p
    return _free_to_help(level, pop.strain, pop.care_given, p.carer_strain_limit, p.carer_capacity_hours)


@numba.njit(cache=True)
def _free_to_help(level: np.ndarray, strain: np.ndarray, care_given: np.ndarray, strain_limit: float,
                  capacity: float) -> np.ndarray:
    # One pass instead of numpy's five (three comparisons, two ands) over all residents, twice a week.
    free = np.empty(len(level), dtype=np.bool_)
    for i in range(len(level)):
        free[i] = (level[i] <= 1) & (strain[i] < strain_limit) & (care_given[i] < capacity)
    return free


def open_at_once(m: CommunityModel, who: np.ndarray) -> None:
    """Open cases now, past the waiting list (a crisis, or a resident found by bemoeizorg).

    Each goes to the professional of the resident's neighbourhood who does casework and has the
    least casework per FTE, even beyond the week's hours: an emergency comes first. One compiled call
    (:func:`_open_at_once`).
    """
    pop, p = m.pop, m.p
    _open_at_once(np.asarray(who, dtype=np.int64), m.week, pop.zrm, pop.chronic, np.array(p.case_hours),
                  p.chronic_case_hours, m.pro_team, m.levers.builders_do_casework, m.pro_nbh, m.pro_fte, m.case_demand,
                  pop.nbh, pop.case_state, pop.case_prof, pop.case_since, m.counters.cases_opened)


@numba.njit(cache=True)
def _open_at_once(who: np.ndarray, week: int, zrm: np.ndarray, chronic: np.ndarray, case_hours: np.ndarray,
                  chronic_case_hours: float, pro_team: np.ndarray, builders_do_casework: np.ndarray,
                  pro_nbh: np.ndarray, pro_fte: np.ndarray, case_demand: np.ndarray, nbh: np.ndarray,
                  case_state: np.ndarray, case_prof: np.ndarray, case_since: np.ndarray,
                  cases_opened: np.ndarray) -> None:
    """:func:`open_at_once` in place: some twenty numpy calls before (0.17 ms a call at 100,000 residents).

    Those of ``who`` without an open case (as they were before any opens), their hours (:func:`_case_hours`),
    the professionals who take them (:func:`_least_loaded`), then the cases opened, counted.
    """
    new = np.empty(len(who), dtype=np.int64)
    k = 0
    for i in who:
        new[k] = i
        k += case_state[i] != CASE_OPEN
    if k == 0:
        return
    new = new[:k]
    does = np.empty(len(pro_nbh), dtype=np.bool_)
    for q in range(len(pro_nbh)):
        does[q] = (pro_team[q] | builders_do_casework[pro_nbh[q]]) & (pro_fte[q] > 0)
    pro = _least_loaded(nbh[new], _case_hours(zrm, new, chronic, case_hours, chronic_case_hours), does, pro_nbh,
                        pro_fte, case_demand)
    for x in range(k):
        if pro[x] >= 0:
            i = new[x]
            case_state[i], case_prof[i], case_since[i] = CASE_OPEN, pro[x], week
            cases_opened[nbh[i]] += 1


@numba.njit(cache=True)
def _least_loaded(nbh: np.ndarray, hours: np.ndarray, does: np.ndarray, pro_nbh: np.ndarray, pro_fte: np.ndarray,
                  case_demand: np.ndarray) -> np.ndarray:
    """For each case in turn, the professional who takes it (-1 where none can); their demand grows in place.

    The professional of neighbourhood ``nbh[x]`` who may do casework (``does``) with the least casework
    per FTE takes case ``x``, and their ``case_demand`` grows by ``hours[x]``. A compiled loop over the
    professionals for each case (a Python loop with numpy masks cost about 20 us a case); the first of
    equally loaded professionals is taken, as ``np.argmin`` takes it.
    """
    pro = np.full(len(nbh), -1, dtype=np.int64)
    for x in range(len(nbh)):
        least = 0.0
        for q in range(len(pro_nbh)):
            if does[q] and pro_nbh[q] == nbh[x]:
                load = case_demand[q] / pro_fte[q]
                if pro[x] < 0 or load < least:
                    pro[x], least = q, load
        if pro[x] >= 0:
            case_demand[pro[x]] += hours[x]
    return pro


def worsen(m: CommunityModel, who: np.ndarray, dom: np.ndarray) -> None:
    """Lower life domain ``dom`` of each resident in ``who`` by one ZRM point (not below 1)."""
    m.pop.zrm[who, dom] = np.maximum(m.pop.zrm[who, dom] - 1, 1)


def activity(m: CommunityModel) -> np.ndarray:
    """How much a resident goes out and keeps in touch.

    Lonely residents withdraw, poor health keeps people in, and residents who want more
    relationships seek more company (``sociability``): the factor
    ``(desired / desired_ties_mean) ** sociability`` is divided by its mean over the lognormal
    spread of ``desired`` (``exp(s (s - 1) spread**2 / 2)``), so that sociability moves going out
    between residents without changing the city's average.
    """
    p = m.p
    s, spread = p.sociability, p.desired_ties_spread
    # numpy's ``x ** 1.0`` is ``x``, bit for bit (checked on 40 million numbers over the whole positive range), so
    # for the default sociability 1 the divisions are the kernel's, in the same order: numpy's three passes and two
    # temporaries over all residents took 0.10 ms a call at 100,000 residents and 1.28-1.33 ms at 1,000,000 (twice
    # a week), the kernel's divisions almost nothing.
    # (the mean as a float: a whole number given for it would compile the kernel again for integers)
    desired, scale = ((m.pop.desired, float(p.desired_ties_mean)) if s == 1.0
                      else ((m.pop.desired / p.desired_ties_mean) ** s, 1.0))
    return _activity_of(p.withdrawal, p.poor_health_activity, m.pop.score, m.pop.zrm, desired, scale,
                        np.exp(s * (s - 1) * spread ** 2 / 2))


@numba.njit(cache=True)
def _activity_of(withdrawal: float, poor_health: float, score: np.ndarray, zrm: np.ndarray, desired: np.ndarray,
                 scale: float, mean_factor: float) -> np.ndarray:
    """:func:`activity`, in one pass: the seeking factor is ``desired / scale / mean_factor``.

    ``desired`` is the residents' (``scale`` the mean) or, for a sociability other than 1, numpy's
    ``(desired / mean) ** sociability`` (``scale`` 1.0, by which a division changes no bit).
    """
    act = np.empty(len(score))
    for i in range(len(score)):
        health = poor_health if min(zrm[i, PHYSICAL], zrm[i, DAILY_LIVING]) <= 2 else 1.0
        act[i] = (1 - withdrawal * score[i] / 11) * health * (desired[i] / scale / mean_factor)
    return act


@numba.njit(cache=True, inline="always")
def relational_shortfall(good_ties: int, belonging: float, desired: float) -> float:
    """The share of the good relationships a resident wants that they lack (De Jong Gierveld's discrepancy), 0-1.

    For one resident, inside the compiled passes of ``update_motivation`` and ``update_loneliness``.

    Args:
        good_ties: The resident's good ties.
        belonging: What else counts as relationships (good-tie equivalents).
        desired: The good relationships the resident wants.
    """
    return min(max(1 - (good_ties + belonging) / desired, 0.0), 1.0)


@numba.njit(cache=True)
def _take_distinct(weight: np.ndarray, x: np.ndarray, cdf: np.ndarray, chosen: np.ndarray, seen: np.ndarray,
                   n: int) -> int:
    """Draws of numpy's ``Generator.choice(..., replace=False, p=weight)`` with the uniform numbers ``x``.

    Writes the positions drawn, from ``chosen[n]`` on, skipping repeats (``seen``), and returns how many are
    chosen now; the caller draws again for the repeats (``professionals._successive_sample``).
    """
    # numpy: p[found] = 0; cdf = cumsum(p); cdf /= cdf[-1]; cdf.searchsorted(x, "right"); first occurrences.
    total, positive = 0.0, 0
    for i in range(len(weight)):
        if not seen[i]:
            total += weight[i]
            positive += weight[i] > 0
        cdf[i] = total
    if positive < len(x):
        raise ValueError("fewer positive weights than residents to choose")
    # The running sums not divided: 0.32 -> 0.25 ms a round of 250,000.
    return keep_unseen(_first_shares_above(cdf, x), chosen, seen, n)


@numba.njit(cache=True, inline="always")
def keep_unseen(places: np.ndarray, chosen: np.ndarray, seen: np.ndarray, n: int) -> int:
    """Write the ``places`` not ``seen`` yet (a repeat only once), in order, from ``chosen[n]`` on; return the count."""
    for i in places:
        if not seen[i]:
            seen[i] = True
            chosen[n] = i
            n += 1
    return n


@numba.njit(cache=True)
def _first_shares_above(sums: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``np.searchsorted(sums / sums[-1], x, side="right")`` (the cumulative shares) without dividing every sum.

    ``sums`` rise (running sums of chances, the last positive), and so do their shares as rounded (a division
    by a positive number is monotone): the place of ``x[t] * last`` among the sums is the answer or near it, and
    the shares worked out around it settle the answer exactly. The divisions of all sums took a quarter of
    ``professionals._running_sums``' time (three of 250,000 per neighbourhood at 1,000,000 residents). The places are
    searched for all numbers at once, a step at a time (``network.searchsorted_lockstep``): at 1,000,000
    residents the sums (2 MB a sample) are out of the core's cache, and one search after another waited on
    each read in turn.
    """
    place = searchsorted_lockstep(sums, x * sums[len(sums) - 1]) if len(x) else np.empty(0, dtype=np.int64)
    for t in range(len(x)):
        i, last = place[t], sums[len(sums) - 1]
        while i > 0 and sums[i - 1] / last > x[t]:
            i -= 1
        while i < len(sums) and not sums[i] / last > x[t]:
            i += 1
        place[t] = i
    return place
