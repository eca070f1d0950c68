"""Round 13 (issue 19, helper D): ``helpers.activity`` with the seeking factor's divisions in its kernel; the
loneliness pass asking for the strength rows ahead.

The activity must be, bit for bit, what numpy's formulation gave: ``(desired / mean) ** sociability`` divided by
``exp(s (s - 1) spread**2 / 2)``, times the withdrawal and health factors, for the default sociability (1, where
the power is skipped) and for others (where numpy still takes the power). ``wellbeing._loneliness_step`` must
write what the pass before round 13 (copied here) wrote, for any number of residents (the prefetch's last rows).
"""

from __future__ import annotations

from types import SimpleNamespace

import numba
import numpy as np
import pytest

from model.core.categories import ZRM_DOMAINS
from model.core.state import DAILY_LIVING, PHYSICAL, SOCIAL_NETWORK
from model.core.submodels.helpers import activity, relational_shortfall
from model.core.submodels.wellbeing import _loneliness_step, _LonelinessParameters, confidant_table
from model.core.tie_passes import CLOSE, GOOD, VALUE, VALUE_HIGH, VALUE_LOW, WEIGHT_HIGH, WEIGHT_LOW


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


@numba.njit
def _loneliness_step_before(p: tuple, rate: float, alone: np.ndarray, disp_s: np.ndarray, disp_e: np.ndarray,
                            engagement: np.ndarray, member_of: np.ndarray, desired: np.ndarray,
                            no_confidant: np.ndarray, rows: np.ndarray, good_ties: np.ndarray, lon_s: np.ndarray,
                            lon_e: np.ndarray, zrm: np.ndarray) -> np.ndarray:
    """``wellbeing._loneliness_step`` as it was before round 13 (no prefetch)."""
    score = np.empty(len(alone), dtype=np.int8)
    for i in range(len(alone)):
        good_ties[i] = np.int64(rows[i, GOOD])
        wsum = rows[i, WEIGHT_LOW] + rows[i, WEIGHT_HIGH]
        wtotal = rows[i, VALUE_LOW] + rows[i, VALUE_HIGH]
        belonging = p.belonging_engagement * engagement[i] + p.belonging_membership * (member_of[i] >= 0)
        social_t = 5 * relational_shortfall(good_ties[i], belonging, desired[i]) + disp_s[i]
        base = p.emotional_alone if alone[i] else p.emotional_together
        emotional_t = base * (1 - p.confidant_protection * (1 - no_confidant[np.int64(rows[i, CLOSE])])) + disp_e[i]
        total = lon_s[i] + lon_e[i]
        ties_total = wtotal / max(wsum, 1e-9) if wsum > 0 else total
        pull = p.contagion * (ties_total - total)
        social_t = min(max(social_t + pull * 5 / 11, 0.0), 5.0)
        emotional_t = min(max(emotional_t + pull * 6 / 11, 0.0), 6.0)
        lon_s[i] += rate * (social_t - lon_s[i])
        lon_e[i] += rate * (emotional_t - lon_e[i])
        score[i] = np.rint(lon_s[i]) + np.rint(lon_e[i])
        zrm[i, SOCIAL_NETWORK] = min(max(1 + good_ties[i] // 2, 1), 5)
    return score


def _loneliness_inputs(n: int, seed: int) -> tuple:
    """Random inputs of the loneliness pass for ``n`` residents: rows as ``strength_rows`` fills them, some empty."""
    rng = np.random.default_rng(seed)
    rows = np.zeros((n, 8))
    rows[:, GOOD] = rng.integers(0, 9, n)
    rows[:, CLOSE] = np.minimum(rows[:, GOOD], rng.integers(0, 4, n))
    rows[:, WEIGHT_LOW], rows[:, WEIGHT_HIGH] = rng.random(n) * 3, rng.random(n) * 2
    rows[:, VALUE_LOW], rows[:, VALUE_HIGH] = rng.random(n) * 20, rng.random(n) * 15
    rows[:, VALUE] = rng.random(n)  # a column the pass does not read
    rows[rng.random(n) < 0.2, WEIGHT_LOW:] = 0.0  # residents without ties
    rows[:, WEIGHT_HIGH] = np.where(rows[:, WEIGHT_LOW] == 0.0, 0.0, rows[:, WEIGHT_HIGH])
    p = _LonelinessParameters(0.8, 0.5, 3.2, 1.4, 0.6, 0.1)
    zrm = np.asfortranarray(rng.integers(1, 6, (n, len(ZRM_DOMAINS))).astype(np.int8))
    return (p, 0.15, rng.random(n) < 0.4, rng.normal(0, 0.5, n), rng.normal(0, 0.5, n), rng.random(n),
            np.where(rng.random(n) < 0.2, rng.integers(0, 50, n), -1), rng.lognormal(1.0, 0.6, n),
            confidant_table(int(rows[:, CLOSE].max(initial=0)), 1.5), rows, np.empty(n, dtype=np.int64),
            rng.random(n) * 5, rng.random(n) * 6, zrm)


@pytest.mark.parametrize("n", [0, 1, 2, 31, 32, 33, 5000])
def test_loneliness_pass_writes_what_it_wrote_before(n: int) -> None:
    before, now = _loneliness_inputs(n, seed=n), _loneliness_inputs(n, seed=n)
    want, got = _loneliness_step_before(*before), _loneliness_step(*now)
    assert got.dtype == want.dtype == np.int8 and np.array_equal(got, want)
    for name, x, y in zip(("good_ties", "lon_s", "lon_e", "zrm"), before[10:], now[10:], strict=True):
        assert x.dtype == y.dtype and np.array_equal(x.view(np.uint8), y.view(np.uint8)), name
    if n > 100:  # the inputs reach every branch: some without ties, some with; scores and domains vary
        assert len(np.unique(got)) > 3 and len(np.unique(now[13][:, SOCIAL_NETWORK])) == 5
