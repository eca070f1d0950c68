"""The weekly passes over all ties, which read and write each tie end's per-resident row.

Split from :mod:`model.core.network` (which calls them from ``TieNetwork``'s methods). The ties are sorted by
their lower end ``a``, so a pass meets the lower ends' rows in turn; the higher ends ``b`` are in no order
within a neighbourhood, and at 1,000,000 residents their rows are far from the cache. Each pass therefore keeps
what it reads and writes at a tie end in one row of one cache line (:func:`_aligned_rows`) and asks for the row
of the tie :data:`AHEAD` places on before it works on this one (:func:`_prefetch`): the contact pass took 100-110 ms
at 1,000,000 residents, of which 65-70 ms were spent waiting for those rows, and took some 40 ms so (35 since it
asks for the rows of the next block of :data:`_BLOCK` ties).
"""

from __future__ import annotations

import weakref

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic

from model.core.draws import uniform

#: How many ties ahead the passes ask for a tie's higher end's row (:func:`_prefetch`).
AHEAD = 32


@numba.njit(cache=True, inline="always")
def place(i: int) -> np.uint64:
    """``i``, a place in an array (never negative), as an unsigned number to index with.

    numba checks a signed index for being negative (and counts it from the end then) at every access, unless it
    can prove it is not; a place read from an array (a tie's end) or a loop that does not start at 0 it cannot. In
    the short passes over all ties that check was a fifth to a half of the time (round 11: the count of strong
    ties per resident 0.49 -> 0.37 ms at 100,000 residents, 7.2 -> 6.2 ms at 1,000,000).
    """
    return np.uint64(i)


@intrinsic
def _prefetch(typingctx: object, rows: numba.types.Array, i: numba.types.Integer) -> tuple:
    """Ask the CPU to bring row ``i`` of ``rows`` into the cache for writing (LLVM's ``prefetch``); no result.

    The higher ends of the ties are in no order, so the passes that read and write a row at each wait for it
    from memory; one iteration of a pass is long enough that the CPU starts only a few of those reads at a time.
    Asked for :data:`AHEAD` ties early, the rows arrive while the ties before are worked on. Nothing read or
    computed changes.
    """
    sig = numba.types.void(rows, i)

    def codegen(context: object, builder: ir.IRBuilder, signature: object, args: tuple) -> object:
        array_type = signature.args[0]
        array = context.make_array(array_type)(context, builder, args[0])
        row = context.cast(builder, args[1], signature.args[1], numba.types.intp)
        index = [row] + [ir.Constant(row.type, 0)] * (array_type.ndim - 1)
        pointer = cgutils.get_item_pointer(context, builder, array_type, array, index, wraparound=False)
        pointer = builder.bitcast(pointer, cgutils.voidptr_t)
        i32 = ir.IntType(32)
        prefetch = builder.module.declare_intrinsic(  # llvmlite names it for the LLVM's kind of pointers
            "llvm.prefetch", [cgutils.voidptr_t], ir.FunctionType(ir.VoidType(), [cgutils.voidptr_t, i32, i32, i32]))
        builder.call(prefetch, [pointer, i32(1), i32(3), i32(1)])  # for writing, keep in all caches, data
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(cache=True)
def _count_at_least(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, threshold: float) -> np.ndarray:
    """Ties per resident with strength at least ``threshold``, as 32-bit counts.

    32 bits: at 1,000,000 residents a neighbourhood's counts (1 MB) then stay in the core's cache while the
    pass scatters to them.
    """
    out = np.zeros(n, dtype=np.int32)
    for e in range(len(a)):
        _prefetch(out, b[min(e + AHEAD, len(a) - 1)])
        counted = np.int32(w[e] >= threshold)  # added, not branched on: twice as fast when strengths are mixed
        out[place(a[e])] += counted
        out[place(b[e])] += counted
    return out


