"""Calibration of the baseline to national statistics.

The baseline (steering mode ``"framing"``, today's steering) is run for ten years after the
burn-in, and the outputs averaged over the last year of the run and over seeds are compared
with the targets in :data:`TARGETS` (``docs/ODD.md``, section 6 "Input data").

* The objective is the weighted sum of squared standardised distances
  ``sum_i w_i * ((model_i - target_i) / tolerance_i) ** 2``; a value below the sum of the
  weights means that on average every target lies within its tolerance.
* The search varies the free parameters in :data:`FREE` (schema fields whose values no source
  pins down: assumptions, and the sizes of effects that the literature names but does not
  quantify for this setting, such as the relationships people want) with fixed seeds (common
  random numbers): a Latin-hypercube screen of the whole box (:mod:`scipy.stats.qmc`, one seed per
  point), a second one in a quarter of the box around the best point (two seeds per point), then
  a bounded trust-region least-squares refinement (:func:`scipy.optimize.least_squares`) from
  the best point on all search seeds, and a compass search. Runs go to parallel processes. A
  search may vary only some of them (``--vary``), from the current defaults or from the best
  point of an earlier search, keeping the others at their current values.
* The effect sizes of loneliness in the network (``contagion``, ``withdrawal``,
  ``loneliness_homophily``) are not free here: the targets (shares of lonely residents) do not
  identify them, and they shape how loneliness clusters in the network, which
  ``docs/validation.md`` compares with Cacioppo, Fowler & Christakis (2009). They were set with
  that comparison at distance 1 (``docs/validation_notes.md``); distances 2-4 are checks.
* The result is written into the schema itself: the defaults of the fitted fields of
  :mod:`model.core.parameters` (declared with ``fitted=FIT``) and its ``FIT`` provenance (date,
  objective, search), which becomes those fields' source; the record of the fit, with the model's
  values at it, is ``docs/calibration/fit.toml``.

Commands::

    python -m model.experiments.calibration search --screen 200 100 --max-evals 40  # fit, write the defaults
    python -m model.experiments.calibration search --from-defaults --screen 0 0 --max-evals 0 --compass 2 \
        --seeds 6 --history docs/calibration/N_name.csv    # refine the current fit with a compass search on 6 seeds
    python -m model.experiments.calibration verify --seeds 10      # check the defaults at 2,000 residents

The validation report (``docs/validation.md``) is made by ``python -m model.experiments.validation``.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime as dt
import json
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import qmc

from model.core import parameters as schema_module
from model.core.parameters import Parameters
from model.experiments.runner import run_many
from model.experiments.statistics import mean_ci


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
    name_nl: str = ""  # its name in Dutch reports

    def model_value(self, final: pd.DataFrame) -> pd.Series:
        """Return the model's value per seed, from :meth:`model.experiments.runner.RunResult.final`."""
        return final[list(self.metrics)].sum(axis=1)


GM2020 = "Gezondheidsmonitor Volwassenen en Ouderen 2020 (GGD'en/CBS/RIVM), De Jong Gierveld 11 items"
TARGETS: tuple[Target, ...] = (
    Target("lonely (DJG score >= 3)", ("lonely_share",), 0.466, 0.03, f"{GM2020}, 18+",
           name_nl="eenzaam (DJG-score 3 of hoger)"),
    Target("severely or very severely lonely (score >= 9)", ("severe_share", "very_severe_share"), 0.110, 0.03,
           f"{GM2020}, 18+",
           name_nl="ernstig of zeer ernstig eenzaam (score 9 of hoger)"),
    Target("lonely, 75+", ("lonely_share_75plus",), 0.56, 0.05, f"{GM2020}, 75+",
           name_nl="eenzaam, 75+"),
    Target("severely lonely, 75+", ("severe_share_75plus",), 0.12, 0.04, f"{GM2020}, 75+",
           name_nl="ernstig eenzaam, 75+"),
    Target("volunteered in the past year", ("volunteering_share_year",), 0.49, 0.03,
           "CBS vrijwilligerswerk 2012-2019, 15+",
           name_nl="vrijwilligerswerk in het afgelopen jaar"),
    Target("volunteered in the past month", ("volunteering_share_month",), 0.30, 0.05,
           "CBS vrijwilligerswerk (about 3 in 10 in a given month), 15+",
           name_nl="vrijwilligerswerk in de afgelopen maand"),
    Target("informal carers", ("informal_carer_share",), 0.13, 0.03, "CBS mantelzorg 2019, adults",
           name_nl="mantelzorgers"),
    Target("care hours per carer", ("care_hours_per_carer",), 12.0, 2.0, "CBS mantelzorg 2019",
           unit="hours/week",
           name_nl="uren zorg per mantelzorger"),
    Target("formal support users (Wmo-like)", ("formal_support_share",), 0.065, 0.01,
           "CBS/Wmo maatwerk 2016-2024 (6-7% of residents)",
           name_nl="gebruikers van formele ondersteuning (Wmo-achtig)"),
    Target("administration share of professionals' time", ("admin_share",), 0.37, 0.03,
           "Movisie 2023 (social workers ~37% on administration)",
           name_nl="deel van de tijd van professionals aan administratie"),
    Target("weeks waited so far on the waiting list", ("mean_wait_weeks",), 6.0, 4.0,
           "Wmo 2015: assessment within 6 weeks of a request, decision within 2 more (legal norm, recalled; "
           "a plausibility bound, not a measurement)", unit="weeks",
           name_nl="weken tot nu toe gewacht op de wachtlijst"),
)

