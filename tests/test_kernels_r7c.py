"""Round 7's fused kernels (issue 19) give what the numpy formulations they replace gave, bit for bit."""

from __future__ import annotations

import copy
from collections import deque

import numpy as np

from model import CommunityModel, Parameters
from model.core.draws import draw_key, uniform
from model.core.state import CASE_NONE, CASE_OPEN, CASE_WAITING, NO, ORGANISING_TALENT, need_level_of
from model.core.submodels.helpers import (
    activity,
    case_hours_of,
    free_to_help,
    members_without_place,
)
from model.core.submodels.initiatives import (
    _count_members,
    _found_initiatives,
    _log,
    _recruit_chance,
    _room,
    _volunteering,
    initiative_lifecycle,
    kind_cdf,
)
from model.core.submodels.professionals import (
    allocate_professional_time,
)
from model.core.submodels.venues import _ADMIT, _ATTEND, _PICK, _WANT, visit_venues
from model.core.time import WEEKS_PER_YEAR


def _initiative_lifecycle_with_numpy(m: CommunityModel) -> None:
    """``initiative_lifecycle`` as it was before round 7: numpy passes, the members counted four times."""
    p, rng, pop, ini, lev = m.p, m.rng, m.pop, m.inits, m.levers
    motivation = pop.motivation
    level = need_level_of(pop.zrm)
    _found_initiatives(m, motivation, level)
    _count_members(m)
    member = pop.member_of >= 0
    _, ea, eb = m.net.directed(member, ~member & (level <= 2))
    k = pop.member_of[ea]
    join = rng.random(len(eb)) < _recruit_chance(p.recruit_rate, p.homophily, np.array(p.initiative_size), eb, k,
                                                 motivation, pop.age, pop.low_income, ini.group_age,
                                                 ini.group_income, ini.nbh, ini.kind, ini.n_members,
                                                 lev.inclusion_demand)
    eb, k = eb[join], k[join]
    eb, first = np.unique(eb, return_index=True)
    pop.member_of[eb] = k[first]
    live = np.flatnonzero(ini.alive & ~ini.taken_over)
    invites = rng.poisson(p.open_recruit_rate * lev.inclusion_demand[ini.nbh[live]] * _room(m, live))
    if invites.any():
        k = np.repeat(live, invites)
        b = ini.nbh[k]
        who = m.nbh_start[b] + (rng.random(len(k)) * m.nbh_size[b]).astype(np.int64)
        ok = (pop.member_of[who] < 0) & (level[who] <= 2) & (rng.random(len(k)) < motivation[who])
        who, first = np.unique(who[ok], return_index=True)
        pop.member_of[who] = k[ok][first]
    members = np.flatnonzero((pop.member_of >= 0) & ~pop.core)
    km = pop.member_of[members]
    dissimilar = ~((pop.age[members] == ini.group_age[km]) & (pop.low_income[members] == ini.group_income[km]))
    mixed = np.bincount(km, dissimilar, minlength=len(ini)) / np.maximum(np.bincount(km, minlength=len(ini)), 1)
    leave_p = (p.member_leave_rate * (2 - motivation[members]) * (1 + dissimilar) * (1 + mixed[km])
               * (1 + members_without_place(m, km)))
    pop.member_of[members[rng.random(len(members)) < leave_p]] = NO
    _count_members(m)
    core = np.flatnonzero(pop.core)
    kc = pop.member_of[core]
    admin = ((p.initiative_admin_hours * lev.initiative_accountability[ini.nbh[kc]]
              * np.where(ini.grant_weeks_left[kc] > 0, p.grant_admin_factor, 1.0) * ~ini.citizen_funded[kc])
             + p.inclusion_admin_hours * lev.inclusion_demand[ini.nbh[kc]]
             - p.support_relief * ini.support_hours[kc])
    load = (np.maximum(admin, 0) + p.core_hours * p.core_target) / np.maximum(ini.n_core[kc], 1)
    burnt = core[rng.random(len(core)) < p.burnout_rate * load]
    pop.core[burnt] = False
    pop.competence[burnt] *= 1 - p.burnout_competence_loss
    pop.member_of[burnt[rng.random(len(burnt)) < p.burnout_leave]] = NO
    m.counters.burnouts += np.bincount(pop.nbh[burnt], minlength=m.n_nbh)
    _count_members(m)
    short = (ini.n_core < p.core_target) & ini.alive & ~ini.taken_over
    cand = np.flatnonzero((pop.member_of >= 0) & ~pop.core)
    organiser = pop.talents[cand, ORGANISING_TALENT]
    up = short[pop.member_of[cand]] & (rng.random(len(cand)) < p.step_up_rate * motivation[cand]
                                       * (1 + (p.organiser_step_up_factor - 1) * organiser))
    pop.core[cand[up]] = True
    _count_members(m)
    _end_or_take_over_with_numpy(m)
    _volunteering(m, motivation, level)


