"""Throughput of the model at city scale, and against the idiomatic-Mesa reference (``benchmarks/reference.py``).

Prints one table: per city size the initialisation (building the city, the burn-in, and their sum: the
constructor, which also keeps the settled city, ``model.experiments.settled``), the same initialisation in a
process that has loaded its compiled kernels already (a notebook's or the dashboard's second city: a new
process first loads some hundred kernels from numba's cache, once), the start of the same
city again from its kept settled city (in a new process, as a rerun or a restarted dashboard), ten
years of weekly steps with the outputs collected every week, resident-steps per second,
the peak memory, and the throughput of the reference and the ratio. Every measurement runs in a fresh
process (after one process has filled numba's cache), so sizes do not share memory or warm caches.

Run: ``python benchmarks/throughput.py`` (or ``make bench``); ``--help`` for sizes and lengths. A
metropolitan region: ``--sizes 1000000 --years 1 --reference-sizes`` (the verdict scales its run to ten
years). Sweeps of small cities: ``benchmarks/sweep.py``.
``--profile`` instead prints where a step's time goes, per submodel (CPU time, which a busy machine
disturbs less than wall-clock time), during the burn-in and during the run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from model.core import submodels
from model.core.community import CommunityModel
from model.core.parameters import Parameters
from model.core.time import WEEKS_PER_YEAR
from model.experiments.settled import default_settled

HERE = Path(__file__).resolve().parent

#: Targets of issue 19 (ten years of 100,000 and of 1,000,000 residents, initialising 100,000, and the
#: reference at 10,000 residents); issue 5's were 60 s, 10 s, 2 GiB and 50x.
TARGET_RUN_S, TARGET_INIT_S, TARGET_PEAK_MIB, TARGET_RATIO = 12.0, 4.0, 2048.0, 200.0
TARGET_METRO_RUN_S = 120.0


def peak_mib() -> float:
    """Peak resident memory of this process in MiB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def measure_model(n: int, weeks: int, seed: int) -> dict[str, float]:
    """Build a city of ``n`` residents (timing the build and the burn-in apart) and run it ``weeks`` weeks.

    The constructor builds the city, settles it (``submodels.settle``) and then runs the burn-in and
    keeps the settled city (in ``$VITALITY_CACHE``); the time at which ``settle`` returns separates the two.
    """
    settle, built = submodels.settle, []

    def timed_settle(m: CommunityModel) -> None:
        settle(m)
        built.append(time.perf_counter())

    submodels.settle = timed_settle
    try:
        t0 = time.perf_counter()
        m = CommunityModel(Parameters(n_residents=n), seed=seed, settled=default_settled())
        t1 = time.perf_counter()
    finally:
        submodels.settle = settle
    m.run_weeks(weeks)
    city, nbh = m.city_frame(), m.neighbourhood_frame()
    t2 = time.perf_counter()
    assert len(city) == weeks + 1 and len(nbh) == (weeks + 1) * m.n_nbh, "an output row per week"
    return {"build_s": built[0] - t0, "burn_in_s": t1 - built[0], "init_s": t1 - t0, "run_s": t2 - t1,
            "steps_per_s": n * weeks / (t2 - t1), "peak_mib": peak_mib()}


def measure_loaded_init(n: int, seed: int) -> dict[str, float]:
    """Initialise the city of :func:`measure_model` afresh (nothing kept) after :func:`warm_up` in this process."""
    warm_up()
    t0 = time.perf_counter()
    CommunityModel(Parameters(n_residents=n), seed=seed)
    return {"loaded_init_s": time.perf_counter() - t0}


def measure_restart(n: int, seed: int) -> dict[str, float]:
    """Start the city of :func:`measure_model` again, from the settled city it kept."""
    t0 = time.perf_counter()
    m = CommunityModel(Parameters(n_residents=n), seed=seed, settled=default_settled())
    t1 = time.perf_counter()
    assert m.week == 0, "a settled city at week 0"
    return {"restart_s": t1 - t0}