#: The schema whose fitted defaults a calibration rewrites, and the record of the fit.
SCHEMA_FILE = Path(schema_module.__file__)
FIT_RECORD = Path(__file__).resolve().parents[2] / "docs" / "calibration" / "fit.toml"
TARGET_SOURCES = "Gezondheidsmonitor 2020 (loneliness), CBS (volunteering, mantelzorg, Wmo), Movisie 2023 (admin)"


@dataclass(frozen=True)
class FreeParameter:
    """A free parameter of the search, with its search bounds.

    ``scale_of`` marks a vector field fitted as one factor on its declared default
    (the shape of the vector is kept).
    """

    name: str
    lo: float
    hi: float
    scale_of: tuple[float, ...] | None = None

    def value(self, x: float) -> Any:
        """Return the schema value for search coordinate ``x``."""
        if self.scale_of is not None:
            return tuple(round(float(x) * v, 4) for v in self.scale_of)
        return round(float(x), 6)


#: Free parameters, grouped by the targets they mainly move:
#: loneliness, volunteering, informal care, formal support and administration.
FREE: tuple[FreeParameter, ...] = (
    FreeParameter("disposition_sd", 0.5, 5.0),
    FreeParameter("disposition_correlation", 0.0, 0.95),
    FreeParameter("emotional_alone", 1.0, 5.5),
    FreeParameter("emotional_together", 0.0, 2.5),
    FreeParameter("desired_ties_mean", 2.0, 9.0),
    FreeParameter("kin_decay_factor", 0.1, 1.0),
    FreeParameter("confidant_protection", 0.0, 0.8),
    FreeParameter("volunteer_rate", 0.02, 0.6),
    FreeParameter("civic_beta", 0.08, 3.0, scale_of=(0.35, 0.65)),
    FreeParameter("ask_rate", 0.05, 1.0),
    FreeParameter("help_hours", 0.5, 5.0, scale_of=(2.0, 6.0, 14.0)),
    FreeParameter("carer_strain_rate", 0.0005, 0.01),
    FreeParameter("zrm_shock_rate", 0.001, 0.012),
    FreeParameter("formal_ask_rate", 0.01, 0.5),
    FreeParameter("casework_recovery_rate", 0.005, 0.1),
    FreeParameter("case_hours", 0.2, 2.0, scale_of=(0.5, 1.0, 2.0)),
    FreeParameter("admin_base_hours", 3.0, 16.0),
    FreeParameter("admin_per_case_hours", 0.05, 1.0),
)


@dataclass
class SearchConfig:
    """The size of the runs used while searching."""

    n_residents: int = 2000
    years: float = 10.0
    seeds: tuple[int, ...] = (0, 1, 2)
    steering_mode: str = "framing"
    workers: int = 2


@dataclass
class Evaluation:
    """One evaluated parameter point."""

    x: np.ndarray
    objective: float
    values: dict[str, float]
    seeds: tuple[int, ...]
    stage: str

    def row(self, free: Sequence[FreeParameter] = FREE) -> dict[str, Any]:
        """This evaluation as a row of :meth:`History.to_frame`."""
        return {"stage": self.stage, "seeds": " ".join(map(str, self.seeds)), "objective": self.objective,
                **self.values, **{fp.name: x for fp, x in zip(free, self.x, strict=True)}}


