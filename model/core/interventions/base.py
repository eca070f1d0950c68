"""What every intervention is: the lifecycle, the registry, and how the workshop room applies one live.

Lifecycle of an intervention (submodel ``apply_interventions``, second in the step,
after the steering mode has set the week's levers):

* ``on_start(model)`` once, in the week ``start_week``;
* ``apply(model)`` every week from ``start_week`` until before ``end_week`` (or for
  ever): adjusts this week's levers, which the steering mode rewrites each week;
* ``on_end(model)`` once, in the week ``end_week`` (if it has one).

All starts and ends of a week run before any ``apply``, so a mid-run switch of
steering mode cannot wipe another intervention's adjustment of that week.

Before ``start_week`` an intervention changes nothing, so a run with it is identical,
week by week, to the same-seed run without it until then.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from model.core.schema import Text

if TYPE_CHECKING:
    from model.core.community import CommunityModel

INTERVENTION_REGISTRY: dict[str, type[Intervention]] = {}


def register_intervention[T: type[Intervention]](cls: T) -> T:
    """Class decorator: make an intervention available under ``cls.name``."""
    INTERVENTION_REGISTRY[cls.name] = cls
    return cls


def make_intervention(name: str, **kwargs: Any) -> Intervention:
    """Create the intervention registered under ``name`` with its settings.

    Raises:
        KeyError: No intervention has that name.
        TypeError: A setting is unknown to that intervention.
    """
    try:
        cls = INTERVENTION_REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown intervention {name!r}; known: {', '.join(INTERVENTION_REGISTRY)}") from None
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise TypeError(f"intervention {name!r} has no setting {unknown[0]!r}; settings: {', '.join(sorted(known))}")
    return cls(**kwargs)


@dataclass(frozen=True)
class LiveLever:
    """How the workshop room applies an intervention now (its setting with a ``slider`` is the one the room moves).

    Attributes:
        button: The button's text, in Dutch and English.
        decision: The decision's marker on the charts, in Dutch and English, with the settings as
            ``{placeholders}``.
        fixed: Settings the room's decision always has.

    """

    button: Text
    decision: Text
    fixed: dict[str, Any] = field(default_factory=dict)


@dataclass
class Intervention:
    """Base class: when it acts, and where.

    Attributes:
        start_week: First week in which it acts.
        end_week: Week in which it stops (``None``: never).
        neighbourhoods: Neighbourhood names it acts in (empty: the whole city).
    """

    name: ClassVar[str] = ""
    label: ClassVar[Text] = {}
    description: ClassVar[str] = ""
    live: ClassVar[LiveLever | None] = None
    start_week: int = 0
    end_week: int | None = None
    neighbourhoods: tuple[str, ...] = ()
    _started: bool = dataclasses.field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        """Refuse a text setting that is not one of the ``choices`` it is declared with (:func:`setting`).

        Raises:
            ValueError: Names the intervention, the setting, the value and the choices.
        """
        for f in dataclasses.fields(self):
            choices, value = f.metadata.get("choices"), getattr(self, f.name)
            if choices is not None and (not isinstance(value, str) or value not in choices):
                raise ValueError(f"{self.name}: {f.name} {value!r}; use one of {', '.join(choices)}")

    def transition(self, m: CommunityModel) -> None:
        """Run ``on_start`` once it is due (also when added after its start week), or ``on_end``."""
        if not self._started and self.active(m.week):
            self._started = True
            self.on_start(m)
        if self._started and self.end_week is not None and m.week == self.end_week:
            self.on_end(m)

    def active(self, week: int) -> bool:
        """True from ``start_week`` until before ``end_week``."""
        return week >= self.start_week and (self.end_week is None or week < self.end_week)

    def where(self, m: CommunityModel) -> np.ndarray:
        """Boolean mask of the neighbourhoods this intervention acts in."""
        if not self.neighbourhoods:
            return np.ones(m.n_nbh, dtype=bool)
        unknown = set(self.neighbourhoods) - set(m.nbh_names)
        if unknown:
            raise ValueError(f"{self.name}: unknown neighbourhood {sorted(unknown)[0]!r}; "
                             f"known: {', '.join(m.nbh_names)}")
        return np.isin(m.nbh_names, self.neighbourhoods)

    def on_start(self, m: CommunityModel) -> None:
        """Once, in the start week."""

    def apply(self, m: CommunityModel) -> None:
        """Every active week, after the steering mode has set the levers."""

    def on_end(self, m: CommunityModel) -> None:
        """Once, in the end week."""