@numba.njit(cache=True)
def _reach_and_decay(count: np.ndarray, threshold: float, capacity: float, activity: np.ndarray, group: np.ndarray,
                     decay: np.ndarray, rows: np.ndarray, new: tuple | None = None) -> None:
    """Per resident, a row of their reach and their non-kin ties' weekly decay (``decay[group]``).

    The reach is ``activity * min(1, capacity / max(count_at_least(threshold), 1))``, counted over the ties
    (``count``, their :func:`_count_at_least` or :func:`reach_count`, to which this adds) and the new ties that join
    them in the contact pass (``new``: their lower and higher ends and strengths, if any).
    The contact pass (:func:`_contact_and_decay`) reads both terms of a tie's end in one cache line (``rows`` is
    :func:`_aligned_rows`' ``(n, 2)``; further columns, if any, are not written).
    """
    if new is not None:
        new_a, new_b, new_w = new
        for t in range(len(new_a)):  # whole numbers: the order of the additions does not matter
            counted = np.int32(new_w[t] >= threshold)
            count[new_a[t]] += counted
            count[new_b[t]] += counted
    for i in range(len(activity)):
        rows[i, 0] = activity[i] * min(1.0, capacity / max(count[i], 1))
        rows[i, 1] = decay[group[i]]


#: The carried counts of :func:`reach_count`, by network: the tie arrays ``a, b, w`` they hold for (a pass or splice
#: that writes the ties makes new ones), the threshold, the counts, and the places of the ties below the threshold.
#: Weakly held, as :func:`kept_rows`' rows: not pickled or copied with a network.
_CARRIED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def reach_count(owner: object, n: int, ties: tuple, threshold: float) -> np.ndarray:
    """:func:`_count_at_least` of the ties ``(a, b, w)``, from what ``owner``'s last contact pass left where it can.

    The contact pass counts them as it writes every tie's new strength, and keeps the places of the ties it keeps
    below ``threshold`` (kin ties one has lost touch with, some 3% of the ties); each splice since has taken its ties
    off and put its new ones on (:func:`carry_splice`). Between two contact passes the strengths only rise in place
    (``form_ties``' meetings), so a tie at least ``threshold`` strong stays so, and only the ties kept below it are
    looked at again (:func:`_risen`), not all ties (round 13: the count of all ties took 0.5 of the contact pass's
    3 ms at 100,000 residents, 5.8 of 42 at 1,000,000). With nothing carried for these arrays (a network restored or
    copied, arrays set from outside), a count of all ties. The counts returned are the caller's. A rule that lowers
    strengths in place between two contact passes must drop the carried count (``_CARRIED.pop(network)``).
    """
    carried = _CARRIED.pop(owner, None)
    if carried is None or any(x is not y for x, y in zip(carried[0], ties, strict=True)) or carried[1] != threshold:
        return _count_at_least(n, *ties, threshold)
    return _risen(carried[2], carried[3], *ties, threshold)


def carry(owner: object, ties: tuple, threshold: float, count: np.ndarray, low: np.ndarray) -> None:
    """Keep a contact pass's ``count`` of ties at least ``threshold`` strong and the places of those below.

    ``ties`` are the arrays ``(a, b, w)`` after the pass, ``low`` the places (ascending); see :func:`reach_count`.
    """
    _CARRIED[owner] = (ties, threshold, count, low)


def carry_splice(owner: object, ties: tuple, dropped: np.ndarray, pos: np.ndarray, placed: np.ndarray,
                 after: tuple) -> None:
    """Bring ``owner``'s carried counts (:func:`carry`) through a splice of its ties ``(a, b, w)`` into ``after``.

    ``dropped`` are the ties it ends (ascending), ``pos`` where its new ties go (ascending, as ``np.searchsorted``
    gives; an insertion at a dropped tie comes before it), ``placed`` their places after (``network._replace``).
    """
    carried = _CARRIED.pop(owner, None)
    if carried is not None and all(x is y for x, y in zip(carried[0], ties, strict=True)):
        low = _splice_carried(carried[2], carried[3], *ties[:2], dropped, pos, *after, placed, carried[1])
        _CARRIED[owner] = (after, carried[1], carried[2], low)


@numba.njit(cache=True)
def _risen(count: np.ndarray, low: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray,
           threshold: float) -> np.ndarray:
    """``count`` with the ties at the places ``low`` that are now at least ``threshold`` strong added.

    A branch, not an addition of 0 or 1: a tie below the threshold that rose since the contact pass is one of some
    9,000 (a kin tie whose ends met at a venue), so the branch is foreseen, and the others' ends and counts are not
    read (0.27 -> 0.15 ms at 100,000 residents, 2.25 -> 1.02 at 1,000,000, 3% of the ties below; round 14).
    """
    for t in range(len(low)):
        e = place(low[t])
        if w[e] >= threshold:
            count[place(a[e])] += 1
            count[place(b[e])] += 1
    return count


