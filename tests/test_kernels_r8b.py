"""Round 8's initiative kernels (issue 19) follow the rules of the numpy formulation given the same numbers.

The kernels draw their own numbers (``model/core/draws.py``); the reference formulations here take the
same numbers (the same key, stream and position) and apply each rule with numpy, as the model did before.
"""

from __future__ import annotations

import copy

import numba
import numpy as np
from test_kernels_r7c import _same_state
from test_kernels_r13b import members_without_place

from model import CommunityModel, Parameters
from model.core.draws import draw_key, integer, poisson, subkey, uniform
from model.core.state import NO, ORGANISING_TALENT, need_level_of
from model.core.submodels.founding import _founders, found_initiatives
from model.core.submodels.helpers import kernel_parameters
from model.core.submodels.initiatives import (
    _BURN_OUT,
    _BURNT_LEAVE,
    _ELSEWHERE,
    _GRANT_END,
    _INVITE,
    _INVITES,
    _LEAVE,
    _LEND,
    _PLACE,
    _RECRUIT,
    _STEP_UP,
    _TAKE_OVER,
    _find_places,
    _log,
    _member_counts,
    _volunteer_hours,
    _WeekParameters,
    initiative_lifecycle,
)
from model.core.time import WEEKS_PER_YEAR


@numba.njit(cache=True)
def _uniforms(key: np.uint64, positions: np.ndarray) -> np.ndarray:
    """``uniform(key, k)`` for every position ``k`` of ``positions``."""
    out = np.empty(len(positions))
    for j in range(len(positions)):
        out[j] = uniform(key, positions[j])
    return out


def _key(key: np.uint64, stream: int) -> np.uint64:
    """``subkey(key, stream)`` as numpy's unsigned integer (numba returns a Python int, which it reads back signed)."""
    return np.uint64(subkey(key, stream))


def _room(m: CommunityModel, k: np.ndarray) -> np.ndarray:
    ini = m.inits
    return np.clip(1 - ini.n_members[k] / np.array(m.p.initiative_size)[ini.kind[k]], 0, 1)


def _count_members(m: CommunityModel) -> None:
    pop, ini = m.pop, m.inits
    of = pop.member_of >= 0
    ini.n_members = np.bincount(pop.member_of[of], minlength=len(ini))
    ini.n_core = np.bincount(pop.member_of[of], pop.core[of], minlength=len(ini)).astype(np.int64)


