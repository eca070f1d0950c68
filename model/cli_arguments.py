"""What the commands of ``vitality`` share: checking their arguments, running a batch for them, and notes.

Split from :mod:`model.cli`, which dispatches (the parser and its help are in :mod:`model.cli_parser`).
Bad input raises :class:`UsageError` (one line in the user's language, exit code 2); notes go to
standard error so that tables on standard output stay clean. The model's engine (pandas, numba, Mesa)
is imported by the functions that run it, so that ``list``, ``show`` and ``--help`` answer at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import glob
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from model.cli_parser import UsageError
from model.messages import msg, render, say

if TYPE_CHECKING:
    import pandas as pd

    from model.core.parameters import Parameters
    from model.experiments.scenarios import Scenario
    from model.experiments.store import Task
    from model.opendata.commands import CityRun

__all__ = ["UsageError", "batch_options", "check_execution", "city_run", "compile_first", "describe_runs",
           "error_text", "interval_notes", "load_scenarios", "print_message", "print_observed",
           "results_folder", "seed_list", "simulate"]


# ---------------------------------------------------------------------- printing
def print_message(key: str, file: object = None, **values: object) -> None:
    """Print the message ``key`` of the catalogue in the session's language."""
    print(say(msg(key, **values)), file=file or sys.stdout)


def interval_notes(seeds: int) -> None:
    """Say which intervals the table shows, and when they are missing or wide for want of seeds."""
    from model.experiments.statistics import FEW_SEEDS, MIN_SEEDS

    print_message("cli.interval_rule")
    if seeds < MIN_SEEDS:
        print_message("cli.no_intervals", sys.stderr, min=MIN_SEEDS, few=FEW_SEEDS)
    elif seeds < FEW_SEEDS:
        print_message("cli.few_seeds", sys.stderr, seeds=seeds, few=FEW_SEEDS)


#: What to do about a file system error, by its errno.
_OS_ERROR_HINTS = {errno.ENAMETOOLONG: "choose a shorter name or --out", errno.ENOSPC: "free some disk space",
                   errno.EACCES: "check the permissions or choose another --out", errno.EROFS: "choose another --out"}


def error_text(exc: Exception) -> str:
    """The one-line message of an error in the session's language; for a file system error the file, problem, fix."""
    if isinstance(exc, OSError) and exc.strerror:
        hint = _OS_ERROR_HINTS.get(exc.errno)
        return f"{exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror}{f'; {hint}' if hint else ''}"
    return say(exc)


# ---------------------------------------------------------------------- checking arguments
def load_scenarios(names: Sequence[str], args: argparse.Namespace) -> list[Scenario]:
    """Load scenarios and apply the command line's overrides."""
    from model.core.schema import ParameterError
    from model.core.time import WEEKS_PER_YEAR
    from model.experiments.scenarios import load_scenario

    options = {"n_residents": ("--residents", args.residents), "years": ("--years", args.years),
               "steering_mode": ("--steering", getattr(args, "steering", None))}
    overrides = {key: value for key, (_, value) in options.items() if value is not None}
    city = city_run(args)
    loaded = [load_scenario(name, city.city.labels() if city else None) for name in names]
    try:
        scenarios = [sc.with_parameters(overrides) for sc in loaded]
    except ParameterError as exc:  # an override from the command line: name the option, not the key
        raise exc.at(options[exc.path][0]) if exc.path in options else exc from None
    if city is not None:
        scenarios = [city.scenario(sc) for sc in scenarios]
    seen: set[str] = set()
    for sc in scenarios:
        if sc.name in seen:
            raise UsageError(msg("cli.given_twice", name=sc.name))
        seen.add(sc.name)
        weeks = round(sc.params.years * WEEKS_PER_YEAR)
        for spec in sc.interventions:
            if spec.start_week >= weeks:
                print_message("cli.note_after_end", sys.stderr, scenario=sc.name, intervention=spec.type,
                              start=spec.at_year, years=sc.params.years)
    return scenarios


