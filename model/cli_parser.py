"""The arguments of ``vitality`` in Dutch or English: the parser, its help, and argparse's own messages translated.

The language is known before parsing (:func:`language` finds ``--lang`` anywhere on the command line), so
that the help and every error are in it. Help texts are ``help.*`` messages of :mod:`model.messages`;
argparse's own words ("usage:", "options", "unrecognized arguments") are replaced by the catalogue's
``argparse.*`` messages. This module imports nothing heavy: ``vitality --help`` answers at once.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from model.messages import DEFAULT_LANGUAGE, LANGUAGES, InputError, msg, render

#: Options of ``report`` that only apply when it runs scenarios.
RUN_OPTIONS = ("residents", "years", "seeds", "seed", "out", "city", "scale")
#: CSV dialects (:data:`model.i18n.CSV_DIALECTS`; named here so that ``--help`` imports nothing).
CSV_DIALECTS = ("excel-nl", "international")

#: argparse's error messages (Python 3.12-3.13) and the catalogue's message for each.
_ARGPARSE_ERRORS = (
    (re.compile(r"unrecognized arguments: (?P<args>.*)"), "argparse.unrecognized"),
    (re.compile(r"the following arguments are required: (?P<args>.*)"), "argparse.required"),
    (re.compile(r"argument (?P<arg>[^:]+): invalid choice: (?P<value>.*?) \(choose from (?P<choices>.*)\)"),
     "argparse.invalid_choice"),
    (re.compile(r"argument (?P<arg>[^:]+): invalid int value: (?P<value>.*)"), "argparse.invalid_int"),
    (re.compile(r"argument (?P<arg>[^:]+): invalid float value: (?P<value>.*)"), "argparse.invalid_float"),
    (re.compile(r"argument (?P<arg>[^:]+): expected one argument"), "argparse.expected_one"),
    (re.compile(r"argument (?P<arg>[^:]+): expected at least one argument"), "argparse.expected_some"),
    (re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)"), "argparse.ambiguous"),
)
_ARGPARSE_WORDS = {"usage: ": "argparse.usage", "positional arguments": "argparse.positional",
                   "options": "argparse.options"}


Help = Callable[..., str]


class UsageError(InputError):
    """Bad input on the command line: reported in one line with exit code 2."""


def language(argv: Sequence[str]) -> str:
    """The language asked for with ``--lang`` anywhere before ``--`` (the last one counts), else Dutch.

    Raises:
        UsageError: ``--lang`` names no language the program speaks.

    """
    lang = DEFAULT_LANGUAGE
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        else:
            continue
        if value not in LANGUAGES:
            raise UsageError(msg("argparse.bad_language", value=value, languages=", ".join(LANGUAGES)))
        lang = value
    return lang


def translate_argparse(message: str, lang: str) -> str:
    """Say argparse's English error message in ``lang`` (as it is when no pattern matches: new Python versions)."""
    for pattern, key in _ARGPARSE_ERRORS:
        if match := pattern.fullmatch(message):
            return render(key, lang, match.groupdict())
    return message


def _formatter(lang: str) -> type[argparse.HelpFormatter]:
    class Formatter(argparse.HelpFormatter):
        def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]  # argparse's
            # prefix "" is argparse working out a subcommand's name: no word then
            super().add_usage(usage, actions, groups,
                              render(_ARGPARSE_WORDS["usage: "], lang) + " " if prefix is None else prefix)

        def start_section(self, heading):  # type: ignore[no-untyped-def]
            key = _ARGPARSE_WORDS.get(heading or "")
            super().start_section(render(key, lang) if key else heading)

    return Formatter


