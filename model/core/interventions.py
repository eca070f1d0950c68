"""Timed policy interventions, as plug-ins found by name.

Lifecycle of an intervention (submodel ``apply_interventions``, second in the step,
after the steering mode has set the week's levers):

* ``on_start(model)`` once, in the week ``start_week``;
* ``apply(model)`` every week from ``start_week`` until before ``end_week`` (or for
  ever): adjusts this week's levers, which the steering mode rewrites each week;
* ``on_end(model)`` once, in the week ``end_week`` (if it has one).

All starts and ends of a week run before any ``apply``, so a mid-run switch of
steering mode cannot wipe another intervention's adjustment of that week.

Before ``start_week`` an intervention changes nothing, so a run with it is identical,
week by week, to the same-seed run without it until then. Add one by subclassing
:class:`Intervention` (a dataclass) and decorating it with :func:`register_intervention`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

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


@dataclass
class Intervention:
    """Base class: when it acts, and where.

    Attributes:
        start_week: First week in which it acts.
        end_week: Week in which it stops (``None``: never).
        neighbourhoods: Neighbourhood names it acts in (empty: the whole city).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    start_week: int = 0
    end_week: int | None = None
    neighbourhoods: tuple[str, ...] = ()
    _started: bool = dataclasses.field(default=False, init=False, repr=False)

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


@register_intervention
@dataclass
class SwitchSteering(Intervention):
    """The municipality switches to another steering mode."""

    name: ClassVar[str] = "switch_steering"
    description: ClassVar[str] = "switch the municipality's steering mode"
    mode: str = "facilitating"

    def __post_init__(self) -> None:
        if self.neighbourhoods:
            raise ValueError("switch_steering acts city-wide; for steering per neighbourhood use the layered mode")

    def on_start(self, m: CommunityModel) -> None:
        """Adopt the new mode now."""
        m.set_steering_mode(self.mode)


@register_intervention
@dataclass
class CloseMeetingPlaces(Intervention):
    """A budget cut: the subsidy of a share of meeting places stops (they close after underfunding).

    With ``immediate`` they close at once. At ``end_week`` the subsidy returns (closed
    places stay closed unless ``reopen``).
    """

    name: ClassVar[str] = "close_meeting_places"
    description: ClassVar[str] = "cut the subsidy of meeting places (budget cut)"
    share: float = 1.0
    immediate: bool = False
    reopen: bool = False

    def on_start(self, m: CommunityModel) -> None:
        """Cut the subsidy of ``share`` of the places in the selected neighbourhoods (rounded half up).

        The cut falls on the neighbourhoods in turn (each one's first place, then each one's
        second, ...), so a cut of half the places in a city with one place per neighbourhood
        closes the places of half the neighbourhoods.
        """
        pl = m.places
        chosen = np.flatnonzero(self.where(m)[pl.nbh])
        nth = chosen - np.searchsorted(pl.nbh, pl.nbh[chosen])  # places are stored by neighbourhood
        in_turn = chosen[np.lexsort((pl.nbh[chosen], nth))]
        self._cut = np.zeros(len(pl), dtype=bool)
        self._cut[in_turn[: int(self.share * len(chosen) + 0.5)]] = True
        pl.subsidy_share[self._cut] = 0.0
        if self.immediate:
            pl.open[self._cut] = False

    def on_end(self, m: CommunityModel) -> None:
        """Restore the subsidy."""
        m.places.subsidy_share[self._cut] = 1.0
        if self.reopen:
            m.places.open[self._cut] = True
            m.places.underfunded_weeks[self._cut] = 0


@register_intervention
@dataclass
class ProtectCommunityTime(Intervention):
    """Professionals get a protected share of their hours for community work."""

    name: ClassVar[str] = "protect_community_time"
    description: ClassVar[str] = "protect a share of professionals' time for community work"
    share: float = 0.3

    def apply(self, m: CommunityModel) -> None:
        """Raise the protected share to at least ``share``."""
        w = self.where(m)
        m.levers.protected_share[w] = np.maximum(m.levers.protected_share[w], self.share)
        m.levers.builders_do_casework[w] = False