def city_run(args: argparse.Namespace) -> CityRun | None:
    """The city file of ``--city`` at ``--scale`` (read once per command), or None."""
    if getattr(args, "city", None) is None:
        if getattr(args, "scale", None) is not None:
            raise UsageError(msg("cli.scale_needs_city"))
        return None
    if getattr(args, "residents", None) is not None:
        raise UsageError(msg("cli.residents_with_city"))
    if not hasattr(args, "city_run"):
        from model.opendata.commands import CityRun

        args.city_run = CityRun.load(args.city, 1.0 if args.scale is None else args.scale)
    return args.city_run


def seed_list(args: argparse.Namespace) -> list[int]:
    """The seeds of ``--seed`` and ``--seeds``, checked."""
    from model.experiments.runner import MAX_SEED

    if args.seeds < 1:
        raise UsageError(msg("cli.seeds_at_least_one"))
    if not 0 <= args.seed <= MAX_SEED - args.seeds + 1:
        raise UsageError(msg("cli.seed_not_negative", max=MAX_SEED))
    return list(range(args.seed, args.seed + args.seeds))


def check_execution(args: argparse.Namespace, params: Parameters, runs: int, weekly_tables: bool,
                    fewer: str) -> None:
    """Settle ``--jobs`` (at most the cores and the runs) and check that the batch fits on this machine.

    Args:
        args: The command's arguments; ``args.jobs`` is set.
        params: The parameters of the largest run (its size).
        runs: Number of runs.
        weekly_tables: Whether the batch keeps every run's weekly tables (comparisons) or one row a run.
        fewer: The options that make what is kept smaller, for the message.

    Raises:
        UsageError: ``--jobs`` below 1.
        BudgetError: The batch needs more memory than this machine has available.

    """
    from model import api  # the engine: imported when a batch is checked

    cores = api.default_jobs()
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(msg("cli.jobs_at_least_one"))
    if args.jobs is not None and args.jobs > cores and not args.scheduler:
        print_message("cli.jobs_capped", sys.stderr, jobs=args.jobs, cores=msg("count.cores", n=cores), used=cores)
    args.jobs = min(args.jobs or cores, cores, runs)  # more processes than cores or runs only cost memory
    if args.scheduler:  # the cluster's workers do the runs; this process keeps what comes back
        cost = api.batch_cost(params, runs, 1, weekly_tables)
        api.check_memory(dataclasses.replace(cost, run_bytes=0), msg("count.runs", n=runs), fewer)
        return
    cost = api.batch_cost(params, runs, args.jobs, weekly_tables)
    api.check_memory(cost, msg("budget.runs_of", runs=msg("count.runs", n=runs), residents=params.n_residents,
                               years=params.years), fewer)
    if cost.seconds >= 60:
        print_message("cli.long_batch", sys.stderr, runs=msg("count.runs", n=runs), estimate=cost.describe())


def compile_first(args: argparse.Namespace) -> None:
    """Compile the model's kernels here before the runs start, saying so when it takes long (the first run)."""
    if args.scheduler:  # the cluster's workers compile for themselves
        return
    from model.experiments.kernels import compile_kernels

    compile_kernels(notice=lambda: print_message("kernels.compiling", sys.stderr))


#: Where results go without ``--out``: ``results/<name>-<time>``, the time in this format.
RESULTS_DIR = Path("results")
TIME_FORMAT = "%Y%m%d-%H%M%S"


