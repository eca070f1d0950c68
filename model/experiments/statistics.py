"""The statistics every summary shows: means over replicated runs with 95% confidence intervals.

Replications are independent runs with different seeds; an interval is Student's t over them and
needs at least :data:`MIN_SEEDS` seeds (with fewer it is NaN). Paired differences (two scenarios on
the same seeds) are summarised on the natural scale, over the per-seed differences.

The mean of an output that cannot leave a range (counts and euros are never negative, shares and
indices lie between 0 and 1) gets its interval on a transformed scale and back, so that it stays
within the range: Student's t on the log scale of ``x - low`` for outputs with only a lower bound, on
the logit scale of ``(x - low) / (high - low)`` for outputs with both, with the standard error carried
over by the delta method. When the ordinary interval is narrow the two agree; with few seeds, where
the ordinary one would show a negative waiting list, the transformed one is skewed away from the bound.
Below :data:`FEW_SEEDS` seeds every interval is wide and the tables and the report say so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

#: Fewest seeds that give a confidence interval.
MIN_SEEDS = 2
#: Below this many seeds the tables and the report warn that the intervals are wide.
FEW_SEEDS = 5


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
        return np.where(n >= MIN_SEEDS, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * np.asarray(sd) / np.sqrt(n),
                        np.nan)


def ci95(mean: np.ndarray | float, sd: np.ndarray | float, n: np.ndarray | int,
         bounds: tuple[float, float | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 95% confidence interval (low, high) of a mean, within ``bounds`` if given (see the module docstring).

    Args:
        mean: Mean(s).
        sd: Sample standard deviation(s) (``ddof=1``).
        n: Number(s) of values.
        bounds: The range the values cannot leave, ``(low, high)`` (``high`` ``None``: no upper bound); ``None``
            for the ordinary interval (differences).

    Returns:
        Lower and upper ends (NaN for fewer than :data:`MIN_SEEDS` values).

    """
    mean = np.asarray(mean, dtype=float)
    half = ci95_half_width(sd, n)
    if bounds is None:
        return mean - half, mean + half
    low, high = bounds
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if high is None:  # log scale: d log(m) = dm / m
            gap = np.maximum(mean - low, 0.0)
            spread = np.where(gap > 0, half / gap, 0.0)  # every value at the bound: no spread
            ends = [low + gap * np.exp(sign * spread) for sign in (-1, 1)]
        else:  # logit scale: d logit(p) = dp / (p (1 - p))
            p = np.clip((mean - low) / (high - low), 0.0, 1.0)
            inside = (p > 0) & (p < 1)
            spread = np.where(inside, half / (high - low) / (p * (1 - p)), 0.0)
            ends = [low + (high - low) * np.where(inside, special.expit(special.logit(p) + sign * spread), p)
                    for sign in (-1, 1)]
    unknown = np.isnan(half)  # too few values
    return np.where(unknown, np.nan, ends[0]), np.where(unknown, np.nan, ends[1])


def mean_ci(values: np.ndarray | pd.Series,
            bounds: tuple[float, float | None] | None = None) -> tuple[float, float, float]:
    """Mean and 95% confidence interval (low, high) of replicated values, e.g. one per seed.

    Args:
        values: The values.
        bounds: The range the values cannot leave (e.g. ``OUTPUTS[key].bounds``); the interval then stays in it.

    """
    x = np.asarray(values, dtype=float)
    mean = float(x.mean()) if len(x) else np.nan
    low, high = ci95(mean, x.std(ddof=1) if len(x) > 1 else np.nan, len(x), bounds)
    return mean, float(low), float(high)


def is_clear(low: float, high: float) -> bool:
    """Whether a 95% confidence interval of a difference excludes zero (NaN intervals are never clear)."""
    return bool(low > 0 or high < 0)
