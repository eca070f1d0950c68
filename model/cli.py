"""The ``vitality`` command line: run and compare scenarios, report on them, sweep designs and analyse them.

Commands: ``run [SCENARIO]``, ``compare SCENARIO...``, ``report RESULTS_OR_SCENARIO...``, ``sweep DESIGN``,
``analyse RESULTS``, ``tipping [SCENARIO]``, ``list``, ``show SCENARIO``, ``room [SCENARIO]`` and
``city import|map`` (a city file of one's own gemeente, which ``--city`` runs). This module only parses
arguments, checks them and prints; the work is done by :mod:`model.api` (runs, results folders, statistics),
:mod:`model.reporting.report` (the report) and :mod:`model.workshop.room` (the workshop room and its story).
Runs are stored as they finish, so an interrupted or failed
batch resumes when the same command is run again. Bad input ends with a one-line message naming the
problem and exit code 2.
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

import segno

from model import api
from model.cli_arguments import (
    Parser,
    UsageError,
    batch_options,
    check_execution,
    city_run,
    counted,
    describe_runs,
    error_text,
    interval_notes,
    load_scenarios,
    print_observed,
    results_folder,
    seed_list,
    simulate,
)
from model.core.schema import ParameterError
from model.experiments.analysis import AnalysisError
from model.experiments.tipping import DIVERSIONS, LOOP_STRENGTHS, MULTIPLIERS, TippingDesign
from model.i18n import DEFAULT_LANGUAGE, LANGUAGES
from model.opendata import OpenDataError
from model.opendata.city import MIN_INHABITANTS
from model.opendata.commands import MAP_FIGURES, CityRun, city_map, import_city, save_figure, write_city
from model.reporting.report import (
    ReportError,
    check_free,
    pdf_renderer,
    render_report,
    write_report,
)
from model.workshop.room.launch import DEFAULT_PORT, check_port, facilitator_address, join_address, start_room
from model.workshop.room.roles import CITY, RoomLayout
from model.workshop.room.session import Room, RoomError
from model.workshop.room.story import room_report

#: Options of ``report`` that only apply when it runs scenarios.
RUN_OPTIONS = ("residents", "years", "seeds", "seed", "out", "city", "scale")


# ---------------------------------------------------------------------- commands
def _cmd_run(args: argparse.Namespace) -> int:
    scenarios = load_scenarios([args.scenario], args)
    sc = scenarios[0]
    table, out = simulate(scenarios, args, sc.name)
    print(f"Scenario {sc.name} ({sc.description}; steering: {sc.params.steering_mode}): "
          f"{describe_runs(scenarios, args)}; mean over the last year with 95% CI:")
    print(api.format_table(table))
    interval_notes(args.seeds)
    print_observed(out)
    print(f"Results written to {out}/")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenarios (the first is the reference)")
    scenarios = load_scenarios(args.scenarios, args)
    table, out = simulate(scenarios, args, "compare-" + "-".join(sc.name for sc in scenarios)[:60])
    print(f"Comparison on the same seeds: {describe_runs(scenarios, args)}; mean over the last year and "
          f"difference against {scenarios[0].name}, with 95% CIs over paired seeds:")
    print(api.format_table(table))
    interval_notes(args.seeds)
    print_observed(out)
    print(f"Results written to {out}/ (summary.csv has the comparison table)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    if not 0 <= args.threshold < math.inf:  # NaN fails this too
        raise UsageError(f"--threshold {args.threshold:g}: give a number 0 or more (a percentage of the reference "
                         "value)")
    report = Path(args.report) if args.report else None
    if report is not None:
        if report.suffix != ".html":
            raise UsageError(f"--report {report}: give a file name ending in .html")
        check_free(report, args.pdf)
    pdf = pdf_renderer() if args.pdf else None
    if any(item.endswith(".json") for item in args.inputs):
        return _room_story(args, report, pdf)
    if args.map is not None and not Path(args.map).is_file():
        raise UsageError(f"--map {args.map}: no such file; give the CBS/PDOK wijkenbuurten_YYYY.gpkg")
    is_folder = [Path(item).is_dir() for item in args.inputs]
    if any(is_folder):
        if not all(is_folder):
            raise UsageError("give either results folders or scenarios to run, not both")
        if given := [f"--{key}" for key in RUN_OPTIONS if getattr(args, key) != args.run_defaults[key]]:
            raise UsageError(f"{', '.join(given)} only apply when the report runs scenarios, not to results folders")
        comparison = api.combine([api.read_results(Path(item)) for item in args.inputs])
    else:
        for item in args.inputs:
            if not item.endswith(".toml") and ("/" in item or os.sep in item):
                raise UsageError(f"{item}: no such results folder; give a folder written by `vitality run` or "
                                 "`vitality compare`, a scenario file (.toml) or a shipped scenario's name")
        if args.map is not None and args.city is None:
            raise UsageError("--map draws the wijken of a real city: run the scenarios with --city")
        scenarios = load_scenarios(args.inputs, args)
        _, out = simulate(scenarios, args, "report-" + "-".join(sc.name for sc in scenarios)[:60])
        print(f"Results written to {out}/")
        comparison = api.combine([api.read_results(out)])
    if report is None:
        folders = comparison.folders
        report = (folders[0].path / f"report-{args.lang}.html" if len(folders) == 1
                  else Path("results") / f"report-{datetime.now():%Y%m%d-%H%M%S}-{args.lang}.html")
    html = render_report(comparison, lang=args.lang, threshold=args.threshold / 100, boundaries=args.map)
    for path in write_report(report, html, pdf):
        print(f"Report written to {path}")
    return 0


def _cmd_room(args: argparse.Namespace) -> int:
    from model.workshop.room.server import join_link, serve  # imported here: only this command serves pages

    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: choose a port from 1 to 65535 (default {DEFAULT_PORT})")
    if args.seed < 0:
        raise UsageError("--seed must be 0 or more")
    check_port(args.host, args.port)
    if args.resume is not None:
        room = Room.resume(args.resume)
    else:
        try:
            layout = RoomLayout(administrators=args.administrators, administrator_seats=args.administrator_seats,
                                professional_seats=args.professional_seats, resident_seats=args.resident_seats)
        except ValueError as exc:  # "resident_seats: 99 seats; use 0 to 50" names the option --resident-seats
            raise UsageError(f"--{exc}".replace("_", "-", 1)) from None
        room = start_room(args.scenario, args.residents, args.seed, args.weeks, layout, args.out)
    url = join_address(args.host, args.port)
    s = room.settings
    print(f"Workshop room: {s.scenario_name}, {counted(s.overrides['n_residents'], 'resident')}, seed {s.seed}; "
          f"record: {room.path}")
    print(f"Participants: {url}  code {room.code}")
    segno.make(join_link(url, room), error="m").terminal(compact=True)
    print(f"Projector (facilitator; keep this address to yourself): "
          f"{facilitator_address(args.host, args.port, room.facilitator_key)}")
    if args.host == "127.0.0.1":
        print("Listening on this computer only; to let phones join, start with --host 0.0.0.0 (see README).")
    print(f"Stop with Ctrl-C; continue later with --resume {room.path}")
    with contextlib.suppress(KeyboardInterrupt):  # the way to stop a room: everything is in room.json already
        serve(room, args.host, args.port, url)
    print(f"Room stopped; its record is {room.path}")
    return 0


def _room_story(args: argparse.Namespace, report: Path | None, pdf: Callable[[str], bytes] | None) -> int:
    """``vitality report room.json``: the story of a workshop room."""
    if len(args.inputs) != 1:
        raise UsageError("give one room.json at a time (without results folders or scenarios)")
    if given := [f"--{key}" for key in RUN_OPTIONS if getattr(args, key) != args.run_defaults[key]]:
        raise UsageError(f"{', '.join(given)} only apply when the report runs scenarios, not to a room.json")
    room_json = Path(args.inputs[0])
    html = room_report(room_json, args.lang)
    for path in write_report(report or room_json.parent / f"report-{args.lang}.html", html, pdf):
        print(f"Report written to {path}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    design = api.load_design(args.design).with_overrides(args.residents, args.years, args.replications,
                                                         args.samples)
    if (city := city_run(args)) is not None:
        design = city.design(design)
    runs = design.n_points * len(design.scenarios) * design.replications
    p = design.scenarios[0].params
    check_execution(args, p, runs, False, "--samples or --replications")  # before the points are drawn
    tasks = design.tasks(design.points())  # checks every point's parameters before anything runs
    print(f"Sweep {design.name} ({design.method}): {counted(design.n_points, 'point')} x "
          f"{counted(len(design.scenarios), 'scenario')} x {counted(design.replications, 'seed')} = "
          f"{counted(runs, 'run')} of {p.n_residents} residents over {p.years:g} years", file=sys.stderr)
    out = results_folder(args, f"sweep-{design.name}", tasks)
    changed = {k: v for k, v in (("residents", args.residents), ("years", args.years),
                                  ("replications", args.replications), ("samples", args.samples)) if v is not None}
    note = "".join(f"# overridden on the command line: {k} = {v}\n" for k, v in changed.items())
    api.save_sweep(design, out, note=note, **batch_options(args))
    print(f"Results written to {out}/ (runs.csv: one row per point, scenario and seed); "
          f"analyse them with: vitality analyse {shlex.quote(str(out))}")
    return 0


def _cmd_analyse(args: argparse.Namespace) -> int:
    results = api.load_results(Path(args.results))
    out = Path(args.out) if args.out else Path(args.results) / "analysis"
    if out.exists():
        raise UsageError(f"analysis folder {out} exists already; choose another with --out or remove it")
    analysis = api.save_analysis(results, out)
    design = results.design
    print(f"Sweep {design['name']} ({design['method']}, {counted(len(results.points), 'point')}, "
          f"{counted(len(design['seeds']), 'seed')}): findings")
    for sentence in analysis.findings:
        print(f"- {sentence}")
    print(f"Tables, figures and findings.md written to {out}/")
    if args.doc:
        doc = Path(args.doc)
        if doc.suffix != ".md" or not doc.parent.is_dir():
            raise UsageError(f"--doc {doc}: give a Markdown file (.md) in an existing folder, e.g. docs/steering.md")
        written = api.publish_findings(analysis, results, doc, ["vitality", *args.argv])
        print(f"Findings published in {', '.join(map(str, written))}")
    return 0


#: The option of ``vitality tipping`` that sets each setting of a tipping design (for error messages).
TIPPING_OPTIONS = {"years": "--years", "seeds": "--seeds", "loop_strengths": "--strengths",
                   "lonely_shock_factor": "--strengths", "diversions": "--diversions", "multipliers": "--multipliers"}


def _numbers(text: str) -> tuple[float, ...]:
    """A comma-separated list of numbers from the command line (argparse reports the error in one line)."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, e.g. 1,1.5,2; got {text!r}") from None
    if len(set(values)) != len(values) or any(v != v for v in values):  # v != v: NaN
        raise argparse.ArgumentTypeError(f"expected distinct numbers, got {text!r}")
    return tuple(sorted(values))


