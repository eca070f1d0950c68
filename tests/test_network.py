"""The tie network's compiled passes give what their plain numpy formulations give, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.draws import draw_key, uniform
from model.core.network import TieNetwork

N = 60


@pytest.fixture
def net() -> TieNetwork:
    rng = np.random.default_rng(7)
    net = TieNetwork(N)
    m = 400
    net.add(rng.integers(0, N, m), rng.integers(0, N, m), rng.uniform(0, 1, m), rng.random(m) < 0.3,
            rng.random(m) < 0.5)
    return net


def as_dict(net: TieNetwork) -> dict[tuple[int, int], tuple[float, bool, bool]]:
    return {(int(a), int(b)): (float(w), bool(k), bool(br))
            for a, b, w, k, br in zip(net.a, net.b, net.w, net.kin, net.bridging, strict=True)}


def test_ties_are_stored_once_sorted_by_key(net: TieNetwork) -> None:
    assert np.all(net.a < net.b)
    assert np.all(np.diff(net.key) > 0) and np.array_equal(net.key, net.a.astype(np.int64) * N + net.b)


def test_add_skips_self_loops_duplicates_and_existing_pairs(net: TieNetwork) -> None:
    before = as_dict(net)
    a0, b0 = int(net.a[0]), int(net.b[0])
    free = next((i, j) for i in range(N) for j in range(i + 1, N) if (i, j) not in before)
    net.add(np.array([5, b0, free[1], free[0]]), np.array([5, a0, free[0], free[1]]), np.array([0.1, 0.2, 0.3, 0.4]),
            False, True)
    after = as_dict(net)
    assert after[(a0, b0)] == before[(a0, b0)], "an existing pair keeps its tie"
    assert after[free] == (0.3, False, True), "the first of duplicates is kept"
    assert set(after) == set(before) | {free}


def test_replace_is_removing_the_leavers_ties_then_adding(net: TieNetwork) -> None:
    rng = np.random.default_rng(1)
    leavers = np.array([3, 17, 40])
    i, j = rng.integers(0, N, 50), rng.integers(0, N, 50)
    i[:3] = leavers  # some new ties of leavers (newcomers), some pairs that were tied before
    w, kin, bridging = rng.uniform(0, 1, 50), rng.random(50) < 0.5, rng.random(50) < 0.5
    expected = {pair: tie for pair, tie in as_dict(net).items() if not set(pair) & set(leavers.tolist())}
    for x, y, wx, kx, bx in zip(i, j, w, kin, bridging, strict=True):
        pair = (int(min(x, y)), int(max(x, y)))
        if x != y and pair not in expected:
            expected[pair] = (float(wx), bool(kx), bool(bx))
    told = TieNetwork(N)  # the same network, told the leavers' ties by the caller
    for name in ("a", "b", "w", "kin", "bridging"):
        setattr(told, name, getattr(net, name).copy())
    net.replace(leavers, i, j, w, kin, bridging)
    assert as_dict(net) == expected
    assert np.all(np.diff(net.key) > 0)
    told.replace(leavers, i, j, w, kin, bridging, leavers_ties=told.ties_of(leavers)[1])
    assert as_dict(told) == expected


def test_find_and_ties_of_and_neighbours_agree(net: TieNetwork) -> None:
    who = np.array([0, 2, 9, 31, 59])
    start, ties = net.ties_of(who)
    for k, r in enumerate(who):
        own = ties[start[k]:start[k + 1]]
        others = np.where(net.a[own] == r, net.b[own], net.a[own])
        assert np.array_equal(others, net.neighbours(r))
        assert np.array_equal(net.find(np.full(len(others), r), others), own)
    assert np.all(net.find(np.array([1, 1]), np.array([1, 1])) == -1)
    with pytest.raises(ValueError, match="ascending"):
        net.ties_of(np.array([5, 2]))


def test_directed_ties_match_the_numpy_formulation(net: TieNetwork) -> None:
    rng = np.random.default_rng(2)
    src, dst = rng.random(N) < 0.2, rng.random(N) < 0.6
    fwd = np.flatnonzero(src[net.a] & dst[net.b])
    bwd = np.flatnonzero(src[net.b] & dst[net.a])
    tie, frm, to = net.directed(src, dst)
    assert np.array_equal(tie, np.concatenate([fwd, bwd]))
    assert np.array_equal(frm, np.concatenate([net.a[fwd], net.b[bwd]]))
    assert np.array_equal(to, np.concatenate([net.b[fwd], net.a[bwd]]))


def test_counts_and_weighted_sums_match_bincount(net: TieNetwork) -> None:
    values = np.random.default_rng(3).uniform(0, 11, N)
    good, close, wsum, wtotal = net.strength_profile(values, 0.5, 0.8, kin_weight=0.25)

    def ends(weights: np.ndarray) -> np.ndarray:
        return np.bincount(net.a, weights, minlength=N) + np.bincount(net.b, weights, minlength=N)

    strong = (net.w >= 0.5).astype(float)
    assert np.array_equal(good, ends(strong)) and np.array_equal(good, net.count_at_least(0.5))
    assert np.array_equal(close, net.count_at_least(0.8))
    weight = net.w * np.where(net.kin, 0.25, 1.0)  # kin ties weigh a quarter in the sums
    assert np.array_equal(wsum, ends(weight))
    assert np.array_equal(wtotal, np.bincount(net.a, values[net.b] * weight, minlength=N)
                          + np.bincount(net.b, values[net.a] * weight, minlength=N))
    group = np.arange(N) % 3
    n_strong, n_bridging = net.strong_by_group(group, 3, 0.5)
    assert np.array_equal(n_strong, np.bincount(group[net.a], strong, minlength=3))
    assert np.array_equal(n_bridging, np.bincount(group[net.a], strong * net.bridging, minlength=3))


def test_contact_and_decay_match_the_numpy_formulation(net: TieNetwork) -> None:
    rng = np.random.default_rng(4)
    key, activity, group, decay = draw_key(rng), rng.uniform(0.5, 1, N), np.arange(N) % 3, rng.uniform(0.01, 0.05, 3)
    u = np.array([uniform(key, e) for e in range(len(net))])  # tie e's number: the e-th of the key
    a, b, w, kin = net.a.copy(), net.b.copy(), net.w.copy(), net.kin.copy()
    reach = activity * np.minimum(1.0, 2.0 / np.maximum(net.count_at_least(0.1), 1))  # room for 2 ties at least 0.1
    p = 0.3 * w * reach[a] * reach[b] * np.where(kin, 1.5, 1.0)
    end_decay = decay[group]
    strength = np.where(u < p, w + 0.2 * (1 - w),
                        np.maximum(w - np.where(kin, 0.005, 0.5 * (end_decay[a] + end_decay[b])), 0))
    kept = kin | (strength >= 0.1)
    lost = np.zeros(N, dtype=np.int64)
    n_good = net.contact_and_decay(key, activity, 2.0, 0.3, 1.5, 0.2, group, decay, 0.005, 0.1, 0.5, lost)
    assert (reach < activity).any() and (u < p).any() and not kept.all()
    assert np.array_equal(net.a, a[kept]) and np.array_equal(net.w, strength[kept])
    assert np.array_equal(n_good, net.count_at_least(0.5))
    assert np.array_equal(lost, np.bincount(a[~kept], minlength=N) + np.bincount(b[~kept], minlength=N))


def test_additions_without_a_read_between_are_one_addition(net: TieNetwork) -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, N, (2, 30))
    y = rng.integers(0, N, (2, 30))
    y[:, :5] = x[:, :5]  # pairs added twice: the first addition's strength counts
    wy = rng.uniform(0, 1, 30)
    eager = TieNetwork(N)
    for name in ("a", "b", "w", "kin", "bridging"):
        setattr(eager, name, getattr(net, name).copy())
    eager.add(x[0], x[1], 0.3, False, True)
    assert len(eager) > len(net), "a read (len) merges what was added"
    eager.add(y[0], y[1], wy, True, False)
    net.add(x[0], x[1], 0.3, False, True)
    net.add(y[0], y[1], wy, True, False)
    assert len(net._pending) == 2, "nothing read yet: both additions wait"
    net.add(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), 0.5, False, False)
    assert as_dict(net) == as_dict(eager) and not net._pending
    leavers = np.unique(x[0, :3])
    stale = net.ties_of(leavers)[1]  # found before the next addition: replace finds them again after it
    for ties in (net, eager):
        ties.add(leavers, (leavers + 1) % N, 0.9, False, False)
    eager.ties_of(leavers)  # a read in between
    eager.replace(leavers, y[1], y[0], 0.2, False, False)
    net.replace(leavers, y[1], y[0], 0.2, False, False, leavers_ties=stale)
    assert as_dict(net) == as_dict(eager)
