"""Round 7's fused kernels (issue 19) give what the numpy formulations they replace gave, bit for bit."""

from __future__ import annotations

import copy

import numpy as np
from test_kernels_r13b import members_without_place

from model import CommunityModel, Parameters
from model.core.draws import draw_key, uniform
from model.core.state import CASE_NONE, CASE_OPEN, CASE_WAITING, NO, need_level_of
from model.core.submodels.founding import kind_cdf
from model.core.submodels.helpers import (
    activity,
    case_hours_of,
    free_to_help,
)
from model.core.submodels.professionals import _split_weeks, allocate_professional_time
from model.core.submodels.venues import _ADMIT, _ATTEND, _PICK, _WANT, visit_venues


def _same_state(m: CommunityModel, twin: CommunityModel) -> None:
    for part in ("pop", "inits", "places"):
        for name, value in vars(getattr(m, part)).items():
            np.testing.assert_array_equal(value, getattr(getattr(twin, part), name), err_msg=f"{part}.{name}")
    for name, value in vars(m.counters).items():
        np.testing.assert_array_equal(value, getattr(twin.counters, name), err_msg=f"counters.{name}")
    assert m.initiative_log == twin.initiative_log
    assert m.rng.bit_generator.state == twin.rng.bit_generator.state, "the same draws, in the same order"


def _visit_venues_with_numpy(m: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
    """``visit_venues`` as it was before round 7 (its engagement update written out).

    Its numpy draws replaced (round 8) by the kernel's: ``draws.uniform(key, stream * n + resident)``.
    """
    p, pop, pl = m.p, m.pop, m.places
    n, key = len(pop), draw_key(m.rng)

    def numbers(stream: int, who: np.ndarray) -> np.ndarray:
        return np.array([uniform(key, stream * n + i) for i in who])

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
                                   & (numbers(_WANT, np.arange(n)) < p.place_visit_rate * act * (0.5 + motivation)))
        pick = first[pop.nbh[place_att]] + (numbers(_PICK, place_att) * per_nbh[pop.nbh[place_att]]).astype(int)
        place_of = sorted_open[pick]
        load = np.bincount(place_of, minlength=len(pl)) / np.maximum(pl.capacity, 1)
        admitted = numbers(_ADMIT, place_att) < np.minimum(1, 1 / np.maximum(load[place_of], 1e-9))
        place_att, place_of = place_att[admitted], place_of[admitted]
        pop.visited[place_att] = place_of
    pl.visits = np.bincount(place_of, minlength=len(pl))
    members = np.flatnonzero(pop.member_of >= 0)
    k = pop.member_of[members]
    p_attend = (np.where(pop.core[members], p.attend_core, p.attend_member) * act[members]
                * np.where(members_without_place(m, k), p.no_place_attendance, 1.0))
    attend = numbers(_ATTEND, members) < p_attend
    init_att, init_of = members[attend], len(pl) + k[attend]
    engaged = np.zeros(n, dtype=bool)
    engaged[place_att] = True
    engaged[init_att] = True
    pop.engagement += p.engagement_rate * (engaged - pop.engagement)
    return np.concatenate([place_att, init_att]), np.concatenate([place_of, init_of])


def test_visit_venues_matches_the_numpy_formulation() -> None:
    turned_away = without_place = 0
    for seed in range(3):
        # Ten times the founding rate: initiatives to attend after half a year, whatever the draws were
        params = Parameters(n_residents=1500, burn_in_years=0.5, neighbourhoods_per_archetype=2,
                            founding_rate=Parameters().founding_rate * 10)
        m = CommunityModel(params, seed=seed)
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


def _allocate_professional_time_with_numpy(m: CommunityModel) -> int:
    """``allocate_professional_time`` as it was before round 7's second pass: numpy passes over the residents.

    The professionals' rule itself is round 9's kernel (``_split_weeks``, tested against the plain rule in
    ``test_kernels_r9d.py``). Returns the number of residents on the waiting lists.
    """
    pop, lev, p = m.pop, m.levers, m.p
    does_casework = m.pro_team | lev.builders_do_casework[m.pro_nbh]
    orphaned = (pop.case_state == CASE_OPEN) & ~(does_casework & (m.pro_fte > 0))[np.maximum(pop.case_prof, 0)]
    pop.case_state[orphaned] = CASE_WAITING
    pop.case_prof[orphaned] = NO
    cases = np.flatnonzero(pop.case_state != CASE_NONE)
    case_hours_now = np.zeros(len(pop))
    case_hours_now[cases] = case_hours_of(m, cases)
    open_ = np.flatnonzero(pop.case_state == CASE_OPEN)
    waiting = np.flatnonzero(pop.case_state == CASE_WAITING)
    waiting = waiting[np.argsort(pop.case_since[waiting], kind="stable")]
    waiting = np.concatenate([waiting[pop.nbh[waiting] == b] for b in range(m.n_nbh)])
    m.case_demand, m.pro_hours, m.pro_bemoeizorg = _split_weeks(
        pop.case_prof[open_], case_hours_now[open_], waiting, case_hours_now[waiting], pop.case_state, pop.case_prof,
        pop.nbh, m.pro_nbh, m.pro_fte, does_casework, lev.accountability, lev.protected_share, lev.bemoeizorg_share,
        p.hours_per_week, p.admin_base_hours, p.admin_per_case_hours, m.counters.cases_opened)
    return len(waiting)


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
            queued += _allocate_professional_time_with_numpy(twin)
            orphaned += int(np.count_nonzero(open_before & (twin.pop.case_state == CASE_WAITING)))
            for name in ("case_demand", "pro_hours", "pro_bemoeizorg"):
                np.testing.assert_array_equal(getattr(m, name), getattr(twin, name), err_msg=name)
            _same_state(m, twin)
            m.step()
    assert orphaned and queued, "orphaned cases and waiting lists were exercised"


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
