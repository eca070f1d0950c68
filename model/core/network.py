"""The residents' social network as model-owned edge arrays.

Ties are undirected and stored once, as ``(a, b)`` with ``a < b``, sorted by the key ``a * n + b`` (by ``a``, then
``b``) so that lookups and inserts are vectorised binary searches (of the ends: the key is not stored, its 8 bytes
a tie not copied by every pass that copies the ties; :func:`searchsorted_pairs`). Each tie has a strength in
[0, 1], a kin flag (family ties decay slowly) and a bridging flag (the two residents differ in age group or
income, or live in different neighbourhoods).

The passes over all ties that run every week (counting ties per resident, weighted sums
over ties, contact and decay, ending the ties of leavers and merging new ties into the
sorted arrays, finding the ties of some residents) are compiled with numba: each is one
loop over the ties instead of several numpy passes over the tie arrays, which a profile
of a 100,000-resident city showed to be the largest cost of a step (``docs/performance.md``).
The passes that read and write per-resident rows at both ends of every tie are in
:mod:`model.core.tie_passes`, those that find some residents' ties by both ends in :mod:`model.core.tie_ends`.
"""

from __future__ import annotations

import weakref

import networkx as nx
import numba
import numpy as np

from model.core.tie_ends import _directed, _ties_of, lower_starts
from model.core.tie_ends import find_in_starts as find_in_starts  # for the lookups' callers
from model.core.tie_passes import (
    AHEAD,
    _aligned_rows,
    _contact_and_decay,
    _count_at_least,
    _prefetch,
    _profile_of_rows,
    _reach_and_decay,
    _strength_rows,
    _strong_by_group,
    carry,
    carry_splice,
    kept_rows,
    place,
    reach_count,
)


@numba.njit(cache=True, inline="always")
def _copy(dst: np.ndarray, src: np.ndarray) -> None:
    """``dst[:] = src`` as an element loop over the two views.

    numba's slice assignment (``out[o:o + k] = values[x:x + k]``) costs some 40 ns a slice before it
    copies; a splice copies thousands of short runs, so this loop made it 2-5 times faster.
    """
    for t in range(len(src)):
        dst[t] = src[t]


