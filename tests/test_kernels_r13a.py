"""Round 13 (issue 19, helper A): the strength rows in two narrower rows; strong ties per group by runs of places.

``tie_passes._strength_rows`` keeps a resident's value, both counts (in one column) and the higher end's sums in
``high`` and the lower end's sums in ``low``. Its counts, sums and most close ties must be those of the round-12
kernel (one 64-byte row of seven columns, copied here) and of numpy, to the bit. ``_strong_by_group`` counts a
group's ties as one run of places where the groups are in the residents' order, and by the tie otherwise. The count
for the contact pass's reach is carried from the week before (``tie_passes.reach_count``) and must be the count of all
ties at every week of a running city, and through any splices and rises of strengths in between.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from test_kernels_r10a import _network  # a random network of n residents, some kin, some bridging

from model.core import network
from model.core.community import CommunityModel
from model.core.parameters import Parameters
from model.core.tie_passes import (
    _CARRIED,
    _aligned_rows,
    _count_at_least,
    _strength_rows,
    _strong_by_group,
    tie_counts,
    tie_sums,
)


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


def _checked_reach_count(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Make every contact pass check its count for the reach against a count of all ties; returns a list of whether
    each one's was carried."""
    carried, reach_count = [], network.reach_count

    def checked(owner: object, n: int, ties: tuple, threshold: float) -> np.ndarray:
        kept = _CARRIED.get(owner)
        carried.append(kept is not None and all(x is y for x, y in zip(kept[0], ties, strict=True)))
        count = reach_count(owner, n, ties, threshold)
        assert np.array_equal(count, _count_at_least(n, *ties, threshold))
        return count

    monkeypatch.setattr(network, "reach_count", checked)
    return carried


def test_the_carried_count_for_the_reach_is_the_count_of_all_ties_every_week(monkeypatch: pytest.MonkeyPatch) -> None:
    carried = _checked_reach_count(monkeypatch)
    m = CommunityModel(Parameters(n_residents=3000, burn_in_years=0.5), seed=5)
    m.run_weeks(60)  # turnover, new ties met and strengthened, introductions: the splices and rises in between
    assert len(carried) == 26 + 60 and all(carried[1:])


@pytest.mark.parametrize("seed", range(6))
def test_the_carried_count_goes_through_splices_and_rises(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    carried = _checked_reach_count(monkeypatch)
    n = 400
    net, rng = _network(n, 3000, seed), np.random.default_rng(seed + 90)
    lost, group, decay = np.zeros(n, dtype=np.int64), np.arange(n) % 3, np.array([0.3, 0.1, 0.02])
    for week in range(8):
        net.contact_and_decay(np.uint64(week + 1), rng.uniform(0.5, 1, n), 5.0, 0.3, 1.5, 0.2, group, decay, 0.05,
                              0.25, 0.5, lost)
        w = net.w
        rising = rng.random(len(w)) < 0.3
        w[rising] += 0.3 * (1 - w[rising])  # in place, as form_ties' meetings do
        k = rng.integers(0, 40)  # new ties, some below the threshold, some of leavers (which then start anew)
        leavers = np.unique(rng.integers(0, n, rng.integers(0, 6)))
        net.replace(leavers, rng.integers(0, n, k), rng.integers(0, n, k), rng.uniform(0, 1, k), rng.random(k) < 0.5,
                    False)
        low = _CARRIED[net][3]  # ascending, and among them every tie now below the threshold
        assert (np.diff(low) > 0).all() and np.isin(np.flatnonzero(net.w < 0.25), low).all()
        net.add(rng.integers(0, n, 9), rng.integers(0, n, 9), rng.uniform(0, 1, 9), True, False)
        if week % 2:
            len(net)  # the additions merged by a splice, or else by the next contact pass
    assert carried == [False] + [True] * 7
    net.w = net.w.copy()  # arrays set from outside: a count of all ties
    net.contact_and_decay(np.uint64(99), np.ones(n), 5.0, 0.3, 1.5, 0.2, group, decay, 0.05, 0.25, 0.5, lost)
    assert carried[-1] is False
