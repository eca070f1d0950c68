"""The workshop room: participants, seats, rounds, votes, undo, and ``room.json``.

One :class:`Room` holds one shared city (:class:`~model.workshop.room.city.RoomCity`). Everything the
room does is a method here, under one lock, and every change is saved to ``room.json`` before the
method returns (written to a temporary file and renamed, so the file on disk is always whole: a crash
loses nothing, and :meth:`Room.resume` continues the room from it):

1. people **join** with the room code and a name; the same name again (on any device) is the same
   participant, who keeps the role (the device used before is signed out);
2. each **takes a seat** in a role (:mod:`model.workshop.room.roles`);
3. the facilitator **opens a round**; participants **vote** on their role's items: the votes go to the
   round's inbox and nothing touches the city yet (HubNet's pattern);
4. the facilitator **closes the round**: the inbox is drained once, the votes become actions, each is
   applied exactly once at the current week, and the city (with its baselines) advances the round's
   weeks; everyone then sees the result;
5. the facilitator can **undo** the last round: the city returns to its state before the round, the
   round opens again with its votes, and the record keeps the undone round, marked as such.

``room.json`` holds no names: a participant is known by a keyed hash of the name (so the same person
can rejoin after a restart) and by the role's anonymised label; devices by a hash of their token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.experiments.scenarios import load_scenario
from model.workshop.room.city import KEY_OUTPUTS, Action, CityView, RoomCity
from model.workshop.room.roles import Item, Role, RoomLayout, items, make_roles, resolve
from model.workshop.room.texts import RoomError

FORMAT = "vitality-room"
FORMAT_VERSION = 1
MAX_WEEKS = 52
MAX_NAME = 40
MAX_PARTICIPANTS = 200
#: Room codes avoid letters and digits that are easily confused (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5


@dataclass
class Participant:
    """Someone in the room (the name is kept in memory only)."""

    pid: str
    name: str
    name_key: str
    token_hash: str
    lang: str
    role: str | None = None
    seat: int | None = None


@dataclass(frozen=True)
class Glance:
    """What the pages' keys are made of, copied under the lock at every change and read without it.

    The event streams run in the server's event loop, which must not wait for the room's lock (a round
    closing holds it for a few hundred milliseconds): they read this copy instead.

    Attributes:
        phase: The room's phase.
        round: The current (or last) round.
        view_serial: Counts the views of the city taken so far.
        participants: Number of participants.
        free: Free seats per role, in role order.
        voters: Participants who voted in the open round.
        people: Per participant: role, seat, own votes and the number of voters of the own role.
        tokens: Device token hash -> participant.

    """

    phase: str = "lobby"
    round: int = 0
    view_serial: int = 0
    participants: int = 0
    free: tuple[int, ...] = ()
    voters: int = 0
    people: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomSettings:
    """What the room was started with: the city (as in the dashboard) and the layout of its roles."""

    scenario_name: str = "baseline"
    seed: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)
    layout: RoomLayout = field(default_factory=RoomLayout)
    weeks: int = 4

    def to_json(self) -> dict[str, Any]:
        """Return the settings as plain JSON data."""
        return {"scenario": self.scenario_name, "seed": self.seed, "overrides": self.overrides,
                "layout": self.layout.to_json(), "weeks": self.weeks}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RoomSettings:
        """Read settings written by :meth:`to_json`."""
        return cls(data["scenario"], int(data["seed"]), dict(data["overrides"]), RoomLayout(**data["layout"]),
                   int(data["weeks"]))


def normalise_name(name: str) -> str:
    """A name as it is compared: spaces collapsed, case folded."""
    return " ".join(name.split()).casefold()


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    The file is readable by its owner only (it holds the room code and the facilitator's key).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Room:
    """A workshop room on one shared city (see the module docstring)."""

    def __init__(self, settings: RoomSettings, path: Path, *, code: str | None = None,
                 facilitator_key: str | None = None, secret: str | None = None, save: bool = True) -> None:
        """Start a room: build the city and write ``room.json``.

        Args:
            settings: The city and the roles.
            path: Where ``room.json`` is written (its folder must exist).
            code: The room code (a new one when omitted).
            facilitator_key: The facilitator's key (a new one when omitted).
            secret: The key of the name hashes (a new one when omitted).
            save: Write ``room.json`` now (a resumed room writes it after its replay).

        Raises:
            RoomError: Weeks per round out of range.

        """
        if not 1 <= settings.weeks <= MAX_WEEKS:
            raise RoomError("bad_weeks", max=MAX_WEEKS)
        self.settings = settings
        self.path = Path(path)
        self.code = code or "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        self.facilitator_key = facilitator_key or secrets.token_urlsafe(18)
        self._secret = secret or secrets.token_hex(16)
        self.created = _now()
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        self.city = RoomCity(settings.scenario_name, settings.seed, settings.overrides)
        self.view_serial = 0
        self.view: CityView = self.city.view()
        self.start = self._outcome(self.view)
        self.roles: tuple[Role, ...] = make_roles(settings.layout, self.view.nbh_names)
        self.role_by_key = {r.key: r for r in self.roles}
        self.participants: dict[str, Participant] = {}
        self.seats: dict[tuple[str, int], str] = {}
        self.phase = "lobby"
        self.round = 0
        self.votes: dict[str, dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []
        self._checkpoints: dict[int, RoomCity] = {}
        # The city before the open round, copied at the opening (it cannot change then), not at the awaited close.
        self._before_round: RoomCity | None = None
        self.glance = self._glance()
        if save:
            self.save()

    @property
    def lock(self) -> threading.RLock:
        """The room's lock: hold it to read several parts of the room consistently (pages do)."""
        return self._lock

    def _new_view(self) -> None:
        """Take a new view of the city (every page that shows the city then asks for a new copy)."""
        self.view = self.city.view()
        self.view_serial += 1

    # ------------------------------------------------------------------ listeners
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (no arguments, from the changing thread) after every change; return the unsubscriber."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _glance(self) -> Glance:
        voters: dict[str, int] = {}
        for (key, _), pid in self.seats.items():
            voters[key] = voters.get(key, 0) + (pid in self.votes)
        people = {p.pid: (p.role, p.seat, tuple(sorted(self.votes.get(p.pid, {}).items())), voters.get(p.role, 0))
                  for p in self.participants.values()}
        return Glance(self.phase, self.round, self.view_serial, len(self.participants),
                      tuple(len(self.free_seats(r.key)) for r in self.roles), len(self.votes), people,
                      {p.token_hash: p.pid for p in self.participants.values()})

    def _changed(self) -> None:
        """Save and announce a change (called with the lock held, at the end of every change)."""
        self.glance = self._glance()
        self.save()
        for callback in list(self._listeners):
            callback()

    # ------------------------------------------------------------------ people
    def check_code(self, code: str) -> None:
        """Raise :class:`RoomError` unless ``code`` is the room code (case and spaces ignored)."""
        if not hmac.compare_digest(re.sub(r"\s+", "", code).upper().encode(), self.code.encode()):
            raise RoomError("bad_code")

    def is_facilitator(self, key: str | None) -> bool:
        """Tell whether ``key`` is the facilitator's key."""
        return bool(key) and hmac.compare_digest(key.encode(), self.facilitator_key.encode())

    def join(self, name: str, code: str, lang: str) -> tuple[Participant, str]:
        """Join the room, or rejoin under the same name (the role is kept; the old device is signed out).

        Returns:
            The participant and the device's new token (the server keeps it in a cookie).

        Raises:
            RoomError: Wrong code, an empty or too long name, or a full room.

        """
        self.check_code(code)
        shown = " ".join(name.split())
        if not shown or len(shown) > MAX_NAME or not shown.isprintable():
            raise RoomError("bad_name", max=MAX_NAME)
        token = secrets.token_urlsafe(24)
        key = hmac.new(self._secret.encode(), normalise_name(shown).encode(), "sha256").hexdigest()
        with self._lock:
            known = next((p for p in self.participants.values() if p.name_key == key), None)
            if known is None:
                if len(self.participants) >= MAX_PARTICIPANTS:
                    raise RoomError("room_full")
                known = Participant(f"p{len(self.participants) + 1}", shown, key, _hash(token), lang)
                self.participants[known.pid] = known
            else:
                known.name, known.token_hash = shown, _hash(token)
            self._changed()
            return known, token

    def participant(self, token: str | None) -> Participant | None:
        """The participant whose device holds ``token`` (``None``: unknown, or signed out by a rejoin)."""
        pid = self.glance.tokens.get(_hash(token)) if token else None  # a dictionary look-up: no lock needed
        return None if pid is None else self.participants.get(pid)

    def set_language(self, pid: str, lang: str) -> None:
        """Remember a participant's language (the page follows the device's choice)."""
        with self._lock:
            self.participants[pid].lang = lang
            self._changed()

    def free_seats(self, role_key: str) -> list[int]:
        """Seat numbers of a role nobody holds."""
        role = self.role_by_key[role_key]
        return [s for s in range(1, role.seats + 1) if (role_key, s) not in self.seats]

    def take(self, pid: str, role_key: str) -> int:
        """Give a participant a free seat in a role; return the seat number.

        Raises:
            RoomError: Unknown role, no free seat, already holding a role, or the round is closing.

        """
        with self._lock:
            p = self.participants[pid]
            if role_key not in self.role_by_key:
                raise RoomError("unknown_role")
            if p.role is not None:
                raise RoomError("has_role")
            if self.phase == "closing":
                raise RoomError("busy")
            free = self.free_seats(role_key)
            if not free:
                raise RoomError("role_taken")
            p.role, p.seat = role_key, free[0]
            self.seats[role_key, free[0]] = pid
            self._changed()
            return free[0]

    def leave(self, pid: str) -> None:
        """Give up one's seat (and the votes of the open round)."""
        with self._lock:
            p = self.participants[pid]
            if p.role is None:
                return
            if self.phase == "closing":
                raise RoomError("busy")
            self.seats.pop((p.role, p.seat), None)
            self.votes.pop(pid, None)
            p.role = p.seat = None
            self._changed()

    # ------------------------------------------------------------------ decisions
    def items_of(self, pid: str) -> tuple[Item, ...]:
        """The items the participant's role decides now (none without a role)."""
        p = self.participants[pid]
        return () if p.role is None else items(self.role_by_key[p.role], self.view)

    def vote(self, pid: str, form: dict[str, Any]) -> dict[str, Any]:
        """Record a participant's votes for the open round (a new vote replaces the earlier one).

        Args:
            pid: The participant.
            form: Item key -> value as sent; only the items of the participant's own role are accepted.

        Returns:
            The checked votes.

        Raises:
            RoomError: No open round, no role, an item of another role, or a value that is not an option, not a
                number or off the item's grid (:meth:`Item.parse`).

        """
        with self._lock:
            if self.phase != "open":
                raise RoomError("not_open")
            own = {i.key: i for i in self.items_of(pid)}
            if not own:
                raise RoomError("no_role")
            foreign = sorted(set(form) - set(own))
            if foreign:
                raise RoomError("not_your_item", item=foreign[0][:40])
            checked = {k: own[k].parse(v) for k, v in form.items()}
            self.votes[pid] = {**self.votes.get(pid, {}), **checked}
            self._changed()
            return self.votes[pid]

    def role_votes(self, role_key: str) -> dict[int, dict[str, Any]]:
        """This round's votes of a role, per seat."""
        return {seat: self.votes[pid] for (key, seat), pid in self.seats.items()
                if key == role_key and pid in self.votes}

    # ------------------------------------------------------------------ rounds
    def open_round(self) -> int:
        """Open the next round; return its number.

        Raises:
            RoomError: A round is already open or closing.

        """
        with self._lock:
            if self.phase in ("open", "closing"):
                raise RoomError("already_open")
            self.round += 1
            self.phase = "open"
            self.votes = {}
            self._changed()
            self._before_round = self.city.checkpoint()
            return self.round

    def close_round(self, number: int, weeks: int | None = None) -> dict[str, Any]:
        """Close round ``number``: apply every decision once and advance the city.

        The number makes a second click (or a second facilitator tab) harmless: a round that is not
        open any more is refused.

        Args:
            number: The round to close (must be the open one).
            weeks: Weeks to advance (the room's default when omitted).

        Returns:
            The round's entry of the record.

        Raises:
            RoomError: That round is not open, or weeks out of range.

        """
        weeks = self.settings.weeks if weeks is None else int(weeks)
        if not 1 <= weeks <= MAX_WEEKS:
            raise RoomError("bad_weeks", max=MAX_WEEKS)
        with self._lock:
            if self.phase != "open" or number != self.round:
                raise RoomError("not_open")
            self.phase = "closing"
            self._changed()
            try:
                actions = [a for role in self.roles
                           for a in resolve(role, self.view, self.settings.layout, self.role_votes(role.key),
                                            weeks, self.settings.seed)]
                votes = {key: {str(s): v for s, v in self.role_votes(key).items()} for key in self.role_by_key}
                entry = {"type": "round", "round": number, "closed": _now(), "week_from": self.city.week,
                         "weeks": weeks, "votes": {k: v for k, v in votes.items() if v},
                         "actions": [a.to_json() for a in actions], "undone": False}
                self._checkpoints[len(self.history)] = self._before_round
                self._play_round(entry, actions)
            except Exception:  # the city as it was before the round, the round open with its votes
                self._checkpoints.pop(len(self.history), None)
                self.city, self._before_round = self._before_round, self._before_round.checkpoint()
                self._new_view()
                self.phase = "open"
                self._changed()
                raise
            self.history.append(entry)
            self.phase = "results"
            self.votes = {}
            self._before_round = None
            self._changed()
            return entry

    def _play_round(self, entry: dict[str, Any], actions: list[Action]) -> None:
        """Apply a round's actions and advance (live and on replay alike); record the outcome in ``entry``."""
        if self.city.live.baseline is None:
            self.city.new_baseline()  # the first round is compared with the city without the room
        for action in actions:
            self.city.apply(action)
        self.city.advance(entry["weeks"])
        self._new_view()
        entry["week_to"] = self.city.week
        entry.update(self._outcome(self.view))

    def new_baseline(self) -> None:
        """Start a new baseline from now (between rounds); the earlier ones keep running.

        Raises:
            RoomError: A round is open or closing.

        """
        with self._lock:
            if self.phase in ("open", "closing"):
                raise RoomError("round_running")
            self.city.new_baseline()
            self._new_view()
            self.history.append({"type": "baseline", "week": self.city.week, "undone": False})
            self._changed()

    def undo(self) -> int:
        """Undo the last round: back to the city before it, that round open again with its votes.

        Returns:
            The number of the round that is open again.

        Raises:
            RoomError: No round to undo, or a round is open or closing.

        """
        with self._lock:
            if self.phase in ("open", "closing"):
                raise RoomError("round_running")
            done = [i for i, e in enumerate(self.history) if e["type"] == "round" and not e["undone"]]
            if not done:
                raise RoomError("nothing_to_undo")
            last = done[-1]
            for entry in self.history[last:]:
                entry["undone"] = True
            entry = self.history[last]
            self.city = self._checkpoints.pop(last)
            self._new_view()
            self.round = entry["round"]
            self.votes = {pid: dict(v) for key, seats in entry["votes"].items() for seat, v in seats.items()
                          if (pid := self.seats.get((key, int(seat)))) is not None}
            self.phase = "open"
            self._changed()
            self._before_round = self.city.checkpoint()
            return self.round

    # ------------------------------------------------------------------ record
    def _outcome(self, view: CityView) -> dict[str, Any]:
        out = {"city": view.latest(), "neighbourhoods": {n: view.latest(n) for n in view.nbh_names}}
        if view.baselines:
            out["baseline"] = view.baseline_latest()
            out["baseline_neighbourhoods"] = {n: view.baseline_latest(n) for n in view.nbh_names}
        return out

    def seat_label(self, role_key: str, seat: int) -> str:
        """The anonymised label of a seat (``resident@urban_young#2``)."""
        return f"{role_key}#{seat}"

    def to_json(self) -> dict[str, Any]:
        """The whole room as plain JSON data (see the module docstring for what it holds and what not)."""
        view = self.view
        series = {"live": _columns(view.city),
                  "baselines": [{"start": start, **_columns(frame)} for start, frame in view.baselines]}
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "created": self.created, "saved": _now(),
            "settings": self.settings.to_json(),
            "room": {"code": self.code, "facilitator_key": self.facilitator_key, "secret": self._secret},
            "roles": [{"role": r.key, "kind": r.kind, "neighbourhood": r.neighbourhood, "seats": r.seats}
                      for r in self.roles],
            "participants": [{"id": p.pid, "name_key": p.name_key, "token_hash": p.token_hash, "lang": p.lang,
                              "role": p.role, "seat": p.seat,
                              "label": None if p.role is None else self.seat_label(p.role, p.seat)}
                             for p in self.participants.values()],
            "phase": "open" if self.phase == "closing" else self.phase, "round": self.round,
            "votes": {p: v for p, v in self.votes.items()},
            "start": self.start, "history": self.history, "week": view.week, "series": series,
        }

    def save(self) -> None:
        """Write ``room.json`` atomically."""
        with self._lock:
            write_atomically(self.path, json.dumps(self.to_json(), ensure_ascii=False, indent=1))

    @classmethod
    def resume(cls, path: Path) -> Room:
        """Continue a room from its ``room.json``: rebuild the city and replay every round not undone.

        Raises:
            RoomError: The file is missing or not a room, or a replayed round came out differently
                (the model changed since the room was recorded).

        """
        data = read_room(path)
        settings = RoomSettings.from_json(data["settings"])
        load_scenario(settings.scenario_name)  # a scenario removed since: a one-line error, not a traceback
        keys = data["room"]
        room = cls(settings, path, code=keys["code"], facilitator_key=keys["facilitator_key"], secret=keys["secret"],
                   save=False)
        room.created = data["created"]
        for i, entry in enumerate(data["history"]):
            if entry["undone"]:
                continue
            if entry["type"] == "baseline":
                room.city.new_baseline()
                room.view = room.city.view()
                continue
            room._checkpoints[i] = room.city.checkpoint()
            replayed = dict(entry)
            room._play_round(replayed, [Action.from_json(a) for a in entry["actions"]])
            if replayed["city"] != entry["city"]:
                raise RoomError("replay_differs", round=entry["round"])
        room.history = data["history"]
        for p in data["participants"]:
            room.participants[p["id"]] = Participant(p["id"], "", p["name_key"], p["token_hash"], p["lang"],
                                                     p["role"], p["seat"])
            if p["role"] is not None:
                room.seats[p["role"], p["seat"]] = p["id"]
        # A room stopped while closing a round recorded the round's votes but not the round: open again.
        room.phase, room.round = "open" if data["phase"] == "closing" else data["phase"], data["round"]
        room.votes = {pid: dict(v) for pid, v in data["votes"].items()}
        if room.phase == "open":
            room._before_round = room.city.checkpoint()
        room.glance = room._glance()
        room.save()
        return room


def _columns(frame: Any) -> dict[str, list[float]]:
    return {"week": [int(w) for w in frame["week"]], **{k: [float(x) for x in frame[k]] for k in KEY_OUTPUTS}}


def read_room(path: Path) -> dict[str, Any]:
    """Read and check a ``room.json``.

    Raises:
        RoomError: Missing, unreadable, not JSON, or not a room record of a known version.

    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RoomError("no_room_file", path=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RoomError("bad_room_file", path=str(path), detail=str(exc).splitlines()[0][:120]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RoomError("bad_room_file", path=str(path), detail="not a vitality room record")
    if data.get("format_version") != FORMAT_VERSION:
        raise RoomError("bad_room_file", path=str(path), detail=f"format version {data.get('format_version')!r}")
    return data