@numba.njit(cache=True)
def _splice(values: np.ndarray, drop: np.ndarray, pos: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``values`` without the elements at ``drop``, with ``new`` inserted before the elements at ``pos``.

    ``drop`` and ``pos`` are ascending places in ``values`` (``pos`` as ``np.searchsorted`` gives them;
    an insertion at a dropped element comes before it). One copy of the runs between those places,
    as ``np.insert(np.delete(...))`` would give with the places adjusted.
    """
    out = np.empty(len(values) - len(drop) + len(new), dtype=values.dtype)
    o = x = i = j = 0  # next place in out; next element of values to copy; next drop; next insertion
    while i < len(drop) or j < len(new):
        insert = j < len(new) and (i == len(drop) or pos[j] <= drop[i])
        stop = pos[j] if insert else drop[i]
        _copy(out[o:o + stop - x], values[x:stop])
        o += stop - x
        if insert:
            out[o] = new[j]
            o, x, j = o + 1, stop, j + 1
        else:
            x, i = stop + 1, i + 1
    _copy(out[o:], values[x:])
    return out


@numba.njit(cache=True)
def _replace(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, kin: np.ndarray, bridging: np.ndarray,
             leavers: np.ndarray, leavers_ties: np.ndarray, find_leavers_ties: bool, i: np.ndarray, j: np.ndarray,
             new_w: np.ndarray, new_kin: np.ndarray, new_bridging: np.ndarray, start: np.ndarray) -> tuple:
    """:meth:`TieNetwork.replace` on the tie arrays in one call: whether they changed, starts, new ties, arrays after.

    Returns the flag, the starts, the new ties' places after (ascending), ``_splice``'s ``drop`` and ``pos`` (for
    ``tie_passes.carry_splice``) and the five arrays. The new pairs
    (:func:`_new_ties`), the leavers' ties (:func:`_ties_of`, unless given), and one :func:`_splice` of each
    array, the new strengths and flags taken at the new pairs' places. One call instead of some ten numpy and
    compiled calls of fixed cost, five times a week, which is what it costs in a small city. ``start``:
    :func:`lower_starts` of ``a`` (or empty), shifted in place to the ties after.
    """
    idx, new_a, new_b, pos = _new_ties(i, j, n, a, b, leavers, start) if len(start) else _new_ties(i, j, n, a, b,
                                                                                                 leavers)
    if find_leavers_ties:
        leavers_ties = _ties_of(n, leavers, a, b)[1]
    drop = np.unique(leavers_ties)
    if not len(idx) and not len(drop):
        return False, start, pos, drop, pos, a, b, w, kin, bridging
    placed = np.empty(len(pos), dtype=np.int64)  # the new ties' places after the splice (its order)
    gone = 0
    for k in range(len(pos)):
        while gone < len(drop) and drop[gone] < pos[k]:
            gone += 1
        placed[k] = pos[k] + k - gone
    return (True, _shifted_starts(start, a, drop, new_a), placed, drop, pos, _splice(a, drop, pos, new_a),
            _splice(b, drop, pos, new_b), _splice(w, drop, pos, new_w[idx]), _splice(kin, drop, pos, new_kin[idx]),
            _splice(bridging, drop, pos, new_bridging[idx]))


@numba.njit(cache=True)
def _shifted_starts(start: np.ndarray, a: np.ndarray, drop: np.ndarray, new_a: np.ndarray) -> np.ndarray:
    """:func:`lower_starts` after :func:`_splice` drops the ties at ``drop`` and inserts ties of lower ends ``new_a``.

    ``start`` is :func:`lower_starts` of ``a``, shifted in place (or empty: then so is the result); both changes
    ascending. A resident's ties start as many places later as ties of lower ends below it were inserted, less those
    dropped: the residents between two changes are one run of the same shift, a loop in vector instructions. 0.05
    against 0.21 ms for :func:`lower_starts` at 100,000 residents, 1.0-1.15 against 2.3 at 1,000,000 (a branch a
    resident, to see whether a change comes next: 0.18 and 2.9; into a new array: 1.18 at 1,000,000). The dropped
    ties' lower ends are read first, at once: read in the loop, each waited on its own (turnover's 8,500 drops at
    1,000,000 residents 0.78 -> 0.38 ms, 0.09 -> 0.05 at 100,000; round 14).
    """
    out = start
    shift = r = x = y = 0
    if not len(start):
        return out
    dropped = a[drop]
    while x < len(new_a) or y < len(drop):
        inserted = y == len(drop) or (x < len(new_a) and new_a[x] <= dropped[y])
        changed = new_a[x] if inserted else dropped[y]  # the residents above it shift
        for t in range(place(r), place(changed + 1)):
            out[t] = start[t] + shift
        r = max(r, changed + 1)
        shift += 1 if inserted else -1
        x, y = (x + 1, y) if inserted else (x, y + 1)
    for t in range(place(r), place(len(start))):
        out[t] = start[t] + shift
    return out


@numba.njit(cache=True)
def _new_ties(i: np.ndarray, j: np.ndarray, n: int, a: np.ndarray, b: np.ndarray, leavers: np.ndarray,
              start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which pairs ``(i[k], j[k])`` become new ties, in key order, and where they go among the ties ``(a, b)``.

    Self-loops are skipped, a repeated pair counts at its first place, and a pair that is tied
    already is skipped unless one of its ends is among ``leavers`` (ascending; their ties end).
    Returns the places ``k`` of the new pairs, their lower and higher ends, and their
    ``np.searchsorted`` positions among the tie keys (:func:`searchsorted_pairs`, with ``start`` if given; ``n``
    residents).
    """
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = lo * n + hi
    order = np.argsort(key, kind="mergesort")  # stable: a repeated pair keeps its first place
    idx = np.empty(len(order), dtype=np.int64)
    m, last = 0, -1
    for k in order:  # the distinct pairs, in key order
        if lo[k] == hi[k] or key[k] == last:
            continue
        last = key[k]
        idx[m] = k
        m += 1
    # Their places among the ties all at once: one binary search after another waited on each read in turn (1.15
    # against 0.6 ms for 6,900 pairs among the 2,860,000 ties of 1,000,000 residents).
    place = searchsorted_pairs(a, b, lo[idx[:m]], hi[idx[:m]], start)
    pos = np.empty(m, dtype=np.int64)
    n_new = 0
    for t in range(m):
        k, p = idx[t], place[t]
        tied = p < len(a) and a[p] == lo[k] and b[p] == hi[k]
        if tied and len(leavers):
            u, v = np.searchsorted(leavers, lo[k]), np.searchsorted(leavers, hi[k])
            tied = not ((u < len(leavers) and leavers[u] == lo[k]) or (v < len(leavers) and leavers[v] == hi[k]))
        if not tied:
            idx[n_new], pos[n_new] = k, p
            n_new += 1
    idx, pos = idx[:n_new], pos[:n_new]
    return idx, lo[idx], hi[idx], pos


