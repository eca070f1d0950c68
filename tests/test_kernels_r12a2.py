"""Round 12 wave 2, helper A: the index of each resident's first tie kept by the network (``lower_starts``)."""

from __future__ import annotations

import numpy as np
import pytest
from test_kernels_r10a2 import _random_network

from model.core.network import TieNetwork, _shifted_starts, _splice, find_ties, lower_starts


def _searchsorted(net: TieNetwork) -> np.ndarray:
    return np.searchsorted(net.a, np.arange(net.n + 1))


@pytest.mark.parametrize(("n", "ties", "changes"), [(1, 0, 0), (2, 1, 1), (5, 0, 3), (50, 3, 2), (300, 1_000, 0),
                                                     (300, 1_000, 40), (5_000, 20_000, 700)])
def test_shifted_starts_are_the_starts_after_the_splice(n: int, ties: int, changes: int) -> None:
    rng = np.random.default_rng(n + ties + changes)
    net = _random_network(n, ties, rng)
    a = net.a
    drop = np.unique(rng.integers(0, len(a), changes)) if len(a) else np.empty(0, dtype=np.int64)
    new_a = np.sort(rng.integers(0, n, changes))
    pos = np.searchsorted(a, new_a)  # where ties of these lower ends go, before those of the same lower end
    after = _splice(a, drop, pos, new_a.astype(a.dtype))
    np.testing.assert_array_equal(_shifted_starts(lower_starts(n, a), a, drop, new_a), lower_starts(n, after))
    assert len(_shifted_starts(np.empty(0, dtype=np.int32), a, drop, new_a)) == 0  # stale: none to shift


@pytest.mark.parametrize(("n", "ties"), [(1, 0), (2, 1), (60, 30), (2_000, 6_000)])
def test_the_network_keeps_its_starts_through_every_change_of_its_ties(n: int, ties: int) -> None:
    """And ``replace`` returns the new ties' places."""
    rng = np.random.default_rng(n)
    net = _random_network(n, ties, rng)
    np.testing.assert_array_equal(net.lower_starts(), _searchsorted(net))  # built
    assert net.lower_starts() is net.lower_starts()  # and kept
    for week in range(4):
        pairs = max(ties // 20, 1)
        net.add(*rng.integers(0, n, (2, pairs)), 0.3, False, False)  # merged by the contact pass
        net.contact_and_decay(np.uint64(week), rng.random(n), 3.0, 0.4, 1.5, 0.2, np.zeros(n, dtype=np.int64),
                              np.array([0.3]), 0.01, 0.2, 0.5, np.zeros(n, dtype=np.int64))
        np.testing.assert_array_equal(net.lower_starts(), _searchsorted(net))
        net.add(*rng.integers(0, n, (2, pairs)), 0.3, False, False)  # merged by a splice when read
        np.testing.assert_array_equal(net.lower_starts(), _searchsorted(net))
        leavers = np.unique(rng.integers(0, n, max(n // 30, 1)))
        i, j = leavers[rng.integers(0, len(leavers), pairs)], rng.integers(0, n, pairs)  # as a newcomer's ties
        placed = net.replace(leavers, i, j, 0.5, True, False)
        np.testing.assert_array_equal(net.lower_starts(), _searchsorted(net))
        lo, hi = np.minimum(i, j)[i != j], np.maximum(i, j)[i != j]  # every pair a new tie: an end left
        new = np.unique(lo * n + hi)
        np.testing.assert_array_equal(placed, find_ties(new // n, new % n, net.a, net.b))
    net.contact_and_decay(np.uint64(9), rng.random(n), 3.0, 0.4, 1.5, 0.2, np.zeros(n, dtype=np.int64),
                          np.array([0.3]), 0.01, 0.2, 0.5, np.zeros(n, dtype=np.int64))  # none pending: in place
    np.testing.assert_array_equal(net.lower_starts(), _searchsorted(net))
    net.a = net.a[: len(net.a) // 2].copy()  # set from outside: the kept starts are stale, so built again
    net.b, net.w = net.b[: len(net.a)].copy(), net.w[: len(net.a)].copy()
    np.testing.assert_array_equal(net.lower_starts(), _searchsorted(net))
