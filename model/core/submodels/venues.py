"""Submodels of meeting places and venues: funding and closure, visits and attendance (``docs/ODD.md``, 7.4-7.5)."""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.state import NO
from model.core.submodels.helpers import activity, kernel_parameters, members_without_place
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
    core = np.bincount(ini.nbh[run_by_residents], ini.n_core[run_by_residents], minlength=m.n_nbh)
    # Residents give part of a citizen budget to their meeting places, shared by the open ones.
    budget = lev.citizen_budget_eur * m.nbh_size * p.citizen_budget_place_share
    c = m.counters
    # One compiled pass over the places (they are few: numpy's calls cost more than the rule); its one
    # draw (a takeover chance per place) is the generator's next numbers, as before.
    _fund(pl.nbh, pl.open, pl.taken_over, pl.self_managed, pl.subsidy_share, pl.capacity, pl.funding,
          pl.underfunded_weeks, pl.unstaffed_weeks, m.rng.random(len(pl)), budget, lev.place_funding,
          lev.place_self_managed, lev.takeover_rate, core, kernel_parameters(_PlaceParameters, p), WEEKS_PER_YEAR,
          c.places_taken_over, c.places_closed, c.place_cost)


_PlaceParameters = namedtuple("_PlaceParameters", [
    "place_subsidy_eur", "place_volunteers", "place_closure_funding", "place_closure_weeks",
    "self_managed_cost_share", "place_capacity"])


@numba.njit(cache=True)
def _fund(nbh: np.ndarray, open_: np.ndarray, taken_over: np.ndarray, self_managed: np.ndarray,
          subsidy_share: np.ndarray, capacity: np.ndarray, funding: np.ndarray, underfunded_weeks: np.ndarray,
          unstaffed_weeks: np.ndarray, u: np.ndarray, budget: np.ndarray, place_funding: np.ndarray,
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
        if (under or short) and u[i] < takeover_rate[b]:
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
def visit_venues(m: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
    """Residents visit an open meeting place in their neighbourhood, members attend their initiative.

    Returns:
        Attendee indices and venue ids (places ``0..P-1``, initiative ``k`` as ``P + k``).
    """
    p, rng, pop, pl = m.p, m.rng, m.pop, m.places
    n = len(pop)
    act = activity(m)
    # Meeting places: pick one open place of the neighbourhood at random.
    open_idx = np.flatnonzero(pl.open)
    pop.visited[:] = NO
    place_att = np.empty(0, dtype=np.int64)
    place_of = np.empty(0, dtype=np.int64)
    if len(open_idx):
        per_nbh = np.bincount(pl.nbh[open_idx], minlength=m.n_nbh)
        first = np.concatenate([[0], np.cumsum(per_nbh)])
        sorted_open = open_idx[np.argsort(pl.nbh[open_idx], kind="stable")]
        # Motivation scales the wish to go out from half (0) to one and a half (1) times the base rate.
        place_att = np.flatnonzero(_want_to_visit(p.place_visit_rate, per_nbh > 0, pop.nbh, act, pop.autonomy,
                                                  pop.competence, pop.relatedness, rng.random(n)))
        pick = first[pop.nbh[place_att]] + (rng.random(len(place_att)) * per_nbh[pop.nbh[place_att]]).astype(int)
        place_of = sorted_open[pick]
        # Capacity: a full place turns visitors away at random.
        load = np.bincount(place_of, minlength=len(pl)) / np.maximum(pl.capacity, 1)
        admitted = rng.random(len(place_att)) < np.minimum(1, 1 / np.maximum(load[place_of], 1e-9))
        place_att, place_of = place_att[admitted], place_of[admitted]
        pop.visited[place_att] = place_of
    pl.visits = np.bincount(place_of, minlength=len(pl))
    # Initiative activities; meeting activities without an open place are hampered.
    members = np.flatnonzero(pop.member_of >= 0)
    k = pop.member_of[members]
    p_attend = (np.where(pop.core[members], p.attend_core, p.attend_member) * act[members]
                * np.where(members_without_place(m, k), p.no_place_attendance, 1.0))
    attend = rng.random(len(members)) < p_attend
    init_att, init_of = members[attend], len(pl) + k[attend]
    engaged = np.zeros(n, dtype=bool)
    engaged[place_att] = True
    engaged[init_att] = True
    _engage(p.engagement_rate, engaged, pop.engagement)
    return np.concatenate([place_att, init_att]), np.concatenate([place_of, init_of])


@numba.njit(cache=True)
def _want_to_visit(rate: float, has_place: np.ndarray, nbh: np.ndarray, act: np.ndarray, autonomy: np.ndarray,
                   competence: np.ndarray, relatedness: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Who goes to a meeting place this week (``u``: one uniform number each)."""
    want = np.empty(len(nbh), dtype=np.bool_)
    for i in range(len(nbh)):
        motivation = (autonomy[i] + competence[i] + relatedness[i]) / 3.0
        want[i] = has_place[nbh[i]] and u[i] < rate * act[i] * (0.5 + motivation)
    return want


@numba.njit(cache=True)
def _engage(rate: float, engaged: np.ndarray, engagement: np.ndarray) -> None:
    """Smoothed attendance follows this week's (``engaged``)."""
    for i in range(len(engaged)):
        engagement[i] += rate * ((1.0 if engaged[i] else 0.0) - engagement[i])
