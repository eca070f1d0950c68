"""Calibration of the baseline to national statistics.

The baseline (steering mode ``"framing"``, today's steering) is run for ten years and the
outputs averaged over the last year of the run and over seeds are compared with the
targets in :data:`TARGETS` (``/work/shared/DOMAIN.md``, "Calibration targets").

* The objective is the weighted sum of squared standardised distances
  ``sum_i w_i * ((model_i - target_i) / tolerance_i) ** 2``; a value below the sum of the
  weights means that on average every target lies within its tolerance.
* The search varies the free parameters in :data:`FREE` (schema fields whose source is
  ``assumption``) with fixed seeds (common random numbers), first an optional Latin-hypercube
  screen (:mod:`scipy.stats.qmc`), then a bounded trust-region least-squares refinement
  (:func:`scipy.optimize.least_squares`) from the best point.
* The result is written to ``model/calibrated.toml``; :mod:`model.parameters` reads that file
  and uses its values as the schema defaults of the listed fields, with the provenance as the
  field's source.

Commands (one process, small configuration while searching)::

    python -m model.calibration search --max-evals 30     # fit and write model/calibrated.toml
    python -m model.calibration verify --seeds 10          # check the defaults at 2,000 residents

The validation report (``docs/validation.md``) is made by ``python -m model.validation``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import qmc

from model.parameters import CALIBRATED_FILE, Parameters
from model.runner import run_many


@dataclass(frozen=True)
class Target:
    """One calibration target: an output (or a sum of outputs), its value and its tolerance."""

    name: str
    metrics: tuple[str, ...]
    value: float
    tolerance: float
    source: str
    weight: float = 1.0
    unit: str = "share"

    def model_value(self, final: pd.DataFrame) -> pd.Series:
        """Return the model's value per seed, from :meth:`model.runner.RunResult.final`."""
        return final[list(self.metrics)].sum(axis=1)


TARGETS: tuple[Target, ...] = (
    Target("lonely (DJG score >= 3)", ("lonely_share",), 0.466, 0.03,
           "Gezondheidsmonitor Volwassenen 2020 (RIVM/GGD), 18+"),
    Target("severely or very severely lonely (score >= 9)", ("severe_share", "very_severe_share"), 0.110, 0.03,
           "Gezondheidsmonitor Volwassenen 2020 (RIVM/GGD), 18+"),
    Target("lonely, 75+", ("lonely_share_75plus",), 0.56, 0.05,
           "Gezondheidsmonitor Volwassenen 2020 (RIVM/GGD), 75+"),
    Target("volunteered in the past year", ("volunteering_share_year",), 0.49, 0.03,
           "CBS vrijwilligerswerk 2012-2019, 15+"),
    Target("informal carers", ("informal_carer_share",), 0.13, 0.03, "CBS mantelzorg 2019, adults"),
    Target("care hours per carer", ("care_hours_per_carer",), 12.0, 2.0, "CBS mantelzorg 2019",
           unit="hours/week"),
    Target("formal support users (Wmo-like)", ("formal_support_share",), 0.065, 0.01,
           "CBS/Wmo maatwerk 2016-2024 (6-7% of residents)"),
    Target("administration share of professionals' time", ("admin_share",), 0.37, 0.03,
           "Movisie 2023 (social workers ~37% on administration)"),
)

TARGET_SOURCES = "Gezondheidsmonitor 2020 (loneliness), CBS (volunteering, mantelzorg, Wmo), Movisie 2023 (admin)"


@dataclass(frozen=True)
class FreeParameter:
    """A free parameter of the search, with its search bounds.

    ``scale_of`` marks a vector field fitted as one factor on its uncalibrated default
    (the shape of the vector is kept).
    """

    name: str
    lo: float
    hi: float
    start: float
    scale_of: tuple[float, ...] | None = None

    def value(self, x: float) -> Any:
        """Return the schema value for search coordinate ``x``."""
        if self.scale_of is not None:
            return tuple(round(float(x) * v, 4) for v in self.scale_of)
        return float(x)


#: Free parameters (source "assumption" in the schema) and the targets they mainly move:
#: loneliness (disposition_sd .. contagion), volunteering (volunteer_rate, member_help_rate),
#: informal care (ask_rate, help_hours, carer_strain_rate), formal support (zrm_shock_rate,
#: casework_recovery_rate) and administration (admin_per_case_hours). ``start`` is the
#: hand-tuned starting point from the one-at-a-time exploration (see docs/validation.md).
FREE: tuple[FreeParameter, ...] = (
    FreeParameter("disposition_sd", 0.3, 3.0, 1.2),
    FreeParameter("emotional_alone", 1.5, 5.5, 2.8),
    FreeParameter("emotional_partner", 0.0, 2.0, 0.5),
    FreeParameter("saturation_ties", 1.0, 4.0, 1.8),
    FreeParameter("contagion", 0.0, 0.6, 0.3),
    FreeParameter("volunteer_rate", 0.01, 0.3, 0.06),
    FreeParameter("member_help_rate", 0.002, 0.05, 0.01),
    FreeParameter("ask_rate", 0.1, 1.0, 0.5),
    FreeParameter("help_hours", 1.0, 5.0, 3.5, scale_of=(2.0, 6.0, 14.0)),
    FreeParameter("carer_strain_rate", 0.0003, 0.004, 0.001),
    FreeParameter("zrm_shock_rate", 0.001, 0.01, 0.005),
    FreeParameter("casework_recovery_rate", 0.005, 0.08, 0.015),
    FreeParameter("admin_per_case_hours", 0.1, 1.0, 0.4),
)


