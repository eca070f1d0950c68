"""The report's reading guide: how to read it, and where each steering mode is the best choice.

The findings come from ``docs/where_each_mode_wins.json``, which ``vitality analyse
results/where_each_mode_wins --doc docs/steering.md --lang en`` writes
(:func:`model.experiments.analysis.publish_findings`): the best-choice questions of the discovery design as data,
written here as sentences in the report's language.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from model.core.outputs import OUTPUTS
from model.i18n import steering_name

#: The findings on where each steering mode wins, beside docs/steering.md.
MODE_FINDINGS = "where_each_mode_wins.json"


def mode_findings(docs: Path, run_digest: str | None, t: dict[str, Any], lang: str, locale: str) -> dict[str, Any]:
    """The reading guide's findings on where each steering mode wins, from ``docs/where_each_mode_wins.json``.

    The file holds the best-choice questions of the discovery design as data (:func:`model.experiments.analysis.
    publish_findings`); each is written here as a sentence in the report's language.

    Args:
        docs: The documentation folder.
        run_digest: The model digest of the report's runs (a caution when the findings have another).
        t: The report's texts in its language.
        lang: ``"nl"`` or ``"en"``.
        locale: The babel locale of the numbers and dates.

    Returns:
        ``messages`` (what the findings are, and whether they belong to this run's model version) and ``outputs``:
        per output its heading and one sentence per mode.

    """
    path = docs / MODE_FINDINGS
    if not path.is_file():
        return {"messages": [t["guide_modes_missing"]], "outputs": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        outputs: dict[str, dict[str, Any]] = {}
        for q in data["questions"]:
            if q["kind"] != "best":
                continue
            heading = t[f"guide_output_{q['better']}"].format(output=_short(q["output"], lang))
            outputs.setdefault(q["output"], {"label": heading, "sentences": []})["sentences"].append(
                _best_choice_sentence(q, t, lang, locale))
        intro = t["guide_modes_intro"].format(
            design=data["design"], points=data["points"], seeds=len(data["seeds"]),
            residents=format_decimal(data["residents"], locale=locale),
            years=format_decimal(data["years"], format="#,##0.##", locale=locale))
        digest = data.get("model_digest") or "?"
        made = t["guide_modes_made"].format(date=format_date(date.fromisoformat(data["generated"]), "long",
                                                              locale=locale), digest=digest[:10])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        return {"messages": [t["guide_modes_unreadable"].format(problem=f"{type(exc).__name__}: {exc}")],
                "outputs": []}
    messages = [intro, made]
    if run_digest and digest != run_digest:
        messages.append(t["guide_modes_other"].format(findings=digest[:10], run=run_digest[:10]))
    return {"messages": messages, "outputs": list(outputs.values())}


def _short(output: str, lang: str) -> str:
    """An output's short name (its name for an output this version of the model no longer has)."""
    return OUTPUTS[output].short[lang] if output in OUTPUTS else output


def _best_choice_sentence(q: dict[str, Any], t: dict[str, Any], lang: str, locale: str) -> str:
    """One mode's finding: never, always, or in how many conditions and where (the PRIM box's restrictions)."""
    name = steering_name(q["scenario"], lang)
    values = {"scenario": name, "scenario_lower": name.lower(), "cases": q["cases"], "points": q["points"],
              "every_seed": q["every_seed"]}
    if q["cases"] == 0:
        return t["guide_best_never"].format(**values)
    if q["cases"] == q["points"]:
        return t["guide_best_always"].format(**values)
    if not q["box"]:
        return t["guide_best_nobox"].format(**values)

    def number(x: float) -> str:
        return format_decimal(x, format="@##", locale=locale)

    def percent(x: float) -> str:
        return format_decimal(100 * x, format="#,##0", locale=locale) + "%"

    conditions = []
    for r in q["box"]:
        parameter = t["parameter"].get(r["parameter"], r["parameter"])
        if r["restricts"] == "values":
            conditions.append(t["guide_one_of"].format(parameter=parameter,
                                                       values=f" {t['guide_or']} ".join(r["values"])))
        elif r["restricts"] == "both":
            conditions.append(t["guide_between"].format(parameter=parameter, low=number(r["min"]),
                                                        high=number(r["max"])))
        else:
            low = r["restricts"] == "low"
            conditions.append(t["guide_at_least" if low else "guide_at_most"].format(
                parameter=parameter, value=number(r["min"] if low else r["max"])))
    qualifier = t["guide_only_when"] if q["coverage"] >= 0.9 else t["guide_mainly_when"]
    return t["guide_best_box"].format(**values, qualifier=qualifier, conditions=f" {t['guide_and']} ".join(conditions),
                                      coverage=percent(q["coverage"]), density=percent(q["density"]))