def build_parser(lang: str = DEFAULT_LANGUAGE) -> argparse.ArgumentParser:
    """Build the argument parser of ``vitality``, its help in ``lang``."""
    def h(key: str, **values: object) -> str:
        return render(f"help.{key}", lang, values or None)

    formatter = _formatter(lang)

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # argparse prints usage and exits 2; keep it to one line
            raise UsageError(msg("argparse.see_help", problem=translate_argparse(message, lang), prog=self.prog))

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-h", "--help", action="help", help=h("help"))
    common.add_argument("--lang", choices=LANGUAGES, default=lang, help=h("lang", default=DEFAULT_LANGUAGE))
    kwargs = {"parents": [common], "add_help": False, "formatter_class": formatter}
    parser = Parser(prog="vitality", description=h("description"), **kwargs)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, title=h("commands"),
                                metavar=h("command"))
    scenario_help = h("scenario")

    def command(name: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=h(f"cmd_{name}"), description=h(f"cmd_{name}"), **kwargs)

    p_run = command("run")
    p_run.add_argument("scenario", nargs="?", default="baseline", help=h("run_scenario", scenario=scenario_help))
    _add_run_options(p_run, h)
    p_run.add_argument("--steering", help=h("steering"))

    p_cmp = command("compare")
    p_cmp.add_argument("scenarios", nargs="+", metavar="SCENARIO", help=h("compare_scenarios",
                                                                          scenario=scenario_help))
    _add_run_options(p_cmp, h)

    p_rep = command("report")
    p_rep.add_argument("inputs", nargs="+", metavar="RESULTS_OR_SCENARIO", help=h("report_inputs"))
    _add_run_options(p_rep, h)
    p_rep.add_argument("--report", help=h("report_file"))
    p_rep.add_argument("--pdf", action="store_true", help=h("pdf"))
    p_rep.add_argument("--map", metavar="GPKG", help=h("report_map"))
    p_rep.add_argument("--threshold", type=float, help=h("threshold"))
    p_rep.set_defaults(run_defaults={key: p_rep.get_default(key) for key in RUN_OPTIONS})

    p_sweep = command("sweep")
    p_sweep.add_argument("design", help=h("design"))
    p_sweep.add_argument("--residents", type=int, help=h("sweep_residents"))
    p_sweep.add_argument("--years", type=float, help=h("sweep_years"))
    p_sweep.add_argument("--replications", type=int, help=h("replications"))
    p_sweep.add_argument("--samples", type=int, help=h("samples"))
    p_sweep.add_argument("--out", help=h("sweep_out"))
    _add_city_options(p_sweep, h)
    _add_execution_options(p_sweep, h)

    p_analyse = command("analyse")
    p_analyse.add_argument("results", help=h("analyse_results"))
    p_analyse.add_argument("--out", help=h("analyse_out"))
    p_analyse.add_argument("--doc", metavar="FILE", help=h("analyse_doc"))

    _add_tipping(command("tipping"), h, scenario_help)

    p_list = command("list")
    p_list.add_argument("--designs", action="store_true", help=h("designs"))

    p_show = command("show")
    p_show.add_argument("scenario", help=scenario_help)
    p_show.add_argument("--json", action="store_true", help=h("json"))

    _add_room(command("room"), h)
    p_city = command("city")
    city_sub = p_city.add_subparsers(dest="city_command", required=True, parser_class=Parser, metavar=h("command"))
    _add_city_commands(lambda name, text: city_sub.add_parser(name, help=text, description=text, **kwargs), h)
    return parser


def _add_run_options(p: argparse.ArgumentParser, h: Help) -> None:
    p.add_argument("--residents", type=int, help=h("residents"))
    p.add_argument("--years", type=float, help=h("years"))
    p.add_argument("--seeds", type=int, default=5, help=h("seeds"))
    p.add_argument("--seed", type=int, default=0, help=h("seed"))
    p.add_argument("--out", help=h("out"))
    p.add_argument("--csv-dialect", choices=CSV_DIALECTS, help=h("csv_dialect"))
    _add_city_options(p, h)
    _add_execution_options(p, h)


# The defaults of the options below (issues 13, 16 and 17) live with the code that uses them (imported only when the
# command runs, so that --help answers at once).
def _add_city_options(p: argparse.ArgumentParser, h: Help) -> None:
    p.add_argument("--city", metavar="FILE", help=h("city"))
    p.add_argument("--scale", type=float, help=h("scale"))


