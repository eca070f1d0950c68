"""Round 14's tie passes (issue 19, helper A).

``network.searchsorted_pairs`` and ``network._new_ties`` with ``start`` (``network.lower_starts`` of the ties: a
pair's lower end's first tie read there instead of searched) are compared with numpy's ``searchsorted`` of the keys
``a * n + b`` and with the search without ``start``, on random networks and the edge cases (no ties, one tie, no
pairs, pairs below and above every tie, a resident the lower end of every tie). The splices that use it
(``TieNetwork.replace``, the contact pass's merge) are compared with the same splices by a network whose kept starts
were dropped. The residents as bits (``tie_lookups._bit_set``, ``_bit``) against a flag per resident, at the words'
edges (the turnover's pass over the higher ends reads them; ``test_kernels_r10b2`` compares its ties with ``ties_of``).
``tie_passes._risen`` against numpy's counts of the risen ties (none, some, all of the places risen).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_kernels_r10a import _network
from test_kernels_r12a import _pairs

from model.core.network import _STARTS, TieNetwork, _new_ties, lower_starts, searchsorted_pairs
from model.core.tie_lookups import _bit, _bit_set
from model.core.tie_passes import _risen


@pytest.mark.parametrize(("n", "size", "pairs", "seed"), [
    (0, 0, 0, 1), (3, 0, 4, 2), (2, 1, 5, 3), (3, 3, 9, 4), (50, 400, 300, 5), (3000, 9000, 2000, 6),
    (40_000, 100_000, 7000, 7)])
def test_searchsorted_pairs_with_starts_is_numpy_s_search_of_the_keys(n: int, size: int, pairs: int,
                                                                      seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = _network(n, size, seed)
    keys = net.a.astype(np.int64) * n + net.b
    i, j = _pairs(rng, net, pairs)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    got = searchsorted_pairs(net.a, net.b, lo, hi, lower_starts(n, net.a))
    assert got.dtype == np.int64 and np.array_equal(got, np.searchsorted(keys, lo * n + hi))
    np.testing.assert_array_equal(got, searchsorted_pairs(net.a, net.b, lo, hi))


def test_searchsorted_pairs_with_starts_among_the_many_ties_of_one_resident() -> None:
    n = 40
    net = TieNetwork(n)
    net.add(np.zeros(30, dtype=np.int64), np.arange(1, 31), 0.5, False, False)
    hi = np.arange(0, n)
    got = searchsorted_pairs(net.a, net.b, np.zeros(n, dtype=np.int64), hi, lower_starts(n, net.a))
    np.testing.assert_array_equal(got, np.searchsorted(net.key, hi))
    # The residents above the last lower end: every tie is below them.
    got = searchsorted_pairs(net.a, net.b, np.arange(1, n - 1), np.arange(2, n), lower_starts(n, net.a))
    np.testing.assert_array_equal(got, np.full(n - 2, 30))


@pytest.mark.parametrize(("n", "size", "pairs", "seed"), [(2, 1, 5, 3), (50, 400, 300, 5), (3000, 9000, 2000, 6)])
def test_new_ties_with_starts_is_without(n: int, size: int, pairs: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = _network(n, size, seed)
    i, j = _pairs(rng, net, pairs)
    for leavers in (np.empty(0, dtype=np.int64), np.unique(rng.integers(0, n, 3))):
        want = _new_ties(i, j, n, net.a, net.b, leavers)
        got = _new_ties(i, j, n, net.a, net.b, leavers, lower_starts(n, net.a))
        for x, y in zip(got, want, strict=True):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_splices_with_kept_starts_are_those_without(seed: int) -> None:
    # Two networks of the same ties through the same turnover, merges and contact passes; one has its kept starts
    # dropped before each change, so that its splices search the pairs' lower ends.
    n, rng = 2000, np.random.default_rng(seed)
    nets = [_network(n, 6000, seed), _network(n, 6000, seed)]
    for week in range(4):
        leavers = np.unique(rng.integers(0, n, 20))
        i, j = rng.integers(0, n, 300), rng.integers(0, n, 300)
        k, m = rng.integers(0, n, 100), rng.integers(0, n, 100)
        act = rng.random(n)
        for kept, net in enumerate(nets):
            net.lower_starts()
            if not kept:
                _STARTS.pop(net, None)
            net.replace(leavers, i, j, 0.3, False, True)
            net.add(k, m, 0.2, False, False)
            if not kept:
                _STARTS.pop(net, None)
            net.contact_and_decay(np.uint64(week), act, 10.0, 0.5, 1.5, 0.2, np.zeros(n, dtype=np.int64),
                                  np.array([0.05]), 0.01, 0.1, 0.5, np.zeros(n, dtype=np.int64))
        for name in ("a", "b", "w", "kin", "bridging"):
            np.testing.assert_array_equal(getattr(nets[0], name), getattr(nets[1], name))


@pytest.mark.parametrize("n", [0, 1, 31, 32, 33, 64, 65, 1000])
@pytest.mark.parametrize("share", [0.0, 0.1, 1.0])
def test_bits_are_the_flags_of_the_residents(n: int, share: float) -> None:
    rng = np.random.default_rng(n)
    for who in (np.flatnonzero(rng.random(n) < share), np.arange(n - 1, n) if n else np.arange(0)):
        bits = _bit_set(n, who)
        assert bits.dtype == np.uint32 and len(bits) == (n + 31) // 32
        flags = np.zeros(n, dtype=bool)
        flags[who] = True
        np.testing.assert_array_equal([_bit(bits, r) for r in range(n)], flags.astype(np.uint32))


@pytest.mark.parametrize(("n", "size"), [(2, 0), (2, 1), (50, 400), (3000, 9000)])
@pytest.mark.parametrize("share", [0.0, 0.02, 1.0])
def test_risen_adds_the_ties_that_rose_at_both_ends(n: int, size: int, share: float) -> None:
    rng = np.random.default_rng(n + size)
    net = _network(n, size, n + size)
    w = net.w.copy()
    low = np.flatnonzero(rng.random(len(w)) < 0.3).astype(np.int32)
    w[low] = np.where(rng.random(len(low)) < share, 0.1 + 0.9 * rng.random(len(low)), 0.05 * rng.random(len(low)))
    count = rng.integers(0, 5, n).astype(np.int32)
    risen = low[w[low] >= 0.1]
    expected = count + np.bincount(net.a[risen], minlength=n) + np.bincount(net.b[risen], minlength=n)
    got = _risen(count.copy(), low, net.a, net.b, w, 0.1)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, expected)
