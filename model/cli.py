"""The ``vitality`` command line: run scenarios, compare them and write their results.

Commands: ``run [SCENARIO]``, ``compare SCENARIO...``, ``report RESULTS_OR_SCENARIO...`` (in
:mod:`model.report`), ``list`` and ``show SCENARIO``.
Bad input ends with a one-line message naming the problem and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from model.community import WEEKS_PER_YEAR
from model.parameters import ParameterError
from model.plots import mean_ci, plot_key_outputs
from model.runner import RunResult, run_many
from model.scenarios import Scenario, list_scenarios, load_scenario

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
DISTRIBUTION = "community-vitality"
REPO_ROOT = Path(__file__).resolve().parent.parent


class UsageError(Exception):
    """Bad input from the user: reported in one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage and exits 2; keep it to one line
        raise UsageError(f"{message} (see `{self.prog} --help`)")


# ---------------------------------------------------------------------- running and summarising
def run_scenarios(scenarios: Sequence[Scenario], seeds: Sequence[int],
                  progress: Callable[[int], None] | None = None) -> tuple[dict[str, RunResult], dict[str, float]]:
    """Run every scenario on the same seeds (paired replications).

    Args:
        scenarios: Scenarios with their parameters resolved; each runs ``params.years`` years.
        seeds: One run per seed and scenario.
        progress: Called after each finished run (with the number of that scenario's finished runs).

    Returns:
        The results and the run time in seconds, both by scenario name.

    """
    results, seconds = {}, {}
    for sc in scenarios:
        start = time.perf_counter()
        results[sc.name] = run_many(sc.params, seeds, sc.params.years, interventions_for=sc.make_interventions,
                                    progress=progress)
        seconds[sc.name] = round(time.perf_counter() - start, 2)
    return results, seconds


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
    """Write tidy tables, figures and the manifest atomically (temporary folder renamed when complete).

    Files: ``city`` and ``neighbourhoods`` as Parquet and CSV (a ``scenario`` column, one row per
    scenario, seed, week [and neighbourhood]), ``summary.csv`` (the comparison table), one PNG per
    key output and ``manifest.json``.

    Raises:
        UsageError: ``out`` exists already (results are never overwritten).

    """
    if out.exists():
        raise UsageError(f"results folder {out} exists already; choose another with --out or remove it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the results folder should not be
        for part in ("city", "neighbourhoods"):
            frame = pd.concat([getattr(r, part).assign(scenario=name) for name, r in results.items()],
                              ignore_index=True)
            frame = frame[["scenario", *frame.columns[:-1]]]
            frame.to_parquet(tmp / f"{part}.parquet", index=False)
            frame.to_csv(tmp / f"{part}.csv", index=False)
            if part == "city":
                plot_key_outputs(frame, tmp)
        table.to_csv(tmp / "summary.csv", index=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False))
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _versions() -> dict[str, str | None]:
    """Python, this package and its installed dependencies, by distribution name."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    try:
        versions[DISTRIBUTION] = metadata.version(DISTRIBUTION)
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return versions | {DISTRIBUTION: None}
    for req in requirements:
        if "extra ==" not in req:
            name = re.match(r"[A-Za-z0-9._-]+", req).group()
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                versions[name] = None
    return versions


def _git() -> dict[str, Any] | None:
    """Find the commit of the source tree and whether it has uncommitted changes (``None`` outside git)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True,
                              timeout=20).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return None


def _manifest(scenarios: Sequence[Scenario], seeds: list[int], seconds: dict[str, float],
              argv: Sequence[str]) -> dict[str, Any]:
    return {
        "command": ["vitality", *argv],
        "created": datetime.now().isoformat(timespec="seconds"),
        "seeds": seeds,
        "scenarios": [sc.to_dict() | {"path": str(sc.path), "source": sc.source} for sc in scenarios],
        "timings": {"seconds_per_scenario": seconds, "seconds_total": round(sum(seconds.values()), 2)},
        "versions": _versions(),
        "git": _git(),
    }


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


def _simulate(scenarios: list[Scenario], args: argparse.Namespace, default_out: str) -> tuple[
        dict[str, RunResult], pd.DataFrame, Path]:
    """Run, summarise and write: the part that ``run`` and ``compare`` share."""
    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1")
    if args.seed < 0:
        raise UsageError("--seed must be 0 or more")
    seeds = list(range(args.seed, args.seed + args.seeds))
    out = Path(args.out) if args.out else Path("results") / f"{default_out}-{datetime.now():%Y%m%d-%H%M%S}"
    if out.exists():
        raise UsageError(f"results folder {out} exists already; choose another with --out or remove it")
    with tqdm(total=len(scenarios) * len(seeds), desc="runs", unit="run", file=sys.stderr) as bar:
        results, seconds = run_scenarios(scenarios, seeds, progress=lambda _: bar.update())
    table = comparison_table(results)
    write_results(out, results, table, _manifest(scenarios, seeds, seconds, args.argv))
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


def _cmd_list(args: argparse.Namespace) -> int:
    scenarios = [load_scenario(name) for name in list_scenarios()]
    width = max(len(sc.name) for sc in scenarios)
    for sc in scenarios:
        print(f"{sc.name:<{width}}  {sc.description_nl if args.nl else sc.description}")
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
    p.add_argument("--out", help="results folder (must not exist yet; default results/<name>-<time>)")


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

    from model.report import add_report_parser  # imported here: model.report builds on this module

    add_report_parser(sub)

    p_list = sub.add_parser("list", help="list the shipped scenarios with their descriptions")
    p_list.add_argument("--nl", action="store_true", help="descriptions in Dutch")
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
    except (UsageError, ParameterError, OSError) as exc:
        print(f"vitality: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vitality: interrupted; no results were written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