@dataclass
class SearchConfig:
    """The size of the runs used while searching (kept small: one process)."""

    n_residents: int = 2000
    years: float = 10.0
    seeds: tuple[int, ...] = (0, 1)
    steering_mode: str = "framing"


@dataclass
class Evaluation:
    """One evaluated parameter point."""

    x: np.ndarray
    objective: float
    values: dict[str, float]
    seconds: float


@dataclass
class History:
    """All evaluations of a search, in order."""

    evaluations: list[Evaluation] = field(default_factory=list)

    @property
    def best(self) -> Evaluation:
        """The evaluation with the lowest objective."""
        return min(self.evaluations, key=lambda e: e.objective)


def overrides_for(x: Sequence[float], free: Sequence[FreeParameter] = FREE) -> dict[str, Any]:
    """Return the schema overrides for a search point ``x``."""
    return {fp.name: fp.value(v) for fp, v in zip(free, x, strict=True)}


def simulate(overrides: dict[str, Any], config: SearchConfig) -> pd.DataFrame:
    """Run the baseline with ``overrides`` and return the last-year means per seed."""
    params = Parameters(n_residents=config.n_residents, years=config.years,
                        steering_mode=config.steering_mode).replace(**overrides)
    return run_many(params, seeds=config.seeds).final()


def target_values(final: pd.DataFrame, targets: Sequence[Target] = TARGETS) -> dict[str, float]:
    """Mean over seeds of every target's model value."""
    return {t.name: float(t.model_value(final).mean()) for t in targets}


def residuals(values: dict[str, float], targets: Sequence[Target] = TARGETS) -> np.ndarray:
    """Weighted standardised distances ``sqrt(w) * (model - target) / tolerance``."""
    return np.array([np.sqrt(t.weight) * (values[t.name] - t.value) / t.tolerance for t in targets])


def objective_value(values: dict[str, float], targets: Sequence[Target] = TARGETS) -> float:
    """Return the calibration objective: weighted sum of squared standardised distances."""
    return float(np.sum(residuals(values, targets) ** 2))


class BudgetExhaustedError(RuntimeError):
    """The search used its budget of model evaluations."""


def make_evaluator(config: SearchConfig, history: History, free: Sequence[FreeParameter] = FREE,
                   log: Callable[[str], None] | None = print,
                   max_evals: int = 10**9) -> Callable[[np.ndarray], np.ndarray]:
    """Make a function from a search point to its residual vector that records every evaluation.

    It stops the search (``BudgetExhausted``) once ``max_evals`` evaluations are done.
    """

    def evaluate(x: np.ndarray) -> np.ndarray:
        if len(history.evaluations) >= max_evals:
            raise BudgetExhaustedError(f"{max_evals} evaluations done")
        t0 = time.perf_counter()
        values = target_values(simulate(overrides_for(x, free), config))
        obj = objective_value(values)
        history.evaluations.append(Evaluation(np.array(x, float), obj, values, time.perf_counter() - t0))
        if log:
            pts = " ".join(f"{fp.name}={v:.4g}" for fp, v in zip(free, x, strict=True))
            outs = " ".join(f"{v:.3f}" for v in values.values())
            log(f"[{len(history.evaluations):3d}] objective {obj:8.3f} | {outs} | {pts}")
        return residuals(values)

    return evaluate


def search(config: SearchConfig | None = None, free: Sequence[FreeParameter] = FREE, max_evals: int = 30,
           n_screen: int = 0, seed: int = 12345, log: Callable[[str], None] | None = print) -> History:
    """Fit the free parameters.

    Args:
        config: Run size during the search.
        free: Free parameters and their bounds.
        max_evals: Budget of model evaluations of the least-squares refinement.
        n_screen: Points of a Latin-hypercube screen before the refinement (0: start at ``start``).
        seed: Seed of the screen's design.
        log: Progress printer (None for silence).

    Returns:
        Every evaluation; ``history.best`` is the fit.

    """
    config = config or SearchConfig()
    history = History()
    evaluate = make_evaluator(config, history, free, log, max_evals)
    lo = np.array([fp.lo for fp in free])
    hi = np.array([fp.hi for fp in free])
    x0 = np.array([fp.start for fp in free])
    evaluate(x0)
    if n_screen:
        design = qmc.scale(qmc.LatinHypercube(d=len(free), seed=seed).random(n_screen), lo, hi)
        for x in design:
            evaluate(x)
    start = history.best.x
    # Finite differences of 10% of the value: large enough to see through the seed noise.
    # Jacobian evaluations count against ``max_evals`` (least_squares does not count them).
    with contextlib.suppress(BudgetExhaustedError):
        optimize.least_squares(evaluate, start, bounds=(lo, hi), x_scale=hi - lo, diff_step=0.1,
                               method="trf", max_nfev=max_evals)
    return history


