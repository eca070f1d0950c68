"""Levers through which the people of a workshop room act on the city: interventions and one steering mode.

The workshop room (:mod:`model.workshop.room`) lets administrators, professionals and residents decide
from their own devices. Their decisions act through the model's levers and agents, never beside them:
what a lever already exists for goes through the existing plug-ins (``switch_steering``,
``citizen_budget``, ``close_meeting_places``, ``protect_community_time``); what had no lever yet is an
intervention here, registered like any other, so a scenario file can use it too:

* ``steer_neighbourhood`` - an administrator of one neighbourhood chooses its steering profile
  (through the steering mode :class:`ChosenPerNeighbourhood`);
* ``team_size`` - the district team's size in FTE per 1,000 adults, changed mid-run;
* ``community_time_split`` - how professionals split their community-work hours over connecting,
  initiative support, talent spotting and outreach;
* ``group_joins_initiative``, ``group_volunteers``, ``group_asks_for_help`` - what a representative
  group of residents of a neighbourhood does (a participant who plays a resident steers such a group,
  not one agent among thousands: ``docs/ODD.md`` section 9.3);
* ``award_citizen_budget`` - the outcome of a citizen-budget vote: one initiative is funded from the
  neighbourhood's citizen budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from model import submodels
from model.interventions import Intervention, register_intervention
from model.state import CASE_NONE, NO, need_level_of
from model.steering import Layered

if TYPE_CHECKING:
    from model.community import CommunityModel

#: What a resident group's members may do when they are in an initiative.
COMMITMENTS = ("core", "step_back")
#: Whom a resident group asks for help: its own ties (neighbours, family, friends) or the district team.
HELP_SOURCES = ("ties", "district_team")


class ChosenPerNeighbourhood(Layered):
    """Per neighbourhood the profile its administrators chose (facilitating, framing or enforcing).

    Like the layered mode it applies one profile per neighbourhood, but the choice is made by people
    (the intervention ``steer_neighbourhood``), not by a review rule. It is adopted by that
    intervention, not by name, so it is not in the steering registry.
    """

    name = "per_neighbourhood"
    description = "per neighbourhood the steering profile its administrators chose"

    def start(self, model: CommunityModel) -> None:
        """Begin with each neighbourhood's profile of this week (framing where none was set yet); never review."""
        self.choice = np.array([mode if mode in model.p.steering else "framing" for mode in model.levers.mode],
                               dtype=object)
        self.next_review = np.inf


@register_intervention
@dataclass
class SteerNeighbourhood(Intervention):
    """The administrators of the selected neighbourhoods choose their steering profile."""

    name: ClassVar[str] = "steer_neighbourhood"
    description: ClassVar[str] = "steer the selected neighbourhoods with another profile"
    mode: str = "facilitating"

    def on_start(self, m: CommunityModel) -> None:
        """Adopt the per-neighbourhood mode if needed, choose this profile here and re-steer now."""
        if self.mode not in m.p.steering:
            raise ValueError(f"steer_neighbourhood: {self.mode!r} is not a steering profile; "
                             f"use one of {', '.join(m.p.steering)}")
        if not isinstance(m.steering, ChosenPerNeighbourhood):
            m.steering = ChosenPerNeighbourhood()
            m.steering.start(m)
        m.steering.choice[self.where(m)] = self.mode
        submodels.steer(m)


@register_intervention
@dataclass
class TeamSize(Intervention):
    """The district team is resized: its FTE per 1,000 adults in the selected neighbourhoods.

    The hours of the team members there are scaled (more staff and more hours are the same in the
    model: each member splits a weekly budget); at ``end_week`` the old hours return.
    """

    name: ClassVar[str] = "team_size"
    description: ClassVar[str] = "resize the district team (FTE per 1,000 adults)"
    per_1000: float = 3.0
    _old_fte: np.ndarray = field(default=None, init=False, repr=False)

    def on_start(self, m: CommunityModel) -> None:
        """Scale the district-team members' FTE so that the team has ``per_1000`` FTE per 1,000 adults.

        Raises:
            ValueError: A selected neighbourhood has no district team to resize.
        """
        self._old_fte = m.pro_fte.copy()
        where = self.where(m)
        if (m.team_fte[where] <= 0).any():
            raise ValueError("team_size: a selected neighbourhood has no district team to resize")
        factor = self.per_1000 * m.nbh_size / 1000 / np.maximum(m.team_fte, 1e-12)
        scaled = m.pro_team & where[m.pro_nbh]
        self._set_fte(m, np.where(scaled, m.pro_fte * factor[m.pro_nbh], m.pro_fte))

    def on_end(self, m: CommunityModel) -> None:
        """Give the team its old hours back."""
        self._set_fte(m, self._old_fte)

    @staticmethod
    def _set_fte(m: CommunityModel, fte: np.ndarray) -> None:
        for pro, f in zip(m.professionals, fte, strict=True):
            pro.fte = float(f)
        m.pro_fte = np.asarray(fte, dtype=float).copy()
        m.team_fte = np.bincount(m.pro_nbh, m.pro_fte * m.pro_team, minlength=m.n_nbh)


