"""Results as an advisor opens them: an Excel workbook, and CSV files that Dutch (or English) Excel reads.

:func:`write_workbook` writes ``resultaten.xlsx`` (``results.xlsx`` in English) with XlsxWriter: the
summary with 95% intervals and paired differences, the city and the neighbourhoods per week (means over
the seeds), every parameter, and the provenance. Headings, names of outputs, scenarios, neighbourhoods
and steering modes are in the report's language (:mod:`model.i18n`); numbers are stored as numbers with
Excel number formats (``0.0%``, ``#,##0.0``), which Excel shows in the reader's own locale: ``47,3%`` and
``1.234,5`` in Dutch Excel, with no text to convert.

:func:`write_csv` writes a table in a :data:`model.i18n.CSV_DIALECTS` dialect: ``excel-nl`` (``;``,
decimal comma, UTF-8 with a byte-order mark) opens in Dutch Excel with a double click; ``international``
(``,`` and a decimal point) is what pandas, R and English Excel read. The column names stay the
outputs' names, so scripts read either dialect (``pd.read_csv(f, sep=";", decimal=",")``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from model.core.outputs import OUTPUTS
from model.core.parameters import Parameters
from model.core.schema import describe
from model.experiments.comparison import clear_effects
from model.experiments.provenance import parameter_rows
from model.i18n import (
    CSV_DIALECTS,
    Style,
    neighbourhood_name,
    output_label,
    scenario_description,
    scenario_title,
    steering_name,
)
from model.messages import render

#: File name of the workbook in each language.
WORKBOOK_NAMES = {"nl": "resultaten.xlsx", "en": "results.xlsx"}
_COLUMN_WIDTH = {"label": 48, "name": 26, "number": 12}


def csv_bytes(frame: pd.DataFrame, dialect: str) -> bytes:
    """``frame`` (without its index) as CSV in ``dialect`` (a key of :data:`model.i18n.CSV_DIALECTS`)."""
    d = CSV_DIALECTS[dialect]
    return frame.to_csv(index=False, sep=d.sep, decimal=d.decimal).encode(d.encoding)


def write_csv(frame: pd.DataFrame, path: Path, dialect: str) -> None:
    """Write ``frame`` (without its index) as CSV in ``dialect`` (a key of :data:`model.i18n.CSV_DIALECTS`)."""
    path.write_bytes(csv_bytes(frame, dialect))


def read_csv(path: Path, dialect: str) -> pd.DataFrame:
    """Read a CSV file that :func:`write_csv` wrote in ``dialect``."""
    d = CSV_DIALECTS[dialect]
    return pd.read_csv(path, sep=d.sep, decimal=d.decimal, encoding=d.encoding)


class _Book:
    """An XlsxWriter workbook with the formats of one language."""

    def __init__(self, path: Path, lang: str) -> None:
        self.lang = lang
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "nan_inf_to_errors": True})
        self.bold = self.book.add_format({"bold": True})
        self.title = self.book.add_format({"bold": True, "font_size": 13})
        self.header = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self._formats: dict[str, Any] = {}

    def number(self, pattern: str) -> Any:
        """The cell format for an Excel number format (one per pattern)."""
        if pattern not in self._formats:
            self._formats[pattern] = self.book.add_format({"num_format": pattern})
        return self._formats[pattern]

    def level(self, key: str, decimals: int) -> Any:
        """Format of an output's values: shares as percentages, others with ``decimals`` decimals."""
        if key in OUTPUTS and OUTPUTS[key].unit.share:
            return self.number("0.0%")
        return self.number("#,##0" + ("." + "0" * decimals if decimals else ""))

    def change(self, key: str, decimals: int) -> Any:
        """Format of a difference, with its sign: shares in percentage points (the value times 100)."""
        if key in OUTPUTS and OUTPUTS[key].unit.share:
            pp = render("unit.pp", self.lang)
            return self.number(f'+0.0" {pp}";-0.0" {pp}";0.0" {pp}"')
        body = "#,##0" + ("." + "0" * decimals if decimals else "")
        return self.number(f"+{body};-{body};{body}")

    def sheet(self, key: str, widths: Sequence[int]) -> Any:
        """Add a sheet named by the catalogue key ``sheet.<key>``, with column widths."""
        sheet = self.book.add_worksheet(render(f"sheet.{key}", self.lang))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        return sheet

    def headings(self, sheet: Any, row: int, names: Sequence[str]) -> None:
        """Write a row of column headings and freeze the rows down to and including it (they stay in view)."""
        for col, name in enumerate(names):
            sheet.write_string(row, col, name, self.header)
        sheet.freeze_panes(row + 1, 0)