@dataclass
class History:
    """All evaluations of a search, in order."""

    evaluations: list[Evaluation] = field(default_factory=list)

    def best(self, *stages: str) -> Evaluation:
        """The evaluation with the lowest objective (of the given stages, or of all)."""
        return min((e for e in self.evaluations if not stages or e.stage in stages), key=lambda e: e.objective)

    def to_frame(self, free: Sequence[FreeParameter] = FREE) -> pd.DataFrame:
        """Every evaluation as a row: stage, seeds, objective, target values and parameter coordinates."""
        return pd.DataFrame([e.row(free) for e in self.evaluations])


def overrides_for(x: Sequence[float], free: Sequence[FreeParameter] = FREE) -> dict[str, Any]:
    """Return the schema overrides for a search point ``x``."""
    return {fp.name: fp.value(v) for fp, v in zip(free, x, strict=True)}


def simulate(overrides: dict[str, Any], config: SearchConfig, seeds: Sequence[int]) -> pd.DataFrame:
    """Run the baseline with ``overrides`` and return the last-year means per seed."""
    params = Parameters(n_residents=config.n_residents, years=config.years,
                        steering_mode=config.steering_mode).replace(**overrides)
    return run_many(params, seeds=seeds).final()


def target_values(final: pd.DataFrame, targets: Sequence[Target] = TARGETS) -> dict[str, float]:
    """Mean over seeds of every target's model value."""
    return {t.name: float(t.model_value(final).mean()) for t in targets}


def residuals(values: dict[str, float], targets: Sequence[Target] = TARGETS) -> np.ndarray:
    """Weighted standardised distances ``sqrt(w) * (model - target) / tolerance``."""
    return np.array([np.sqrt(t.weight) * (values[t.name] - t.value) / t.tolerance for t in targets])


def objective_value(values: dict[str, float], targets: Sequence[Target] = TARGETS) -> float:
    """Return the calibration objective: weighted sum of squared standardised distances."""
    return float(np.sum(residuals(values, targets) ** 2))


def _final(args: tuple[np.ndarray, SearchConfig, int, tuple[FreeParameter, ...]]) -> pd.DataFrame:
    x, config, seed, free = args
    return simulate(overrides_for(x, free), config, [seed])


class BudgetExhaustedError(RuntimeError):
    """The refinement used its budget of model evaluations."""


