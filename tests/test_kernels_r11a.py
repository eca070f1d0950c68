"""Round 11's tie passes (issue 19, helper A): the contact pass merges the pending new ties as it copies the ties.

``TieNetwork.contact_and_decay`` with pending additions is compared, bit for bit, with merging them first
(``TieNetwork._merge_pending``, the splice) and then the numpy formulation of the week, on random networks with
new ties before, between and after the old ones, repeated pairs and pairs tied already, and the edge cases (no
ties, one tie, only new ties, no new ties), and networks of exactly so many ties that the contact pass's blocks of
``tie_passes._BLOCK`` ties end at, before and after the last tie (its second task: a block's strengths in a
vectorised loop, then the counts and the kept ties). ``network._new_ties``, which now finds the pairs' places by
the lockstep binary search, is compared with a loop of numpy's ``searchsorted``.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from test_kernels_r10a import _contact_reference, _network

from model.core.draws import draw_key
from model.core.network import _NAMES, TieNetwork, _new_ties
from model.core.tie_passes import _BLOCK


def _merged_network(n: int, size: int, seed: int) -> TieNetwork:
    """Round 10 A's random network, its ties merged into the arrays (none pending)."""
    net = _network(n, size, seed)
    len(net)  # merged
    return net


def _add_new(net: TieNetwork, rng: np.random.Generator, size: int, parts: int) -> None:
    """Pend ``parts`` additions of some ``size`` pairs each: new pairs, repeated ones and pairs tied already."""
    n = net.n
    for _ in range(parts):
        i, j = rng.integers(0, max(n, 1), size), rng.integers(0, max(n, 1), size)
        if len(net.__dict__["a"]) and size > 2:  # some pairs that are tied already, one repeated
            tied = rng.integers(0, len(net.__dict__["a"]), size // 3)
            i[:len(tied)], j[:len(tied)] = net.__dict__["b"][tied], net.__dict__["a"][tied]
            i[-1], j[-1] = i[0], j[0]
        w = rng.random(size) if rng.random() < 0.5 else 0.3  # an array or one value for all
        net.add(i, j, w, rng.random(size) < 0.2, rng.random(size) < 0.4)


@pytest.mark.parametrize(("n", "size", "new", "parts", "seed"), [
    (2, 0, 1, 1, 1), (2, 1, 1, 1, 2), (3, 1, 4, 2, 3), (1, 0, 3, 1, 4), (50, 400, 30, 2, 5), (50, 400, 0, 1, 6),
    (3000, 9000, 500, 3, 7), (20_000, 60_000, 2000, 2, 8), (40_000, 100_000, 5000, 1, 9), (200, 0, 300, 2, 10)])
def test_contact_and_decay_merges_the_pending_ties_as_the_splice_did(n: int, size: int, new: int, parts: int,
                                                                     seed: int) -> None:
    rng = np.random.default_rng(seed + 100)
    net = _merged_network(n, size, seed)
    _add_new(net, rng, new, parts)
    key, activity = draw_key(rng), rng.uniform(0.3, 1.2, n)
    group, decay = rng.integers(0, 3, n), rng.uniform(0.01, 0.2, 3)
    lost = rng.integers(0, 5, n)  # the dissolved ties are added to what was there
    merged = copy.copy(net)
    len(merged)  # the pending ties merged by the splice, as before (a shallow copy keeps its own arrays and queue)
    n_good, lost_after, a, b, keys, w, kin, bridging = _contact_reference(merged, key, activity, group, decay, lost)
    got = net.contact_and_decay(key, activity, 2.0, 0.3, 1.5, 0.2, group, decay, 0.005, 0.1, 0.5, lost)
    assert not net._pending
    assert got.dtype == np.int64 and np.array_equal(got, n_good) and np.array_equal(lost, lost_after)
    d = net.__dict__
    assert set(d) >= set(_NAMES) and "key" not in d  # the keys are computed, not stored
    assert d["a"].dtype == np.int32 and d["b"].dtype == np.int32 and net.key.dtype == np.int64
    assert d["w"].dtype == np.float64 and d["kin"].dtype == bool and d["bridging"].dtype == bool
    for name, expected in zip(("a", "b", "key", "w", "kin", "bridging"), (a, b, keys, w, kin, bridging),
                              strict=True):
        assert np.array_equal(getattr(net, name), expected), name
    if size > 1000:  # the random network exercises every outcome
        assert len(net) < len(merged) and (lost_after > 0).any() and n_good.any()



@pytest.mark.parametrize("size", [1, 2, 9, _BLOCK - 1, _BLOCK, _BLOCK + 1, 2 * _BLOCK, 3 * _BLOCK + 5])
@pytest.mark.parametrize("new", [0, 1, 40])
def test_contact_and_decay_at_the_edges_of_its_blocks(size: int, new: int) -> None:
    rng = np.random.default_rng(size * 7 + new)
    net = _merged_network(400, 4 * _BLOCK + 500, size + new)
    for name in _NAMES:  # exactly ``size`` ties (a sorted network's first ones are one)
        net.__dict__[name] = net.__dict__[name][:size]
    assert len(net) == size
    _add_new(net, rng, new, 1)
    key, activity = draw_key(rng), rng.uniform(0.3, 1.2, 400)
    group, decay = rng.integers(0, 3, 400), rng.uniform(0.01, 0.2, 3)
    lost = rng.integers(0, 5, 400)
    merged = copy.copy(net)
    len(merged)
    n_good, lost_after, a, b, _, *rest = _contact_reference(merged, key, activity, group, decay, lost)
    expected = (a, b, *rest)
    got = net.contact_and_decay(key, activity, 2.0, 0.3, 1.5, 0.2, group, decay, 0.005, 0.1, 0.5, lost)
    assert np.array_equal(got, n_good) and np.array_equal(lost, lost_after)
    for name, values in zip(_NAMES, expected, strict=True):
        assert np.array_equal(net.__dict__[name], values), name


def _new_ties_reference(i: np.ndarray, j: np.ndarray, n: int, keys: np.ndarray,
                        leavers: np.ndarray) -> tuple[np.ndarray, ...]:
    """``network._new_ties`` as a loop over the pairs in key order with numpy's binary search."""
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = lo * n + hi
    idx, pos, seen = [], [], set()
    for k in np.argsort(key, kind="mergesort"):
        if lo[k] == hi[k] or key[k] in seen:
            continue
        seen.add(key[k])
        p = int(np.searchsorted(keys, key[k]))
        tied = p < len(keys) and keys[p] == key[k] and not (np.isin(lo[k], leavers) or np.isin(hi[k], leavers))
        if not tied:
            idx.append(k)
            pos.append(p)
    idx = np.array(idx, dtype=np.int64)
    return idx, lo[idx], hi[idx], np.array(pos, dtype=np.int64)


@pytest.mark.parametrize(("n", "size", "pairs", "n_leavers", "seed"), [
    (0, 0, 0, 0, 1), (2, 0, 1, 0, 2), (2, 1, 1, 1, 3), (5, 8, 1, 0, 4), (50, 400, 300, 3, 5),
    (3000, 9000, 2000, 0, 6), (3000, 9000, 2000, 40, 7), (40_000, 100_000, 7000, 100, 8)])
def test_new_ties_are_found_as_by_numpy_s_binary_search(n: int, size: int, pairs: int, n_leavers: int,
                                                        seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = _merged_network(n, size, seed)
    keys = net.key
    i, j = rng.integers(0, max(n, 1), pairs), rng.integers(0, max(n, 1), pairs)
    if len(keys) and pairs > 2:  # some pairs tied already (one of them given twice), some self-loops
        tied = rng.integers(0, len(keys), pairs // 3)
        i[:len(tied)], j[:len(tied)] = net.b[tied], net.a[tied]
        i[-1], j[-1] = i[0], j[0]
        j[1] = i[1]
    leavers = np.unique(rng.integers(0, max(n, 1), n_leavers))
    got = _new_ties(i, j, n, net.a, net.b, leavers)
    for x, y in zip(got, _new_ties_reference(i, j, n, keys, leavers), strict=True):
        assert x.dtype == np.int64 and np.array_equal(x, y)
