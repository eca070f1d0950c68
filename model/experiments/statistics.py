"""The statistics every summary shows: means over replicated runs with 95% confidence intervals.

Replications are independent runs with different seeds; an interval is Student's t over them.
Paired differences (two scenarios on the same seeds) are summarised the same way, over the
per-seed differences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def ci95_half_width(sd: np.ndarray | float, n: np.ndarray | int) -> np.ndarray:
    """Half width of the 95% confidence interval of a mean (Student's t; NaN for fewer than 2 values).

    Args:
        sd: Sample standard deviation(s) (``ddof=1``).
        n: Number(s) of values.

    Returns:
        The half width(s).

    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * np.asarray(sd) / np.sqrt(n), np.nan)


def mean_ci(values: np.ndarray | pd.Series) -> tuple[float, float, float]:
    """Mean and 95% confidence interval (low, high) of replicated values, e.g. one per seed."""
    x = np.asarray(values, dtype=float)
    half = float(ci95_half_width(x.std(ddof=1) if len(x) > 1 else np.nan, len(x)))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def is_clear(low: float, high: float) -> bool:
    """Whether a 95% confidence interval of a difference excludes zero (NaN intervals are never clear)."""
    return bool(low > 0 or high < 0)