def search(config: SearchConfig | None = None, free: Sequence[FreeParameter] = FREE,
           stages: Sequence[tuple[int, int, float]] = ((200, 1, 1.0), (100, 2, 0.25)), max_evals: int = 40,
           seed: int = 12345, log: Callable[[str], None] | None = print, history_file: Path | None = None,
           start: np.ndarray | None = None, diff_step: float = 0.05, compass: int = 0,
           compass_step: float = 0.05) -> History:
    """Fit the free parameters: Latin-hypercube screens that zoom in, least squares, then a compass search.

    Args:
        config: Run size and seeds during the search.
        free: Free parameters and their bounds.
        stages: Screens as (points, seeds, width): each samples a Latin hypercube of ``width`` times the
            full box (clipped to it), centred on the best point so far, and runs each point on the first
            ``seeds`` search seeds.
        max_evals: Budget of model evaluations of the refinement (each on all search seeds); with 0 the
            start is evaluated once (stage ``"start"``) and the compass search goes on from there.
        seed: Seed of the screens' designs.
        log: Progress printer (None for silence).
        history_file: CSV file that receives every evaluation as it finishes (so nothing is lost).
        start: Centre of the first screen (the middle of the box when omitted); with no stages, the
            start of the refinement (to continue an earlier search, see :func:`best_of_history`).
        diff_step: Relative step of the refinement's finite differences: large enough to see past the
            noise of discrete events.
        compass: Sweeps of a compass (pattern) search after the refinement, on all search seeds: each
            parameter in turn is moved up and down by a step and a move is kept if it lowers the
            objective; the steps halve after a sweep without improvement. Robust where the noise of
            discrete events stalls the least-squares steps.
        compass_step: First step of the compass search, as a share of each parameter's range.

    Returns:
        Every evaluation; ``history.best("start", "refine", "compass")`` is the fit.
    """
    config = config or SearchConfig()
    free = tuple(free)
    history = History()
    lo = np.array([fp.lo for fp in free])
    hi = np.array([fp.hi for fp in free])
    t0 = time.perf_counter()

    def record(x: np.ndarray, values: dict[str, float], seeds: tuple[int, ...], stage: str) -> Evaluation:
        ev = Evaluation(np.array(x, float), objective_value(values), values, seeds, stage)
        history.evaluations.append(ev)
        if history_file:
            pd.DataFrame([ev.row(free)]).to_csv(history_file, mode="a", index=False,
                                                header=len(history.evaluations) == 1)
        if log:
            best = history.best(stage).objective
            log(f"[{stage} {sum(e.stage == stage for e in history.evaluations):3d}] objective {ev.objective:8.2f} "
                f"(best {best:7.2f}) | " + " ".join(f"{v:.3f}" for v in values.values())
                + f" | {time.perf_counter() - t0:6.0f} s")
        return ev

    with ProcessPoolExecutor(max_workers=config.workers) as pool:

        def evaluate(points: np.ndarray, seeds: tuple[int, ...], stage: str) -> list[Evaluation]:
            finals = pool.map(_final, [(x, config, s, free) for x in points for s in seeds])  # in order, as done
            return [record(x, target_values(pd.concat([next(finals) for _ in seeds])), seeds, stage) for x in points]

        centre = (lo + hi) / 2 if start is None else np.clip(start, lo, hi)
        for i, (points, n_seeds, width) in enumerate(stages):
            half = width * (hi - lo) / 2
            box_lo, box_hi = np.maximum(lo, centre - half), np.minimum(hi, centre + half)
            design = qmc.scale(qmc.LatinHypercube(d=len(free), seed=seed + i).random(points), box_lo, box_hi)
            evaluate(design, config.seeds[:n_seeds], f"screen{i + 1}")
            centre = min((e for e in history.evaluations if len(e.seeds) == n_seeds),
                         key=lambda e: e.objective).x

        def refine(x: np.ndarray) -> np.ndarray:
            if sum(e.stage == "refine" for e in history.evaluations) >= max_evals:
                raise BudgetExhaustedError(f"{max_evals} evaluations done")
            return residuals(evaluate(np.array([x]), config.seeds, "refine")[0].values)

        if max_evals:
            with contextlib.suppress(BudgetExhaustedError):
                optimize.least_squares(refine, centre, bounds=(lo, hi), x_scale=hi - lo, diff_step=diff_step,
                                       method="trf", max_nfev=max_evals)
            best = history.best("refine")
        else:
            best = evaluate(np.array([centre]), config.seeds, "start")[0]
        step = compass_step * (hi - lo)
        for _ in range(compass):
            improved = False
            for i in range(len(free)):
                moves = [np.clip(best.x + sign * step * (np.arange(len(free)) == i), lo, hi) for sign in (1, -1)]
                moves = [x for x in moves if not np.array_equal(x, best.x)]
                if moves and (tried := min(evaluate(np.array(moves), config.seeds, "compass"),
                                           key=lambda e: e.objective)).objective < best.objective:
                    best, improved = tried, True
            if not improved:
                step = step / 2
    return history


def current_point(free: Sequence[FreeParameter] = FREE) -> np.ndarray:
    """The current defaults of the free parameters (the schema's) as a search point.

    A vector field fitted as a factor on its shape gets the mean factor of its elements (written
    values are rounded, so the elements' factors differ in the last digits).
    """
    defaults = Parameters()
    return np.array([np.mean(np.divide(getattr(defaults, fp.name), fp.scale_of)) if fp.scale_of is not None
                     else getattr(defaults, fp.name) for fp in free], dtype=float)


def best_of_history(path: Path, free: Sequence[FreeParameter] = FREE) -> np.ndarray:
    """The best point of an earlier search (a ``--history`` file), among those run on the most seeds.

    A free parameter the earlier search did not vary starts at its current default.
    """
    h = pd.read_csv(path)
    most = h["seeds"].astype(str).str.split().str.len()
    best = h[most == most.max()].sort_values("objective").iloc[0]
    return np.array([best[fp.name] if fp.name in best.index else now
                     for fp, now in zip(free, current_point(free), strict=True)], dtype=float)


