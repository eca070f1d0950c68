"""Code that draws its random numbers differently still gives the model's statistics (issue 19).

A speed-up that draws random numbers inside compiled kernels (numba's generator instead of numpy's)
changes every draw after the first week, so the golden runs (``tests/test_golden.py``) no longer hold
and must be re-pinned. The issue allows that only with a test that the old and new code give the same
statistics over paired seeds: this one.

``tests/data/same_statistics.json`` holds, per seed, the means over weeks 1-104 (after the default
three-year burn-in) of the key outputs (:data:`KEY`) of a 2,000-resident baseline city, computed by
the code of the commit it records. The test runs the code under test on the same seeds and checks,
per output:

- *the mean*: the mean paired difference (new minus fixture) over the 24 seeds is within
  :data:`SE_BOUND` standard errors of the paired differences, or within :data:`RELATIVE_BOUND` of the
  fixture's mean (``paired.equivalent``, the test that compares the Mesa reference with the model in
  ``tests/test_reference.py``). Seeds pair the runs: both build the same city from the same first
  draws, so what depends on the city correlates and the paired standard error is the right one (with
  nothing correlated it is the unpaired, Welch, standard error for equal sample sizes).
- *the spread*: the standard deviation between seeds is within a factor :data:`SPREAD_RATIO` of the
  fixture's either way (``paired.similar_spread``; a change that made the city's outcome more or less
  random would show there, not in the mean).

Why these bounds. With the same rules and other draws, the differences are noise, and the test must
pass with high probability every time draws change: with 24 seeds a paired t beyond 4 has a chance
of 0.06% per output and a standard-deviation ratio beyond 2.5 one of 0.004%, so over the 24 outputs
(correlated, so fewer independent ones) a false alarm comes in fewer than 1.5% of re-pinnings. The
relative bound is 1% (the reference's is 10%, for its asynchronous updating; here the rules are
equal): it only matters for outputs that hardly vary between seeds. The bounds still catch what a
mistake in a kernel does: :func:`test_the_test_catches_a_changed_rate` makes life events 10% more
frequent and the test fails on several outputs (measured when the fixture was written: the waiting
list, cases opened, informal help hours and costs moved by 4 to 11 standard errors; other seeds with
unchanged code, 1000-1023 against the fixture's, stayed within 1.9).

Regenerate the fixture only when the model's *rules* or defaults change on purpose (with the
calibration), never to make this test pass after a change of draws:
``.venv/bin/python tests/test_same_statistics.py --write`` from a committed model.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from paired import equivalent, similar_spread

from model import Parameters, run
from model.experiments.provenance import model_digest

FIXTURE = Path(__file__).with_name("data") / "same_statistics.json"
P = Parameters(n_residents=2000)  # the baseline city at the default three-year burn-in (settled waiting lists)
SEEDS = range(24)
YEARS = 2.0
KEY = ["community_strength", "csi_ties", "csi_volunteering", "csi_mutual_help", "csi_participation",
       "csi_engagement", "csi_bridging", "lonely_share", "severe_share", "mean_loneliness", "mean_good_ties",
       "open_cases", "waiting_list", "casework_load", "admin_share", "informal_help_hours", "informal_carer_share",
       "initiative_members", "initiatives_active", "ties_formed", "cases_opened", "mean_trust", "mean_motivation",
       "total_cost_eur"]
SE_BOUND, RELATIVE_BOUND, SPREAD_RATIO = 4.0, 0.01, 2.5


def summaries(params: Parameters = P) -> pd.DataFrame:
    """Per seed of :data:`SEEDS` (the index), the mean of each output of :data:`KEY` over weeks 1 to the end."""
    rows = {}
    for seed in SEEDS:
        city = run(params, seed=seed, years=YEARS).city
        rows[seed] = city[city["week"] >= 1][KEY].mean()
    return pd.DataFrame.from_dict(rows, orient="index")


def departures(base: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """The outputs whose mean or spread differ beyond the tolerances of the module docstring, as a table."""
    same_mean = equivalent(base, other, SE_BOUND, RELATIVE_BOUND)
    same_spread = similar_spread(base, other, SPREAD_RATIO)
    table = pd.DataFrame({"fixture mean": base.mean(), "new mean": other.mean(),
                          "SE of differences": (other - base).std(ddof=1) / np.sqrt(len(base)),
                          "fixture sd": base.std(ddof=1), "new sd": other.std(ddof=1),
                          "same mean": same_mean, "same spread": same_spread})
    return table[~(same_mean & same_spread)]


def fixture() -> pd.DataFrame:
    """The stored per-seed statistics, after checking they were made for this test's design."""
    stored = json.loads(FIXTURE.read_text())
    design = {"n_residents": P.n_residents, "burn_in_years": P.burn_in_years, "years": YEARS,
              "seeds": list(SEEDS), "outputs": KEY}
    if stored["design"] != design:
        pytest.fail(f"{FIXTURE.name} was written for another design; rewrite it from the commit it names "
                    f"({stored['source']['commit']}) with --write")
    frame = pd.DataFrame(stored["statistics"])
    frame.index = list(SEEDS)
    return frame


