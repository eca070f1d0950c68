"""Round 13 (issue 19, helper D): ``helpers.activity`` with the seeking factor's divisions in its kernel.

The activity must be, bit for bit, what numpy's formulation gave: ``(desired / mean) ** sociability`` divided by
``exp(s (s - 1) spread**2 / 2)``, times the withdrawal and health factors, for the default sociability (1, where
the power is skipped) and for others (where numpy still takes the power).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.core.categories import ZRM_DOMAINS
from model.core.state import DAILY_LIVING, PHYSICAL
from model.core.submodels.helpers import activity


def _numpy_activity(withdrawal: float, poor_health: float, score: np.ndarray, zrm: np.ndarray, desired: np.ndarray,
                    mean: float, s: float, spread: float) -> np.ndarray:
    """The formulation before round 13: numpy's seeking factor, then the per-resident product."""
    seeking = (desired / mean) ** s / np.exp(s * (s - 1) * spread ** 2 / 2)
    health = np.where(np.minimum(zrm[:, PHYSICAL], zrm[:, DAILY_LIVING]) <= 2, poor_health, 1.0)
    return (1 - withdrawal * score / 11) * health * seeking


def _model(n: int, s: float, seed: int) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    zrm = np.asfortranarray(rng.integers(1, 6, (n, len(ZRM_DOMAINS))).astype(np.int8))
    pop = SimpleNamespace(desired=rng.lognormal(1.0, 0.6, n), score=rng.integers(0, 12, n).astype(np.int8), zrm=zrm)
    p = SimpleNamespace(sociability=s, desired_ties_spread=0.6, desired_ties_mean=3.7, withdrawal=0.45,
                        poor_health_activity=0.6)
    return SimpleNamespace(p=p, pop=pop)


@pytest.mark.parametrize("s", [1.0, 0.0, 0.5, 1.5, 2.0, -1.0])
@pytest.mark.parametrize("n", [0, 1, 5000])
def test_activity_is_numpys_formulation_bit_for_bit(n: int, s: float) -> None:
    m = _model(n, s, seed=n + int(10 * abs(s)))
    got = activity(m)
    p, pop = m.p, m.pop
    want = _numpy_activity(p.withdrawal, p.poor_health_activity, pop.score, pop.zrm, pop.desired, p.desired_ties_mean,
                           s, p.desired_ties_spread)
    assert got.dtype == np.float64 and got.shape == (n,)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


def test_activity_with_a_whole_number_for_the_mean_is_numpys() -> None:
    m = _model(3000, 1.0, seed=7)
    m.p.desired_ties_mean = 5
    want = _numpy_activity(m.p.withdrawal, m.p.poor_health_activity, m.pop.score, m.pop.zrm, m.pop.desired, 5, 1.0,
                           m.p.desired_ties_spread)
    assert np.array_equal(activity(m).view(np.int64), want.view(np.int64))


def test_numpys_power_of_one_is_the_number_itself() -> None:
    """What ``activity`` relies on to skip numpy's power for the default sociability, over the whole range."""
    x = np.random.default_rng(1).integers(1, 0x7FF0000000000000, 1_000_000, dtype=np.int64).view(np.float64)
    assert np.array_equal((x ** 1.0).view(np.int64), x.view(np.int64))


def test_activity_follows_sociability_and_desired() -> None:
    """The test can fail: another sociability, or other wishes, give other activities."""
    m = _model(2000, 1.0, seed=3)
    base = activity(m)
    m.p.sociability = 1.5
    assert not np.array_equal(activity(m), base)
    m.p.sociability = 1.0
    m.pop.desired = m.pop.desired * 1.5
    assert np.allclose(activity(m), base * 1.5)
