"""Round 9's founding kernel and fused initiative passes (issue 19) follow the rules given the same numbers.

The founding (``model/core/submodels/founding.py``) draws its own numbers: the reference here takes the same
numbers (the same key and position) and founds with numpy and plain Python, as the model did before. The
fused passes of ``initiative_lifecycle`` keep their numbers; ``tests/test_kernels_r8b.py`` compares the
whole submodel with its numpy formulation.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
from test_kernels_r7c import _same_state
from test_kernels_r8b import _key

from agents.collectives import Initiative
from model import CommunityModel, Parameters
from model.core.categories import INITIATIVE_KINDS
from model.core.draws import draw_key, integer, uniform
from model.core.state import NO, ORGANISING_TALENT, need_level_of
from model.core.submodels.founding import _found, _founders, found_initiatives, kind_cdf
from model.core.submodels.helpers import MEETING, kernel_parameters
from model.core.submodels.initiatives import _volunteer_hours, _WeekParameters


def _found_reference(m: CommunityModel, motivation: np.ndarray, level: np.ndarray) -> None:
    """``found_initiatives`` founder by founder with numpy, given the kernel's numbers."""
    p, pop, ini, lev, net = m.p, m.pop, m.inits, m.levers, m.net
    room = np.bincount(ini.nbh[ini.alive], minlength=m.n_nbh) < p.max_initiatives_per_1000 * m.nbh_size / 1000
    support = 1 + m.community_hours[:, 1] / p.support_founding_hours
    founders = _founders(draw_key(m.rng), p.founding_rate, p.spotted_founding_factor, p.low_income_civic_factor,
                         pop.member_of, level, pop.talents[:, ORGANISING_TALENT], motivation, pop.spotted,
                         pop.low_income, m.nbh_start, support, room)
    if not len(founders):
        return
    key = draw_key(m.rng)
    for f in founders:
        if ini.alive.all():
            ini.grow()
        k = int(np.flatnonzero(~ini.alive)[0])
        sub = _key(key, f)
        kind = int(np.searchsorted(kind_cdf(p.kind_shares), uniform(sub, 0), side="right"))
        start, b = _key(sub, 1), pop.nbh[f]
        citizen = lev.citizen_budget_eur[b] > 0 and uniform(start, 0) < p.citizen_funded_share
        places = np.flatnonzero(m.places.open & (m.places.nbh == b))
        ini.alive[k], ini.kind[k], ini.nbh[k], ini.uid[k] = True, kind, b, m.next_initiative
        m.next_initiative += 1
        ini.place[k] = places[integer(start, 1, len(places))] if kind == MEETING and len(places) else NO
        ini.group_age[k], ini.group_income[k] = pop.age[f], pop.low_income[f]
        ini.founded[k], ini.struggling_weeks[k] = m.week, 0
        ini.citizen_funded[k], ini.taken_over[k], ini.support_weight[k] = citizen, False, 1.0
        ini.grant_weeks_left[k] = lev.grant_weeks[b] if citizen or uniform(start, 2) < lev.grant_prob[b] else 0
        # The founder's ties as ``Network.ties_of`` lists them: as the lower end, then as the higher end.
        own = np.concatenate([np.flatnonzero(net.a == f), np.flatnonzero(net.b == f)])
        friends = np.where(net.a[own] == f, net.b[own], net.a[own])
        friends = friends[(pop.member_of[friends] < 0) & (net.w[own] >= p.good_tie_threshold)]
        crew_key = _key(sub, 2)
        for t in range(min(p.founder_crew, len(friends))):  # Fisher-Yates, stopped after the crew
            x = t + integer(crew_key, t, len(friends) - t)
            friends[[t, x]] = friends[[x, t]]
        crew = friends[: p.founder_crew]
        pop.member_of[f], pop.core[f], pop.spotted[f] = k, True, False
        pop.member_of[crew], pop.core[crew] = k, True
        m.counters.initiatives_founded[b] += 1
        m.initiative_log.append((int(ini.uid[k]), m.week + 1, "founded", INITIATIVE_KINDS[kind], int(b),
                                 int(pop.pid[f]), 1 + len(crew)))


