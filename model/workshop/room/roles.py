"""Roles of the workshop room, what each decides, how shared decisions are voted, and what they change.

Three kinds of role act at the three levels the seed texts name:

* ``administrator`` (wethouder / bestuurder), for the whole city or one per neighbourhood: the steering
  mode, the citizen budget, the share of meeting places funded, the size of the district team and
  the protected time for community work;
* ``professional`` (wijkteamprofessional / opbouwwerker) of a neighbourhood: how community-work hours
  are split (connecting, supporting initiatives, spotting talents, outreach to residents who do not ask)
  and which initiatives to support;
* ``resident`` (bewoner) of a neighbourhood: each one speaks for a representative group of residents
  there, which can start or join an initiative, step into or out of an initiative's core, and ask for help;
  together the residents of a neighbourhood vote where its citizen budget goes.

A role has a number of seats. A *shared* item is voted by everyone holding the role: a choice goes to
the option with the most votes (a tie keeps the current value when it is among the tied, otherwise the
first tied option in the list), a number to the median vote (the lower middle one for an even number
of votes, so the outcome is always somebody's vote). A *personal* item is each resident's own, for
their own group. :func:`resolve` turns a round's votes into :class:`~model.workshop.room.city.Action`
objects through the model's levers (the interventions for people in a workshop room in
:mod:`model.core.interventions.participation` where none existed).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from model.core.interventions import COMMITMENTS, HELP_SOURCES
from model.core.parameters import INITIATIVE_KINDS
from model.messages import msg
from model.workshop.room.city import Action, CityView
from model.workshop.session import STEERING_MODES
from model.workshop.sliders import KEY_LEVERS

KINDS = ("administrator", "professional", "resident")
CITY = "city"

#: The four activities of community work, in the order of the lever ``community_split``.
SPLIT_PARTS = ("connecting", "initiative_support", "talent_spotting", "outreach")


@dataclass(frozen=True)
class RoomLayout:
    """How many seats each role has, and whether administrators act for the city or per neighbourhood.

    The defaults seat 27 people in a city of four neighbourhoods with city-wide administrators
    (3 + 4 x (2 + 4)): a workshop of about 25 with a little room to spare.

    Attributes:
        administrators: ``"city"`` (one administrator role for the whole city) or ``"neighbourhood"``.
        administrator_seats: Seats per administrator role.
        professional_seats: Professional seats per neighbourhood.
        resident_seats: Resident seats per neighbourhood.
        group_share: Share of a neighbourhood's adults one resident participant speaks for.
        group_min: The smallest group one resident participant speaks for.

    """

    administrators: str = CITY
    administrator_seats: int = 3
    professional_seats: int = 2
    resident_seats: int = 4
    # A street's worth of households: 2% of a 500-adult neighbourhood is 10 residents (assumption).
    group_share: float = 0.02
    group_min: int = 5

    def __post_init__(self) -> None:
        # Each message names the field first ({name}): the command line says it as its option (--resident-seats).
        if self.administrators not in (CITY, "neighbourhood"):
            raise ValueError(msg("room.layout_administrators", name="administrators", value=self.administrators))
        for name in ("administrator_seats", "professional_seats", "resident_seats"):
            if not 0 <= getattr(self, name) <= 50:
                raise ValueError(msg("room.layout_seats", name=name, seats=getattr(self, name)))
        if not 0 < self.group_share <= 0.5:
            raise ValueError(msg("room.layout_group_share", name="group_share", value=self.group_share))

    def to_json(self) -> dict[str, Any]:
        """Return the layout as plain JSON data."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Role:
    """A role: a kind of participant for the whole city or one neighbourhood, with its seats."""

    kind: str
    neighbourhood: str
    seats: int

    @property
    def key(self) -> str:
        """Unique key, e.g. ``"administrator@city"`` or ``"resident@urban_young"``."""
        return f"{self.kind}@{self.neighbourhood}"


def make_roles(layout: RoomLayout, nbh_names: tuple[str, ...]) -> tuple[Role, ...]:
    """The room's roles, administrators first, then per neighbourhood its professionals and residents."""
    roles = []
    if layout.administrators == CITY:
        roles.append(Role("administrator", CITY, layout.administrator_seats))
    else:
        roles += [Role("administrator", n, layout.administrator_seats) for n in nbh_names]
    for n in nbh_names:
        roles += [Role("professional", n, layout.professional_seats), Role("resident", n, layout.resident_seats)]
    return tuple(r for r in roles if r.seats > 0)


