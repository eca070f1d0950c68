"""The room's pages as HTML: the join page, a participant's page and the projector.

Server-rendered from the room's immutable :class:`~model.workshop.room.city.CityView` with Jinja2
templates (``templates/``, autoescaped): plain HTML forms that work without script, on any phone. A
small script of our own (``static/room.js``) listens to the server's events and swaps in the new
``<main>`` when what this page shows has changed (:func:`view_key`). Nothing comes from elsewhere.

A participant's page only ever holds the controls of the participant's own role: the items come from
:meth:`~model.workshop.room.session.Room.items_of`, which the server also checks each vote against.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from model.i18n import LANGUAGES
from model.workshop.figures import compare_outputs
from model.workshop.room.charts import timeseries_svg
from model.workshop.room.roles import CITY, Item, group_size
from model.workshop.room.session import Participant, Room
from model.workshop.room.texts import kind_name, mode_name, place_name, t

HERE = Path(__file__).parent
ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)

#: Chart sizes in CSS pixels: (width, font, panel height) on the projector and on a participant's page.
PROJECTOR_CHART = (820, 17, 120)
DEVICE_CHART = (360, 15, 78)


def view_key(room: Room, lang: str, pid: str | None = None) -> str:
    """A short key of everything one page shows: the page asks for a new copy when it changes.

    Read from the room's :class:`~model.workshop.room.session.Glance`, without its lock.

    Args:
        room: The room.
        lang: The page's language.
        pid: Whose page; ``None`` for the projector.

    """
    g = room.glance
    state: tuple[Any, ...] = (g.phase, g.round, g.view_serial, lang)
    if pid is None:
        state += (g.participants, g.free, g.voters)
    else:
        person = g.people.get(pid)
        state += (person, g.free if person is None or person[0] is None else ())
    return hashlib.blake2b(repr(state).encode(), digest_size=8).hexdigest()


def _texts(lang: str) -> Any:
    return lambda key, **values: t(key, lang, **values)


def _status(room: Room, lang: str) -> str:
    return t(f"phase_{room.phase}", lang, round=room.round)


def _monitors(room: Room, lang: str, where: str) -> list[dict[str, Any]]:
    here = None if where == CITY else where
    return monitor_rows(room.view.latest(here), room.view.baseline_latest(here), lang)


def monitor_rows(now: dict[str, float], base: dict[str, float] | None, lang: str) -> list[dict[str, Any]]:
    """The dashboard's big numbers of some outputs, against a baseline's, as the templates show them."""
    return [{"key": m.key, "label": m.label, "value": m.value, "delta": m.delta,
             "better": {True: "better", False: "worse", None: "same"}[m.better]}
            for m in compare_outputs(now, base, lang)]


def _round_ends(room: Room) -> list[tuple[int, int]]:
    return [(e["round"], e["week_to"]) for e in room.history if e["type"] == "round" and not e["undone"]]


@lru_cache(maxsize=64)
def _chart(room: Room, serial: int, where: str, lang: str, size: tuple[int, int, int]) -> str:
    live, baselines = room.view.series(None if where == CITY else where)
    return timeseries_svg(live, baselines, _round_ends(room), lang, *size)


def _legend(room: Room, lang: str) -> list[dict[str, str]]:
    baselines = room.view.baselines
    entries = [{"class": "live", "text": t("legend_live", lang)}]
    for i, (start, _) in enumerate(baselines):
        latest = i == len(baselines) - 1
        entries.append({"class": "baseline" if latest else "earlier",
                        "text": t("legend_baseline" if latest else "legend_earlier", lang, week=start)})
    return entries


def _chart_block(room: Room, lang: str, where: str, size: tuple[int, int, int]) -> dict[str, Any]:
    return {"svg": _chart(room, room.view_serial, where, lang, size), "legend": _legend(room, lang),
            "markers": bool(_round_ends(room))}


def _number(value: float) -> str:
    return f"{value:g}"


def _option_label(item: Item, option: str, room: Room, lang: str, where: str) -> str:
    if item.key == "steering":
        return mode_name(option, lang)
    if option in ("none", "as_now", "step_back", "ties", "district_team"):
        return t(f"opt_{option}", lang)
    if option == "core":
        return t("opt_core", lang, hours=_number(room.city.live.p.core_hours))
    if option.startswith("found:"):
        return t("opt_found", lang, kind=kind_name(option.removeprefix("found:"), lang))
    slot, founded = (int(x) for x in option.removeprefix("join:").split(":"))
    ini = next(i for i in room.view.initiatives[where] if (i.slot, i.founded) == (slot, founded))
    key = "opt_join" if option.startswith("join:") else "opt_initiative"
    return t(key, lang, kind=kind_name(ini.kind, lang), members=ini.members)


def _item_block(item: Item, room: Room, lang: str, where: str, chosen: Any) -> dict[str, Any]:
    value = item.current if chosen is None else chosen
    if item.kind == "number":
        grid = [round(item.lo + i * item.step, 6) for i in range(round((item.hi - item.lo) / item.step) + 1)]
        options = [{"value": _number(v), "label": _number(v), "selected": abs(v - value) < 1e-9} for v in grid]
        current = _number(item.current)
    elif item.kind == "multi":
        options = [{"value": o, "label": _option_label(item, o, room, lang, where), "selected": o in value}
                   for o in item.options]
        current = ", ".join(_option_label(item, o, room, lang, where) for o in item.current) or t("opt_all", lang)
    else:
        options = [{"value": o, "label": _option_label(item, o, room, lang, where), "selected": o == value}
                   for o in item.options]
        current = None if item.current is None else _option_label(item, item.current, room, lang, where)
    return {"key": item.key, "label": t(f"item_{item.key}", lang), "kind": item.kind, "options": options,
            "current": current, "shared": item.shared}


def describe(action: dict[str, Any], lang: str) -> str:
    """One line for an applied action (the projector's list of decisions, a participant's outcome)."""
    item, value, seat = action["item"], action["value"], action["seat"]
    if item == "steering":
        return t("did_steering", lang, value=mode_name(value, lang))
    if item == "split":
        return t("did_split", lang, **dict(zip("abcd", value, strict=True)))
    if item in ("volunteer", "help"):
        return t(f"did_{item}_{value}", lang, seat=seat)
    if item == "initiative":
        found = value.startswith("found:")
        return t("did_found" if found else "did_initiative", lang, seat=seat,
                 kind=kind_name(value.removeprefix("found:"), lang) if found else "")
    if item == "support":
        return t("did_support", lang, n=len(value)) if value else t("did_support_all", lang)
    if item == "budget_vote":
        return t("did_budget_vote", lang)
    return t(f"did_{item}", lang, value=value)


def _role_title(room: Room, role_key: str, lang: str) -> tuple[str, str]:
    role = room.role_by_key[role_key]
    return t(f"role_{role.kind}", lang), place_name(role.neighbourhood, lang)


def _last_round(room: Room) -> dict[str, Any] | None:
    return next((e for e in reversed(room.history) if e["type"] == "round" and not e["undone"]), None)


def _decisions(room: Room, lang: str, where: str = CITY) -> dict[str, Any] | None:
    """The last round's actions by role: all, or those acting in neighbourhood ``where`` (its own and the city's)."""
    entry = _last_round(room)
    if entry is None:
        return None
    groups: dict[str, list[str]] = {}
    for action in entry["actions"]:
        if where == CITY or room.role_by_key[action["role"]].neighbourhood in (CITY, where):
            groups.setdefault(action["role"], []).append(describe(action, lang))
    return {"round": entry["round"], "start": entry["week_from"], "end": entry["week_to"],
            "groups": [{"title": " · ".join(_role_title(room, k, lang)), "lines": lines}
                       for k, lines in groups.items()]}


def _roles(room: Room, lang: str) -> list[dict[str, Any]]:
    rows = []
    for role in room.roles:
        free = len(room.free_seats(role.key))
        title, where = _role_title(room, role.key, lang)
        rows.append({"key": role.key, "kind": role.kind, "title": title, "where": where,
                     "desc": t(f"role_desc_{role.kind}", lang), "taken": role.seats - free, "total": role.seats,
                     "free": free > 0})
    return rows


def render_join(lang: str, code: str, error: str | None = None) -> str:
    """The join page: room code and name."""
    return ENV.get_template("join.html").render(t=_texts(lang), lang=lang, languages=LANGUAGES, code=code,
                                                error=error, next="/", body_class="device")


def render_participant(room: Room, p: Participant, lang: str, error: str | None = None, part: bool = False) -> str:
    """A participant's page (or only its ``<main>`` with ``part``), read under the room's lock."""
    with room.lock:
        return _participant(room, p, lang, error, part)


def _participant(room: Room, p: Participant, lang: str, error: str | None, part: bool) -> str:
    role = None
    where = CITY
    if p.role is not None:
        r = room.role_by_key[p.role]
        where = r.neighbourhood
        mine = room.votes.get(p.pid, {})
        voted = sum(1 for (key, _), pid in room.seats.items() if key == p.role and pid in room.votes)
        title, place = _role_title(room, p.role, lang)
        role = {"key": r.key, "kind": r.kind, "title": title, "where": place, "seat": p.seat,
                "group": group_size(room.settings.layout, room.view, where) if r.kind == "resident" else None,
                "choices": [_item_block(i, room, lang, where, mine.get(i.key)) for i in room.items_of(p.pid)],
                "voted": voted, "seats": r.seats, "has_vote": p.pid in room.votes, "role_plural": title}
    context = {
        "t": _texts(lang), "lang": lang, "languages": LANGUAGES, "next": "/me", "part": part, "body_class": "device",
        "key": view_key(room, lang, p.pid), "status": _status(room, lang), "phase": room.phase, "round": room.round,
        "week": room.view.week, "name": p.name, "error": error, "role": role,
        "roles": None if role else _roles(room, lang),
        "place_title": t("the_city", lang) if where == CITY else t("your_neighbourhood", lang,
                                                                      where=place_name(where, lang)),
        "monitors": _monitors(room, lang, where), "chart": _chart_block(room, lang, where, DEVICE_CHART),
        "decisions": _decisions(room, lang, where) if p.role else None,
    }
    return ENV.get_template("participant.html").render(**context)


def render_projector(room: Room, lang: str, join_url: str, part: bool = False, error: str | None = None) -> str:
    """The projector and the facilitator's controls (or only its ``<main>`` with ``part``), read under the lock."""
    with room.lock:
        return _projector(room, lang, join_url, part, error)


def _projector(room: Room, lang: str, join_url: str, part: bool, error: str | None) -> str:
    view = room.view
    rows = []
    for n, mode in zip(view.nbh_names, view.nbh_modes, strict=True):
        rows.append({"name": place_name(n, lang), "mode": mode_name(mode, lang), "monitors": _monitors(room, lang, n)})
    seated = len(room.seats)
    undoable = _last_round(room)
    context = {
        "t": _texts(lang), "lang": lang, "languages": LANGUAGES, "next": "/projector", "part": part,
        "body_class": "projector",
        "key": view_key(room, lang), "status": _status(room, lang), "phase": room.phase, "round": room.round,
        "week": view.week, "mode": mode_name(view.steering, lang), "error": error,
        "join_url": join_url, "code": room.code, "participants": len(room.participants), "seated": seated,
        "voted": len(room.votes), "roles": _roles(room, lang), "weeks": room.settings.weeks,
        "undo": undoable["round"] if undoable else None,
        "monitors": _monitors(room, lang, CITY), "chart": _chart_block(room, lang, CITY, PROJECTOR_CHART),
        "neighbourhoods": rows, "decisions": _decisions(room, lang),
    }
    return ENV.get_template("projector.html").render(**context)
