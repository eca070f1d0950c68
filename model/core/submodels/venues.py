"""Submodels of meeting places and venues: funding and closure, visits and attendance (``docs/ODD.md``, 7.4-7.5)."""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.draws import draw_key, integer, uniform
from model.core.state import NO
from model.core.submodels.helpers import MEETING, activity, kernel_parameters
from model.core.time import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from model.core.community import CommunityModel


# 4 -------------------------------------------------------------------------------
def fund_meeting_places(m: CommunityModel) -> None:
    """Funding, self-management and takeover of meeting places; long underfunding or too few volunteers close one.

    The ``place_self_managed`` lever hands that share of each neighbourhood's places (its first
    ones) to residents (zelfbeheer): they cost ``self_managed_cost_share`` of their subsidy, but
    need ``place_volunteers`` core volunteers of the neighbourhood's resident-run initiatives each;
    a self-managed place without them for ``place_closure_weeks`` closes, as does any place
    underfunded for that long. A place at risk (underfunded or short of volunteers) is taken over by
    the municipality at the ``takeover_rate`` lever's weekly chance: it then stays open at the full
    subsidy, paid by the municipality.
    """
    p, pl, ini, lev = m.p, m.places, m.inits, m.levers
    # Core volunteers of the neighbourhood's resident-run initiatives run its self-managed places, in order.
    run_by_residents = ini.alive & ~ini.taken_over
    # As numbers also while none is (bincount's counts are then integers): one compiled signature of ``_fund``, one
    # kernel a new process loads, not two (4.7 and 5.3 ms).
    core = np.bincount(ini.nbh[run_by_residents], ini.n_core[run_by_residents], minlength=m.n_nbh).astype(float)
    # Residents give part of a citizen budget to their meeting places, shared by the open ones.
    budget = lev.citizen_budget_eur * m.nbh_size * p.citizen_budget_place_share
    c = m.counters
    # One compiled pass over the places (they are few: numpy's calls cost more than the rule); its one
    # draw, a takeover chance per place at risk, is drawn in it (``draws.uniform(key, place)``).
    _fund(pl.nbh, pl.open, pl.taken_over, pl.self_managed, pl.subsidy_share, pl.capacity, pl.funding,
          pl.underfunded_weeks, pl.unstaffed_weeks, draw_key(m.rng), budget, lev.place_funding,
          lev.place_self_managed, lev.takeover_rate, core, kernel_parameters(_PlaceParameters, p), WEEKS_PER_YEAR,
          c.places_taken_over, c.places_closed, c.place_cost)


_PlaceParameters = namedtuple("_PlaceParameters", [
    "place_subsidy_eur", "place_volunteers", "place_closure_funding", "place_closure_weeks",
    "self_managed_cost_share", "place_capacity"])