def _lifecycle_reference(m: CommunityModel) -> None:
    """``initiative_lifecycle`` with numpy passes (the members counted four times), given the kernel's numbers."""
    p, rng, pop, ini, lev = m.p, m.rng, m.pop, m.inits, m.levers
    motivation = pop.motivation
    level = need_level_of(pop.zrm)
    found_initiatives(m, motivation, level)
    key = draw_key(rng)
    _count_members(m)
    without_place = members_without_place(m, np.arange(len(ini)))
    member = pop.member_of >= 0
    _, ea, eb = m.net.directed(member, ~member & (level <= 2))
    k = pop.member_of[ea]
    inclusion = lev.inclusion_demand[ini.nbh[k]]
    similar = (pop.age[eb] == ini.group_age[k]) & (pop.low_income[eb] == ini.group_income[k])
    chance = p.recruit_rate * motivation[eb] * np.where(similar, 1.0, inclusion + (1 - inclusion) / p.homophily)
    join = _uniforms(_key(key, _RECRUIT), np.arange(len(eb))) < chance * _room(m, k)
    eb, k = eb[join], k[join]
    eb, first = np.unique(eb, return_index=True)
    pop.member_of[eb] = k[first]
    live = np.flatnonzero(ini.alive & ~ini.taken_over)
    mean = p.open_recruit_rate * lev.inclusion_demand[ini.nbh[live]] * _room(m, live)
    invites = np.array([poisson(_key(key, _INVITES), g, mu) for g, mu in zip(live, mean, strict=True)], dtype=int)
    k = np.repeat(live, invites)
    reach, accept = np.empty(len(k)), np.empty(len(k))
    for j, (g, t) in enumerate(zip(k, np.concatenate([np.arange(c) for c in invites] + [[]]), strict=True)):
        sub = _key(_key(key, _INVITE), g)
        reach[j], accept[j] = uniform(sub, 2 * int(t)), uniform(sub, 2 * int(t) + 1)
    b = ini.nbh[k]
    who = m.nbh_start[b] + (reach * m.nbh_size[b]).astype(np.int64)
    ok = (pop.member_of[who] < 0) & (level[who] <= 2) & (accept < motivation[who])
    who, first = np.unique(who[ok], return_index=True)
    pop.member_of[who] = k[ok][first]
    members = np.flatnonzero((pop.member_of >= 0) & ~pop.core)
    km = pop.member_of[members]
    dissimilar = ~((pop.age[members] == ini.group_age[km]) & (pop.low_income[members] == ini.group_income[km]))
    mixed = np.bincount(km, dissimilar, minlength=len(ini)) / np.maximum(np.bincount(km, minlength=len(ini)), 1)
    leave_p = (p.member_leave_rate * (2 - motivation[members]) * (1 + dissimilar) * (1 + mixed[km])
               * (1 + without_place[km]))
    pop.member_of[members[_uniforms(_key(key, _LEAVE), members) < leave_p]] = NO
    _count_members(m)
    core = np.flatnonzero(pop.core)
    kc = pop.member_of[core]
    admin = ((p.initiative_admin_hours * lev.initiative_accountability[ini.nbh[kc]]
              * np.where(ini.grant_weeks_left[kc] > 0, p.grant_admin_factor, 1.0) * ~ini.citizen_funded[kc])
             + p.inclusion_admin_hours * lev.inclusion_demand[ini.nbh[kc]]
             - p.support_relief * ini.support_hours[kc])
    load = (np.maximum(admin, 0) + p.core_hours * p.core_target) / np.maximum(ini.n_core[kc], 1)
    burnt = core[_uniforms(_key(key, _BURN_OUT), core) < p.burnout_rate * load]
    pop.core[burnt] = False
    pop.competence[burnt] *= 1 - p.burnout_competence_loss
    pop.member_of[burnt[_uniforms(_key(key, _BURNT_LEAVE), burnt) < p.burnout_leave]] = NO
    m.counters.burnouts += np.bincount(pop.nbh[burnt], minlength=m.n_nbh)
    _count_members(m)
    short = (ini.n_core < p.core_target) & ini.alive & ~ini.taken_over
    cand = np.flatnonzero((pop.member_of >= 0) & ~pop.core)
    organiser = pop.talents[cand, ORGANISING_TALENT]
    up = short[pop.member_of[cand]] & (_uniforms(_key(key, _STEP_UP), cand) < p.step_up_rate * motivation[cand]
                                       * (1 + (p.organiser_step_up_factor - 1) * organiser))
    pop.core[cand[up]] = True
    _count_members(m)
    _end_or_take_over_reference(m, key, without_place)
    lend = _uniforms(_key(key, _LEND), np.arange(len(pop)))
    elsewhere = _uniforms(_key(key, _ELSEWHERE), np.arange(len(pop)))
    helps = (pop.member_of >= 0) & ~pop.core & (lend < p.member_help_rate)
    away = elsewhere < p.volunteer_rate * pop.civic * motivation * (level <= 1)
    pop.volunteer_hours = (np.where(pop.core, p.core_hours, 0.0) + np.where(helps, p.member_help_hours, 0.0)
                           + np.where(away, p.volunteer_hours_elsewhere, 0.0))
    pop.last_volunteered[pop.volunteer_hours > 0] = m.week


def _end_or_take_over_reference(m: CommunityModel, key: np.uint64, without_place: np.ndarray) -> None:
    p, pop, ini, lev = m.p, m.pop, m.inits, m.levers
    ending_grant = ini.alive & (ini.grant_weeks_left == 1)
    ini.grant_weeks_left = np.maximum(ini.grant_weeks_left - 1, 0)
    if ending_grant.any():
        mem = np.flatnonzero((pop.member_of >= 0) & ~pop.core)
        lose = mem[ending_grant[pop.member_of[mem]] & (_uniforms(_key(key, _GRANT_END), mem) < p.grant_end_leave)]
        pop.member_of[lose] = NO
    resident_run = ini.alive & ~ini.taken_over
    struggling = resident_run & (ini.n_core < p.core_min)
    ini.struggling_weeks = np.where(struggling, ini.struggling_weeks + 1, 0)
    take = struggling & (_uniforms(_key(key, _TAKE_OVER), np.arange(len(ini))) < lev.takeover_rate[ini.nbh])
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
    for k in np.flatnonzero(ini.alive & without_place):
        places = np.flatnonzero(m.places.open & (m.places.nbh == ini.nbh[k]))
        ini.place[k] = places[integer(_key(key, _PLACE), k, len(places))] if len(places) else NO
    m.counters.takeover_cost += np.bincount(ini.nbh[ini.alive & ini.taken_over],
                                            minlength=m.n_nbh) * p.takeover_cost_eur / WEEKS_PER_YEAR
    m.counters.grant_cost += np.bincount(ini.nbh[ini.alive & (ini.grant_weeks_left > 0) & ~ini.citizen_funded],
                                         minlength=m.n_nbh) * p.grant_eur / WEEKS_PER_YEAR