def _numbers(text: str) -> tuple[float, ...]:
    """A comma-separated list of numbers from the command line (argparse reports the error in one line)."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, e.g. 1,1.5,2; got {text!r}") from None
    if len(set(values)) != len(values) or any(v != v for v in values):  # v != v: NaN
        raise argparse.ArgumentTypeError(f"expected distinct numbers, got {text!r}")
    return tuple(sorted(values))


def _add_tipping(p: argparse.ArgumentParser, h: Help, scenario_help: str) -> None:
    grid = h("tipping_grid")
    p.add_argument("scenario", nargs="?", default="baseline", help=h("tipping_scenario", scenario=scenario_help))
    p.add_argument("--residents", type=int, help=h("residents"))
    p.add_argument("--years", type=float, help=h("tipping_years"))
    p.add_argument("--seeds", type=int, default=8, help=h("tipping_seeds"))
    p.add_argument("--seed", type=int, default=0, help=h("seed"))
    p.add_argument("--strengths", dest="loop_strengths", type=_numbers, metavar="LIST",
                   help=h("strengths", grid=grid))
    p.add_argument("--diversions", type=_numbers, metavar="LIST", help=h("diversions", grid=grid))
    p.add_argument("--multipliers", type=_numbers, metavar="LIST", help=h("multipliers", grid=grid))
    p.add_argument("--rescue-years", type=float, default=1.0, help=h("rescue_years"))
    p.add_argument("--out", help=h("out"))
    p.add_argument("--docs", metavar="FOLDER", help=h("tipping_docs"))
    _add_execution_options(p, h)


def _add_room(p: argparse.ArgumentParser, h: Help) -> None:
    layout = h("room_layout")
    p.add_argument("scenario", nargs="?", default="baseline", help=h("room_scenario"))
    p.add_argument("--residents", type=int, default=2000, help=h("room_residents"))
    p.add_argument("--seed", type=int, default=1, help=h("room_seed"))
    p.add_argument("--weeks", type=int, default=4, help=h("weeks"))
    p.add_argument("--administrators", choices=("city", "neighbourhood"), help=h("administrators"))
    p.add_argument("--administrator-seats", type=int, help=h("administrator_seats", layout=layout))
    p.add_argument("--professional-seats", type=int, help=h("professional_seats", layout=layout))
    p.add_argument("--resident-seats", type=int, help=h("resident_seats", layout=layout))
    p.add_argument("--host", default="127.0.0.1", help=h("host"))
    p.add_argument("--port", type=int, help=h("port"))
    p.add_argument("--out", type=Path, help=h("room_out"))
    p.add_argument("--resume", type=Path, metavar="ROOM_JSON", help=h("resume"))


def _add_city_commands(add: Callable[[str, str], argparse.ArgumentParser], h: Help) -> None:
    p_imp = add("import", h("cmd_city_import"))
    p_imp.add_argument("source", help=h("city_source"))
    p_imp.add_argument("--gemeente", required=True, help=h("gemeente"))
    p_imp.add_argument("--level", choices=("wijk", "buurt"), default="wijk", help=h("level"))
    p_imp.add_argument("--rivm", metavar="SOURCE", help=h("rivm"))
    p_imp.add_argument("--rivm-period", default="", metavar="YEAR", help=h("rivm_period"))
    p_imp.add_argument("--min-inhabitants", type=int, metavar="N", help=h("min_inhabitants"))
    p_imp.add_argument("--out", required=True, help=h("city_out"))
    p_map = add("map", h("cmd_city_map"))
    p_map.add_argument("city", help=h("city_file"))
    p_map.add_argument("--map", required=True, metavar="GPKG", help=h("map_gpkg"))
    p_map.add_argument("--figure", default="low_income_share", metavar="NAME", help=h("figure"))
    p_map.add_argument("--out", required=True, help=h("map_out"))


def _add_execution_options(p: argparse.ArgumentParser, h: Help) -> None:
    p.add_argument("--jobs", type=int, help=h("jobs"))
    p.add_argument("--scheduler", metavar="ADDRESS", help=h("scheduler"))
