"""The calibrated baseline stays within its bands.

The fast check (normal suite) runs a small city with wider bands, so that a change of rules
or defaults that moves the baseline away from the calibration targets fails early. The full
check (``pytest -m calibration``, a few minutes) compares 10 seeds x 2,000 residents x 10 years
with the targets and their tolerances, as ``docs/validation.md`` does.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from model.core.parameters import CALIBRATED_FILE, Parameters
from model.core.schema import describe
from model.experiments.calibration import FREE, TARGETS, objective_value, overrides_for, target_table
from model.experiments.provenance import model_digest
from model.experiments.runner import run_many

ROOT = Path(__file__).resolve().parents[1]

# The fast configuration: 1,000 residents, 5 years after the burn-in, 3 seeds. Its bands are the
# targets' tolerances widened by the seed-to-seed spread of this small configuration (about 2.5
# standard errors of a 3-seed mean, measured when the bands were set) so that they catch drift,
# not noise.
FAST = Parameters(n_residents=1000, years=5)
FAST_SEEDS = range(3)
FAST_WIDENING = {"share": 0.03, "hours/week": 2.0, "weeks": 6.0}


def test_calibrated_defaults_are_in_the_schema_with_their_provenance() -> None:
    assert CALIBRATED_FILE.exists()
    cal = tomllib.loads(CALIBRATED_FILE.read_text(encoding="utf-8"))
    rows = {r["name"]: r for r in describe(Parameters)}
    assert set(cal["parameters"]) == {fp.name for fp in FREE}
    for fp in FREE:
        assert rows[fp.name]["source"].startswith("calibrated "), fp.name
        assert "was: " in rows[fp.name]["source"]
        value = cal["parameters"][fp.name]
        coordinate = value if fp.scale_of is None else float(np.mean(np.divide(value, fp.scale_of)))
        assert fp.lo - 1e-6 <= coordinate <= fp.hi + 1e-6, f"{fp.name} = {value} outside the search box"
    assert Parameters().replace(**overrides_for([fp.lo for fp in FREE]))  # the search box is inside the schema
    assert Parameters().replace(**overrides_for([fp.hi for fp in FREE]))


def test_objective_is_zero_on_target_and_grows_with_distance() -> None:
    on = {t.name: t.value for t in TARGETS}
    assert objective_value(on) == 0
    first = TARGETS[0]
    assert objective_value(on | {first.name: first.value + first.tolerance}) == pytest.approx(first.weight)
    assert objective_value(on | {first.name: first.value + 2 * first.tolerance}) == pytest.approx(4 * first.weight)


def test_fast_baseline_stays_in_its_bands() -> None:
    table = target_table(run_many(FAST, seeds=FAST_SEEDS).final()).set_index("target")
    outside = {}
    for t in TARGETS:
        band = t.tolerance + FAST_WIDENING[t.unit]
        if abs(table.loc[t.name, "model"] - t.value) > band:
            outside[t.name] = f"{table.loc[t.name, 'model']:.4f} not within {t.value} ± {band:g}"
    assert not outside, f"baseline drifted out of its bands: {outside}"


def test_validation_report_is_current() -> None:
    """docs/validation.json was made from the model in the repository.

    Refresh it with ``python -m model.experiments.validation``.
    """
    data = json.loads((ROOT / "docs" / "validation.json").read_text(encoding="utf-8"))
    assert data["model_digest"] == model_digest(), "the model changed since docs/validation.md was generated"
    assert all(row["pass"] for row in data["targets"]), [r["target"] for r in data["targets"] if not r["pass"]]
    assert (ROOT / "docs" / "validation.md").exists()


@pytest.mark.calibration
@pytest.mark.parametrize("target", [t.name for t in TARGETS])
def test_full_calibration(target: str, full_table) -> None:
    row = full_table.loc[target]
    assert row["pass"], f"{target}: model {row['model']:.4f}, target {row['value']} ± {row['tolerance']}"


@pytest.fixture(scope="module")
def full_table():
    final = run_many(Parameters(n_residents=2000, years=10), seeds=range(10)).final()
    return target_table(final).set_index("target")