@numba.njit(cache=True)
def _splice_carried(count: np.ndarray, low: np.ndarray, a: np.ndarray, b: np.ndarray, dropped: np.ndarray,
                    pos: np.ndarray, new_a: np.ndarray, new_b: np.ndarray, new_w: np.ndarray, placed: np.ndarray,
                    threshold: float) -> np.ndarray:
    """:func:`carry_splice` of the counts (changed in place) and the places below ``threshold`` (returned, ascending).

    A dropped tie not among ``low`` was counted: it is taken off at its ends (``a``, ``b``). A remaining tie of
    ``low`` moves by the insertions before it less the drops before it. A new tie (ends and strength ``new_a``,
    ``new_b``, ``new_w`` at ``placed``, ascending) is counted, or its place joins those below, merged in order (a
    sort of the places instead took 15 ms at 1,000,000 residents, some 90,000 places).
    """
    fresh = np.empty(len(placed), dtype=np.int32)  # the new ties' places below the threshold
    n_fresh = 0
    for k in range(len(placed)):
        e = place(placed[k])
        below = new_w[e] < threshold
        counted = np.int32(not below)
        count[place(new_a[e])] += counted
        count[place(new_b[e])] += counted
        fresh[n_fresh] = e
        n_fresh += below
    for i in range(len(dropped)):  # every dropped tie off; those below the threshold back on in the loop below
        count[place(a[dropped[i]])] -= 1
        count[place(b[dropped[i]])] -= 1
    out = np.empty(len(low) + n_fresh, dtype=np.int32)
    m = i = j = f = 0  # places written; next drop; next insertion; next new place below
    for t in range(len(low)):
        e = low[t]
        while i < len(dropped) and dropped[i] < e:
            i += 1
        if i < len(dropped) and dropped[i] == e:  # a tie below the threshold ends: it was not counted
            count[place(a[e])] += 1
            count[place(b[e])] += 1
            i += 1
            continue
        while j < len(pos) and pos[j] <= e:
            j += 1
        moved = e + j - i
        while f < n_fresh and fresh[f] < moved:
            out[m] = fresh[f]
            m, f = m + 1, f + 1
        out[m] = moved
        m += 1
    out[m:m + n_fresh - f] = fresh[f:n_fresh]
    return out[:m + n_fresh - f]


def _aligned_rows(n: int, width: int) -> np.ndarray:
    """An uninitialised ``(n, width)`` float array whose rows start at a multiple of ``8 * width`` bytes.

    ``width`` is 2, 4 or 8, so that a row lies in one 64-byte cache line: a pass that reads and writes a
    resident's row at a tie's scattered higher end then misses the cache once per tie end, not once per array
    (numpy promises 16 bytes only).
    """
    size = 8 * width
    flat = np.empty(n * width + width)
    skip = (-flat.ctypes.data % size) // 8
    return flat[skip:skip + n * width].reshape(n, width)


#: The rows :func:`kept_rows` hands out again, by owner: weakly held, so they go with their owner and are not part of
#: it (not pickled or copied with a network).
_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def kept_rows(owner: object, n: int, width: int) -> np.ndarray:
    """:func:`_aligned_rows`' ``(n, width)`` array, the same one at each call for ``owner`` and ``width`` (as left).

    At 1,000,000 residents :meth:`TieNetwork.strength_rows`' rows are 48 MB, more than ``malloc`` reuses when freed
    (``memory.MMAP_THRESHOLD``, 32 MiB): each week's new array was mapped afresh and its pages zeroed by the system
    as the pass first wrote them, some 3 ms of the pass's 30 (round 12). Smaller arrays gain nothing.
    """
    kept = _KEPT.setdefault(owner, {})  # by width: an owner may keep rows of several widths
    rows = kept.get(width)
    if rows is None or rows.shape != (n, width):
        rows = kept[width] = _aligned_rows(n, width)
    return rows


