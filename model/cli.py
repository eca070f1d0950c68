"""The ``vitality`` command line: run and compare scenarios, sweep experimental designs and analyse them.

Commands: ``run [SCENARIO]``, ``compare SCENARIO...``, ``report RESULTS_OR_SCENARIO...`` (in
:mod:`model.reporting.report`), ``sweep DESIGN``, ``analyse RESULTS``, ``tipping [SCENARIO]``, ``list`` and
``show SCENARIO``.
Runs are stored as they finish (:mod:`model.experiments.store`), so an interrupted or failed batch resumes
when the same command is run again. Bad input ends with a one-line message naming the problem
and exit code 2.
"""

from __future__ import annotations

import argparse
import io
import json
import shlex
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from model.core.schema import ParameterError
from model.core.time import WEEKS_PER_YEAR
from model.experiments.analysis import AnalysisError, SweepResults, analyse, load_results, publish_findings
from model.experiments.plots import plot_key_outputs
from model.experiments.provenance import git_state, model_digest, versions
from model.experiments.runner import RunResult
from model.experiments.scenarios import Scenario, list_scenarios, load_scenario
from model.experiments.statistics import mean_ci
from model.experiments.store import (
    BatchReport,
    RunStore,
    StoreError,
    Task,
    WorkerCrashedError,
    default_jobs,
    make_executor,
    publish_folder,
    replace_file,
    run_batch,
    temporary_batch,
)
from model.experiments.sweeps import DESIGN_DIR, Design, collect_sweep, load_design
from model.experiments.tipping import DIVERSIONS, LOOP_STRENGTHS, MULTIPLIERS, TippingDesign, collect_tipping

KEY_OUTPUTS = {
    "community_strength": "community strength (0-100)",
    "lonely_share": "lonely (DJG >= 3)",
    "severe_share": "severely lonely (DJG 9-10)",
    "open_cases": "open cases",
    "waiting_list": "waiting list",
    "admin_share": "professionals' admin share",
    "volunteering_share_year": "volunteered in past year",
    "total_cost_eur": "cost per week (EUR)",
}


class UsageError(Exception):
    """Bad input from the user: reported in one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage and exits 2; keep it to one line
        raise UsageError(f"{message} (see `{self.prog} --help`)")


# ---------------------------------------------------------------------- running and summarising
def scenario_tables(scenario: Scenario, seed: int) -> dict[str, pd.DataFrame]:
    """One run of a scenario (a task of the run store): its city and neighbourhood tables."""
    result = scenario.run(seed)
    return {"city": result.city, "neighbourhoods": result.neighbourhoods}


def scenario_tasks(scenarios: Sequence[Scenario], seeds: Sequence[int]) -> list[Task]:
    """One task per scenario and seed (paired replications), keyed ``<scenario>--seed-<seed>``."""
    return [Task(f"{sc.name}--seed-{seed}", scenario_tables, (sc, seed),
                 {"scenario": sc.to_dict(), "seed": seed})
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

    What ``vitality compare`` runs, for use from Python (e.g. in a notebook); pass the results to
    :func:`comparison_table`.

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

    What ``vitality sweep`` runs, for use from Python (e.g. in a notebook); pass the results to
    :func:`model.experiments.analysis.analyse` or its parts (``sobol_indices``, ``discover``, ...).

    Args:
        design: The design (e.g. ``load_design(name).with_overrides(...)``).
        jobs: Local worker processes (default: one per CPU core; 1 runs in this process).
        scheduler: Address of a Dask distributed scheduler to run on instead.

    Returns:
        The design, its sample and points, and every run's outputs, as
        :func:`model.experiments.analysis.load_results` reads them from a results folder.

    Raises:
        DesignError: A point's values do not form valid parameters.
        RuntimeError: A run failed (the message holds its traceback).

    """
    sample = design.sample()
    points = design.points(sample)
    with temporary_batch(design.tasks(points), jobs, scheduler) as (store, _):
        runs = collect_sweep(design, store)
    return SweepResults(design.to_dict(), sample, points, runs)


