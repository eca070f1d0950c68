"""How fast ``vitality`` answers: the quick commands, and compiling the model's kernels on a first run.

Prints one table. Each command runs ``--repeat`` times in a fresh process (the installed ``vitality``
script, as a user types it); the table gives the median, fastest and slowest wall-clock time and the
median CPU time of the process (user + system), which a busy machine disturbs less. ``--compile`` adds
the first run's one-off cost: ``python -m model.experiments.kernels`` (what ``make setup`` runs) with
numba's cache in an empty folder (compiling every kernel), then again with that folder filled (loading
them), so the project's own cache is left alone.

Run: ``python benchmarks/startup.py`` (``--repeat 7 --compile`` for docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VITALITY = Path(sys.executable).with_name("vitality")
#: The commands that must answer at once (issue 18: under a second), as a new user types them.
QUICK = [["--help"], ["list"], ["show", "baseline"], ["run", "--help"]]


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``argv`` to its end; its wall-clock and CPU seconds (an error stops the benchmark)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def row(name: str, times: list[tuple[float, float]]) -> str:
    walls = [w for w, _ in times]
    cpu = statistics.median(c for _, c in times)
    return f"| {name} | {statistics.median(walls):.2f} | {min(walls):.2f} | {max(walls):.2f} | {cpu:.2f} |"


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each quick command (default 5)")
    parser.add_argument("--compile", action="store_true",
                        help="also compile the kernels into an empty cache, and load them again (about a minute)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    print("| command | median s | fastest s | slowest s | CPU s (median) |")
    print("|---|---:|---:|---:|---:|")
    for command in QUICK:
        print(row(f"vitality {' '.join(command)}", [timed([str(VITALITY), *command]) for _ in range(args.repeat)]),
              flush=True)
    if args.compile:
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            kernels = [sys.executable, "-m", "model.experiments.kernels"]
            print(row("first run: compile the kernels (empty cache)", [timed(kernels, env)]), flush=True)
            print(row("later runs: load the compiled kernels", [timed(kernels, env) for _ in range(args.repeat)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