@numba.njit(cache=True)
def _strong_by_group(group: np.ndarray, n_groups: int, a: np.ndarray, w: np.ndarray, bridging: np.ndarray,
                     threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Ties at least ``threshold`` strong, and the bridging ones among them, per group of their lower end.

    The ties are sorted by their lower end; where the groups are too (a neighbourhood's residents are numbered
    together), a group's ties are one run of places, found by two binary searches, whose counts are a loop over the
    strengths and flags alone, in vector instructions: no group read at each tie's lower end, no branch (0.25 ->
    0.05 ms at 100,000 residents, 3.1 -> 1.4 at 1,000,000; round 13). Otherwise :func:`_strong_by_runs`.
    """
    ordered = True
    for i in range(1, len(group)):
        ordered &= group[i - 1] <= group[i]
    if not ordered:
        return _strong_by_runs(group, n_groups, a, w, bridging, threshold)
    strong, bridges = np.zeros(n_groups, dtype=np.int64), np.zeros(n_groups, dtype=np.int64)
    first = 0
    while first < len(a):
        g = group[place(a[first])]
        end = np.searchsorted(a, np.searchsorted(group, g, side="right"))  # the first tie of a later group
        run_strong = run_bridges = 0
        for e in range(place(first), place(end)):
            counted = w[e] >= threshold
            run_strong += counted
            run_bridges += counted & bridging[e]
        strong[g] += run_strong
        bridges[g] += run_bridges
        first = end
    return strong, bridges


@numba.njit(cache=True)
def _strong_by_runs(group: np.ndarray, n_groups: int, a: np.ndarray, w: np.ndarray, bridging: np.ndarray,
                    threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_strong_by_group` for groups in any order.

    A group's residents mostly follow each other, so the counts are kept in two local sums over a run of ties of one
    group and added to the group's at the run's end: adding each tie to ``strong[group]`` in memory waits for the tie
    before's addition to the same place (a chain of stores and loads, some 2 ns a tie: 0.6 ms at 100,000 residents,
    0.3 so).
    """
    strong, bridges = np.zeros(n_groups, dtype=np.int64), np.zeros(n_groups, dtype=np.int64)
    current = group[a[0]] if len(a) else 0
    run_strong = run_bridges = 0
    for e in range(len(a)):
        g = group[place(a[e])]  # unsigned (``place``): 0.34 -> 0.27 ms at 100,000 residents
        if g != current:
            strong[current] += run_strong
            bridges[current] += run_bridges
            current, run_strong, run_bridges = g, 0, 0
        counted = w[e] >= threshold
        run_strong += counted
        run_bridges += counted & bridging[e]
    if len(a):
        strong[current] += run_strong
        bridges[current] += run_bridges
    return strong, bridges


#: The columns of :meth:`TieNetwork.strength_rows`' rows ``high``, read and written at a tie's scattered higher end: a
#: resident's value, its ties at least ``good`` strong plus :data:`CLOSE_UNIT` times those at least ``close`` strong,
#: and the sums of tie weights and of weight x the other end's value as the higher end of its ties.
VALUE, COUNTS, WEIGHT_HIGH, VALUE_HIGH = range(4)
#: The columns of its rows ``low``, written in turn at a tie's lower end (the ties are sorted by it): the two sums as
#: the lower end of its ties.
WEIGHT_LOW, VALUE_LOW = range(2)
#: A close tie's addition to :data:`COUNTS` (a resident has far fewer than 2**20 good ties; the counts are exact in a
#: float).
_CLOSE_SHIFT = 20
CLOSE_UNIT = float(1 << _CLOSE_SHIFT)


