"""Property-based checks (Hypothesis): the model's invariants over random valid parameter sets, and random
damage to the shipped scenario and design files, which must give a run or a one-line error, never a traceback.

The examples are derandomised, so the suite is the same on every machine; a failure prints the example.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import test_model as invariants  # the per-step invariants of tests/test_model.py, on other parameters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model.api as api
from model import CommunityModel, Parameters
from model.cli import main
from model.core.parameters import parameters_from_dict
from model.core.schema import ParameterError, describe
from model.core.steering import STEERING_REGISTRY
from model.experiments.scenarios import SCENARIO_DIR, list_scenarios
from model.experiments.sweeps import DESIGN_DIR, load_design

#: Fields that set the size of a run, drawn small on purpose, and tables (drawn through their own files).
SIZE = {"n_residents": (50, 120), "burn_in_years": (0.0, 0.1), "neighbourhoods_per_archetype": (1, 2)}
FIELDS = [r for r in describe(Parameters) if r["name"] not in SIZE and r["name"] != "years"
          and isinstance(r["default"], int | float | tuple) and r["lo"] is not None and r["hi"] is not None]


def _number(default: float, lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.integers(int(lo), int(hi)) if isinstance(default, int) else st.floats(lo, hi)


@st.composite
def valid_parameters(draw: st.DrawFn) -> Parameters:
    """A random parameter set the schema accepts: some fields anywhere in their allowed range."""
    chosen = draw(st.lists(st.sampled_from(FIELDS), max_size=30, unique_by=lambda r: r["name"]))
    values = {name: draw(_number(SIZE[name][0], *SIZE[name])) for name in SIZE}
    values["steering_mode"] = values["burn_in_steering"] = draw(st.sampled_from(sorted(STEERING_REGISTRY)))
    for row in chosen:
        default = row["default"]
        values[row["name"]] = (tuple(draw(_number(x, row["lo"], row["hi"])) for x in default)
                               if isinstance(default, tuple) else draw(_number(default, row["lo"], row["hi"])))
    while True:  # drop what breaks a rule between fields (e.g. core_min above core_target) until it is valid
        try:
            return parameters_from_dict(values)
        except ParameterError as exc:
            named = [key for key in values if re.search(rf"\b{key}\b", str(exc))]
            assert named, exc
            for key in named:
                del values[key]


#: The weeks whose full state is checked: every week of the first six, then once a year for ten years.
CHECKED_WEEKS = [*range(1, 7), *range(52, 521, 52)]


@pytest.mark.slow
@settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(p=valid_parameters(), seed=st.integers(0, 2**32))
def test_invariants_hold_for_ten_years_of_random_valid_parameters(p: Parameters, seed: int) -> None:
    """Issue 15: bounds, hours that add up, no NaN and no unbounded growth, each over ten years."""
    m = CommunityModel(p, seed=seed)
    snaps = []
    for week in CHECKED_WEEKS:
        m.run_for(week - m.week)
        snaps.append(invariants._snapshot(m))
    invariants.test_loneliness_and_state_bounds(snaps)
    invariants.test_professional_hours_add_up_to_the_budget(snaps)
    invariants.test_network_and_membership_consistency(snaps)
    city = m.city_frame()
    assert len(city) == 521 and np.isfinite(city.drop(columns=["year"]).to_numpy(dtype=float)).all()
    residents = city["residents"]
    assert (city["open_cases"] + city["waiting_list"] <= residents).all()  # one case per resident at most
    assert (city["initiative_members"] <= residents).all() and (city["core_volunteers"] <= residents).all()
    assert (city["informal_help_hours"] <= residents * p.carer_capacity_hours + 1e-6).all()
    assert (city["hours_casework"] + city["hours_admin"] + city["hours_community"]
            <= city["professional_fte"] * p.hours_per_week + 1e-6).all()
    # tie_capacity is soft (beyond it each tie gets less contact), so a person's ties are bounded by the city only
    assert (city["mean_good_ties"] <= residents - 1).all()
    most = max(profile.capacity_response for profile in p.steering.values())  # temporary staff has a ceiling
    assert (city["hired_fte"] <= most * (city["professional_fte"] - city["hired_fte"]) + 1e-9).all()
    assert (city.filter(like="_eur") >= 0).all().all()
    for share in [column for column in city if "share" in column]:
        assert city[share].between(0, 1).all(), share


# ---------------------------------------------------------------------- damaged files
SHIPPED = [SCENARIO_DIR / f"{name}.toml" for name in list_scenarios()]
#: The small shipped designs (every point is built and checked before a sweep runs: a second or two each).
DESIGNS = [DESIGN_DIR / f"{name}.toml" for name in list_scenarios(DESIGN_DIR) if load_design(name).n_points <= 50]
#: What a person or a tool may put in place of a value.
VALUES = ["nan", "inf", "-inf", "-1", "0", "1e9", "1e400", '""', '"x"', "[]", "{}", "true", "[1, 2, 3]",
          '"framing"', "2.5", "99999999999999999999"]


@st.composite
def damaged(draw: st.DrawFn, files: list[Path]) -> str:
    """A shipped file with a few random changes: values, keys, lines, bytes, a cut."""
    lines = draw(st.sampled_from(files)).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "key", "drop", "twice", "noise", "cut"]))
        if kind == "value" and "=" in lines[i]:
            lines[i] = lines[i].split("=")[0] + "= " + draw(st.sampled_from(VALUES))
        elif kind == "key" and "=" in lines[i]:
            key = lines[i].split("=")[0].strip()
            lines[i] = draw(st.sampled_from([key[:-1], key + "s", key.upper(), "x" + key])) + " =" + \
                lines[i].split("=", 1)[1]
        elif kind == "drop":
            del lines[i]
        elif kind == "twice":
            lines.insert(i, lines[i])
        elif kind == "noise":
            lines[i] += draw(st.text(max_size=5))
        elif kind == "cut":
            lines = lines[:i]
        if not lines:
            lines = [""]
    return "\n".join(lines) + "\n"


def exits_cleanly(argv: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    code = main(argv)  # anything but the handled errors would raise here, i.e. a traceback
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:  # said in Dutch, the default language
        errors = [line for line in err.splitlines() if line.startswith("vitality: fout: ")]
        assert len(errors) == 1 and "Traceback" not in err, err
    return code


@pytest.mark.slow
@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=damaged(SHIPPED))
def test_a_damaged_scenario_file_runs_or_gets_one_line(text: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "damaged.toml"
    path.write_text(text, encoding="utf-8")
    if exits_cleanly(["show", str(path)], capsys) == 0:  # what passes validation runs
        sc = api.load_scenario(path).with_parameters({"n_residents": 50, "years": 0.1, "burn_in_years": 0.0})
        assert np.isfinite(sc.run(0).city.drop(columns=["year"]).to_numpy(dtype=float)).all()


@pytest.mark.slow
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=damaged(DESIGNS))
def test_a_damaged_design_file_runs_or_gets_one_line(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "damaged.toml"
    path.write_text(text, encoding="utf-8")
    planned = []  # the sweep's whole check (file, size, points), then one of its runs instead of all
    monkeypatch.setattr(api, "save_sweep", lambda design, out, **_: planned.append(design))
    if exits_cleanly(["sweep", str(path), "--residents", "50", "--years", "0.1", "--out", str(tmp_path / "o")],
                     capsys) == 0:
        task = planned[0].tasks()[0]
        final = task.fn(*task.args)["final"]
        assert np.isfinite(final.drop(columns=[c for c in final if re.fullmatch(r"year|scenario", c)],
                                      errors="ignore").to_numpy(dtype=float)).all()
