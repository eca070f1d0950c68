"""Round 11, helper C: form_ties' venue order and the founding's shortcut give the same bits as before.

The venue order is compared with ``np.lexsort`` (its definition) and with the kernel before (copied here) on
random inputs, edge cases included; the founding without room with the reference founding of round 9, state and
generator exactly.
"""

from __future__ import annotations

import copy

import numba
import numpy as np
import pytest
from test_kernels_r7c import _same_state
from test_kernels_r9g import _found_reference

from model import CommunityModel, Parameters
from model.core.state import need_level_of
from model.core.submodels.founding import found_initiatives
from model.core.submodels.ties import _by_venue_at_random


@numba.njit(cache=True)
def _by_venue_before(venue: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The venue order of the code before (f950f42): a counting sort by venue, then a bucket sort per venue."""
    start = np.zeros(venue.max() + 2 if len(venue) else 1, dtype=np.int64)
    for v in venue:
        start[v + 1] += 1
    start = np.cumsum(start)
    fill = start[:-1].copy()
    by_venue = np.empty(len(venue), dtype=np.int64)
    for i in range(len(venue)):
        by_venue[fill[venue[i]]] = i
        fill[venue[i]] += 1
    order = np.empty(len(venue), dtype=np.int64)
    count = np.empty(len(venue) + 1, dtype=np.int64)
    for v in range(len(start) - 1):
        lo, k = start[v], start[v + 1] - start[v]
        count[:k + 1] = 0
        for t in range(lo, lo + k):
            count[min(max(int(u[by_venue[t]] * k), 0), k - 1) + 1] += 1
        for q in range(k):
            count[q + 1] += count[q]
        for t in range(lo, lo + k):
            i = by_venue[t]
            q = min(max(int(u[i] * k), 0), k - 1)
            order[lo + count[q]] = i
            count[q] += 1
        for t in range(lo + 1, lo + k):
            i, s = order[t], t
            while s > lo and u[order[s - 1]] > u[i]:
                order[s] = order[s - 1]
                s -= 1
            order[s] = i
    return order


def _check_order(venue: np.ndarray, u: np.ndarray) -> None:
    # The attendees' own numbers in order are the order; other attendees, and the venues, come in that order.
    got, got_venue = _by_venue_at_random(venue, u, np.arange(len(venue)))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.lexsort((u, venue)))
    np.testing.assert_array_equal(got, _by_venue_before(venue, u))
    np.testing.assert_array_equal(got_venue, venue[got])
    who = np.random.default_rng(len(venue)).permutation(3 * len(venue) + 1)[:len(venue)].astype(np.int32)
    got_who, _ = _by_venue_at_random(venue, u, who)
    assert got_who.dtype == np.int32
    np.testing.assert_array_equal(got_who, who[got])


@pytest.mark.parametrize("size", [0, 1, 2, 3, 17, 500])
def test_the_venue_order_is_lexsort_and_the_order_before(size: int) -> None:
    rng = np.random.default_rng(size)
    for case in range(60):
        venue = rng.integers(0, int(rng.integers(1, 40)), size)
        u = rng.random(size)
        if case % 3 == 0:
            u = np.round(u, 1)  # many equal numbers in a bucket: kept in attendee order
        if case % 4 == 0 and size >= 3:
            u[rng.integers(0, size, 3)] = [0.0, 1.0, np.nextafter(1.0, 0)]  # the ends of the buckets
        if case % 5 == 0:
            venue = venue * 1000  # venue ids far apart (places, then initiatives)
        _check_order(venue, u)


def test_the_venue_order_with_large_and_small_venues_and_equal_numbers() -> None:
    # As in a city: half the attendees at a few large places, the others at many small initiatives.
    rng = np.random.default_rng(11)
    venue = np.concatenate([rng.integers(0, 5, 2000), 5 + rng.integers(0, 400, 2000)])
    _check_order(venue, rng.random(len(venue)))
    _check_order(venue, np.full(len(venue), 0.5))  # every number equal: attendee order within a venue
    _check_order(np.zeros(300, dtype=np.int64), rng.random(300))  # one venue
    _check_order(np.arange(300), rng.random(300))  # a venue each


def test_without_room_nobody_founds_and_the_generator_moves_as_before() -> None:
    # A founding rate at which every neighbourhood would have founders, but no room anywhere.
    for room, founds in ((0.0, False), (1000.0, True)):
        params = Parameters(n_residents=1200, burn_in_years=0, founding_rate=0.5, max_initiatives_per_1000=room)
        m = CommunityModel(params, seed=4)
        twin = copy.deepcopy(m)
        alive = m.inits.alive.sum()
        found_initiatives(m, m.pop.motivation, need_level_of(m.pop.zrm))
        _found_reference(twin, twin.pop.motivation, need_level_of(twin.pop.zrm))
        _same_state(m, twin)
        assert (m.inits.alive.sum() > alive) == founds
