"""Round 14, helper D: the wellbeing passes and building the city against what they replace (issue 19).

The trust and motivation passes, now a block of residents at a time, are compared bit for bit with their
formulations before the round (copied here) on random inputs, including the edge cases (nobody, one resident, a
block's edges).
"""

from __future__ import annotations

import gc

import numba
import numpy as np
import pytest

from model.core.state import CASE_OPEN, CASE_WAITING, PARTICIPATION
from model.core.submodels.helpers import relational_shortfall
from model.core.submodels.wellbeing import _motivation_step, _MotivationParameters, _trust_step, _TrustParameters
from model.core.time import WEEKS_PER_YEAR


@numba.njit
def _trust_step_before(p: tuple, rate: float, week: int, nbh: np.ndarray, case_state: np.ndarray,
                       case_since: np.ndarray, member_of: np.ndarray, control: np.ndarray,
                       citizen_funded: np.ndarray, trust: np.ndarray) -> None:
    """``wellbeing._trust_step`` before round 14: one pass, the budget's flag times the parameter."""
    for i in range(len(nbh)):
        waiting_long = (case_state[i] == CASE_WAITING) & (week - case_since[i] > p.long_wait_weeks)
        k = member_of[i]
        active = k >= 0
        own_budget = active & citizen_funded[max(k, 0)]
        signal = (p.trust_base + p.trust_helped * (case_state[i] == CASE_OPEN) - p.trust_waiting * waiting_long
                  - p.trust_control * control[nbh[i]] * active + p.trust_own_budget * own_budget)
        trust[i] += rate * (min(max(signal, 0.0), 1.0) - trust[i])


