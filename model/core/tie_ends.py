"""The ties of some residents by both ends, for :class:`model.core.network.TieNetwork` (split from ``network.py``).

The ties are sorted by their lower end ``a``: a resident's ties as the lower end are one range, found by binary
search; those where it is the higher end need a pass over all of ``b``.
"""

from __future__ import annotations

import numba
import numpy as np

from model.core.tie_passes import place


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
