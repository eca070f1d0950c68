"""Round 12's tie storage (issue 19, helper A): the tie keys are computed, not stored.

``network.searchsorted_pairs`` (a pair's place among the ties by its lower end's binary search and a few of that
end's higher ends) is compared with numpy's ``searchsorted`` of the stored keys ``a * n + b`` as they were, and
``network.find_ties`` with the binary search of each pair's key, on random networks and the edge cases (no ties,
one tie, no pairs, pairs below and above every tie, residents with many ties). ``TieNetwork.key`` is computed
from the ends when read, and cannot be set.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_kernels_r10a import _network

from model.core.network import TieNetwork, find_ties, searchsorted_pairs


def _pairs(rng: np.random.Generator, net: TieNetwork, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``size`` random pairs (ends in either order), a third of them tied, and the first and last residents."""
    n = max(net.n, 1)
    i, j = rng.integers(0, n, size), rng.integers(0, n, size)
    if len(net) and size > 3:
        tied = rng.integers(0, len(net), size // 3)
        i[:len(tied)], j[:len(tied)] = net.b[tied], net.a[tied]
        i[-1], j[-1] = 0, 0  # below every key
        i[-2], j[-2] = n - 1, n - 1  # above every key
    return i.astype(np.int64), j.astype(np.int64)


def _keys_of(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.minimum(i, j) * n + np.maximum(i, j)


@pytest.mark.parametrize(("n", "size", "pairs", "seed"), [
    (0, 0, 0, 1), (3, 0, 4, 2), (2, 1, 5, 3), (3, 3, 9, 4), (50, 400, 300, 5), (3000, 9000, 2000, 6),
    (40_000, 100_000, 7000, 7)])
def test_searchsorted_pairs_is_numpy_s_search_of_the_keys(n: int, size: int, pairs: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = _network(n, size, seed)
    keys = net.a.astype(np.int64) * n + net.b
    assert np.array_equal(net.key, keys) and net.key.dtype == np.int64
    i, j = _pairs(rng, net, pairs)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    got = searchsorted_pairs(net.a, net.b, lo, hi)
    assert got.dtype == np.int64 and np.array_equal(got, np.searchsorted(keys, lo * n + hi))
    pos = np.searchsorted(keys, _keys_of(n, i, j))
    at = keys[np.minimum(pos, len(keys) - 1)] == _keys_of(n, i, j) if len(keys) else np.zeros(len(i), dtype=bool)
    expected = np.where(at, pos, -1)
    assert np.array_equal(find_ties(i, j, net.a, net.b), expected)
    np.testing.assert_array_equal(net.find(i, j), expected)


def test_searchsorted_pairs_among_the_many_ties_of_one_resident() -> None:
    # Resident 0 is the lower end of every tie: the search of the lower end finds the first, the higher ends decide.
    n = 40
    net = TieNetwork(n)
    net.add(np.zeros(30, dtype=np.int64), np.arange(1, 31), 0.5, False, False)
    len(net)
    hi = np.arange(0, n)
    got = searchsorted_pairs(net.a, net.b, np.zeros(n, dtype=np.int64), hi)
    np.testing.assert_array_equal(got, np.searchsorted(net.key, hi))
    np.testing.assert_array_equal(find_ties(np.zeros(n, dtype=np.int64), hi, net.a, net.b),
                                  np.where((hi >= 1) & (hi <= 30), hi - 1, -1))


def test_key_is_computed_and_cannot_be_set() -> None:
    net = TieNetwork(10)
    assert net.key.dtype == np.int64 and len(net.key) == 0
    net.add(np.array([3, 9, 1]), np.array([1, 2, 5]), 0.4, False, True)  # pending: read after they join
    np.testing.assert_array_equal(net.key, [1 * 10 + 3, 1 * 10 + 5, 2 * 10 + 9])
    assert "key" not in net.__dict__
    with pytest.raises(AttributeError):
        net.key = np.zeros(3, dtype=np.int64)
