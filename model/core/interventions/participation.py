"""What people in a workshop room do where no lever existed yet, as interventions (ODD 9.2 and 9.3).

The workshop room (:mod:`model.workshop.room`) lets administrators, professionals and residents act
on the city through the model's levers; these plug-ins are the levers that were missing. Each is an
intervention like the others, so a scenario file can use it too: administrators of a neighbourhood
choose its steering profile (``steer_neighbourhood``) and resize the district team (``team_size``);
professionals split their community hours (``community_time_split``) and choose which initiatives to
support (``support_initiatives``); a representative group of residents starts, joins or commits to an
initiative or asks for help (``group_*``), and a citizen-budget vote funds an initiative
(``award_citizen_budget``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

# The engine (model.core.city, state, submodels: numba) is imported where it is used, so that reading, listing and
# showing scenarios (which registers these plug-ins) does not load it.
from model.core.interventions.base import Intervention, register_intervention
from model.core.parameters import INITIATIVE_KINDS, Parameters
from model.core.schema import Text, setting
from model.core.steering import STEERING_REGISTRY, ChosenPerNeighbourhood

if TYPE_CHECKING:
    from model.core.community import CommunityModel

#: What a resident group's members may do when they are in an initiative.
COMMITMENTS = ("core", "step_back")
#: Whom a resident group asks for help: its own ties (neighbours, family, friends) or the district team.
HELP_SOURCES = ("ties", "district_team")
#: The steering modes with a profile of their own: what the administrators of a neighbourhood choose from.
STEERING_PROFILES = tuple(name for name, mode in STEERING_REGISTRY.items() if mode.profile is not None)


@register_intervention
@dataclass
class SteerNeighbourhood(Intervention):
    """The administrators of the selected neighbourhoods choose their steering profile."""

    name: ClassVar[str] = "steer_neighbourhood"
    label: ClassVar[Text] = {"en": "steering of a neighbourhood", "nl": "sturing van een wijk"}
    description: ClassVar[str] = "steer the selected neighbourhoods with another profile"
    mode: str = setting("facilitating", label={"en": "steering profile", "nl": "sturingsprofiel"},
                        unit="steering mode", choices=STEERING_PROFILES)

    def on_start(self, m: CommunityModel) -> None:
        """Steer per neighbourhood (each keeping its profile), choose this profile here, and re-steer now.

        Raises:
            ValueError: ``mode`` is not one of the steering profiles.
        """
        if self.mode not in m.p.steering:
            raise ValueError(f"steer_neighbourhood: {self.mode!r} is not a steering profile; "
                             f"use one of {', '.join(m.p.steering)}")
        steering = m.steering if isinstance(m.steering, ChosenPerNeighbourhood) else ChosenPerNeighbourhood.following(m)
        steering.choice[self.where(m)] = self.mode
        m.set_steering_mode(steering)


@register_intervention
@dataclass
class TeamSize(Intervention):
    """The district team is resized: its FTE per 1,000 adults in the selected neighbourhoods.

    The hours of the team members there are scaled (more staff and more hours are the same in the
    model: each member splits a weekly budget); at ``end_week`` the old hours return.
    """

    name: ClassVar[str] = "team_size"
    label: ClassVar[Text] = {"en": "team size", "nl": "omvang wijkteam"}
    description: ClassVar[str] = "resize the district team (FTE per 1,000 adults)"
    per_1000: float = setting(3.0, label={"en": "district team, FTE per 1,000 adults",
                                          "nl": "wijkteam, fte per 1.000 volwassenen"},
                              like=Parameters.__dataclass_fields__["team_per_1000"])
    _scaled: np.ndarray | None = dataclasses.field(default=None, init=False, repr=False)
    _old_fte: np.ndarray | None = dataclasses.field(default=None, init=False, repr=False)

    def on_start(self, m: CommunityModel) -> None:
        """Scale the permanent district-team members' FTE so that the team has ``per_1000`` FTE per 1,000 adults.

        Temporary staff on the hired posts are left to the hiring rule (which follows the team's new size).

        Raises:
            ValueError: A selected neighbourhood has no district team to resize.
        """
        where = self.where(m)
        if (m.team_fte[where] <= 0).any():
            raise ValueError("team_size: a selected neighbourhood has no district team to resize")
        self._scaled = np.flatnonzero(m.pro_team & ~m.pro_hired & where[m.pro_nbh])
        self._old_fte = m.pro_fte[self._scaled].copy()
        factor = self.per_1000 * m.nbh_size / 1000 / np.maximum(m.team_fte, 1e-12)
        self._set_fte(m, self._old_fte * factor[m.pro_nbh[self._scaled]])

    def on_end(self, m: CommunityModel) -> None:
        """Give the team its old hours back."""
        self._set_fte(m, self._old_fte)

    def _set_fte(self, m: CommunityModel, fte: np.ndarray) -> None:
        from model.core.city import count_fte

        for i, f in zip(self._scaled, fte, strict=True):
            m.professionals[i].fte = float(f)
        count_fte(m, m.professionals)


@register_intervention
@dataclass
class CommunityTimeSplit(Intervention):
    """Professionals split their community-work hours as chosen (shares are normalised to one)."""

    name: ClassVar[str] = "community_time_split"
    label: ClassVar[Text] = {"en": "split of community time", "nl": "verdeling gemeenschapstijd"}
    description: ClassVar[str] = "split community-work hours over connecting, support, spotting and outreach"
    connecting: float = setting(0.25, label={"en": "connecting", "nl": "verbinden"}, unit="share", lo=0, hi=1)
    initiative_support: float = setting(0.25, label={"en": "initiative support", "nl": "initiatieven ondersteunen"},
                                        unit="share", lo=0, hi=1)
    talent_spotting: float = setting(0.25, label={"en": "talent spotting", "nl": "talenten spotten"},
                                     unit="share", lo=0, hi=1)
    outreach: float = setting(0.25, label={"en": "outreach", "nl": "outreach"}, unit="share", lo=0, hi=1)

    def __post_init__(self) -> None:
        super().__post_init__()
        parts = self.shares()
        if (parts < 0).any() or not np.isfinite(parts).all() or parts.sum() <= 0:
            raise ValueError("community_time_split: the four shares must be zero or more, and not all zero")

    def shares(self) -> np.ndarray:
        """The four shares as given, in the order of the lever ``community_split``."""
        return np.array([self.connecting, self.initiative_support, self.talent_spotting, self.outreach], dtype=float)

    def apply(self, m: CommunityModel) -> None:
        """Set the community split lever."""
        parts = self.shares()
        m.levers.community_split[self.where(m)] = parts / parts.sum()


@dataclass
class ResidentGroup(Intervention):
    """Base of what a representative group of residents does.

    The group is ``group_size`` residents drawn at random from the selected neighbourhoods by a
    generator of its own (``group_seed``), never the model's, so that forming a group changes nothing
    else in the run. Residents are stored by their place in the city, and a newcomer takes a leaver's
    place: the group is a set of households, whoever lives there.
    """

    group_size: int = setting(10, label={"en": "residents in the group", "nl": "bewoners in de groep"},
                              unit="residents", lo=1, hi=10_000)
    group_seed: int = setting(0, label={"en": "seed of the group", "nl": "seed van de groep"}, unit="seed", lo=0)

    def group(self, m: CommunityModel) -> np.ndarray:
        """Return the group's residents (sorted indices)."""
        residents = np.flatnonzero(self.where(m)[m.pop.nbh])
        rng = np.random.default_rng(self.group_seed)
        return np.sort(rng.choice(residents, size=min(self.group_size, len(residents)), replace=False))


def _resident_run(m: CommunityModel, nbh: int) -> np.ndarray:
    """Resident-run initiatives alive in neighbourhood ``nbh``."""
    ini = m.inits
    return np.flatnonzero(ini.alive & ~ini.taken_over & (ini.nbh == nbh))


@register_intervention
@dataclass
class SupportInitiatives(Intervention):
    """Professionals choose which initiatives get their initiative-support hours.

    Every active week the support hours of the selected neighbourhoods go to the chosen initiatives
    (slot numbers; only initiatives founded by ``start_week`` count, so a slot reused later is not
    one of them), in equal parts, instead of to all resident-run initiatives there; where none of the
    chosen is still alive, all share again. At ``end_week`` all share again.
    """

    name: ClassVar[str] = "support_initiatives"
    label: ClassVar[Text] = {"en": "support chosen initiatives", "nl": "steun gekozen initiatieven"}
    description: ClassVar[str] = "focus professionals' initiative support on chosen initiatives"
    initiatives: tuple[int, ...] = setting((), label={"en": "initiatives (slots)", "nl": "initiatieven (plaatsen)"},
                                           unit="initiative slots")

    def apply(self, m: CommunityModel) -> None:
        """Give the chosen initiatives the support weight, the others none."""
        ini = m.inits
        chosen = np.zeros(len(ini), dtype=bool)
        slots = [k for k in self.initiatives if 0 <= k < len(ini)]
        chosen[slots] = ini.founded[slots] <= self.start_week
        for b in np.flatnonzero(self.where(m)):
            here = _resident_run(m, b)
            focus = chosen[here]
            ini.support_weight[here] = focus if focus.any() else 1.0

    def on_end(self, m: CommunityModel) -> None:
        """All initiatives of the selected neighbourhoods share the support again."""
        m.inits.support_weight[self.where(m)[m.inits.nbh]] = 1.0


@register_intervention
@dataclass
class GroupFoundsInitiative(ResidentGroup):
    """A group of residents founds an initiative of a chosen kind in their neighbourhood.

    The founder is a member of the group in no initiative with at most a light need (as founders must,
    ``initiative_lifecycle``), an organiser if the group has one; the group's other members in no
    initiative with at most a moderate need form the founding core with the founder. Nothing happens
    when nobody in the group can found or the neighbourhood has its maximum of initiatives
    (``max_initiatives_per_1000``). Once, in the start week.
    """

    name: ClassVar[str] = "group_founds_initiative"
    label: ClassVar[Text] = {"en": "residents start an initiative", "nl": "bewoners beginnen een initiatief"}
    description: ClassVar[str] = "a group of residents founds an initiative"
    kind: str = setting("meeting_activity", label={"en": "kind of initiative", "nl": "soort initiatief"},
                        unit="initiative kind", choices=INITIATIVE_KINDS)

    def on_start(self, m: CommunityModel) -> None:
        """Found the initiative, if someone in the group can."""
        from model.core.state import ORGANISING_TALENT, need_level_of
        from model.core.submodels.founding import free_slot, seat_founders, start_initiative

        pop, ini, p = m.pop, m.inits, m.p
        who = self.group(m)
        level = need_level_of(pop.zrm, who)
        free = who[(pop.member_of[who] < 0) & (level <= 2)]
        able = who[(pop.member_of[who] < 0) & (level <= 1)]
        b = pop.nbh[who[0]] if len(who) else 0
        if not len(able) or (ini.alive & (ini.nbh == b)).sum() >= p.max_initiatives_per_1000 * m.nbh_size[b] / 1000:
            return
        organisers = able[pop.talents[able, ORGANISING_TALENT]]
        founder = int((organisers if len(organisers) else able)[0])
        places = np.flatnonzero(m.places.open & (m.places.nbh == b))
        k = free_slot(m)
        start_initiative(m, k, founder, INITIATIVE_KINDS.index(self.kind), places)
        seat_founders(m, k, founder, free[free != founder])


@register_intervention
@dataclass
class GroupJoinsInitiative(ResidentGroup):
    """A group of residents joins an initiative of their neighbourhood.

    Members of the group who are in no initiative and have no more than a moderate need (as recruits
    must, ``initiative_lifecycle``) join ``initiative`` (a slot number, checked to be a resident-run
    initiative alive in the group's neighbourhood), or with ``initiative = -1`` each one of the
    resident-run initiatives of their own neighbourhood at random (the group's generator).
    """

    name: ClassVar[str] = "group_joins_initiative"
    label: ClassVar[Text] = {"en": "residents join an initiative", "nl": "bewoners sluiten aan bij een initiatief"}
    description: ClassVar[str] = "a group of residents joins an initiative"
    initiative: int = setting(-1, label={"en": "initiative (slot; -1: any)", "nl": "initiatief (plaats; -1: elk)"},
                              unit="initiative slot", lo=-1)

    def on_start(self, m: CommunityModel) -> None:
        """Let the free members of the group join, once.

        Raises:
            ValueError: ``initiative`` is not a resident-run initiative alive where the group lives.
        """
        from model.core.state import need_level_of

        pop = m.pop
        who = self.group(m)
        free = who[(pop.member_of[who] < 0) & (need_level_of(pop.zrm, who) <= 2)]
        if self.initiative >= 0:
            k = self.initiative
            if k >= len(m.inits) or k not in _resident_run(m, m.inits.nbh[k]) or not self.where(m)[m.inits.nbh[k]]:
                raise ValueError(f"group_joins_initiative: initiative {k} is not a resident-run initiative "
                                 "alive in the group's neighbourhood")
            pop.member_of[free] = k
            return
        rng = np.random.default_rng(self.group_seed + 1)
        for b in np.unique(pop.nbh[free]):
            here = free[pop.nbh[free] == b]
            options = _resident_run(m, b)
            if len(options):
                pop.member_of[here] = rng.choice(options, len(here))


@register_intervention
@dataclass
class GroupVolunteers(ResidentGroup):
    """A group of residents changes its commitment to the initiatives its members are in.

    ``core``: the group's members of resident-run initiatives step into the core (they then give the
    core volunteers' hours, ``core_hours``, and share the initiative's load); ``step_back``: they leave
    the core and stay ordinary members (who lend a hand now and then). Once; burnout and stepping up
    go on by the model's own rules afterwards.
    """

    name: ClassVar[str] = "group_volunteers"
    label: ClassVar[Text] = {"en": "residents give time", "nl": "bewoners geven tijd"}
    description: ClassVar[str] = "a group of residents steps into or out of initiatives' core"
    commitment: str = setting("core", label={"en": "commitment", "nl": "inzet"}, unit="commitment",
                              choices=COMMITMENTS)

    def on_start(self, m: CommunityModel) -> None:
        """Move the group's members into or out of the core."""
        pop, ini = m.pop, m.inits
        who = self.group(m)
        k = pop.member_of[who]
        members = who[(k >= 0) & ~ini.taken_over[np.maximum(k, 0)]]
        pop.core[members] = self.commitment == "core"


@register_intervention
@dataclass
class GroupAsksForHelp(ResidentGroup):
    """Residents of a group who have a need ask for help.

    ``ties``: every week while active, those with a need and no helper yet are prompted to ask their
    own ties (as outreach prompts them; ``informal_help``); ``district_team``: once, those with a need
    and no case go to the front desk and join the waiting list.
    """

    name: ClassVar[str] = "group_asks_for_help"
    label: ClassVar[Text] = {"en": "residents ask for help", "nl": "bewoners vragen hulp"}
    description: ClassVar[str] = "residents of a group with a need ask their ties or the district team"
    whom: str = setting("ties", label={"en": "whom they ask", "nl": "aan wie"}, unit="helper", choices=HELP_SOURCES)

    def on_start(self, m: CommunityModel) -> None:
        """Go to the district team, once (``district_team``)."""
        from model.core.state import CASE_NONE
        from model.core.submodels.needs import refer

        if self.whom == "district_team":
            who = self._in_need(m)
            refer(m, who[m.pop.case_state[who] == CASE_NONE])

    def apply(self, m: CommunityModel) -> None:
        """Ask ties this week (``ties``)."""
        from model.core.state import NO

        if self.whom == "ties":
            who = self._in_need(m)
            m.pop.prompted[who[m.pop.helper[who] == NO]] = True

    def _in_need(self, m: CommunityModel) -> np.ndarray:
        from model.core.state import need_level_of

        who = self.group(m)
        return who[need_level_of(m.pop.zrm, who) >= 1]


@register_intervention
@dataclass
class AwardCitizenBudget(Intervention):
    """A citizen-budget vote: one initiative is funded from the neighbourhood's citizen budget.

    In its start week, if the initiative's neighbourhood has a citizen budget (``citizen_budget_eur``
    above zero that week), the initiative becomes citizen-funded for the steering mode's ``grant_weeks``:
    a grant without reporting load that adds to autonomy and trust (``initiative_lifecycle``,
    ``update_motivation``).
    With ``initiative = -1`` the largest resident-run initiative of each selected neighbourhood wins.
    """

    name: ClassVar[str] = "award_citizen_budget"
    label: ClassVar[Text] = {"en": "citizen-budget vote", "nl": "stemming burgerbegroting"}
    description: ClassVar[str] = "fund an initiative from the citizen budget (the vote's outcome)"
    initiative: int = setting(-1, label={"en": "initiative (slot; -1: the largest)",
                                         "nl": "initiatief (plaats; -1: het grootste)"}, unit="initiative slot", lo=-1)

    def apply(self, m: CommunityModel) -> None:
        """Fund the initiative in the start week (after the week's citizen-budget lever is set)."""
        if m.week != self.start_week:
            return
        ini, where = m.inits, self.where(m)
        if self.initiative >= 0:
            winners = [self.initiative] if self.initiative < len(ini) else []
        else:
            winners = [int(max(ks, key=lambda k: ini.n_members[k])) for b in np.flatnonzero(where)
                       if len(ks := _resident_run(m, b))]
        for k in winners:
            b = ini.nbh[k]
            if ini.alive[k] and not ini.taken_over[k] and where[b] and m.levers.citizen_budget_eur[b] > 0:
                ini.citizen_funded[k] = True
                ini.grant_weeks_left[k] = m.levers.grant_weeks[b]  # as long as the steering mode's grants
