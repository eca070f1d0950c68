"""Round 12 wave 2, helper C2: the kernels changed give the same bits as the formulations before.

``ties._find_started`` (the second encounter's search of the ties started in the first) searches only the pairs
whose lower end has a started tie; it is compared with ``network.find_ties`` of every pair on random networks and
pairs (either end the lower, pairs tied and not, lower ends past the highest started one), none started, no pairs
and one.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.core.network import find_ties
from model.core.submodels.ties import _find_started


def _started(rng: np.random.Generator, n: int, k: int, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``k`` distinct ties among ``n`` residents, lower end first, in ``(a, b)`` order."""
    i, j = rng.integers(0, n, k), rng.integers(0, n, k)
    keep = i != j
    lo, hi = np.minimum(i, j)[keep], np.maximum(i, j)[keep]
    key = np.unique(lo * n + hi)
    return (key // n).astype(dtype), (key % n).astype(dtype)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize(("n", "ties", "pairs"), [(50, 0, 30), (50, 1, 30), (50, 40, 0), (50, 40, 1), (1000, 300, 5000),
                                                   (100_000, 3_000, 20_000), (10, 30, 200)])
def test_find_started_is_find_ties(dtype: type, n: int, ties: int, pairs: int) -> None:
    rng = np.random.default_rng(n * 7 + ties + pairs)
    a, b = _started(rng, n, ties, dtype)
    i, j = rng.integers(0, n, pairs), rng.integers(0, n, pairs)
    j = np.where(i == j, (j + 1) % n, j)
    if len(a) and pairs:  # a third of the pairs tied, either end first
        some = rng.integers(0, len(a), pairs // 3)
        flip = rng.random(len(some)) < 0.5
        i[: len(some)] = np.where(flip, b[some], a[some])
        j[: len(some)] = np.where(flip, a[some], b[some])
    want = find_ties(i, j, a, b)
    got = _find_started(i, j, a, b)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    if len(a) and pairs >= 3:
        assert (got >= 0).any()