def batch_timings(report: BatchReport, **run_seconds: Any) -> dict[str, Any]:
    """Timings for a manifest: the runs' own seconds (as given), this session's wall time and run counts."""
    return {**run_seconds, "wall_seconds_this_session": report.seconds, "runs_done_this_session": report.done,
            "runs_resumed": report.resumed}


def comparison_table(results: dict[str, RunResult], keys: dict[str, str] = KEY_OUTPUTS,
                     weeks: int = WEEKS_PER_YEAR) -> pd.DataFrame:
    """Key outputs per scenario, and their differences against the first scenario, with 95% CIs.

    Each seed's outputs are averaged over the last ``weeks`` weeks; the intervals are over
    seeds, and those of the differences over the paired (same-seed) differences.

    Args:
        results: Results by scenario name, all on the same seeds; the first is the reference.
        keys: City outputs to summarise, with their labels.
        weeks: Length of the final period averaged per seed.

    Returns:
        One row per output and scenario: ``mean``, ``ci_low``, ``ci_high`` and (except for the
        reference) ``difference``, ``diff_ci_low``, ``diff_ci_high``.

    """
    finals = {name: r.final(weeks) for name, r in results.items()}
    reference = next(iter(finals.values()))
    rows = []
    for key, label in keys.items():
        for i, (name, final) in enumerate(finals.items()):
            mean, low, high = mean_ci(final[key])
            row = {"output": label, "key": key, "scenario": name, "mean": mean, "ci_low": low, "ci_high": high}
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


def format_table(table: pd.DataFrame) -> str:
    """Render a :func:`comparison_table` for the terminal: value [95% CI] per output and scenario."""
    shown = pd.DataFrame({
        "output": table["output"], "scenario": table["scenario"],
        "mean [95% CI]": [f"{_num(m)} [{_num(lo)}, {_num(hi)}]"
                          for m, lo, hi in zip(table["mean"], table["ci_low"], table["ci_high"], strict=True)],
    })
    if "difference" in table:
        shown["difference [95% CI]"] = [
            "(reference)" if pd.isna(d) else f"{_num(d, '+')} [{_num(lo, '+')}, {_num(hi, '+')}]"
            for d, lo, hi in zip(table["difference"], table["diff_ci_low"], table["diff_ci_high"], strict=True)]
    if table["scenario"].nunique() == 1:
        shown = shown.drop(columns="scenario")
    return shown.to_string(index=False)


# ---------------------------------------------------------------------- writing results
def write_results(out: Path, results: dict[str, RunResult], table: pd.DataFrame, manifest: dict[str, Any]) -> Path:
    """Write tidy tables, figures and the manifest atomically (see :func:`model.experiments.store.publish_folder`).

    Files: ``city`` and ``neighbourhoods`` as Parquet and CSV (a ``scenario`` column, one row per
    scenario, seed, week [and neighbourhood]), ``summary.csv`` (the comparison table), one PNG per
    key output and ``manifest.json``.

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
        write_manifest(folder, manifest)

    return publish_folder(out, fill)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` (UTF-8, indented)."""
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False),
                                          encoding="utf-8")


def run_manifest(argv: Sequence[str], timings: dict[str, Any], **content: Any) -> dict[str, Any]:
    """The manifest of a results folder: the command, ``content``, timings, versions, git commit and model digest."""
    return {"command": ["vitality", *argv], "created": datetime.now().isoformat(timespec="seconds"), **content,
            "timings": timings, "versions": versions(), "git": git_state(), "model_digest": model_digest()}


