"""Settled cities: the state of a city after its burn-in, so that runs that share it need not repeat it.

Building a city and its burn-in (``burn_in_years`` under ``burn_in_steering``, before week 0) read the
parameters and the seed, not the run's own steering mode, its length or the other modes' lever
values, and no intervention acts before week 0. Runs that differ only there (the four steering modes
of a comparison on the same seed; sweep points that vary a mode's levers) start from the same settled
city. :func:`burn_in_inputs` names what the burn-in reads; :func:`save` and :func:`restore`
save and reload a model as it stands after the burn-in, so that a restored run gives the same bits
as one that built and settled its own city (``tests/test_settling.py`` checks this per mode).

Where settled cities are kept (in memory, on disk, with the code's digest in the key) is up to the
caller: :class:`model.core.community.CommunityModel` takes any :class:`SettledCities`.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from model.core.agent_rows import compact_registries, expand_registries
from model.core.memory import paused_collector
from model.core.steering import STEERING_REGISTRY, SteeringMode

if TYPE_CHECKING:
    from mesa import Model

    from model.core.interventions import Intervention
    from model.core.parameters import Parameters

#: What Mesa sets up in ``Model.__init__`` and building or the burn-in changes: the agents' registries
#: and the random-number generators. Every other attribute Mesa sets (its clock, event list, bound
#: ``step``) stays the new model's own.
MESA_STATE = ("_agents_by_type", "_all_agents", "agent_id_counter", "rng", "random")
#: The model's own attributes that a restored model takes from its caller, not from the settled city.
OWN = ("p", "seed", "interventions")


class SettledCities(Protocol):
    """Where settled cities are kept, by what their burn-in read (:func:`burn_in_inputs`)."""

    def reader(self, inputs: dict[str, Any]) -> BinaryIO | None:
        """The settled city for these inputs as an open file at its state (:func:`save`), or ``None``."""
        ...  # pragma: no cover - protocol

    def keep(self, inputs: dict[str, Any], write: Callable[[BinaryIO], None]) -> None:
        """Keep a settled city: ``write`` writes its state to the file given."""
        ...  # pragma: no cover - protocol


def _reads_own_profile_only(mode: type[SteeringMode]) -> bool:
    """True for a mode that only applies its own lever profile (the base class's ``start`` and ``set_levers``)."""
    return mode.start is SteeringMode.start and mode.set_levers is SteeringMode.set_levers


def burn_in_inputs(model_class: type[Model], params: Parameters, seed: int,
                   interventions: list[Intervention]) -> dict[str, Any] | None:
    """What building the city and its burn-in read, as plain data; ``None`` when it cannot be shared.

    Everything in the parameters except the run's length (``years``), its steering mode and, when the
    burn-in mode only applies its own lever profile, the other modes' profiles; the seed; the model's
    class. Not shared: a run without burn-in, or with an intervention that starts before week 0.
    """
    if params.burn_in_years <= 0 or any(iv.start_week < 0 for iv in interventions):
        return None
    plain = params.to_dict()
    del plain["years"], plain["steering_mode"]
    if _reads_own_profile_only(STEERING_REGISTRY[params.burn_in_steering]):
        plain["steering"] = {params.burn_in_steering: plain["steering"][params.burn_in_steering]}
    return {"model": f"{model_class.__module__}.{model_class.__qualname__}", "seed": seed, "parameters": plain}


class _Pickler(pickle.Pickler):
    """Pickles a model's state with the model itself (its agents point to it) as a reference."""

    def __init__(self, file: BinaryIO, model: Model) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.model = model

    def persistent_id(self, obj: Any) -> str | None:
        return "model" if obj is self.model else None


class _Unpickler(pickle.Unpickler):
    """Loads a settled state with every reference to the model pointing to the model being restored."""

    def __init__(self, file: BinaryIO, model: Model) -> None:
        super().__init__(file)
        self.model = model

    def persistent_load(self, pid: Any) -> Model:
        if pid != "model":
            raise pickle.UnpicklingError(f"unknown reference {pid!r} in a settled city")
        return self.model


def save(model: Model, mesa_attributes: set[str], file: BinaryIO) -> None:
    """Write the model's state after the burn-in to ``file`` (streamed: no second copy of a large city in memory).

    Args:
        model: The settled model (week 0, before its run's steering mode is adopted).
        mesa_attributes: The attributes Mesa's ``Model.__init__`` set (of those, only :data:`MESA_STATE`
            is kept).
        file: A binary file open for writing.
    """
    state = {k: v for k, v in vars(model).items()
             if (k not in mesa_attributes or k in MESA_STATE) and k not in OWN}
    state |= compact_registries(model) or {}  # the residents' agents as one block (agent_rows)
    _Pickler(file, model).dump(state)


def restore(model: Model, file: BinaryIO) -> None:
    """Give ``model`` (just made by Mesa's ``Model.__init__``, its own attributes set) a settled city's state.

    Raises:
        pickle.UnpicklingError, EOFError: The file does not hold a whole settled city (the model is unchanged).
    """
    with paused_collector():  # a city's agents and arrays: 0.5 against 0.1 s at 100,000 residents
        state = _Unpickler(file, model).load()
    expand_registries(model, state)
    vars(model).update(state)
