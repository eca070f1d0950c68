"""The dashboard's sliders: start settings from the parameter schema, live levers from the intervention registry.

Each slider is a :class:`SliderSpec` within the range a scenario file may use (checked), with the
schema's (or the intervention's) default, unit and meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from model.core.interventions import INTERVENTION_REGISTRY
from model.core.parameters import Parameters
from model.core.schema import describe
from model.experiments.scenarios import load_scenario, setting_field

DEFAULT_SCENARIO = "baseline"

#: Start-setting sliders: schema field -> (lowest, highest, step) on the dashboard. The range is
#: narrowed from the schema's allowed range to what makes sense in a workshop room. Up to 5,000
#: residents drawing the charts, not stepping, sets the pace (a week of 5,000 residents and their
#: baseline took about 30 ms on a busy two-core machine; the network shows a sample of 300).
KEY_LEVERS: dict[str, tuple[float, float, float]] = {
    "n_residents": (200, 5000, 100),
    "team_per_1000": (0.0, 10.0, 0.5),
    "builders_per_1000": (0.0, 5.0, 0.25),
    "admin_base_hours": (0.0, 20.0, 1.0),
    "citizen_budget_eur": (0.0, 50.0, 5.0),
    "reluctance_mean": (0.0, 1.0, 0.05),
    "homophily": (1.0, 6.0, 0.5),
    "layered_review_weeks": (4, 52, 1),
}

#: Interventions the room can apply now: name -> (setting on a slider, lowest, highest, step).
#: Defaults come from the intervention itself; ranges are checked against a scenario file's.
LIVE_LEVERS: dict[str, tuple[str, float, float, float]] = {
    "close_meeting_places": ("share", 0.25, 1.0, 0.25),
    "protect_community_time": ("share", 0.1, 0.8, 0.1),
    "citizen_budget": ("eur_per_resident", 5.0, 50.0, 5.0),
}

#: Fixed settings of live interventions: a place closed by the room closes now, not after months
#: of underfunding (the scenario ``meeting_place_closures`` shows the slow budget-cut path).
LIVE_FIXED: dict[str, dict[str, Any]] = {"close_meeting_places": {"immediate": True}}


@dataclass(frozen=True)
class SliderSpec:
    """One slider, generated from the schema (start settings) or an intervention (live levers).

    Attributes:
        name: Schema field, or intervention name for a live lever.
        setting: The intervention setting it moves (the schema field itself for start settings).
        is_int: Whole numbers only.
        lo: Lowest value on the slider.
        hi: Highest value on the slider.
        step: Slider step.
        default: The schema's (or the intervention's) default.
        unit: The unit.
        doc: The schema's one-line meaning (English; empty for a setting without a schema field).

    """

    name: str
    setting: str
    is_int: bool
    lo: float
    hi: float
    step: float
    default: Any
    unit: str
    doc: str


def _check_range(what: str, lo: float, hi: float, allowed_lo: float | None, allowed_hi: float | None) -> None:
    if (allowed_lo is not None and lo < allowed_lo) or (allowed_hi is not None and hi > allowed_hi):
        raise ValueError(f"{what}: dashboard range {lo}-{hi} lies outside the allowed {allowed_lo}-{allowed_hi}")


def slider_specs() -> list[SliderSpec]:
    """Generate the start-setting sliders of :data:`KEY_LEVERS`, with units, meanings and ranges from the schema.

    Raises:
        ValueError: A dashboard range lies outside the schema's allowed range.

    """
    rows = {r["name"]: r for r in describe(Parameters)}
    specs = []
    for name, (lo, hi, step) in KEY_LEVERS.items():
        row = rows[name]
        _check_range(name, lo, hi, row["lo"], row["hi"])
        specs.append(SliderSpec(name, name, isinstance(row["default"], int), lo, hi, step, row["default"],
                                row["unit"], row["doc"]))
    return specs


def lever_specs() -> list[SliderSpec]:
    """Generate the sliders of the live interventions of :data:`LIVE_LEVERS`.

    Defaults are the intervention's own; the allowed range is the one a scenario file has for
    that setting (a schema field's range where one applies).

    Raises:
        ValueError: A dashboard range lies outside the allowed range.

    """
    specs = []
    for name, (setting, lo, hi, step) in LIVE_LEVERS.items():
        allowed = setting_field(name, setting).metadata
        default = INTERVENTION_REGISTRY[name].__dataclass_fields__[setting].default
        _check_range(f"{name}.{setting}", lo, hi, allowed["lo"], allowed["hi"])
        specs.append(SliderSpec(name, setting, False, lo, hi, step, default, allowed["unit"], allowed["doc"]))
    return specs


def start_values(scenario_name: str) -> dict[str, float]:
    """Return the values of the start-setting sliders in a scenario, limited to the sliders' ranges."""
    p = load_scenario(scenario_name).params
    return {s.name: min(max(getattr(p, s.name), s.lo), s.hi) for s in slider_specs()}


def start_settings(scenario_name: str = DEFAULT_SCENARIO, seed: int = 1) -> dict[str, Any]:
    """Return the keyword arguments of :class:`WorkshopModel` for a scenario with its own slider values."""
    return {"scenario_name": scenario_name, "seed": seed, "overrides": start_values(scenario_name)}
