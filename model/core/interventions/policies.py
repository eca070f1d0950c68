"""The municipality's policies as interventions: steering switches, budgets, time rules, shocks (ODD 9.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from model.core.interventions.base import Intervention, LiveLever, register_intervention
from model.core.levers import SteeringProfile
from model.core.parameters import Parameters
from model.core.schema import Slider, Text, setting
from model.core.steering import STEERING_REGISTRY

if TYPE_CHECKING:
    from model.core.community import CommunityModel

#: Settings that set the same lever as a schema field share its unit, range and meaning.
_PROTECTED_SHARE = SteeringProfile.__dataclass_fields__["protected_share"]


@register_intervention
@dataclass
class SwitchSteering(Intervention):
    """The municipality switches to another steering mode."""

    name: ClassVar[str] = "switch_steering"
    label: ClassVar[Text] = {"en": "switch steering", "nl": "wissel sturing"}
    description: ClassVar[str] = "switch the municipality's steering mode"
    mode: str = setting("facilitating", label={"en": "steering mode", "nl": "sturingsstijl"}, unit="steering mode",
                        choices=STEERING_REGISTRY)

    def __post_init__(self) -> None:
        super().__post_init__()
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
    label: ClassVar[Text] = {"en": "close meeting places", "nl": "sluit ontmoetingsplekken"}
    description: ClassVar[str] = "cut the subsidy of meeting places (budget cut)"
    # A place closed by the room closes now, not after months of underfunding (the scenario
    # meeting_place_closures shows the slow budget-cut path).
    live: ClassVar[LiveLever | None] = LiveLever(
        button={"en": "Close meeting places now", "nl": "Sluit ontmoetingsplekken nu"},
        decision={"en": "close {share:.0%} of places", "nl": "sluit {share:.0%} van de plekken"},
        fixed={"immediate": True})
    share: float = setting(1.0, label={"en": "Share of meeting places", "nl": "Deel van de ontmoetingsplekken"},
                           unit="share", lo=0, hi=1, slider=Slider(0.25, 1.0, 0.25))
    immediate: bool = setting(False, label={"en": "close at once", "nl": "direct sluiten"}, unit="flag")
    reopen: bool = setting(False, label={"en": "reopen at the end", "nl": "heropenen aan het eind"}, unit="flag")

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
    label: ClassVar[Text] = {"en": "protect community time", "nl": "bescherm gemeenschapstijd"}
    description: ClassVar[str] = "protect a share of professionals' time for community work"
    live: ClassVar[LiveLever | None] = LiveLever(
        button={"en": "Protect community time", "nl": "Bescherm tijd voor gemeenschapswerk"},
        decision={"en": "protect {share:.0%} of time", "nl": "bescherm {share:.0%} van de tijd"})
    share: float = setting(0.3, label={"en": "Protected share of hours", "nl": "Beschermd deel van de uren"},
                           like=_PROTECTED_SHARE, slider=Slider(0.1, 0.8, 0.1))

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
    label: ClassVar[Text] = {"en": "citizen budget", "nl": "burgerbegroting"}
    description: ClassVar[str] = "give residents a budget of their own (burgerbegroting)"
    live: ClassVar[LiveLever | None] = LiveLever(
        button={"en": "Add a citizen budget", "nl": "Voeg een burgerbegroting toe"},
        decision={"en": "citizen budget EUR {eur_per_resident:.0f}", "nl": "burgerbegroting € {eur_per_resident:.0f}"})
    eur_per_resident: float = setting(10.0, label={"en": "EUR per adult per year",
                                                   "nl": "Euro per volwassene per jaar"},
                                      like=Parameters.__dataclass_fields__["citizen_budget_eur"],
                                      slider=Slider(5.0, 50.0, 5.0))

    def apply(self, m: CommunityModel) -> None:
        """Set the citizen budget lever."""
        m.levers.citizen_budget_eur[self.where(m)] = self.eur_per_resident


@register_intervention
@dataclass
class OutreachCampaign(Intervention):
    """Professionals spend a larger share of community time on outreach (outreachend werken)."""

    name: ClassVar[str] = "outreach_campaign"
    label: ClassVar[Text] = {"en": "outreach campaign", "nl": "outreachcampagne"}
    description: ClassVar[str] = "spend more community-work time on outreach"
    share: float = setting(0.6, label={"en": "share of community hours on outreach",
                                       "nl": "deel van de uren gemeenschapswerk aan outreach"},
                           unit="share", lo=0, hi=1)

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
    label: ClassVar[Text] = {"en": "admin load", "nl": "administratieve last"}
    description: ClassVar[str] = "scale the administrative load on initiatives"
    factor: float = setting(0.5, label={"en": "factor on the load", "nl": "factor op de last"},
                            like=SteeringProfile.__dataclass_fields__["accountability"])

    def apply(self, m: CommunityModel) -> None:
        """Scale the initiatives' accountability lever."""
        m.levers.initiative_accountability[self.where(m)] *= self.factor


