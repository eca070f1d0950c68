"""Comparisons of scenarios run on the same seeds: tables of means and paired differences, and their text.

:func:`comparison_table` summarises runs (each seed's mean over the last year; 95% CIs over seeds, and
over the paired same-seed differences against the first scenario); :func:`clear_effects` ranks its clear
differences by size; :func:`format_table` writes it for a terminal in Dutch or English;
:func:`neighbourhood_differences` finds the neighbourhood differences that matter. Public through
:mod:`model.api`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from model.core.outputs import OUTPUTS
from model.core.time import WEEKS_PER_YEAR
from model.experiments.runner import RunResult, last_weeks
from model.experiments.statistics import is_clear, mean_ci
from model.i18n import Style, interval, number
from model.messages import render

#: The outputs a comparison summarises by default (their labels are in :data:`model.core.outputs.OUTPUTS`).
KEY_OUTPUTS = ("community_strength", "lonely_share", "severe_share", "casework_load", "open_cases", "waiting_list",
               "admin_share", "volunteering_share_year", "total_cost_eur")
#: A neighbourhood difference of 5% of the reference value is worth an alderman's attention.
DEFAULT_THRESHOLD = 0.05

def comparison_table(results: dict[str, RunResult], keys: Iterable[str] = KEY_OUTPUTS,
                     weeks: int = WEEKS_PER_YEAR, lang: str = "en") -> pd.DataFrame:
    """Key outputs per scenario, and their differences against the first scenario, with 95% CIs.

    Each seed's outputs are averaged over the last ``weeks`` weeks; the intervals are over
    seeds, and those of the differences over the paired (same-seed) differences.

    Args:
        results: Results by scenario name, all on the same seeds; the first is the reference.
        keys: City outputs to summarise, by name.
        weeks: Length of the final period averaged per seed.
        lang: Language of the ``output`` column (the outputs' labels): ``"en"`` or ``"nl"``.

    Returns:
        One row per output and scenario: ``output`` (its label), ``key`` (its name), ``scenario``,
        ``mean``, ``ci_low``, ``ci_high`` and (except for the reference) ``difference``,
        ``diff_ci_low``, ``diff_ci_high``.

    """
    finals = {name: r.final(weeks) for name, r in results.items()}
    reference = next(iter(finals.values()))
    rows = []
    for key in keys:
        for i, (name, final) in enumerate(finals.items()):
            mean, low, high = mean_ci(final[key], OUTPUTS[key].bounds)
            row = {"output": OUTPUTS[key].label[lang], "key": key, "scenario": name, "mean": mean, "ci_low": low,
                   "ci_high": high}
            if i:
                diff, dlow, dhigh = mean_ci(final[key] - reference[key])  # aligned on seed
                row |= {"difference": diff, "diff_ci_low": dlow, "diff_ci_high": dhigh}
            rows.append(row)
    return pd.DataFrame(rows)


def clear_effects(table: pd.DataFrame) -> pd.DataFrame:
    """The clear differences of a :func:`comparison_table`, largest against the reference first.

    A difference is clear when its paired 95% CI excludes zero (:func:`is_clear`); unclear ones are left
    out. Its size is the difference relative to the reference scenario's mean (so outputs in different
    units compare: administration 19% against 60% is +216%, and leads a loneliness change of -4%); an
    output whose reference mean is zero counts as infinitely large.

    Returns:
        The clear rows of ``table`` with ``reference_mean`` and ``relative`` added, by scenario (in the
        table's order), each scenario's rows by decreasing size.

    """
    reference = table[table["difference"].isna()].set_index("key")["mean"] if "difference" in table else None
    if reference is None:
        return table.iloc[:0].assign(reference_mean=[], relative=[])
    rows = table.dropna(subset=["difference"]).assign(reference_mean=lambda f: f["key"].map(reference))
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = rows["difference"] / rows["reference_mean"].abs()
    rows = rows.assign(relative=relative.where(rows["reference_mean"] != 0, np.sign(rows["difference"]) * np.inf))
    rows = rows[[is_clear(lo, hi) for lo, hi in zip(rows["diff_ci_low"], rows["diff_ci_high"], strict=True)]]
    order = {name: i for i, name in enumerate(dict.fromkeys(table["scenario"]))}
    return (rows.assign(_order=rows["scenario"].map(order), _size=-rows["relative"].abs())
            .sort_values(["_order", "_size"], kind="stable").drop(columns=["_order", "_size"]))


def format_table(table: pd.DataFrame, lang: str = "en", names: Mapping[str, str] | None = None) -> str:
    """Render a :func:`comparison_table` as text: value (95% CI) per output and scenario, with units.

    Numbers are written for ``lang`` (decimal comma in Dutch), shares as percentages and their differences in
    percentage points.

    Args:
        table: The comparison table.
        lang: ``"nl"`` or ``"en"``; the ``output`` column should be in the same language.
        names: Scenario names to show, by scenario (default: as in the table).

    """
    names = names or {}
    styles = {key: Style.of(key, lang, rows["mean"].abs().max()) for key, rows in table.groupby("key", sort=False)}
    unit = {key: "%" if OUTPUTS[key].unit.share else OUTPUTS[key].unit.text[lang] for key in styles}
    scenarios = [names.get(name, name) for name in table["scenario"]]
    shown = pd.DataFrame({
        render("table.output", lang): table["output"],
        render("table.unit", lang): table["key"].map(unit),
        render("table.scenario", lang): scenarios,
        render("table.mean", lang): [interval(styles[k], m, lo, hi) for k, m, lo, hi in
                                     zip(table["key"], table["mean"], table["ci_low"], table["ci_high"], strict=True)],
    })
    if "difference" in table:
        shown[render("table.difference", lang, {"ref": scenarios[0]})] = [
            render("table.reference", lang) if pd.isna(d) else interval(styles[k], d, lo, hi, change=True)
            for k, d, lo, hi in zip(table["key"], table["difference"], table["diff_ci_low"], table["diff_ci_high"],
                                    strict=True)]
    if table["scenario"].nunique() == 1:
        shown = shown.drop(columns=render("table.scenario", lang))
    repeated = table["key"].eq(table["key"].shift()).to_numpy()  # an output's label once, over its scenarios' rows
    shown.iloc[repeated, :2] = ""
    return _aligned(shown, text_columns=shown.shape[1] - (2 if "difference" in table else 1))


def _aligned(frame: pd.DataFrame, text_columns: int) -> str:
    """Lay a table of strings out for a terminal: the first ``text_columns`` to the left, numbers to the right."""
    cells = [list(frame.columns), *frame.astype(str).to_numpy().tolist()]
    widths = [max(len(row[i]) for row in cells) for i in range(frame.shape[1])]
    return "\n".join("  ".join(cell.ljust(w) if i < text_columns or r == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
                     for r, row in enumerate(cells))


def neighbourhood_differences(results: dict[str, RunResult], keys: Sequence[str], threshold: float = DEFAULT_THRESHOLD,
                              weeks: int = WEEKS_PER_YEAR) -> pd.DataFrame:
    """Paired differences per neighbourhood against the first scenario, and whether each matters.

    Each seed's outputs are averaged per neighbourhood over the last ``weeks`` weeks (as the city
    summary). A difference *matters* when the 95% CI of the paired (same seed) differences excludes
    zero and its size is at least ``threshold`` times the reference scenario's mean in that neighbourhood.

    Returns:
        One row per scenario (except the reference), neighbourhood and output: ``difference``,
        ``diff_ci_low``, ``diff_ci_high``, ``reference_mean``, ``relative`` and ``matters``.

    """
    finals = {name: r.final_by_neighbourhood(weeks)[list(keys)] for name, r in results.items()}
    reference = next(iter(finals.values()))
    rows = []
    for name, scenario in list(finals.items())[1:]:
        paired = scenario.join(reference.add_suffix("_ref"), how="inner")  # aligned on neighbourhood and seed
        for nbh, runs in paired.groupby(level="neighbourhood", sort=False):
            for key in keys:
                diff, low, high = mean_ci(runs[key] - runs[f"{key}_ref"])
                ref_mean = float(runs[f"{key}_ref"].mean())
                relative = diff / abs(ref_mean) if ref_mean else math.copysign(math.inf, diff) if diff else 0.0
                rows.append({"scenario": name, "neighbourhood": nbh, "key": key, "difference": diff,
                             "diff_ci_low": low, "diff_ci_high": high, "reference_mean": ref_mean,
                             "relative": relative, "matters": is_clear(low, high) and abs(relative) >= threshold})
    return pd.DataFrame(rows, columns=["scenario", "neighbourhood", "key", "difference", "diff_ci_low",
                                       "diff_ci_high", "reference_mean", "relative", "matters"])


def weeks_averaged(results: dict[str, RunResult], weeks: int = WEEKS_PER_YEAR) -> int:
    """Number of weeks in the final period that :meth:`RunResult.final` averages."""
    return int(last_weeks(next(iter(results.values())).city, weeks)["week"].nunique())


def effect_phrase(row: Any, lang: str, style: Style | None = None) -> str:
    """Say one clear effect of :func:`clear_effects`: which way, how big (absolute and relative), the CI.

    E.g. "tijd van professionals aan administratie hoger (slechter): 60% tegen 19% (+41 %-punt, +216%;
    95%-BI +38 tot +44 %-punt)". Whether higher is better comes from the output's declaration.

    Args:
        row: A row of :func:`clear_effects` (``key``, ``output``, ``mean``, ``reference_mean``, ``difference``,
            ``diff_ci_low``, ``diff_ci_high``, ``relative``).
        lang: ``"nl"`` or ``"en"``.
        style: How to write the output's numbers (default: fitted to the reference value).

    """
    style = style or Style.of(row.key, lang, abs(row.reference_mean))
    higher = row.difference > 0
    better = OUTPUTS[row.key].better
    judgement = "" if better == "neutral" else render(
        "effect.better" if (better == "higher") == higher else "effect.worse", lang)
    relative = (render("effect.from_zero", lang) if math.isinf(row.relative) else
                number(row.relative * 100, lang, "+#,##0;-#,##0" if abs(row.relative) >= 0.1 else "+#,##0.0;-#,##0.0")
                + "%")
    return render("effect.phrase", lang, {
        "what": row.output, "direction": render("effect.higher" if higher else "effect.lower", lang),
        "judgement": judgement, "value": style.level(row.mean), "ref": style.level(row.reference_mean),
        "diff": style.change(row.difference), "relative": relative,
        "low": style.number(row.diff_ci_low * style.factor, sign=True),
        "high": style.number(row.diff_ci_high * style.factor, sign=True)})