def _listed(values: Sequence[float]) -> str:
    return ",".join(f"{v:g}" for v in values)


def _cmd_tipping(args: argparse.Namespace) -> int:
    args.years = 6.0 if args.years is None else args.years
    scenario = load_scenarios([args.scenario], args)[0]
    docs = Path(args.docs) if args.docs else None
    if docs and not docs.is_dir():
        raise UsageError(f"--docs {docs}: no such folder; give the documentation folder, e.g. docs")
    if args.rescue_years < 0:
        raise UsageError("--rescue-years must be 0 (until the end of the run) or more")
    grid = {key: getattr(args, key) for key in ("loop_strengths", "diversions", "multipliers") if getattr(args, key)}
    try:
        design = TippingDesign(scenario, tuple(seed_list(args)), rescue_years=args.rescue_years, **grid)
    except ParameterError as exc:  # name the option that set the value
        key, _, problem = str(exc).partition(":")
        option = TIPPING_OPTIONS.get(key, "--diversions" if key.endswith(".diversion") else key)
        raise UsageError(f"{option}:{problem}") from None
    if design.measure_gap < 3:
        print(f"vitality: note: the trap is measured {design.measure_gap:g} years after the shock ends; "
              "--years 6 or more measures it 3 years after", file=sys.stderr)
    p = scenario.params
    print(f"Tipping experiment: {counted(len(design.points()), 'grid point')} x {counted(len(design.seeds), 'seed')} "
          f"= {counted(len(design.points()) * len(design.seeds), 'run')} of {p.n_residents} residents over "
          f"{p.years:g} years", file=sys.stderr)
    tasks = design.tasks()
    check_execution(args, scenario.params, len(tasks), False, "--seeds or the grid (--strengths, --diversions)")
    out = results_folder(args, "tipping", tasks)
    tipping = api.save_tipping(design, out, docs=docs, **batch_options(args))
    print("Findings:")
    for sentence in tipping.findings():
        print(f"- {sentence}")
    print(f"Results written to {out}/ (tipping.md, tipping.png; summary.csv per grid point, excess.csv per run)")
    if docs:
        print(f"Published {docs / 'tipping.md'} and {docs / 'figures' / 'tipping.png'}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    if args.designs:
        rows = [(d.name, d.description) for d in map(api.load_design, api.list_scenarios(api.DESIGN_DIR))]
    else:
        rows = [(sc.name, sc.description_nl if args.nl else sc.description)
                for sc in map(api.load_scenario, api.list_scenarios())]
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return 0


def _cmd_city_import(args: argparse.Namespace) -> int:
    city, messages = import_city(args.source, args.gemeente, args.level, args.rivm, args.rivm_period,
                                 args.min_inhabitants)
    out = write_city(city, args.out)
    sources = " and ".join(src.title for src in city.sources.values())
    print(f"{city.name} ({city.gemeente}): {len(city.neighbourhoods)} neighbourhoods ({city.level}en), "
          f"{city.inhabitants:,} inhabitants of whom {city.adults:,} adults, from {sources}")
    for message in messages:
        print(f"- {message}")
    print(f"City file written to {out}; run it with: vitality run --city {shlex.quote(str(out))} --scale 0.05 "
          "(a 5% sample of its adults; --scale 1 simulates all of them)")
    return 0


def _cmd_city_map(args: argparse.Namespace) -> int:
    city = CityRun.load(args.city).city
    fig, missing = city_map(city, args.map, args.figure)
    out = save_figure(fig, args.out)
    if missing:
        print(f"vitality: note: no boundary for {', '.join(missing)} in {Path(args.map).name}; is it the map of the "
              "same year as the figures?", file=sys.stderr)
    print(f"Map of {city.name} ({args.figure}) written to {out}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    sc = api.load_scenario(args.scenario)
    print(json.dumps(sc.to_dict(), indent=2, ensure_ascii=False) if args.json else sc.to_toml().rstrip("\n"))
    return 0


# ---------------------------------------------------------------------- the parser
def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--residents", type=int, help="number of adult residents (default: the scenario's)")
    p.add_argument("--years", type=float, help="simulated years (default: the scenario's)")
    p.add_argument("--seeds", type=int, default=5, help="number of replications (default 5)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0); seeds are paired across scenarios")
    p.add_argument("--out", help="results folder (must not exist yet; default results/<name>-<time>); "
                   "an interrupted batch resumes when the same command is run again")
    _add_city_options(p)
    _add_execution_options(p)


def _add_city_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--city", metavar="FILE", help="run in a real gemeente: a city file made by `vitality city "
                   "import` (its wijken or buurten replace the model's four neighbourhood types)")
    p.add_argument("--scale", type=float, help="with --city: the share of the city's adults to simulate, e.g. 0.05 "
                   "for quick work (default 1: all of them)")


def _add_execution_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=int, help="local worker processes (default: one per CPU core; 1 runs in this "
                   "process)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask distributed scheduler instead, "
                   "e.g. tcp://10.0.0.5:8786 (its workers need this package installed)")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``vitality``."""
    parser = Parser(prog="vitality", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
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

    p_rep = sub.add_parser("report", help="write a self-contained HTML report (and PDF) of results or scenarios")
    p_rep.add_argument("inputs", nargs="+", metavar="RESULTS_OR_SCENARIO",
                       help="results folders written by run or compare, or scenarios to run first (a shipped "
                            "scenario's name or a .toml file); the first scenario is the reference; or the "
                            "room.json of a workshop room, for the workshop's story")
    _add_run_options(p_rep)
    p_rep.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE,
                       help=f"language (default {DEFAULT_LANGUAGE})")
    p_rep.add_argument("--report", help="report file ending in .html (must not exist yet; default "
                                        "report-<lang>.html in the results folder)")
    p_rep.add_argument("--pdf", action="store_true", help="also write a PDF beside it (needs WeasyPrint)")
    p_rep.add_argument("--map", metavar="GPKG", help="with a city: the CBS/PDOK wijk and buurt boundaries "
                       "(wijkenbuurten_YYYY.gpkg) to colour each neighbourhood by its outputs")
    p_rep.add_argument("--threshold", type=float, default=api.DEFAULT_THRESHOLD * 100,
                       help="smallest neighbourhood difference shown, in %% of the reference value "
                            "(default %(default)g)")
    p_rep.set_defaults(func=_cmd_report, run_defaults={key: p_rep.get_default(key) for key in RUN_OPTIONS})

    p_room = sub.add_parser("room", help="start a workshop room: everyone decides from their own phone or laptop")
    p_room.add_argument("scenario", nargs="?", default="baseline", help="shipped scenario of the shared city")
    p_room.add_argument("--residents", type=int, default=2000, help="adults in the city (default 2000)")
    p_room.add_argument("--seed", type=int, default=1, help="seed of the city (same seed, same city)")
    p_room.add_argument("--weeks", type=int, default=4, help="weeks a round runs by default (1-52, default 4)")
    layout = RoomLayout()
    p_room.add_argument("--administrators", choices=(CITY, "neighbourhood"), default=layout.administrators,
                        help="one administrator role for the whole city (default), or one per neighbourhood")
    p_room.add_argument("--administrator-seats", type=int, default=layout.administrator_seats,
                        help=f"seats per administrator role (default {layout.administrator_seats})")
    p_room.add_argument("--professional-seats", type=int, default=layout.professional_seats,
                        help=f"professional seats per neighbourhood (default {layout.professional_seats})")
    p_room.add_argument("--resident-seats", type=int, default=layout.resident_seats,
                        help=f"resident seats per neighbourhood (default {layout.resident_seats})")
    p_room.add_argument("--host", default="127.0.0.1",
                        help="address to listen on: 127.0.0.1 (default, this computer only), 0.0.0.0 (every "
                             "network of this computer, e.g. its Wi-Fi hotspot) or one LAN address")
    p_room.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p_room.add_argument("--out", type=Path, help="new folder for room.json (default rooms/room-<date-time>)")
    p_room.add_argument("--resume", type=Path, metavar="ROOM_JSON",
                        help="continue the room recorded in ROOM_JSON (its city, roles, rounds and code)")
    p_room.set_defaults(func=_cmd_room)

    p_sweep = sub.add_parser("sweep", help="run an experimental design (factorial, latin, sobol, morris)")
    p_sweep.add_argument("design", help="a shipped design's name (scenarios/designs/) or the path of a .toml file")
    p_sweep.add_argument("--residents", type=int, help="residents per run (default: the design's)")
    p_sweep.add_argument("--years", type=float, help="simulated years per run (default: the design's)")
    p_sweep.add_argument("--replications", type=int, help="seeds per point and scenario (default: the design's)")
    p_sweep.add_argument("--samples", type=int, help="sample size (default: the design's)")
    p_sweep.add_argument("--out", help="results folder (must not exist yet; default results/sweep-<name>-<time>); "
                         "an interrupted sweep resumes when the same command is run again")
    _add_city_options(p_sweep)
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

    p_city = sub.add_parser("city", help="make a city file of your own gemeente from CBS and RIVM figures")
    city_sub = p_city.add_subparsers(dest="city_command", required=True, parser_class=Parser)
    p_imp = city_sub.add_parser("import", help="one neighbourhood per wijk or buurt, from CBS Kerncijfers wijken "
                                "en buurten (and RIVM's loneliness estimates)")
    p_imp.add_argument("source", help="kwb-YYYY.xlsx or kwb-YYYY.csv from CBS, or cbs:<table> such as cbs:85984NED "
                       "(CBS's API; needs the cbs extra)")
    p_imp.add_argument("--gemeente", required=True, help="the gemeente: its code (GM0599) or name (Rotterdam)")
    p_imp.add_argument("--level", choices=("wijk", "buurt"), default="wijk",
                       help="which areas become neighbourhoods (default wijk)")
    p_imp.add_argument("--rivm", metavar="SOURCE", help="RIVM Gezondheid per wijk en buurt (table 50120NED) as a "
                       "CSV or XLSX file, or rivm:50120NED: loneliness and more, kept to compare with the model")
    p_imp.add_argument("--rivm-period", default="", metavar="YEAR",
                       help="year of the RIVM estimates (default: the latest in the file)")
    p_imp.add_argument("--min-inhabitants", type=int, default=MIN_INHABITANTS, metavar="N",
                       help=f"smaller buurten are merged into the largest of their wijk, smaller wijken left out "
                            f"(default {MIN_INHABITANTS})")
    p_imp.add_argument("--out", required=True, help="the city file to write (.toml; must not exist yet)")
    p_imp.set_defaults(func=_cmd_city_import)
    p_map = city_sub.add_parser("map", help="draw a city file's neighbourhoods from the CBS/PDOK boundaries")
    p_map.add_argument("city", help="a city file written by `vitality city import`")
    p_map.add_argument("--map", required=True, metavar="GPKG", help="wijkenbuurten_YYYY.gpkg (CBS/PDOK)")
    p_map.add_argument("--figure", default="low_income_share", metavar="NAME",
                       help=f"what to colour by (default low_income_share; one of {', '.join(MAP_FIGURES)})")
    p_map.add_argument("--out", required=True, help="the image to write (.png or .svg; must not exist yet)")
    p_map.set_defaults(func=_cmd_city_map)

    p_show = sub.add_parser("show", help="show a scenario's resolved parameters and interventions")
    p_show.add_argument("scenario", help=scenario_help)
    p_show.add_argument("--json", action="store_true", help="JSON instead of a TOML scenario file")
    p_show.set_defaults(func=_cmd_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``vitality``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    restore_signals = api.stop_on_signals()  # SIGTERM and a closed terminal stop a batch as Ctrl-C does
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv
        return args.func(args)
    except (UsageError, ParameterError, api.StoreError, api.ResultsError, api.BudgetError, ReportError,
            AnalysisError, RoomError, OpenDataError, OSError) as exc:
        print(f"vitality: error: {error_text(exc)}", file=sys.stderr)
        return 2
    except api.BatchStoppedError as exc:
        print(f"vitality: {'error: ' if exc.code == 1 else ''}{exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt as exc:
        stopped = isinstance(exc, api.Stopped)
        print(f"vitality: {f'stopped by {exc}' if stopped else 'interrupted'}; no results were written",
              file=sys.stderr)
        return 128 + exc.signum if stopped else 130
    finally:
        restore_signals()


if __name__ == "__main__":
    sys.exit(main())
