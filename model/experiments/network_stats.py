"""Clustering of loneliness by network distance, measured as Cacioppo, Fowler & Christakis (2009) measure it.

Cacioppo, Fowler & Christakis (2009, "Alone in the crowd", J Pers Soc Psychol 97(6):977-991)
ask how much more likely a person (the *ego*) is to be lonely when someone at network distance
``d`` (the *alter*: a tie at ``d = 1``, a tie's tie at ``d = 2``, ...) is lonely, than chance
would have it. With the Christakis-Fowler permutation null they compare the conditional
probability ``P(ego lonely | alter at distance d lonely)`` in the observed network with the same
probability in 1,000 random networks that keep the network's topology and the prevalence of
loneliness but shuffle who is lonely over the nodes. They report the relative increase
``observed / mean over the random networks - 1``: +52% at distance 1, +25% at 2, +15% at 3 and
about nothing at 4 ("three degrees of influence"; the numbers are the paper's, checked in press
summaries of it; the full text was not in the stored sources).

Their network is the Framingham Heart Study's (Fowler & Christakis 2008, BMJ 337:a2338, checked):
relatives from the study's records (spouses, parents, siblings, children) and the close friend
each participant named for tracking, about 10 ties per person of which 0.7 friends. A model
snapshot is measured over one of two tie sets (:data:`TIE_SETS`):

* ``"all"``: every tie of the model (kin and friends of any strength, acquaintances included);
* ``"framingham"``: the ties the Framingham records would show: all kin ties, and each
  resident's closest friend (their strongest non-kin tie, if it is a good one).

The nodes are the residents with at least one tie in the chosen set (the Framingham network's
nodes are linked participants); the permutations shuffle loneliness over them.

The pairs at each distance come from a breadth-first search from every node to the largest
distance (compiled with numba); the permutations are columns of one matrix, so every pair is
visited once for all of them.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numba
import numpy as np
import pandas as pd

from model.core.state import LONELY

if TYPE_CHECKING:
    from model.core.community import CommunityModel
    from model.core.network import TieNetwork

#: Relative increase in the chance of being lonely by network distance (Cacioppo et al. 2009, figure 2).
CACIOPPO_2009 = {1: 0.52, 2: 0.25, 3: 0.15, 4: 0.0}
#: The tie sets a model snapshot can be measured over (see the module docstring).
TIE_SETS = ("all", "framingham")
COLUMNS = ["distance", "observed", "null_mean", "relative_increase", "ci_low", "ci_high", "pairs"]


def clustering_by_distance(a: np.ndarray, b: np.ndarray, lonely: np.ndarray, max_distance: int = 4,
                           permutations: int = 1000, seed: int = 0) -> pd.DataFrame:
    """The relative increase in the chance that an ego is lonely when an alter at distance ``d`` is.

    Args:
        a: One end of every tie (node indices; ties are undirected, duplicates and self-loops are ignored).
        b: The other end of every tie.
        lonely: Per node, whether it is lonely (its length is the number of nodes).
        max_distance: Largest network distance measured.
        permutations: Random reassignments of loneliness over the nodes (the paper: 1,000).
        seed: Seed of the permutations (the same seed gives the same frame).

    Returns:
        One row per distance 1..``max_distance``: ``observed`` ``P(ego lonely | alter at distance d
        lonely)`` over all ordered pairs at that shortest-path distance, ``null_mean`` its mean over the
        permutations, ``relative_increase`` ``observed / null_mean - 1``, ``ci_low`` and ``ci_high`` the
        2.5 and 97.5 percentiles of ``observed / null - 1`` over the permutations, and ``pairs`` the
        number of ordered pairs. Probabilities are NaN where no alter is lonely.

    Raises:
        ValueError: A tie names a node outside ``lonely``, or a count is not positive.
    """
    lonely = np.asarray(lonely, dtype=bool)
    n = len(lonely)
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if len(a) != len(b):
        raise ValueError(f"the two tie ends differ in length ({len(a)} and {len(b)})")
    if len(a) and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= n):
        raise ValueError(f"a tie names a node outside the {n} nodes that have a loneliness value")
    if max_distance < 1 or permutations < 1:
        raise ValueError("max_distance and permutations must be at least 1")
    indptr, indices = _adjacency(n, a, b)
    labels = np.empty((n, permutations + 1), dtype=np.uint8)  # column 0 observed, then the permutations
    labels[:, 0] = lonely
    labels[:, 1:] = np.random.default_rng(seed).permuted(
        np.broadcast_to(lonely[:, None], (n, permutations)).astype(np.uint8), axis=0)
    both, alter, pairs = _pair_counts(indptr, indices, labels, max_distance)
    # Distances without any lonely alter (no pairs, or nobody lonely) give NaN, not an error.
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = np.where(alter > 0, both / np.maximum(alter, 1), np.nan)
        observed, null = p[:, 0], p[:, 1:]
        null_mean = np.nanmean(null, axis=1)
        low, high = np.nanpercentile(observed[:, None] / null - 1, [2.5, 97.5], axis=1)
    return pd.DataFrame({"distance": np.arange(1, max_distance + 1), "observed": observed, "null_mean": null_mean,
                         "relative_increase": observed / null_mean - 1, "ci_low": low, "ci_high": high,
                         "pairs": pairs})


def framingham_ties(net: TieNetwork, good: float) -> np.ndarray:
    """The ties the Framingham Heart Study's records would show: all kin, and each resident's closest friend.

    Args:
        net: The tie network.
        good: Strength from which a friend counts as close (the model's good-tie threshold).

    Returns:
        A boolean mask over the ties: kin ties, and for each resident their strongest non-kin tie
        at least ``good`` strong (a tie is kept when either end names it).
    """
    keep = net.kin.copy()
    friends = np.flatnonzero(~net.kin & (net.w >= good))
    end = np.concatenate([net.a[friends], net.b[friends]])
    tie = np.concatenate([friends, friends])
    order = np.lexsort((-net.w[tie], end))
    first = np.ones(len(order), dtype=bool)
    first[1:] = end[order][1:] != end[order][:-1]
    keep[tie[order][first]] = True
    return keep


def loneliness_clustering(m: CommunityModel, ties: str = "all", min_score: int = LONELY, max_distance: int = 4,
                          permutations: int = 1000, seed: int = 0) -> pd.DataFrame:
    """:func:`clustering_by_distance` of a model's current state, with the paper's figures beside it.

    Args:
        m: The model (its network and loneliness scores now).
        ties: Which ties count, one of :data:`TIE_SETS`.
        min_score: De Jong Gierveld score from which a resident counts as lonely (3: the model's and the
            Gezondheidsmonitor's "lonely"; 9: severely lonely).
        max_distance: Largest network distance measured.
        permutations: Random reassignments of loneliness over the residents.
        seed: Seed of the permutations.

    Returns:
        The frame of :func:`clustering_by_distance` with the columns ``ties``, ``min_score``,
        ``prevalence`` (share lonely among the residents measured) and ``paper`` (Cacioppo et al.'s
        relative increase at that distance).

    Raises:
        ValueError: ``ties`` is not one of :data:`TIE_SETS`.
    """
    if ties not in TIE_SETS:
        raise ValueError(f"ties: {ties!r} is not one of {', '.join(TIE_SETS)}")
    net = m.net
    keep = framingham_ties(net, m.p.good_tie_threshold) if ties == "framingham" else np.ones(len(net), dtype=bool)
    a, b = net.a[keep], net.b[keep]
    nodes = np.unique(np.concatenate([a, b]))
    index = np.full(net.n, -1, dtype=np.int64)
    index[nodes] = np.arange(len(nodes))
    lonely = m.pop.score[nodes] >= min_score
    frame = clustering_by_distance(index[a], index[b], lonely, max_distance, permutations, seed)
    return frame.assign(ties=ties, min_score=min_score, prevalence=lonely.mean() if len(nodes) else np.nan,
                        paper=frame["distance"].map(CACIOPPO_2009))


def _adjacency(n: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compressed neighbour lists of the undirected graph (without self-loops and duplicate ties)."""
    keep = a != b
    src = np.concatenate([a[keep], b[keep]])
    dst = np.concatenate([b[keep], a[keep]])
    key = np.unique(src * n + dst)
    src, dst = key // n, key % n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst


@numba.njit(cache=True)
def _pair_counts(indptr: np.ndarray, indices: np.ndarray, labels: np.ndarray,
                 max_distance: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distance and label column: ordered pairs with both ends lonely, pairs with the alter lonely, all pairs.

    A breadth-first search from every ego, stopped at ``max_distance``; the labels of the alters
    found at distance ``d`` are summed per column, then counted with the ego's label.
    """
    n, columns = labels.shape
    both = np.zeros((max_distance, columns), dtype=np.int64)
    alter = np.zeros((max_distance, columns), dtype=np.int64)
    pairs = np.zeros(max_distance, dtype=np.int64)
    dist = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    found = np.zeros((max_distance, columns), dtype=np.int64)
    for ego in range(n):
        queue[0], dist[ego] = ego, 0
        head, tail = 0, 1
        found[:, :] = 0
        while head < tail:
            v = queue[head]
            head += 1
            d = dist[v]
            if d == max_distance:
                continue
            for e in range(indptr[v], indptr[v + 1]):
                w = indices[e]
                if dist[w] < 0:
                    dist[w] = d + 1
                    queue[tail] = w
                    tail += 1
                    pairs[d] += 1
                    for c in range(columns):
                        found[d, c] += labels[w, c]
        for d in range(max_distance):
            for c in range(columns):
                alter[d, c] += found[d, c]
                both[d, c] += found[d, c] * labels[ego, c]
        for q in range(tail):  # reset only what this search touched
            dist[queue[q]] = -1
    return both, alter, pairs


__all__ = ["CACIOPPO_2009", "TIE_SETS", "clustering_by_distance", "framingham_ties", "loneliness_clustering"]
