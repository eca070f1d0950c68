"""The public Python API: batches of runs, comparisons, sweeps, results folders and their statistics.

Everything the ``vitality`` command does is here, for use from Python (notebooks, the report, the
dashboard, the EMA Workbench adapter); :mod:`model.cli` only parses arguments and calls it::

    from model.api import comparison_table, load_scenario, run_scenarios

    results = run_scenarios([load_scenario(name) for name in ("framing", "facilitating")], seeds=range(10))
    comparison_table(results)        # means and paired differences with 95% CIs, as `vitality compare` prints

* In memory, in parallel worker processes: :func:`run_scenarios`, :func:`run_sweep`, :func:`run_tipping`, and
  one point of a design: :func:`run_design_point`. One run or replications in this process: :func:`run`,
  :func:`run_many`.
* Statistics: :func:`comparison_table`, :func:`mean_ci`, :func:`ci95_half_width`; figures with bands:
  :func:`draw_bands`, :func:`key_output_figures`; sweeps: :func:`analyse`.
* Results folders (what ``run``, ``compare``, ``sweep``, ``analyse`` and ``tipping`` write):
  :func:`save_comparison`, :func:`save_sweep`, :func:`save_analysis`, :func:`save_tipping` run resumably and
  publish atomically; :func:`publish_findings` puts a sweep's findings into the documentation; :func:`read_results`
  and :func:`combine` read ``run``/``compare`` folders back, :func:`load_results` ``sweep`` folders.
* Scenario files and designs: :func:`load_scenario`, :func:`list_scenarios`, :func:`load_design`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.core.outputs import OUTPUTS
from model.core.time import WEEKS_PER_YEAR
from model.experiments.analysis import Analysis, SweepResults, analyse, load_results, publish_findings
from model.experiments.budget import BudgetError, Cost, batch_cost, check_memory
from model.experiments.plots import FIGURE_OUTPUTS, draw_bands, key_output_figures, plot_key_outputs
from model.experiments.provenance import git_state, model_digest, versions
from model.experiments.publish import publish_folder
from model.experiments.runner import RunResult, last_weeks, run, run_many
from model.experiments.scenarios import InterventionSpec, Scenario, list_scenarios, load_scenario
from model.experiments.statistics import ci95_half_width, is_clear, mean_ci
from model.experiments.store import (
    BatchReport,
    BatchStoppedError,
    RunStore,
    Stopped,
    StoreError,
    Task,
    default_jobs,
    stop_on_signals,
    stored_batch,
    temporary_batch,
    unfinished_out,
    work_folder,
)
from model.experiments.sweeps import DESIGN_DIR, Design, collect_sweep, load_design, sweep_run
from model.experiments.tipping import Tipping, TippingDesign, collect_tipping
from model.opendata.commands import CityRun

#: The outputs a comparison summarises by default (their labels are in :data:`model.core.outputs.OUTPUTS`).
KEY_OUTPUTS = ("community_strength", "lonely_share", "severe_share", "casework_load", "open_cases", "waiting_list",
               "admin_share", "volunteering_share_year", "total_cost_eur")
#: A neighbourhood difference of 5% of the reference value is worth an alderman's attention.
DEFAULT_THRESHOLD = 0.05
#: The files every ``run``/``compare`` results folder has.
RESULT_FILES = ("manifest.json", "city.parquet", "neighbourhoods.parquet")
#: Parameters that set the size of a run, not the model.
SIZE_PARAMETERS = ("n_residents", "years")


class ResultsError(ValueError):
    """A results folder that cannot be read or combined; the message is one line."""


# ---------------------------------------------------------------------- running in memory
def scenario_tables(scenario: Scenario, seed: int) -> dict[str, pd.DataFrame]:
    """One run of a scenario (a task of the run store): its city and neighbourhood tables."""
    result = scenario.run(seed)
    return {"city": result.city, "neighbourhoods": result.neighbourhoods}


def scenario_tasks(scenarios: Sequence[Scenario], seeds: Sequence[int]) -> list[Task]:
    """One task per scenario and seed (paired replications), keyed ``<scenario>--seed-<seed>``."""
    specs = {sc.name: sc.to_dict() for sc in scenarios}  # once per scenario: batches may have many seeds
    return [Task(f"{sc.name}--seed-{seed}", scenario_tables, (sc, seed), {"scenario": specs[sc.name], "seed": seed})
            for sc in scenarios for seed in seeds]


def collect_scenarios(store: RunStore, report: BatchReport) -> tuple[dict[str, RunResult], dict[str, Any]]:
    """Gather a finished batch of :func:`scenario_tasks` by scenario, with its timings.

    Args:
        store: The entered store, every run finished.
        report: What :func:`model.experiments.store.run_batch` did in this session.

    Returns:
        The results by scenario name (seeds in order) and the timings for the manifest.

    """
    city: dict[str, list[pd.DataFrame]] = {}
    nbh: dict[str, list[pd.DataFrame]] = {}
    seconds: dict[str, float] = {}
    for task in store.tasks:
        name = task.args[0].name
        tables = store.load(task.key)
        city.setdefault(name, []).append(tables["city"])
        nbh.setdefault(name, []).append(tables["neighbourhoods"])
        seconds[name] = round(seconds.get(name, 0.0) + store.seconds(task.key), 2)
    results = {name: RunResult(pd.concat(city[name], ignore_index=True), pd.concat(nbh[name], ignore_index=True))
               for name in city}
    return results, batch_timings(report, run_seconds_per_scenario=seconds)


def run_scenarios(scenarios: Sequence[Scenario], seeds: Sequence[int], jobs: int | None = None,
                  scheduler: str | None = None) -> dict[str, RunResult]:
    """Run scenarios on the same seeds in parallel and return the results in memory (no results folder).

    What ``vitality compare`` runs; pass the results to :func:`comparison_table`.

    Args:
        scenarios: The scenarios, with distinct names.
        seeds: One run per scenario and seed (paired across scenarios).
        jobs: Local worker processes (default: one per CPU core; 1 runs in this process).
        scheduler: Address of a Dask distributed scheduler to run on instead.

    Returns:
        The results by scenario name, in the order given, seeds in order.

    Raises:
        RuntimeError: A run failed (the message holds its traceback).

    """
    with temporary_batch(scenario_tasks(scenarios, seeds), jobs, scheduler) as (store, report):
        return collect_scenarios(store, report)[0]


def run_sweep(design: Design, jobs: int | None = None, scheduler: str | None = None) -> SweepResults:
    """Run a design's sweep in parallel and return its results in memory (no results folder).

    What ``vitality sweep`` runs; pass the results to :func:`analyse` or its parts
    (``sobol_indices``, ``discover``, ... in :mod:`model.experiments.analysis`).

    Args:
        design: The design (e.g. ``load_design(name).with_overrides(...)``).
        jobs: Local worker processes (default: one per CPU core; 1 runs in this process).
        scheduler: Address of a Dask distributed scheduler to run on instead.

    Returns:
        The design, its sample and points, and every run's outputs, as :func:`load_results` reads them from
        a results folder.

    Raises:
        DesignError: A point's values do not form valid parameters.
        RuntimeError: A run failed (the message holds its traceback).

    """
    sample = design.sample()
    points = design.points(sample)
    with temporary_batch(design.tasks(points), jobs, scheduler) as (store, _):
        runs = collect_sweep(design, store)
    return SweepResults(design.to_dict(), sample, points, runs)


def run_tipping(design: TippingDesign, jobs: int | None = None, scheduler: str | None = None) -> Tipping:
    """Run a tipping experiment in parallel and keep its results in memory (no results folder).

    What ``vitality tipping`` runs; the result gives the tables (``summary``, ``excess``), the findings, the
    figure and the document (:class:`model.experiments.tipping.Tipping`).

    Args:
        design: The experiment (:class:`model.experiments.tipping.TippingDesign`).
        jobs: Local worker processes (default: one per CPU core; 1 runs in this process).
        scheduler: Address of a Dask distributed scheduler to run on instead.

    Raises:
        RuntimeError: A run failed (the message holds its traceback).

    """
    with temporary_batch(design.tasks(), jobs, scheduler) as (store, _):
        return collect_tipping(design, store)


def run_design_point(design: Design, values: dict[str, Any], seed: int,
                     scenario: str | None = None) -> dict[str, float]:
    """One run of a design at one point, in this process: its outputs, as a sweep records them.

    Args:
        design: The design (scenarios, run size, outputs, final weeks).
        values: The varied parameters' values by design name (``case_hours[2]``, ``steering.framing.control``).
        seed: The run's seed.
        scenario: Name of the design's scenario to run (default: its first).

    Returns:
        Each of the design's outputs: the run's mean over its last ``final_weeks`` weeks.

    Raises:
        DesignError: The values do not form valid parameters.

    """
    base = design.scenarios[0] if scenario is None else next(sc for sc in design.scenarios if sc.name == scenario)
    values = {k: v.item() if isinstance(v, np.generic) else v for k, v in values.items()}
    final = sweep_run(design.at_point(base, values), seed, design.final_weeks)["final"].iloc[0]
    return {output: float(final[output]) for output in design.outputs}


# ---------------------------------------------------------------------- statistics
def comparison_table(results: dict[str, RunResult], keys: Iterable[str] = KEY_OUTPUTS,
                     weeks: int = WEEKS_PER_YEAR, lang: str = "en") -> pd.DataFrame:
    """Key outputs per scenario, and their differences against the first scenario, with 95% CIs.

    Each seed's outputs are averaged over the last ``weeks`` weeks; the intervals are over
    seeds, within each output's range (see :mod:`model.experiments.statistics`), and those of the
    differences over the paired (same-seed) differences; with fewer than 2 seeds they are NaN.

    Args:
        results: Results by scenario name, all on the same seeds; the first is the reference.
        keys: City outputs to summarise, by name.
        weeks: Length of the final period averaged per seed.
        lang: Language of the ``output`` column (the outputs' labels): ``"en"`` or ``"nl"``.

    Returns:
        One row per output and scenario: ``output`` (its label), ``key`` (its name), ``scenario``,
        ``mean``, ``ci_low``, ``ci_high`` and (except for the reference) ``difference``,
        ``diff_ci_low``, ``diff_ci_high``.

    """
    finals = {name: r.final(weeks) for name, r in results.items()}
    reference = next(iter(finals.values()))
    rows = []
    for key in keys:
        for i, (name, final) in enumerate(finals.items()):
            mean, low, high = mean_ci(final[key], OUTPUTS[key].bounds)
            row = {"output": OUTPUTS[key].label[lang], "key": key, "scenario": name, "mean": mean, "ci_low": low,
                   "ci_high": high}
            if i:
                diff, dlow, dhigh = mean_ci(final[key] - reference[key])  # aligned on seed
                row |= {"difference": diff, "diff_ci_low": dlow, "diff_ci_high": dhigh}
            rows.append(row)
    return pd.DataFrame(rows)


def _num(v: float, sign: str = "") -> str:
    """Format a number with as many decimals as its size needs (``sign="+"`` shows a plus sign)."""
    if pd.isna(v):
        return "nan"
    return f"{v:{sign},.0f}" if abs(v) >= 100 else f"{v:{sign}.2f}" if abs(v) >= 1 else f"{v:{sign}.3f}"


def _interval(value: float, low: float, high: float, sign: str = "") -> str:
    """``value [low, high]``, or the value alone when there is no interval (fewer than 2 seeds)."""
    shown = _num(value, sign)
    return shown if pd.isna(low) else f"{shown} [{_num(low, sign)}, {_num(high, sign)}]"


def format_table(table: pd.DataFrame) -> str:
    """Render a :func:`comparison_table` as text: value [95% CI] per output and scenario."""
    shown = pd.DataFrame({
        "output": table["output"], "scenario": table["scenario"],
        "mean [95% CI]": [_interval(m, lo, hi)
                          for m, lo, hi in zip(table["mean"], table["ci_low"], table["ci_high"], strict=True)],
    })
    if "difference" in table:
        shown["difference [95% CI]"] = [
            "(reference)" if pd.isna(d) else _interval(d, lo, hi, "+")
            for d, lo, hi in zip(table["difference"], table["diff_ci_low"], table["diff_ci_high"], strict=True)]
    if table["scenario"].nunique() == 1:
        shown = shown.drop(columns="scenario")
    return shown.to_string(index=False)


def neighbourhood_differences(results: dict[str, RunResult], keys: Sequence[str], threshold: float = DEFAULT_THRESHOLD,
                              weeks: int = WEEKS_PER_YEAR) -> pd.DataFrame:
    """Paired differences per neighbourhood against the first scenario, and whether each matters.

    Each seed's outputs are averaged per neighbourhood over the last ``weeks`` weeks (as the city
    summary). A difference *matters* when the 95% CI of the paired (same seed) differences excludes
    zero and its size is at least ``threshold`` times the reference scenario's mean in that neighbourhood.

    Returns:
        One row per scenario (except the reference), neighbourhood and output: ``difference``,
        ``diff_ci_low``, ``diff_ci_high``, ``reference_mean``, ``relative`` and ``matters``.

    """
    finals = {name: r.final_by_neighbourhood(weeks)[list(keys)] for name, r in results.items()}
    reference = next(iter(finals.values()))
    rows = []
    for name, scenario in list(finals.items())[1:]:
        paired = scenario.join(reference.add_suffix("_ref"), how="inner")  # aligned on neighbourhood and seed
        for nbh, runs in paired.groupby(level="neighbourhood", sort=False):
            for key in keys:
                diff, low, high = mean_ci(runs[key] - runs[f"{key}_ref"])
                ref_mean = float(runs[f"{key}_ref"].mean())
                relative = diff / abs(ref_mean) if ref_mean else math.copysign(math.inf, diff) if diff else 0.0
                rows.append({"scenario": name, "neighbourhood": nbh, "key": key, "difference": diff,
                             "diff_ci_low": low, "diff_ci_high": high, "reference_mean": ref_mean,
                             "relative": relative, "matters": is_clear(low, high) and abs(relative) >= threshold})
    return pd.DataFrame(rows, columns=["scenario", "neighbourhood", "key", "difference", "diff_ci_low",
                                       "diff_ci_high", "reference_mean", "relative", "matters"])


def weeks_averaged(results: dict[str, RunResult], weeks: int = WEEKS_PER_YEAR) -> int:
    """Number of weeks in the final period that :meth:`RunResult.final` averages."""
    return int(last_weeks(next(iter(results.values())).city, weeks)["week"].nunique())


# ---------------------------------------------------------------------- results folders: writing
def batch_timings(report: BatchReport, **run_seconds: Any) -> dict[str, Any]:
    """Timings for a manifest: the runs' own seconds (as given), this session's wall time and run counts."""
    return {**run_seconds, "wall_seconds_this_session": report.seconds, "runs_done_this_session": report.done,
            "runs_resumed": report.resumed}


def run_manifest(command: Sequence[str], timings: dict[str, Any], **content: Any) -> dict[str, Any]:
    """The manifest of a results folder: the command, ``content``, timings, versions, git commit and model digest."""
    return {"command": list(command), "created": datetime.now().isoformat(timespec="seconds"), **content,
            "timings": timings, "versions": versions(), "git": git_state(), "model_digest": model_digest()}


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` (UTF-8, indented)."""
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False),
                                          encoding="utf-8")


