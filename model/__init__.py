"""The community-vitality simulator: community strength, loneliness and casework load.

An agent-based model of a Dutch city under different steering modes.

Quick use::

    from model import CommunityModel, Parameters
    m = CommunityModel(Parameters(n_residents=2000, steering_mode="facilitating"), seed=1)
    m.run_years(10)
    city, per_neighbourhood = m.city_frame(), m.neighbourhood_frame()
"""

from importlib import import_module
from typing import Any

# Exports load lazily (PEP 562) so that ``agents`` can import ``model.parameters``
# without importing the model class, which itself imports ``agents``.
_EXPORTS = {
    "CommunityModel": "model.community",
    "WEEKS_PER_YEAR": "model.community",
    "INTERVENTION_REGISTRY": "model.interventions",
    "Intervention": "model.interventions",
    "make_intervention": "model.interventions",
    "register_intervention": "model.interventions",
    "ParameterError": "model.parameters",
    "Parameters": "model.parameters",
    "parameters_from_dict": "model.parameters",
    "RunResult": "model.runner",
    "run": "model.runner",
    "run_many": "model.runner",
    "STEERING_REGISTRY": "model.steering",
    "SteeringMode": "model.steering",
    "make_steering": "model.steering",
    "register_steering": "model.steering",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