# ---------------------------------------------------------------------- resumable batches
class BatchStoppedError(Exception):
    """A batch that stopped before its results were published; one line and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def work_folder(out: Path) -> Path:
    """The work folder of the batch whose results go to ``out``: ``<out>.work`` beside it."""
    return out.with_name(out.name + ".work")


@contextmanager
def resumable(tasks: Sequence[Task], out: Path, args: argparse.Namespace) -> Iterator[tuple[RunStore, BatchReport]]:
    """Run a batch in the work folder of ``out`` (resuming it), then let the caller publish ``out``.

    The ``with`` body gets the entered store, with every run finished, and the batch report;
    once it has published the results, the work folder is removed.

    Raises:
        UsageError: ``out`` exists already.
        BatchStoppedError: Runs failed, the batch was interrupted or a worker died; finished runs are kept.

    """
    if out.exists():
        raise UsageError(f"results folder {out} exists already; choose another with --out or remove it")
    store = RunStore(work_folder(out), tasks, ["vitality", *args.argv])
    again = shlex.join(["vitality", *args.argv, *([] if args.out else ["--out", str(out)])])
    try:
        with store:
            report = run_batch(store, make_executor(args.jobs, args.scheduler))
            if report.failed:
                key, error = next(iter(report.failed.items()))
                raise BatchStoppedError(
                    f"{len(report.failed)} of {len(tasks)} runs failed (first, {key}: {error}); their tracebacks are "
                    f"in {store.folder}/failed/; the other runs are kept: fix the cause and run `{again}` to retry "
                    "the failed runs", 1)
            yield store, report
    except (KeyboardInterrupt, WorkerCrashedError) as exc:
        why = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
        kept = len(store.finished()) if store.folder.exists() else 0
        raise BatchStoppedError(f"{why}; {kept} finished runs are kept in {store.folder}; run `{again}` to resume",
                                130 if isinstance(exc, KeyboardInterrupt) else 1) from None
    store.remove()


# ---------------------------------------------------------------------- commands
def _scenarios(names: Sequence[str], args: argparse.Namespace) -> list[Scenario]:
    """Load scenarios and apply the command line's overrides."""
    options = {"n_residents": ("--residents", args.residents), "years": ("--years", args.years),
               "steering_mode": ("--steering", getattr(args, "steering", None))}
    overrides = {key: value for key, (_, value) in options.items() if value is not None}
    loaded = [load_scenario(name) for name in names]
    try:
        scenarios = [sc.with_parameters(overrides) for sc in loaded]
    except ParameterError as exc:  # an override from the command line: name the option, not the key
        key, problem = str(exc).split(":", 1)
        raise UsageError(f"{options[key][0] if key in options else key}:{problem}") from None
    seen: set[str] = set()
    for sc in scenarios:
        if sc.name in seen:
            raise UsageError(f"scenario {sc.name!r} is given twice; compare different scenarios")
        seen.add(sc.name)
        weeks = round(sc.params.years * WEEKS_PER_YEAR)
        for spec in sc.interventions:
            if spec.start_week >= weeks:
                print(f"vitality: note: in {sc.name}, {spec.type} starts at year {spec.at_year:g}, after the "
                      f"end of the run ({sc.params.years:g} years); it has no effect", file=sys.stderr)
    return scenarios


def _seeds(args: argparse.Namespace) -> list[int]:
    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1")
    if args.seed < 0:
        raise UsageError("--seed must be 0 or more")
    return list(range(args.seed, args.seed + args.seeds))


def _check_execution(args: argparse.Namespace) -> None:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    args.jobs = args.jobs or default_jobs()


def _simulate(scenarios: list[Scenario], args: argparse.Namespace, default_out: str) -> tuple[
        dict[str, RunResult], pd.DataFrame, Path]:
    """Run (resumably), summarise and write: the part that ``run`` and ``compare`` share."""
    seeds = _seeds(args)
    _check_execution(args)
    out = Path(args.out) if args.out else Path("results") / f"{default_out}-{datetime.now():%Y%m%d-%H%M%S}"
    with resumable(scenario_tasks(scenarios, seeds), out, args) as (store, report):
        results, timings = collect_scenarios(store, report)
        table = comparison_table(results)
        manifest = run_manifest(args.argv, timings, seeds=seeds, scenarios=[
            sc.to_dict() | {"path": str(sc.path), "source": sc.source} for sc in scenarios])
        write_results(out, results, table, manifest)
    return results, table, out