@register_intervention
@dataclass
class CommunityTimeSplit(Intervention):
    """Professionals split their community-work hours as chosen (shares are normalised to one)."""

    name: ClassVar[str] = "community_time_split"
    description: ClassVar[str] = "split community-work hours over connecting, support, spotting and outreach"
    connecting: float = 0.25
    initiative_support: float = 0.25
    talent_spotting: float = 0.25
    outreach: float = 0.25

    def __post_init__(self) -> None:
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

    group_size: int = 10
    group_seed: int = 0

    def group(self, m: CommunityModel) -> np.ndarray:
        """Return the group's residents (sorted indices)."""
        residents = np.flatnonzero(self.where(m)[m.pop.nbh])
        rng = np.random.default_rng(self.group_seed)
        return np.sort(rng.choice(residents, size=min(self.group_size, len(residents)), replace=False))


def _open_initiatives(m: CommunityModel, nbh: int) -> np.ndarray:
    """Resident-run initiatives alive in neighbourhood ``nbh``."""
    ini = m.inits
    return np.flatnonzero(ini.alive & ~ini.taken_over & (ini.nbh == nbh))


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
    description: ClassVar[str] = "a group of residents joins an initiative"
    initiative: int = -1

    def on_start(self, m: CommunityModel) -> None:
        """Let the free members of the group join, once.

        Raises:
            ValueError: ``initiative`` is not a resident-run initiative alive where the group lives.
        """
        pop = m.pop
        who = self.group(m)
        free = who[(pop.member_of[who] < 0) & (need_level_of(pop.zrm, who) <= 2)]
        if self.initiative >= 0:
            k = self.initiative
            if k >= len(m.inits) or k not in _open_initiatives(m, m.inits.nbh[k]) or not self.where(m)[m.inits.nbh[k]]:
                raise ValueError(f"group_joins_initiative: initiative {k} is not a resident-run initiative "
                                 "alive in the group's neighbourhood")
            pop.member_of[free] = k
            return
        rng = np.random.default_rng(self.group_seed + 1)
        for b in np.unique(pop.nbh[free]):
            here = free[pop.nbh[free] == b]
            options = _open_initiatives(m, b)
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
    description: ClassVar[str] = "a group of residents steps into or out of initiatives' core"
    commitment: str = "core"

    def __post_init__(self) -> None:
        if self.commitment not in COMMITMENTS:
            raise ValueError(f"group_volunteers: commitment {self.commitment!r}; use one of {', '.join(COMMITMENTS)}")

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
    description: ClassVar[str] = "residents of a group with a need ask their ties or the district team"
    whom: str = "ties"

    def __post_init__(self) -> None:
        if self.whom not in HELP_SOURCES:
            raise ValueError(f"group_asks_for_help: whom {self.whom!r}; use one of {', '.join(HELP_SOURCES)}")

    def on_start(self, m: CommunityModel) -> None:
        """Go to the district team, once (``district_team``)."""
        if self.whom == "district_team":
            who = self._in_need(m)
            m.refer(who[m.pop.case_state[who] == CASE_NONE])

    def apply(self, m: CommunityModel) -> None:
        """Ask ties this week (``ties``)."""
        if self.whom == "ties":
            who = self._in_need(m)
            m.pop.prompted[who[m.pop.helper[who] == NO]] = True

    def _in_need(self, m: CommunityModel) -> np.ndarray:
        who = self.group(m)
        return who[need_level_of(m.pop.zrm, who) >= 1]


@register_intervention
@dataclass
class AwardCitizenBudget(Intervention):
    """A citizen-budget vote: one initiative is funded from the neighbourhood's citizen budget.

    In its start week, if the initiative's neighbourhood has a citizen budget (``citizen_budget_eur``
    above zero that week), the initiative becomes citizen-funded for ``grant_weeks``: a grant without
    reporting load that adds to autonomy and trust (``initiative_lifecycle``, ``update_motivation``).
    With ``initiative = -1`` the largest resident-run initiative of each selected neighbourhood wins.
    """

    name: ClassVar[str] = "award_citizen_budget"
    description: ClassVar[str] = "fund an initiative from the citizen budget (the vote's outcome)"
    initiative: int = -1

    def apply(self, m: CommunityModel) -> None:
        """Fund the initiative in the start week (after the week's citizen-budget lever is set)."""
        if m.week != self.start_week:
            return
        ini, where = m.inits, self.where(m)
        if self.initiative >= 0:
            winners = [self.initiative] if self.initiative < len(ini) else []
        else:
            winners = [int(max(ks, key=lambda k: ini.n_members[k])) for b in np.flatnonzero(where)
                       if len(ks := _open_initiatives(m, b))]
        for k in winners:
            b = ini.nbh[k]
            if ini.alive[k] and not ini.taken_over[k] and where[b] and m.levers.citizen_budget_eur[b] > 0:
                ini.citizen_funded[k] = True
                ini.grant_weeks_left[k] = m.p.grant_weeks