@dataclass(frozen=True)
class Item:
    """One decision of a role as a page shows it.

    Attributes:
        key: Item key.
        shared: Voted by everyone holding the role (else each holder's own).
        kind: ``"choice"`` (one option), ``"number"`` or ``"multi"`` (any of the options).
        options: The options (``choice`` and ``multi``).
        current: The value now (what a vote that changes nothing says).
        lo: Lowest number.
        hi: Highest number.
        step: Step between numbers.

    """

    key: str
    shared: bool
    kind: str
    options: tuple[str, ...] = ()
    current: Any = None
    lo: float = 0.0
    hi: float = 0.0
    step: float = 1.0

    def parse(self, raw: Any) -> Any:
        """Check one vote as sent by a form; return its value.

        Raises:
            ValueError: Not an option, not a number on the item's grid, or out of range.

        """
        if self.kind == "choice":
            if raw not in self.options:
                raise ValueError(f"{self.key}: {str(raw)[:40]!r} is not one of the options")
            return raw
        if self.kind == "multi":  # a form sends an empty value too, so that choosing none is a vote
            chosen = [c for c in (raw if isinstance(raw, list | tuple) else [raw]) if c]
            unknown = [c for c in chosen if c not in self.options]
            if unknown:
                raise ValueError(f"{self.key}: {str(unknown[0])[:40]!r} is not one of the options")
            return sorted(set(chosen), key=self.options.index)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{self.key}: {str(raw)[:40]!r} is not a number") from None
        steps = (value - self.lo) / self.step
        if not (self.lo - 1e-9 <= value <= self.hi + 1e-9) or abs(steps - round(steps)) > 1e-6:
            raise ValueError(f"{self.key}: {value:g} is outside {self.lo:g}-{self.hi:g} in steps of {self.step:g}")
        return round(self.lo + round(steps) * self.step, 6)


def group_size(layout: RoomLayout, view: CityView, neighbourhood: str) -> int:
    """How many residents one resident participant of a neighbourhood speaks for."""
    adults = view.nbh_size[view.nbh_names.index(neighbourhood)]
    return min(adults, max(layout.group_min, round(layout.group_share * adults)))


def _lever(view: CityView, key: str, neighbourhood: str) -> float:
    values = view.levers[key]
    if neighbourhood == CITY:
        return statistics.fmean(values)  # city-wide decisions act alike everywhere
    return values[view.nbh_names.index(neighbourhood)]


def _snap(value: float, lo: float, hi: float, step: float) -> float:
    return round(min(max(lo + round((value - lo) / step) * step, lo), hi), 6)


def initiative_option(ini: Any) -> str:
    """The option value of an initiative: its slot and founding week (a reused slot is another one)."""
    return f"{ini.slot}:{ini.founded}"


def items(role: Role, view: CityView) -> tuple[Item, ...]:
    """The items a role decides now, with their options and current values."""
    here = role.neighbourhood
    if role.kind == "administrator":
        modes = STEERING_MODES if here == CITY else tuple(m for m in STEERING_MODES if m != "layered")
        mode = view.steering if here == CITY else view.nbh_modes[view.nbh_names.index(here)]
        team_lo, team_hi, team_step = KEY_LEVERS["team_per_1000"]
        team_lo = max(team_lo, team_step)  # a team of zero cannot be resized (it has no hours to scale)
        return (
            Item("steering", True, "choice", modes, mode if mode in modes else None),
            Item("citizen_budget", True, "number", current=_snap(_lever(view, "citizen_budget", here), 0, 50, 5),
                 lo=0, hi=50, step=5),
            Item("places_funded", True, "number",
                 current=_snap(100 * _lever(view, "places_funded", here), 0, 100, 25), lo=0, hi=100, step=25),
            Item("team_size", True, "number",
                 current=_snap(_lever(view, "team_size", here), team_lo, team_hi, team_step),
                 lo=team_lo, hi=team_hi, step=team_step),
            Item("protected_time", True, "number",
                 current=_snap(100 * _lever(view, "protected_time", here), 0, 80, 10), lo=0, hi=80, step=10),
        )
    initiatives = tuple(initiative_option(i) for i in view.initiatives[here])
    if role.kind == "professional":
        split = tuple(Item(f"split_{part}", True, "number", lo=0, hi=100, step=5,
                           current=_snap(100 * _lever(view, f"split_{part}", here), 0, 100, 5))
                      for part in SPLIT_PARTS)
        focused = any(i.support_weight == 0 for i in view.initiatives[here])
        supported = [initiative_option(i) for i in view.initiatives[here] if focused and i.support_weight > 0]
        return (*split, *((Item("support", True, "multi", initiatives, supported),) if initiatives else ()))
    budget = view.levers["citizen_budget"][view.nbh_names.index(here)] > 0
    return (
        Item("initiative", False, "choice",
             ("none", *(f"found:{kind}" for kind in INITIATIVE_KINDS), *(f"join:{o}" for o in initiatives)), "none"),
        Item("volunteer", False, "choice", ("as_now", *COMMITMENTS), "as_now"),
        Item("help", False, "choice", ("none", *HELP_SOURCES), "none"),
        *((Item("budget_vote", True, "choice", ("none", *initiatives), "none"),) if budget and initiatives else ()),
    )


def tally(item: Item, votes: list[Any]) -> Any:
    """The outcome of a shared item's votes (see the module docstring); ``None`` without votes."""
    if not votes:
        return None
    if item.kind == "number":
        return statistics.median_low(votes)
    if item.kind == "multi":
        counts = Counter(v for vote in votes for v in vote)
        return [o for o in item.options if 2 * counts[o] >= len(votes)]
    counts = Counter(votes)
    top = max(counts.values())
    tied = [o for o in item.options if counts[o] == top]
    return item.current if item.current in tied else tied[0]