def write_calibrated(best: Evaluation, config: SearchConfig, method: str, free: Sequence[FreeParameter] = FREE,
                     schema: Path = SCHEMA_FILE, record: Path = FIT_RECORD, date: dt.date | None = None) -> None:
    """Write the fitted values as the schema's defaults, with their provenance, and the record of the fit.

    Every parameter of :data:`FREE` is written: those of ``free`` (the search's) at ``best``, the
    others at their current defaults. In ``schema`` (``model/core/parameters.py``) the default of each
    field declared with ``fitted=FIT`` and the ``FIT`` provenance are replaced; ``record`` gets the
    provenance, the search and the model's values at the fit.

    Raises:
        ValueError: The schema's fitted fields are not the free parameters.
    """
    date = date or dt.date.today()
    provenance = f"calibrated {date.isoformat()} (objective {best.objective:.2f}; {method}) to {TARGET_SOURCES}"
    fitted = {fp.name: fp.value(x) for fp, x in zip(free, best.x, strict=True)}
    defaults = Parameters()
    values = {fp.name: _rounded(fitted.get(fp.name, getattr(defaults, fp.name))) for fp in FREE}
    schema.write_text(rewrite_defaults(schema.read_text(encoding="utf-8"), values, provenance), encoding="utf-8")
    lines = [
        "# The record of the current calibration, written by `python -m model.experiments.calibration search`",
        "# together with the defaults in model/core/parameters.py (the fields declared with fitted=FIT).",
        "[calibration]",
        f"provenance = {json.dumps(provenance)}",
        f'date = "{date.isoformat()}"',
        f"objective = {best.objective:.4f}",
        f"search = \"{config.n_residents} residents, {config.years:g} years after the burn-in, seeds "
        f"{list(best.seeds)}, steering {config.steering_mode}\"",
        "",
        "[parameters]",
        *[f"{name} = {json.dumps(list(v) if isinstance(v, tuple) else v)}" for name, v in values.items()],
        "",
        "[model_values]  # at the search configuration, mean over its seeds",
        *[f"{json.dumps(k)} = {v:.4f}" for k, v in best.values.items()],
    ]
    record.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rounded(value: Any) -> Any:
    """Four significant digits (a fit is not more precise), per element of a vector."""
    if isinstance(value, tuple):
        return tuple(float(f"{v:.4g}") for v in value)
    return type(value)(float(f"{value:.4g}"))


def rewrite_defaults(source: str, values: dict[str, Any], provenance: str) -> str:
    """The schema's source with new defaults for the fitted fields and a new ``FIT`` provenance.

    Args:
        source: The text of ``model/core/parameters.py``.
        values: New default per field; each field must be declared with ``fitted=FIT``, and every such
            field must be given.
        provenance: The new ``FIT`` text.

    Raises:
        ValueError: A field is not declared with ``fitted=FIT``, or one that is has no value.
    """
    tree = ast.parse(source)
    starts = np.cumsum([0, *(len(line) for line in source.splitlines(keepends=True))])

    def offset(lineno: int, col: int) -> int:
        return int(starts[lineno - 1]) + col

    edits = []
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Parameters")
    declared = {node.target.id: node.value for node in cls.body if isinstance(node, ast.AnnAssign)
                and isinstance(node.value, ast.Call) and any(k.arg == "fitted" for k in node.value.keywords)}
    if set(declared) != set(values):
        raise ValueError(f"fitted fields {sorted(declared)} are not the free parameters {sorted(values)}")
    for name, call in declared.items():
        arg = call.args[0]
        edits.append((offset(arg.lineno, arg.col_offset), offset(arg.end_lineno, arg.end_col_offset),
                      repr(values[name])))
    fit = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "FIT")
    chunks = textwrap.wrap(provenance, 104, drop_whitespace=False)
    edits.append((offset(fit.lineno, fit.col_offset), offset(fit.end_lineno, fit.end_col_offset),
                  "FIT = (\n" + "".join(f"    {json.dumps(c, ensure_ascii=False)}\n" for c in chunks) + ")"))
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    return source


def verify(n_residents: int = 2000, seeds: Sequence[int] = range(10), years: float = 10.0,
           params: Parameters | None = None) -> pd.DataFrame:
    """Check the current defaults against the targets.

    Returns:
        One row per target: target, tolerance, model mean, 95% CI over seeds, pass/fail.
    """
    params = params or Parameters(n_residents=n_residents, years=years)
    return target_table(run_many(params, seeds=seeds).final())