def results_folder(args: argparse.Namespace, name: str, tasks: Sequence[Task]) -> Path:
    """The results folder: ``--out``; else the folder of this command's unfinished batch, or a new one.

    Without ``--out`` every call would choose a new ``results/<name>-<time>``, so a batch that was
    stopped (Ctrl-C, a signal, a crash, ``kill -9``) is looked up instead: the work folder of the
    same runs under ``results/`` (see :func:`model.api.unfinished_out`).
    """
    from model import api

    if args.out:
        out = Path(args.out)
        if out.exists():  # before compiling and running anything
            raise api.StoreError(msg("store.results_exist", out=out))
        return out
    earlier = []
    for work in sorted(RESULTS_DIR.glob(f"{glob.escape(name)}-*.work")):
        out = work.with_suffix("")
        try:  # only folders this function names; the time also orders them
            datetime.strptime(out.name[len(name) + 1:], TIME_FORMAT)
        except ValueError:
            continue
        earlier.append(out)
    if (found := api.unfinished_out(tasks, earlier)) is not None:
        print_message("cli.resuming_work", sys.stderr, folder=api.work_folder(found))
        return found
    when = datetime.now()
    # A command that finished within this second has its folder: the next free second's name, never its folder.
    while (out := RESULTS_DIR / f"{name}-{when:{TIME_FORMAT}}").exists() or api.work_folder(out).exists():
        when += timedelta(seconds=1)
    return out


def batch_options(args: argparse.Namespace) -> dict:
    """What :mod:`model.api` needs to run a batch for this command: the command (which resumes it), execution."""
    return {"command": ["vitality", *args.argv], "jobs": args.jobs, "scheduler": args.scheduler}


def simulate(scenarios: list[Scenario], args: argparse.Namespace, name: str) -> tuple[pd.DataFrame, Path]:
    """Run (resumably), summarise and write: the part that ``run``, ``compare`` and ``report`` share."""
    from model import api

    seeds = seed_list(args)
    largest = max((sc.params for sc in scenarios), key=lambda p: p.n_residents * (p.years + p.burn_in_years))
    check_execution(args, largest, len(scenarios) * len(seeds), True,
                    msg("budget.either", first="--seeds", second="--years"))
    out = results_folder(args, name, api.scenario_tasks(scenarios, seeds))
    compile_first(args)
    _, table = api.save_comparison(scenarios, seeds, out, lang=args.lang, csv_dialect=args.csv_dialect,
                                   city=city_run(args), **batch_options(args))
    return table, out


def print_observed(out: Path, lang: str) -> None:
    """For a city with RIVM figures: loneliness per neighbourhood, observed next to simulated (the reference)."""
    import pandas as pd

    from model.i18n import number

    path = out / "observed.csv"
    if not path.is_file():
        return
    table = pd.read_csv(path)
    lonely = table[(table["figure"] == "lonely_pct") & (table["scenario"] == table["scenario"].iloc[0])]
    if lonely.empty:
        return
    print(render("observed.heading", lang, {"scenario": lonely["scenario"].iloc[0]}))

    def one(value: float, pattern: str = "#,##0.0") -> str:
        return number(value, lang, pattern)

    shown = pd.DataFrame({
        render("observed.neighbourhood", lang): lonely["neighbourhood"],
        render("observed.observed", lang): lonely["observed"].map(one),
        render("observed.simulated", lang): [render("observed.ci", lang, {"mean": one(m), "low": one(lo),
                                                                         "high": one(hi)})
                                             for m, lo, hi in zip(lonely["simulated"], lonely["ci_low"],
                                                                  lonely["ci_high"], strict=True)],
        render("observed.difference", lang): [one(d, "+#,##0.0;-#,##0.0") for d in lonely["difference"]]})
    print(shown.to_string(index=False))


def describe_runs(scenarios: list[Scenario], args: argparse.Namespace) -> str:
    """The size of the runs in words: the city (or residents), years and seeds, in the language of ``--lang``."""
    from model.i18n import number

    p = scenarios[0].params
    runs = say(msg("cli.runs", residents=number(p.n_residents, args.lang), years=number(p.years, args.lang),
                   n=args.seeds, first=args.seed, last=args.seed + args.seeds - 1), args.lang)
    city = city_run(args)
    if city is None:
        return runs
    return say(msg("cli.runs_in_city", city=city.city.name, n=len(city.city.neighbourhoods),
                   level=f"{city.city.level}en", residents=number(p.n_residents, args.lang),
                   adults=number(city.city.adults, args.lang), scale=f"{city.scale:g}", runs=runs), args.lang)