def _trust_inputs(n: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    slots = 1 + int(rng.integers(1, 40))
    # Parameters spread widely (clipping at both ends), the budget's term of either sign.
    p = _TrustParameters(int(rng.integers(0, 30)), rng.uniform(-0.5, 1.5), rng.uniform(0, 1), rng.uniform(0, 1),
                         rng.uniform(0, 2), rng.uniform(-1, 1))
    nbh = np.sort(rng.integers(0, 4, n))
    case_state = rng.integers(0, 3, n).astype(np.int8)
    case_since = rng.integers(-200, 60, n)
    member_of = np.where(rng.random(n) < 0.3, rng.integers(0, slots, n), -1)
    control = rng.random(4)
    citizen_funded = rng.random(slots) < 0.4
    trust = rng.random(n)
    trust[rng.random(n) < 0.05] = 0.0
    return p, rng.uniform(0.01, 1.0), int(rng.integers(0, 100)), nbh, case_state, case_since, member_of, control, \
        citizen_funded, trust


@pytest.mark.parametrize("n", [0, 1, 2, 1023, 1024, 1025, 5000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trust_step_is_the_pass_before(n: int, seed: int) -> None:
    """Every trust bit for bit as the one-pass formulation gave, the other arrays untouched."""
    args = _trust_inputs(n, seed)
    expected, got = [a.copy() if isinstance(a, np.ndarray) else a for a in args], list(args)
    _trust_step_before(*expected)
    _trust_step(*got)
    assert got[-1].tobytes() == expected[-1].tobytes()
    for a, b in zip(got[:-1], expected[:-1], strict=True):
        if isinstance(a, np.ndarray):
            assert a.tobytes() == b.tobytes()
    if n >= 1000:
        assert not np.array_equal(args[-1], _trust_inputs(n, seed)[-1])  # the test sees a change of trust


def test_trust_step_settles_to_its_target() -> None:
    """With rate 1 trust is its clipped signal: a member of a funded initiative without control gains the budget."""
    p = _TrustParameters(4, 0.5, 0.2, 0.3, 0.1, 0.25)
    trust = np.zeros(3)
    _trust_step(p, 1.0, 10, np.zeros(3, np.int64), np.array([CASE_OPEN, CASE_WAITING, 0], np.int8),
                np.array([0, 0, 9]), np.array([-1, -1, 0]), np.zeros(1), np.array([True]), trust)
    assert trust.tolist() == [0.7, 0.2, 0.75]


def test_city_is_built_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building pauses Python's collector (the kernels load, the agents are made) and leaves it as it was."""
    from model.core import city
    from model.core.community import CommunityModel
    from model.core.parameters import Parameters

    seen = []
    build_population = city.build_population

    def watched(m: CommunityModel) -> object:
        seen.append(gc.isenabled())
        return build_population(m)

    monkeypatch.setattr(city, "build_population", watched)
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            CommunityModel(Parameters(n_residents=50, burn_in_years=0), seed=0)
            assert gc.isenabled() == enabled
        finally:
            gc.enable()
    assert seen == [False, False]


@numba.njit
def _motivation_step_before(p: tuple, rate: float, week: int, nbh: np.ndarray, member_of: np.ndarray,
                            core: np.ndarray, last_volunteered: np.ndarray, care_given: np.ndarray,
                            talents: np.ndarray, need: np.ndarray, strain: np.ndarray, good_ties: np.ndarray,
                            desired: np.ndarray, control: np.ndarray, taken_over: np.ndarray,
                            support_hours: np.ndarray, citizen_funded: np.ndarray, autonomy: np.ndarray,
                            competence: np.ndarray, relatedness: np.ndarray, zrm: np.ndarray) -> None:
    """``wellbeing._motivation_step`` before round 14: one pass, the initiatives' flags read as bytes."""
    for i in range(len(nbh)):
        k = member_of[i]
        active = k >= 0
        g = max(k, 0)
        outside = control[nbh[i]] * (1.0 if active else p.control_felt_outside)
        felt = 1.0 if active & taken_over[g] else outside
        backed = active & ((support_hours[g] > 0) | citizen_funded[g])
        autonomy_t = p.autonomy_base - p.crowding * felt + p.support_autonomy * backed
        contributing = (week - last_volunteered[i] <= p.contribution_memory_weeks) | (care_given[i] > 0)
        n_talents = 0
        for j in range(5):
            n_talents += talents[i, j]
        competence_t = (p.competence_base + p.competence_contributing * contributing
                        + p.competence_per_talent * n_talents
                        - p.competence_problem_penalty * ((need[i] >= 2) + strain[i]))
        autonomy[i] += rate * (min(max(autonomy_t, 0.0), 1.0) - autonomy[i])
        competence[i] += rate * (min(max(competence_t, 0.0), 1.0) - competence[i])
        lacking = relational_shortfall(good_ties[i], p.relatedness_membership * active, desired[i])
        relatedness[i] += rate * (1 - lacking - relatedness[i])
        zrm[i, PARTICIPATION] = 2 + (week - last_volunteered[i] < WEEKS_PER_YEAR) + active + core[i]


def _motivation_inputs(n: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    slots = 1 + int(rng.integers(1, 40))
    # Parameters spread widely (targets clipped at both ends; terms of either sign).
    p = _MotivationParameters(rng.uniform(0, 2), rng.uniform(0, 1), rng.uniform(-0.5, 1.5), rng.uniform(-1, 1),
                              rng.uniform(-1, 1), int(rng.integers(0, 60)), rng.uniform(-0.5, 1),
                              rng.uniform(-1, 1), rng.uniform(-0.3, 0.3), rng.uniform(-1, 1))
    week = int(rng.integers(0, 200))
    nbh = np.sort(rng.integers(0, 4, n))
    member_of = np.where(rng.random(n) < 0.3, rng.integers(0, slots, n), -1)
    core = (member_of >= 0) & (rng.random(n) < 0.3)
    last_volunteered = np.where(rng.random(n) < 0.5, week - rng.integers(0, 120, n), np.iinfo(np.int64).min // 2)
    care_given = np.where(rng.random(n) < 0.2, rng.random(n) * 5, 0.0)
    talents = rng.random((n, 5)) < 0.3
    need = rng.integers(0, 4, n).astype(np.int8)
    strain = rng.random(n)
    good_ties = rng.integers(0, 12, n)
    desired = np.exp(rng.normal(1.5, 0.5, n))
    control = rng.random(4)
    taken_over, support_hours = rng.random(slots) < 0.3, np.where(rng.random(slots) < 0.5, rng.random(slots), 0.0)
    citizen_funded = rng.random(slots) < 0.3
    autonomy, competence, relatedness = rng.random(n), rng.random(n), rng.random(n)
    zrm = np.asfortranarray(rng.integers(1, 6, (n, 11)).astype(np.int8))
    return (p, rng.uniform(0.01, 1.0), week, nbh, member_of, core, last_volunteered, care_given, talents, need,
            strain, good_ties, desired, control, taken_over, support_hours, citizen_funded, autonomy, competence,
            relatedness, zrm)


@pytest.mark.parametrize("n", [0, 1, 2, 1023, 1024, 1025, 5000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_motivation_step_is_the_pass_before(n: int, seed: int) -> None:
    """Autonomy, competence, relatedness and the participation domain bit for bit as the one pass gave them."""
    args = _motivation_inputs(n, seed)
    expected, got = [a.copy() if isinstance(a, np.ndarray) else a for a in args], list(args)
    _motivation_step_before(*expected)
    _motivation_step(*got)
    for a, b in zip(got, expected, strict=True):
        if isinstance(a, np.ndarray):
            assert a.tobytes() == b.tobytes()
    if n >= 1000:  # the test sees each output change
        fresh = _motivation_inputs(n, seed)
        assert all(not np.array_equal(got[k], fresh[k]) for k in (17, 18, 19, 20))


def test_motivation_step_settles_to_its_targets() -> None:
    """With rate 1: a member of a supported initiative gains autonomy, a non-member feels part of the control."""
    p = _MotivationParameters(1.0, 0.5, 0.6, 0.4, 0.2, 8, 0.3, 0.25, 0.05, 0.1)
    autonomy, competence, relatedness = np.zeros(2), np.zeros(2), np.zeros(2)
    zrm = np.asfortranarray(np.full((2, 11), 5, dtype=np.int8))
    _motivation_step(p, 1.0, 10, np.zeros(2, np.int64), np.array([0, -1]), np.array([True, False]),
                     np.array([5, -1000]), np.zeros(2), np.array([[True] * 5, [False] * 5]), np.zeros(2, np.int8),
                     np.zeros(2), np.array([1, 0]), np.array([4.0, 4.0]), np.array([0.5]), np.array([False]),
                     np.array([1.0]), np.array([False]), autonomy, competence, relatedness, zrm)
    assert autonomy.tolist() == [0.6 - 0.4 * 0.5 + 0.2, 0.6 - 0.4 * (0.5 * 0.5)]
    assert competence.tolist() == [0.3 + 0.25 + 0.05 * 5, 0.3]
    assert relatedness.tolist() == [1 - (1 - 2.0 / 4.0), 0.0]
    assert zrm[:, PARTICIPATION].tolist() == [5, 2]
