"""The throughput benchmark (``make bench``) keeps working: one row per size, consistent numbers.

Wall-clock times are not asserted (the benchmark is the measure, and machines differ);
only the table's shape and the arithmetic between its columns.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "throughput.py"


def test_benchmark_prints_one_row_per_size_with_consistent_numbers() -> None:
    out = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "200", "300", "--years", "0.1",
                          "--reference-sizes", "200", "--reference-weeks", "2"],
                         check=True, capture_output=True, text=True).stdout
    rows = [line.strip("|").split("|") for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    header, body = [c.strip() for c in rows[0]], [[c.strip() for c in r] for r in rows[1:]]
    assert header == ["residents", "build s", "burn-in s", "init s", "init, kernels loaded s", "restart s", "run s",
                      "resident-steps/s", "peak MiB", "reference steps/s", "ratio"]
    assert [r[0] for r in body] == ["200", "300"]
    for r in body:
        build, burn_in, init, loaded_init, restart = (float(x) for x in r[1:6])
        assert abs(build + burn_in - init) <= 0.011, "init is build plus burn-in"
        assert loaded_init > 0 and restart > 0
        assert float(r[7].replace(",", "")) > 0 and float(r[8].replace(",", "")) > 0
    assert body[0][9] != "-" and body[0][10].endswith("x"), "the reference ran at 200 residents"
    assert body[1][9] == "-" and body[1][10] == "-", "and not at 300"


def test_benchmark_rejects_bad_sizes_with_a_one_line_error() -> None:
    run = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "10"], capture_output=True, text=True)
    assert run.returncode == 2 and "at least 50 residents" in run.stderr.strip().splitlines()[-1]


def test_startup_benchmark_times_each_quick_command() -> None:
    script = SCRIPT.with_name("startup.py")
    out = subprocess.run([sys.executable, str(script), "--repeat", "1"], check=True, capture_output=True,
                         text=True).stdout
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in out.splitlines()
            if line.startswith("| ") and "---" not in line]
    assert rows[0] == ["command", "median s", "fastest s", "slowest s", "CPU s (median)"]
    assert [r[0] for r in rows[1:]] == ["vitality --help", "vitality list", "vitality show baseline",
                                        "vitality run --help"]
    for r in rows[1:]:
        median, fastest, slowest, cpu = (float(x) for x in r[1:])
        assert fastest == median == slowest and cpu > 0  # one run each: all three are that run


def test_real_city_benchmark_prints_one_row_per_scale() -> None:
    script = SCRIPT.with_name("real_city.py")
    out = subprocess.run([sys.executable, str(script), "--scales", "0.02", "0.04", "--inhabitants", "40000",
                          "--wijken", "8", "--burn-in", "0.05", "--years", "0.05"],
                         check=True, capture_output=True, text=True).stdout
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in out.splitlines()
            if line.startswith("| ") and "---" not in line]
    assert rows[0] == ["scale", "adults", "import s", "build + burn-in s", "run s", "resident-steps/s", "peak MiB"]
    assert [r[0] for r in rows[1:]] == ["0.02", "0.04"]
    small, large = (int(r[1].replace(",", "")) for r in rows[1:])
    assert large == pytest.approx(2 * small, rel=0.05), "twice the scale, twice the adults"


def test_sweep_benchmark_prints_its_runs_and_the_time_per_thousand() -> None:
    out = subprocess.run([sys.executable, str(SCRIPT.with_name("sweep.py")), "--residents", "150", "--years", "0.05",
                          "--samples", "1", "--replications", "1", "--jobs", "1"],
                         check=True, capture_output=True, text=True).stdout
    row = [c.strip() for c in out.strip().splitlines()[-1].strip("|").split("|")]
    runs, wall, cpu, wall_k, cpu_k = (float(c.replace(",", "")) for c in row)
    assert runs == 5 and wall > 0 and cpu > 0, "1 Sobol sample of 3 parameters: 5 points, 1 seed each"
    # the table rounds seconds to 0.1 s: 200 times that is at most 10 s per 1,000 runs
    assert wall_k == pytest.approx(wall * 200, abs=11) and cpu_k == pytest.approx(cpu * 200, abs=11)
