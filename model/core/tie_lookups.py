"""Lookups of some residents' ties: informal help's asking pairs and the leavers' ties.

Informal help (``docs/ODD.md`` 7.8, :mod:`model.core.submodels.needs`) reads the asking pairs (the ties of
ongoing help are ``network.find_in_starts``'); turnover (:func:`model.core.city.replace_residents`) ends the
leavers' ties. The ties are sorted by their lower end ``a``, so a resident's ties as the lower end are one range
(found by where each resident's ties start, ``network.lower_starts``, one pass over ``a``, or by binary search
for a few); the ties where a resident is the higher end need a pass over all of ``b``. Split from ``needs.py``
(600 lines).
"""

from __future__ import annotations

import numba
import numpy as np

from model.core.network import searchsorted_lockstep
from model.core.tie_passes import _prefetch

#: How many residents ahead the lookups ask for the places they will read (:func:`_prefetch`).
AHEAD = 16


@numba.njit(cache=True)
def _bit_set(n: int, who: np.ndarray) -> np.ndarray:
    """The residents ``who`` of ``n`` as bits, 32 a ``uint32`` word (:func:`_bit` reads them).

    For a pass over every tie's higher end that asks whether it is one of a few: 125 KB at 1,000,000 residents
    stay in the core's cache where a flag per resident (a megabyte), read at random, did not (round 13).
    """
    bits = np.zeros((n + 31) >> 5, dtype=np.uint32)
    for i in who:
        bits[i >> 5] |= np.uint32(1) << np.uint32(i & 31)
    return bits


@numba.njit(cache=True, inline="always")
def _bit(bits: np.ndarray, r: int) -> np.uint32:
    """Resident ``r``'s bit in :func:`_bit_set`'s ``bits``: 1 or 0 (32-bit arithmetic, as ``b``'s type)."""
    i = np.uint32(r)
    return (bits[i >> np.uint32(5)] >> (i & np.uint32(31))) & np.uint32(1)


@numba.njit(cache=True)
def _asking_pairs(start: np.ndarray, askers: np.ndarray, free: np.ndarray, a: np.ndarray,
                  b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The ties of ``network._directed(a, b, asking, free)`` in its order, their two ends, how many seen from ``a``.

    Returns the ties, their askers and carers, and how many come first, seen from ``a``. ``askers``: the
    residents who ask (ascending); ``free``: per resident; ``start``: ``network.lower_starts``.
    The ties where an asker is the lower end and the higher end is ``free`` first, in tie order (the askers'
    ranges, ascending as ``a`` is sorted), then those where an asker is the higher end and the lower end is free,
    in tie order. Only the few askers' ranges are read for the first (a few percent of the residents ask), and the
    second passes over ``b`` alone, instead of ``_directed``'s pass over both ends of every tie: 0.69 to 0.41 ms at
    100,000 residents (3,800 asking, 281,000 ties), 14.3 to 10.2 at 1,000,000. The ties of the second kind are far
    apart in the tie arrays: their ends are asked for early and read once, here, for the pairs' askers and carers
    too.
    """
    first = np.empty(len(askers), dtype=np.int64)
    last = np.empty(len(askers), dtype=np.int64)
    n_up = 0
    for k in range(len(askers)):  # the ranges first: independent reads of ``start`` that overlap
        _prefetch(start, askers[min(k + AHEAD, len(askers) - 1)])
        first[k], last[k] = start[askers[k]], start[askers[k] + 1]
        n_up += last[k] - first[k]
    up = np.empty(n_up, dtype=np.int64)
    n_up = 0
    for k in range(len(askers)):
        _prefetch(b, first[min(k + AHEAD, len(askers) - 1)])
        for e in range(first[k], last[k]):
            up[n_up] = e
            n_up += free[b[e]]
    # Who asks as bits: this kernel 7.8 to 6.2 ms at 1,000,000 residents (3.0 million ties, 51,000 asking; cold),
    # ``_informal_help`` 20.0 to 18.1-18.8; nothing at 100,000, where flags fit.
    asks = _bit_set(len(free), askers)
    noted = np.empty(len(b), dtype=np.int64)  # only the first few places are ever written (and paged in)
    n_noted = 0
    for e in range(len(b)):  # branch-free: whether a tie's higher end asks cannot be predicted
        noted[n_noted] = e
        n_noted += _bit(asks, b[e])
    tie, asker, carer = (np.empty(n_up + n_noted, dtype=np.int64), np.empty(n_up + n_noted, dtype=np.int64),
                         np.empty(n_up + n_noted, dtype=np.int64))
    for j in range(n_up):  # ends just read: in the cache
        e = up[j]
        tie[j], asker[j], carer[j] = e, a[e], b[e]
    n = n_up
    for k in range(n_noted):  # both ends asked for early (the loop with ``a`` only: 1.25 to 0.82 ms at 1,000,000)
        ahead = noted[min(k + AHEAD, n_noted - 1)]
        _prefetch(a, ahead)
        _prefetch(b, ahead)
        e = noted[k]
        tie[n], asker[n], carer[n] = e, b[e], a[e]
        n += free[a[e]]
    return tie[:n], asker[:n], carer[:n], n_up


@numba.njit(cache=True)
def _leavers_ties(n: int, who: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Every tie of the residents ``who`` (ascending, distinct, of ``n``): a tie between two of them twice.

    The ties ``TieNetwork.ties_of(who)`` lists, in another order (those where one of ``who`` is the lower end
    first, by resident), for what needs the set of ties only. The lower ends' ranges are found by binary
    searches a step at a time for all of ``who`` (``network.searchsorted_lockstep``):
    ``ties_of``'s ``np.searchsorted`` of each in turn waited on each read, 1.2 of its 4.2 ms at 1,000,000
    residents (1,400 leavers, 2.86 million ties; this 3.0 ms, most of it the pass over ``b``).
    """
    m = len(a)
    base = searchsorted_lockstep(a, who)  # each one's first tie as the lower end (or where it would be)
    last = np.empty(len(who), dtype=np.int64)
    lower = 0
    for k in range(len(who)):  # then past its last
        e = base[k]
        while e < m and a[e] == who[k]:
            e += 1
        last[k] = e
        lower += e - base[k]
    mark = _bit_set(n, who)  # as bits, not a flag per resident: 3.5 -> 2.5 ms at 1,000,000 residents (round 14)
    ties = np.empty(lower + len(b), dtype=np.int64)  # only the first few places are ever written (and paged in)
    t = 0
    for k in range(len(who)):
        for e in range(base[k], last[k]):
            ties[t] = e
            t += 1
    for e in range(len(b)):  # the branch is nearly never taken: a few leavers a week
        if _bit(mark, b[e]):
            ties[t] = e
            t += 1
    return ties[:t]