def test_initiative_lifecycle_follows_the_rules_given_the_same_numbers() -> None:
    # Busy initiatives (founding, burning out, stepping up, leaving), every inclusion demand from 0 to 1 (open
    # invitations), takeovers and endings, meeting activities whose place closed; at seed 2 no open place at all.
    params = Parameters(n_residents=1500, burn_in_years=0.5, neighbourhoods_per_archetype=2, founding_rate=0.004,
                        burnout_rate=0.03, struggle_weeks=4, step_up_rate=0.2, grant_end_leave=0.5)
    joined = left = burnt = stepped = moved = 0
    events: set[str] = set()
    for seed in range(3):
        m = CommunityModel(params, seed=seed)
        m.run_weeks(10)
        m.levers.inclusion_demand[:] = np.linspace(0, 1, m.n_nbh)
        m.levers.takeover_rate[:] = np.linspace(0, 0.5, m.n_nbh)  # struggling initiatives taken over, or ending
        m.inits.grant_weeks_left[m.inits.alive] = np.arange(np.count_nonzero(m.inits.alive)) % 3  # grants ending
        m.places.open[:: 2 if seed < 2 else 1] = False
        twin, logged = copy.deepcopy(m), len(m.initiative_log)
        for _ in range(8):
            before_member, before_core, before_place = m.pop.member_of.copy(), m.pop.core.copy(), m.inits.place.copy()
            initiative_lifecycle(m)
            _lifecycle_reference(twin)
            _same_state(m, twin)
            joined += np.count_nonzero((before_member < 0) & (m.pop.member_of >= 0))
            left += np.count_nonzero((before_member >= 0) & ~before_core & (m.pop.member_of < 0))
            burnt += np.count_nonzero(before_core & ~m.pop.core)
            stepped += np.count_nonzero(~before_core & (before_member >= 0) & m.pop.core)
            slots = len(before_place)  # the slots double when none is free
            alive, place = m.inits.alive[:slots], m.inits.place[:slots]
            moved += np.count_nonzero(alive & (before_place >= 0) & (place != before_place))
            assert not (m.pop.core & (m.pop.member_of < 0)).any(), "core volunteers are members"
        events |= {event for _, _, event, *_ in m.initiative_log[logged:]}
    assert min(joined, left, burnt, stepped, moved) > 0, "every way in and out of an initiative was exercised"
    assert {"founded", "taken_over", "ended: too few core volunteers"} <= events, events


def test_initiative_lifecycle_of_a_city_without_initiatives_follows_the_rules() -> None:
    # Nobody can found (no founding), so nobody is eligible for anything: only volunteering elsewhere.
    m = CommunityModel(Parameters(n_residents=600, burn_in_years=0, founding_rate=0.0), seed=5)
    m.pop.member_of[:], m.pop.core[:], m.inits.alive[:] = NO, False, False
    twin = copy.deepcopy(m)
    for _ in range(3):
        initiative_lifecycle(m)
        _lifecycle_reference(twin)
        _same_state(m, twin)
    assert not (m.pop.member_of >= 0).any() and (m.pop.volunteer_hours > 0).any()


def test_places_are_found_evenly_among_the_open_places_of_the_neighbourhood() -> None:
    place_open = np.array([True, False, True, True, True, False])
    place_nbh = np.array([0, 0, 0, 0, 1, 1])
    counts = np.zeros(len(place_open))
    n = 30_000
    for t in range(n):
        place = np.array([1, 5])  # both closed; neighbourhood 1 has no other open place left
        _find_places(np.uint64(t), np.array([True, True]), np.array([True, True]), np.array([0, 1]), place,
                     place_open, place_nbh)
        counts[place[0]] += 1
        assert place[1] == 4
    assert counts[1] == counts[4] == counts[5] == 0
    # each of the three open places a third of the time (4 standard errors of a binomial share)
    assert np.all(np.abs(counts[[0, 2, 3]] / n - 1 / 3) < 4 * np.sqrt(2 / 9 / n))
    place = np.array([1])
    _find_places(np.uint64(1), np.array([True]), np.array([True]), np.array([1]), place, place_open & False, place_nbh)
    assert place[0] == NO, "no open place: none"


