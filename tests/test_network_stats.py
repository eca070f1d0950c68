"""Clustering by network distance (Cacioppo, Fowler & Christakis 2009) on graphs whose answer is known."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from model import CommunityModel, Parameters
from model.experiments.network_stats import (
    CACIOPPO_2009,
    clustering_by_distance,
    framingham_ties,
    loneliness_clustering,
)


def edges(g: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    e = np.array(g.edges(), dtype=np.int64)
    return e[:, 0], e[:, 1]


def test_pairs_and_observed_probability_match_a_brute_force_count() -> None:
    g = nx.gnp_random_graph(60, 0.06, seed=4)
    lonely = np.random.default_rng(5).random(60) < 0.4
    frame = clustering_by_distance(*edges(g), lonely, permutations=20, seed=1)
    dist = dict(nx.all_pairs_shortest_path_length(g, cutoff=4))
    for d in range(1, 5):
        pairs = [(i, j) for i, j in itertools.permutations(range(60), 2) if dist[i].get(j) == d]
        row = frame.iloc[d - 1]
        assert row["pairs"] == len(pairs)
        with_lonely_alter = [i for i, j in pairs if lonely[j]]
        assert row["observed"] == pytest.approx(np.mean(lonely[with_lonely_alter]))


def test_planted_clusters_give_a_positive_pattern_that_falls_with_distance() -> None:
    # A ring lattice (each node tied to its three nearest on either side) whose loneliness comes in
    # blocks of 40 neighbouring nodes: near pairs mostly share a block, farther ones less often.
    g = nx.watts_strogatz_graph(2000, 6, 0.0, seed=1)
    lonely = np.repeat(np.random.default_rng(0).random(50) < 0.3, 40)
    rise = clustering_by_distance(*edges(g), lonely, permutations=200, seed=2)["relative_increase"].to_numpy()
    assert np.all(rise > 1.0), rise
    assert np.all(np.diff(rise) < 0), rise


def test_loneliness_unrelated_to_the_network_gives_about_nothing() -> None:
    g = nx.gnp_random_graph(2000, 6 / 2000, seed=2)
    lonely = np.random.default_rng(3).random(2000) < 0.3
    frame = clustering_by_distance(*edges(g), lonely, permutations=200, seed=2)
    # Random labels: the observed probability is one more draw from the null (sd about 3% at distance 1).
    assert np.all(np.abs(frame["relative_increase"]) < 0.1), frame
    assert np.all((frame["ci_low"] < 0.1) & (frame["ci_high"] > -0.1))


def test_loneliness_of_the_poorly_connected_gives_a_negative_pattern() -> None:
    # The friendship paradox: the ties of anyone are better connected than average, so when the
    # lonely are those with few ties, every alter is less often lonely than the shuffled labels say.
    g = nx.gnp_random_graph(2000, 6 / 2000, seed=2)
    degree = np.array([d for _, d in sorted(g.degree())])
    frame = clustering_by_distance(*edges(g), degree <= 4, permutations=200, seed=2)
    assert np.all(frame["ci_high"] < 0), frame


def test_same_seed_same_frame_other_seed_other_null() -> None:
    g = nx.gnp_random_graph(300, 0.02, seed=6)
    lonely = np.random.default_rng(7).random(300) < 0.3
    first = clustering_by_distance(*edges(g), lonely, permutations=50, seed=3)
    assert first.equals(clustering_by_distance(*edges(g), lonely, permutations=50, seed=3))
    other = clustering_by_distance(*edges(g), lonely, permutations=50, seed=4)
    assert np.array_equal(first["observed"], other["observed"])
    assert not np.array_equal(first["null_mean"], other["null_mean"])


def test_nobody_lonely_gives_missing_values_not_an_error() -> None:
    g = nx.path_graph(10)
    frame = clustering_by_distance(*edges(g), np.zeros(10, dtype=bool), permutations=5)
    assert frame["observed"].isna().all() and frame["pairs"].tolist() == [18, 16, 14, 12]


def test_ties_to_unknown_nodes_are_refused() -> None:
    with pytest.raises(ValueError, match="outside the 3 nodes"):
        clustering_by_distance(np.array([0, 1]), np.array([1, 5]), np.zeros(3, dtype=bool))


def test_a_model_snapshot_is_measured_over_all_ties_or_the_framingham_ties() -> None:
    m = CommunityModel(Parameters(n_residents=300, burn_in_years=0.5), seed=2)
    net = m.net
    keep = framingham_ties(net, m.p.good_tie_threshold)
    assert np.all(keep[net.kin]), "every kin tie is a relative in the records"
    friends = keep & ~net.kin
    named = np.bincount(np.concatenate([net.a[friends], net.b[friends]]), minlength=net.n)
    good_friends = np.bincount(np.concatenate([net.a[~net.kin & (net.w >= m.p.good_tie_threshold)],
                                               net.b[~net.kin & (net.w >= m.p.good_tie_threshold)]]), minlength=net.n)
    assert np.all(named <= good_friends) and np.all(named[good_friends > 0] >= 1), "a closest friend each, if good"
    frame = loneliness_clustering(m, ties="framingham", min_score=9, permutations=20)
    assert frame["ties"].eq("framingham").all() and frame["min_score"].eq(9).all()
    assert frame["paper"].tolist() == [CACIOPPO_2009[d] for d in range(1, 5)]
    assert loneliness_clustering(m, permutations=20)["pairs"].iloc[0] == 2 * len(net)
    with pytest.raises(ValueError, match="not one of"):
        loneliness_clustering(m, ties="good")
