"""Round 10's tie passes (issue 19, helper A) keep each resident's terms and counts in one cache line.

The contact pass (``TieNetwork.contact_and_decay``) and the strength profile (``TieNetwork.strength_profile``)
read and write a tie end's data in one row of :func:`model.core.tie_passes._aligned_rows`. Each is compared here,
bit for bit, with its numpy formulation on random networks, including the edge cases (no ties, one tie, one
resident, counts that start above zero).
"""

from __future__ import annotations

import numpy as np
import pytest

from model.core.draws import draw_key, uniform
from model.core.network import TieNetwork
from model.core.tie_passes import _aligned_rows


def _network(n: int, size: int, seed: int) -> TieNetwork:
    """A random network of ``n`` residents with up to ``size`` ties, some kin, some bridging."""
    rng = np.random.default_rng(seed)
    net = TieNetwork(n)
    if n > 1 and size:
        net.add(rng.integers(0, n, size), rng.integers(0, n, size), rng.random(size), rng.random(size) < 0.35,
                rng.random(size) < 0.3)
    return net


def _contact_reference(net: TieNetwork, key: np.uint64, activity: np.ndarray, group: np.ndarray,
                       decay: np.ndarray, lost: np.ndarray) -> tuple[np.ndarray, ...]:
    """``contact_and_decay(key, activity, 2.0, 0.3, 1.5, 0.2, group, decay, 0.005, 0.1, 0.5, lost)`` in numpy.

    The network's arrays are read after its pending additions have joined them (``_merge_pending``). Returns the
    counts of good ties, ``lost`` and the kept ties' ends, keys, strengths, kin and bridging flags.
    """
    n = net.n
    a, b, w, kin = net.a.astype(np.int64), net.b.astype(np.int64), net.w.copy(), net.kin.copy()
    bridging, keys = net.bridging.copy(), net.key.copy()
    u = np.array([uniform(key, e) for e in range(len(a))], dtype=float)
    taking = (w >= 0.1).astype(np.int64)
    count = np.bincount(a, taking, minlength=n) + np.bincount(b, taking, minlength=n)
    reach = activity * np.minimum(1.0, 2.0 / np.maximum(count, 1))
    p = 0.3 * w * reach[a] * reach[b] * np.where(kin, 1.5, 1.0)
    end_decay = decay[group]
    strength = np.where(u < p, w + 0.2 * (1 - w),
                        np.maximum(w - np.where(kin, 0.005, 0.5 * (end_decay[a] + end_decay[b])), 0))
    kept = kin | (strength >= 0.1)
    good = (kept & (strength >= 0.5)).astype(np.int64)
    n_good = np.bincount(a, good, minlength=n) + np.bincount(b, good, minlength=n)
    lost = lost + np.bincount(a[~kept], minlength=n) + np.bincount(b[~kept], minlength=n)
    return (n_good.astype(np.int64), lost, a[kept], b[kept], keys[kept], strength[kept], kin[kept],
            bridging[kept])


@pytest.mark.parametrize(("n", "size", "seed"), [(0, 0, 1), (1, 0, 2), (2, 1, 3), (2, 0, 4), (50, 400, 5),
                                                 (3000, 9000, 6), (20_000, 60_000, 7), (40_000, 100_000, 8)])
def test_contact_and_decay_is_its_numpy_formulation(n: int, size: int, seed: int) -> None:
    net = _network(n, size, seed)
    rng = np.random.default_rng(seed + 100)
    key, activity = draw_key(rng), rng.uniform(0.3, 1.2, n)
    group, decay = rng.integers(0, 3, n), rng.uniform(0.01, 0.2, 3)
    lost = rng.integers(0, 5, n)  # the dissolved ties are added to what was there
    n_good, lost_after, a, b, _, w, kin, _ = _contact_reference(net, key, activity, group, decay, lost)
    keys, before = net.key.copy(), lost.copy()
    got = net.contact_and_decay(key, activity, 2.0, 0.3, 1.5, 0.2, group, decay, 0.005, 0.1, 0.5, lost)
    assert got.dtype == np.int64 and np.array_equal(got, n_good) and np.array_equal(lost, lost_after)
    assert np.array_equal(net.a, a) and np.array_equal(net.b, b) and np.array_equal(net.w, w)
    assert np.array_equal(net.kin, kin) and np.array_equal(net.key, net.a.astype(np.int64) * n + net.b)
    assert np.isin(net.key, keys).all()
    if size > 1000:  # the random network exercises every outcome
        assert len(net) < len(keys) and (lost_after > before).any() and n_good.any()


@pytest.mark.parametrize(("n", "size", "seed"), [(0, 0, 1), (1, 0, 2), (2, 1, 3), (50, 400, 5),
                                                 (3000, 9000, 6), (20_000, 60_000, 7)])
@pytest.mark.parametrize("kin_weight", [1.0, 0.3])
def test_strength_profile_is_bincount_over_the_ends(n: int, size: int, seed: int, kin_weight: float) -> None:
    net = _network(n, size, seed)
    values = np.random.default_rng(seed).uniform(0, 11, n)
    good, close, wsum, wtotal = net.strength_profile(values, 0.5, 0.8, kin_weight)
    a, b = net.a.astype(np.int64), net.b.astype(np.int64)
    weight = net.w * np.where(net.kin, kin_weight, 1.0)

    def ends(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.bincount(a, x, minlength=n) + np.bincount(b, y, minlength=n)

    for got, threshold in ((good, 0.5), (close, 0.8)):
        strong = (net.w >= threshold).astype(np.int64)
        assert got.dtype == np.int64 and np.array_equal(got, ends(strong, strong))
    assert np.array_equal(wsum, ends(weight, weight))
    assert np.array_equal(wtotal, ends(values[b] * weight, values[a] * weight))


@pytest.mark.parametrize("width", [4, 8])
@pytest.mark.parametrize("n", [0, 1, 3, 1000])
def test_aligned_rows_start_a_cache_line_or_half_of_one(n: int, width: int) -> None:
    rows = _aligned_rows(n, width)
    assert rows.shape == (n, width) and rows.dtype == np.float64 and rows.flags.c_contiguous
    assert n == 0 or rows.ctypes.data % (8 * width) == 0