@numba.njit(cache=True)
def _strength_rows(a: np.ndarray, b: np.ndarray, w: np.ndarray, kin: np.ndarray, kin_weight: float,
                   values: np.ndarray, more: np.ndarray, good: float, close: float, rows: tuple) -> int:
    """Fill ``rows``, ``(high, low)``, with each resident's counts and sums over its ties.

    ``high`` and ``low`` are :func:`_aligned_rows`' ``(n, 4)`` and ``(n, 2)``; :func:`tie_counts` and :func:`tie_sums`
    read a resident's counts and sums from them.

    A resident's value is ``values + more``. A kin tie's weight in the sums is its strength times
    ``kin_weight``. The weighted sums add the two ends separately (each in tie order), as ``np.bincount``
    over each end would; their sum is the numpy formulation's, to the bit.

    What a tie reads and writes at its higher end (in no order; at 1,000,000 residents far from the cache) is in one
    32-byte row of ``high``, asked for :data:`AHEAD` ties early; the lower end's sums are in ``low``, met in turn.
    Both counts are one column (whole numbers in a float: exact). Against one 64-byte row of all seven columns, half
    the cache lines at the higher end and six additions a tie instead of eight: 1.61 -> 1.32 ms at 100,000 residents,
    29.5-31.7 -> 22.1-25.6 at 1,000,000 (round 13).

    Returns:
        The most ties at least ``close`` strong of any resident (0 without residents).
    """
    high, low = rows
    for i in range(len(values)):
        high[i, VALUE] = values[i] + more[i]
        high[i, COUNTS] = high[i, WEIGHT_HIGH] = high[i, VALUE_HIGH] = 0.0
        low[i, WEIGHT_LOW] = low[i, VALUE_LOW] = 0.0
    # The kin factor is looked up, not chosen: numba compiles the choice between two floats to a branch, which
    # a third of the ties being kin, unpredictably, mispredicts (12% of the pass at 100,000 residents).
    factor = np.array([1.0, kin_weight])
    # A count's last increment is its final value, so the largest count is the largest increment (two running
    # maxima, one per end, so that they do not wait on each other); the close ties are the counts' high part.
    top_x = top_y = 0.0
    for e in range(len(a)):
        _prefetch(high, b[min(e + AHEAD, len(a) - 1)])
        x, y, we = place(a[e]), place(b[e]), w[e]
        counted = (1.0 if we >= good else 0.0) + (CLOSE_UNIT if we >= close else 0.0)
        we *= factor[np.int64(kin[e])]
        high[x, COUNTS] += counted
        low[x, WEIGHT_LOW] += we
        low[x, VALUE_LOW] += high[y, VALUE] * we
        high[y, COUNTS] += counted
        high[y, WEIGHT_HIGH] += we
        high[y, VALUE_HIGH] += high[x, VALUE] * we
        top_x = max(top_x, high[x, COUNTS])
        top_y = max(top_y, high[y, COUNTS])
    return np.int64(max(top_x, top_y)) >> _CLOSE_SHIFT


@numba.njit(cache=True, inline="always")
def tie_counts(rows: tuple, i: int) -> tuple[int, int]:
    """Resident ``i``'s ties at least ``good`` and at least ``close`` strong in :func:`_strength_rows`' ``rows``."""
    counts = np.int64(rows[0][i, COUNTS])
    return counts & ((1 << _CLOSE_SHIFT) - 1), counts >> _CLOSE_SHIFT


@numba.njit(cache=True, inline="always")
def tie_sums(rows: tuple, i: int) -> tuple[float, float]:
    """Resident ``i``'s sum of tie weights and weighted sum of values in :func:`_strength_rows`' ``rows``.

    Each is the lower end's sum plus the higher end's, as :meth:`TieNetwork.strength_profile` adds them.
    """
    high, low = rows
    return low[i, WEIGHT_LOW] + high[i, WEIGHT_HIGH], low[i, VALUE_LOW] + high[i, VALUE_HIGH]