@numba.njit(cache=True)
def _fund(nbh: np.ndarray, open_: np.ndarray, taken_over: np.ndarray, self_managed: np.ndarray,
          subsidy_share: np.ndarray, capacity: np.ndarray, funding: np.ndarray, underfunded_weeks: np.ndarray,
          unstaffed_weeks: np.ndarray, key: np.uint64, budget: np.ndarray, place_funding: np.ndarray,
          place_self_managed: np.ndarray, takeover_rate: np.ndarray, core: np.ndarray, p: tuple, weeks: int,
          taken_count: np.ndarray, closed_count: np.ndarray, cost: np.ndarray) -> None:
    """:func:`fund_meeting_places` on places stored by neighbourhood, in place."""
    eur, subsidy = p.place_subsidy_eur, max(p.place_subsidy_eur, 1)
    volunteers, closure_funding, closure_weeks = p.place_volunteers, p.place_closure_funding, p.place_closure_weeks
    cost_share, full_capacity = p.self_managed_cost_share, p.place_capacity
    k = len(budget)
    open_per_nbh, count, first = np.zeros(k), np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
    for i in range(len(nbh)):
        open_per_nbh[nbh[i]] += 1.0 if open_[i] else 0.0
        if count[nbh[i]] == 0:
            first[nbh[i]] = i
        count[nbh[i]] += 1
    top_up = np.zeros(k)
    for b in range(k):
        if open_per_nbh[b] > 0:
            top_up[b] = budget[b] / max(open_per_nbh[b], 1.0) / subsidy
    spent = np.zeros(k)
    rank = 0  # self-managed open places of the neighbourhood so far (1 for the first one, ...)
    for i in range(len(nbh)):
        b = nbh[i]
        if i == first[b]:
            rank = 0
        funding[i] = (1.0 if taken_over[i] else subsidy_share[i] * place_funding[b]) + top_up[b]
        self_managed[i] = i - first[b] < np.rint(place_self_managed[b] * count[b]) and not taken_over[i]
        rank += 1 if self_managed[i] and open_[i] else 0
        short = open_[i] and self_managed[i] and rank * volunteers > core[b]
        unstaffed_weeks[i] = unstaffed_weeks[i] + 1 if short else 0
        under = open_[i] and not taken_over[i] and funding[i] < closure_funding
        underfunded_weeks[i] = underfunded_weeks[i] + 1 if under else 0
        if (under or short) and uniform(key, i) < takeover_rate[b]:
            taken_over[i], self_managed[i], funding[i] = True, False, 1.0 + top_up[b]
            taken_count[b] += 1
        if open_[i] and not taken_over[i] and (underfunded_weeks[i] >= closure_weeks
                                               or unstaffed_weeks[i] >= closure_weeks):
            open_[i] = False
            closed_count[b] += 1
        # The municipality's part; the citizen budget is counted whole (metrics). A place's subsidy scales
        # with its capacity (a small neighbourhood's share of a place costs that share).
        share = 1.0 if taken_over[i] else subsidy_share[i] * place_funding[b] * (cost_share if self_managed[i] else 1.0)
        spent[b] += share * (1.0 if open_[i] else 0.0) * capacity[i] / full_capacity * eur / weeks
    for b in range(k):
        cost[b] += spent[b]


# 5 -------------------------------------------------------------------------------
_NOBODY = np.empty(0, dtype=np.int64)  #: Who wants to visit a meeting place where none is open.