def write_results(out: Path, results: dict[str, RunResult], table: pd.DataFrame, manifest: dict[str, Any],
                  city: CityRun | None = None) -> Path:
    """Write tidy tables, figures and the manifest atomically (see :func:`model.experiments.publish.publish_folder`).

    Files: ``city`` and ``neighbourhoods`` as Parquet and CSV (a ``scenario`` column, one row per
    scenario, seed, week [and neighbourhood]), ``summary.csv`` (the comparison table), one PNG per
    key output and ``manifest.json``; for a run in a real ``city`` also ``city.toml`` and
    ``observed.csv`` (:meth:`model.opendata.commands.CityRun.write`).

    Raises:
        StoreError: ``out`` exists already (results are never overwritten).

    """
    def fill(folder: Path) -> None:
        for part in ("city", "neighbourhoods"):
            frame = pd.concat([getattr(r, part).assign(scenario=name) for name, r in results.items()],
                              ignore_index=True)
            frame = frame[["scenario", *frame.columns[:-1]]]
            frame.to_parquet(folder / f"{part}.parquet", index=False)
            frame.to_csv(folder / f"{part}.csv", index=False)
            if part == "city":
                plot_key_outputs(frame, folder)
        table.to_csv(folder / "summary.csv", index=False)
        if city is not None:
            city.write(folder, results)
        write_manifest(folder, manifest)

    return publish_folder(out, fill)


