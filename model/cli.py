"""The ``vitality`` command line: run and compare scenarios, report on them, sweep designs and analyse them.

Commands: ``run [SCENARIO]``, ``compare SCENARIO...``, ``report RESULTS_OR_SCENARIO...``, ``sweep DESIGN``,
``analyse RESULTS``, ``list``, ``show SCENARIO`` and ``city import|map`` (a city file of one's own gemeente,
which ``--city`` runs). This module only parses arguments, checks them and
prints; the work is done by :mod:`model.api` (runs, results folders, statistics) and
:mod:`model.reporting.report` (the report). Runs are stored as they finish, so an interrupted or failed
batch resumes when the same command is run again. Bad input ends with a one-line message naming the
problem and exit code 2.
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

import pandas as pd

from model import api
from model.core.schema import ParameterError
from model.core.time import WEEKS_PER_YEAR
from model.experiments.analysis import AnalysisError
from model.experiments.scenarios import Scenario
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

#: Options of ``report`` that only apply when it runs scenarios.
RUN_OPTIONS = ("residents", "years", "seeds", "seed", "out", "city", "scale")


class UsageError(Exception):
    """Bad input from the user: reported in one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage and exits 2; keep it to one line
        raise UsageError(f"{message} (see `{self.prog} --help`)")


# ---------------------------------------------------------------------- printing
def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------- checking arguments
def _scenarios(names: Sequence[str], args: argparse.Namespace) -> list[Scenario]:
    """Load scenarios and apply the command line's overrides."""
    options = {"n_residents": ("--residents", args.residents), "years": ("--years", args.years),
               "steering_mode": ("--steering", getattr(args, "steering", None))}
    overrides = {key: value for key, (_, value) in options.items() if value is not None}
    city = _city(args)
    loaded = [api.load_scenario(name, city.city.labels() if city else None) for name in names]
    try:
        scenarios = [sc.with_parameters(overrides) for sc in loaded]
    except ParameterError as exc:  # an override from the command line: name the option, not the key
        key, problem = str(exc).split(":", 1)
        raise UsageError(f"{options[key][0] if key in options else key}:{problem}") from None
    if city is not None:
        scenarios = [city.scenario(sc) for sc in scenarios]
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


def _city(args: argparse.Namespace) -> CityRun | None:
    """The city file of ``--city`` at ``--scale`` (read once per command), or None."""
    if getattr(args, "city", None) is None:
        if getattr(args, "scale", None) is not None:
            raise UsageError("--scale only applies with --city (a sample of a real city's adults)")
        return None
    if getattr(args, "residents", None) is not None:
        raise UsageError("--residents does not apply with --city: the city sets its adults; use --scale for a "
                         "sample of them")
    if not hasattr(args, "city_run"):
        args.city_run = CityRun.load(args.city, 1.0 if args.scale is None else args.scale)
    return args.city_run


def _seeds(args: argparse.Namespace) -> list[int]:
    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1")
    if args.seed < 0:
        raise UsageError("--seed must be 0 or more")
    return list(range(args.seed, args.seed + args.seeds))


def _check_execution(args: argparse.Namespace) -> None:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    args.jobs = args.jobs or api.default_jobs()


def _out(args: argparse.Namespace, default: str) -> Path:
    """The results folder: ``--out``, or ``results/<default>-<time>``."""
    return Path(args.out) if args.out else Path("results") / f"{default}-{datetime.now():%Y%m%d-%H%M%S}"


def _batch_options(args: argparse.Namespace, out: Path) -> dict:
    """What :mod:`model.api` needs to run a batch for this command: the command, how to resume it, execution."""
    command = ["vitality", *args.argv]
    resume = [*command, *([] if args.out else ["--out", str(out)])]
    return {"command": command, "resume": resume, "jobs": args.jobs, "scheduler": args.scheduler}


def _simulate(scenarios: list[Scenario], args: argparse.Namespace, default_out: str) -> tuple[pd.DataFrame, Path]:
    """Run (resumably), summarise and write: the part that ``run``, ``compare`` and ``report`` share."""
    seeds = _seeds(args)
    _check_execution(args)
    out = _out(args, default_out)
    _, table = api.save_comparison(scenarios, seeds, out, city=_city(args), **_batch_options(args, out))
    return table, out


def _print_observed(out: Path) -> None:
    """For a city with RIVM figures: loneliness per neighbourhood, observed next to simulated (the reference)."""
    path = out / "observed.csv"
    if not path.is_file():
        return
    table = pd.read_csv(path)
    lonely = table[(table["figure"] == "lonely_pct") & (table["scenario"] == table["scenario"].iloc[0])]
    if lonely.empty:
        return
    print(f"Lonely adults (%) per neighbourhood, observed (RIVM) and simulated ({lonely['scenario'].iloc[0]}, "
          "mean over the last year with 95% CI); all figures in observed.csv:")
    shown = pd.DataFrame({"neighbourhood": lonely["neighbourhood"], "observed": lonely["observed"].map("{:.1f}".format),
                          "simulated [95% CI]": [f"{m:.1f} [{lo:.1f}, {hi:.1f}]" for m, lo, hi in
                                                 zip(lonely["simulated"], lonely["ci_low"], lonely["ci_high"],
                                                     strict=True)],
                          "difference": lonely["difference"].map("{:+.1f}".format)})
    print(shown.to_string(index=False))


def _describe_runs(scenarios: list[Scenario], args: argparse.Namespace) -> str:
    p = scenarios[0].params
    city = _city(args)
    where = (f"{city.city.name}, {len(city.city.neighbourhoods)} {city.city.level}en, {p.n_residents:,} of its "
             f"{city.city.adults:,} adults (--scale {city.scale:g})" if city else f"{p.n_residents} residents")
    return f"{where}, {p.years:g} years, {args.seeds} seeds ({args.seed}-{args.seed + args.seeds - 1})"


