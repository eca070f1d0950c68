"""The residents' social network as model-owned edge arrays.

Ties are undirected and stored once, as ``(a, b)`` with ``a < b``, sorted by the key
``a * n + b`` so that lookups and inserts are vectorised binary searches. Each tie has
a strength in [0, 1], a kin flag (family ties decay slowly) and a bridging flag
(the two residents differ in age group or income, or live in different neighbourhoods).

The passes over all ties that run every week (counting ties per resident, weighted sums
over ties, contact and decay) are compiled with numba: each is one loop over the ties
instead of several numpy passes, which a profile of a 100,000-resident city showed to be
the largest cost of a step (``docs/performance.md``).
"""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np


@numba.njit(cache=True)
def _count_at_least(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, threshold: float) -> np.ndarray:
    """Ties per resident with strength at least ``threshold``."""
    out = np.zeros(n, dtype=np.int64)
    for e in range(len(a)):
        if w[e] >= threshold:
            out[a[e]] += 1
            out[b[e]] += 1
    return out


@numba.njit(cache=True)
def _weighted_sums(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray,
                   values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of tie weights and of weight x the other end's value, per resident.

    The two ends are summed separately and then added, as ``np.bincount`` over each end
    would, so results are identical to the numpy formulation.
    """
    wa, wb = np.zeros(n), np.zeros(n)
    va, vb = np.zeros(n), np.zeros(n)
    for e in range(len(a)):
        wa[a[e]] += w[e]
        va[a[e]] += values[b[e]] * w[e]
    for e in range(len(a)):
        wb[b[e]] += w[e]
        vb[b[e]] += values[a[e]] * w[e]
    return wa + wb, va + vb


@numba.njit(cache=True)
def _contact_and_decay(a: np.ndarray, b: np.ndarray, key: np.ndarray, w: np.ndarray, kin: np.ndarray,
                       bridging: np.ndarray, u: np.ndarray, reach: np.ndarray, contact_prob: float,
                       kin_contact: float, gain: float, decay: np.ndarray, kin_decay: float, drop: float) -> int:
    """Update tie strengths for one week and move the remaining ties to the front, in order.

    Returns:
        The number of remaining ties (see ``TieNetwork.contact_and_decay``).
    """
    kept = 0
    for e in range(len(a)):
        p = contact_prob * w[e] * reach[a[e]] * reach[b[e]] * (kin_contact if kin[e] else 1.0)
        if u[e] < p:
            strength = w[e] + gain * (1 - w[e])
        else:
            strength = max(w[e] - (kin_decay if kin[e] else 0.5 * (decay[a[e]] + decay[b[e]])), 0.0)
        if kin[e] or strength >= drop:
            a[kept], b[kept], key[kept], kin[kept], bridging[kept] = a[e], b[e], key[e], kin[e], bridging[e]
            w[kept] = strength
            kept += 1
    return kept


class TieNetwork:
    """Undirected weighted ties between ``n`` residents."""

    def __init__(self, n: int) -> None:
        """Create an empty network of ``n`` residents."""
        self.n = n
        self.a = np.empty(0, dtype=np.int64)
        self.b = np.empty(0, dtype=np.int64)
        self.key = np.empty(0, dtype=np.int64)
        self.w = np.empty(0, dtype=np.float64)
        self.kin = np.empty(0, dtype=bool)
        self.bridging = np.empty(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.a)

    def _keys(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b = np.minimum(i, j), np.maximum(i, j)
        return a, b, a * self.n + b

    def find(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Index of the tie between each pair ``(i[k], j[k])``, or -1 where there is none."""
        _, _, key = self._keys(np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64))
        pos = np.searchsorted(self.key, key)
        pos_c = np.minimum(pos, max(len(self.key) - 1, 0))
        found = (len(self.key) > 0) & (self.key[pos_c] == key) if len(self.key) else np.zeros(len(key), bool)
        return np.where(found, pos_c, -1)

    def add(self, i: np.ndarray, j: np.ndarray, w: np.ndarray, kin: np.ndarray, bridging: np.ndarray) -> None:
        """Add new ties (self-loops, duplicates and existing pairs are skipped)."""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        a, b, key = self._keys(i, j)
        keep = a != b
        key, first = np.unique(key[keep], return_index=True)
        idx = np.flatnonzero(keep)[first]
        new = self.find(a[idx], b[idx]) < 0
        idx, key = idx[new], key[new]
        if not len(idx):
            return
        pos = np.searchsorted(self.key, key)
        self.key = np.insert(self.key, pos, key)
        self.a = np.insert(self.a, pos, a[idx])
        self.b = np.insert(self.b, pos, b[idx])
        self.w = np.insert(self.w, pos, np.broadcast_to(w, i.shape)[idx])
        self.kin = np.insert(self.kin, pos, np.broadcast_to(kin, i.shape)[idx])
        self.bridging = np.insert(self.bridging, pos, np.broadcast_to(bridging, i.shape)[idx])

    def keep(self, mask: np.ndarray | slice) -> None:
        """Keep only the ties selected by ``mask`` (order is preserved, so keys stay sorted)."""
        for name in ("a", "b", "key", "w", "kin", "bridging"):
            setattr(self, name, getattr(self, name)[mask])

    def remove_residents(self, who: np.ndarray) -> None:
        """Remove every tie of the given residents (they moved away)."""
        gone = np.zeros(self.n, dtype=bool)
        gone[who] = True
        self.keep(~(gone[self.a] | gone[self.b]))

    def count_at_least(self, threshold: float = 0.0) -> np.ndarray:
        """Ties per resident with strength at least ``threshold`` (all ties by default)."""
        return _count_at_least(self.n, self.a, self.b, self.w, threshold)

    def weighted_sums(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per resident: the sum of tie strengths, and the strength-weighted sum of the other ends' ``values``."""
        return _weighted_sums(self.n, self.a, self.b, self.w, np.asarray(values, dtype=np.float64))

    def contact_and_decay(self, u: np.ndarray, reach: np.ndarray, contact_prob: float, kin_contact: float,
                          gain: float, decay: np.ndarray, kin_decay: float, drop: float) -> None:
        """One week of contact along ties (probability ``contact_prob * w * reach_a * reach_b``, more for kin).

        Contact strengthens a tie by ``gain`` of the gap to 1; a week without contact weakens a
        non-kin tie by the mean ``decay`` of its two ends and a kin tie by ``kin_decay``;
        non-kin ties below ``drop`` dissolve.

        Args:
            u: One uniform random number per tie (drawn by the caller, for reproducibility).
            reach: Per resident, how available they are for contact (activity x time per tie).
            contact_prob: Weekly contact probability of a full-strength tie.
            kin_contact: Factor on contact for kin ties.
            gain: Strengthening per contact.
            decay: Per resident, weakening of their non-kin ties per week without contact.
            kin_decay: Weakening of a kin tie per week without contact.
            drop: Strength below which a non-kin tie dissolves.
        """
        kept = _contact_and_decay(self.a, self.b, self.key, self.w, self.kin, self.bridging, u, reach, contact_prob,
                                  kin_contact, gain, decay, kin_decay, drop)
        self.keep(slice(0, kept))

    def neighbours(self, i: int) -> np.ndarray:
        """The residents tied to resident ``i``."""
        return np.concatenate([self.b[self.a == i], self.a[self.b == i]])

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
