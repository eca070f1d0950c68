"""Throughput of the vectorised model: resident-steps per second at several city sizes.

Run: ``python benchmarks/throughput.py [--years Y] [--sizes 1000 10000]``.
"""

from __future__ import annotations

import argparse
import time

from model.community import WEEKS_PER_YEAR, CommunityModel
from model.parameters import Parameters


def measure(n: int, years: float, seed: int = 0) -> dict[str, float]:
    """Build and run one city; return timings and throughput."""
    t0 = time.perf_counter()
    m = CommunityModel(Parameters(n_residents=n), seed=seed)
    t1 = time.perf_counter()
    weeks = round(years * WEEKS_PER_YEAR)
    m.run_weeks(weeks)
    t2 = time.perf_counter()
    return {"residents": n, "weeks": weeks, "init_s": t1 - t0, "run_s": t2 - t1,
            "agent_steps_per_s": n * weeks / (t2 - t1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    args = parser.parse_args()
    print(f"{'residents':>10} {'weeks':>6} {'init s':>8} {'run s':>8} {'agent-steps/s':>14}")
    for n in args.sizes:
        r = measure(n, args.years)
        print(f"{r['residents']:>10,} {r['weeks']:>6} {r['init_s']:>8.2f} {r['run_s']:>8.2f} "
              f"{r['agent_steps_per_s']:>14,.0f}")


if __name__ == "__main__":
    main()