def measure_reference(n: int, weeks: int, seed: int) -> dict[str, float]:
    """Run the reference on the settled city of ``n`` residents for ``weeks`` weeks (outputs every week)."""
    sys.path.insert(0, str(HERE))
    from reference import ReferenceModel

    ref = ReferenceModel(Parameters(n_residents=n), seed=seed)
    t0 = time.perf_counter()
    ref.run_weeks(weeks)
    ref.city_frame()
    t1 = time.perf_counter()
    return {"run_s": t1 - t0, "steps_per_s": n * weeks / (t1 - t0), "peak_mib": peak_mib()}


def profile(n: int, weeks: int, seed: int) -> str:
    """CPU milliseconds per weekly step of each submodel (``CommunityModel._simulate_week``), as a table."""
    names = [name for name in submodels.__all__ if name != "settle"]  # settle runs once, before the burn-in
    spent: dict[str, float] = collections.defaultdict(float)

    def timed(name: str, f: Callable) -> Callable:
        def run(*args: object, **kwargs: object) -> object:
            t = time.process_time()
            try:
                return f(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - t
        return run

    originals = {name: getattr(submodels, name) for name in names}
    for name, f in originals.items():
        setattr(submodels, name, timed(name, f))
    try:
        params = Parameters(n_residents=n)
        m = CommunityModel(params, seed=seed)
        burn_in, steps = dict(spent), round(params.burn_in_years * WEEKS_PER_YEAR)
        spent.clear()
        m.run_weeks(weeks)
    finally:
        for name, f in originals.items():
            setattr(submodels, name, f)
    order = sorted(names, key=lambda name: -burn_in.get(name, 0.0) - spent.get(name, 0.0))
    lines = [f"CPU ms per weekly step at {n:,} residents: burn-in ({steps} weeks), run ({weeks} weeks, outputs "
             "collected)", "", "| submodel | burn-in | run |", "|---|---:|---:|"]
    lines += [f"| {name} | {1000 * burn_in.get(name, 0.0) / max(steps, 1):.1f} | "
              f"{1000 * spent.get(name, 0.0) / weeks:.1f} |" for name in order]
    lines.append(f"| total | {1000 * sum(burn_in.values()) / max(steps, 1):.1f} | "
                 f"{1000 * sum(spent.values()) / weeks:.1f} |")
    return "\n".join(lines)


def in_fresh_process(kind: str, n: int, weeks: int, seed: int) -> dict[str, float]:
    """Run one measurement in a new Python process and return its result."""
    out = subprocess.run([sys.executable, __file__, "--one", kind, str(n), str(weeks), str(seed)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def warm_up() -> None:
    """Build and run a small city, which compiles (or loads from numba's cache) the model's kernels."""
    CommunityModel(Parameters(n_residents=300, burn_in_years=0.2), seed=0).run_weeks(4)


def warm_numba_cache() -> None:
    """Compile every numba kernel once (:func:`warm_up` in a new process): no measurement includes compiling."""
    subprocess.run([sys.executable, __file__, "--one", "warm-up", "0", "0", "0"], check=True, capture_output=True)


def table(rows: list[dict], years: float, ref_weeks: int) -> str:
    """The results as a plain-text (Markdown) table."""
    head = ("| residents | build s | burn-in s | init s | init, kernels loaded s | restart s | run s "
            f"| resident-steps/s | peak MiB | reference steps/s | ratio |\n|{'---:|' * 11}")
    lines = [f"Model: {years:g} years of weekly steps, outputs every week; reference: {ref_weeks} weeks.", "", head]
    for r in rows:
        ref = (f"{r['ref_steps_per_s']:,.0f} | {r['steps_per_s'] / r['ref_steps_per_s']:,.0f}x"
               if "ref_steps_per_s" in r else "- | -")
        lines.append(f"| {r['n']:,} | {r['build_s']:.2f} | {r['burn_in_s']:.2f} | {r['init_s']:.2f} | "
                     f"{r['loaded_init_s']:.2f} | {r['restart_s']:.2f} | "
                     f"{r['run_s']:.1f} | {r['steps_per_s']:,.0f} | {r['peak_mib']:,.0f} | {ref} |")
    return "\n".join(lines)


def verdict(rows: list[dict], weeks: int) -> list[str]:
    """The issue's targets that these rows can tell about, each met or not."""
    out = []
    for r in rows:
        if r["n"] == 1_000_000:
            run = r["run_s"] * 520 / weeks  # a shorter run, scaled to ten years
            out += [f"1,000,000 residents x 520 weeks in {run:.0f} s{'' if weeks == 520 else ' (scaled)'} "
                    f"(target <= {TARGET_METRO_RUN_S:.0f} s): {'met' if run <= TARGET_METRO_RUN_S else 'NOT met'}",
                    f"peak memory at 1,000,000 residents {r['peak_mib']:,.0f} MiB (target <= {TARGET_PEAK_MIB:,.0f}): "
                    f"{'met' if r['peak_mib'] <= TARGET_PEAK_MIB else 'NOT met'}"]
        if r["n"] == 100_000 and weeks == 520:
            out += [f"100,000 residents x 520 weeks in {r['run_s']:.1f} s (target <= {TARGET_RUN_S:.0f} s): "
                    f"{'met' if r['run_s'] <= TARGET_RUN_S else 'NOT met'}",
                    f"initialisation of 100,000 residents {r['init_s']:.1f} s (target <= {TARGET_INIT_S:.0f} s): "
                    f"{'met' if r['init_s'] <= TARGET_INIT_S else 'NOT met'}; in a process that has loaded its "
                    f"compiled kernels {r['loaded_init_s']:.1f} s "
                    f"({'met' if r['loaded_init_s'] <= TARGET_INIT_S else 'NOT met'}); from its kept settled city "
                    f"{r['restart_s']:.1f} s ({'met' if r['restart_s'] <= TARGET_INIT_S else 'NOT met'})",
                    f"peak memory at 100,000 residents {r['peak_mib']:,.0f} MiB (target <= {TARGET_PEAK_MIB:,.0f}): "
                    f"{'met' if r['peak_mib'] <= TARGET_PEAK_MIB else 'NOT met'}"]
        if r["n"] == 10_000 and "ref_steps_per_s" in r:
            ratio = r["steps_per_s"] / r["ref_steps_per_s"]
            out.append(f"throughput at 10,000 residents {ratio:,.0f}x the reference (target >= {TARGET_RATIO:.0f}x): "
                       f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}")
    return out


def main() -> None:
    """Measure every size in its own process and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000], help="residents")
    parser.add_argument("--years", type=float, default=10.0, help="simulated years of the model run")
    parser.add_argument("--reference-sizes", type=int, nargs="*", default=[1000, 10_000],
                        help="sizes at which to run the reference too")
    parser.add_argument("--reference-weeks", type=int, default=52, help="weeks the reference runs (it is slow)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", type=int, metavar="N", help="print the time per submodel at N residents instead")
    parser.add_argument("--one", nargs=4, metavar=("KIND", "N", "WEEKS", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, n, weeks, seed = args.one[0], *map(int, args.one[1:])
        if kind == "warm-up":
            warm_up()
        elif kind == "restart":
            print(json.dumps(measure_restart(n, seed)))
        elif kind == "loaded-init":
            print(json.dumps(measure_loaded_init(n, seed)))
        else:
            print(json.dumps((measure_model if kind == "model" else measure_reference)(n, weeks, seed)))
        return
    if min(args.sizes + args.reference_sizes) < 50 or args.years <= 0 or args.reference_weeks < 1:
        parser.error("sizes need at least 50 residents, and the runs at least a week")
    weeks = round(args.years * WEEKS_PER_YEAR)
    warm_numba_cache()
    if args.profile:
        print(profile(args.profile, min(weeks, WEEKS_PER_YEAR), args.seed))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="vitality-bench-") as kept:
        os.environ["VITALITY_CACHE"] = kept  # the measuring processes keep their settled cities there
        for n in tqdm(args.sizes, desc="city sizes", file=sys.stderr):
            row = {"n": n, **in_fresh_process("model", n, weeks, args.seed)}
            row |= in_fresh_process("restart", n, weeks, args.seed)
            row |= in_fresh_process("loaded-init", n, weeks, args.seed)
            if n in args.reference_sizes:
                ref = in_fresh_process("reference", n, args.reference_weeks, args.seed)
                row["ref_steps_per_s"] = ref["steps_per_s"]
            rows.append(row)
    print(table(rows, args.years, args.reference_weeks))
    for line in verdict(rows, weeks):
        print(line)


if __name__ == "__main__":
    main()
