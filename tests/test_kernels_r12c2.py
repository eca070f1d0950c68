"""Round 12 wave 2, helper C2: the kernels changed give the same bits as the formulations before.

``ties._find_started`` (the second encounter's search of the ties started in the first) searches only the pairs
whose lower end has a started tie; it is compared with ``network.find_ties`` of every pair on random networks and
pairs (either end the lower, pairs tied and not, lower ends past the highest started one), none started, no pairs
and one. ``helpers._take_distinct`` searches the running sums without dividing them (``_first_shares_above``); it is
compared with its formulation before (in numpy) on weights with zeros and residents already chosen, numbers at
and next to the shares included.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.core.network import find_ties
from model.core.submodels.helpers import _take_distinct
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


def _take_distinct_before(weight: np.ndarray, x: np.ndarray, chosen: np.ndarray, seen: np.ndarray, n: int) -> int:
    """``helpers._take_distinct`` as it was (29b5720), in numpy: the cumulative shares divided out, then searched.

    numpy's ``cumsum`` adds in order, as the kernel's running sum did, so the shares are the same to the bit.
    """
    p = np.where(seen, 0.0, weight)
    if np.count_nonzero(p > 0) < len(x):
        raise ValueError("fewer positive weights than residents to choose")
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    for i in np.searchsorted(cdf, x, side="right"):
        if not seen[i]:
            seen[i] = True
            chosen[n] = i
            n += 1
    return n


@pytest.mark.parametrize(("n", "draws", "zeros"), [(1, 1, 0.0), (5, 3, 0.0), (50, 20, 0.5), (3000, 200, 0.3),
                                                    (3000, 2000, 0.0)])
def test_take_distinct_is_the_division_before(n: int, draws: int, zeros: float) -> None:
    rng = np.random.default_rng(n + draws)
    for _ in range(5):
        weight = rng.random(n) * (rng.random(n) >= zeros)
        weight[rng.integers(0, n)] = 1.0
        seen = rng.random(n) < 0.2
        seen[weight > 0] &= rng.random(int((weight > 0).sum())) < 0.2
        left = int(((weight > 0) & ~seen).sum())
        if left == 0:
            continue
        shares = np.cumsum(np.where(seen, 0.0, weight))
        shares /= shares[-1]
        x = np.concatenate([rng.random(draws), np.nextafter(shares[:draws], 0), shares[:draws]])
        x = rng.permutation(x[(x >= 0) & (x < 1)])[: min(draws, left)]  # the shares' edges among the draws
        got, want = np.full(len(x), -1), np.full(len(x), -1)
        seen_got, seen_want = seen.copy(), seen.copy()
        k = _take_distinct(weight, x, np.empty(n), got, seen_got, 0)
        assert k == _take_distinct_before(weight, x, want, seen_want, 0)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(seen_got, seen_want)