@numba.njit(cache=True)
def searchsorted_lockstep(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``np.searchsorted(values, x)`` (left side) for all of ``x`` at once, the binary searches a step at a time.

    Every search takes the same number of steps, so the reads of one step, independent of each other, overlap;
    one search after another waits on each read in turn, which made it twice as slow as numpy's, and numpy's
    ``searchsorted`` a third slower than this (``find_ties``' pairs' lower ends among the ties').
    """
    m = len(values)
    base = np.zeros(len(x), dtype=np.int64)  # the last place with a smaller value, or 0
    size = m
    while size > 1:
        half = size // 2
        for k in range(len(x)):
            base[k] = base[k] + half if values[base[k] + half] < x[k] else base[k]
        size -= half
    for k in range(len(x)):
        base[k] += m > 0 and values[base[k]] < x[k]
    return base


@numba.njit(cache=True)
def searchsorted_pairs(a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                       start: np.ndarray | None = None) -> np.ndarray:
    """``np.searchsorted(key, lo * n + hi)`` among the tie keys ``key = a * n + b``, without storing the keys.

    The keys are in ``(a, b)`` order, so a pair's place is after the ties of lower ends below ``lo`` (searched in
    ``a`` as ``a``'s type: no widening of each read; or read in ``start``, :func:`lower_starts` of ``a``, if given:
    one read for some 22 steps, turnover's 5,600 pairs 1.11 -> 0.72 ms at 1,000,000 residents, round 14) and those
    of ``lo`` with a higher end below ``hi`` (2.8 on average, read in turn, their ``b`` asked for
    :data:`~model.core.tie_passes.AHEAD` pairs early: 98,000 pairs among 2,860,000 ties 6.5-10 ms against 9.6-12
    without; ``docs/performance_issue19.md``, round 12 A).
    """
    m = len(lo)
    if start is None:
        place = searchsorted_lockstep(a, lo.astype(a.dtype))
    else:
        place = np.empty(m, dtype=np.int64)
        for k in range(m):
            _prefetch(start, lo[min(k + AHEAD, m - 1)])
            place[k] = start[lo[k]]
    for k in range(m):
        _prefetch(b, min(place[min(k + AHEAD, m - 1)], max(len(b) - 1, 0)))  # a hint: never faults
        p = place[k]
        while p < len(a) and a[p] == lo[k] and b[p] < hi[k]:
            p += 1
        place[k] = p
    return place


@numba.njit(cache=True)
def find_ties(i: np.ndarray, j: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:meth:`TieNetwork.find` in one call: each pair's tie among the ties ``(a, b)`` (:func:`searchsorted_pairs`)."""
    lo, hi = np.empty(len(i), dtype=np.int64), np.empty(len(i), dtype=np.int64)
    for k in range(len(i)):
        lo[k], hi[k] = min(i[k], j[k]), max(i[k], j[k])
    place = searchsorted_pairs(a, b, lo, hi)
    tie = np.empty(len(i), dtype=np.int64)
    for k in range(len(i)):
        p = place[k]
        tie[k] = p if p < len(a) and a[p] == lo[k] and b[p] == hi[k] else -1
    return tie


#: The names of the tie arrays, in the order in which the kernels take them.
_NAMES = ("a", "b", "w", "kin", "bridging")

#: No new ties for :func:`~model.core.tie_passes._contact_and_decay`: their places, and their five arrays (with the
#: types of :func:`_new_ties`' ends, so that one compiled pass serves both).
_NO_TIES = (np.empty(0, dtype=np.int64), (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0),
                                          np.empty(0, dtype=bool), np.empty(0, dtype=bool)))

_NO_STARTS = np.empty(0, dtype=np.int32)  #: No :func:`lower_starts` for :func:`_replace` to shift (they are stale).

#: Each network's :func:`lower_starts`, with the array ``a`` it was made for (so that it is known to be stale when ``a``
#: is another): weakly held, as ``tie_passes.kept_rows``' rows, so it is not pickled or copied with a network.
_STARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _per_pair(x: np.ndarray | float | bool, n: int) -> np.ndarray:
    """``x`` as one value per pair: an array as it is, one value for all repeated (cheaper than ``np.broadcast_to``)."""
    x = np.asarray(x)
    return x if x.ndim else np.full(n, x)


def _tie_array(name: str) -> property:
    """One of the tie arrays, read after any pending additions have joined it (see :meth:`TieNetwork.add`)."""
    def get(self: TieNetwork) -> np.ndarray:
        if self._pending:
            self._merge_pending()
        return self.__dict__[name]

    def set(self: TieNetwork, values: np.ndarray) -> None:
        self.__dict__[name] = values

    return property(get, set)


class TieNetwork:
    """Undirected weighted ties between ``n`` residents.

    ``a``, ``b`` (the lower and higher ends), ``w`` (strength), ``kin`` and ``bridging`` are arrays with one
    element per tie; ``key`` (``a * n + b``, the order of the ties) is computed when read.
    """

    a, b, w, kin, bridging = (_tie_array(name) for name in _NAMES)

    def __init__(self, n: int) -> None:
        """Create an empty network of ``n`` residents."""
        self.n = n
        self._pending: list[tuple[np.ndarray, ...]] = []  # additions not yet merged into the arrays
        # The ends as 32-bit resident indices (a city has far fewer than 2**31 residents): the weekly passes
        # over all ties move a quarter less memory than with 64-bit ends.
        self.a = np.empty(0, dtype=np.int32)
        self.b = np.empty(0, dtype=np.int32)
        self.w = np.empty(0, dtype=np.float64)
        self.kin = np.empty(0, dtype=bool)
        self.bridging = np.empty(0, dtype=bool)

    @property
    def key(self) -> np.ndarray:
        """Each tie's key ``a * n + b`` (64-bit), ascending: computed when read (:func:`searchsorted_pairs`)."""
        d = self._ties()
        return d["a"].astype(np.int64) * self.n + d["b"]

    def __len__(self) -> int:
        return len(self._ties()["a"])

    def _ties(self) -> dict:
        """The tie arrays by name (``self.__dict__``), after any pending additions have joined them.

        The weekly methods read the arrays from here: each read through the properties costs some 0.2 us (a
        plain attribute 0.01 us), and a week reads them some 60 times, which a small city pays in full.
        """
        if self._pending:
            self._merge_pending()
        return self.__dict__

    def find(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Index of the tie between each pair ``(i[k], j[k])``, or -1 where there is none."""
        d = self._ties()
        return find_ties(np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64), d["a"], d["b"])

    def add(self, i: np.ndarray, j: np.ndarray, w: np.ndarray, kin: np.ndarray, bridging: np.ndarray) -> None:
        """Add new ties (self-loops, duplicates and existing pairs are skipped).

        The ties join the arrays when the network is next read. Adding twice without a read in
        between is adding both at once (the first of a repeated pair counts either way), so two such
        additions cost one copy of the tie arrays, not two: the introductions of the front desk
        (``escalate_needs``) and of community work in the same week do (one copy of some 7 MB of
        tie arrays less a week at 100,000 residents).
        """
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        if len(i):  # a new list, not an append: a shallow copy of the network keeps its own queue
            self._pending = [*self._pending, (i, j, *(_per_pair(x, len(i)) for x in (w, kin, bridging)))]

    def add_ties_of(self, other: TieNetwork) -> None:
        """:meth:`add` the ties of ``other`` (a network of the same residents), its pending additions too.

        Those are not merged into ``other`` first: they join this network's arrays in its next merge, with the rest.
        """
        d = other.__dict__
        self.add(d["a"], d["b"], d["w"], d["kin"], d["bridging"])
        for part in other._pending:
            self.add(*part)

    def _take_pending(self) -> tuple[np.ndarray, ...]:
        """The pending additions (:meth:`add`), taken from the queue, as one set of pairs and values (none: empty)."""
        parts, self._pending = self._pending, []
        return tuple(np.concatenate(x) for x in zip(*parts, strict=True))

    def _merge_pending(self) -> None:
        """Merge the pending additions into the arrays, in one splice."""
        self.replace(np.empty(0, dtype=np.int64), *self._take_pending())

    def replace(self, leavers: np.ndarray, i: np.ndarray, j: np.ndarray, w: np.ndarray, kin: np.ndarray,
                bridging: np.ndarray, leavers_ties: np.ndarray | None = None) -> np.ndarray:
        """End every tie of ``leavers`` (they moved away) and add new ties, in one pass over the ties.

        The same as removing the leavers' ties and then adding ``(i[k], j[k])`` with strength
        ``w``, kin and bridging flags (arrays or one value for all): self-loops, duplicates and
        pairs that are tied after the removal are skipped. A caller that has the leavers' ties
        already (``ties_of(leavers)[1]``) passes them as ``leavers_ties``, which saves a pass over the ties.

        Returns:
            The places of the new ties after the change, ascending (in the order of their keys).
        """
        if self._pending:  # the pending additions come first, and the leavers' ties are found after them
            self._merge_pending()
            leavers_ties = None
        leavers = np.unique(np.asarray(leavers, dtype=np.int64))
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        if not len(i) and not len(leavers):
            return _NO_TIES[0]
        find_leavers_ties = leavers_ties is None and len(leavers) > 0
        if leavers_ties is None:
            leavers_ties = np.empty(0, dtype=np.int64)
        d, start = self.__dict__, self._kept_starts()  # merged above
        changed, start, placed, dropped, pos, *ties = _replace(
            self.n, d["a"], d["b"], d["w"], d["kin"], d["bridging"], leavers, np.asarray(leavers_ties, dtype=np.int64),
            find_leavers_ties, i, j, *(_per_pair(x, len(i)) for x in (w, kin, bridging)), start)
        if changed:
            carry_splice(self, (d["a"], d["b"], d["w"]), dropped, pos, placed, tuple(ties[:3]))
            d.update(zip(_NAMES, ties, strict=True))
            if len(start):
                _STARTS[self] = (d["a"], start)
        return placed

    def count_at_least(self, threshold: float) -> np.ndarray:
        """Ties per resident with strength at least ``threshold`` (32-bit counts)."""
        d = self._ties()
        return _count_at_least(self.n, d["a"], d["b"], d["w"], threshold)

    def strong_by_group(self, group: np.ndarray, n_groups: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """Ties at least ``threshold`` strong, and the bridging ones among them, per group of their lower end.

        Args:
            group: Per resident, a group number below ``n_groups`` (e.g. the neighbourhood).
            n_groups: Number of groups.
            threshold: Strength from which a tie counts.
        """
        d = self._ties()
        return _strong_by_group(group, n_groups, d["a"], d["w"], d["bridging"], threshold)

    def strength_profile(self, values: np.ndarray, good: float, close: float,
                         kin_weight: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per resident, in one pass over the ties: counts of strong ties and strength-weighted sums.

        Args:
            values: One value per resident, summed over each resident's ties.
            good: Strength from which a tie is counted as good.
            close: Strength from which a tie is counted as close.
            kin_weight: Factor on a kin tie's strength in the two sums (the counts take every tie whole).

        Returns:
            Ties at least ``good`` strong, ties at least ``close`` strong, the sum of tie weights,
            and the weighted sum of the other ends' ``values``.
        """
        return _profile_of_rows(self.strength_rows(values, good, close, kin_weight)[0])

    def strength_rows(self, values: np.ndarray, good: float, close: float, kin_weight: float = 1.0,
                      more: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        """:meth:`strength_profile` as one row per resident, for a pass over the residents that reads them in turn.

        Args:
            values: One value per resident, summed over each resident's ties.
            good: Strength from which a tie is counted as good.
            close: Strength from which a tie is counted as close.
            kin_weight: Factor on a kin tie's strength in the two sums (the counts take every tie whole).
            more: Added to ``values`` (``values + more``, without the array of their sums).

        Returns:
            ``(rows, most_close)``: two arrays of rows per resident (``tie_passes._strength_rows``), which
            ``tie_passes.tie_counts`` and ``tie_sums`` read a resident's counts and sums from, and the most close ties
            of any resident. The rows are the network's own (``tie_passes.kept_rows``): the next call overwrites them.
        """
        d = self._ties()
        values = np.asarray(values, dtype=np.float64)
        more = np.zeros(len(values)) if more is None else np.asarray(more, dtype=np.float64)
        rows = kept_rows(self, self.n, 4), kept_rows(self, self.n, 2)
        most_close = _strength_rows(d["a"], d["b"], d["w"], d["kin"], kin_weight, values, more, good, close, rows)
        return rows, most_close

    def contact_and_decay(self, key: np.uint64, activity: np.ndarray, capacity: float, contact_prob: float,
                          kin_contact: float, gain: float, group: np.ndarray, decay: np.ndarray, kin_decay: float,
                          drop: float, good: float, lost: np.ndarray) -> np.ndarray:
        """One week of contact along ties (probability ``contact_prob * w * reach_a * reach_b``, more for kin).

        A resident's reach is ``activity`` times the share of a tie's time they have: less with more than
        ``capacity`` ties at least ``drop`` strong (Dunbar; kin one has lost touch with take no time).
        Contact strengthens a tie by ``gain`` of the gap to 1; a week without contact weakens a
        non-kin tie by the mean decay of its two ends and a kin tie by ``kin_decay``;
        non-kin ties below ``drop`` dissolve. The count for the reach (``tie_passes.reach_count``), then the week, which
        merges the pending additions (:meth:`add`) as it writes the ties, instead of a splice of its own before (at
        1,000,000 residents 54 against 59 ms with the splice, at 100,000 4.6 against 5.1).

        Args:
            key: The key of the week's numbers (``draws.draw_key``): tie ``e`` is in contact when
                ``draws.uniform(key, e)`` is below its chance.
            activity: Per resident, how much they go out and keep in touch.
            capacity: Ties a resident has full time for; with more, each gets ``capacity`` over their number.
            contact_prob: Weekly contact probability of a full-strength tie.
            kin_contact: Factor on contact for kin ties.
            gain: Strengthening per contact.
            group: Per resident, a group number (e.g. the neighbourhood).
            decay: Per group, weakening of its residents' non-kin ties per week without contact.
            kin_decay: Weakening of a kin tie per week without contact.
            drop: Strength below which a non-kin tie dissolves, and from which a tie takes time.
            good: Strength from which a tie is counted in the result.
            lost: Per resident, a count that every dissolved tie adds one to (at both ends).

        Returns:
            Per resident, the ties at least ``good`` strong after the week (``count_at_least(good)``,
            counted in the same pass).
        """
        d = self.__dict__
        ties = tuple(d[name] for name in _NAMES)
        pos, new = self._pending_ties()
        out = ties if not len(pos) else tuple(np.empty(len(x) + len(pos), dtype=x.dtype) for x in ties)
        rows, count = _aligned_rows(self.n, 2), reach_count(self, self.n, ties[:3], drop)
        _reach_and_decay(count, drop, capacity, np.asarray(activity, dtype=np.float64), group,
                         np.asarray(decay, dtype=np.float64), rows, (new[0], new[1], new[2]))
        n_good, low = np.empty(self.n, dtype=np.int64), np.empty(len(out[0]), dtype=np.int32)
        start = np.zeros(self.n + 1, dtype=np.int32)
        kept, n_low = _contact_and_decay(ties, pos, new, out, key, rows, contact_prob, kin_contact, gain, kin_decay,
                                         drop, good, n_good, lost, start, count, low)
        d.update((name, x[:kept]) for name, x in zip(_NAMES, out, strict=True))
        carry(self, (d["a"], d["b"], d["w"]), drop, count, low[:n_low])
        _STARTS[self] = (d["a"], start)
        return n_good

    def lower_starts(self) -> np.ndarray:
        """:func:`lower_starts` of the ties: as the last pass that changed them left it, or built (then kept).

        The network's own: the next change of the ties may shift it in place (:func:`_shifted_starts`). The
        contact pass writes it as it writes the ties, a splice shifts it: neither informal help nor
        ``form_ties`` makes a pass over the ties for it.
        """
        a, start = self._ties()["a"], self._kept_starts()
        if not len(start):
            start = lower_starts(self.n, a)
            _STARTS[self] = (a, start)
        return start

    def _kept_starts(self) -> np.ndarray:
        """The kept :func:`lower_starts` of the tie arrays as they are, or an empty array (none kept, or stale)."""
        kept = _STARTS.get(self)
        return kept[1] if kept is not None and kept[0] is self.__dict__["a"] else _NO_STARTS

    def _pending_ties(self) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Take the pending additions as new ties: where they go among the ties and their five arrays, in key order.

        As :meth:`_merge_pending` would merge them (:func:`_new_ties`), for a pass that merges them as it copies
        the ties (:meth:`contact_and_decay`); no pending additions are no new ties.
        """
        if not self._pending:
            return _NO_TIES
        i, j, w, kin, bridging = self._take_pending()
        start = self._kept_starts()
        idx, new_a, new_b, pos = _new_ties(i, j, self.n, self.__dict__["a"], self.__dict__["b"], _NO_TIES[0],
                                           start if len(start) else None)
        return pos, (new_a, new_b, w[idx].astype(np.float64), kin[idx].astype(bool), bridging[idx].astype(bool))

    def neighbours(self, i: int) -> np.ndarray:
        """The residents tied to resident ``i``."""
        return np.concatenate([self.b[self.a == i], self.a[self.b == i]])

    def directed(self, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ties seen from one end: from a resident where ``src`` holds to one where ``dst`` holds.

        Every tie is looked at in both directions: first from its lower end (``a -> b``) for all
        ties in order, then from its higher end (``b -> a``).

        Args:
            src: Boolean per resident: may be the ``from`` end.
            dst: Boolean per resident: may be the ``to`` end.

        Returns:
            ``(tie, from, to)``: the tie index and the residents at its two ends.
        """
        d = self._ties()
        return _directed(d["a"], d["b"], np.asarray(src, dtype=bool), np.asarray(dst, dtype=bool))

    def ties_of(self, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ties of several residents (ascending, distinct, e.g. from ``np.flatnonzero``) in one pass.

        Returns:
            ``(start, ties)``: the indices of the ties of ``who[k]`` are ``ties[start[k]:start[k + 1]]``,
            in the order :meth:`neighbours` lists the residents at their other ends.

        Raises:
            ValueError: ``who`` is not ascending or names a resident twice.
        """
        d = self._ties()
        return _ties_of(self.n, np.asarray(who, dtype=np.int64), d["a"], d["b"])

    def to_networkx(self, nodes: np.ndarray | None = None) -> nx.Graph:
        """The network (or the subgraph on ``nodes``) as a networkx graph with tie attributes."""
        g = nx.Graph()
        sel = np.ones(len(self.a), dtype=bool)
        if nodes is None:
            g.add_nodes_from(range(self.n))
        else:
            inside = np.zeros(self.n, dtype=bool)
            inside[nodes] = True
            sel = inside[self.a] & inside[self.b]
            g.add_nodes_from(int(x) for x in nodes)
        g.add_edges_from(
            (int(a), int(b), {"weight": float(w), "kin": bool(k), "bridging": bool(br)})
            for a, b, w, k, br in zip(self.a[sel], self.b[sel], self.w[sel], self.kin[sel], self.bridging[sel],
                                      strict=True)
        )
        return g