def _describe_runs(scenarios: list[Scenario], args: argparse.Namespace) -> str:
    p = scenarios[0].params
    return (f"{p.n_residents} residents, {p.years:g} years, {args.seeds} seeds "
            f"({args.seed}-{args.seed + args.seeds - 1})")


def _cmd_run(args: argparse.Namespace) -> int:
    scenarios = _scenarios([args.scenario], args)
    sc = scenarios[0]
    _, table, out = _simulate(scenarios, args, sc.name)
    print(f"Scenario {sc.name} ({sc.description}; steering: {sc.params.steering_mode}): "
          f"{_describe_runs(scenarios, args)}; mean over the last year with 95% CI:")
    print(format_table(table))
    print(f"Results written to {out}/")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenarios (the first is the reference)")
    scenarios = _scenarios(args.scenarios, args)
    _, table, out = _simulate(scenarios, args, "compare-" + "-".join(sc.name for sc in scenarios)[:60])
    print(f"Comparison on the same seeds: {_describe_runs(scenarios, args)}; mean over the last year and "
          f"difference against {scenarios[0].name}, with 95% CIs over paired seeds:")
    print(format_table(table))
    print(f"Results written to {out}/ (summary.csv has the comparison table)")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    _check_execution(args)
    design = load_design(args.design).with_overrides(args.residents, args.years, args.replications, args.samples)
    sample = design.sample()
    points = design.points(sample)
    tasks = design.tasks(points)
    p = design.scenarios[0].params
    print(f"Sweep {design.name} ({design.method}): {_count(len(points), 'point')} x "
          f"{_count(len(design.scenarios), 'scenario')} x {_count(design.replications, 'seed')} = "
          f"{_count(len(tasks), 'run')} of {p.n_residents} residents over {p.years:g} years", file=sys.stderr)
    out = Path(args.out) if args.out else Path("results") / f"sweep-{design.name}-{datetime.now():%Y%m%d-%H%M%S}"
    with resumable(tasks, out, args) as (store, report):
        runs = collect_sweep(design, store)
        manifest = run_manifest(args.argv, batch_timings(report, run_seconds_total=round(
            sum(store.seconds(t.key) for t in tasks), 2)), design=design.to_dict(),
            scenarios=[sc.to_dict() | {"path": str(sc.path), "source": sc.source} for sc in design.scenarios])

        changed = {k: v for k, v in (("residents", args.residents), ("years", args.years),
                                      ("replications", args.replications), ("samples", args.samples)) if v is not None}
        header = "".join(f"# overridden on the command line: {k} = {v}\n" for k, v in changed.items())

        def fill(folder: Path) -> None:
            (folder / "design.toml").write_text(header + design.source, encoding="utf-8")
            sample.to_csv(folder / "sample.csv")
            points.to_csv(folder / "points.csv")
            runs.to_parquet(folder / "runs.parquet", index=False)
            runs.to_csv(folder / "runs.csv", index=False)
            write_manifest(folder, manifest)

        publish_folder(out, fill)
    print(f"Results written to {out}/ (runs.csv: one row per point, scenario and seed); "
          f"analyse them with: vitality analyse {shlex.quote(str(out))}")
    return 0


