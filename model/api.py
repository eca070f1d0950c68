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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.core.outputs import OUTPUTS
from model.experiments.analysis import Analysis, SweepResults, analyse, load_results, publish_findings
from model.experiments.budget import BudgetError, Cost, batch_cost, check_memory
from model.experiments.comparison import (
    DEFAULT_THRESHOLD,
    KEY_OUTPUTS,
    clear_effects,
    comparison_table,
    format_table,
    neighbourhood_differences,
    weeks_averaged,
)
from model.experiments.plots import FIGURE_OUTPUTS, draw_bands, key_output_figures, plot_key_outputs
from model.experiments.provenance import git_state, model_digest, versions
from model.experiments.publish import publish_folder
from model.experiments.runner import RunResult, last_weeks, run, run_many
from model.experiments.scenarios import InterventionSpec, Scenario, list_scenarios, load_scenario
from model.experiments.spreadsheet import WORKBOOK_NAMES, read_csv, write_csv, write_workbook
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
from model.i18n import DEFAULT_CSV_DIALECT, scenario_title
from model.messages import InputError, msg
from model.opendata.commands import CityRun

#: The files every ``run``/``compare`` results folder has.
RESULT_FILES = ("manifest.json", "city.parquet", "neighbourhoods.parquet")
#: Parameters that set the size of a run, not the model.
SIZE_PARAMETERS = ("n_residents", "years")


class ResultsError(InputError):
    """A results folder that cannot be read or combined; the message is one line."""


# ---------------------------------------------------------------------- running in memory
def scenario_tables(scenario: Scenario, seed: int) -> dict[str, pd.DataFrame]:
    """One run of a scenario (a task of the run store): its city and neighbourhood tables."""
    result = scenario.run(seed)
    return {"city": result.city, "neighbourhoods": result.neighbourhoods}


def scenario_tasks(scenarios: Sequence[Scenario], seeds: Sequence[int]) -> list[Task]:
    """One task per scenario and seed (paired replications), keyed ``<scenario>--seed-<seed>``."""
    specs = {sc.name: sc.to_dict() for sc in scenarios}  # once per scenario: batches may have many seeds
    return [Task(f"{sc.name}--seed-{seed}", scenario_tables, (sc, seed), {"scenario": specs[sc.name], "seed": seed},
                 sc.settled_group(seed)) for sc in scenarios for seed in seeds]


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
                  lang: str = "en", csv_dialect: str | None = None, city: CityRun | None = None) -> Path:
    """Write tidy tables, a workbook, figures and the manifest atomically.

    The folder is published atomically (:func:`model.experiments.publish.publish_folder`).

    Files: ``city`` and ``neighbourhoods`` as Parquet and CSV (a ``scenario`` column, one row per
    scenario, seed, week [and neighbourhood]), ``summary.csv`` (the comparison table), the Excel workbook
    (``resultaten.xlsx``, in English ``results.xlsx``: :func:`model.experiments.spreadsheet.write_workbook`),
    one PNG per key output and ``manifest.json``; for a run in a real ``city`` also ``city.toml`` and
    ``observed.csv`` (:meth:`model.opendata.commands.CityRun.write`).

    Args:
        out: The results folder; it must not exist.
        results: The runs by scenario name.
        table: Their :func:`comparison_table` (in ``lang``).
        manifest: What :func:`run_manifest` made.
        lang: Language of the workbook and figures: ``"nl"`` or ``"en"``.
        csv_dialect: A key of :data:`model.i18n.CSV_DIALECTS` (default: the language's, ``excel-nl`` for Dutch).
        city: The real city the runs were in, if any.

    Raises:
        StoreError: ``out`` exists already (results are never overwritten).

    """
    dialect = csv_dialect or DEFAULT_CSV_DIALECT[lang]
    manifest = manifest | {"language": lang, "csv_dialect": dialect}

    def fill(folder: Path) -> None:
        for part in ("city", "neighbourhoods"):
            frame = pd.concat([getattr(r, part).assign(scenario=name) for name, r in results.items()],
                              ignore_index=True)
            frame = frame[["scenario", *frame.columns[:-1]]]
            frame.to_parquet(folder / f"{part}.parquet", index=False)
            write_csv(frame, folder / f"{part}.csv", dialect)
            if part == "city":
                plot_key_outputs(frame, folder, lang=lang, names=scenario_titles(manifest["scenarios"], lang))
        write_csv(table, folder / "summary.csv", dialect)
        write_workbook(folder / WORKBOOK_NAMES[lang], results, table, manifest, lang)
        if city is not None:
            city.write(folder, results)
        write_manifest(folder, manifest)

    return publish_folder(out, fill)


def scenario_records(scenarios: Sequence[Scenario]) -> list[dict[str, Any]]:
    """The scenarios as a manifest records them: everything resolved, with the file and its text."""
    return [sc.to_dict() | {"path": str(sc.path), "source": sc.source} for sc in scenarios]