def scenario_records(scenarios: Sequence[Scenario]) -> list[dict[str, Any]]:
    """The scenarios as a manifest records them: everything resolved, with the file and its text."""
    return [sc.to_dict() | {"path": str(sc.path), "source": sc.source} for sc in scenarios]


def save_comparison(scenarios: Sequence[Scenario], seeds: Sequence[int], out: Path, command: Sequence[str],
                    jobs: int | None = None, scheduler: str | None = None,
                    city: CityRun | None = None) -> tuple[dict[str, RunResult], pd.DataFrame]:
    """Run scenarios on the same seeds (resumably), summarise them and write a results folder.

    What ``vitality run`` and ``compare`` do: see :func:`stored_batch` for resuming and
    :func:`write_results` for the folder.

    Returns:
        The results by scenario name and their :func:`comparison_table`.

    Raises:
        StoreError: ``out`` exists already, or its work folder holds another batch.
        BatchStoppedError: Runs failed or the batch was interrupted; finished runs are kept.

    """
    with stored_batch(scenario_tasks(scenarios, seeds), out, command, jobs, scheduler) as (store, report):
        results, timings = collect_scenarios(store, report)
        table = comparison_table(results)
        manifest = run_manifest(command, timings, seeds=list(seeds), scenarios=scenario_records(scenarios),
                                **({"city": city.manifest()} if city else {}))
        write_results(out, results, table, manifest, city)
    return results, table