@register_intervention
@dataclass
class CitizenBudget(Intervention):
    """A burgerbegroting: residents allocate a budget to initiatives and meeting places."""

    name: ClassVar[str] = "citizen_budget"
    description: ClassVar[str] = "give residents a budget of their own (burgerbegroting)"
    eur_per_resident: float = 10.0

    def apply(self, m: CommunityModel) -> None:
        """Set the citizen budget lever."""
        m.levers.citizen_budget_eur[self.where(m)] = self.eur_per_resident


@register_intervention
@dataclass
class OutreachCampaign(Intervention):
    """Professionals spend a larger share of community time on outreach (outreachend werken)."""

    name: ClassVar[str] = "outreach_campaign"
    description: ClassVar[str] = "spend more community-work time on outreach"
    share: float = 0.6

    def apply(self, m: CommunityModel) -> None:
        """Raise the outreach share of community hours; the other activities shrink in proportion."""
        w = self.where(m)
        split = m.levers.community_split[w]
        rest = split[:, :3].sum(axis=1, keepdims=True)
        split[:, :3] = np.where(rest > 0, split[:, :3] / np.maximum(rest, 1e-12), 1 / 3) * (1 - self.share)
        split[:, 3] = self.share
        m.levers.community_split[w] = split


@register_intervention
@dataclass
class AdminLoad(Intervention):
    """Change the administrative (accountability) load on resident initiatives."""

    name: ClassVar[str] = "admin_load"
    description: ClassVar[str] = "scale the administrative load on initiatives"
    factor: float = 0.5

    def apply(self, m: CommunityModel) -> None:
        """Scale the initiatives' accountability lever."""
        m.levers.initiative_accountability[self.where(m)] *= self.factor


@register_intervention
@dataclass
class DropInclusionDemand(Intervention):
    """Stop demanding that every initiative be for everyone (the inclusion cramp)."""

    name: ClassVar[str] = "drop_inclusion_demand"
    description: ClassVar[str] = "drop the demand that initiatives include everyone"

    def apply(self, m: CommunityModel) -> None:
        """Set the inclusion demand to zero."""
        m.levers.inclusion_demand[self.where(m)] = 0.0


@register_intervention
@dataclass
class DemandShock(Intervention):
    """A temporary rise in need (e.g. a year of extra life events)."""

    name: ClassVar[str] = "demand_shock"
    description: ClassVar[str] = "a period of extra need"
    multiplier: float = 2.0

    def apply(self, m: CommunityModel) -> None:
        """Multiply the rate of life events."""
        m.levers.demand_multiplier[self.where(m)] *= self.multiplier


@register_intervention
@dataclass
class TimeRule(Intervention):
    """Set the professionals' time rule directly: protected community share and redeployment."""

    name: ClassVar[str] = "time_rule"
    description: ClassVar[str] = "set the professionals' time rule"
    protected_share: float = 0.0
    builders_do_casework: bool = True

    def apply(self, m: CommunityModel) -> None:
        """Overwrite the time-rule levers."""
        w = self.where(m)
        m.levers.protected_share[w] = self.protected_share
        m.levers.builders_do_casework[w] = self.builders_do_casework


@register_intervention
@dataclass
class ExtraStaff(Intervention):
    """The municipality adds temporary district-team staff for a period, whatever the waits (extra capacity)."""

    name: ClassVar[str] = "extra_staff"
    description: ClassVar[str] = "add temporary district-team staff"
    share: float = 0.25

    def apply(self, m: CommunityModel) -> None:
        """Keep the temporary staff at least ``share`` of the permanent team (the hiring rule may add more)."""
        w = self.where(m)
        post = m.hired_post[w]
        fte = np.maximum(m.pro_fte[post], self.share * m.team_fte[w])
        m.pro_fte[post] = fte
        for i, f in zip(post, fte, strict=True):
            m.professionals[i].fte = float(f)
