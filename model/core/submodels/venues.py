"""Submodels of meeting places and venues: funding and closure, visits and attendance (``docs/ODD.md``, 7.4-7.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.state import NO
from model.core.submodels.helpers import activity, members_without_place
from model.core.time import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from model.core.community import CommunityModel


# 4 -------------------------------------------------------------------------------
def fund_meeting_places(m: CommunityModel) -> None:
    """Funding from the municipality and the citizen budget; long underfunding closes a place."""
    p, pl = m.p, m.places
    open_per_nbh = np.bincount(pl.nbh, pl.open, minlength=m.n_nbh)
    # Residents give part of a citizen budget to their meeting places, shared by the open ones.
    budget = m.levers.citizen_budget_eur * m.nbh_size * p.citizen_budget_place_share
    top_up = np.where(open_per_nbh > 0, budget / np.maximum(open_per_nbh, 1), 0) / max(p.place_subsidy_eur, 1)
    pl.funding = pl.subsidy_share * m.levers.place_funding[pl.nbh] + top_up[pl.nbh]
    under = pl.open & (pl.funding < p.place_closure_funding)
    pl.underfunded_weeks = np.where(under, pl.underfunded_weeks + 1, 0)
    closing = pl.open & (pl.underfunded_weeks >= p.place_closure_weeks)
    pl.open[closing] = False
    m.counters.places_closed += np.bincount(pl.nbh[closing], minlength=m.n_nbh)
    # The municipality's part; the citizen budget is counted whole (metrics). A place's subsidy scales with
    # its capacity (a small neighbourhood's share of a place costs that share).
    municipal = pl.subsidy_share * m.levers.place_funding[pl.nbh] * pl.open * pl.capacity / p.place_capacity
    m.counters.place_cost += np.bincount(pl.nbh, municipal * p.place_subsidy_eur / WEEKS_PER_YEAR, minlength=m.n_nbh)


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
