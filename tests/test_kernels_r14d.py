"""Round 14, helper D: the wellbeing passes and building the city against what they replace (issue 19).

The trust pass, now a block of residents at a time, is compared bit for bit with its formulation before the
round (copied here) on random inputs, including the edge cases (nobody, one resident, a block's edges).
"""

from __future__ import annotations

import gc

import numba
import numpy as np
import pytest

from model.core.state import CASE_OPEN, CASE_WAITING
from model.core.submodels.wellbeing import _trust_step, _TrustParameters


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