def write_workbook(path: Path, results: dict[str, Any], table: pd.DataFrame, manifest: dict[str, Any],
                   lang: str) -> Path:
    """Write the results of ``run``/``compare`` as an Excel workbook (see the module docstring).

    Args:
        path: The ``.xlsx`` file to write (in a folder being published; it is not checked for existence).
        results: The runs by scenario name (:class:`model.experiments.runner.RunResult`), first the reference.
        table: Their :func:`model.experiments.comparison.comparison_table` in ``lang``.
        manifest: The results folder's manifest (scenarios, seeds, command, versions).
        lang: ``"nl"`` or ``"en"``.

    Returns:
        ``path``.

    """
    book = _Book(path, lang)
    titles = {sc["name"]: scenario_title(sc, lang) for sc in manifest["scenarios"]}
    _summary(book, table, titles, manifest, lang)
    city = pd.concat([r.city.assign(scenario=name) for name, r in results.items()], ignore_index=True)
    nbh = pd.concat([r.neighbourhoods.assign(scenario=name) for name, r in results.items()], ignore_index=True)
    _per_week(book, "city", city, ["scenario", "week", "year"], titles, len(manifest["seeds"]))
    _per_week(book, "neighbourhoods", nbh, ["scenario", "neighbourhood", "week", "year"], titles,
              len(manifest["seeds"]))
    _parameters(book, manifest["scenarios"], titles)
    _provenance(book, manifest, lang)
    book.book.close()
    return path


def _summary(book: _Book, table: pd.DataFrame, titles: dict[str, str], manifest: dict[str, Any], lang: str) -> None:
    w = _COLUMN_WIDTH
    sheet = book.sheet("summary", [w["label"], 14, w["name"], *[w["number"]] * 7, 10])
    ref = titles[table["scenario"].iloc[0]]
    sheet.write_string(0, 0, render("workbook.title", lang), book.title)
    sheet.write_string(1, 0, render("workbook.summary_note", lang, {"seeds": len(manifest["seeds"]), "ref": ref}))
    book.headings(sheet, 3, [render(f"workbook.col_{c}", lang, {"ref": ref}) for c in
                             ("output", "unit", "scenario", "mean", "low", "high", "difference", "diff_low",
                              "diff_high", "relative", "clear")])
    clear = clear_effects(table).set_index(["key", "scenario"])
    for i, r in enumerate(table.itertuples(), start=4):
        decimals = Style.of(r.key, lang, table.loc[table["key"] == r.key, "mean"].abs().max()).decimals
        share = OUTPUTS[r.key].unit.share
        sheet.write_string(i, 0, r.output)
        sheet.write_string(i, 1, "%" if share else OUTPUTS[r.key].unit.text[lang])
        sheet.write_string(i, 2, titles[r.scenario])
        for col, value in zip((3, 4, 5), (r.mean, r.ci_low, r.ci_high), strict=True):
            sheet.write_number(i, col, value, book.level(r.key, decimals))
        difference = getattr(r, "difference", float("nan"))
        if pd.isna(difference):
            sheet.write_string(i, 6, render("table.reference", lang))
            continue
        factor = 100.0 if share else 1.0  # shares' differences in percentage points
        for col, value in zip((6, 7, 8), (difference, r.diff_ci_low, r.diff_ci_high), strict=True):
            sheet.write_number(i, col, value * factor, book.change(r.key, decimals))
        is_clear = (r.key, r.scenario) in clear.index
        if is_clear and pd.notna(relative := clear.loc[(r.key, r.scenario), "relative"]) and abs(relative) < 1e300:
            sheet.write_number(i, 9, relative, book.number("+0%;-0%;0%"))
        sheet.write_string(i, 10, render("workbook.yes" if is_clear else "workbook.no", lang))


