"""The validation report's verdict on loneliness in the network follows its stated rule."""

from __future__ import annotations

import pandas as pd
import pytest

from model.core.state import LONELY, SEVERE
from model.experiments.network_stats import CACIOPPO_2009
from model.experiments.validation import CLUSTERING_SLACK, clustering_verdict


def summary(means: list[float], half_width: float = 0.1) -> pd.DataFrame:
    """A clustering summary whose primary measure (kin + closest friend, severe) has these means."""
    rows = []
    for (ties, min_score), shift in ((("framingham", SEVERE), 0.0), (("all", LONELY), -1.0)):
        for d, mean in enumerate(means, start=1):
            rows.append({"ties": ties, "min_score": min_score, "distance": d, "paper": CACIOPPO_2009[d],
                         "mean": mean + shift, "ci_low": mean + shift - half_width,
                         "ci_high": mean + shift + half_width})
    return pd.DataFrame(rows)


def test_the_papers_pattern_within_the_interval_is_a_yes() -> None:
    assert clustering_verdict(summary([0.5, 0.3, 0.1, 0.05])) == ("yes", "")


def test_the_paper_just_inside_the_slack_still_counts() -> None:
    paper_d2 = CACIOPPO_2009[2]
    edge = paper_d2 - CLUSTERING_SLACK - 0.1 + 1e-9  # the interval's top plus the slack reaches the paper
    assert clustering_verdict(summary([0.5, edge, 0.1, 0.0]))[0] == "yes"


def test_clustering_at_one_step_that_misses_further_out_is_partly() -> None:
    verdict, missed = clustering_verdict(summary([0.6, -0.15, -0.1, -0.1]))
    assert verdict == "partly"
    assert "distance 2: model -15%, paper +25%" in missed and "distance 1" not in missed


@pytest.mark.parametrize("means", [[-0.2, -0.3, -0.3, -0.2], [0.3, 0.5, 0.6, 0.7]])
def test_no_clustering_among_ties_or_none_that_falls_with_distance_is_a_no(means: list[float]) -> None:
    assert clustering_verdict(summary(means))[0] == "no"