@pytest.fixture(scope="module")
def stored() -> pd.DataFrame:
    return fixture()


@pytest.mark.slow
def test_the_code_gives_the_stored_statistics(stored: pd.DataFrame) -> None:
    differ = departures(stored, summaries())
    assert differ.empty, f"outputs differ from {FIXTURE.name} beyond the tolerance:\n{differ.to_string()}"


@pytest.mark.slow
def test_the_test_catches_a_changed_rate(stored: pd.DataFrame) -> None:
    """Life events 10% more frequent: more problems, more cases and a longer waiting list, and the test says so."""
    differ = departures(stored, summaries(P.replace(zrm_shock_rate=P.zrm_shock_rate * 1.1)))
    assert {"waiting_list", "cases_opened"} <= set(differ.index), f"not caught:\n{differ.to_string()}"


def test_the_tolerances_separate_noise_from_a_shift_and_a_wider_spread() -> None:
    """On samples of known distributions: equal ones pass, a shift of the mean or a doubled spread does not."""
    rng = np.random.default_rng(0)
    base = pd.DataFrame({"x": rng.normal(10, 1, 24), "flat": np.full(24, 3.0)})
    same = pd.DataFrame({"x": rng.normal(10, 1, 24), "flat": np.full(24, 3.0)})
    assert departures(base, same).empty
    assert list(departures(base, same.assign(x=same["x"] + 1.5)).index) == ["x"]  # 1.5 sd: about 5 SE
    assert list(departures(base, same.assign(x=10 + 3 * (same["x"] - 10))).index) == ["x"]  # 3 times the spread
    assert list(departures(base, same.assign(flat=3.1)).index) == ["flat"]  # a flat output 3% off


def write() -> None:
    """Run the committed model on every seed and (over)write the fixture, naming the commit."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=FIXTURE.parents[2], capture_output=True, text=True,
                              check=True).stdout.strip()

    if git("status", "--porcelain", "--", "model", "agents"):
        print("model/ or agents/ has uncommitted changes: commit them first, so that the fixture names its code",
              file=sys.stderr)
        sys.exit(2)
    statistics = summaries()
    content = {
        "source": {"commit": git("rev-parse", "HEAD"), "model_digest": model_digest(), "numpy": np.__version__},
        "design": {"n_residents": P.n_residents, "burn_in_years": P.burn_in_years, "years": YEARS,
                   "seeds": list(SEEDS), "outputs": KEY},
        "statistics": {k: [float(v) for v in statistics[k]] for k in KEY},
    }
    tmp = FIXTURE.with_suffix(".tmp")
    tmp.write_text(json.dumps(content, indent=1) + "\n")
    tmp.replace(FIXTURE)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Regenerate the per-seed statistics of tests/test_same_statistics.py.")
    parser.add_argument("--write", action="store_true", required=True, help="overwrite " + FIXTURE.name)
    parser.parse_args()
    write()
