"""The ``vitality`` command line: run and compare scenarios, report on them, sweep designs and analyse them.

Commands: ``run [SCENARIO]``, ``compare SCENARIO...``, ``report RESULTS_OR_SCENARIO...``, ``sweep DESIGN``,
``analyse RESULTS``, ``tipping [SCENARIO]``, ``list``, ``show SCENARIO``, ``room [SCENARIO]`` and
``city import|map`` (a city file of one's own gemeente, which ``--city`` runs); every one takes
``--lang nl|en`` (Dutch by default) for its tables, messages, errors and help. This module dispatches
and prints: the parser is :mod:`model.cli_parser`, the checks the commands share are
:mod:`model.cli_arguments`; the work is done by :mod:`model.api` (runs, results folders, statistics),
:mod:`model.reporting.report` (the report) and :mod:`model.workshop.room` (the workshop room and its
story), imported when a command needs them, so that ``list``, ``show`` and ``--help`` answer at once.
Runs are stored as they finish, so an interrupted or failed batch resumes when the same command is run
again. Bad input ends with a one-line message naming the problem and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from model.cli_arguments import (
    UsageError,
    batch_options,
    check_execution,
    city_run,
    compile_first,
    describe_runs,
    error_text,
    interval_notes,
    load_scenarios,
    print_message,
    print_observed,
    results_folder,
    seed_list,
    simulate,
)
from model.cli_parser import RUN_OPTIONS, build_parser, language
from model.messages import DEFAULT_LANGUAGE, InputError, msg, render, say, use_language

if TYPE_CHECKING:
    import pandas as pd

_print = print_message


def _written(out: Path, args: argparse.Namespace) -> None:
    from model.experiments.spreadsheet import WORKBOOK_NAMES

    _print("cli.written", out=out, workbook=WORKBOOK_NAMES[args.lang])


# ---------------------------------------------------------------------- commands
def _cmd_run(args: argparse.Namespace) -> int:
    from model import api
    from model.i18n import scenario_description, scenario_title, steering_name

    scenarios = load_scenarios([args.scenario], args)
    sc = scenarios[0]
    table, out = simulate(scenarios, args, sc.name)
    _print("cli.run_header", title=scenario_title(sc, args.lang), name=sc.name,
           description=scenario_description(sc, args.lang), mode=steering_name(sc.params.steering_mode, args.lang),
           runs=describe_runs(scenarios, args))
    print(api.format_table(table, args.lang))
    interval_notes(args.seeds)
    print_observed(out, args.lang)
    _written(out, args)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from model import api

    if len(args.scenarios) < 2:
        raise UsageError(msg("cli.compare_needs_two"))
    scenarios = load_scenarios(args.scenarios, args)
    table, out = simulate(scenarios, args, "compare-" + "-".join(sc.name for sc in scenarios)[:60])
    names = api.scenario_titles(scenarios, args.lang)
    _print("cli.compare_header", runs=describe_runs(scenarios, args), ref=names[scenarios[0].name])
    print(api.format_table(table, args.lang, names))
    interval_notes(args.seeds)
    _print_effects(table, names, args.lang)
    print_observed(out, args.lang)
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
    if not 0 <= threshold < math.inf:  # NaN fails this too
        raise UsageError(msg("cli.threshold_negative", value=threshold))
    report = Path(args.report) if args.report else None
    if report is not None:
        if report.suffix != ".html":
            raise UsageError(msg("cli.report_not_html", report=report))
        check_free(report, args.pdf)
    pdf = pdf_renderer() if args.pdf else None
    if any(item.endswith(".json") for item in args.inputs):
        return _room_story(args, report, pdf)
    if args.map is not None and not Path(args.map).is_file():
        raise UsageError(msg("cli.map_no_file", path=args.map))
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
        if args.map is not None and args.city is None:
            raise UsageError(msg("cli.map_needs_city"))
        scenarios = load_scenarios(args.inputs, args)
        _, out = simulate(scenarios, args, "report-" + "-".join(sc.name for sc in scenarios)[:60])
        _written(out, args)
        comparison = api.combine([api.read_results(out)])
    if report is None:
        folders = comparison.folders
        report = (folders[0].path / f"report-{args.lang}.html" if len(folders) == 1
                  else Path("results") / f"report-{datetime.now():%Y%m%d-%H%M%S}-{args.lang}.html")
    html = render_report(comparison, lang=args.lang, threshold=threshold / 100, boundaries=args.map)
    for path in write_report(report, html, pdf):
        _print("cli.report_written", path=path)
    return 0


def _room_story(args: argparse.Namespace, report: Path | None, pdf: Callable[[str], bytes] | None) -> int:
    """``vitality report room.json``: the story of a workshop room."""
    from model.reporting.report import write_report
    from model.workshop.room.story import room_report

    if len(args.inputs) != 1:
        raise UsageError(msg("cli.one_room"))
    if given := [f"--{key}" for key in RUN_OPTIONS if getattr(args, key) != args.run_defaults[key]]:
        raise UsageError(msg("cli.room_run_options", options=", ".join(given)))
    room_json = Path(args.inputs[0])
    html = room_report(room_json, args.lang)
    for path in write_report(report or room_json.parent / f"report-{args.lang}.html", html, pdf):
        _print("cli.report_written", path=path)
    return 0


def _cmd_room(args: argparse.Namespace) -> int:
    import segno

    from model.workshop.room.launch import (
        DEFAULT_PORT,
        check_port,
        facilitator_address,
        join_address,
        start_room,
    )
    from model.workshop.room.roles import RoomLayout
    from model.workshop.room.server import join_link, serve
    from model.workshop.room.session import Room

    args.port = DEFAULT_PORT if args.port is None else args.port
    if not 1 <= args.port <= 65535:
        raise UsageError(msg("cli.bad_port", port=args.port, default=DEFAULT_PORT))
    if args.seed < 0:
        raise UsageError(msg("cli.room_seed"))
    check_port(args.host, args.port)
    if args.resume is not None:
        room = Room.resume(args.resume)
    else:
        try:
            given = {key: getattr(args, key) for key in ("administrators", "administrator_seats", "professional_seats",
                                                         "resident_seats") if getattr(args, key) is not None}
            layout = RoomLayout(**given)
        except ValueError as exc:  # the message names the field, resident_seats: say it as the option, --resident-seats
            problem = exc.args[0]
            named = problem.values | {"name": problem.values["name"].replace("_", "-")}
            raise UsageError(msg("room.layout", problem=msg(problem.key, **named))) from None
        room = start_room(args.scenario, args.residents, args.seed, args.weeks, layout, args.out)
    url = join_address(args.host, args.port)
    s = room.settings
    _print("room.started", scenario=s.scenario_name, residents=msg("count.residents", n=s.overrides["n_residents"]),
           seed=s.seed, record=room.path)
    _print("room.participants", url=url, code=room.code)
    segno.make(join_link(url, room), error="m").terminal(compact=True)
    _print("room.projector", address=facilitator_address(args.host, args.port, room.facilitator_key))
    if args.host == "127.0.0.1":
        _print("room.local_only")
    _print("room.how_to_stop", record=room.path)
    with contextlib.suppress(KeyboardInterrupt):  # the way to stop a room: everything is in room.json already
        serve(room, args.host, args.port, url)
    _print("room.stopped", record=room.path)
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from model import api

    design = api.load_design(args.design).with_overrides(args.residents, args.years, args.replications,
                                                         args.samples)
    if (city := city_run(args)) is not None:
        design = city.design(design)
    runs = design.n_points * len(design.scenarios) * design.replications
    p = design.scenarios[0].params
    # before the points are drawn
    check_execution(args, p, runs, False, msg("budget.either", first="--samples", second="--replications"))
    tasks = design.tasks(design.points())  # checks every point's parameters before anything runs
    _print("cli.sweep_header", sys.stderr, name=design.name, method=design.method,
           points=msg("count.points", n=design.n_points), scenarios=msg("count.scenarios", n=len(design.scenarios)),
           seeds=msg("count.seeds", n=design.replications), runs=msg("count.runs", n=runs),
           residents=p.n_residents, years=p.years)
    out = results_folder(args, f"sweep-{design.name}", tasks)
    changed = {k: v for k, v in (("residents", args.residents), ("years", args.years),
                                  ("replications", args.replications), ("samples", args.samples)) if v is not None}
    note = "".join(f"# overridden on the command line: {k} = {v}\n" for k, v in changed.items())
    compile_first(args)
    api.save_sweep(design, out, note=note, **batch_options(args))
    _print("cli.sweep_written", out=out, quoted=shlex.quote(str(out)))
    return 0


def _cmd_analyse(args: argparse.Namespace) -> int:
    from model import api

    results = api.load_results(Path(args.results))
    out = Path(args.out) if args.out else Path(args.results) / "analysis"
    if out.exists():
        raise UsageError(msg("cli.analysis_exists", out=out))
    analysis = api.save_analysis(results, out, args.lang)
    design = results.design
    _print("cli.analyse_header", name=design["name"], method=design["method"],
           points=msg("count.points", n=len(results.points)), seeds=msg("count.seeds", n=len(design["seeds"])))
    for sentence in analysis.findings:
        print(f"- {sentence}")
    _print("cli.analyse_written", out=out)
    if args.doc:
        doc = Path(args.doc)
        if doc.suffix != ".md" or not doc.parent.is_dir():
            raise UsageError(msg("cli.doc_not_markdown", doc=doc))
        written = api.publish_findings(analysis, results, doc, ["vitality", *args.argv])
        _print("cli.findings_published", paths=", ".join(map(str, written)))
    return 0


#: The option of ``vitality tipping`` that sets each setting of a tipping design (for error messages).
TIPPING_OPTIONS = {"years": "--years", "seeds": "--seeds", "loop_strengths": "--strengths",
                   "lonely_shock_factor": "--strengths", "diversions": "--diversions", "multipliers": "--multipliers"}


def _cmd_tipping(args: argparse.Namespace) -> int:
    from model import api
    from model.core.schema import ParameterError
    from model.experiments.tipping import TippingDesign

    args.years = 6.0 if args.years is None else args.years
    scenario = load_scenarios([args.scenario], args)[0]
    docs = Path(args.docs) if args.docs else None
    if docs and not docs.is_dir():
        raise UsageError(msg("cli.docs_no_folder", docs=docs))
    if args.rescue_years < 0:
        raise UsageError(msg("cli.rescue_years"))
    grid = {key: getattr(args, key) for key in ("loop_strengths", "diversions", "multipliers") if getattr(args, key)}
    try:
        design = TippingDesign(scenario, tuple(seed_list(args)), rescue_years=args.rescue_years, **grid)
    except ParameterError as exc:  # name the option that set the value
        key = exc.path or ""
        raise exc.at(TIPPING_OPTIONS.get(key, "--diversions" if key.endswith(".diversion") else key)) from None
    if design.measure_gap < 3:
        _print("tipping.measure_gap", sys.stderr, gap=design.measure_gap)
    p = scenario.params
    points, seeds = len(design.points()), len(design.seeds)
    _print("tipping.header", sys.stderr, points=msg("count.grid_points", n=points), seeds=msg("count.seeds", n=seeds),
           runs=msg("count.runs", n=points * seeds), residents=p.n_residents, years=p.years)
    tasks = design.tasks()
    check_execution(args, scenario.params, len(tasks), False,
                    msg("budget.either", first="--seeds", second=msg("budget.grid")))
    out = results_folder(args, "tipping", tasks)
    compile_first(args)
    tipping = api.save_tipping(design, out, docs=docs, lang=args.lang, **batch_options(args))
    _print("tipping.findings")
    for sentence in tipping.findings():
        print(f"- {sentence}")
    _print("tipping.written", out=out)
    if docs:
        _print("tipping.published", doc=docs / "tipping.md", figure=docs / "figures" / "tipping.png")
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


def _cmd_city_import(args: argparse.Namespace) -> int:
    from model.opendata.commands import import_city, write_city

    city, messages = import_city(args.source, args.gemeente, args.level, args.rivm, args.rivm_period,
                                 **({} if args.min_inhabitants is None else {"min_inhabitants": args.min_inhabitants}))
    out = write_city(city, args.out)
    titles = [src.title for src in city.sources.values()]
    sources = msg("design.both", first=titles[0], second=titles[1]) if len(titles) == 2 else titles[0]
    _print("city.imported", city=city.name, gemeente=city.gemeente,
           neighbourhoods=msg("count.neighbourhoods", n=len(city.neighbourhoods)), level=city.level,
           inhabitants=city.inhabitants, adults=city.adults, sources=sources)
    for message in messages:
        print(f"- {say(message)}")
    _print("city.written", out=out, quoted=shlex.quote(str(out)))
    return 0


def _cmd_city_map(args: argparse.Namespace) -> int:
    from model.opendata.commands import CityRun, city_map, save_figure

    city = CityRun.load(args.city).city
    fig, missing = city_map(city, args.map, args.figure)
    out = save_figure(fig, args.out)
    if missing:
        _print("city.no_boundary_for", sys.stderr, names=", ".join(missing), map=Path(args.map).name)
    _print("city.map_written", city=city.name, figure=args.figure, out=out)
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
            "analyse": _cmd_analyse, "tipping": _cmd_tipping, "list": _cmd_list, "show": _cmd_show, "room": _cmd_room,
            "city import": _cmd_city_import, "city map": _cmd_city_map}
#: Commands that run batches: SIGTERM and a closed terminal stop them as Ctrl-C does (finished runs are kept).
BATCH_COMMANDS = ("run", "compare", "report", "sweep", "tipping")


def _reader_closed() -> int:
    """End quietly when the reader of standard output closed it (``vitality list | head -3``).

    As Python's documentation on SIGPIPE advises: point standard output at ``os.devnull`` so the flush at
    exit does not fail again, and return 128 + SIGPIPE (141), the code a shell sees from any other tool
    whose reader went away.
    """
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``vitality``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    use_language(DEFAULT_LANGUAGE)  # until --lang is read: an unknown language is refused in Dutch
    restore_signals = None
    try:
        lang = language(argv)
        use_language(lang)
        args = build_parser(lang).parse_args(argv)
        args.argv, args.lang = argv, lang
        if args.command in BATCH_COMMANDS:
            from model.experiments.store import stop_on_signals

            restore_signals = stop_on_signals()
        command = f"city {args.city_command}" if args.command == "city" else args.command
        return COMMANDS[command](args)
    except BrokenPipeError:
        return _reader_closed()
    except (InputError, OSError) as exc:
        _print("cli.error", sys.stderr, problem=error_text(exc))
        return 2
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", None)  # model.experiments.store.Stopped: a signal
        if signum is None:
            _print("cli.interrupted", sys.stderr)
            return 130
        _print("cli.stopped", sys.stderr, signal=str(exc))
        return 128 + signum
    except Exception as exc:
        from model.experiments.budget import BudgetError
        from model.experiments.store import BatchStoppedError
        from model.workshop.room.session import RoomError

        if isinstance(exc, BudgetError | RoomError):
            _print("cli.error", sys.stderr, problem=error_text(exc))
            return 2
        if not isinstance(exc, BatchStoppedError):
            raise
        _print("cli.batch_error" if exc.code == 1 else "cli.batch_stopped", sys.stderr, problem=say(exc))
        return exc.code
    finally:
        if restore_signals is not None:
            restore_signals()


if __name__ == "__main__":
    sys.exit(main())