def test_founders_are_those_of_the_numpy_formulation() -> None:
    m = CommunityModel(Parameters(n_residents=800, burn_in_years=1, neighbourhoods_per_archetype=2), seed=4)
    p, pop = m.p, m.pop
    rate = 0.5  # high enough that some residents found each time
    cases = np.random.default_rng(7)
    for t in range(20):
        key = np.uint64(t)
        motivation, level = cases.random(len(pop)), cases.integers(0, 4, len(pop))
        spotted, room = cases.random(len(pop)) < 0.3, cases.random(m.n_nbh) < 0.8
        support = 1 + cases.random(m.n_nbh)
        cand = np.flatnonzero((pop.member_of < 0) & (level <= 1) & pop.talents[:, ORGANISING_TALENT])
        home = pop.nbh[cand]
        chance = (rate * motivation[cand] * (1 + (p.spotted_founding_factor - 1) * spotted[cand])
                  * support[home] * room[home] * np.where(pop.low_income[cand], p.low_income_civic_factor, 1.0))
        expected = cand[_uniforms(key, cand) < chance]
        got = _founders(key, rate, p.spotted_founding_factor, p.low_income_civic_factor, pop.member_of, level,
                        pop.talents[:, ORGANISING_TALENT], motivation, spotted, pop.low_income, m.nbh_start, support,
                        room)
        assert len(expected)
        np.testing.assert_array_equal(got, expected)
    nobody = np.zeros(len(pop), dtype=bool)
    assert not len(_founders(np.uint64(0), 1.0, 1.0, 1.0, pop.member_of, np.zeros(len(pop), dtype=np.int64), nobody,
                             np.ones(len(pop)), nobody, nobody, m.nbh_start, np.ones(m.n_nbh), np.ones(m.n_nbh, bool)))


def test_member_counts_are_bincounts() -> None:
    rng = np.random.default_rng(8)
    for n, slots in ((0, 3), (1, 1), (1001, 40)):
        member_of = np.where(rng.random(n) < 0.3, rng.integers(0, slots, n), NO)
        core = rng.random(n) < 0.4
        members, cores = _member_counts(member_of, core, slots)
        of = member_of >= 0
        np.testing.assert_array_equal(members, np.bincount(member_of[of], minlength=slots))
        np.testing.assert_array_equal(cores, np.bincount(member_of[of], core[of], minlength=slots).astype(int))


def test_volunteer_hours_match_the_numpy_formulation() -> None:
    p = Parameters()
    rng = np.random.default_rng(9)
    n = 5001
    core = rng.random(n) < 0.1
    member_of = np.where(core | (rng.random(n) < 0.2), rng.integers(0, 30, n), NO)
    civic, motivation, level = rng.random(n), rng.random(n), rng.integers(0, 4, n)
    lend_key, elsewhere_key = np.uint64(3), np.uint64(4)
    lend, elsewhere = _uniforms(lend_key, np.arange(n)), _uniforms(elsewhere_key, np.arange(n))
    last = rng.integers(-100, 0, n)
    helps = (member_of >= 0) & ~core & (lend < p.member_help_rate)
    away = elsewhere < p.volunteer_rate * civic * motivation * (level <= 1)
    expected = (np.where(core, p.core_hours, 0.0) + np.where(helps, p.member_help_hours, 0.0)
                + np.where(away, p.volunteer_hours_elsewhere, 0.0))
    expected_last = np.where(expected > 0, 7, last)
    nothing_ends = np.zeros(31, dtype=bool)  # per slot and one more: nobody leaves an initiative first
    got = _volunteer_hours(lend_key, elsewhere_key, kernel_parameters(_WeekParameters, p), 7, nothing_ends,
                           nothing_ends, member_of, core, civic, motivation, level, last)
    assert helps.any() and away.any() and core.any() and (expected == 0).any()
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(last, expected_last)
