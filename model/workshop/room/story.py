"""The workshop's story for the advisor's report, told from its ``room.json``.

``vitality report room.json`` writes one self-contained HTML page (and optionally a PDF, as the scenario
report does): who took part (roles only, no names), each round's decisions and what the city looked
like after it against the baseline (the same city continued without the room's decisions), the
rounds the facilitator undid, the key outputs week by week with every baseline (the room's own chart),
the neighbourhoods at the end, what the model assumes and leaves out (quoted from ``docs/ODD.md``)
and where the record came from. The sentences are generated from the numbers; they say plainly that
one run of one city cannot separate an effect from chance.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from babel.dates import format_date

from model.reporting.odd import ODD_PATH
from model.reporting.report import odd_sections
from model.workshop.room.charts import timeseries_svg
from model.workshop.room.city import KEY_OUTPUTS
from model.workshop.room.pages import ENV, describe, monitor_rows
from model.workshop.room.session import read_room
from model.workshop.room.texts import place_name, t

LOCALES = {"en": "en_GB", "nl": "nl_NL"}
#: The report's chart: wider than the projector's, for a printed page.
REPORT_CHART = (900, 15, 130)


def _series(columns: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame({k: v for k, v in columns.items() if k != "start"})


def _sentence(items: list[dict[str, Any]], lang: str) -> str:
    parts = [f"{m['label'].replace(chr(173), '').lower()} {m['value']}"
             + (f" ({m['delta']} {t('vs_baseline', lang)})" if m["delta"] else "") for m in items[:3]]
    return ", ".join(parts)


def _role_label(role_key: str, lang: str) -> str:
    kind, where = role_key.split("@")
    return f"{t(f'role_{kind}', lang)} · {place_name(where, lang)}"


def story(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """The report's parts, from a room record (see :func:`model.workshop.room.session.read_room`)."""
    settings = data["settings"]
    rounds = [e for e in data["history"] if e["type"] == "round"]
    played = [e for e in rounds if not e["undone"]]
    seated = [p for p in data["participants"] if p["role"]]
    roles: dict[str, int] = {}
    for p in seated:
        roles[p["role"]] = roles.get(p["role"], 0) + 1
    parts = []
    for entry in rounds:
        groups: dict[str, list[str]] = {}
        for action in entry["actions"]:
            groups.setdefault(action["role"], []).append(describe(action, lang))
        after = monitor_rows(entry["city"], entry.get("baseline"), lang)
        nbh = [{"name": place_name(n, lang),
                "monitors": monitor_rows(values, entry.get("baseline_neighbourhoods", {}).get(n), lang)}
               for n, values in entry["neighbourhoods"].items()]
        parts.append({
            "title": t("decisions_round", lang, round=entry["round"], start=entry["week_from"], end=entry["week_to"]),
            "undone": entry["undone"], "voters": sum(len(v) for v in entry["votes"].values()),
            "groups": [{"title": _role_label(k, lang), "lines": lines} for k, lines in groups.items()],
            "after": t("story_after", lang, values=_sentence(after, lang)), "monitors": after, "neighbourhoods": nbh,
        })
    series = data["series"]
    live = _series(series["live"])
    baselines = [(b["start"], _series(b)) for b in series["baselines"]]
    end = {k: live[k].iloc[-1] for k in KEY_OUTPUTS}
    first = None if not baselines else {k: baselines[0][1][k].iloc[-1] for k in KEY_OUTPUTS}
    conclusion = (t("story_end", lang, week=data["week"], start=baselines[0][0],
                    values=_sentence(monitor_rows(end, first, lang), lang)) if first else t("story_no_rounds", lang))
    return {
        "intro": t("story_intro", lang, participants=len(data["participants"]), seated=len(seated),
                   rounds=len(played), residents=settings["overrides"].get("n_residents", "?"),
                   scenario=settings["scenario"], seed=settings["seed"], week=data["week"]),
        "roles": [{"label": _role_label(k, lang), "n": n} for k, n in roles.items()],
        "undone": sum(1 for e in rounds if e["undone"]), "rounds": parts, "conclusion": conclusion,
        "chance": t("story_chance", lang),
        "chart": timeseries_svg(live, baselines, [(e["round"], e["week_to"]) for e in played], lang, *REPORT_CHART),
        "legend": [t("legend_live", lang)] + [t("legend_baseline" if i == len(baselines) - 1 else "legend_earlier",
                                                   lang, week=start) for i, (start, _) in enumerate(baselines)],
    }


def render_story(data: dict[str, Any], lang: str, odd: list[dict[str, Any]] | None, css: str,
                 today: date | None = None) -> str:
    """Render the workshop report as one self-contained HTML page.

    Args:
        data: The room record.
        lang: ``"nl"`` or ``"en"``.
        odd: Sections of the model description to quote (``model.report.odd_sections``), or ``None``.
        css: The report's style sheet (inlined).
        today: The report's date (default: today).

    """
    settings = data["settings"]
    return ENV.get_template("story.html").render(
        lang=lang, t=lambda key, **v: t(key, lang, **v), css=css, odd=odd, story=story(data, lang),
        made=format_date(today or date.today(), "long", locale=LOCALES[lang]),
        record={"created": data["created"], "saved": data["saved"], "scenario": settings["scenario"],
                "seed": settings["seed"], "overrides": settings["overrides"], "layout": settings["layout"],
                "weeks": settings["weeks"]},
    )


def room_report(room_json: Path, lang: str, today: date | None = None) -> str:
    """The workshop report of a ``room.json`` (``vitality report room.json``), as one HTML page.

    Raises:
        RoomError: The file is missing or not a room record.

    """
    odd = odd_sections(ODD_PATH.read_text(encoding="utf-8")) if ODD_PATH.is_file() else None
    css = resources.files("model.reporting").joinpath("templates", "report.css").read_text(encoding="utf-8")
    return render_story(read_room(room_json), lang, odd, css, today)
