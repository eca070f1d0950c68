"""numpy's pairwise summation of float64 numbers, in compiled code, bit for bit (``collect``'s totals and others).

numpy sums a contiguous float64 array pairwise (``pairwise_sum`` in its ``loops_utils.h``): up to 128 numbers in
one block, under 8 one by one, else in eight partial sums added as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 +
r7))`` and the rest one by one; more split in two halves (the first a multiple of 8), each summed alike, then added.
:func:`pairwise_plan` gives that order once (its blocks and when sums are added), so that several arrays of one
length can be summed block by block together (``metrics._totals_of``) as :func:`pairwise_sum` sums one.
"""

from __future__ import annotations

import numba
import numpy as np

#: numpy's largest block summed in eight partial sums without splitting (``PW_BLOCKSIZE``).
BLOCK = 128


@numba.njit(cache=True)
def pairwise_plan(start: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order in which numpy sums ``x[start:start + n]``: its blocks and the additions of their sums.

    Returns:
        Each block's first place and size, in the order summed, and after each block how many times the last two
        sums are added (the later one into the earlier one): a stack machine that gives numpy's sum.
    """
    # Blocks above BLOCK are split: every block has more than 56 numbers when n is above BLOCK, so n // 32 + 2
    # places are enough. Frames to visit (first, size, halves already pushed?), as numpy's recursion visits them.
    firsts, sizes = np.empty(n // 32 + 2, dtype=np.int64), np.empty(n // 32 + 2, dtype=np.int64)
    adds = np.zeros(n // 32 + 2, dtype=np.int64)
    starts, lengths, split = np.empty(128, dtype=np.int64), np.empty(128, dtype=np.int64), np.zeros(128, np.bool_)
    starts[0], lengths[0], frames, blocks = start, n, 1, 0
    while frames:
        frames -= 1
        first, size = starts[frames], lengths[frames]
        if size <= BLOCK:
            firsts[blocks], sizes[blocks] = first, size
            blocks += 1
        elif split[frames]:  # both halves summed: left + right, after the right half's last block
            adds[blocks - 1] += 1
        else:
            half = size // 2 - (size // 2) % 8
            split[frames] = True
            starts[frames + 1], lengths[frames + 1], split[frames + 1] = first + half, size - half, False
            starts[frames + 2], lengths[frames + 2], split[frames + 2] = first, half, False
            frames += 3  # this frame again (to add), the right half, the left half (summed first)
    return firsts[:blocks], sizes[:blocks], adds[:blocks]


@numba.njit(cache=True)
def pairwise_sum(x: np.ndarray, start: int, n: int) -> float:
    """The sum of ``x[start:start + n]`` as numpy sums a contiguous float64 array (the same bits).

    The blocks of :func:`pairwise_plan` summed by :func:`_block_sum` and added as the plan says (numba's cache
    crashes on recursive functions, hence the plan rather than numpy's recursion).
    """
    firsts, sizes, adds = pairwise_plan(start, n)
    sums = np.empty(len(firsts))
    done = 0
    for j in range(len(firsts)):
        sums[done] = _block_sum(x, firsts[j], sizes[j])
        done += 1
        for _ in range(adds[j]):
            sums[done - 2] += sums[done - 1]
            done -= 1
    return sums[0]


@numba.njit(cache=True, inline="always")
def _block_sum(x: np.ndarray, start: int, n: int) -> float:
    """The sum of at most 128 numbers as numpy adds them: under 8 one by one, else in eight partial sums."""
    # Over a view, with loops ``range(stop)``, inlined: 10.3 -> 5.4 us for 25,000 numbers (numpy's own sum 5.0)
    # against indices from ``start``. The eight partial sums are eight scalar chains (numba leaves LLVM's SLP
    # vectoriser off), which a core adds side by side.
    v = x[start:start + n]
    if n < 8:
        total = 0.0
        for i in range(n):
            total += v[i]
        return total
    # Eight local partial sums, not an array of them: no allocation per block (nine sums over all residents a week).
    r = load8(v, 0)
    blocks = n // 8
    for q in range(1, blocks):
        r = add8(r, load8(v, 8 * q))
    total = fold8(r)
    for k in range(n - 8 * blocks):
        total += v[8 * blocks + k]
    return total


@numba.njit(cache=True, inline="always")
def load8(x: np.ndarray, at: int) -> tuple:
    """``x[at:at + 8]`` as eight numbers (a block's eight partial sums start there)."""
    return x[at], x[at + 1], x[at + 2], x[at + 3], x[at + 4], x[at + 5], x[at + 6], x[at + 7]


@numba.njit(cache=True, inline="always")
def add8(r: tuple, v: tuple) -> tuple:
    """Eight partial sums ``r`` plus the next eight numbers ``v``."""
    return r[0] + v[0], r[1] + v[1], r[2] + v[2], r[3] + v[3], r[4] + v[4], r[5] + v[5], r[6] + v[6], r[7] + v[7]


@numba.njit(cache=True, inline="always")
def fold8(r: tuple) -> float:
    """The eight partial sums added as numpy adds them."""
    return ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
