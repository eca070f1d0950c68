"""Paired-seed direction checks shared by the mechanism tests: two arms over the same seeds.

An effect counts when the mean paired difference lies beyond a stated minimum in the expected direction
and most seeds agree (``MOST`` of the 6). The opposite question, whether two arms give the *same*
statistics (the Mesa reference, code that draws its random numbers differently), is
:func:`equivalent` and :func:`similar_spread`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from model import Parameters, run_many
from model.api import RunResult

P = Parameters(n_residents=800, burn_in_years=1.0, years=2.0)
SEEDS = range(6)
MOST = 5  # of 6 seeds must show the expected direction


def arm(params: Parameters = P, interventions: Callable[[], list] = list) -> RunResult:
    """Runs of ``params`` over :data:`SEEDS`, with fresh interventions per run."""
    return run_many(params, seeds=SEEDS, interventions_for=interventions)


def window(res: RunResult, first: int = 0, last: int = 104) -> pd.DataFrame:
    """Each seed's city outputs averaged over the weeks after ``first`` up to ``last``."""
    c = res.city
    return c[(c.week > first) & (c.week <= last)].groupby("seed").mean(numeric_only=True)


def check(diff: pd.Series, min_effect: float, direction: int = 1) -> None:
    """Mean paired difference beyond ``min_effect`` in ``direction``, and most seeds agreeing."""
    d = direction * diff.to_numpy()
    assert d.mean() > min_effect, f"mean paired difference {direction * d.mean():+.4f}, expected beyond " \
                                  f"{direction * min_effect:+.4f} (per seed: {np.round(direction * d, 4)})"
    assert (d > 0).sum() >= MOST, f"only {(d > 0).sum()} of {len(d)} seeds in the expected direction: {d}"


def equivalent(base: pd.DataFrame, other: pd.DataFrame, se_bound: float, relative_bound: float) -> pd.Series:
    """Per column: is the mean paired difference (``other - base``, rows paired by index) small.

    Small means within ``se_bound`` standard errors of the paired differences, or within
    ``relative_bound`` of ``base``'s mean (for outputs that hardly vary between seeds, where a
    systematic but negligible difference would exceed any number of standard errors).
    """
    diff = other - base
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    return diff.mean().abs() <= np.maximum(se_bound * se, relative_bound * base.mean().abs())


def similar_spread(base: pd.DataFrame, other: pd.DataFrame, ratio: float) -> pd.Series:
    """Per column: is the spread between seeds (standard deviation) of ``other`` within ``ratio`` times ``base``'s.

    Columns that vary in neither count as similar; a column that varies in one only does not.
    """
    a, b = base.std(ddof=1), other.std(ddof=1)
    both_flat = (a == 0) & (b == 0)
    return both_flat | ((b <= ratio * a) & (a <= ratio * b) & (a > 0))
