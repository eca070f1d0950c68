"""Round 11, helper D: the kernels rewritten for speed give the same bits as the code they replace.

The municipality's observation, who goes out and to which place, and the weekly counters' reset are compared
with the code before (copied here as plain Python loops over each resident's neighbourhood) on random inputs,
edge cases included (no residents, one, an empty neighbourhood, no place, no team), bit for bit.
``collect``'s totals per neighbourhood are compared with numpy's formulation by ``tests/test_kernels_r9d.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.core.draws import integer, uniform
from model.core.metrics import WeeklyCounters, _observed
from model.core.state import CASE_NONE, CASE_OPEN, CASE_WAITING, LONELY, NO
from model.core.submodels.venues import _ADMIT, _PICK, _WANT, _open_by_neighbourhood, _visit, _want_to_visit


def _observed_before(nbh: np.ndarray, week: int, case_state: np.ndarray, case_since: np.ndarray, score: np.ndarray,
                     team_fte: np.ndarray, residents: np.ndarray, ini_nbh: np.ndarray, ini_alive: np.ndarray,
                     ini_taken_over: np.ndarray) -> np.ndarray:
    """``metrics._observed`` before this round: sums into arrays indexed by each resident's neighbourhood."""
    k = len(team_fte)
    waiting, waited, lonely, active = np.zeros(k), np.zeros(k), np.zeros(k), np.zeros(k)
    for i in range(len(nbh)):
        is_waiting = case_state[i] == CASE_WAITING
        waiting[nbh[i]] += is_waiting
        waited[nbh[i]] += (week - case_since[i]) * is_waiting
        lonely[nbh[i]] += score[i] >= LONELY
    for x in range(len(ini_nbh)):
        active[ini_nbh[x]] += ini_alive[x] and not ini_taken_over[x]
    out = np.zeros((4, k))
    for b in range(k):
        out[0, b] = waiting[b] / team_fte[b] if team_fte[b] > 0 else 0.0
        out[1, b] = waited[b] / waiting[b] if waiting[b] > 0 else 0.0
        out[2, b] = 1000 * (active[b] / residents[b] if residents[b] > 0 else 0.0)
        out[3, b] = lonely[b] / residents[b] if residents[b] > 0 else 0.0
    return out


