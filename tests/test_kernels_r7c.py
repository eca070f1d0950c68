"""Round 7's fused kernels (issue 19) give what the numpy formulations they replace gave, bit for bit."""

from __future__ import annotations

import copy
from collections import deque

import numpy as np

from model import CommunityModel, Parameters
from model.core.city import is_bridging, similar_neighbour
from model.core.state import CASE_NONE, CASE_OPEN, CASE_WAITING, LONELY, NO, need_level_of
from model.core.submodels.helpers import (
    activity,
    case_hours_of,
    free_to_help,
    members_without_place,
    weighted_sample,
)
from model.core.submodels.initiatives import kind_cdf
from model.core.submodels.needs import refer
from model.core.submodels.professionals import (
    _outreach_chances,
    allocate_professional_time,
    community_work,
    reach_chances,
)
from model.core.submodels.venues import visit_venues


def _same_state(m: CommunityModel, twin: CommunityModel) -> None:
    for part in ("pop", "inits", "places"):
        for name, value in vars(getattr(m, part)).items():
            np.testing.assert_array_equal(value, getattr(getattr(twin, part), name), err_msg=f"{part}.{name}")
    for name, value in vars(m.counters).items():
        np.testing.assert_array_equal(value, getattr(twin.counters, name), err_msg=f"counters.{name}")
    assert m.initiative_log == twin.initiative_log
    assert m.rng.bit_generator.state == twin.rng.bit_generator.state, "the same draws, in the same order"


