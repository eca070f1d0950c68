"""The ``vitality`` command line: run and compare scenarios, report on them, sweep designs and analyse them.

Commands: ``run [SCENARIO]``, ``compare SCENARIO...``, ``report RESULTS_OR_SCENARIO...``, ``sweep DESIGN``,
``analyse RESULTS``, ``list`` and ``show SCENARIO``; every one takes ``--lang nl|en`` (Dutch by default)
for its tables, messages, errors and help. This module only parses arguments (:mod:`model.cli_parser`),
checks them and prints; the work is done by :mod:`model.api` (runs, results folders, statistics) and
:mod:`model.reporting.report` (the report), imported when a command needs them, so that ``list``,
``show`` and ``--help`` answer at once. Runs are stored as they finish, so an interrupted or failed batch
resumes when the same command is run again. Bad input ends with a one-line message naming the problem
and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from model.cli_parser import RUN_OPTIONS, UsageError, build_parser, language
from model.messages import DEFAULT_LANGUAGE, InputError, msg, render, say, use_language

if TYPE_CHECKING:
    import pandas as pd

    from model.experiments.scenarios import Scenario


def _print(key: str, file: object = None, **values: object) -> None:
    """Print the message ``key`` in the session's language."""
    print(say(msg(key, **values)), file=file or sys.stdout)


# ---------------------------------------------------------------------- checking arguments
def _scenarios(names: Sequence[str], args: argparse.Namespace) -> list[Scenario]:
    """Load scenarios and apply the command line's overrides."""
    from model.core.schema import ParameterError
    from model.core.time import WEEKS_PER_YEAR
    from model.experiments.scenarios import load_scenario

    options = {"n_residents": ("--residents", args.residents), "years": ("--years", args.years),
               "steering_mode": ("--steering", getattr(args, "steering", None))}
    overrides = {key: value for key, (_, value) in options.items() if value is not None}
    loaded = [load_scenario(name) for name in names]
    try:
        scenarios = [sc.with_parameters(overrides) for sc in loaded]
    except ParameterError as exc:  # an override from the command line: name the option, not the key
        raise exc.at(options[exc.path][0]) if exc.path in options else exc from None
    seen: set[str] = set()
    for sc in scenarios:
        if sc.name in seen:
            raise UsageError(msg("cli.given_twice", name=sc.name))
        seen.add(sc.name)
        weeks = round(sc.params.years * WEEKS_PER_YEAR)
        for spec in sc.interventions:
            if spec.start_week >= weeks:
                _print("cli.note_after_end", sys.stderr, scenario=sc.name, intervention=spec.type,
                       start=spec.at_year, years=sc.params.years)
    return scenarios


def _seeds(args: argparse.Namespace) -> list[int]:
    if args.seeds < 1:
        raise UsageError(msg("cli.seeds_at_least_one"))
    if args.seed < 0:
        raise UsageError(msg("cli.seed_not_negative"))
    return list(range(args.seed, args.seed + args.seeds))


def _check_execution(args: argparse.Namespace) -> None:
    from model.experiments.store import default_jobs

    if args.jobs is not None and args.jobs < 1:
        raise UsageError(msg("cli.jobs_at_least_one"))
    args.jobs = args.jobs or default_jobs()


def _out(args: argparse.Namespace, default: str) -> Path:
    """The results folder: ``--out``, or ``results/<default>-<time>``."""
    return Path(args.out) if args.out else Path("results") / f"{default}-{datetime.now():%Y%m%d-%H%M%S}"


def _batch_options(args: argparse.Namespace, out: Path) -> dict:
    """What :mod:`model.api` needs to run a batch for this command: the command, how to resume it, execution."""
    command = ["vitality", *args.argv]
    resume = [*command, *([] if args.out else ["--out", str(out)])]
    return {"command": command, "resume": resume, "jobs": args.jobs, "scheduler": args.scheduler}


def _compile_first(args: argparse.Namespace) -> None:
    """Compile the model's kernels here before the runs start, saying so when it takes long (the first run)."""
    if args.scheduler:  # the cluster's workers compile for themselves
        return
    from model.experiments.kernels import compile_kernels

    compile_kernels(notice=lambda: _print("kernels.compiling", sys.stderr))