def target_table(final: pd.DataFrame, targets: Sequence[Target] = TARGETS) -> pd.DataFrame:
    """Target-by-target comparison of last-year means per seed with the targets."""
    rows = []
    for t in targets:
        mean, low, high = mean_ci(t.model_value(final))
        rows.append({"target": t.name, "unit": t.unit, "value": t.value, "tolerance": t.tolerance,
                     "model": mean, "ci_low": low, "ci_high": high,
                     "pass": abs(mean - t.value) <= t.tolerance, "source": t.source})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``search`` fits and writes the schema's defaults, ``verify`` checks them."""
    ap = argparse.ArgumentParser(prog="python -m model.experiments.calibration", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("search", help="fit the free parameters and write them as the schema's defaults")
    s.add_argument("--residents", type=int, default=2000)
    s.add_argument("--years", type=float, default=10.0)
    s.add_argument("--seeds", type=int, default=3, help="seeds of the refinement (the screen uses the first)")
    s.add_argument("--screen", type=int, nargs=2, default=[200, 100], metavar=("WIDE", "NARROW"),
                   help="Latin-hypercube points of the wide screen (1 seed) and the narrow one (2 seeds)")
    s.add_argument("--max-evals", type=int, default=40, help="evaluations of the least-squares refinement")
    s.add_argument("--workers", type=int, default=2, help="parallel processes")
    s.add_argument("--diff-step", type=float, default=0.05, help="relative finite-difference step of the refinement")
    s.add_argument("--compass", type=int, default=0, help="sweeps of a compass search after the refinement")
    s.add_argument("--compass-step", type=float, default=0.05, help="first compass step, as a share of each range")
    s.add_argument("--history", type=Path, help="write every evaluation to this CSV file")
    s.add_argument("--continue-from", type=Path, metavar="HISTORY",
                   help="start from the best point of an earlier search's history file (no wide screen)")
    s.add_argument("--from-defaults", action="store_true",
                   help="start from the current defaults (the previous fit; no wide screen)")
    s.add_argument("--vary", nargs="+", metavar="NAME", choices=[fp.name for fp in FREE],
                   help="vary only these free parameters; the others keep their current values")
    s.add_argument("--dry-run", action="store_true", help="do not write the defaults or the record")
    v = sub.add_parser("verify", help="check the current defaults against the targets")
    v.add_argument("--residents", type=int, default=2000)
    v.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args(argv)
    if args.cmd == "search":
        config = SearchConfig(n_residents=args.residents, years=args.years, seeds=tuple(range(args.seeds)),
                              workers=args.workers)
        free = tuple(fp for fp in FREE if not args.vary or fp.name in args.vary)
        resumed = args.continue_from or args.from_defaults
        stages = tuple(stage for stage in ((args.screen[0], 1, 1.0), (args.screen[1], 2, 0.25))
                       if stage[0] and not (resumed and stage[2] == 1.0))
        start = (best_of_history(args.continue_from, free) if args.continue_from
                 else current_point(free) if args.from_defaults else None)
        history = search(config, free, stages=stages, max_evals=args.max_evals, history_file=args.history,
                         start=start, diff_step=args.diff_step, compass=args.compass, compass_step=args.compass_step)
        best = history.best("start", "refine", "compass")
        print(json.dumps({"objective": best.objective, "parameters": overrides_for(best.x, free),
                          "values": best.values}, indent=2))
        if not args.dry_run:
            parts = ([f"from the best point of an earlier search ({args.continue_from.name})"] if args.continue_from
                     else ["from the defaults of the previous fit"] if args.from_defaults else [])
            if args.vary:
                parts.append(f"varying {', '.join(args.vary)} (the others kept)")
            parts += [f"a Latin-hypercube screen of {points} points ({'the whole box' if width == 1 else 'a quarter of '
                      'the box around the best'}, {n} seed{'s' if n > 1 else ''})" for points, n, width in stages]
            if args.max_evals:
                parts.append(f"least squares (scipy TRF, {args.max_evals} evaluations) on {args.seeds} seeds")
            if args.compass:
                parts.append(f"{args.compass} sweeps of a compass search (first step {args.compass_step:g} of each "
                             f"range) on {args.seeds} seeds")
            write_calibrated(best, config, ", then ".join(parts), free)
            print(f"wrote the defaults into {SCHEMA_FILE} and the record {FIT_RECORD}")
        return 0
    table = verify(n_residents=args.residents, seeds=range(args.seeds))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.drop(columns=["source"]).round(4).to_string(index=False))
    return 0 if table["pass"].all() else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["FREE", "TARGETS", "FreeParameter", "SearchConfig", "Target", "objective_value",
           "search", "target_table", "verify", "write_calibrated"]