def _visit_venues_with_numpy(m: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
    """``visit_venues`` as it was before round 7 (its engagement update written out)."""
    p, rng, pop, pl = m.p, m.rng, m.pop, m.places
    n = len(pop)
    act = activity(m)
    open_idx = np.flatnonzero(pl.open)
    pop.visited[:] = NO
    place_att = np.empty(0, dtype=np.int64)
    place_of = np.empty(0, dtype=np.int64)
    if len(open_idx):
        per_nbh = np.bincount(pl.nbh[open_idx], minlength=m.n_nbh)
        first = np.concatenate([[0], np.cumsum(per_nbh)])
        sorted_open = open_idx[np.argsort(pl.nbh[open_idx], kind="stable")]
        motivation = (pop.autonomy + pop.competence + pop.relatedness) / 3.0
        place_att = np.flatnonzero((per_nbh > 0)[pop.nbh]
                                   & (rng.random(n) < p.place_visit_rate * act * (0.5 + motivation)))
        pick = first[pop.nbh[place_att]] + (rng.random(len(place_att)) * per_nbh[pop.nbh[place_att]]).astype(int)
        place_of = sorted_open[pick]
        load = np.bincount(place_of, minlength=len(pl)) / np.maximum(pl.capacity, 1)
        admitted = rng.random(len(place_att)) < np.minimum(1, 1 / np.maximum(load[place_of], 1e-9))
        place_att, place_of = place_att[admitted], place_of[admitted]
        pop.visited[place_att] = place_of
    pl.visits = np.bincount(place_of, minlength=len(pl))
    members = np.flatnonzero(pop.member_of >= 0)
    k = pop.member_of[members]
    p_attend = (np.where(pop.core[members], p.attend_core, p.attend_member) * act[members]
                * np.where(members_without_place(m, k), p.no_place_attendance, 1.0))
    attend = rng.random(len(members)) < p_attend
    init_att, init_of = members[attend], len(pl) + k[attend]
    engaged = np.zeros(n, dtype=bool)
    engaged[place_att] = True
    engaged[init_att] = True
    pop.engagement += p.engagement_rate * (engaged - pop.engagement)
    return np.concatenate([place_att, init_att]), np.concatenate([place_of, init_of])


def test_visit_venues_matches_the_numpy_formulation() -> None:
    turned_away = without_place = 0
    for seed in range(3):
        m = CommunityModel(Parameters(n_residents=1500, burn_in_years=0.5, neighbourhoods_per_archetype=2), seed=seed)
        m.places.capacity = m.places.capacity / 8  # full places turn visitors away
        m.places.open[::3] = False  # meeting activities without a place (and, at seed 2, no open place at all)
        if seed == 2:
            m.places.open[:] = False
        twin = copy.deepcopy(m)
        for _ in range(4):
            got, expected = visit_venues(m), _visit_venues_with_numpy(twin)
            for x, y in zip(got, expected, strict=True):
                np.testing.assert_array_equal(x, y)
            _same_state(m, twin)
            turned_away += int(np.count_nonzero(m.places.visits > m.places.capacity))
        without_place += int(np.count_nonzero(m.inits.alive & members_without_place(m, np.arange(len(m.inits)))))
    assert turned_away and without_place, "full places and activities without a place were exercised"


def test_kind_cdf_draws_what_generator_choice_draws() -> None:
    cases = np.random.default_rng(11)
    for shares in [Parameters().kind_shares, (1.0, 0.0, 0.0), (0.0, 0.5, 0.5), tuple(cases.dirichlet(np.ones(7)))]:
        cdf = kind_cdf(shares)
        for seed in range(200):
            ours, numpy = np.random.default_rng(seed), np.random.default_rng(seed)
            assert np.searchsorted(cdf, ours.random(), side="right") == numpy.choice(len(shares), p=shares)
            assert ours.random() == numpy.random(), "and the generator is left in the same state"


def _allocate_professional_time_with_numpy(m: CommunityModel) -> None:
    """``allocate_professional_time`` as it was before round 7's second pass: numpy passes over the residents."""
    pop = m.pop
    does_casework = (m.pro_team | m.levers.builders_do_casework[m.pro_nbh]) & (m.pro_fte > 0)
    orphaned = (pop.case_state == CASE_OPEN) & ~does_casework[np.maximum(pop.case_prof, 0)]
    pop.case_state[orphaned] = CASE_WAITING
    pop.case_prof[orphaned] = NO
    cases = np.flatnonzero(pop.case_state != CASE_NONE)
    m.case_hours_now = np.zeros(len(pop))
    m.case_hours_now[cases] = case_hours_of(m, cases)
    open_ = np.flatnonzero(pop.case_state == CASE_OPEN)
    m.case_demand = np.bincount(pop.case_prof[open_], m.case_hours_now[open_], minlength=len(m.professionals))
    m.case_count = np.bincount(pop.case_prof[open_], minlength=len(m.professionals))
    waiting = np.flatnonzero(pop.case_state == CASE_WAITING)
    waiting = waiting[np.argsort(pop.case_since[waiting], kind="stable")]
    m.waiting_by_nbh = [deque(waiting[pop.nbh[waiting] == b].tolist()) for b in range(m.n_nbh)]
    for pro in m.professionals:
        pro.step()
    m.pro_hours = np.array([[pro.casework, pro.admin, pro.community] for pro in m.professionals]).reshape(-1, 3)
    m.pro_bemoeizorg = np.array([pro.bemoeizorg for pro in m.professionals])


def test_allocate_professional_time_matches_the_numpy_formulation() -> None:
    orphaned = queued = 0
    for seed in range(3):
        m = CommunityModel(Parameters(n_residents=1500, burn_in_years=0.5, neighbourhoods_per_archetype=2), seed=seed)
        for week in range(6):
            if week == 2:  # staff who left: their open cases go back to the waiting lists
                m.pro_fte[::3] = 0
            m.pop.case_since[np.flatnonzero(m.pop.case_state == CASE_WAITING)[::2]] = m.week - 1  # equal waits
            twin = copy.deepcopy(m)
            open_before = (m.pop.case_state == CASE_OPEN).copy()
            allocate_professional_time(m)
            _allocate_professional_time_with_numpy(twin)
            orphaned += int(np.count_nonzero(open_before & (twin.pop.case_state == CASE_WAITING)))
            queued += sum(len(q) for q in twin.waiting_by_nbh)
            assert m.waiting_by_nbh == twin.waiting_by_nbh
            for name in ("case_hours_now", "case_demand", "case_count", "pro_hours", "pro_bemoeizorg"):
                np.testing.assert_array_equal(getattr(m, name), getattr(twin, name), err_msg=name)
            _same_state(m, twin)
            m.step()
    assert orphaned and queued, "orphaned cases and waiting lists were exercised"


def _community_work_with_numpy(m: CommunityModel) -> None:
    """``community_work`` as it was before round 7's second pass (numpy calls per neighbourhood)."""
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
                # rng.choice(inits_b, len(j))'s draws, without its checks (a third of the loop's time).
                pop.member_of[j] = inits_b[rng.integers(0, len(inits_b), len(j))]
            else:
                introduced.append((who, similar_neighbour(m, who)))
            pop.prompted[who] = True
        # Initiative support: hours shared by the neighbourhood's resident-run initiatives, in equal parts
        # unless professionals chose which to support (support_weight, intervention support_initiatives).
        parts = ini.support_weight[inits_b]
        if parts.sum() > 0:
            ini.support_hours[inits_b] = effective[b, 1] * parts / parts.sum()
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
            need = need_level_of(pop.zrm, who)
            found = (need >= 1) & (pop.case_state[who] == CASE_NONE) & (pop.helper[who] < 0)
            hidden = who[found]
            refer(m, hidden[need[found] >= 2])
            pop.prompted[hidden] = True
            m.counters.outreach_found[b] += len(hidden)
    if introduced:
        who, other = (np.concatenate(parts) for parts in zip(*introduced, strict=True))
        m.net.add(who, other, p.introduction_strength, False, is_bridging(m, who, other))


def test_community_work_matches_the_numpy_formulation() -> None:
    referred = introduced = 0
    for seed in range(3):
        params = Parameters(n_residents=1500, burn_in_years=0.3, neighbourhoods_per_archetype=2,
                            outreach_per_hour=0.5, introductions_per_hour=1.0)
        m = CommunityModel(params, seed=seed)
        if seed == 2:  # neighbourhoods without initiatives: introductions to neighbours
            m.inits.alive[:] = False
        for _ in range(6):
            twin, ties = copy.deepcopy(m), len(m.net)
            community_work(m)
            _community_work_with_numpy(twin)
            introduced += len(m.net) - ties
            _same_state(m, twin)
            np.testing.assert_array_equal(m.community_hours, twin.community_hours)
            np.testing.assert_array_equal(m.net.key, twin.net.key)
            np.testing.assert_array_equal(m.net.w, twin.net.w)
            referred += int(m.counters.referrals.sum())
            m.step()
    assert referred and introduced, "referrals and introductions to neighbours were exercised"


def test_free_to_help_matches_the_numpy_formulation() -> None:
    m = CommunityModel(Parameters(n_residents=1500, burn_in_years=0.3, neighbourhoods_per_archetype=2), seed=4)
    p, cases = m.p, np.random.default_rng(8)
    # At, just below and just above the limits, and NaN (never free, as numpy's comparisons say).
    m.pop.strain[:6] = [p.carer_strain_limit, np.nextafter(p.carer_strain_limit, 0), 1.0, 0.0, np.nan, 0.5]
    m.pop.care_given[6:12] = [p.carer_capacity_hours, np.nextafter(p.carer_capacity_hours, 0), 0.0, 99.0, np.nan, 3.0]
    for level in (need_level_of(m.pop.zrm), cases.integers(0, 5, len(m.pop)).astype(np.int8)):
        expected = (level <= 1) & (m.pop.strain < p.carer_strain_limit) & (m.pop.care_given < p.carer_capacity_hours)
        got = free_to_help(m, level)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        assert 0 < np.count_nonzero(got) < len(got)
