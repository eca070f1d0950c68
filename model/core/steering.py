"""Steering modes of the municipality, as plug-ins found by name.

Lifecycle of a steering mode (see ``docs/ODD.md``, submodel ``steer``):

1. ``start(model)`` once, when the municipality adopts the mode (at set-up or mid-run);
2. ``set_levers(model)`` every week, first in the step: writes ``model.levers`` for
   every neighbourhood.

A mode only sets levers (accountability load, grants, meeting-place funding, the
professionals' time rule, takeover, inclusion demand, control); what follows from
them is up to the agents. Add a mode by subclassing :class:`SteeringMode` and
decorating it with :func:`register_steering`; the model's step does not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from model.core.community import CommunityModel

STEERING_REGISTRY: dict[str, type[SteeringMode]] = {}


def register_steering[T: type[SteeringMode]](cls: T) -> T:
    """Class decorator: make a steering mode available under ``cls.name``."""
    STEERING_REGISTRY[cls.name] = cls
    return cls


def make_steering(name: str) -> SteeringMode:
    """Create the steering mode registered under ``name``.

    Raises:
        KeyError: No mode has that name.
    """
    try:
        return STEERING_REGISTRY[name]()
    except KeyError:
        raise KeyError(f"unknown steering mode {name!r}; known: {', '.join(STEERING_REGISTRY)}") from None


class SteeringMode:
    """Base class of a steering mode."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def start(self, model: CommunityModel) -> None:
        """Called once when the municipality adopts this mode."""

    def set_levers(self, model: CommunityModel) -> None:
        """Write this week's levers for every neighbourhood."""
        model.levers.set_profile(slice(None), self.name, model.p.steering[self.name])


@register_steering
class Facilitating(SteeringMode):
    """Follows the energy in society: light accountability, grants, protected community time."""

    name = "facilitating"
    description = "faciliterend: follows residents' energy with light rules, grants and protected community time"


@register_steering
class Framing(SteeringMode):
    """Kaderstellend: sets conditions, goals and inclusion demands with moderate accountability."""

    name = "framing"
    description = "kaderstellend: conditions, goals and inclusion demands with moderate accountability"


@register_steering
class Enforcing(SteeringMode):
    """Dwingend en overnemend: casework first, heavy accountability, takes over struggling initiatives."""

    name = "enforcing"
    description = "dwingend en overnemend: casework first, heavy accountability, takes over initiatives"


@register_steering
class Layered(SteeringMode):
    """Gelaagd: chooses a fixed mode per neighbourhood from what the municipality observes.

    Every ``layered_review_weeks`` each neighbourhood is reviewed: where the waiting
    list exceeds ``layered_crisis_waiting`` residents per team FTE it enforces,
    where resident initiatives are plentiful (``layered_energy_initiatives`` per 1,000)
    it facilitates, elsewhere it frames.
    """

    name = "layered"
    description = "gelaagd: per neighbourhood facilitating, framing or enforcing, depending on the situation"

    def start(self, model: CommunityModel) -> None:
        """Begin with framing everywhere; the first review follows at once."""
        self.choice = np.full(model.n_nbh, "framing", dtype=object)
        self.next_review = model.week

    def set_levers(self, model: CommunityModel) -> None:
        """Review the neighbourhoods when due, then apply each one's chosen profile."""
        if model.week >= self.next_review:
            self._review(model)
            self.next_review = model.week + model.p.layered_review_weeks
        for mode in ("facilitating", "framing", "enforcing"):
            where = self.choice == mode
            if where.any():
                model.levers.set_profile(where, mode, model.p.steering[mode])

    def _review(self, model: CommunityModel) -> None:
        p = model.p
        obs = model.observe_neighbourhoods()
        crisis = obs["waiting_per_team_fte"] > p.layered_crisis_waiting
        energy = obs["initiatives_per_1000"] >= p.layered_energy_initiatives
        self.choice = np.where(crisis, "enforcing", np.where(energy, "facilitating", "framing")).astype(object)