# ---------------------------------------------------------------------- commands
def _cmd_run(args: argparse.Namespace) -> int:
    scenarios = _scenarios([args.scenario], args)
    sc = scenarios[0]
    table, out = _simulate(scenarios, args, sc.name)
    print(f"Scenario {sc.name} ({sc.description}; steering: {sc.params.steering_mode}): "
          f"{_describe_runs(scenarios, args)}; mean over the last year with 95% CI:")
    print(api.format_table(table))
    _print_observed(out)
    print(f"Results written to {out}/")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenarios (the first is the reference)")
    scenarios = _scenarios(args.scenarios, args)
    table, out = _simulate(scenarios, args, "compare-" + "-".join(sc.name for sc in scenarios)[:60])
    print(f"Comparison on the same seeds: {_describe_runs(scenarios, args)}; mean over the last year and "
          f"difference against {scenarios[0].name}, with 95% CIs over paired seeds:")
    print(api.format_table(table))
    _print_observed(out)
    print(f"Results written to {out}/ (summary.csv has the comparison table)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    if args.threshold < 0:
        raise UsageError("--threshold must be 0 or more (a percentage of the reference value)")
    report = Path(args.report) if args.report else None
    if report is not None:
        if report.suffix != ".html":
            raise UsageError(f"--report {report}: give a file name ending in .html")
        check_free(report, args.pdf)
    pdf = pdf_renderer() if args.pdf else None
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
        scenarios = _scenarios(args.inputs, args)
        _, out = _simulate(scenarios, args, "report-" + "-".join(sc.name for sc in scenarios)[:60])
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


def _cmd_sweep(args: argparse.Namespace) -> int:
    _check_execution(args)
    design = api.load_design(args.design).with_overrides(args.residents, args.years, args.replications,
                                                         args.samples)
    if (city := _city(args)) is not None:
        design = city.design(design)
    points = design.points()
    runs = len(design.tasks(points))  # checks every point's parameters before anything runs
    p = design.scenarios[0].params
    print(f"Sweep {design.name} ({design.method}): {_count(len(points), 'point')} x "
          f"{_count(len(design.scenarios), 'scenario')} x {_count(design.replications, 'seed')} = "
          f"{_count(runs, 'run')} of {p.n_residents} residents over {p.years:g} years", file=sys.stderr)
    out = _out(args, f"sweep-{design.name}")
    changed = {k: v for k, v in (("residents", args.residents), ("years", args.years),
                                  ("replications", args.replications), ("samples", args.samples)) if v is not None}
    note = "".join(f"# overridden on the command line: {k} = {v}\n" for k, v in changed.items())
    api.save_sweep(design, out, note=note, **_batch_options(args, out))
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
    print(f"Sweep {design['name']} ({design['method']}, {_count(len(results.points), 'point')}, "
          f"{_count(len(design['seeds']), 'seed')}): findings")
    for sentence in analysis.findings:
        print(f"- {sentence}")
    print(f"Tables, figures and findings.md written to {out}/")
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
                   "an interrupted batch resumes when run again with the same --out")
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

    p_rep = sub.add_parser("report", help="write a self-contained HTML report (and PDF) of results or scenarios")
    p_rep.add_argument("inputs", nargs="+", metavar="RESULTS_OR_SCENARIO",
                       help="results folders written by run or compare, or scenarios to run first (a shipped "
                            "scenario's name or a .toml file); the first scenario is the reference")
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

    p_sweep = sub.add_parser("sweep", help="run an experimental design (factorial, latin, sobol, morris)")
    p_sweep.add_argument("design", help="a shipped design's name (scenarios/designs/) or the path of a .toml file")
    p_sweep.add_argument("--residents", type=int, help="residents per run (default: the design's)")
    p_sweep.add_argument("--years", type=float, help="simulated years per run (default: the design's)")
    p_sweep.add_argument("--replications", type=int, help="seeds per point and scenario (default: the design's)")
    p_sweep.add_argument("--samples", type=int, help="sample size (default: the design's)")
    p_sweep.add_argument("--out", help="results folder (must not exist yet; default results/sweep-<name>-<time>); "
                         "an interrupted sweep resumes when run again with the same --out")
    _add_city_options(p_sweep)
    _add_execution_options(p_sweep)
    p_sweep.set_defaults(func=_cmd_sweep)

    p_analyse = sub.add_parser("analyse", help="sensitivity indices and scenario discovery of a sweep's results")
    p_analyse.add_argument("results", help="a results folder written by `vitality sweep`")
    p_analyse.add_argument("--out", help="analysis folder (must not exist yet; default RESULTS/analysis)")
    p_analyse.set_defaults(func=_cmd_analyse)

    p_list = sub.add_parser("list", help="list the shipped scenarios (or designs) with their descriptions")
    p_list.add_argument("--nl", action="store_true", help="descriptions in Dutch")
    p_list.add_argument("--designs", action="store_true", help="the shipped experimental designs instead")
    p_list.set_defaults(func=_cmd_list)

    p_city = sub.add_parser("city", help="make a city file of your own gemeente from CBS and RIVM figures")
    city_sub = p_city.add_subparsers(dest="city_command", required=True, parser_class=_Parser)
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
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv
        return args.func(args)
    except (UsageError, ParameterError, api.StoreError, api.ResultsError, ReportError, AnalysisError,
            OpenDataError, OSError) as exc:
        print(f"vitality: error: {exc}", file=sys.stderr)
        return 2
    except api.BatchStoppedError as exc:
        print(f"vitality: {'error: ' if exc.code == 1 else ''}{exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("vitality: interrupted; no results were written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