@register_intervention
@dataclass
class DropInclusionDemand(Intervention):
    """Stop demanding that every initiative be for everyone (the inclusion cramp)."""

    name: ClassVar[str] = "drop_inclusion_demand"
    label: ClassVar[Text] = {"en": "drop inclusion demand", "nl": "schrap inclusie-eis"}
    description: ClassVar[str] = "drop the demand that initiatives include everyone"

    def apply(self, m: CommunityModel) -> None:
        """Set the inclusion demand to zero."""
        m.levers.inclusion_demand[self.where(m)] = 0.0


@register_intervention
@dataclass
class DemandShock(Intervention):
    """A temporary rise in need (e.g. a year of extra life events)."""

    name: ClassVar[str] = "demand_shock"
    label: ClassVar[Text] = {"en": "demand shock", "nl": "vraagschok"}
    description: ClassVar[str] = "a period of extra need"
    multiplier: float = setting(2.0, label={"en": "factor on life events", "nl": "factor op levensgebeurtenissen"},
                                like=Parameters.__dataclass_fields__["demand_multiplier"])

    def apply(self, m: CommunityModel) -> None:
        """Multiply the rate of life events."""
        m.levers.demand_multiplier[self.where(m)] *= self.multiplier


@register_intervention
@dataclass
class TimeRule(Intervention):
    """Set the professionals' time rule directly: protected community share and redeployment."""

    name: ClassVar[str] = "time_rule"
    label: ClassVar[Text] = {"en": "time rule", "nl": "tijdsregel"}
    description: ClassVar[str] = "set the professionals' time rule"
    protected_share: float = setting(0.0, label={"en": "protected share of hours", "nl": "beschermd deel van de uren"},
                                     like=_PROTECTED_SHARE)
    builders_do_casework: bool = setting(True, label={"en": "community builders do casework",
                                                      "nl": "opbouwwerkers doen casuswerk"},
                                         like=SteeringProfile.__dataclass_fields__["builders_do_casework"])

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
    label: ClassVar[Text] = {"en": "extra staff", "nl": "extra personeel"}
    description: ClassVar[str] = "add temporary district-team staff"
    share: float = setting(0.25, label={"en": "extra staff, share of the team",
                                        "nl": "extra personeel, deel van het team"},
                           like=SteeringProfile.__dataclass_fields__["capacity_response"])

    def apply(self, m: CommunityModel) -> None:
        """Keep the temporary staff at least ``share`` of the permanent team (the hiring rule may add more)."""
        w = self.where(m)
        post = m.hired_post[w]
        fte = np.maximum(m.pro_fte[post], self.share * m.team_fte[w])
        m.pro_fte[post] = fte
        for i, f in zip(post, fte, strict=True):
            m.professionals[i].fte = float(f)
