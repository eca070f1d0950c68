"""Round 10 wave 2, helper C: community work's samples from cumulative shares computed together (issue 19).

``_running_sums`` must give numpy's ``cumsum(w)`` and the count of positive chances, bit for bit, for each of its
three arrays (until round 12 it gave the cumulative shares, ``cumsum(w) / cumsum(w)[-1]``; those are checked in
``tests/test_kernels_r12c.py``); ``_sample_from`` with them must give the positions of
``_successive_sample`` (numpy's ``choice`` algorithm), including repeats, zero chances, one and no resident.
The whole kernel is checked against the numpy formulation in ``tests/test_kernels_r8a.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.core.state import LONELY
from model.core.submodels.professionals import (
    _lonely_chances,
    _reach_chances,
    _running_sums,
    _sample_from,
    _successive_sample,
)


def _chances(rng: np.random.Generator, n: int, zeros: float) -> np.ndarray:
    w = rng.random(n) * (rng.random(n) >= zeros)
    return w / w.sum() if w.sum() > 0 else w


@pytest.mark.parametrize("n, m", [(0, 0), (1, 0), (1, 1), (2, 1), (7, 7), (300, 120), (25_000, 11_731)])
def test_running_sums_are_numpys_cumulative_sums(n: int, m: int) -> None:
    rng = np.random.default_rng(n + m)
    for zeros in (0.0, 0.3):
        ws = [_chances(rng, m, zeros), _chances(rng, n, zeros), _chances(rng, n, zeros)]
        sums, positive = _running_sums(*ws)
        assert sums.shape == (3, n)
        for r, w in enumerate(ws):
            np.testing.assert_array_equal(sums[r, :len(w)], np.cumsum(w))
            assert positive[r] == np.count_nonzero(w > 0)


@pytest.mark.parametrize("n", [1, 2, 5, 60, 2_000])
def test_sample_from_the_shares_is_the_successive_sample(n: int) -> None:
    rng = np.random.default_rng(n)
    for t in range(40):
        zeros = (0.0, 0.5)[t % 2]
        w = _chances(rng, n, zeros)
        sums, positive = _running_sums(w[:0], w, w)
        # sizes up to beyond the positive chances: repeats are drawn again, at most the positive ones returned
        for size in (0, 1, 3, n // 2, n, n + 3):
            key = np.uint64(1000 * n + t)
            np.testing.assert_array_equal(_sample_from(key, 5, w, sums[1], positive[1], size),
                                          _successive_sample(key, 5, w, size))


@pytest.mark.parametrize("n", [0, 1, 2, 9, 25_000])
def test_lonely_chances_are_the_reach_chances_of_the_lonely(n: int) -> None:
    rng = np.random.default_rng(n)
    for lonely_share in (0.0, 0.4, 1.0):
        score = np.where(rng.random(n) < lonely_share, rng.integers(LONELY, 12, n), rng.integers(0, LONELY, n))
        score = score.astype(np.int8)
        engagement, good_ties = rng.random(n), rng.integers(0, 9, n)
        lo = 1000
        lonely, chances = _lonely_chances(score, engagement, good_ties, lo, 0.3)
        expected = np.flatnonzero(score >= LONELY)
        np.testing.assert_array_equal(lonely, lo + expected)
        np.testing.assert_array_equal(
            chances, _reach_chances(engagement[expected], 1 / (1 + good_ties[expected]), 0.3))
