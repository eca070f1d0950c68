"""Scenario files: the shipped ones load, bad ones fail in one line, interventions act only from their start."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from model.core.interventions import INTERVENTION_REGISTRY
from model.core.parameters import ParameterError, Parameters
from model.experiments.runner import run
from model.experiments.scenarios import SCENARIO_DIR, ScenarioError, list_scenarios, load_scenario

SHIPPED = list_scenarios()
POLICY_STORIES = {
    "meeting_place_closures": "close_meeting_places",
    "protected_time": "protect_community_time",
    "citizen_budget": "citizen_budget",
    "outreach_campaign": "outreach_campaign",
    "half_admin_load": "admin_load",
    "drop_inclusion_demand": "drop_inclusion_demand",
    "demand_shock": "demand_shock",
    "enforcing_to_facilitating": "switch_steering",
}


def write(tmp_path: Path, text: str, name: str = "story.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_scenarios_are_complete() -> None:
    assert SHIPPED[0] == "baseline"
    assert {"baseline", "facilitating", "framing", "enforcing", "layered", *POLICY_STORIES} <= set(SHIPPED)
    assert SCENARIO_DIR.is_dir() and SCENARIO_DIR.parent.joinpath("model").is_dir()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_loads(name: str) -> None:
    sc = load_scenario(name)
    assert sc.name == name == sc.path.stem
    assert sc.description and sc.description_nl and sc.description != sc.description_nl
    assert "\n" not in sc.description + sc.description_nl
    assert isinstance(sc.params, Parameters)
    assert sc.source == sc.path.read_text(encoding="utf-8")
    first, second = sc.make_interventions(), sc.make_interventions()
    assert [type(iv).name for iv in first] == [spec.type for spec in sc.interventions]
    assert all(a is not b for a, b in zip(first, second, strict=True))  # fresh objects for every run
    for iv, spec in zip(first, sc.interventions, strict=True):
        assert iv.start_week == round(spec.at_year * 52)


def test_steering_scenarios_set_their_mode() -> None:
    for mode in ("facilitating", "framing", "enforcing", "layered"):
        assert load_scenario(mode).params.steering_mode == mode
    switch = load_scenario("enforcing_to_facilitating")
    assert switch.params.steering_mode == "enforcing"
    assert switch.interventions[0].settings == {"mode": "facilitating"} and switch.interventions[0].at_year == 3


@pytest.mark.parametrize(("name", "kind"), POLICY_STORIES.items())
def test_policy_stories_use_their_intervention(name: str, kind: str) -> None:
    assert [spec.type for spec in load_scenario(name).interventions] == [kind]


def test_story_settings() -> None:
    assert load_scenario("protected_time").interventions[0].settings["share"] == 0.3
    shock = load_scenario("demand_shock").interventions[0]
    assert shock.until_year - shock.at_year == 1


def test_load_by_path_and_name_agree() -> None:
    assert load_scenario(SCENARIO_DIR / "citizen_budget.toml") == load_scenario("citizen_budget")


@pytest.mark.parametrize("name", ["meeting_place_closures", "layered", "enforcing_to_facilitating"])
def test_to_toml_round_trip(tmp_path: Path, name: str) -> None:
    sc = load_scenario(name)
    again = load_scenario(write(tmp_path, sc.to_toml(), f"{name}.toml"))
    assert again.params == sc.params
    assert again.interventions == sc.interventions
    assert (again.name, again.description, again.description_nl) == (sc.name, sc.description, sc.description_nl)


def test_nested_overrides_and_neighbourhood_interventions(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path, """
description = "x"
[parameters]
n_residents = 300
[parameters.archetypes.urban_deprived]
places_per_10k = 8.0
[parameters.steering.framing]
accountability = 0.8
[[interventions]]
type = "citizen_budget"
at_year = 1
until_year = 2
neighbourhoods = ["urban_deprived"]
eur_per_resident = 25
"""))
    assert sc.name == "story" and sc.description_nl == "x"  # defaults: file name, English description
    assert sc.params.archetypes["urban_deprived"].places_per_10k == 8.0
    assert sc.params.steering["framing"].accountability == 0.8
    (iv,) = sc.make_interventions()
    assert (iv.start_week, iv.end_week, iv.neighbourhoods, iv.eur_per_resident) == (52, 104, ("urban_deprived",), 25.0)


BAD = [
    ('description = "x"\ndescripton = "y"\n', "descripton", "did you mean 'description'"),
    ('description = "x"\n[parameters]\nn_residnets = 300\n', "parameters.n_residnets", "did you mean"),
    ('description = "x"\n[parameters]\nn_residents = 10\n', "parameters.n_residents", "allowed 50 to 2000000"),
    ('description = "x"\n[parameters]\nn_residents = "many"\n', "parameters.n_residents", "whole number"),
    ('description = "x"\n[parameters.archetypes.urban_young]\ndensity = 9.0\n',
     "parameters.archetypes.urban_young.density", "allowed 0.1 to 5"),
    ('description = "x"\n[[interventions]]\ntype = "citizen_budgt"\nat_year = 1\n',
     "interventions[1].type", "did you mean 'citizen_budget'"),
    ('description = "x"\n[[interventions]]\ntype = "protect_community_time"\nat_year = 1\nshrae = 0.2\n',
     "interventions[1].shrae", "did you mean 'share'"),
    ('description = "x"\n[[interventions]]\ntype = "protect_community_time"\nat_year = 1\nshare = 0.9\n',
     "interventions[1].share", "allowed 0 to 0.8"),
    ('description = "x"\n[[interventions]]\ntype = "close_meeting_places"\nat_year = 1\nshare = 1.5\n',
     "interventions[1].share", "allowed 0 to 1"),
    ('description = "x"\n[[interventions]]\ntype = "demand_shock"\nat_year = -1\n',
     "interventions[1].at_year", "allowed 0 to 100"),
    ('description = "x"\n[[interventions]]\ntype = "demand_shock"\nat_year = 2\nuntil_year = 1\n',
     "interventions[1].until_year", "later than at_year"),
    ('description = "x"\n[[interventions]]\ntype = "demand_shock"\n', "interventions[1].at_year", "missing"),
    ('description = "x"\n[[interventions]]\ntype = "close_meeting_places"\nat_year = 1\nimmediate = 1\n',
     "interventions[1].immediate", "true or false"),
    ('description = "x"\n[[interventions]]\ntype = "switch_steering"\nat_year = 1\nmode = "facilitatin"\n',
     "interventions[1].mode", "facilitating"),
    ('description = "x"\n[[interventions]]\ntype = "admin_load"\nat_year = 1\nneighbourhoods = ["urban_yung"]\n',
     "interventions[1].neighbourhoods", "did you mean 'urban_young'"),
    ('description = "x"\n[[interventions]]\ntype = "switch_steering"\nat_year = 1\nneighbourhoods = ["urban_young"]\n',
     "interventions[1]", "city-wide"),
    ('description = "x"\n[[interventions]]\ntype = "demand_shock"\nat_year = 1\nstart_week = 3\n',
     "interventions[1].start_week", "allowed: type, at_year, until_year"),
    ('name = "x y"\ndescription = "x"\n', "name", "letters"),
    ('name = "x"\n', "description", "missing"),
    ('description = "x"\ninterventions = 3\n', "interventions", "[[interventions]]"),
    ('description = "x" = 3\n', "not valid TOML", ""),
    # NaN and infinity pass every comparison: refused wherever a number is read
    ('description = "x"\n[parameters]\ncontagion = nan\n', "parameters.contagion", "expected a finite number"),
    ('description = "x"\n[parameters]\ncase_hours = [0.5, nan, 2.0]\n', "parameters.case_hours", "finite"),
    ('description = "x"\n[parameters]\nyears = inf\n', "parameters.years", "got inf; allowed 0.02 to 100"),
    ('description = "x"\n[parameters.archetypes.urban_young]\ndensity = -inf\n',
     "parameters.archetypes.urban_young.density", "finite"),
    ('description = "x"\n[parameters.steering.framing]\ncontrol = nan\n', "parameters.steering.framing.control",
     "finite"),
    ('description = "x"\n[[interventions]]\ntype = "demand_shock"\nat_year = nan\n', "interventions[1].at_year",
     "finite"),
    ('description = "x"\n[[interventions]]\ntype = "citizen_budget"\nat_year = 1\neur_per_resident = inf\n',
     "interventions[1].eur_per_resident", "finite"),
    # a table entry that does not exist is a typo, not a new neighbourhood type or steering mode
    ('description = "x"\n[parameters.archetypes.urban_yung]\ndensity = 2.0\n', "parameters.archetypes.urban_yung",
     "no such entry (did you mean 'urban_young'?)"),
    ('description = "x"\n[parameters.steering.layered]\ncontrol = 0.2\n', "parameters.steering.layered",
     "entries: facilitating, framing, enforcing"),
    (f'name = "{"x" * 65}"\ndescription = "x"\n', "name", "at most 64 characters"),
]


@pytest.mark.parametrize(("text", "key", "hint"), BAD)
def test_bad_scenarios_fail_in_one_line_naming_file_and_key(tmp_path: Path, text: str, key: str, hint: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert "story.toml" in message and key in message and hint in message
    assert isinstance(info.value, ParameterError | ValueError)


def test_missing_file_lists_shipped_scenarios() -> None:
    with pytest.raises(ScenarioError, match=r"no scenario named 'baselin'.*did you mean 'baseline'.*protected_time"):
        load_scenario("baselin")
    with pytest.raises(ScenarioError, match=r"scenario file nowhere/x.toml not found; shipped scenarios: baseline"):
        load_scenario("nowhere/x.toml")


@pytest.mark.parametrize("name", list(POLICY_STORIES))
def test_interventions_change_nothing_before_their_start(name: str) -> None:
    """A scenario's interventions, moved to week 5, leave weeks 0-5 identical to the run without them."""
    sc = load_scenario(name).with_parameters({"n_residents": 100})
    early = tuple(dataclasses.replace(spec, at_year=5 / 52) for spec in sc.interventions)
    sc = dataclasses.replace(sc, interventions=early)
    start = early[0].start_week
    without = run(sc.params, seed=3, years=(start + 3) / 52).city
    with_it = run(sc.params, seed=3, years=(start + 3) / 52, interventions=sc.make_interventions()).city
    before = with_it["week"] <= start
    pd.testing.assert_frame_equal(with_it[before], without[before])


def test_intervention_from_a_file_acts_from_its_start_week(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path, """
description = "All meeting places close at once in week 5"
[parameters]
n_residents = 100
[[interventions]]
type = "close_meeting_places"
at_year = 0.0961538
share = 1.0
immediate = true
"""))
    assert sc.interventions[0].start_week == 5
    without = run(sc.params, seed=1, years=8 / 52).city.set_index("week")
    with_it = run(sc.params, seed=1, years=8 / 52, interventions=sc.make_interventions()).city.set_index("week")
    pd.testing.assert_frame_equal(with_it.loc[:5], without.loc[:5])
    assert (with_it.loc[6:, "meeting_places_open"] == 0).all() and (without.loc[6:, "meeting_places_open"] > 0).all()


def test_every_registered_intervention_can_be_written_in_a_scenario(tmp_path: Path) -> None:
    for kind in INTERVENTION_REGISTRY:
        sc = load_scenario(write(tmp_path, f'description = "x"\n[[interventions]]\ntype = "{kind}"\nat_year = 1\n'))
        assert type(sc.make_interventions()[0]) is INTERVENTION_REGISTRY[kind]
