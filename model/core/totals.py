"""``collect``'s nine per-resident totals of a neighbourhood, summed as numpy sums them (``model.core.metrics``).

The capped good ties, care hours, volunteer hours, engagement, trust, motivation, autonomy, competence and
relatedness of a neighbourhood's residents: each the first resident's amount plus numpy's pairwise sum of the rest
(as ``np.add.reduceat`` gave), all nine over the same blocks (:func:`model.core.pairwise.pairwise_plan`).
"""

from __future__ import annotations

import numba
import numpy as np

from model.core.pairwise import add8, fold8, load8, pairwise_plan
from model.core.state import mean_of_three_at


@numba.njit(cache=True, inline="always")
def _capped_at(good_ties: np.ndarray, i: int) -> float:
    """Resident ``i``'s good ties as a share of five, ``min(good, 5) / 5``."""
    return min(good_ties[i], 5) / 5


@numba.njit(cache=True, inline="always")
def _capped8(good_ties: np.ndarray, at: int) -> tuple:
    """:func:`_capped_at` of the eight residents from ``at`` (:func:`pairwise.load8` of the capped ties)."""
    g = good_ties
    return (_capped_at(g, at), _capped_at(g, at + 1), _capped_at(g, at + 2), _capped_at(g, at + 3),
            _capped_at(g, at + 4), _capped_at(g, at + 5), _capped_at(g, at + 6), _capped_at(g, at + 7))


@numba.njit(cache=True, inline="always")
def _mean8(x: np.ndarray, y: np.ndarray, z: np.ndarray, at: int) -> tuple:
    """:func:`state.mean_of_three_at` of the eight residents from ``at`` (the motivation)."""
    return (mean_of_three_at(x, y, z, at), mean_of_three_at(x, y, z, at + 1), mean_of_three_at(x, y, z, at + 2),
            mean_of_three_at(x, y, z, at + 3), mean_of_three_at(x, y, z, at + 4), mean_of_three_at(x, y, z, at + 5),
            mean_of_three_at(x, y, z, at + 6), mean_of_three_at(x, y, z, at + 7))


@numba.njit(cache=True)
def _totals_of(lo: int, hi: int, good_ties: np.ndarray, care: np.ndarray, volunteer: np.ndarray,
               engagement: np.ndarray, trust: np.ndarray, autonomy: np.ndarray, competence: np.ndarray,
               relatedness: np.ndarray, out: np.ndarray) -> None:
    """The nine sums of ``metrics._TOTALS`` over residents ``lo:hi`` (at least one) into ``out``, as numpy sums them.

    Each is the first resident's amount plus numpy's pairwise sum of the rest (``np.add.reduceat``): all nine
    have the same length, so the same blocks (:func:`pairwise.pairwise_plan`), summed block by block together
    while the block is in the core's cache, the capped ties and the motivation worked out as they are read.
    Nine calls of ``pairwise_sum`` over the neighbourhood, with the capped ties and motivation written to
    buffers first, took 4.5-5.8 against 3.6-4.0 ms at 1,000,000 residents, 0.52-0.64 against 0.41-0.47 at 100,000.
    """
    firsts, sizes, adds = pairwise_plan(lo + 1, hi - lo - 1)
    sums = np.empty((len(firsts), 9))  # at least one block (of none where lo:hi is one resident)
    done = 0
    for j in range(len(firsts)):
        _block_totals(firsts[j], sizes[j], good_ties, care, volunteer, engagement, trust, autonomy, competence,
                      relatedness, sums[done])
        done += 1
        for _ in range(adds[j]):
            for r in range(9):
                sums[done - 2, r] += sums[done - 1, r]
            done -= 1
    a, c, r = autonomy, competence, relatedness
    first = (_capped_at(good_ties, lo), care[lo], volunteer[lo], engagement[lo], trust[lo],
             mean_of_three_at(a, c, r, lo), a[lo], c[lo], r[lo])
    for t in range(9):
        out[t] = first[t] + sums[0, t]


@numba.njit(cache=True, inline="always")
def _block_totals(start: int, n: int, good_ties: np.ndarray, care: np.ndarray, volunteer: np.ndarray,
                  engagement: np.ndarray, trust: np.ndarray, autonomy: np.ndarray, competence: np.ndarray,
                  relatedness: np.ndarray, out: np.ndarray) -> None:
    """The nine sums of :func:`_totals_of` over one block of at most 128 residents, as ``pairwise._block_sum`` adds.

    Over views, with loops ``range(stop)`` (see ``_block_sum``), three sums a loop: the 24 partial sums stay in
    registers (all nine in one loop, 72, did not: 3.9 against 3.6 ms at 1,000,000 residents).
    """
    g, ca, vo = good_ties[start:start + n], care[start:start + n], volunteer[start:start + n]
    en, tr = engagement[start:start + n], trust[start:start + n]
    a, c, r = autonomy[start:start + n], competence[start:start + n], relatedness[start:start + n]
    if n < 8:
        for t in range(9):
            out[t] = 0.0
        for i in range(n):
            _add_resident(out, i, g, ca, vo, en, tr, a, c, r)
        return
    blocks = n // 8
    s0, s1, s2 = _capped8(g, 0), load8(ca, 0), load8(vo, 0)
    for q in range(1, blocks):
        at = 8 * q
        s0, s1, s2 = add8(s0, _capped8(g, at)), add8(s1, load8(ca, at)), add8(s2, load8(vo, at))
    out[0], out[1], out[2] = fold8(s0), fold8(s1), fold8(s2)
    s0, s1, s2 = load8(en, 0), load8(tr, 0), _mean8(a, c, r, 0)
    for q in range(1, blocks):
        at = 8 * q
        s0, s1, s2 = add8(s0, load8(en, at)), add8(s1, load8(tr, at)), add8(s2, _mean8(a, c, r, at))
    out[3], out[4], out[5] = fold8(s0), fold8(s1), fold8(s2)
    s0, s1, s2 = load8(a, 0), load8(c, 0), load8(r, 0)
    for q in range(1, blocks):
        at = 8 * q
        s0, s1, s2 = add8(s0, load8(a, at)), add8(s1, load8(c, at)), add8(s2, load8(r, at))
    out[6], out[7], out[8] = fold8(s0), fold8(s1), fold8(s2)
    for k in range(n - 8 * blocks):
        _add_resident(out, 8 * blocks + k, g, ca, vo, en, tr, a, c, r)


@numba.njit(cache=True, inline="always")
def _add_resident(out: np.ndarray, i: int, g: np.ndarray, ca: np.ndarray, vo: np.ndarray, en: np.ndarray,
                  tr: np.ndarray, a: np.ndarray, c: np.ndarray, r: np.ndarray) -> None:
    """Add resident ``i``'s nine amounts of :func:`_block_totals` to ``out`` (a block's first few or last few)."""
    out[0] += _capped_at(g, i)
    out[1] += ca[i]
    out[2] += vo[i]
    out[3] += en[i]
    out[4] += tr[i]
    out[5] += mean_of_three_at(a, c, r, i)
    out[6] += a[i]
    out[7] += c[i]
    out[8] += r[i]