def save_sweep(design: Design, out: Path, command: Sequence[str], jobs: int | None = None,
               scheduler: str | None = None, note: str = "") -> pd.DataFrame:
    """Run a design's sweep (resumably) and write its results folder.

    Files: ``design.toml`` (``note`` and the design file), ``sample.csv``, ``points.csv``,
    ``runs.parquet``/``runs.csv`` (one row per point, scenario and seed: parameter values and every
    city output) and ``manifest.json``.

    Returns:
        The runs.

    Raises:
        DesignError: A point's values do not form valid parameters.
        StoreError: ``out`` exists already, or its work folder holds another batch.
        BatchStoppedError: Runs failed or the batch was interrupted; finished runs are kept.

    """
    sample = design.sample()
    points = design.points(sample)
    tasks = design.tasks(points)
    with stored_batch(tasks, out, command, jobs, scheduler) as (store, report):
        runs = collect_sweep(design, store)
        manifest = run_manifest(command, batch_timings(report, run_seconds_total=round(
            sum(store.seconds(t.key) for t in tasks), 2)), design=design.to_dict(),
            scenarios=scenario_records(design.scenarios))

        def fill(folder: Path) -> None:
            (folder / "design.toml").write_text(note + design.source, encoding="utf-8")
            sample.to_csv(folder / "sample.csv")
            points.to_csv(folder / "points.csv")
            runs.to_parquet(folder / "runs.parquet", index=False)
            runs.to_csv(folder / "runs.csv", index=False)
            write_manifest(folder, manifest)

        publish_folder(out, fill)
    return runs