def _cmd_analyse(args: argparse.Namespace) -> int:
    results = load_results(Path(args.results))
    out = Path(args.out) if args.out else Path(args.results) / "analysis"
    if out.exists():
        raise UsageError(f"analysis folder {out} exists already; choose another with --out or remove it")
    analysis = analyse(results)
    publish_folder(out, analysis.write)
    design = results.design
    print(f"Sweep {design['name']} ({design['method']}, {_count(len(results.points), 'point')}, "
          f"{_count(len(design['seeds']), 'seed')}): findings")
    for sentence in analysis.findings:
        print(f"- {sentence}")
    print(f"Tables, figures and findings.md written to {out}/")
    if args.doc:
        doc = Path(args.doc)
        if doc.suffix != ".md" or not doc.parent.is_dir():
            raise UsageError(f"--doc {doc}: give a Markdown file (.md) in an existing folder, e.g. docs/steering.md")
        written = publish_findings(analysis, results, doc, ["vitality", *args.argv])
        print(f"Findings published in {', '.join(map(str, written))}")
    return 0


def _numbers(text: str) -> tuple[float, ...]:
    """A comma-separated list of numbers from the command line (argparse reports the error in one line)."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, e.g. 1,1.5,2; got {text!r}") from None
    if len(set(values)) != len(values) or any(v != v for v in values):  # v != v: NaN
        raise argparse.ArgumentTypeError(f"expected distinct numbers, got {text!r}")
    return tuple(sorted(values))


#: The option of ``vitality tipping`` that sets each setting of :class:`TippingDesign` (for error messages).
TIPPING_OPTIONS = {"years": "--years", "seeds": "--seeds", "loop_strengths": "--strengths",
                   "lonely_shock_factor": "--strengths", "diversions": "--diversions", "multipliers": "--multipliers"}


def _listed(values: Sequence[float]) -> str:
    return ",".join(f"{v:g}" for v in values)


def _cmd_tipping(args: argparse.Namespace) -> int:
    args.years = 6.0 if args.years is None else args.years
    scenario = _scenarios([args.scenario], args)[0]
    _check_execution(args)
    grid = {key: getattr(args, key) for key in ("loop_strengths", "diversions", "multipliers") if getattr(args, key)}
    docs = Path(args.docs) if args.docs else None
    if docs and not docs.is_dir():
        raise UsageError(f"--docs {docs}: no such folder; give the documentation folder, e.g. docs")
    if args.rescue_years < 0:
        raise UsageError("--rescue-years must be 0 (until the end of the run) or more")
    try:
        design = TippingDesign(scenario, tuple(_seeds(args)), rescue_years=args.rescue_years, **grid)
    except ParameterError as exc:  # name the option that set the value
        key, _, problem = str(exc).partition(":")
        option = TIPPING_OPTIONS.get(key, "--diversions" if key.endswith(".diversion") else key)
        raise UsageError(f"{option}:{problem}") from None
    if design.measure_gap < 3:
        print(f"vitality: note: the trap is measured {design.measure_gap:g} years after the shock ends; "
              "--years 6 or more measures it 3 years after", file=sys.stderr)
    tasks = design.tasks()
    p = scenario.params
    print(f"Tipping experiment: {_count(len(design.points()), 'grid point')} x {_count(len(design.seeds), 'seed')} "
          f"= {_count(len(tasks), 'run')} of {p.n_residents} residents over {p.years:g} years", file=sys.stderr)
    out = Path(args.out) if args.out else Path("results") / f"tipping-{datetime.now():%Y%m%d-%H%M%S}"
    with resumable(tasks, out, args) as (store, report):
        tipping = collect_tipping(design, store)
        command = ["vitality", *args.argv]
        git = git_state()
        provenance = (f"Made on {datetime.now():%Y-%m-%d} with model digest {model_digest()[:12]}"
                      + (f", commit {git['commit'][:10]}{' with uncommitted changes' if git['dirty'] else ''}"
                         if git else "") + f"; {len(tasks)} runs.")
        manifest = run_manifest(args.argv, batch_timings(report, run_seconds_total=round(
            sum(store.seconds(t.key) for t in tasks), 2)), tipping=design.to_dict(),
            scenarios=[scenario.to_dict() | {"path": str(scenario.path), "source": scenario.source}])
        figure = tipping.figure()
        findings = tipping.findings()

        def fill(folder: Path) -> None:
            tipping.runs.to_parquet(folder / "runs.parquet", index=False)
            tipping.runs.to_csv(folder / "runs.csv", index=False)
            tipping.excess.to_csv(folder / "excess.csv", index=False)
            tipping.summary.to_csv(folder / "summary.csv", index=False)
            figure.savefig(folder / "tipping.png", dpi=110)
            (folder / "tipping.md").write_text(tipping.document("tipping.png", command, provenance), encoding="utf-8")
            write_manifest(folder, manifest)

        publish_folder(out, fill)
    print("Findings:")
    for sentence in findings:
        print(f"- {sentence}")
    print(f"Results written to {out}/ (tipping.md, tipping.png; summary.csv per grid point, excess.csv per run)")
    if docs:
        (docs / "figures").mkdir(exist_ok=True)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110)
        replace_file(docs / "figures" / "tipping.png", buffer.getvalue())
        replace_file(docs / "tipping.md", tipping.document("figures/tipping.png", command, provenance).encode("utf-8"))
        print(f"Published {docs / 'tipping.md'} and {docs / 'figures' / 'tipping.png'}")
    return 0


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _cmd_list(args: argparse.Namespace) -> int:
    if args.designs:
        rows = [(d.name, d.description) for d in map(load_design, list_scenarios(DESIGN_DIR))]
    else:
        rows = [(sc.name, sc.description_nl if args.nl else sc.description)
                for sc in map(load_scenario, list_scenarios())]
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    sc = load_scenario(args.scenario)
    print(json.dumps(sc.to_dict(), indent=2, ensure_ascii=False) if args.json else sc.to_toml().rstrip("\n"))
    return 0


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--residents", type=int, help="number of adult residents (default: the scenario's)")
    p.add_argument("--years", type=float, help="simulated years (default: the scenario's)")
    p.add_argument("--seeds", type=int, default=5, help="number of replications (default 5)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0); seeds are paired across scenarios")
    p.add_argument("--out", help="results folder (must not exist yet; default results/<name>-<time>); "
                   "an interrupted batch resumes when run again with the same --out")
    _add_execution_options(p)


def _add_execution_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=int, help="local worker processes (default: one per CPU core; 1 runs in this "
                   "process)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask distributed scheduler instead, "
                   "e.g. tcp://10.0.0.5:8786 (its workers need this package installed)")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``vitality``."""
    parser = _Parser(prog="vitality", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scenario_help = "a shipped scenario's name (see `vitality list`) or the path of a .toml file"

    p_run = sub.add_parser("run", help="run one scenario with replications and write the results")
    p_run.add_argument("scenario", nargs="?", default="baseline", help=f"{scenario_help} (default baseline)")
    _add_run_options(p_run)
    p_run.add_argument("--steering", help="override the steering mode (facilitating, framing, enforcing, layered)")
    p_run.set_defaults(func=_cmd_run)

    p_cmp = sub.add_parser("compare", help="run several scenarios on the same seeds and compare them")
    p_cmp.add_argument("scenarios", nargs="+", metavar="SCENARIO", help=f"{scenario_help}; the first is the reference")
    _add_run_options(p_cmp)
    p_cmp.set_defaults(func=_cmd_compare)

    from model.reporting.report import add_report_parser  # imported here: model.reporting.report builds on this module

    add_report_parser(sub)

    p_sweep = sub.add_parser("sweep", help="run an experimental design (factorial, latin, sobol, morris)")
    p_sweep.add_argument("design", help="a shipped design's name (scenarios/designs/) or the path of a .toml file")
    p_sweep.add_argument("--residents", type=int, help="residents per run (default: the design's)")
    p_sweep.add_argument("--years", type=float, help="simulated years per run (default: the design's)")
    p_sweep.add_argument("--replications", type=int, help="seeds per point and scenario (default: the design's)")
    p_sweep.add_argument("--samples", type=int, help="sample size (default: the design's)")
    p_sweep.add_argument("--out", help="results folder (must not exist yet; default results/sweep-<name>-<time>); "
                         "an interrupted sweep resumes when run again with the same --out")
    _add_execution_options(p_sweep)
    p_sweep.set_defaults(func=_cmd_sweep)

    p_analyse = sub.add_parser("analyse", help="sensitivity indices and scenario discovery of a sweep's results")
    p_analyse.add_argument("results", help="a results folder written by `vitality sweep`")
    p_analyse.add_argument("--out", help="analysis folder (must not exist yet; default RESULTS/analysis)")
    p_analyse.add_argument("--doc", metavar="FILE", help="also put the findings into the design's section of this "
                           "Markdown file (replacing an earlier run's), with the overview figures in figures/ and "
                           "the findings as data (<design>.json) beside it, e.g. docs/steering.md")
    p_analyse.set_defaults(func=_cmd_analyse)

    p_tip = sub.add_parser("tipping", help="when a temporary demand shock tips the city into a lasting casework "
                           "trap, and what gets it out (paired seeds)")
    p_tip.add_argument("scenario", nargs="?", default="baseline", help=f"{scenario_help}, with a fixed steering mode "
                       "(default baseline)")
    p_tip.add_argument("--residents", type=int, help="number of adult residents (default: the scenario's)")
    p_tip.add_argument("--years", type=float, help="simulated years (default 6: the shock in the second year, the "
                       "trap measured in the sixth, 3 years after it)")
    p_tip.add_argument("--seeds", type=int, default=8, help="paired replications per grid point (default 8)")
    p_tip.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p_tip.add_argument("--strengths", dest="loop_strengths", type=_numbers, metavar="LIST",
                       help=f"loop strengths (lonely_shock_factor), default {_listed(LOOP_STRENGTHS)}")
    p_tip.add_argument("--diversions", type=_numbers, metavar="LIST", help="diversion levels of the scenario's mode, "
                       f"default {_listed(DIVERSIONS)}")
    p_tip.add_argument("--multipliers", type=_numbers, metavar="LIST", help="shock sizes (life events x), default "
                       f"{_listed(MULTIPLIERS)}; measures are tried after the largest")
    p_tip.add_argument("--rescue-years", type=float, default=1.0, help="how long protected time and extra staff last "
                       "after the shock (default 1; 0: until the end)")
    p_tip.add_argument("--out", help="results folder (must not exist yet; default results/tipping-<time>); "
                       "an interrupted batch resumes when run again with the same --out")
    p_tip.add_argument("--docs", metavar="FOLDER", help="also write FOLDER/tipping.md and FOLDER/figures/tipping.png "
                       "(replacing them), e.g. docs")
    _add_execution_options(p_tip)
    p_tip.set_defaults(func=_cmd_tipping)

    p_list = sub.add_parser("list", help="list the shipped scenarios (or designs) with their descriptions")
    p_list.add_argument("--nl", action="store_true", help="descriptions in Dutch")
    p_list.add_argument("--designs", action="store_true", help="the shipped experimental designs instead")
    p_list.set_defaults(func=_cmd_list)

    p_show = sub.add_parser("show", help="show a scenario's resolved parameters and interventions")
    p_show.add_argument("scenario", help=scenario_help)
    p_show.add_argument("--json", action="store_true", help="JSON instead of a TOML scenario file")
    p_show.set_defaults(func=_cmd_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``vitality``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv
        return args.func(args)
    except (UsageError, ParameterError, StoreError, AnalysisError, OSError) as exc:
        print(f"vitality: error: {exc}", file=sys.stderr)
        return 2
    except BatchStoppedError as exc:
        print(f"vitality: {'error: ' if exc.code == 1 else ''}{exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("vitality: interrupted; no results were written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