def _founding_week(m: CommunityModel, twin: CommunityModel) -> list[tuple]:
    """One founding in ``m`` by the kernel and in ``twin`` by the reference; returns its log entries."""
    logged = len(m.initiative_log)
    for model, found in ((m, found_initiatives), (twin, _found_reference)):
        found(model, model.pop.motivation, need_level_of(model.pop.zrm))
    _same_state(m, twin)
    return m.initiative_log[logged:]


def test_the_founding_follows_the_rules_given_the_same_numbers() -> None:
    # Many founders a week (the founding rate 300 times the default), neighbourhoods without an open place,
    # citizen budgets and grants by chance, and in week 3 no free slot: the slots double when anyone founds.
    params = Parameters(n_residents=1500, burn_in_years=0.3, neighbourhoods_per_archetype=2, founding_rate=0.05,
                        max_initiatives_per_1000=1000)
    founded, full, doubled = [], 0, 0
    for seed in range(3):
        m = CommunityModel(params, seed=seed)
        m.levers.citizen_budget_eur[::2] = 1000.0
        m.levers.grant_prob[:] = 0.5
        m.places.open[m.places.nbh % 3 == seed] = False
        twin = copy.deepcopy(m)
        for week in range(6):
            slots = len(m.inits)
            if week == 3:
                for model in (m, twin):
                    model.inits.alive[:] = True
            logged = _founding_week(m, twin)
            founded += logged
            full += week == 3 and len(logged) > 0
            doubled += week == 3 and len(m.inits) >= 2 * slots
            m.week = twin.week = m.week + 1
    kinds = {kind for _, _, _, kind, *_ in founded}
    crews = sum(core > 1 for *_, core in founded)
    assert len(founded) > 20 and crews > 0 and doubled == full > 0 and len(kinds) > 2, (len(founded), crews, full,
                                                                                     doubled)


def test_new_slots_get_their_agents() -> None:
    m = CommunityModel(Parameters(n_residents=800, burn_in_years=0, founding_rate=0.5), seed=2)
    m.inits.alive[:] = True  # all slots count in neighbourhood 0: the others have room
    slots = len(m.inits)
    found_initiatives(m, m.pop.motivation, need_level_of(m.pop.zrm))
    assert len(m.inits) > slots and len(m.agents_by_type[Initiative]) == len(m.inits)
    assert sorted(agent.idx for agent in m.agents_by_type[Initiative]) == list(range(len(m.inits)))


def test_a_week_without_founders_changes_nothing_but_the_generator() -> None:
    m = CommunityModel(Parameters(n_residents=600, burn_in_years=0, founding_rate=0.0), seed=5)
    before = copy.deepcopy(m)
    found_initiatives(m, m.pop.motivation, need_level_of(m.pop.zrm))
    draw_key(before.rng)  # the founders' key
    _same_state(m, before)


