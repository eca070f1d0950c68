"""Running the model: one run, or replications over seeds, returned as tidy DataFrames."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from model.core.community import CommunityModel
from model.core.interventions import Intervention
from model.core.parameters import Parameters
from model.core.time import WEEKS_PER_YEAR
from model.experiments.settled import default_settled

#: Largest seed: the tables store seeds as 64-bit integers.
MAX_SEED = 2**63 - 1


@dataclass
class RunResult:
    """Outputs of one or more runs.

    ``city`` has one row per seed and week, ``neighbourhoods`` one row per seed, week and
    neighbourhood.
    """

    city: pd.DataFrame
    neighbourhoods: pd.DataFrame

    def final(self, weeks: int = WEEKS_PER_YEAR) -> pd.DataFrame:
        """City outputs averaged over the last ``weeks`` weeks, one row per seed."""
        return last_weeks(self.city, weeks).groupby("seed").mean(numeric_only=True).drop(columns=["week", "year"])

    def final_by_neighbourhood(self, weeks: int = WEEKS_PER_YEAR) -> pd.DataFrame:
        """Neighbourhood outputs averaged over the last ``weeks`` weeks, one row per neighbourhood and seed."""
        final = last_weeks(self.neighbourhoods, weeks).groupby(["neighbourhood", "seed"], sort=False)
        return final.mean(numeric_only=True).drop(columns=["week", "year"], errors="ignore")


def last_weeks(frame: pd.DataFrame, weeks: int = WEEKS_PER_YEAR) -> pd.DataFrame:
    """The rows of ``frame`` (with a ``week`` column) in its last ``weeks`` weeks: the final period of a run."""
    return frame[frame["week"] > frame["week"].max() - weeks]


def run(params: Parameters | None = None, seed: int = 0, years: float | None = None,
        interventions: Sequence[Intervention] = (), last_weeks_only: int | None = None) -> RunResult:
    """Build a model and run it.

    The city is taken settled from :func:`model.experiments.settled.default_settled` when an earlier run
    (in any process) had the same burn-in; the result is the same.

    Args:
        params: Parameters (schema defaults when omitted).
        seed: Random seed; the same seed gives the same result.
        years: Simulated years (``params.years`` when omitted).
        interventions: Timed interventions.
        last_weeks_only: Record only this many last weeks (all weeks when omitted): outputs are not
            collected before them, which a run that reports only its final period does not need.

    Returns:
        The city-wide and per-neighbourhood outputs, with a ``seed`` column.
    """
    params = params or Parameters()
    m = CommunityModel(params, seed=seed, interventions=list(interventions), settled=default_settled())
    weeks = round((params.years if years is None else years) * WEEKS_PER_YEAR)
    if last_weeks_only is not None:
        m.recorder.record_from(weeks - last_weeks_only + 1)
    m.run_weeks(weeks)
    city, nbh = m.city_frame(), m.neighbourhood_frame()
    city.insert(0, "seed", seed)
    nbh.insert(0, "seed", seed)
    return RunResult(city, nbh)


def run_many(params: Parameters | None = None, seeds: Sequence[int] = range(10), years: float | None = None,
             interventions_for: Callable[[], Sequence[Intervention]] = tuple,
             progress: Callable[[int], None] | None = None) -> RunResult:
    """Replications with the given seeds (paired across scenarios when the seeds are the same).

    Args:
        params: Parameters (schema defaults when omitted).
        seeds: One run per seed.
        years: Simulated years (``params.years`` when omitted).
        interventions_for: Makes a fresh list of interventions for each run (they hold state).
        progress: Called with the number of finished runs.

    Returns:
        All runs stacked, with a ``seed`` column.
    """
    results = []
    for i, seed in enumerate(seeds):
        results.append(run(params, seed, years, interventions_for()))
        if progress:
            progress(i + 1)
    return RunResult(pd.concat([r.city for r in results], ignore_index=True),
                     pd.concat([r.neighbourhoods for r in results], ignore_index=True))
