"""The dashboard's sliders: start settings from the parameter schema, live levers from the plug-ins.

Each slider is a :class:`SliderSpec` within the range a scenario file may use (checked), with the
schema's (or the intervention's) default, unit, meaning and Dutch and English texts. The start
settings are :data:`KEY_LEVERS` and the sliders the steering modes declare for the parameters they
read; the live levers are the interventions that declare how the room applies them (``live``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from model.core.interventions import INTERVENTION_REGISTRY
from model.core.parameters import Parameters
from model.core.schema import Slider, Text, describe
from model.core.steering import STEERING_REGISTRY
from model.experiments.scenarios import list_scenarios, load_scenario
from model.i18n import PARAMETER_HELP_NL, PARAMETER_LABELS
from model.opendata import OpenDataError, load_city
from model.opendata.geo import city_shapes

DEFAULT_SCENARIO = "baseline"
#: Environment variables naming a city file (``vitality city import``) and the CBS/PDOK GeoPackage to start in.
CITY_VARIABLE, MAP_VARIABLE = "VITALITY_CITY", "VITALITY_MAP"

#: Start-setting sliders of parameters no plug-in owns: schema field -> (lowest, highest, step) on the
#: dashboard (labels in :data:`model.i18n.PARAMETER_LABELS`). The range is narrowed from the schema's
#: allowed range to what makes sense in a workshop room. Up to 5,000 residents drawing the charts, not
#: stepping, sets the pace (a week of 5,000 residents and their baseline took about 30 ms on a busy
#: two-core machine; the network shows a sample of 300).
KEY_LEVERS: dict[str, tuple[float, float, float]] = {
    "n_residents": (200, 5000, 100),
    "team_per_1000": (0.0, 10.0, 0.5),
    "builders_per_1000": (0.0, 5.0, 0.25),
    "admin_base_hours": (0.0, 20.0, 1.0),
    "citizen_budget_eur": (0.0, 50.0, 5.0),
    "reluctance_mean": (0.0, 1.0, 0.05),
    "homophily": (1.0, 6.0, 0.5),
}


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
        doc: The one-line meaning (English; empty for a setting without one).
        label: The slider's label in Dutch and English.
        help: Help texts by language (a language without one shows ``doc`` and ``unit``).
        button: A live lever's button text in Dutch and English (``None`` for start settings).

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
    label: Text
    help: Text = field(default_factory=dict)
    button: Text | None = None


#: Refinements of a declared slider step tried in turn (see :func:`exact_step`): halves, quarters, fifths, tenths ...
REFINEMENTS = (1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def snap(value: float, lo: float, step: float) -> float:
    """The value a browser slider shows for ``value``: the nearest ``lo + k * step``, to the step's decimals.

    This is what Vuetify's ``v-slider`` (under Solara's sliders) does in ``roundValue`` before it
    reports the value back to the page.
    """
    return round(round((value - lo) / step) * step + lo, decimals(step))


def decimals(step: float) -> int:
    """Decimals that show every value of a slider with this step (0.25: 2, 0.5: 1, 5: 0)."""
    return max(0, -Decimal(str(step)).normalize().as_tuple().exponent)


def exact_step(what: str, lo: float, step: float, values: Iterable[float]) -> float:
    """The declared step, or its coarsest refinement whose grid from ``lo`` holds every value exactly.

    A start value off the slider's grid would be changed by the page as soon as it shows it, so that
    Reset with nothing changed would build another city (the calibrated 8.58 administration hours
    became 9 on a slider in whole hours).

    Raises:
        ValueError: No refinement up to a thousandth of the step holds the values (declare another step).

    """
    values = list(values)
    for k in REFINEMENTS:
        fine = float(Decimal(str(step)) / k)
        if all(snap(v, lo, fine) == v for v in values):
            return step if k == 1 else fine
    raise ValueError(f"{what}: no slider step down to {step}/{REFINEMENTS[-1]} from {lo} holds {values}")


def _check_range(what: str, lo: float, hi: float, allowed_lo: float | None, allowed_hi: float | None) -> None:
    if (allowed_lo is not None and lo < allowed_lo) or (allowed_hi is not None and hi > allowed_hi):
        raise ValueError(f"{what}: dashboard range {lo}-{hi} lies outside the allowed {allowed_lo}-{allowed_hi}")


def start_sliders() -> dict[str, Slider]:
    """The start settings' sliders by schema field: :data:`KEY_LEVERS`, then those the steering modes declare."""
    sliders = {name: Slider(lo, hi, step, {lang: PARAMETER_LABELS[lang][name] for lang in PARAMETER_LABELS},
                            {"nl": PARAMETER_HELP_NL[name]}) for name, (lo, hi, step) in KEY_LEVERS.items()}
    for mode in STEERING_REGISTRY.values():
        sliders |= mode.sliders
    return sliders


