"""Steering modes of the municipality, as plug-ins found by name.

Lifecycle of a steering mode (see ``docs/ODD.md``, submodel ``steer``):

1. ``start(model)`` once, when the municipality adopts the mode (at set-up or mid-run);
2. ``set_levers(model)`` every week, first in the step: writes ``model.levers`` for
   every neighbourhood.

A mode only sets levers (accountability load, grants, meeting-place funding, the
professionals' time rule, takeover, inclusion demand, control); what follows from
them is up to the agents. A mode carries what the rest of the program needs to know about it:
its name in Dutch and English (``label``), a description, the default lever values of a fixed
mode (``profile``: the schema's ``steering.<mode>`` table starts from it) and the dashboard's
sliders for the schema parameters it reads (``sliders``). Add a mode by subclassing
:class:`SteeringMode` and decorating it with :func:`register_steering` (and describe it in
``docs/ODD.md``, section 9.1); the model's step, the scenario files, the dashboard and the
translations pick it up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from model.core.levers import SteeringProfile
from model.core.schema import Slider, Text
from model.core.time import WEEKS_PER_YEAR

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
    """Base class of a steering mode.

    Attributes:
        name: Its name in the registry, scenario files and the command line.
        label: Its name in Dutch and English, as the dashboard and reports show it.
        description: One line in English.
        profile: The lever values of a fixed mode, as the schema's defaults (``steering.<name>``); ``None`` for
            a mode that chooses among other modes' profiles.
        sliders: Dashboard sliders (start settings) for the schema parameters this mode reads, by name.

    """

    name: ClassVar[str] = ""
    label: ClassVar[Text] = {}
    description: ClassVar[str] = ""
    profile: ClassVar[SteeringProfile | None] = None
    sliders: ClassVar[dict[str, Slider]] = {}

    def start(self, model: CommunityModel) -> None:
        """Called once when the municipality adopts this mode."""

    def set_levers(self, model: CommunityModel) -> None:
        """Write this week's levers for every neighbourhood."""
        model.levers.set_profile(slice(None), self.name, model.p.steering[self.name])


@register_steering
class Facilitating(SteeringMode):
    """Follows the energy in society: light accountability, grants, protected community time."""

    name = "facilitating"
    label: ClassVar[Text] = {"en": "Facilitating", "nl": "Faciliterend"}
    description = "faciliterend: follows residents' energy with light rules, grants and protected community time"
    # Light rules, temporary start grants, places handed to residents, support for who comes forward, the
    # voorliggend veld first, little and slow extra staff, no bemoeizorg (docs/steering.md).
    profile = SteeringProfile(accountability=0.6, control=0.15, grant_prob=0.6, place_funding=1.0,
                              protected_share=0.3, inclusion_demand=0.0, community_split=(0.30, 0.40, 0.20, 0.10),
                              targeting=0.2, grant_weeks=104, place_self_managed=0.75, diversion=0.6,
                              bemoeizorg_share=0.0, capacity_response=0.1, capacity_lag_weeks=26.0)


@register_steering
class Framing(SteeringMode):
    """Kaderstellend: sets conditions, goals and inclusion demands with moderate accountability."""

    name = "framing"
    label: ClassVar[Text] = {"en": "Framing", "nl": "Kaderstellend"}
    description = "kaderstellend: conditions, goals and inclusion demands with moderate accountability"
    # Structural grants on conditions (reporting, inclusion), the schema's middle values otherwise.
    profile = SteeringProfile(grant_weeks=260)


@register_steering
class Enforcing(SteeringMode):
    """Dwingend en overnemend: casework first, heavy accountability, takes over struggling initiatives and places."""

    name = "enforcing"
    label: ClassVar[Text] = {"en": "Enforcing", "nl": "Dwingend"}
    description = "dwingend en overnemend: casework first, heavy accountability, takes over initiatives"
    # Casework first, standards and reporting, bemoeizorg, quick and large extra staff, takeover of struggling
    # initiatives and of places at risk, reach that seeks out the isolated (docs/steering.md).
    profile = SteeringProfile(accountability=1.25, control=0.9, grant_prob=0.15, place_funding=1.0,
                              protected_share=0.0, builders_do_casework=True, takeover_rate=0.05,
                              inclusion_demand=1.0, community_split=(0.25, 0.15, 0.05, 0.55), targeting=0.9,
                              grant_weeks=52, diversion=0.1, bemoeizorg_share=0.1, capacity_response=0.5,
                              capacity_lag_weeks=6.0)


@register_steering
class Layered(SteeringMode):
    """Gelaagd: chooses a fixed mode per neighbourhood from what the municipality observes.

    Every ``layered_review_weeks`` each neighbourhood is reviewed: where the waiting
    list exceeds ``layered_crisis_waiting`` residents per team FTE it enforces,
    where resident initiatives are plentiful (``layered_energy_initiatives`` per 1,000)
    it facilitates, elsewhere it frames.
    """

    name = "layered"
    label: ClassVar[Text] = {"en": "Layered", "nl": "Gelaagd"}
    description = "gelaagd: per neighbourhood facilitating, framing or enforcing, depending on the situation"
    # A workshop tries reviews from monthly to yearly; the schema allows up to ten years.
    sliders: ClassVar[dict[str, Slider]] = {"layered_review_weeks": Slider(
        4, WEEKS_PER_YEAR, 1,
        label={"en": "Layered: review every (weeks)", "nl": "Gelaagd: herziening elke (weken)"},
        help={"nl": "Hoe vaak de gelaagde sturing elke wijk opnieuw beoordeelt (weken)."})}

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


class ChosenPerNeighbourhood(Layered):
    """Per neighbourhood the profile its administrators chose (facilitating, framing or enforcing).

    Like the layered mode it applies one profile per neighbourhood, but people choose it (the
    intervention ``steer_neighbourhood``), not a review rule. It is adopted by that intervention, not
    by name, so it is not in the registry (a scenario or the dashboard cannot pick it on its own).
    """

    name = "per_neighbourhood"
    label: ClassVar[Text] = {"en": "Chosen per neighbourhood", "nl": "Per wijk gekozen"}
    description = "per neighbourhood the steering profile its administrators chose"
    sliders: ClassVar[dict[str, Slider]] = {}  # it reads no parameter of the layered mode

    def __init__(self, choice: np.ndarray) -> None:
        """Start from a profile name per neighbourhood."""
        self.choice = np.array(choice, dtype=object)

    @classmethod
    def following(cls, model: CommunityModel) -> ChosenPerNeighbourhood:
        """Each neighbourhood keeps the profile it has this week (framing where none was set yet)."""
        return cls(np.array([mode if mode in model.p.steering else "framing" for mode in model.levers.mode]))

    def start(self, model: CommunityModel) -> None:
        """Keep the choices; there are no reviews."""
        self.next_review = np.inf