def save_tipping(design: TippingDesign, out: Path, command: Sequence[str],
                 jobs: int | None = None, scheduler: str | None = None, docs: Path | None = None) -> Tipping:
    """Run a tipping experiment (resumably) and write its results folder, and the documentation's page if asked.

    The folder's files are those of :meth:`Tipping.write` and ``manifest.json``; with ``docs`` also
    ``docs/tipping.md`` and ``docs/figures/tipping.png`` (:meth:`Tipping.publish`).

    Raises:
        StoreError: ``out`` exists already, or its work folder holds another batch.
        BatchStoppedError: Runs failed or the batch was interrupted; finished runs are kept.

    """
    tasks = design.tasks()
    with stored_batch(tasks, out, command, jobs, scheduler) as (store, report):
        tipping = collect_tipping(design, store)
        manifest = run_manifest(command, batch_timings(report, run_seconds_total=round(
            sum(store.seconds(t.key) for t in tasks), 2)), tipping=design.to_dict(),
            scenarios=scenario_records([design.scenario]))

        def fill(folder: Path) -> None:
            tipping.write(folder, manifest)
            write_manifest(folder, manifest)

        publish_folder(out, fill)
    if docs is not None:
        tipping.publish(docs, manifest)
    return tipping


def save_analysis(results: SweepResults, out: Path) -> Analysis:
    """Analyse a sweep's results (:func:`analyse`) and write its tables, figures and findings to ``out``.

    Raises:
        StoreError: ``out`` exists already.

    """
    analysis = analyse(results)
    publish_folder(out, analysis.write)
    return analysis


# ---------------------------------------------------------------------- results folders: reading
@dataclass
class ResultsFolder:
    """One results folder written by ``vitality run`` or ``vitality compare``."""

    path: Path
    manifest: dict[str, Any]
    city: pd.DataFrame
    neighbourhoods: pd.DataFrame


@dataclass
class Comparison:
    """Scenarios run on the same seeds, from one or more results folders; the first scenario is the reference.

    Attributes:
        folders: The results folders, in the order given.
        scenarios: The scenarios as the manifests record them (name, descriptions, parameters, interventions,
            source text), in order.
        results: City and neighbourhood outputs by scenario name.
        seeds: The seeds every scenario was run with.

    """

    folders: list[ResultsFolder]
    scenarios: list[dict[str, Any]]
    results: dict[str, RunResult]
    seeds: list[int]

    @property
    def reference(self) -> dict[str, Any]:
        """The reference (first) scenario."""
        return self.scenarios[0]