def slider_specs() -> list[SliderSpec]:
    """Generate the start-setting sliders, with units, meanings and ranges from the schema.

    Raises:
        ValueError: A dashboard range lies outside the schema's allowed range.

    """
    rows = {r["name"]: r for r in describe(Parameters)}
    scenarios = [load_scenario(name).params for name in list_scenarios()]
    specs = []
    for name, slider in start_sliders().items():
        row = rows[name]
        _check_range(name, slider.lo, slider.hi, row["lo"], row["hi"])
        step = exact_step(name, slider.lo, slider.step, [row["default"], *(getattr(p, name) for p in scenarios)])
        specs.append(SliderSpec(name, name, isinstance(row["default"], int), slider.lo, slider.hi, step,
                                row["default"], row["unit"], row["doc"], slider.label or {}, slider.help))
    return specs


def lever_specs() -> list[SliderSpec]:
    """Generate the sliders of the interventions the room can apply now (those with a ``live`` lever).

    Each moves the intervention's setting that declares a slider; the default is the intervention's
    own, the allowed range the one a scenario file has for that setting.

    Raises:
        ValueError: A dashboard range lies outside the allowed range.

    """
    specs = []
    for name, cls in INTERVENTION_REGISTRY.items():
        if cls.live is None:
            continue
        setting, f = next((key, f) for key, f in cls.__dataclass_fields__.items() if f.metadata.get("slider"))
        allowed, slider = f.metadata, f.metadata["slider"]
        _check_range(f"{name}.{setting}", slider.lo, slider.hi, allowed["lo"], allowed["hi"])
        step = exact_step(f"{name}.{setting}", slider.lo, slider.step, [f.default])
        specs.append(SliderSpec(name, setting, False, slider.lo, slider.hi, step, f.default, allowed["unit"],
                                allowed["doc"], slider.label or allowed["label"], slider.help, cls.live.button))
    return specs


def start_values(scenario_name: str) -> dict[str, float]:
    """Return the values of the start-setting sliders in a scenario, limited to the sliders' ranges."""
    p = load_scenario(scenario_name).params
    return {s.name: min(max(getattr(p, s.name), s.lo), s.hi) for s in slider_specs()}


def start_settings(scenario_name: str = DEFAULT_SCENARIO, seed: int = 1) -> dict[str, Any]:
    """Return the keyword arguments of :class:`WorkshopModel` for a scenario with its own slider values.

    The environment variables :data:`CITY_VARIABLE` and :data:`MAP_VARIABLE` (``make dashboard
    CITY=... MAP=...``) start it in a real city, with a map of its neighbourhoods.
    """
    return {"scenario_name": scenario_name, "seed": seed, "overrides": start_values(scenario_name)} | place()


def place() -> dict[str, str]:
    """The city file and map named by :data:`CITY_VARIABLE` and :data:`MAP_VARIABLE` (empty ones left out)."""
    return {key: os.environ[variable] for key, variable in (("city", CITY_VARIABLE), ("boundaries", MAP_VARIABLE))
            if os.environ.get(variable)}


def place_problem() -> str | None:
    """Why the city file or map of the environment cannot be used (one line), or None."""
    given = place()
    if "boundaries" in given and "city" not in given:
        return f"{MAP_VARIABLE} (MAP=) draws a real city: give its city file with {CITY_VARIABLE} (CITY=) too"
    try:
        if "city" in given:
            city = load_city(given["city"])
            if "boundaries" in given:
                city_shapes(city, given["boundaries"])
    except OpenDataError as exc:
        return str(exc)
    return None
