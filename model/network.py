"""The residents' social network as model-owned edge arrays.

Ties are undirected and stored once, as ``(a, b)`` with ``a < b``, sorted by the key
``a * n + b`` so that lookups and inserts are vectorised binary searches. Each tie has
a strength in [0, 1], a kin flag (family ties decay slowly) and a bridging flag
(the two residents differ in age group or income, or live in different neighbourhoods).
"""

from __future__ import annotations

import networkx as nx
import numpy as np


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

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the ties where ``mask`` is true (order is preserved, so keys stay sorted)."""
        for name in ("a", "b", "key", "w", "kin", "bridging"):
            setattr(self, name, getattr(self, name)[mask])

    def remove_residents(self, who: np.ndarray) -> None:
        """Remove every tie of the given residents (they moved away)."""
        gone = np.zeros(self.n, dtype=bool)
        gone[who] = True
        self.keep(~(gone[self.a] | gone[self.b]))

    def count(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Ties per resident, optionally counting only the ties where ``mask`` is true."""
        a, b = (self.a, self.b) if mask is None else (self.a[mask], self.b[mask])
        return np.bincount(a, minlength=self.n) + np.bincount(b, minlength=self.n)

    def neighbour_sum(self, values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Sum over each resident's ties of the other end's value (times the tie weight)."""
        wa = values[self.b] if weights is None else values[self.b] * weights
        wb = values[self.a] if weights is None else values[self.a] * weights
        return np.bincount(self.a, wa, minlength=self.n) + np.bincount(self.b, wb, minlength=self.n)

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
