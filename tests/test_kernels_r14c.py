"""Round 14, helper C: kernels that must give the bits of their numpy formulation."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.pairwise import pairwise_plan, pairwise_sum
from model.core.totals import _totals_of

# Lengths at numpy's block edges (8, 128) and above, where the halves are split.
SIZES = [0, 1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 135, 255, 256, 257, 1000, 1031, 4097, 25_001]


def _numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Numbers of mixed magnitudes, so that the order of the additions shows in the bits."""
    return rng.random(n) * 10.0 ** rng.integers(-2, 3, n)


@pytest.mark.parametrize("n", SIZES)
def test_pairwise_sum_is_numpys(n: int) -> None:
    rng = np.random.default_rng(n)
    x = _numbers(rng, n + 5)
    for start in (0, 3):
        assert pairwise_sum(x, start, n) == np.sum(x[start:start + n])


@pytest.mark.parametrize("n", SIZES)
def test_pairwise_plan_covers_each_number_once(n: int) -> None:
    firsts, sizes, adds = pairwise_plan(2, n)
    assert len(firsts) >= 1 and np.all(sizes <= 128)
    assert np.array_equal(np.concatenate([np.arange(f, f + s) for f, s in zip(firsts, sizes, strict=True)]),
                          np.arange(2, 2 + n))
    assert adds.sum() == len(firsts) - 1  # every block's sum but the first is added once


def _numpy_totals(lo: int, hi: int, arrays: list[np.ndarray]) -> np.ndarray:
    """The rule as numpy gave it: ``np.add.reduceat`` of the capped ties, the amounts and the mean of three."""
    good, care, vol, eng, trust, aut, com, rel = arrays
    derived = [np.minimum(good, 5) / 5, care, vol, eng, trust, (aut + com + rel) / 3.0, aut, com, rel]
    return np.array([np.add.reduceat(x, [lo])[0] if hi == len(x) else np.add.reduceat(x, [lo, hi])[0]
                     for x in derived])


@pytest.mark.parametrize("n", [s for s in SIZES if s > 0])
def test_totals_are_numpys(n: int) -> None:
    rng = np.random.default_rng(100 + n)
    arrays = [rng.integers(0, 9, n + 4)] + [_numbers(rng, n + 4) for _ in range(7)]
    for lo, hi in ((0, n), (2, n + 2), (4, n + 4)):
        out = np.full(9, np.nan)
        _totals_of(lo, hi, *arrays, out)
        assert np.array_equal(out, _numpy_totals(lo, hi, arrays)), (n, lo, hi)


def test_totals_write_a_strided_column() -> None:
    rng = np.random.default_rng(7)
    arrays = [rng.integers(0, 9, 300)] + [_numbers(rng, 300) for _ in range(7)]
    s = np.zeros((12, 3))
    _totals_of(10, 290, *arrays, s[2:11, 1])
    assert np.array_equal(s[2:11, 1], _numpy_totals(10, 290, arrays))
    assert not s[:2].any() and not s[11:].any() and not s[:, [0, 2]].any()