def resolve(role: Role, view: CityView, layout: RoomLayout, votes: Mapping[int, Mapping[str, Any]],
            weeks: int, seed: int) -> list[Action]:
    """Turn one role's votes of a round into actions on the city.

    Args:
        role: The role.
        view: The city now (the round's decisions all act from this week).
        layout: The room's layout (group sizes).
        votes: Per seat number, that seat's votes (item key -> value, already checked by :meth:`Item.parse`).
        weeks: Weeks the round advances (the time a personal decision acts).
        seed: The room's seed (resident groups are drawn from it, the role and the seat).

    Returns:
        The actions, in item order; a shared item whose outcome equals its current value changes nothing.

    """
    where = {} if role.neighbourhood == CITY else {"neighbourhoods": [role.neighbourhood]}
    standing = role.key + ":{}"
    out: list[Action] = []
    split_now: dict[str, float] = {}
    split: dict[str, float] = {}
    for item in items(role, view):
        if not item.shared:
            continue
        value = tally(item, [v[item.key] for v in votes.values() if item.key in v])
        if item.key.startswith("split_"):  # the four parts are one decision: the split
            part = item.key.removeprefix("split_")
            split_now[part] = item.current
            split[part] = item.current if value is None else value
        elif value is not None and value != item.current:
            out.append(_shared_action(role, item.key, value, where, standing.format(item.key)))
    if split != split_now and sum(split.values()) > 0:
        out.append(Action(role.key, None, "split", [split[p] for p in SPLIT_PARTS], "community_time_split",
                          {**{p: split[p] / 100 for p in SPLIT_PARTS}, **where}, standing=standing.format("split")))
    if role.kind == "resident":
        out += _group_actions(role, view, layout, votes, weeks, seed)
    return out


def _shared_action(role: Role, key: str, value: Any, where: dict[str, Any], standing: str) -> Action:
    """The action of one shared item's outcome (``kind`` empty: back to what the steering mode sets)."""
    if key == "steering":
        if not where:
            return Action(role.key, None, key, value, "steering")
        return Action(role.key, None, key, value, "steer_neighbourhood", {"mode": value, **where}, standing=standing)
    if key == "citizen_budget":
        return Action(role.key, None, key, value, "citizen_budget" if value > 0 else "",
                      {"eur_per_resident": value, **where}, standing=standing)
    if key == "places_funded":
        cut = round(1 - value / 100, 6)
        # Reopen when the decision is replaced: funding restored means the place opens again.
        return Action(role.key, None, key, value, "close_meeting_places" if cut > 0 else "",
                      {"share": cut, "immediate": True, "reopen": True, **where}, standing=standing)
    if key == "team_size":
        return Action(role.key, None, key, value, "team_size", {"per_1000": value, **where}, standing=standing)
    if key == "protected_time":
        return Action(role.key, None, key, value, "protect_community_time" if value > 0 else "",
                      {"share": value / 100, **where}, standing=standing)
    if key == "support":
        slots = [int(option.split(":")[0]) for option in value]
        return Action(role.key, None, key, value, "support_initiatives" if slots else "",
                      {"initiatives": slots, **where}, standing=standing)
    if key == "budget_vote":
        slot = int(value.split(":")[0])
        return Action(role.key, None, key, value, "award_citizen_budget", {"initiative": slot, **where}, weeks=1)
    raise KeyError(f"no lever for {key!r}")


def _group_actions(role: Role, view: CityView, layout: RoomLayout, votes: Mapping[int, Mapping[str, Any]],
                   weeks: int, seed: int) -> list[Action]:
    """Each resident's own decisions, for the group that resident speaks for."""
    out = []
    size = group_size(layout, view, role.neighbourhood)
    nbh_index = view.nbh_names.index(role.neighbourhood)
    for seat, vote in sorted(votes.items()):
        group = {"group_size": size, "group_seed": seed * 1_000_003 + nbh_index * 1_009 + seat,
                 "neighbourhoods": [role.neighbourhood]}
        choice = vote.get("initiative", "none")
        if choice.startswith("found:"):
            out.append(Action(role.key, seat, "initiative", choice, "group_founds_initiative",
                              {"kind": choice.removeprefix("found:"), **group}, weeks=weeks))
        if choice.startswith("join:"):
            slot = int(choice.split(":")[1])
            out.append(Action(role.key, seat, "initiative", choice, "group_joins_initiative",
                              {"initiative": slot, **group}, weeks=weeks))
        if vote.get("volunteer", "as_now") in COMMITMENTS:
            out.append(Action(role.key, seat, "volunteer", vote["volunteer"], "group_volunteers",
                              {"commitment": vote["volunteer"], **group}, weeks=weeks))
        if vote.get("help", "none") in HELP_SOURCES:
            out.append(Action(role.key, seat, "help", vote["help"], "group_asks_for_help",
                              {"whom": vote["help"], **group}, weeks=weeks))
    return out