def _one_founder(key: np.uint64, shares: tuple[float, ...], citizen_budget: float = 0.0,
                 grant_prob: float = 0.5) -> tuple[int, int, bool, int, frozenset[int]]:
    """One founder (resident 0) with friends 1-5 (good ties), 6 (a weak tie) and 7 (a member), three open places.

    Returns the kind, the place, whether citizen-funded, the grant weeks and the crew.
    """
    n, slots = 8, 4
    member_of = np.full(n, NO)
    member_of[7] = 3
    core, spotted = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    a, b = np.zeros(7, dtype=np.int64), np.arange(1, 8)
    w = np.array([0.8] * 5 + [0.2, 0.8])
    alive = np.zeros(slots, dtype=bool)
    alive[3] = True
    ints = [np.zeros(slots, dtype=np.int64) for _ in range(8)]
    kind, nbh, uid, place, group_age, group_income, founded, struggling = ints
    citizen, taken, weight = np.zeros(slots, dtype=bool), np.zeros(slots, dtype=bool), np.zeros(slots)
    grant_left = np.zeros(slots, dtype=np.int64)
    _found(key, np.array([0]), np.array([0, 7]), np.arange(7), a, b, w, 0.5, 2, kind_cdf(shares),
           np.array([10, 11, 12]), np.array([0, 3]), 100, 5, 0.5, np.zeros(n, dtype=np.int64),
           np.zeros(n, dtype=np.int8), np.zeros(n, dtype=bool), member_of, core, spotted,
           np.array([citizen_budget]), np.array([grant_prob]), np.array([52]), np.zeros(1, dtype=np.int64), alive,
           kind, nbh, uid, place, group_age, group_income, founded, struggling, citizen, taken, weight, grant_left)
    crew = frozenset(np.flatnonzero(member_of == 0).tolist()) - {0}
    assert core[0] and member_of[0] == 0 and not spotted[0] and uid[0] == 100 and founded[0] == 5
    return int(kind[0]), int(place[0]), bool(citizen[0]), int(grant_left[0]), crew


def _within(count: int, n: int, p: float) -> bool:
    """``count`` of ``n`` within 4 standard errors of the chance ``p``."""
    return abs(count - n * p) <= 4 * np.sqrt(n * p * (1 - p))


def test_the_founding_draws_have_their_distributions() -> None:
    shares = (0.4, 0.3, 0.2, 0.1, 0.0)
    n = 4000
    results = [_one_founder(np.uint64(k) * np.uint64(7919), shares) for k in range(n)]
    kinds = np.bincount([r[0] for r in results], minlength=len(shares))
    assert all(_within(kinds[x], n, s) for x, s in enumerate(shares)), kinds
    places = [r[1] for r in results if r[0] == MEETING]
    assert all(_within(places.count(q), len(places), 1 / 3) for q in (10, 11, 12))
    assert all(r[1] == NO for r in results if r[0] != MEETING)
    # Two of the five friends along good ties, each pair equally likely; never the weak tie or the member.
    crews = [r[4] for r in results]
    pairs = list(itertools.combinations(range(1, 6), 2))
    assert all(len(c) == 2 for c in crews) and set(crews) == {frozenset(x) for x in pairs}
    assert all(_within(crews.count(frozenset(x)), n, 1 / len(pairs)) for x in pairs)
    assert not any(r[2] for r in results), "no citizen budget, no citizen funding"
    assert _within(sum(r[3] == 52 for r in results), n, 0.5), "grants with the chance grant_prob"
    funded = [_one_founder(np.uint64(k) * np.uint64(104729), shares, citizen_budget=1.0, grant_prob=0.0)
              for k in range(n)]
    assert _within(sum(r[2] for r in funded), n, 0.5), "citizen-funded with the chance citizen_funded_share"
    assert all(r[3] == (52 if r[2] else 0) for r in funded), "a citizen-funded initiative has a grant"


def test_volunteering_follows_the_leaving_of_ended_and_taken_over_initiatives() -> None:
    p = kernel_parameters(_WeekParameters, Parameters())
    member_of = np.array([0, 0, 1, 1, 2, NO])
    core = np.array([True, False, True, False, True, False])
    taken, end = np.array([True, False, False, False]), np.array([False, True, False, False])
    last = np.full(6, -9)
    nobody = np.zeros(6)  # no civic spirit: only hours in initiatives
    hours = _volunteer_hours(np.uint64(1), np.uint64(2), p, 4, taken, end, member_of, core, nobody, nobody,
                             np.zeros(6, dtype=np.int64), last)
    np.testing.assert_array_equal(member_of, [0, 0, NO, NO, 2, NO])
    np.testing.assert_array_equal(core, [False, False, False, False, True, False])
    assert hours[4] == p.core_hours and hours[2] == hours[3] == hours[5] == 0.0 and hours[0] <= p.member_help_hours
