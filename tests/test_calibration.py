"""The calibrated baseline stays within its bands.

The fast check (normal suite) runs a small city with wide bands, so that a change of
rules or defaults that moves the baseline far from the calibration targets fails early.
The full check (``pytest -m calibration``, a few minutes) compares 10 seeds x 2,000
residents x 10 years with the targets and their tolerances, as ``docs/validation.md`` does.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.calibration import FREE, TARGETS, objective_value, overrides_for, target_table
from model.parameters import CALIBRATED_FILE, Parameters, describe
from model.runner import run_many

# Wide bands for the small configuration (600 residents, 6 years, 3 seeds): staffing is rounded
# per neighbourhood (at least one team member and one builder each), so casework outputs differ
# from the 2,000-resident calibration; the bands catch drift, not precision.
FAST_BANDS = {
    "lonely (DJG score >= 3)": (0.30, 0.65),
    "severely or very severely lonely (score >= 9)": (0.0, 0.20),
    "lonely, 75+": (0.40, 0.90),
    "volunteered in the past year": (0.30, 0.70),
    "informal carers": (0.05, 0.22),
    "care hours per carer": (6.0, 18.0),
    "formal support users (Wmo-like)": (0.015, 0.12),
    "administration share of professionals' time": (0.20, 0.50),
}
# Known structural gaps, reported in docs/validation.md (section "What the parameters cannot reach").
KNOWN_GAPS = {"severely or very severely lonely (score >= 9)", "lonely, 75+"}


def test_calibrated_defaults_are_in_the_schema():
    assert CALIBRATED_FILE.exists()
    p = Parameters()
    rows = {r["name"]: r for r in describe()}
    for fp in FREE:
        assert rows[fp.name]["source"].startswith("calibrated "), fp.name
        assert "was: " in rows[fp.name]["source"]
    assert p.help_hours[0] < p.help_hours[1] < p.help_hours[2]


def test_objective_is_zero_on_target_and_grows_with_distance():
    on = {t.name: t.value for t in TARGETS}
    assert objective_value(on) == 0
    off = dict(on)
    first = TARGETS[0]
    off[first.name] = first.value + first.tolerance
    assert objective_value(off) == pytest.approx(first.weight)


def test_overrides_cover_the_free_parameters():
    ov = overrides_for([fp.start for fp in FREE])
    assert set(ov) == {fp.name for fp in FREE}
    Parameters().replace(**ov)  # valid against the schema


def test_fast_baseline_stays_in_its_bands():
    final = run_many(Parameters(n_residents=600, years=6), seeds=range(3)).final()
    table = target_table(final).set_index("target")
    outside = {name: round(float(table.loc[name, "model"]), 4) for name, (lo, hi) in FAST_BANDS.items()
               if not lo <= table.loc[name, "model"] <= hi}
    assert not outside, f"baseline drifted out of its bands: {outside}"
    assert np.isfinite(table["model"]).all()


@pytest.mark.calibration
@pytest.mark.parametrize("target", [t.name for t in TARGETS])
def test_full_calibration(target, full_table):
    if target in KNOWN_GAPS:
        pytest.xfail("structural gap, see docs/validation.md")
    row = full_table.loc[target]
    assert row["pass"], f"{target}: model {row['model']:.4f}, target {row['value']} ± {row['tolerance']}"


@pytest.fixture(scope="module")
def full_table():
    final = run_many(Parameters(n_residents=2000, years=10), seeds=range(10)).final()
    return target_table(final).set_index("target")
