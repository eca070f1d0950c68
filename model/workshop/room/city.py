"""The room's one shared city: the live run, its baselines, the decisions in force, and views of it.

:class:`RoomCity` wraps a :class:`~model.dashboard_support.WorkshopModel` (the dashboard's session
model: a city from a shipped scenario with decisions taken through the model's levers and a baseline
branch that continues the same city without them). The room adds

* earlier baselines: each "new baseline from now" starts another branch, and the ones before it
  keep running, so every earlier comparison stays on the projector;
* *standing* decisions: an administrator's or professional's choice holds until the same role
  changes it; the intervention that carried the old choice then ends in the week the new one starts;
* :class:`Action`: one change to the city, applied exactly once at a round's close and written to
  ``room.json`` so that a restarted room replays the same changes and reaches the same city;
* :class:`CityView`: an immutable copy of everything the pages show, taken after every change.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.core.parameters import INITIATIVE_KINDS
from model.workshop.figures import MONITOR_OUTPUTS
from model.workshop.session import WorkshopModel

#: Outputs the room shows and records after each round (city and per neighbourhood): the dashboard's big numbers.
KEY_OUTPUTS = MONITOR_OUTPUTS


@dataclass(frozen=True)
class Action:
    """One change to the city, decided in a round and applied once when the round closes.

    Attributes:
        role: Key of the role that decided it (``"resident@urban_young"``).
        seat: The seat whose own group acts (personal decisions); ``None`` for a role's shared decision.
        item: The decision item (``"steering"``, ``"citizen_budget"``, ...).
        value: The value decided, as shown to the room.
        kind: ``"steering"`` (a city-wide mode switch), an intervention name, or ``""`` (only end the
            role's earlier decision on this item: back to what the steering mode sets).
        settings: The intervention's settings (``neighbourhoods`` as a list).
        weeks: For a decision that lasts the round only: the number of weeks it acts.
        standing: For a decision that holds until changed: the key under which it replaces the last one.

    """

    role: str
    seat: int | None
    item: str
    value: Any
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)
    weeks: int | None = None
    standing: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the action as plain JSON data."""
        return {"role": self.role, "seat": self.seat, "item": self.item, "value": self.value, "kind": self.kind,
                "settings": self.settings, "weeks": self.weeks, "standing": self.standing}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Action:
        """Read an action written by :meth:`to_json`."""
        return cls(**data)


@dataclass(frozen=True)
class InitiativeView:
    """One resident initiative as the room sees it (``slot`` identifies it together with ``founded``)."""

    slot: int
    kind: str
    members: int
    core: int
    founded: int
    citizen_funded: bool
    support_weight: float


@dataclass(frozen=True, eq=False)
class CityView:
    """What the pages show of the city after a change: immutable, shared by every page.

    Attributes:
        week: The current week.
        steering: The steering mode's name.
        nbh_names: The neighbourhoods, in city order.
        nbh_modes: Each neighbourhood's steering profile this week.
        nbh_size: Adults per neighbourhood.
        levers: Current value per decision lever and neighbourhood (see :func:`lever_values`).
        initiatives: Resident-run initiatives alive, per neighbourhood name.
        city: The live city's weekly outputs.
        baselines: Each baseline as (start week, weekly outputs from that week on), oldest first.
        nbh: The live city's weekly outputs per neighbourhood.
        nbh_baselines: The baselines' weekly outputs per neighbourhood, in the order of ``baselines``.

    """

    week: int
    steering: str
    nbh_names: tuple[str, ...]
    nbh_modes: tuple[str, ...]
    nbh_size: tuple[int, ...]
    levers: dict[str, tuple[float, ...]]
    initiatives: dict[str, tuple[InitiativeView, ...]]
    city: pd.DataFrame
    baselines: tuple[tuple[int, pd.DataFrame], ...]
    nbh: pd.DataFrame
    nbh_baselines: tuple[pd.DataFrame, ...]

    def latest(self, neighbourhood: str | None = None) -> dict[str, float]:
        """The key outputs of this week, city-wide or for one neighbourhood."""
        row = self.city.iloc[-1] if neighbourhood is None else self._nbh_rows(self.nbh, neighbourhood).iloc[-1]
        return {k: float(row[k]) for k in KEY_OUTPUTS}

    def baseline_latest(self, neighbourhood: str | None = None) -> dict[str, float] | None:
        """The key outputs of this week in the latest baseline, or ``None`` without one."""
        if not self.baselines:
            return None
        frame = self.baselines[-1][1] if neighbourhood is None else self._nbh_rows(self.nbh_baselines[-1],
                                                                                    neighbourhood)
        row = frame.iloc[-1]
        return {k: float(row[k]) for k in KEY_OUTPUTS}

    def series(self, neighbourhood: str | None = None) -> tuple[pd.DataFrame, list[tuple[int, pd.DataFrame]]]:
        """The live weekly outputs and each baseline's (from its start), city-wide or for one neighbourhood."""
        if neighbourhood is None:
            return self.city, list(self.baselines)
        return (self._nbh_rows(self.nbh, neighbourhood),
                [(start, self._nbh_rows(frame, neighbourhood))
                 for (start, _), frame in zip(self.baselines, self.nbh_baselines, strict=True)])

    @staticmethod
    def _nbh_rows(frame: pd.DataFrame, neighbourhood: str) -> pd.DataFrame:
        return frame[frame["neighbourhood"] == neighbourhood].reset_index(drop=True)


def lever_values(m: WorkshopModel) -> dict[str, tuple[float, ...]]:
    """The current value, per neighbourhood, of each lever the room decides on.

    Read from the model's levers and state of the last step (the levers hold until the next week's
    steering rewrites them): protected share of professionals' time, citizen budget (EUR per adult per
    year), share of meeting places funded, district-team FTE per 1,000 adults and the split of
    community-work hours (connecting, initiative support, talent spotting, outreach).
    """
    lev, pl = m.levers, m.places
    funded = np.bincount(pl.nbh, pl.subsidy_share, minlength=m.n_nbh) / np.maximum(
        np.bincount(pl.nbh, minlength=m.n_nbh), 1)
    values = {
        "protected_time": lev.protected_share,
        "citizen_budget": lev.citizen_budget_eur,
        "places_funded": funded,
        "team_size": m.team_fte / m.nbh_size * 1000,
    }
    for i, part in enumerate(("connecting", "initiative_support", "talent_spotting", "outreach")):
        values[f"split_{part}"] = lev.community_split[:, i]
    return {k: tuple(float(x) for x in v) for k, v in values.items()}


class RoomCity:
    """The shared city of a room: a workshop model, its earlier baselines and the standing decisions.

    Not thread-safe by itself: the room calls it under its own lock.
    """

    def __init__(self, scenario_name: str, seed: int, overrides: dict[str, Any] | None = None) -> None:
        """Build the city as the dashboard does (a shipped scenario, a seed, start-setting overrides)."""
        self.live = WorkshopModel(scenario_name, seed=seed, overrides=overrides)
        self.earlier: list[tuple[int, WorkshopModel]] = []
        self.standing: dict[str, Any] = {}

    @property
    def week(self) -> int:
        """The live city's week."""
        return self.live.week

    def models(self) -> list[WorkshopModel]:
        """The live city and every baseline branch."""
        out = [self.live] + [b for _, b in self.earlier]
        return out + ([self.live.baseline] if self.live.baseline is not None else [])

    def new_baseline(self) -> None:
        """Start a baseline now; the one before it (if any) keeps running for comparison."""
        if self.live.baseline is not None:
            self.earlier.append((self.live.baseline_start, self.live.baseline))
        self.live.compare_from_now()

    def apply(self, action: Action) -> None:
        """Apply one decided action now, at the current week (see :class:`Action`)."""
        if action.standing is not None and action.standing in self.standing:
            self.standing.pop(action.standing).end_week = self.week
        if action.kind == "steering":
            self.live.decide("steering", mode=action.value)
            return
        if not action.kind:
            return
        settings = dict(action.settings)
        if "neighbourhoods" in settings:
            settings["neighbourhoods"] = tuple(settings["neighbourhoods"])
        if action.weeks is not None:
            settings["end_week"] = self.week + action.weeks
        self.live.decide(action.kind, **settings)
        if action.standing is not None:
            self.standing[action.standing] = self.live.interventions[-1]

    def advance(self, weeks: int) -> None:
        """Run the live city, its baseline and every earlier baseline ``weeks`` weeks."""
        for _ in range(weeks):
            self.live.step()
            for _, b in self.earlier:
                b.step()

    def checkpoint(self) -> RoomCity:
        """Return a deep copy of the whole city (for undo); each model gets a lock of its own."""
        memo = {id(m._lock): threading.RLock() for m in self.models()}
        return copy.deepcopy(self, memo)

    def view(self) -> CityView:
        """Take the immutable view of the city now."""
        m = self.live
        ini = m.inits
        names = tuple(str(n) for n in m.nbh_names)
        alive = np.flatnonzero(ini.alive & ~ini.taken_over)
        initiatives = {n: tuple(InitiativeView(int(k), INITIATIVE_KINDS[ini.kind[k]], int(ini.n_members[k]),
                                               int(ini.n_core[k]), int(ini.founded[k]), bool(ini.citizen_funded[k]),
                                               float(ini.support_weight[k]))
                                for k in alive if ini.nbh[k] == b)
                       for b, n in enumerate(names)}
        baselines = [(start, b) for start, b in self.earlier]
        if m.baseline is not None:
            baselines.append((m.baseline_start, m.baseline))
        return CityView(
            week=m.week, steering=m.steering_mode, nbh_names=names,
            nbh_modes=tuple(str(x) for x in m.levers.mode), nbh_size=tuple(int(x) for x in m.nbh_size),
            levers=lever_values(m), initiatives=initiatives,
            city=m.city_frame(),
            baselines=tuple((start, _from(b.city_frame(), start)) for start, b in baselines),
            nbh=m.neighbourhood_frame(),
            nbh_baselines=tuple(_from(b.neighbourhood_frame(), start) for start, b in baselines),
        )


def _from(frame: pd.DataFrame, week: int) -> pd.DataFrame:
    return frame[frame["week"] >= week].reset_index(drop=True)