def _city(rng: np.random.Generator, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Each resident's neighbourhood (residents stored by neighbourhood) and ``nbh_start``."""
    nbh = np.repeat(np.arange(len(sizes)), sizes).astype(np.int64)
    return nbh, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


@pytest.mark.parametrize("sizes", [[0], [1], [0, 0, 3], [40, 0, 17, 1], [500, 800, 300, 400]])
def test_observed_is_the_code_before(sizes: list[int]) -> None:
    rng = np.random.default_rng(sum(sizes) + len(sizes))
    nbh, nbh_start = _city(rng, sizes)
    n, k, week = len(nbh), len(sizes), 300
    case_state = rng.choice(np.array([CASE_NONE, CASE_OPEN, CASE_WAITING], dtype=np.int8), n, p=[0.6, 0.2, 0.2])
    case_since = rng.integers(-400, week, n)
    score = rng.integers(0, 12, n).astype(np.int8)
    team_fte = rng.choice([0.0, 0.5, 7.5], k)
    residents = np.array(sizes, dtype=float)
    ini_nbh = rng.integers(0, k, 30)
    ini_alive, ini_taken_over = rng.random(30) < 0.7, rng.random(30) < 0.3
    args = (week, case_state, case_since, score, team_fte, residents, ini_nbh, ini_alive, ini_taken_over)
    got, want = _observed(nbh_start, *args), _observed_before(nbh, *args)
    np.testing.assert_array_equal(got, want)
    assert got.shape == (4, k)


def _want_before(key: np.uint64, rate: float, has_place: np.ndarray, nbh: np.ndarray, act: np.ndarray,
                 autonomy: np.ndarray, competence: np.ndarray, relatedness: np.ndarray) -> np.ndarray:
    """``venues._want_to_visit`` before this round: each resident's place looked up in their neighbourhood."""
    n = len(nbh)
    want = [i for i in range(n) if has_place[nbh[i]] and uniform(key, _WANT * n + i)
            < rate * act[i] * (0.5 + (autonomy[i] + competence[i] + relatedness[i]) / 3.0)]
    return np.array(want, dtype=np.int64)


def _visit_before(key: np.uint64, want: np.ndarray, nbh: np.ndarray, first: np.ndarray, per_nbh: np.ndarray,
                  sorted_open: np.ndarray, capacity: np.ndarray, visited: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``venues._visit`` before this round: the neighbourhood of each visitor looked up in ``nbh``."""
    n_residents = len(nbh)
    place = np.array([sorted_open[first[nbh[i]] + integer(key, _PICK * n_residents + i, per_nbh[nbh[i]])]
                      for i in want], dtype=np.int64)
    count = np.bincount(place, minlength=len(capacity))
    admitted = [j for j in range(len(want)) if uniform(key, _ADMIT * n_residents + want[j])
                < min(1.0, 1 / max(count[place[j]] / max(capacity[place[j]], 1.0), 1e-9))]
    att, of = want[admitted].astype(np.int64), place[admitted]
    visited[att] = of
    return att, of


@pytest.mark.parametrize("sizes", [[0], [1], [0, 2, 0], [30, 0, 12, 1], [400, 700, 250, 500]])
def test_who_goes_out_and_where_is_the_code_before(sizes: list[int]) -> None:
    rng = np.random.default_rng(len(sizes) * 1000 + sum(sizes))
    nbh, nbh_start = _city(rng, sizes)
    n, k = len(nbh), len(sizes)
    key = np.uint64(rng.integers(0, 2**63))
    act, autonomy, competence, relatedness = rng.random(n) * 2, rng.random(n), rng.random(n), rng.random(n)
    # Places stored by neighbourhood, one neighbourhood without any; small places, so that some turn visitors away.
    per_nbh = rng.integers(1, 4, k)
    per_nbh[k // 2] = 0
    first = np.concatenate([[0], np.cumsum(per_nbh)]).astype(np.int64)
    sorted_open = np.arange(first[-1], dtype=np.int64)
    capacity = rng.choice([0.0, 2.0, 30.0], first[-1])
    has_place = per_nbh > 0
    visited, visited_before = np.zeros(n, dtype=np.int64), np.full(n, NO, dtype=np.int64)
    want = _want_to_visit(key, 0.8, has_place, nbh_start, act, autonomy, competence, relatedness, visited)
    np.testing.assert_array_equal(want, _want_before(key, 0.8, has_place, nbh, act, autonomy, competence, relatedness))
    assert want.dtype == np.int64
    att, of, visits = np.full(len(want) + 3, -7), np.full(len(want) + 3, -7), np.zeros(len(capacity), dtype=np.int64)
    admitted = _visit(key, want, nbh_start, first, per_nbh, sorted_open, capacity, visited, att, of, visits)
    expected = _visit_before(key, want, nbh, first, per_nbh, sorted_open, capacity, visited_before)
    for g, e in zip((att[:admitted], of[:admitted]), expected, strict=True):
        np.testing.assert_array_equal(g, e)
    assert (att[len(want):] == -7).all() and (of[len(want):] == -7).all()  # nothing written past its room
    np.testing.assert_array_equal(visits, np.bincount(expected[1], minlength=len(capacity)))
    np.testing.assert_array_equal(visited, visited_before)


@pytest.mark.parametrize(("places", "share_open"), [(0, 0.5), (1, 1.0), (1, 0.0), (7, 0.0), (40, 0.6), (300, 0.9)])
def test_open_places_by_neighbourhood_are_numpys_stable_sort(places: int, share_open: float) -> None:
    rng = np.random.default_rng(places)
    n_nbh = 5
    nbh = rng.integers(0, n_nbh - 1, places)  # not sorted, and the last neighbourhood without a place
    open_ = rng.random(places) < share_open
    per_nbh, first, sorted_open = _open_by_neighbourhood(open_, nbh, n_nbh)
    open_idx = np.flatnonzero(open_)  # visit_venues before this round
    want_per_nbh = np.bincount(nbh[open_idx], minlength=n_nbh)
    np.testing.assert_array_equal(per_nbh, want_per_nbh)
    np.testing.assert_array_equal(first, np.concatenate([[0], np.cumsum(want_per_nbh)]))
    np.testing.assert_array_equal(sorted_open, open_idx[np.argsort(nbh[open_idx], kind="stable")])
    assert per_nbh.dtype == first.dtype == sorted_open.dtype == np.int64


def test_counters_reset_to_zero_also_one_bound_to_a_new_array() -> None:
    counters = WeeklyCounters.zeros(3)
    for name in vars(counters):
        getattr(counters, name)[:] = 2.5
    counters.referrals = np.full(3, 7.0)  # code may bind a counter anew: it is still reset
    counters.reset()
    assert all(not getattr(counters, name).any() for name in vars(counters))
