"""The community-vitality simulator: community strength, loneliness and casework load.

An agent-based model of a Dutch city under different steering modes.

Quick use::

    from model import CommunityModel, Parameters
    m = CommunityModel(Parameters(n_residents=2000, steering_mode="facilitating"), seed=1)
    m.run_years(10)
    city, per_neighbourhood = m.city_frame(), m.neighbourhood_frame()

Batches, comparisons, sweeps and their statistics are :mod:`model.api` (its main functions are
exported here too: ``from model import load_scenario, run_scenarios, comparison_table``). The layout:
:mod:`model.core` (the simulation), :mod:`model.experiments`, :mod:`model.api`, :mod:`model.reporting`,
:mod:`model.workshop`, and the shells :mod:`model.cli` and :mod:`model.ema`.
"""

from importlib import import_module
from typing import Any

# Exports load lazily (PEP 562) so that ``agents`` can import ``model.core.parameters``
# without importing the model class, which itself imports ``agents``.
_EXPORTS = {
    "CommunityModel": "model.core.community",
    "WEEKS_PER_YEAR": "model.core.time",
    "INTERVENTION_REGISTRY": "model.core.interventions",
    "Intervention": "model.core.interventions",
    "make_intervention": "model.core.interventions",
    "register_intervention": "model.core.interventions",
    "ParameterError": "model.core.schema",
    "Parameters": "model.core.parameters",
    "parameters_from_dict": "model.core.parameters",
    "RunResult": "model.experiments.runner",
    "run": "model.experiments.runner",
    "run_many": "model.experiments.runner",
    "STEERING_REGISTRY": "model.core.steering",
    "SteeringMode": "model.core.steering",
    "make_steering": "model.core.steering",
    "register_steering": "model.core.steering",
    "OUTPUTS": "model.core.outputs",
    **{name: "model.api" for name in (
        "analyse", "comparison_table", "list_scenarios", "load_design", "load_scenario", "mean_ci", "run_scenarios",
        "run_sweep", "save_comparison")},
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
