"""Round 13 (issue 19, helper A): the strength rows in two narrower rows; strong ties per group by runs of places.

``tie_passes._strength_rows`` keeps a resident's value, both counts (in one column) and the higher end's sums in
``high`` and the lower end's sums in ``low``. Its counts, sums and most close ties must be those of the round-12
kernel (one 64-byte row of seven columns, copied here) and of numpy, to the bit. ``_strong_by_group`` counts a
group's ties as one run of places where the groups are in the residents' order, and by the tie otherwise.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from test_kernels_r10a import _network  # a random network of n residents, some kin, some bridging

from model.core.tie_passes import _aligned_rows, _strength_rows, _strong_by_group, tie_counts, tie_sums


@numba.njit(cache=False)
def _strength_rows_r12(a: np.ndarray, b: np.ndarray, w: np.ndarray, kin: np.ndarray, kin_weight: float,
                       values: np.ndarray, more: np.ndarray, good: float, close: float, rows: np.ndarray) -> int:
    """The round-12 kernel: columns good, close, weight and value sums as the lower end, value, the sums as higher."""
    for i in range(len(values)):
        rows[i, 0] = rows[i, 1] = rows[i, 2] = rows[i, 3] = 0.0
        rows[i, 4] = values[i] + more[i]
        rows[i, 5] = rows[i, 6] = 0.0
    factor = np.array([1.0, kin_weight])
    top_x = top_y = 0.0
    for e in range(len(a)):
        x, y, we = a[e], b[e], w[e]
        is_good = 1.0 if we >= good else 0.0
        is_close = 1.0 if we >= close else 0.0
        we *= factor[np.int64(kin[e])]
        rows[x, 0] += is_good
        rows[x, 1] += is_close
        rows[x, 2] += we
        rows[x, 3] += rows[y, 4] * we
        rows[y, 0] += is_good
        rows[y, 1] += is_close
        rows[y, 5] += we
        rows[y, 6] += rows[x, 4] * we
        top_x = max(top_x, rows[x, 1])
        top_y = max(top_y, rows[y, 1])
    return int(max(top_x, top_y))


@numba.njit(cache=False)
def _read(rows: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every resident's counts and sums through ``tie_counts`` and ``tie_sums``, as ``_loneliness_step`` reads them."""
    n = len(rows[0])
    good, close, wsum, vsum = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n), np.empty(n)
    for i in range(n):
        good[i], close[i] = tie_counts(rows, i)
        wsum[i], vsum[i] = tie_sums(rows, i)
    return good, close, wsum, vsum


@pytest.mark.parametrize(("n", "size", "seed"), [(0, 0, 1), (1, 0, 2), (2, 1, 3), (2, 5, 4), (60, 500, 5),
                                                 (3000, 12000, 6), (400, 40000, 7)])
def test_strength_rows_are_the_round_12_kernels_to_the_bit(n: int, size: int, seed: int) -> None:
    net = _network(n, size, seed)
    rng = np.random.default_rng(seed + 50)
    values, more = rng.uniform(0, 5, n), rng.uniform(0, 6, n)
    a, b, w, kin = net.a, net.b, net.w, net.kin
    old = _aligned_rows(n, 8)
    most_old = _strength_rows_r12(a, b, w, kin, 0.3, values, more, 0.5, 0.8, old)
    rows = (_aligned_rows(n, 4), _aligned_rows(n, 2))
    for x in rows:
        x[:] = np.nan  # whatever the rows held before
    most = _strength_rows(a, b, w, kin, 0.3, values, more, 0.5, 0.8, rows)
    good, close, wsum, vsum = _read(rows)
    assert most == most_old
    assert np.array_equal(good, old[:, 0]) and np.array_equal(close, old[:, 1])
    assert np.array_equal(wsum, old[:, 2] + old[:, 5]) and np.array_equal(vsum, old[:, 3] + old[:, 6])
    # and numpy's formulation: each end's sums in tie order (``np.bincount``), then added
    weight = w * np.where(kin, 0.3, 1.0)
    value = values + more
    assert np.array_equal(good, np.bincount(a, w >= 0.5, n) + np.bincount(b, w >= 0.5, n))
    assert np.array_equal(close, np.bincount(a, w >= 0.8, n) + np.bincount(b, w >= 0.8, n))
    assert most == (close.max() if n else 0)
    assert np.array_equal(wsum, np.bincount(a, weight, n) + np.bincount(b, weight, n))
    assert np.array_equal(vsum, np.bincount(a, weight * value[b], n) + np.bincount(b, weight * value[a], n))


def test_many_close_ties_do_not_spill_into_the_other_count() -> None:
    n, hub = 3000, 0  # one resident with 2,999 ties, all close: its counts need more than the low bits' 11
    net = _network(n, 0, 1)
    others = np.arange(1, n)
    net.add(np.zeros(n - 1, dtype=np.int64), others, 0.9, False, False)
    rows = net.strength_rows(np.zeros(n), 0.5, 0.8)
    good, close, _, _ = _read(rows[0])
    assert rows[1] == n - 1 and good[hub] == close[hub] == n - 1 and (good[1:] == 1).all()



@pytest.mark.parametrize("ordered", [True, False])
@pytest.mark.parametrize(("n", "size", "n_groups", "seed"), [(0, 0, 1, 1), (1, 0, 3, 2), (2, 1, 1, 3), (2, 5, 4, 4),
                                                             (60, 500, 7, 5), (3000, 12000, 4, 6), (500, 3000, 40, 7)])
def test_strong_by_group_is_numpys(n: int, size: int, n_groups: int, seed: int, ordered: bool) -> None:
    net = _network(n, size, seed)
    rng = np.random.default_rng(seed + 70)
    group = rng.integers(0, n_groups, n)  # some groups without residents or ties when n_groups is large
    if ordered:
        group.sort()
    a, w, bridging = net.a, net.w, net.bridging
    strong, bridges = _strong_by_group(group, n_groups, a, w, bridging, 0.5)
    at = group[a]
    assert np.array_equal(strong, np.bincount(at, w >= 0.5, n_groups).astype(np.int64))
    assert np.array_equal(bridges, np.bincount(at, (w >= 0.5) & bridging, n_groups).astype(np.int64))
    assert strong.dtype == bridges.dtype == np.int64 and len(strong) == n_groups
