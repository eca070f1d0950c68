"""The ties of some residents by both ends, for :class:`model.core.network.TieNetwork` (split from ``network.py``).

The ties are sorted by their lower end ``a``: a resident's ties as the lower end are one range, found by binary
search; those where it is the higher end need a pass over all of ``b``.
"""

from __future__ import annotations

import numba
import numpy as np

from model.core.tie_passes import AHEAD, _prefetch, place


@numba.njit(cache=True)
def _ties_of(n: int, who: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ties of each resident in ``who`` (ascending, distinct): ``ties[start[k]:start[k + 1]]`` are ``who[k]``'s.

    Within a group, ties where the resident is the lower end come first, then those where it
    is the higher end, each in tie order (as :meth:`~model.core.network.TieNetwork.neighbours` lists them). The ties
    are sorted by their lower end, so those are found by binary search; the others by one pass
    over the higher ends (``who`` is a few residents: the branch is nearly always not taken) that
    notes them in order, after which only the noted ties are looked at again.
    """
    for k in range(1, len(who)):  # checked here, not by numpy: three calls of fixed cost less, a few times a week
        if who[k] <= who[k - 1]:
            raise ValueError("ties_of needs residents in ascending order, each once")
    mark = np.zeros(n, dtype=np.bool_)
    mark[who] = True
    lower_start = np.searchsorted(a, who)
    lower = np.searchsorted(a, who, side="right") - lower_start
    noted = np.empty(len(b), dtype=np.int64)  # only the first few places are ever written (and paged in)
    n_noted = 0
    for e in range(len(b)):  # unsigned places (``tie_passes.place``): 0.23 -> 0.10 ms at 100,000 residents
        if mark[place(b[e])]:
            noted[n_noted] = e
            n_noted += 1
    owner = np.searchsorted(who, b[noted[:n_noted]])  # the place in ``who`` of each noted tie's higher end
    higher = np.zeros(len(who), dtype=np.int64)
    for k in owner:
        higher[k] += 1
    start = np.zeros(len(who) + 1, dtype=np.int64)
    start[1:] = np.cumsum(lower + higher)
    ties = np.empty(start[-1], dtype=np.int64)
    fill = start[:-1] + lower
    for k in range(len(who)):
        ties[start[k]:fill[k]] = np.arange(lower_start[k], lower_start[k] + lower[k])
    for x in range(n_noted):
        ties[fill[owner[x]]] = noted[x]
        fill[owner[x]] += 1
    return start, ties


@numba.njit(cache=True)
def _directed(a: np.ndarray, b: np.ndarray, src: np.ndarray,
              dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both directions of every tie, kept where the one end is in ``src`` and the other in ``dst``.

    All ties seen from their lower end (``a -> b``) come first, in order, then those seen from the higher end.
    """
    # The ties touching ``src`` first (branch-free: every tie written, the next place advances only for them),
    # then only those are looked at: ``src`` is usually a small part of the residents. They too are noted without
    # branches (which ends are in ``src`` and ``dst`` cannot be predicted), then the ends read for those kept.
    touching = np.empty(len(a), np.int64)
    n_touching = 0
    for e in range(len(a)):  # unsigned places (``tie_passes.place``): 0.37 -> 0.24 ms at 100,000 residents
        touching[place(n_touching)] = e
        n_touching += src[place(a[e])] | src[place(b[e])]
    up, down = np.empty(n_touching, np.int64), np.empty(n_touching, np.int64)
    n_up = n_down = 0
    for e in touching[:n_touching]:
        x, y = place(a[e]), place(b[e])
        up[place(n_up)] = e
        n_up += src[x] & dst[y]
        down[place(n_down)] = e
        n_down += src[y] & dst[x]
    n = n_up + n_down
    tie, frm, to = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    for j in range(n_up):
        e = up[j]
        tie[j], frm[j], to[j] = e, a[e], b[e]
    for j in range(n_down):
        e = down[j]
        tie[n_up + j], frm[n_up + j], to[n_up + j] = e, b[e], a[e]
    return tie, frm, to


@numba.njit(cache=True)
def lower_starts(n: int, a: np.ndarray) -> np.ndarray:
    """Where each resident's ties as the lower end start: ``np.searchsorted(a, r)`` for ``r`` in ``0..n``, 32-bit.

    One pass over ``a`` (sorted) without branches, and one over the residents (2.9 ms at 1,000,000 residents; a
    loop that advanced a resident at a time as ``a`` rose took 8 ms, its branches mispredicted). With it a tie
    is found among the few of its lower end (:func:`find_in_starts`). 32-bit (fewer than 2**31 ties): 4 MB at
    1,000,000 residents instead of 8, which stay in the cache more.
    """
    start = np.zeros(n + 1, dtype=np.int32)
    for e in range(len(a)):  # the last store at a resident's place is the end of its ties: no branch (``place``:
        start[place(a[e] + 1)] = e + 1  # 0.30 -> 0.25 ms at 100,000 residents)
    for r in range(1, n + 1):  # a resident without ties as the lower end ends where the one before does
        start[r] = max(start[r], start[r - 1])
    return start


@numba.njit(cache=True)
def find_in_starts(i: np.ndarray, j: np.ndarray, start: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`find_ties` by :func:`lower_starts`: each pair's tie among those of its lower end, or -1.

    First every pair's range of ties (``start`` at its lower end), then the higher ends in the ranges; each read
    at a pair's lower end is asked for :data:`~model.core.tie_passes.AHEAD` pairs early (``_prefetch``), as the
    pairs are in no order. Two reads a pair instead of a binary search's ~22 steps, of which ~12 miss the cache
    at 1,000,000 residents.
    """
    m = len(i)
    lo = np.empty(m, dtype=np.int64)
    for k in range(m):
        lo[k] = min(i[k], j[k])
    first, last = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
    for k in range(m):
        _prefetch(start, lo[min(k + AHEAD, m - 1)])
        first[k], last[k] = start[lo[k]], start[lo[k] + 1]
    tie = np.empty(m, dtype=np.int64)
    for k in range(m):
        _prefetch(b, min(first[min(k + AHEAD, m - 1)], max(len(b) - 1, 0)))  # a hint: never faults
        hi, t = max(i[k], j[k]), -1
        for e in range(first[k], last[k]):
            t = e if b[e] == hi else t
        tie[k] = t
    return tie