def read_results(folder: Path) -> ResultsFolder:
    """Read a results folder of ``vitality run`` or ``compare``, checking that it is one.

    Raises:
        ResultsError: A file is missing or unreadable, or the manifest does not match the tables.

    """
    for name in RESULT_FILES:
        if not (folder / name).is_file():
            raise ResultsError(f"{folder} is not a results folder (no {name}); give a folder written by "
                               "`vitality run` or `vitality compare`")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        names = [sc["name"] for sc in manifest["scenarios"]]
        _setup(manifest)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{folder / 'manifest.json'} is not valid JSON ({exc}); was it edited by hand?") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ResultsError(f"{folder / 'manifest.json'} lacks {exc} or has it in the wrong form; "
                           "give a folder written by `vitality run` or `vitality compare`") from None
    try:
        city = pd.read_parquet(folder / "city.parquet")
        neighbourhoods = pd.read_parquet(folder / "neighbourhoods.parquet")
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{folder}: cannot read its tables ({str(exc).splitlines()[0]})") from None
    for table, frame in (("city", city), ("neighbourhoods", neighbourhoods)):
        if "scenario" not in frame or set(frame["scenario"]) != set(names):
            raise ResultsError(f"{folder}: {table}.parquet and manifest.json name different scenarios; "
                               "the folder was changed after it was written")
        if missing := [name for name in OUTPUTS if name not in frame]:
            raise ResultsError(f"{folder}: {table}.parquet has no {missing[0]} column: it was written by an older "
                               "version of the model; run its scenarios again")
    return ResultsFolder(folder, manifest, city, neighbourhoods)


def _setup(manifest: dict[str, Any]) -> dict[str, Any]:
    """What must be equal for results to be compared: seeds and size (those of the first scenario)."""
    params = manifest["scenarios"][0]["parameters"]
    return {"seeds": [int(seed) for seed in manifest["seeds"]]} | {key: params[key] for key in SIZE_PARAMETERS}


def combine(folders: Sequence[ResultsFolder]) -> Comparison:
    """Put the scenarios of one or more results folders into one comparison.

    Raises:
        ResultsError: A scenario appears twice, or the folders were run with different seeds or sizes.

    """
    scenarios, results = [], {}
    for folder in folders:
        for sc in folder.manifest["scenarios"]:
            name = sc["name"]
            if name in results:
                raise ResultsError(f"scenario {name!r} is in more than one results folder; give each scenario once")
            scenarios.append(sc)
            results[name] = RunResult(*(frame[frame["scenario"] == name].drop(columns="scenario")
                                        .reset_index(drop=True) for frame in (folder.city, folder.neighbourhoods)))
    first = _setup(folders[0].manifest)
    for folder in folders[1:]:
        setup = _setup(folder.manifest)
        for key in first:
            if setup[key] != first[key]:
                raise ResultsError(f"{folders[0].path} and {folder.path} differ in {key} ({first[key]} vs "
                                   f"{setup[key]}), so they cannot be compared; run the scenarios together with "
                                   "`vitality compare`")
    return Comparison(list(folders), scenarios, results, first["seeds"])


__all__ = [
    "DEFAULT_THRESHOLD", "DESIGN_DIR", "FIGURE_OUTPUTS", "KEY_OUTPUTS", "OUTPUTS", "Analysis", "BatchStoppedError",
    "BudgetError", "Comparison", "Cost", "Design", "InterventionSpec", "ResultsError", "ResultsFolder", "RunResult",
    "Scenario", "Stopped", "StoreError", "SweepResults", "Task", "Tipping", "TippingDesign", "analyse", "batch_cost",
    "check_memory", "ci95_half_width", "combine", "comparison_table", "default_jobs", "draw_bands", "format_table",
    "is_clear", "key_output_figures", "last_weeks", "list_scenarios", "load_design", "load_results", "load_scenario",
    "mean_ci", "neighbourhood_differences", "plot_key_outputs", "publish_findings", "read_results", "run",
    "run_design_point", "run_many", "run_scenarios", "run_sweep", "run_tipping", "save_analysis", "save_comparison",
    "save_sweep", "save_tipping", "scenario_tasks", "stop_on_signals", "stored_batch", "unfinished_out",
    "weeks_averaged", "work_folder", "write_results"
]