def write_calibrated(best: Evaluation, free: Sequence[FreeParameter] = FREE, path: Path = CALIBRATED_FILE,
                     config: SearchConfig | None = None, date: dt.date | None = None) -> None:
    """Write the fitted values and their provenance to ``model/calibrated.toml``."""
    config = config or SearchConfig()
    date = date or dt.date.today()
    provenance = (f"calibrated {date.isoformat()} (objective {best.objective:.2f}) to {TARGET_SOURCES}")
    lines = [
        "# Calibrated defaults of free parameters, written by `python -m model.calibration search`.",
        "# model/parameters.py uses these values as schema defaults and `provenance` as their source.",
        "[calibration]",
        f'provenance = "{provenance}"',
        f'date = "{date.isoformat()}"',
        f"objective = {best.objective:.4f}",
        f"search = \"{config.n_residents} residents, {config.years:g} years, seeds {list(config.seeds)}, "
        f"steering {config.steering_mode}\"",
        "",
        "[parameters]",
    ]
    for fp, v in zip(free, best.x, strict=True):
        value = fp.value(v)
        text = "[" + ", ".join(f"{e:.4g}" for e in value) + "]" if isinstance(value, tuple) else f"{value:.4g}"
        lines.append(f"{fp.name} = {text}")
    lines += ["", "[model_values]  # at the search configuration, mean over its seeds"]
    lines += [f'"{k}" = {v:.4f}' for k, v in best.values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def verify(n_residents: int = 2000, seeds: Sequence[int] = range(10), years: float = 10.0,
           params: Parameters | None = None) -> pd.DataFrame:
    """Check the current defaults against the targets.

    Returns:
        One row per target: target, tolerance, model mean, 95% CI over seeds, pass/fail.

    """
    params = params or Parameters(n_residents=n_residents, years=years)
    final = run_many(params, seeds=seeds).final()
    return target_table(final)


def target_table(final: pd.DataFrame, targets: Sequence[Target] = TARGETS) -> pd.DataFrame:
    """Target-by-target comparison of last-year means per seed with the targets."""
    from scipy import stats

    rows = []
    for t in targets:
        v = t.model_value(final).to_numpy()
        mean = float(v.mean())
        half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
        rows.append({"target": t.name, "unit": t.unit, "value": t.value, "tolerance": t.tolerance,
                     "model": mean, "ci_low": mean - half, "ci_high": mean + half,
                     "pass": abs(mean - t.value) <= t.tolerance, "source": t.source})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``search`` fits and writes model/calibrated.toml, ``verify`` checks the defaults."""
    ap = argparse.ArgumentParser(prog="python -m model.calibration", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("search", help="fit the free parameters and write model/calibrated.toml")
    s.add_argument("--residents", type=int, default=2000)
    s.add_argument("--years", type=float, default=10.0)
    s.add_argument("--seeds", type=int, default=2)
    s.add_argument("--max-evals", type=int, default=30)
    s.add_argument("--screen", type=int, default=0, help="Latin-hypercube points before the refinement")
    s.add_argument("--dry-run", action="store_true", help="do not write model/calibrated.toml")
    v = sub.add_parser("verify", help="check the current defaults against the targets")
    v.add_argument("--residents", type=int, default=2000)
    v.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args(argv)
    if args.cmd == "search":
        config = SearchConfig(n_residents=args.residents, years=args.years, seeds=tuple(range(args.seeds)))
        history = search(config, max_evals=args.max_evals, n_screen=args.screen)
        best = history.best
        print(json.dumps({"objective": best.objective, "parameters": overrides_for(best.x),
                          "values": best.values}, indent=2))
        if not args.dry_run:
            write_calibrated(best, config=config)
            print(f"wrote {CALIBRATED_FILE}")
        return 0
    table = verify(n_residents=args.residents, seeds=range(args.seeds))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.drop(columns=["source"]).round(4).to_string(index=False))
    return 0 if table["pass"].all() else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["FREE", "TARGETS", "FreeParameter", "SearchConfig", "Target", "objective_value",
           "search", "target_table", "verify", "write_calibrated"]
