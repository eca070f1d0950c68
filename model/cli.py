"""The ``vitality`` command line: run the model and write its results.

Bad input ends with a one-line message naming the problem and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from model.parameters import ParameterError, Parameters, parameters_from_dict
from model.runner import RunResult, run_many

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


def summary_table(result: RunResult, keys: dict[str, str] = KEY_OUTPUTS, weeks: int = 52) -> pd.DataFrame:
    """Mean and 95% confidence interval over seeds of the key outputs in the last ``weeks`` weeks."""
    final = result.final(weeks)
    rows = []
    for key, label in keys.items():
        x = final[key].to_numpy()
        half = 1.96 * x.std(ddof=1) / np.sqrt(len(x)) if len(x) > 1 else float("nan")
        rows.append({"output": label, "mean": x.mean(), "ci_low": x.mean() - half, "ci_high": x.mean() + half})
    return pd.DataFrame(rows).set_index("output")


def write_results(result: RunResult, out: Path, manifest: dict) -> Path:
    """Write tidy results atomically: into a temporary folder that is renamed when complete.

    Raises:
        UsageError: ``out`` exists already (results are never overwritten).
    """
    if out.exists():
        raise UsageError(f"results folder {out} exists already; choose another with --out or remove it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        result.city.to_parquet(tmp / "city.parquet", index=False)
        result.city.to_csv(tmp / "city.csv", index=False)
        result.neighbourhoods.to_parquet(tmp / "neighbourhoods.parquet", index=False)
        result.neighbourhoods.to_csv(tmp / "neighbourhoods.csv", index=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _cmd_run(args: argparse.Namespace) -> int:
    overrides: dict = {}
    if args.residents is not None:
        overrides["n_residents"] = args.residents
    if args.steering is not None:
        overrides["steering_mode"] = args.steering
    params = parameters_from_dict(overrides, base=Parameters())
    years = args.years if args.years is not None else params.years
    seeds = list(range(args.seed, args.seed + args.seeds))
    out = Path(args.out) if args.out else Path("results") / f"baseline-{datetime.now():%Y%m%d-%H%M%S}"
    if out.exists():
        raise UsageError(f"results folder {out} exists already; choose another with --out or remove it")
    start = time.perf_counter()
    with tqdm(total=len(seeds), desc="runs", unit="run", file=sys.stderr) as bar:
        result = run_many(params, seeds, years, progress=lambda _: bar.update())
    seconds = time.perf_counter() - start
    table = summary_table(result)
    print(f"Baseline city: {params.n_residents} residents, {years:g} years, {len(seeds)} seeds "
          f"(steering: {params.steering_mode}); mean over the last year with 95% CI:")
    print(table.to_string(float_format=lambda v: f"{v:,.3f}"))
    manifest = {"parameters": params.to_dict(), "seeds": seeds, "years": years, "seconds": round(seconds, 2),
                "created": datetime.now().isoformat(timespec="seconds")}
    write_results(result, out, manifest)
    print(f"Results written to {out}/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``vitality``."""
    parser = _Parser(prog="vitality", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p_run = sub.add_parser("run", help="run the baseline city with replications and write the results")
    p_run.add_argument("--residents", type=int, help="number of adult residents (default from the schema)")
    p_run.add_argument("--years", type=float, help="simulated years (default from the schema)")
    p_run.add_argument("--seeds", type=int, default=5, help="number of replications (default 5)")
    p_run.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p_run.add_argument("--steering", help="steering mode (facilitating, framing, enforcing, layered)")
    p_run.add_argument("--out", help="results folder (must not exist yet)")
    p_run.set_defaults(func=_cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``vitality``; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        if getattr(args, "seeds", 1) < 1:
            raise UsageError("--seeds must be at least 1")
        return args.func(args)
    except (UsageError, ParameterError) as exc:
        print(f"vitality: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vitality: interrupted; no results were written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
