"""Round 10 wave 2, helper A: the changed kernels against their simple formulations."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.network import TieNetwork, find_in_starts, find_ties, lower_starts
from model.core.tie_passes import _strong_by_group


def _random_network(n: int, ties: int, rng: np.random.Generator) -> TieNetwork:
    net = TieNetwork(n)
    if n > 1 and ties:
        i, j = rng.integers(0, n, (2, ties))
        net.add(i, j, rng.random(ties), rng.random(ties) < 0.2, rng.random(ties) < 0.3)
    return net


@pytest.mark.parametrize(("n", "ties"), [(1, 0), (2, 1), (5, 0), (50, 3), (300, 1_000), (5_000, 20_000)])
def test_lower_starts_is_searchsorted_and_finds_what_find_ties_finds(n: int, ties: int) -> None:
    rng = np.random.default_rng(n + ties)
    net = _random_network(n, ties, rng)
    start = lower_starts(n, net.a)
    assert start.dtype == np.int32
    np.testing.assert_array_equal(start, np.searchsorted(net.a, np.arange(n + 1)))
    pairs = 3 * ties + 7
    i, j = rng.integers(0, n, (2, pairs))
    tied = rng.integers(0, max(len(net.a), 1), pairs)
    if len(net.a):  # a third of the pairs are ties, either way round; some are self-loops
        i[::3], j[::3] = net.b[tied[::3]], net.a[tied[::3]]
        i[1::3], j[1::3] = net.a[tied[1::3]], net.b[tied[1::3]]
    i[5::11] = j[5::11]
    np.testing.assert_array_equal(find_in_starts(i, j, start, net.b), find_ties(i, j, net.a, net.b))
    empty = np.empty(0, dtype=np.int64)
    assert len(find_in_starts(empty, empty, start, net.b)) == 0


def test_find_in_starts_in_an_empty_network() -> None:
    start = lower_starts(4, np.empty(0, dtype=np.int32))
    np.testing.assert_array_equal(start, np.zeros(5))
    got = find_in_starts(np.array([0, 1, 3]), np.array([1, 1, 2]), start, np.empty(0, dtype=np.int32))
    np.testing.assert_array_equal(got, [-1, -1, -1])


@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize(("n", "ties"), [(1, 0), (2, 1), (40, 100), (2_000, 9_000)])
def test_strong_by_group_is_the_numpy_count(n: int, ties: int, contiguous: bool) -> None:
    rng = np.random.default_rng(n + ties + contiguous)
    net = _random_network(n, ties, rng)
    n_groups = 4
    group = np.sort(rng.integers(0, n_groups, n)) if contiguous else rng.integers(0, n_groups, n)
    strong = net.w >= 0.5
    expected = (np.bincount(group[net.a[strong]], minlength=n_groups),
                np.bincount(group[net.a[strong & net.bridging]], minlength=n_groups))
    got = _strong_by_group(group, n_groups, net.a, net.w, net.bridging, 0.5)
    for x, y in zip(got, expected, strict=True):
        np.testing.assert_array_equal(x, y)
