"""The calibrated baseline stays within its bands.

The fast check (normal suite) runs a small city with wider bands, so that a change of rules
or defaults that moves the baseline away from the calibration targets fails early. The full
check (``pytest -m calibration``, a few minutes) compares 10 seeds x 2,000 residents x 10 years
with the targets and their tolerances, as ``docs/validation.md`` does.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from model.core.parameters import FIT, Parameters
from model.core.schema import describe
from model.experiments.calibration import (
    FIT_RECORD,
    FREE,
    SCHEMA_FILE,
    TARGETS,
    Evaluation,
    SearchConfig,
    current_point,
    objective_value,
    overrides_for,
    target_table,
    write_calibrated,
)
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


def test_calibrated_defaults_are_declared_in_the_schema_with_their_provenance() -> None:
    cal = tomllib.loads(FIT_RECORD.read_text(encoding="utf-8"))
    rows = {r["name"]: r for r in describe(Parameters)}
    fitted = {f.name for f in dataclasses.fields(Parameters) if f.metadata.get("fitted")}
    assert fitted == set(cal["parameters"]) == {fp.name for fp in FREE}
    defaults = Parameters()
    for fp in FREE:
        assert rows[fp.name]["source"].startswith(f"{FIT} (was: "), fp.name
        value = cal["parameters"][fp.name]
        assert np.allclose(getattr(defaults, fp.name), value), f"{fp.name}: the schema and the record differ"
        coordinate = value if fp.scale_of is None else float(np.mean(np.divide(value, fp.scale_of)))
        assert fp.lo - 1e-6 <= coordinate <= fp.hi + 1e-6, f"{fp.name} = {value} outside the search box"
    assert Parameters().replace(**overrides_for([fp.lo for fp in FREE]))  # the search box is inside the schema
    assert Parameters().replace(**overrides_for([fp.hi for fp in FREE]))


def test_a_search_of_some_parameters_writes_them_and_keeps_the_others(tmp_path: Path) -> None:
    defaults = Parameters()
    now = Parameters().replace(**overrides_for(current_point()))
    for fp in FREE:  # the current point is the defaults (vectors up to their rounding)
        assert np.allclose(getattr(now, fp.name), getattr(defaults, fp.name), rtol=1e-3), fp.name
    vary = tuple(fp for fp in FREE if fp.name in ("disposition_sd", "help_hours"))
    best = Evaluation(np.array([fp.lo for fp in vary]), 1.0, {}, (0,), "compass")
    schema, record = tmp_path / "parameters.py", tmp_path / "fit.toml"
    shutil.copyfile(SCHEMA_FILE, schema)
    write_calibrated(best, SearchConfig(), "a test", vary, schema=schema, record=record)
    written = tomllib.loads(record.read_text(encoding="utf-8"))["parameters"]
    # The rewritten schema declares the same values, and its provenance names the test's search.
    namespace: dict = {}
    exec(compile(schema.read_text(encoding="utf-8"), str(schema), "exec"), namespace)
    rewritten = namespace["Parameters"]()
    assert "a test" in namespace["FIT"]
    for fp in FREE:
        assert np.allclose(getattr(rewritten, fp.name), written[fp.name]), fp.name
    assert SCHEMA_FILE.read_text(encoding="utf-8") != schema.read_text(encoding="utf-8")
    assert set(written) == {fp.name for fp in FREE}
    assert written["disposition_sd"] == pytest.approx(vary[0].lo)
    assert written["help_hours"] == pytest.approx([vary[1].lo * v for v in vary[1].scale_of], rel=1e-3)
    for fp in FREE:
        if fp not in vary:  # written with four significant digits
            assert written[fp.name] == pytest.approx(getattr(defaults, fp.name), rel=1e-3), fp.name


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