def _simulate(scenarios: list[Scenario], args: argparse.Namespace, default_out: str) -> tuple[pd.DataFrame, Path]:
    """Run (resumably), summarise and write: the part that ``run``, ``compare`` and ``report`` share."""
    from model import api

    seeds = _seeds(args)
    _check_execution(args)
    out = _out(args, default_out)
    if out.exists():  # before compiling and running anything
        raise api.StoreError(msg("store.results_exist", out=out))
    _compile_first(args)
    _, table = api.save_comparison(scenarios, seeds, out, lang=args.lang, csv_dialect=args.csv_dialect,
                                   **_batch_options(args, out))
    return table, out


def _describe_runs(scenarios: list[Scenario], args: argparse.Namespace) -> str:
    from model.i18n import number

    p = scenarios[0].params
    return say(msg("cli.runs", residents=number(p.n_residents, args.lang), years=number(p.years, args.lang),
                   n=args.seeds, first=args.seed, last=args.seed + args.seeds - 1))


def _written(out: Path, args: argparse.Namespace) -> None:
    from model.experiments.spreadsheet import WORKBOOK_NAMES

    _print("cli.written", out=out, workbook=WORKBOOK_NAMES[args.lang])


# ---------------------------------------------------------------------- commands
def _cmd_run(args: argparse.Namespace) -> int:
    from model import api
    from model.i18n import scenario_description, scenario_title, steering_name

    scenarios = _scenarios([args.scenario], args)
    sc = scenarios[0]
    table, out = _simulate(scenarios, args, sc.name)
    _print("cli.run_header", title=scenario_title(sc, args.lang), name=sc.name,
           description=scenario_description(sc, args.lang), mode=steering_name(sc.params.steering_mode, args.lang),
           runs=_describe_runs(scenarios, args))
    print(api.format_table(table, args.lang))
    _written(out, args)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from model import api

    if len(args.scenarios) < 2:
        raise UsageError(msg("cli.compare_needs_two"))
    scenarios = _scenarios(args.scenarios, args)
    table, out = _simulate(scenarios, args, "compare-" + "-".join(sc.name for sc in scenarios)[:60])
    names = api.scenario_titles(scenarios, args.lang)
    _print("cli.compare_header", runs=_describe_runs(scenarios, args), ref=names[scenarios[0].name])
    print(api.format_table(table, args.lang, names))
    _print_effects(table, names, args.lang)
    _written(out, args)
    return 0


def _print_effects(table: pd.DataFrame, names: dict[str, str], lang: str) -> None:
    """Print each scenario's clear differences from the reference, largest first (the report's summary too)."""
    from model.experiments.comparison import clear_effects, effect_phrase

    effects = clear_effects(table)
    ref = names[table["scenario"].iloc[0]]
    print()
    for name in list(names)[1:]:
        rows = effects[effects["scenario"] == name]
        _print("cli.effects_header" if len(rows) else "cli.no_effects", scenario=names[name], ref=ref)
        for row in rows.itertuples():
            print(f"  - {effect_phrase(row, lang)}")