def _end_or_take_over_with_numpy(m: CommunityModel) -> None:
    p, rng, pop, ini, lev = m.p, m.rng, m.pop, m.inits, m.levers
    ending_grant = ini.alive & (ini.grant_weeks_left == 1)
    ini.grant_weeks_left = np.maximum(ini.grant_weeks_left - 1, 0)
    if ending_grant.any():
        mem = np.flatnonzero((pop.member_of >= 0) & ~pop.core)
        lose = mem[ending_grant[pop.member_of[mem]] & (rng.random(len(mem)) < p.grant_end_leave)]
        pop.member_of[lose] = NO
    resident_run = ini.alive & ~ini.taken_over
    struggling = resident_run & (ini.n_core < p.core_min)
    ini.struggling_weeks = np.where(struggling, ini.struggling_weeks + 1, 0)
    take = struggling & (rng.random(len(ini)) < lev.takeover_rate[ini.nbh])
    ini.taken_over[take] = True
    _log(m, take, "taken_over")
    if take.any():
        pop.core[np.append(take, False)[pop.member_of]] = False
    m.counters.initiatives_taken_over += np.bincount(ini.nbh[take], minlength=m.n_nbh)
    core_lost = resident_run & ~take & (ini.struggling_weeks >= p.struggle_weeks)
    members_lost = ini.alive & ini.taken_over & (ini.n_members < p.takeover_min_members)
    end = core_lost | members_lost
    if end.any():
        _log(m, core_lost, "ended: too few core volunteers")
        _log(m, members_lost, "ended: taken over, too few members")
        gone = np.append(end, False)[pop.member_of]
        pop.member_of[gone] = NO
        pop.core[gone] = False
        ini.alive[end] = False
        ini.taken_over[end] = False
        m.counters.initiatives_ended += np.bincount(ini.nbh[end], minlength=m.n_nbh)
    for k in np.flatnonzero(ini.alive & members_without_place(m, np.arange(len(ini)))):
        places = np.flatnonzero(m.places.open & (m.places.nbh == ini.nbh[k]))
        ini.place[k] = rng.choice(places) if len(places) else NO
    m.counters.takeover_cost += np.bincount(ini.nbh[ini.alive & ini.taken_over],
                                            minlength=m.n_nbh) * p.takeover_cost_eur / WEEKS_PER_YEAR
    m.counters.grant_cost += np.bincount(ini.nbh[ini.alive & (ini.grant_weeks_left > 0) & ~ini.citizen_funded],
                                         minlength=m.n_nbh) * p.grant_eur / WEEKS_PER_YEAR


def _same_state(m: CommunityModel, twin: CommunityModel) -> None:
    for part in ("pop", "inits", "places"):
        for name, value in vars(getattr(m, part)).items():
            np.testing.assert_array_equal(value, getattr(getattr(twin, part), name), err_msg=f"{part}.{name}")
    for name, value in vars(m.counters).items():
        np.testing.assert_array_equal(value, getattr(twin.counters, name), err_msg=f"counters.{name}")
    assert m.initiative_log == twin.initiative_log
    assert m.rng.bit_generator.state == twin.rng.bit_generator.state, "the same draws, in the same order"


def test_initiative_lifecycle_matches_the_numpy_formulation() -> None:
    # Busy initiatives (founding, burning out, stepping up, leaving) and every inclusion demand from 0 to 1,
    # so that open invitations are drawn too.
    params = Parameters(n_residents=1500, burn_in_years=0.5, neighbourhoods_per_archetype=2, founding_rate=0.004,
                        burnout_rate=0.03, struggle_weeks=4, step_up_rate=0.2)
    joined = left = burnt = stepped = 0
    events: set[str] = set()
    for seed in range(3):
        m = CommunityModel(params, seed=seed)
        m.run_weeks(10)
        m.levers.inclusion_demand[:] = np.linspace(0, 1, m.n_nbh)
        m.levers.takeover_rate[:] = np.linspace(0, 0.5, m.n_nbh)  # struggling initiatives taken over, or ending
        twin, logged = copy.deepcopy(m), len(m.initiative_log)
        for _ in range(8):
            before_member, before_core = m.pop.member_of.copy(), m.pop.core.copy()
            initiative_lifecycle(m)
            _initiative_lifecycle_with_numpy(twin)
            _same_state(m, twin)
            joined += np.count_nonzero((before_member < 0) & (m.pop.member_of >= 0))
            left += np.count_nonzero((before_member >= 0) & ~before_core & (m.pop.member_of < 0))
            burnt += np.count_nonzero(before_core & ~m.pop.core)
            stepped += np.count_nonzero(~before_core & (before_member >= 0) & m.pop.core)
            assert not (m.pop.core & (m.pop.member_of < 0)).any(), "core volunteers are members"
        events |= {event for _, _, event, *_ in m.initiative_log[logged:]}
    assert min(joined, left, burnt, stepped) > 0, "every way in and out of an initiative was exercised"
    assert {"founded", "taken_over", "ended: too few core volunteers"} <= events, events


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