def save_comparison(scenarios: Sequence[Scenario], seeds: Sequence[int], out: Path, command: Sequence[str],
                    jobs: int | None = None, scheduler: str | None = None, lang: str = "en",
                    csv_dialect: str | None = None, city: CityRun | None = None,
                    ) -> tuple[dict[str, RunResult], pd.DataFrame]:
    """Run scenarios on the same seeds (resumably), summarise them and write a results folder.

    What ``vitality run`` and ``compare`` do: see :func:`stored_batch` for resuming and
    :func:`write_results` for the folder (in ``lang``, its CSV files in ``csv_dialect``).

    Returns:
        The results by scenario name and their :func:`comparison_table` (in ``lang``).

    Raises:
        StoreError: ``out`` exists already, or its work folder holds another batch.
        BatchStoppedError: Runs failed or the batch was interrupted; finished runs are kept.

    """
    with stored_batch(scenario_tasks(scenarios, seeds), out, command, jobs, scheduler) as (store, report):
        results, timings = collect_scenarios(store, report)
        table = comparison_table(results, lang=lang)
        manifest = run_manifest(command, timings, seeds=list(seeds), scenarios=scenario_records(scenarios),
                                **({"city": city.manifest()} if city else {}))
        write_results(out, results, table, manifest, lang, csv_dialect, city)
    return results, table


def scenario_titles(scenarios: Sequence[Scenario | dict[str, Any]], lang: str) -> dict[str, str]:
    """The scenarios' names in ``lang`` (their titles), by scenario name."""
    return {(sc["name"] if isinstance(sc, dict) else sc.name): scenario_title(sc, lang) for sc in scenarios}


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


def save_tipping(design: TippingDesign, out: Path, command: Sequence[str], jobs: int | None = None,
                 scheduler: str | None = None, docs: Path | None = None, lang: str = "en") -> Tipping:
    """Run a tipping experiment (resumably) and write its results folder, and the documentation's page if asked.

    The folder's files are those of :meth:`Tipping.write` and ``manifest.json``; with ``docs`` also
    ``docs/tipping.md`` and ``docs/figures/tipping.png`` (:meth:`Tipping.publish`); findings, figure and
    document in ``lang``.

    Raises:
        StoreError: ``out`` exists already, or its work folder holds another batch.
        BatchStoppedError: Runs failed or the batch was interrupted; finished runs are kept.

    """
    tasks = design.tasks()
    with stored_batch(tasks, out, command, jobs, scheduler) as (store, report):
        tipping = collect_tipping(design, store, lang)
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


def save_analysis(results: SweepResults, out: Path, lang: str = "en") -> Analysis:
    """Analyse a sweep's results (:func:`analyse`) and write its tables, figures and findings (in ``lang``) to ``out``.

    Raises:
        StoreError: ``out`` exists already.

    """
    analysis = analyse(results, lang)
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
            raise ResultsError(msg("results.not_a_folder", folder=folder, name=name))
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        names = [sc["name"] for sc in manifest["scenarios"]]
        _setup(manifest)
    except json.JSONDecodeError as exc:
        raise ResultsError(msg("results.bad_json", path=folder / "manifest.json", problem=str(exc))) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ResultsError(msg("results.bad_manifest", path=folder / "manifest.json", problem=str(exc))) from None
    try:
        city = pd.read_parquet(folder / "city.parquet")
        neighbourhoods = pd.read_parquet(folder / "neighbourhoods.parquet")
    except (OSError, ValueError) as exc:
        raise ResultsError(msg("results.unreadable", folder=folder, problem=str(exc).splitlines()[0])) from None
    for table, frame in (("city", city), ("neighbourhoods", neighbourhoods)):
        if "scenario" not in frame or set(frame["scenario"]) != set(names):
            raise ResultsError(msg("results.changed", folder=folder, table=table))
        if missing := [name for name in OUTPUTS if name not in frame]:
            raise ResultsError(msg("results.older", folder=folder, table=table, column=missing[0]))
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
                raise ResultsError(msg("results.twice", name=name))
            scenarios.append(sc)
            results[name] = RunResult(*(frame[frame["scenario"] == name].drop(columns="scenario")
                                        .reset_index(drop=True) for frame in (folder.city, folder.neighbourhoods)))
    first = _setup(folders[0].manifest)
    for folder in folders[1:]:
        setup = _setup(folder.manifest)
        for key in first:
            if setup[key] != first[key]:
                raise ResultsError(msg("results.differ", first=folders[0].path, other=folder.path, key=key,
                                       a=first[key], b=setup[key]))
    return Comparison(list(folders), scenarios, results, first["seeds"])


__all__ = [
    "DEFAULT_THRESHOLD", "DESIGN_DIR", "FIGURE_OUTPUTS", "KEY_OUTPUTS", "OUTPUTS", "Analysis", "BatchStoppedError",
    "BudgetError", "Comparison", "Cost", "Design", "InterventionSpec", "ResultsError", "ResultsFolder", "RunResult",
    "Scenario", "Stopped", "StoreError", "SweepResults", "Task", "Tipping", "TippingDesign", "analyse", "batch_cost",
    "check_memory", "ci95_half_width", "clear_effects", "combine", "comparison_table", "default_jobs", "draw_bands",
    "format_table", "is_clear", "key_output_figures", "last_weeks", "list_scenarios", "load_design", "load_results",
    "load_scenario", "mean_ci", "neighbourhood_differences", "plot_key_outputs", "publish_findings", "read_csv",
    "read_results", "run", "run_design_point", "run_many", "run_scenarios", "run_sweep", "run_tipping",
    "save_analysis", "save_comparison", "save_sweep", "save_tipping", "scenario_tasks", "scenario_titles",
    "stop_on_signals", "stored_batch", "unfinished_out", "weeks_averaged", "work_folder", "write_results",
]
