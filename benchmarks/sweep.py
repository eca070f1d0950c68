"""A Sobol sweep of small cities, as researchers explore: wall-clock and CPU time, and the time per 1,000 runs.

Runs ``vitality sweep example_sobol`` (3 parameters, so ``samples x 5 x replications`` runs) at
``--residents`` residents over ``--years`` years with ``--jobs`` worker processes, into a temporary
folder, and prints one table row: runs, wall-clock seconds, CPU seconds of all processes, and both
scaled to 1,000 runs (the CPU time divided by the jobs: what the jobs would take on an idle machine).
The issue's target (issue 19): 1,000 runs of 2,000 residents x 5 years in at most 5 minutes on 2 cores;
the default, ``--samples 64 --replications 3`` (960 runs, about 3 minutes), is that sweep. Fewer runs do
not measure its rate: starting the processes and loading the compiled kernels costs some 15 s of CPU
once per sweep, which 40 runs (2026-12-07: 0.75 s of CPU a run) spread over far fewer runs than 960
(0.38 s a run).

Run: ``python benchmarks/sweep.py`` (``--help`` for the sizes).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Points per Sobol base sample of ``example_sobol`` (Saltelli without second order: parameters + 2).
POINTS_PER_SAMPLE = 5


def children_cpu_s() -> float:
    """User and system CPU seconds of the finished child processes (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    """Run the sweep once and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument("--samples", type=int, default=64, help="Sobol base samples (a power of 2)")
    parser.add_argument("--replications", type=int, default=3, help="seeds per point")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    args = parser.parse_args(argv)
    runs = args.samples * POINTS_PER_SAMPLE * args.replications
    with tempfile.TemporaryDirectory() as tmp:
        cpu0, t0 = children_cpu_s(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "model.cli", "sweep", "example_sobol", "--residents",
                        str(args.residents), "--years", str(args.years), "--samples", str(args.samples),
                        "--replications", str(args.replications), "--jobs", str(args.jobs),
                        "--out", str(Path(tmp) / "sweep")], check=True, capture_output=True)
        wall, cpu = time.perf_counter() - t0, children_cpu_s() - cpu0
    print(f"Sobol sweep (example_sobol) of {args.residents:,} residents x {args.years:g} years, {args.jobs} jobs")
    print("| runs | wall s | CPU s | wall s per 1,000 runs | CPU s / jobs per 1,000 runs |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    print(f"| {runs:,} | {wall:.1f} | {cpu:.1f} | {wall * 1000 / runs:,.0f} | {cpu / args.jobs * 1000 / runs:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