def visit_venues(m: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
    """Residents visit an open meeting place in their neighbourhood, members attend their initiative.

    The week's activity (``helpers.activity``) is left in ``m.venue_activity`` for ``maintain_ties``.

    Returns:
        Attendee indices and venue ids (places ``0..P-1``, initiative ``k`` as ``P + k``).
    """
    p, pop, pl = m.p, m.pop, m.places
    key = draw_key(m.rng)  # the week's numbers: draws.uniform(key, stream * n + resident), streams below
    act = activity(m)
    m.venue_activity = act  # maintain_ties takes it (see there)
    # Meeting places: pick one open place of the neighbourhood at random.
    per_nbh, first, sorted_open = _open_by_neighbourhood(pl.open, pl.nbh, m.n_nbh)
    want = _NOBODY
    if len(sorted_open):
        # Motivation scales the wish to go out from half (0) to one and a half (1) times the base rate.
        want = _want_to_visit(key, p.place_visit_rate, per_nbh > 0, m.nbh_start, act, pop.autonomy, pop.competence,
                              pop.relatedness, pop.visited)
    else:
        pop.visited[:] = NO
    # Initiative activities; meeting activities without an open place are hampered.
    members, without_place = _members(pop.member_of), slots_without_place(m.inits.kind, m.inits.place, pl.open)
    # The attendees and their venues are written where they are returned: the places' visitors, then the
    # initiatives' (two joins of the two lists and a count of the visits per place before: 0.085 ms at 100,000
    # residents, 0.38 at 1,000,000, caches cold).
    who, venue = np.empty(len(want) + len(members), dtype=np.int64), np.empty(len(want) + len(members), dtype=np.int64)
    # The place picked, then (a full place turns visitors away at random) whether they get in.
    pl.visits = np.zeros(len(pl), dtype=np.int64)
    n_place = _visit(key, want, m.nbh_start, first, per_nbh, sorted_open, pl.capacity, pop.visited, who, venue,
                     pl.visits)
    n = _attend(key, members, pop.member_of, pop.core, act, p.attend_core, p.attend_member, p.no_place_attendance,
                without_place, len(pl), who, venue, n_place)
    _engage(p.engagement_rate, who[:n_place], who[n_place:n], pop.engagement)
    return who[:n], venue[:n]


@numba.njit(cache=True)
def _open_by_neighbourhood(open_: np.ndarray, nbh: np.ndarray, n_nbh: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The open places by neighbourhood (ascending within one), their count per neighbourhood and where each starts.

    A counting sort in one call: the order of a stable sort of the open places by neighbourhood, which eight
    numpy calls made before (7.0 -> 2.1 us a week, a small city's fixed cost).
    """
    per_nbh, first = np.zeros(n_nbh, dtype=np.int64), np.zeros(n_nbh + 1, dtype=np.int64)
    for i in range(len(nbh)):
        per_nbh[nbh[i]] += open_[i]
    for b in range(n_nbh):
        first[b + 1] = first[b] + per_nbh[b]
    sorted_open, filled = np.empty(first[n_nbh], dtype=np.int64), first[:n_nbh].copy()
    for i in range(len(nbh)):
        if open_[i]:
            sorted_open[filled[nbh[i]]] = i
            filled[nbh[i]] += 1
    return per_nbh, first, sorted_open


# The streams of visit_venues' key: a number per resident for going out, the place, getting in, attending.
_WANT, _PICK, _ADMIT, _ATTEND = range(4)


@numba.njit(cache=True)
def _want_to_visit(key: np.uint64, rate: float, has_place: np.ndarray, nbh_start: np.ndarray, act: np.ndarray,
                   autonomy: np.ndarray, competence: np.ndarray, relatedness: np.ndarray,
                   visited: np.ndarray) -> np.ndarray:
    """Who goes to a meeting place this week, in resident order (residents stored by neighbourhood, ``nbh_start``).

    Everyone's ``visited`` place is cleared (NO) in the same pass (:func:`_visit` sets the visitors'): one pass
    over the residents less (with ``visited[:] = NO`` before it: 0.29-0.31 -> 0.27-0.28 ms at 100,000 residents,
    2.2-2.4 -> 2.1-2.3 ms at 1,000,000, caches cold).
    """
    n = len(act)
    # First every resident's wish, in a loop without lookups that is vectorised, then those with a place kept
    # (branch-free): one loop with the lookup and the compaction was not vectorised, 0.32 against 0.15 ms at
    # 100,000 residents. The place is known per neighbourhood, not looked up per resident in their
    # neighbourhoods (8 MB less to read at 1,000,000 residents).
    wish = np.empty(n, dtype=np.bool_)
    for i in range(n):
        motivation = (autonomy[i] + competence[i] + relatedness[i]) / 3.0
        wish[i] = uniform(key, _WANT * n + i) < rate * act[i] * (0.5 + motivation)
        visited[i] = NO
    want = np.empty(n, dtype=np.int64)
    k = 0
    for b in range(len(nbh_start) - 1):
        if has_place[b]:
            lo, hi = nbh_start[b], nbh_start[b + 1]
            wish_b = wish[lo:hi]
            for j in range(hi - lo):
                want[k] = lo + j
                k += wish_b[j]
    return want[:k]


@numba.njit(cache=True)
def _visit(key: np.uint64, want: np.ndarray, nbh_start: np.ndarray, first: np.ndarray, per_nbh: np.ndarray,
           sorted_open: np.ndarray, capacity: np.ndarray, visited: np.ndarray, att: np.ndarray, of: np.ndarray,
           visits: np.ndarray) -> int:
    """Residents ``want`` (ascending) go to a random open place of their neighbourhood and get in.

    A place with more visitors than its capacity admits each with the chance capacity / visitors
    (computed as the numpy formulation did). Those admitted and their places are written to the first places of
    ``att`` and ``of`` (at least as long as ``want``), and their number is returned; ``visited`` (one place per
    resident) is set, and the admitted are counted per place in ``visits`` (zeros). The neighbourhood follows
    ``want``'s order through ``nbh_start``.
    """
    n_residents = len(visited)
    place = np.empty(len(want), dtype=np.int64)
    count = np.zeros(len(capacity), dtype=np.int64)
    b = 0
    for j in range(len(want)):
        while want[j] >= nbh_start[b + 1]:
            b += 1
        place[j] = sorted_open[first[b] + integer(key, _PICK * n_residents + want[j], per_nbh[b])]
        count[place[j]] += 1
    n = 0
    for j in range(len(want)):
        load = count[place[j]] / max(capacity[place[j]], 1.0)
        att[n], of[n] = want[j], place[j]
        n += uniform(key, _ADMIT * n_residents + want[j]) < min(1.0, 1 / max(load, 1e-9))
    for j in range(n):
        visited[att[j]] = of[j]
        visits[of[j]] += 1
    return n


@numba.njit(cache=True)
def slots_without_place(kind: np.ndarray, place: np.ndarray, place_open: np.ndarray) -> np.ndarray:
    """Per initiative slot: a meeting activity (``kind``) whose meeting place (``place``, -1: none) is none or closed.

    One compiled pass over the slots (``visit_venues`` and ``initiatives._members_week``): seven numpy calls over
    them before, 0.125 -> 0.062 ms at 100,000 residents (3,000 slots), 0.23 -> 0.10 ms at 1,000,000 (caches cold).
    """
    out = np.empty(len(kind), dtype=np.bool_)
    for g in range(len(kind)):
        out[g] = kind[g] == MEETING and (place[g] < 0 or not place_open[max(place[g], 0)])
    return out


@numba.njit(cache=True)
def _members(member_of: np.ndarray) -> np.ndarray:
    """The members of an initiative, in resident order."""
    who = np.empty(len(member_of), dtype=np.int64)
    n = 0
    for i in range(len(member_of)):  # no branch (it would be mispredicted)
        who[n] = i
        n += member_of[i] >= 0
    return who[:n]


@numba.njit(cache=True)
def _attend(key: np.uint64, members: np.ndarray, member_of: np.ndarray, core: np.ndarray, act: np.ndarray,
            attend_core: float, attend_member: float, no_place: float, without_place: np.ndarray,
            places: int, att: np.ndarray, of: np.ndarray, n: int) -> int:
    """Which ``members`` attend their initiative's activity, and their venues ``places + k``.

    Written to ``att`` and ``of`` from their place ``n`` on (room for every member); returns where they end.
    """
    for j in range(len(members)):
        i = members[j]
        k = member_of[i]
        chance = ((attend_core if core[i] else attend_member) * act[i]
                  * (no_place if without_place[k] else 1.0))
        att[n], of[n] = i, places + k
        n += uniform(key, _ATTEND * len(member_of) + i) < chance
    return n


@numba.njit(cache=True)
def _engage(rate: float, place_att: np.ndarray, init_att: np.ndarray, engagement: np.ndarray) -> None:
    """Smoothed attendance follows this week's (residents in ``place_att`` or ``init_att`` were there)."""
    # Flags of one byte, not floats: an eighth of the memory to clear and read (0.75 -> 0.30 ms at 1,000,000
    # residents, 0.048 -> 0.026 at 100,000); 1.0 or 0.0 as before in the update.
    engaged = np.zeros(len(engagement), dtype=np.bool_)
    for i in place_att:
        engaged[i] = True
    for i in init_att:
        engaged[i] = True
    for i in range(len(engagement)):
        engagement[i] += rate * ((1.0 if engaged[i] else 0.0) - engagement[i])