def _per_week(book: _Book, kind: str, frame: pd.DataFrame, keys: list[str], titles: dict[str, str],
              seeds: int) -> None:
    lang = book.lang
    outputs = [c for c in frame.columns if c in OUTPUTS]
    means = frame.groupby(keys, sort=False)[outputs].mean().reset_index()
    columns = [*keys]
    if "steering_mode" in frame:  # the mode of most seeds that week (the layered mode chooses per neighbourhood)
        modes = (frame.groupby([*keys, "steering_mode"], sort=False).size().reset_index(name="n")
                 .sort_values("n", kind="stable").drop_duplicates(keys, keep="last"))
        means = means.merge(modes[[*keys, "steering_mode"]], on=keys, how="left")
        columns.append("steering_mode")
    w = _COLUMN_WIDTH
    sheet = book.sheet(kind, [w["name"], *([w["name"]] if "neighbourhood" in keys else []), 7, 7,
                              *([16] if "steering_mode" in columns else []), *[w["number"]] * len(outputs)])
    sheet.write_string(0, 0, render(f"workbook.{kind}_note", lang, {"seeds": seeds}), book.bold)
    book.headings(sheet, 1, [render(f"workbook.col_{c}", lang) for c in columns]
                  + [output_label(c, lang) for c in outputs])
    formats = {c: book.level(c, max(1, OUTPUTS[c].unit.decimals)) for c in outputs}
    year = book.number("0.00")
    names = {"scenario": titles.get, "neighbourhood": lambda n: neighbourhood_name(n, lang),
             "steering_mode": lambda m: steering_name(m, lang)}
    for i, row in enumerate(means[[*columns, *outputs]].itertuples(index=False, name=None), start=2):
        for col, (name, value) in enumerate(zip([*columns, *outputs], row, strict=True)):
            if name in names:
                sheet.write_string(i, col, str(names[name](value)))
            elif name == "week":
                sheet.write_number(i, col, value)
            elif name == "year":
                sheet.write_number(i, col, value, year)
            else:
                sheet.write_number(i, col, value, formats[name])
    sheet.autofilter(1, 0, 1 + len(means), len(columns) + len(outputs) - 1)


def _parameters(book: _Book, scenarios: list[dict[str, Any]], titles: dict[str, str]) -> None:
    lang = book.lang
    schema = {row["name"]: row for row in describe(Parameters)}
    w = _COLUMN_WIDTH
    sheet = book.sheet("parameters", [40, 14, *[w["name"]] * len(scenarios), 10, 60])
    sheet.write_string(0, 0, render("workbook.parameters_note", lang), book.bold)
    book.headings(sheet, 1, [render("workbook.col_parameter", lang), render("workbook.col_unit", lang),
                             *(titles[sc["name"]] for sc in scenarios), render("workbook.col_differs", lang),
                             render("workbook.col_meaning", lang)])
    for i, (key, values, differs) in enumerate(parameter_rows(scenarios), start=2):
        field = schema.get(key, {})
        sheet.write_string(i, 0, key)
        sheet.write_string(i, 1, field.get("unit", ""))
        for col, value in enumerate(values, start=2):
            if isinstance(value, bool) or not isinstance(value, int | float):
                sheet.write_string(i, col, json.dumps(value, ensure_ascii=False))
            else:
                sheet.write_number(i, col, value)
        sheet.write_string(i, len(values) + 2, render("workbook.yes" if differs else "workbook.no", lang))
        sheet.write_string(i, len(values) + 3, field.get("doc", ""))


def _provenance(book: _Book, manifest: dict[str, Any], lang: str) -> None:
    sheet = book.sheet("provenance", [34, 110])
    git = manifest.get("git") or {}
    rows: list[tuple[str, str]] = [
        (render("workbook.prov_command", lang), " ".join(manifest.get("command", []))),
        (render("workbook.prov_created", lang), manifest.get("created", "")),
        (render("workbook.prov_commit", lang), git.get("commit", "") + (" (+)" if git.get("dirty") else "")),
        (render("workbook.prov_digest", lang), manifest.get("model_digest", "")),
        (render("workbook.prov_seeds", lang), ", ".join(str(s) for s in manifest.get("seeds", []))),
    ]
    for sc in manifest["scenarios"]:
        rows.append((render("workbook.prov_scenario", lang, {"name": sc["name"]}),
                     f"{scenario_title(sc, lang)}: {scenario_description(sc, lang)}"))
    rows += [(name, str(version or "-")) for name, version in (manifest.get("versions") or {}).items()]
    sheet.write_string(0, 0, render("sheet.provenance", lang), book.title)
    for i, (name, value) in enumerate(rows, start=2):
        sheet.write_string(i, 0, name, book.bold)
        sheet.write_string(i, 1, value, book.wrap)