@numba.njit(cache=True)
def _profile_of_rows(rows: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`TieNetwork.strength_profile`'s four arrays from :func:`_strength_rows`' rows."""
    n = len(rows[0])
    n_good, n_close = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    wa, va = np.empty(n), np.empty(n)
    for i in range(n):
        n_good[i], n_close[i] = tie_counts(rows, i)
        wa[i], va[i] = tie_sums(rows, i)
    return n_good, n_close, wa, va


#: Ties in a block of the contact pass (:func:`_contact_and_decay`): their new strengths wait in the core's cache
#: between its two loops, and it asks for the next block's rows while it works on this one.
_BLOCK = 1024


@intrinsic
def _stack_block(typingctx: object) -> tuple:
    """A pointer to :data:`_BLOCK` floats on the stack (uninitialised), for ``numba.carray``.

    The compiler vectorises a loop that stores into an array and reads at scattered places only if it can tell
    the store from those reads: an array of numba's own might be any memory, a stack array is none of the others.
    """
    sig = numba.types.CPointer(numba.types.float64)()

    def codegen(context: object, builder: ir.IRBuilder, signature: object, args: tuple) -> object:
        return cgutils.alloca_once(builder, ir.DoubleType(), size=_BLOCK)

    return sig, codegen


@numba.njit(cache=True, inline="always")
def _strength(e: int, ae: np.uint64, be: np.uint64, we: float, ke: bool, random_key: np.uint64, rows: np.ndarray,
              contact_prob: float, kin_contact: float, gain: float, kin_decay: float) -> float:
    """The strength after the week of tie ``e`` (ends ``ae``, ``be``) in :func:`_contact_and_decay`."""
    # Both outcomes computed, one chosen (contact is a coin flip a CPU cannot predict), and the ends' decays read
    # for kin ties too: no branch, so that a block of ties is worked on in vector instructions.
    p = contact_prob * we * rows[ae, 0] * rows[be, 0] * (kin_contact if ke else 1.0)
    met = we + gain * (1 - we)
    mean_decay = 0.5 * (rows[ae, 1] + rows[be, 1])
    missed = max(we - (kin_decay if ke else mean_decay), 0.0)
    return met if uniform(random_key, e) < p else missed


#: A tie's additions to an end's tally in the contact pass (:func:`_count`): the tally's low 21 bits count the good
#: ties, the next 21 the ties at least ``drop`` strong, the bits above the dissolved ones (a resident has far fewer
#: than 2**21 ties).
_TAKING_SHIFT, _GONE_SHIFT = 21, 42
_FIELD = (np.int64(1) << _TAKING_SHIFT) - 1
_TAKING = np.int64(1) << _TAKING_SHIFT
_GONE = np.int64(1) << _GONE_SHIFT


@numba.njit(cache=True, inline="always")
def _count(ae: np.uint64, be: np.uint64, strength: float, ke: bool, tally: np.ndarray, drop: float,
           good: float) -> bool:
    """Whether a tie of ``strength`` after the week remains; counts it at its ends' ``tally``.

    A remaining tie adds 1 if good and :data:`_TAKING` if at least ``drop`` strong (the next week's count for the
    reach, :func:`reach_count`), a dissolved one :data:`_GONE`.
    """
    # The counts in one 64-bit tally per resident (8 MB at 1,000,000 residents, which the cache holds), not in the
    # rows of the terms: the rows are then only read, so their cache lines are never written back, and half as wide
    # (16 bytes); one addition at each end, not two. Round 12: the pass 2.98 -> 2.77 ms at 100,000 residents, 38.8
    # -> 34.3 at 1,000,000.
    keep = ke or strength >= drop
    counted = (np.int64(1) if strength >= good else np.int64(0)) + (_TAKING if strength >= drop else np.int64(0))
    added = counted if keep else _GONE
    tally[ae] += added
    tally[be] += added
    return keep


@numba.njit(cache=True)
def _contact_and_decay(ties: tuple, pos: np.ndarray, new: tuple, out: tuple, random_key: np.uint64,
                       rows: np.ndarray, contact_prob: float, kin_contact: float, gain: float, kin_decay: float,
                       drop: float, good: float, n_good: np.ndarray, lost: np.ndarray, lower: np.ndarray,
                       count: np.ndarray, low: np.ndarray) -> tuple[int, int]:
    """Update tie strengths for one week, with new ties merged in, and write the remaining ties to ``out``, in order.

    ``ties`` are the five tie arrays (``a, b, w, kin, bridging``); ``new`` five arrays of ties that join them
    before the week, the ``k``-th before the tie at ``pos[k]`` (ascending, as ``np.searchsorted`` of their keys
    gives; ``network._splice``'s order); ``out`` five arrays of ``len(ties[0]) + len(pos)`` places, or ``ties``
    themselves when there are no new ties (the remaining ties then move to the front). The merge happens in this
    pass, which writes every tie anyway: a splice of its own copied the arrays once more (some 51 MB at
    1,000,000 residents).

    ``rows`` holds each resident's reach and decay (:func:`_reach_and_decay`). Tie
    ``e`` is in contact when ``draws.uniform(random_key, e)`` is below its chance: ``e`` is its place in the
    key order at the start of the week (after the merge), so its number does not depend on the loop. Counts
    the remaining ties at least ``good`` strong into ``n_good`` and adds the dissolved ones to ``lost`` (per
    resident). Writes ``network.lower_starts`` of the remaining ties into ``lower`` (``n + 1`` zeros), as it writes
    their lower ends: no pass over them of its own (pass and build 3.27 -> 3.07 ms at 100,000 residents; at
    1,000,000 the stores cost what the build did, 39.0-39.8 ms either way). Writes the remaining ties at least
    ``drop`` strong per resident into ``count`` and the places of the others (kin ties) into ``low`` (as many places
    as ``out``), for the next week's reach (:func:`reach_count`).

    Returns:
        The number of remaining ties (see ``TieNetwork.contact_and_decay``) and of places written to ``low``.
    """
    a, b, w, kin, bridging = ties
    oa, ob, ow, okin, obridging = out
    # The new ties are a few among many: each run of old ties up to the next new one is worked on in blocks of
    # :data:`_BLOCK` ties. A block's strengths first, in a loop the compiler turns into AVX-512 instructions (eight
    # ties' draws, chances and strengths at once, into a stack array: see ``_stack_block``), then the counts and the
    # kept ties written (every tie is written, the kept ones advance: no branch on the coin flips), asking for the
    # rows and tallies of the next block's higher ends, which its loops then find in the cache (without that the
    # vector loop waited on them: slower than one loop). Blocks of 256-2048 ties did alike; 100,000 residents 3.6 -> 2.7
    # ms, 1,000,000 41 -> 35, 10,000 0.23 -> 0.20 (round 11). Places are unsigned (``place``): a loop that starts
    # at a place numba cannot prove non-negative checked each of its accesses (4.4 against 3.6 ms at 100,000).
    strength = numba.carray(_stack_block(), _BLOCK)
    n_good[:] = 0  # the tallies of :func:`_count`, split below
    kept = first = n_low = 0
    for t in range(len(pos) + 1):
        stop = pos[t] if t < len(pos) else len(a)
        for start in range(first, stop, _BLOCK):
            end = min(start + _BLOCK, stop)
            for x in range(start, end):
                u = place(x)
                strength[place(x - start)] = _strength(x + t, place(a[u]), place(b[u]), w[u], kin[u], random_key,
                                                       rows, contact_prob, kin_contact, gain, kin_decay)
            for x in range(start, end):
                u, k = place(x), place(kept)
                ahead = b[place(min(x + _BLOCK, len(a) - 1))]
                _prefetch(rows, ahead)
                _prefetch(n_good, ahead)
                ae, be, ke, se = a[u], b[u], kin[u], strength[place(x - start)]
                keep = _count(place(ae), place(be), se, ke, n_good, drop, good)
                oa[k], ob[k], okin[k], obridging[k] = ae, be, ke, bridging[u]
                ow[k] = se
                low[place(n_low)] = k  # every tie written, those kept below ``drop`` advance: no branch
                n_low += keep & (se < drop)
                kept += keep
                lower[place(ae) + 1] = kept  # the last store at a resident's place is the end of its ties
        first = stop
        if t < len(pos):
            ae, be, ke = new[0][t], new[1][t], new[3][t]
            se = _strength(stop + t, place(ae), place(be), new[2][t], ke, random_key, rows, contact_prob, kin_contact,
                           gain, kin_decay)
            keep = _count(place(ae), place(be), se, ke, n_good, drop, good)
            oa[kept], ob[kept], okin[kept], obridging[kept] = ae, be, ke, new[4][t]
            ow[kept] = se
            low[n_low] = kept
            n_low += keep & (se < drop)
            kept += keep
            lower[place(ae) + 1] = kept
    for i in range(len(n_good)):
        tally = n_good[i]
        n_good[i] = tally & _FIELD
        count[i] = (tally >> _TAKING_SHIFT) & _FIELD
        lost[i] += tally >> _GONE_SHIFT
        lower[i + 1] = max(lower[i + 1], lower[i])  # a resident without ties as the lower end ends where i does
    return kept, n_low