def _cmd_report(args: argparse.Namespace) -> int:
    from model import api
    from model.reporting.report import check_free, pdf_renderer, render_report, write_report

    threshold = api.DEFAULT_THRESHOLD * 100 if args.threshold is None else args.threshold
    if threshold < 0:
        raise UsageError(msg("cli.threshold_negative"))
    report = Path(args.report) if args.report else None
    if report is not None:
        if report.suffix != ".html":
            raise UsageError(msg("cli.report_not_html", report=report))
        check_free(report, args.pdf)
    pdf = pdf_renderer() if args.pdf else None
    is_folder = [Path(item).is_dir() for item in args.inputs]
    if any(is_folder):
        if not all(is_folder):
            raise UsageError(msg("cli.folders_or_scenarios"))
        if given := [f"--{key}" for key in RUN_OPTIONS if getattr(args, key) != args.run_defaults[key]]:
            raise UsageError(msg("cli.run_options_only", options=", ".join(given)))
        comparison = api.combine([api.read_results(Path(item)) for item in args.inputs])
    else:
        for item in args.inputs:
            if not item.endswith(".toml") and ("/" in item or os.sep in item):
                raise UsageError(msg("cli.no_such_folder", item=item))
        scenarios = _scenarios(args.inputs, args)
        _, out = _simulate(scenarios, args, "report-" + "-".join(sc.name for sc in scenarios)[:60])
        _written(out, args)
        comparison = api.combine([api.read_results(out)])
    if report is None:
        folders = comparison.folders
        report = (folders[0].path / f"report-{args.lang}.html" if len(folders) == 1
                  else Path("results") / f"report-{datetime.now():%Y%m%d-%H%M%S}-{args.lang}.html")
    html = render_report(comparison, lang=args.lang, threshold=threshold / 100)
    for path in write_report(report, html, pdf):
        _print("cli.report_written", path=path)
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from model import api

    _check_execution(args)
    design = api.load_design(args.design).with_overrides(args.residents, args.years, args.replications,
                                                         args.samples)
    points = design.points()
    runs = len(design.tasks(points))  # checks every point's parameters before anything runs
    p = design.scenarios[0].params
    _print("cli.sweep_header", sys.stderr, name=design.name, method=design.method,
           points=msg("count.points", n=len(points)), scenarios=msg("count.scenarios", n=len(design.scenarios)),
           seeds=msg("count.seeds", n=design.replications), runs=msg("count.runs", n=runs),
           residents=p.n_residents, years=p.years)
    out = _out(args, f"sweep-{design.name}")
    changed = {k: v for k, v in (("residents", args.residents), ("years", args.years),
                                  ("replications", args.replications), ("samples", args.samples)) if v is not None}
    note = "".join(f"# overridden on the command line: {k} = {v}\n" for k, v in changed.items())
    _compile_first(args)
    api.save_sweep(design, out, note=note, **_batch_options(args, out))
    _print("cli.sweep_written", out=out, quoted=shlex.quote(str(out)))
    return 0


def _cmd_analyse(args: argparse.Namespace) -> int:
    from model import api

    results = api.load_results(Path(args.results))
    out = Path(args.out) if args.out else Path(args.results) / "analysis"
    if out.exists():
        raise UsageError(msg("cli.analysis_exists", out=out))
    analysis = api.save_analysis(results, out)
    design = results.design
    _print("cli.analyse_header", name=design["name"], method=design["method"],
           points=msg("count.points", n=len(results.points)), seeds=msg("count.seeds", n=len(design["seeds"])))
    for sentence in analysis.findings:
        print(f"- {sentence}")
    _print("cli.analyse_written", out=out)
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from model.i18n import scenario_description

    if args.designs:
        from model.experiments.scenarios import list_scenarios
        from model.experiments.sweeps import DESIGN_DIR, load_design

        rows = [(d.name, d.description) for d in map(load_design, list_scenarios(DESIGN_DIR))]
    else:
        from model.experiments.scenarios import list_scenarios, load_scenario

        rows = [(sc.name, scenario_description(sc, args.lang)) for sc in map(load_scenario, list_scenarios())]
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from model.experiments.scenarios import load_scenario
    from model.i18n import scenario_title

    sc = load_scenario(args.scenario)
    if args.json:
        print(json.dumps(sc.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(f"# {render('cli.show_header', args.lang, {'title': scenario_title(sc, args.lang)})}")
        print(sc.to_toml().rstrip("\n"))
    return 0


COMMANDS = {"run": _cmd_run, "compare": _cmd_compare, "report": _cmd_report, "sweep": _cmd_sweep,
            "analyse": _cmd_analyse, "list": _cmd_list, "show": _cmd_show}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``vitality``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    use_language(DEFAULT_LANGUAGE)  # until --lang is read: an unknown language is refused in Dutch
    try:
        lang = language(argv)
        use_language(lang)
        args = build_parser(lang).parse_args(argv)
        args.argv, args.lang = argv, lang
        return COMMANDS[args.command](args)
    except (InputError, OSError) as exc:
        _print("cli.error", sys.stderr, problem=say(exc))
        return 2
    except KeyboardInterrupt:
        _print("cli.interrupted", sys.stderr)
        return 130
    except Exception as exc:
        from model.api import BatchStoppedError

        if not isinstance(exc, BatchStoppedError):
            raise
        _print("cli.batch_error" if exc.code == 1 else "cli.batch_stopped", sys.stderr, problem=say(exc))
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
