"""The advisor's report: one self-contained HTML file (and optionally a PDF) of a scenario comparison.

``vitality report RESULTS_OR_SCENARIOS...`` reads results folders written by ``vitality run`` or
``vitality compare``, or first runs the given scenarios (through :mod:`model.cli`, which writes the
results folder), and writes one HTML file with everything inline: a plain-language summary generated
from the numbers, the key outputs with 95% confidence intervals and paired differences against the
reference (first) scenario, figures with bands, the neighbourhood differences that matter, what the
model assumes and leaves out (quoted from ``docs/ODD.md`` at report time), how well the baseline
matches its calibration targets (``docs/validation.json``) and the provenance of the run.

The page is rendered by Jinja2 from ``model/reporting/templates/report.html.j2``; its Dutch and English texts
are in ``model/reporting/templates/report_texts.toml``; numbers and dates are formatted for the language by Babel.
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import json
import math
import os
import shlex
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pandas as pd
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import format_decimal
from jinja2 import Environment, PackageLoader, StrictUndefined
from markdown_it import MarkdownIt
from markupsafe import Markup

from model.cli import (
    KEY_OUTPUTS,
    UsageError,
    _add_run_options,
    _scenarios,
    _simulate,
    comparison_table,
)
from model.core.parameters import Parameters
from model.core.time import WEEKS_PER_YEAR
from model.experiments.calibration import target_table
from model.experiments.plots import key_output_figures, with_derived_outputs
from model.experiments.provenance import DISTRIBUTION, ROOT
from model.experiments.runner import RunResult, last_weeks
from model.experiments.scenarios import TIMING_KEYS
from model.experiments.statistics import mean_ci
from model.experiments.store import publish_file
from model.i18n import DEFAULT_LANGUAGE, LANGUAGES, STEERING_NAMES
from model.reporting.odd import find_odd_sections

#: The outputs the report leads with (summary, key table, figures, neighbourhoods).
REPORT_OUTPUTS = ("community_strength", "lonely_share", "casework_load", "total_cost_eur")
#: Sections of docs/ODD.md quoted in the report, found by (part of) their heading.
ODD_SECTIONS = ("Basic principles", "What the model leaves out")
#: Parameters that set the size of a run, not the model: ignored when recognising the baseline.
SIZE_PARAMETERS = ("n_residents", "years")
#: Options of ``report`` that only apply when it runs scenarios.
RUN_OPTIONS = ("residents", "years", "seeds", "seed", "out")
RESULT_FILES = ("manifest.json", "city.parquet", "neighbourhoods.parquet")
LOCALES = {"en": "en_GB", "nl": "nl_NL"}
DEFAULT_THRESHOLD = 0.05  # a neighbourhood difference of 5% of the reference value is worth an alderman's attention
DOCS = ROOT / "docs"
#: The findings on where each steering mode wins, which the reading guide quotes (written beside docs/steering.md by
#: ``vitality analyse results/where_each_mode_wins --doc docs/steering.md``).
MODE_FINDINGS = "where_each_mode_wins.json"

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["link", "image", "autolink"])  # no URL can leak in


# ---------------------------------------------------------------------- reading results
@dataclass
class ResultsFolder:
    """One results folder written by ``vitality run`` or ``vitality compare``."""

    path: Path
    manifest: dict[str, Any]
    city: pd.DataFrame
    neighbourhoods: pd.DataFrame


@dataclass
class Comparison:
    """Scenarios run on the same seeds, from one or more results folders; the first scenario is the reference.

    Attributes:
        folders: The results folders, in the order given.
        scenarios: The scenarios as the manifests record them (name, descriptions, parameters, interventions,
            source text), in order.
        results: City and neighbourhood outputs by scenario name, with the derived ``casework_load``.
        seeds: The seeds every scenario was run with.

    """

    folders: list[ResultsFolder]
    scenarios: list[dict[str, Any]]
    results: dict[str, RunResult]
    seeds: list[int]

    @property
    def reference(self) -> dict[str, Any]:
        """The reference (first) scenario."""
        return self.scenarios[0]


def read_results(folder: Path) -> ResultsFolder:
    """Read a results folder, checking that it is one.

    Raises:
        UsageError: A file is missing or unreadable, or the manifest does not match the tables.

    """
    for name in RESULT_FILES:
        if not (folder / name).is_file():
            raise UsageError(f"{folder} is not a results folder (no {name}); give a folder written by "
                             "`vitality run` or `vitality compare`")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        names = [sc["name"] for sc in manifest["scenarios"]]
        _setup(manifest)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{folder / 'manifest.json'} is not valid JSON ({exc}); was it edited by hand?") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{folder / 'manifest.json'} lacks {exc} or has it in the wrong form; "
                         "give a folder written by `vitality run` or `vitality compare`") from None
    try:
        city = pd.read_parquet(folder / "city.parquet")
        neighbourhoods = pd.read_parquet(folder / "neighbourhoods.parquet")
    except (OSError, ValueError) as exc:
        raise UsageError(f"{folder}: cannot read its tables ({str(exc).splitlines()[0]})") from None
    for table, frame in (("city", city), ("neighbourhoods", neighbourhoods)):
        if "scenario" not in frame or set(frame["scenario"]) != set(names):
            raise UsageError(f"{folder}: {table}.parquet and manifest.json name different scenarios; "
                             "the folder was changed after it was written")
    return ResultsFolder(folder, manifest, city, neighbourhoods)


def _setup(manifest: dict[str, Any]) -> dict[str, Any]:
    """What must be equal for results to be compared: seeds and size (those of the first scenario)."""
    params = manifest["scenarios"][0]["parameters"]
    return {"seeds": [int(seed) for seed in manifest["seeds"]]} | {key: params[key] for key in SIZE_PARAMETERS}


def combine(folders: Sequence[ResultsFolder]) -> Comparison:
    """Put the scenarios of one or more results folders into one comparison.

    Raises:
        UsageError: A scenario appears twice, or the folders were run with different seeds or sizes.

    """
    scenarios, results = [], {}
    for folder in folders:
        for sc in folder.manifest["scenarios"]:
            name = sc["name"]
            if name in results:
                raise UsageError(f"scenario {name!r} is in more than one results folder; give each scenario once")
            scenarios.append(sc)
            results[name] = RunResult(*(with_derived_outputs(frame[frame["scenario"] == name]
                                                             .drop(columns="scenario").reset_index(drop=True))
                                        for frame in (folder.city, folder.neighbourhoods)))
    first = _setup(folders[0].manifest)
    for folder in folders[1:]:
        setup = _setup(folder.manifest)
        for key in first:
            if setup[key] != first[key]:
                raise UsageError(f"{folders[0].path} and {folder.path} differ in {key} ({first[key]} vs {setup[key]}),"
                                 " so they cannot be compared; run the scenarios together with `vitality compare`")
    return Comparison(list(folders), scenarios, results, first["seeds"])


# ---------------------------------------------------------------------- numbers and texts
def texts(lang: str) -> dict[str, Any]:
    """The report's texts in one language (``model/reporting/templates/report_texts.toml``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return _all_texts()[lang]


@functools.cache
def _all_texts() -> dict[str, Any]:
    """The texts file, read once (the report asks for its texts several times)."""
    source = resources.files("model.reporting").joinpath("templates", "report_texts.toml").read_text(encoding="utf-8")
    return tomllib.loads(source)


def is_share(key: str) -> bool:
    """Whether an output is a share of residents (shown as a percentage)."""
    return "_share" in key


@dataclass(frozen=True)
class Style:
    """How one output's numbers are written: scaled (shares as %), with decimals fitted to their size."""

    locale: str
    factor: float = 1.0
    decimals: int = 1
    suffix: str = ""
    diff_suffix: str = ""

    @classmethod
    def fitted(cls, locale: str, scale: float, share: bool = False, pp: str = "pp") -> Style:
        """Show three significant digits of ``scale`` (e.g. the largest mean), between 0 and 3 decimals."""
        factor = 100.0 if share else 1.0
        size = abs(scale * factor)
        decimals = 1 if not size or math.isnan(size) else min(3, max(0, 2 - math.floor(math.log10(size))))
        return cls(locale, factor, decimals, "%" if share else "", f" {pp}" if share else "")

    def _number(self, value: float, sign: bool) -> str:
        pattern = "#,##0" + ("." + "0" * self.decimals if self.decimals else "")
        return format_decimal(value * self.factor, format=f"+{pattern};-{pattern}" if sign else pattern,
                              locale=self.locale)

    def level(self, value: float) -> str:
        """Write a level (e.g. a mean or a CI bound)."""
        return self._number(value, sign=False) + self.suffix

    def change(self, value: float) -> str:
        """Write a difference, with its sign (shares in percentage points)."""
        return self._number(value, sign=True) + self.diff_suffix


def _styles(table: pd.DataFrame, locale: str, t: dict[str, Any]) -> dict[str, Style]:
    """One style per output of a :func:`model.cli.comparison_table`, fitted to its largest mean."""
    return {key: Style.fitted(locale, rows["mean"].abs().max(), is_share(key), t["pp"])
            for key, rows in table.groupby("key", sort=False)}


def is_clear(low: float, high: float) -> bool:
    """Whether a 95% confidence interval of a difference excludes zero (NaN intervals are never clear)."""
    return bool(low > 0 or high < 0)


def _interval(t: dict[str, Any], style: Style, mean: float, low: float, high: float, change: bool = False) -> str:
    if math.isnan(mean):
        return t["not_available"]
    write = style.change if change else style.level
    if math.isnan(low):
        return write(mean)
    return t["ci"].format(mean=write(mean), low=write(low), high=write(high))


def _data(**values: float) -> dict[str, str]:
    """Exact values as ``data-*`` attributes, so that tools (and tests) can read the numbers behind the text."""
    return {f"data-{k.replace('_', '-')}": repr(float(v)) for k, v in values.items()}


def weeks_averaged(results: dict[str, RunResult], weeks: int = WEEKS_PER_YEAR) -> int:
    """Number of weeks in the final period that :meth:`model.experiments.runner.RunResult.final` averages."""
    return int(last_weeks(next(iter(results.values())).city, weeks)["week"].nunique())


# ---------------------------------------------------------------------- the parts of the report
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
    def final(frame: pd.DataFrame) -> pd.DataFrame:
        return last_weeks(frame, weeks).groupby(["neighbourhood", "seed"], sort=False)[list(keys)].mean()

    finals = {name: final(r.neighbourhoods) for name, r in results.items()}
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


def summary_paragraph(comparison: Comparison, table: pd.DataFrame, lang: str, weeks: int,
                      validation: dict[str, Any]) -> str:
    """The plain-language summary: what was compared and what came out, judged by the paired 95% CIs.

    Args:
        comparison: The scenarios and their seeds.
        table: :func:`model.cli.comparison_table` of :data:`REPORT_OUTPUTS`.
        lang: ``"nl"`` or ``"en"``.
        weeks: Weeks averaged per run.
        validation: The calibration part (:func:`validation_part`), for its one-sentence verdict.

    """
    t, locale = texts(lang), LOCALES[lang]
    styles = _styles(table, locale, t)
    names = [sc["name"] for sc in comparison.scenarios]
    ref = names[0]
    params = comparison.reference["parameters"]
    size = {"residents": format_decimal(params["n_residents"], locale=locale),
            "years": format_decimal(params["years"], format="#,##0.##", locale=locale),
            "seeds": len(comparison.seeds)}
    rows = {(r.key, r.scenario): r for r in table.itertuples()}
    unit = {key: t["unit"].get(key, "") for key in REPORT_OUTPUTS}  # shares: Style.change writes the points
    if len(names) == 1:
        values = [f"{t['noun'][key]} {_interval(t, styles[key], r.mean, r.ci_low, r.ci_high)}"
                  for key in REPORT_OUTPUTS for r in [rows[key, ref]]]
        parts = [t["summary_intro_one"].format(scenario=ref, **size),
                 t["summary_levels"].format(weeks=weeks, values=format_list(values, locale=locale))]
    else:
        described = [f"{sc['name']} ({_description(sc, lang)})" for sc in comparison.scenarios]
        parts = [t["summary_intro_many"].format(n=len(names), scenarios=format_list(described, locale=locale),
                                                ref=ref, **size)]
        if len(comparison.seeds) < 2:
            parts.append(t["summary_one_seed"])
        else:
            for name in names[1:]:
                clear, unclear = [], []
                for key in REPORT_OUTPUTS:
                    r, style = rows[key, name], styles[key]
                    if is_clear(r.diff_ci_low, r.diff_ci_high):
                        change = f"{style.change(r.difference)} {unit[key]}".strip()
                        phrase = t["summary_higher" if r.difference > 0 else "summary_lower"]
                        clear.append(phrase.format(what=t["noun"][key], diff=change, low=style.change(r.diff_ci_low),
                                                   high=style.change(r.diff_ci_high)))
                    else:
                        unclear.append(t["noun"][key])
                which = ("summary_clear_unclear" if clear and unclear else "summary_clear" if clear
                         else "summary_unclear")
                parts.append(t[which].format(ref=ref, scenario=name, clear=format_list(clear, locale=locale),
                                             unclear=format_list(unclear, locale=locale)))
        parts.append(t["summary_rule"].format(weeks=weeks))
    if validation.get("rows"):
        parts.append(t["summary_validation"].format(
            date=validation["date"], passed=validation["passed"], total=len(validation["rows"]),
            other=t["summary_validation_other"] if validation["other_commit"] else ""))
    else:
        parts.append(t["summary_no_validation"])
    return " ".join(parts)


def _description(scenario: dict[str, Any], lang: str) -> str:
    return scenario.get(f"description_{lang}") or scenario.get("description", "")


def key_output_groups(table: pd.DataFrame, t: dict[str, Any], locale: str) -> list[dict[str, Any]]:
    """Rows of a :func:`model.cli.comparison_table` as the report's tables show them, grouped by output."""
    styles = _styles(table, locale, t)
    groups = []
    for key, rows in table.groupby("key", sort=False):
        style = styles[key]
        cells = []
        for r in rows.itertuples():
            which = {"data-key": key, "data-scenario": r.scenario}
            cell = {"scenario": r.scenario, "mean": _interval(t, style, r.mean, r.ci_low, r.ci_high),
                    "attrs": which | _data(mean=r.mean, ci_low=r.ci_low, ci_high=r.ci_high)}
            difference = getattr(r, "difference", math.nan)
            if not math.isnan(difference):
                cell |= {"difference": _interval(t, style, difference, r.diff_ci_low, r.diff_ci_high, change=True),
                         "is_clear": is_clear(r.diff_ci_low, r.diff_ci_high),
                         "diff_attrs": which | _data(difference=difference, diff_ci_low=r.diff_ci_low,
                                                     diff_ci_high=r.diff_ci_high)}
            cells.append(cell)
        groups.append({"key": key, "label": rows["output"].iloc[0], "rows": cells})
    return groups


def figures(comparison: Comparison, t: dict[str, Any]) -> list[dict[str, str]]:
    """The key outputs over time (mean and 95% band per scenario), as PNG data URIs."""
    city = pd.concat([r.city.assign(scenario=name) for name, r in comparison.results.items()], ignore_index=True)
    labels = {key: t["output"][key] for key in REPORT_OUTPUTS}
    result = []
    for key, fig in key_output_figures(city, outputs=labels, xlabel=t["year"], title=t["figure_title"]).items():
        fig.savefig(png := io.BytesIO(), format="png", dpi=120)
        result.append({"key": key, "label": labels[key],
                       "src": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")})
    return result


def odd_sections(markdown: str, titles: Sequence[str] = ODD_SECTIONS) -> list[dict[str, Any]]:
    """Find sections of the model description by their headings and render them as HTML.

    Args:
        markdown: The text of ``docs/ODD.md``.
        titles: Part of each wanted section's heading (case-insensitive).

    Returns:
        Per title: ``title``, ``heading`` (as written, ``None`` when absent) and ``html`` (the section's
        body up to the next heading of the same or a higher level; raw HTML and links are not rendered).

    """
    return [{"title": title, "heading": None, "html": None} if section is None else
            {"title": title, "heading": section[0], "html": Markup(_MARKDOWN.render(section[1]))}
            for title, section in zip(titles, find_odd_sections(markdown, titles), strict=True)]


def validation_part(docs: Path, run_digest: str | None, t: dict[str, Any], locale: str) -> dict[str, Any]:
    """The calibration check of ``docs/validation.json`` (written by ``python -m model.experiments.validation``).

    Whether it describes the model of this run is decided by the model digest
    (:func:`model.experiments.provenance.model_digest`) that both the validation and the run's manifest record.

    Returns:
        ``messages`` (what the file is and whether it belongs to this run's model version) and, when
        readable, ``rows`` (one per target), ``passed``, ``date`` and ``other_commit``.

    """
    path = docs / "validation.json"
    if not path.is_file():
        return {"messages": [t["validation_missing"]]}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        config, targets = data["configuration"], data["targets"]
        rows = target_rows(pd.DataFrame(targets), t, locale)
        made = _date(data["generated"], locale)
        digest = data.get("model_digest")
        made_text = t["validation_made"].format(
            date=made, residents=format_decimal(config["residents"], locale=locale),
            years=format_decimal(config["years"], format="#,##0.##", locale=locale), seeds=len(config["seeds"]),
            commit=(digest or "?")[:10], passed=sum(bool(r["pass"]) for r in targets), total=len(targets))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        return {"messages": [t["validation_unreadable"].format(problem=f"{type(exc).__name__}: {exc}")]}
    other = bool(run_digest and digest != run_digest)
    messages = [made_text]
    if not run_digest:
        messages.append(t["validation_unknown"])
    elif other:
        messages.append(t["validation_other"].format(validation=(digest or "?")[:10], run=run_digest[:10]))
    else:
        messages.append(t["validation_same"])
    return {"messages": messages, "rows": rows, "passed": sum(bool(r["pass"]) for r in targets), "date": made,
            "other_commit": other}


def mode_findings_part(docs: Path, run_digest: str | None, lang: str) -> dict[str, Any]:
    """The reading guide's findings on where each steering mode wins, from ``docs/where_each_mode_wins.json``.

    The file holds the best-choice questions of the discovery design as data (:func:`model.experiments.analysis.
    publish_findings`); each is written here as a sentence in the report's language.

    Returns:
        ``messages`` (what the findings are, and whether they belong to this run's model version) and ``outputs``:
        per output its heading and one sentence per mode.

    """
    t, locale = texts(lang), LOCALES[lang]
    path = docs / MODE_FINDINGS
    if not path.is_file():
        return {"messages": [t["guide_modes_missing"]], "outputs": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        outputs: dict[str, dict[str, Any]] = {}
        for q in data["questions"]:
            if q["kind"] != "best":
                continue
            heading = t[f"guide_output_{q['better']}"].format(output=t["noun"].get(q["output"], q["output"]))
            outputs.setdefault(q["output"], {"label": heading, "sentences": []})["sentences"].append(
                _best_choice_sentence(q, t, lang, locale))
        intro = t["guide_modes_intro"].format(
            design=data["design"], points=data["points"], seeds=len(data["seeds"]),
            residents=format_decimal(data["residents"], locale=locale),
            years=format_decimal(data["years"], format="#,##0.##", locale=locale))
        digest = data.get("model_digest") or "?"
        made = t["guide_modes_made"].format(date=_date(data["generated"], locale), digest=digest[:10])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        return {"messages": [t["guide_modes_unreadable"].format(problem=f"{type(exc).__name__}: {exc}")],
                "outputs": []}
    messages = [intro, made]
    if run_digest and digest != run_digest:
        messages.append(t["guide_modes_other"].format(findings=digest[:10], run=run_digest[:10]))
    return {"messages": messages, "outputs": list(outputs.values())}


def _best_choice_sentence(q: dict[str, Any], t: dict[str, Any], lang: str, locale: str) -> str:
    """One mode's finding: never, always, or in how many conditions and where (the PRIM box's restrictions)."""
    name = STEERING_NAMES[lang].get(q["scenario"], q["scenario"])
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


def target_rows(table: pd.DataFrame, t: dict[str, Any], locale: str) -> list[dict[str, Any]]:
    """Rows of a :func:`model.experiments.calibration.target_table` as the report shows them."""
    rows = []
    for r in table.to_dict("records"):
        share = r["unit"] == "share"
        style = Style.fitted(locale, r["value"], share, t["pp"])
        unit = "" if share else f" {r['unit']}"
        rows.append({"target": r["target"], "source": r["source"], "pass": bool(r["pass"]),
                     "value": f"{style.level(r['value'])} ± {style.change(r['tolerance']).lstrip('+')}{unit}",
                     "model": _interval(t, style, r["model"], r["ci_low"], r["ci_high"]) + unit})
    return rows


def is_baseline(scenario: dict[str, Any]) -> bool:
    """Whether a scenario (as recorded in a manifest) is the baseline: schema defaults, no interventions.

    Its size (:data:`SIZE_PARAMETERS`) may differ.
    """
    defaults = json.loads(json.dumps(Parameters().to_dict()))  # as a manifest stores them: lists, not tuples

    def model_part(params: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in params.items() if k not in SIZE_PARAMETERS}

    return not scenario.get("interventions") and model_part(scenario["parameters"]) == model_part(defaults)


def _date(iso: str, locale: str, with_time: bool = False) -> str:
    when = datetime.fromisoformat(iso)
    return format_datetime(when, "medium", locale=locale) if with_time else format_date(when, "long", locale=locale)


def _flatten(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in params.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _interventions(scenario: dict[str, Any], t: dict[str, Any], locale: str) -> list[str]:
    def year(value: float) -> str:
        return format_decimal(value, format="#,##0.##", locale=locale)

    described = []
    for entry in scenario.get("interventions", []):
        fields = {"type": entry["type"], "start": year(entry["at_year"])}
        text = (t["intervention_until"].format(end=year(entry["until_year"]), **fields) if "until_year" in entry
                else t["intervention_at"].format(**fields))
        if entry.get("neighbourhoods"):
            text += " " + t["intervention_in"].format(places=format_list(entry["neighbourhoods"], locale=locale))
        settings = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in entry.items() if k not in TIMING_KEYS]
        described.append(text + (f" ({', '.join(settings)})" if settings else ""))
    return described


def provenance(comparison: Comparison, t: dict[str, Any], locale: str) -> dict[str, Any]:
    """Collect the provenance: scenario texts, parameters and each results folder's run details.

    Parameters that differ between scenarios come first; per results folder: command, date, model
    version, seeds, run time and software versions.
    """
    flat = [_flatten(sc["parameters"]) for sc in comparison.scenarios]
    keys = list(dict.fromkeys(k for params in flat for k in params))
    parameters = []
    for key in keys:
        values = [json.dumps(params.get(key), ensure_ascii=False) for params in flat]
        parameters.append({"key": key, "values": values, "differs": len(set(values)) > 1})
    parameters.sort(key=lambda row: not row["differs"])  # what sets the scenarios apart first
    folders = []
    for folder in comparison.folders:
        m = folder.manifest
        git = m.get("git")
        commit = (t["prov_git_none"] if not git else
                  t["prov_git_dirty"].format(commit=git["commit"]) if git.get("dirty") else git["commit"])
        # run and compare record seconds per scenario, sweeps their total (model.cli)
        timings = m.get("timings") or {}
        per_scenario = timings.get("run_seconds_per_scenario")
        seconds = sum(per_scenario.values()) if per_scenario else timings.get("run_seconds_total")
        folders.append({
            "title": t["prov_results"].format(folder=folder.path),
            "items": [(t["prov_command"], shlex.join(m.get("command", []))),
                      (t["prov_created"], _date(m["created"], locale, with_time=True) if "created" in m else "?"),
                      (t["prov_git"], commit),
                      (t["prov_seeds"], ", ".join(str(s) for s in m["seeds"])),
                      (t["prov_timings"], "?" if seconds is None else t["prov_seconds"].format(
                          seconds=format_decimal(seconds, format="#,##0.#", locale=locale)))],
            "versions": [(name, version or "-") for name, version in (m.get("versions") or {}).items()]})
    return {"scenarios": [{"name": sc["name"], "source": sc.get("source") or json.dumps(sc, indent=2)}
                          for sc in comparison.scenarios],
            "parameters": parameters, "folders": folders}


# ---------------------------------------------------------------------- the whole report
def _environment() -> Environment:
    return Environment(loader=PackageLoader("model.reporting", "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_report(comparison: Comparison, lang: str = DEFAULT_LANGUAGE, threshold: float = DEFAULT_THRESHOLD,
                  docs: Path = DOCS, today: date | None = None) -> str:
    """Render the report of a comparison as one self-contained HTML page.

    Args:
        comparison: What to report on (see :func:`read_results`, :func:`combine`).
        lang: ``"nl"`` or ``"en"``.
        threshold: Smallest neighbourhood difference that matters, as a share of the reference value.
        docs: Folder with ``ODD.md``, ``validation.json`` and the findings on where each mode wins.
        today: Date printed as the report's date (default: today).

    Returns:
        The HTML text.

    """
    t = texts(lang)
    locale = LOCALES[lang]
    results = comparison.results
    weeks = weeks_averaged(results)
    ref = comparison.reference["name"]
    key_table = comparison_table(results, {key: t["output"][key] for key in REPORT_OUTPUTS})
    all_table = comparison_table(results, {key: t["output"].get(key, label) for key, label in KEY_OUTPUTS.items()})
    run_digest = comparison.folders[0].manifest.get("model_digest")
    validation = validation_part(docs, run_digest, t, locale)
    own_targets = None
    if is_baseline(comparison.reference):
        own_targets = target_rows(target_table(results[ref].final()), t, locale)

    nbh = neighbourhood_differences(results, REPORT_OUTPUTS, threshold)
    nbh_styles = _styles(key_table, locale, t)
    nbh_rows = [{"neighbourhood": r.neighbourhood, "output": t["output"][r.key], "scenario": r.scenario,
                 "difference": _interval(t, nbh_styles[r.key], r.difference, r.diff_ci_low, r.diff_ci_high, True),
                 "relative": format_decimal(r.relative * 100, format="+#,##0;-#,##0", locale=locale) + "%"}
                for r in nbh[nbh["matters"]].itertuples()]

    odd_path = docs / "ODD.md"
    odd = odd_sections(odd_path.read_text(encoding="utf-8")) if odd_path.is_file() else None
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = "?"
    params = comparison.reference["parameters"]
    return _environment().get_template("report.html.j2").render(
        lang=lang, t=t, ref=ref,
        generated=t["generated"].format(date=format_date(today or date.today(), "long", locale=locale),
                                        version=version),
        summary=summary_paragraph(comparison, key_table, lang, weeks, validation),
        scenarios=[{"name": sc["name"], "description": _description(sc, lang),
                    "interventions": _interventions(sc, t, locale)} for sc in comparison.scenarios],
        key_intro=t["key_intro"].format(weeks=weeks, seeds=len(comparison.seeds)),
        col_difference=t["col_difference"].format(ref=ref),
        key_groups=key_output_groups(key_table, t, locale),
        all_groups=key_output_groups(all_table, t, locale),
        many=len(comparison.scenarios) > 1,
        figures=figures(comparison, t),
        nbh_rule=t["nbh_rule"].format(threshold=format_decimal(threshold * 100, format="#,##0.#", locale=locale)
                                      + "%"),
        nbh_rows=nbh_rows, col_relative=t["col_relative"].format(ref=ref),
        odd=odd, odd_intro=t["odd_intro"].format(document="docs/ODD.md"),
        validation=validation, own_targets=own_targets, modes=mode_findings_part(docs, run_digest, lang),
        own_note=t["own_note"].format(residents=format_decimal(params["n_residents"], locale=locale),
                                      years=format_decimal(params["years"], format="#,##0.##", locale=locale),
                                      seeds=len(comparison.seeds)),
        own_not_baseline=t["own_not_baseline"].format(ref=ref),
        provenance=provenance(comparison, t, locale),
    )


# ---------------------------------------------------------------------- writing
def pdf_renderer() -> Callable[[str], bytes]:
    """Return a function that turns the report's HTML into PDF (WeasyPrint), checking first that it can.

    Raises:
        UsageError: WeasyPrint or the Pango library it uses is not installed.

    """
    try:
        from weasyprint import HTML
    except ImportError:
        raise UsageError("--pdf needs WeasyPrint: pip install 'community-vitality[pdf]'") from None
    except OSError as exc:  # WeasyPrint loads Pango when imported
        raise UsageError("--pdf needs the Pango library that WeasyPrint uses (Debian/Ubuntu: apt-get install "
                         f"libpango-1.0-0 libpangoft2-1.0-0): {str(exc).splitlines()[0]}") from None
    return lambda html: HTML(string=html).write_pdf()


def _exists_error(path: Path) -> UsageError:
    return UsageError(f"report {path} exists already; choose another with --report or remove it")


def write_report(path: Path, html: str, pdf: Callable[[str], bytes] | None = None) -> list[Path]:
    """Write the report (and its PDF beside it), never overwriting a file and never leaving half a file.

    Each file is written to a temporary file in the same folder and then hard-linked to its name,
    which fails if the name exists.

    Args:
        path: The HTML file to write; the PDF gets the same name ending in ``.pdf``.
        html: The report.
        pdf: A function from :func:`pdf_renderer`, or ``None`` for no PDF.

    Returns:
        The written files.

    Raises:
        UsageError: One of the files exists already.

    """
    files = {path: html.encode("utf-8")}
    if pdf is not None:
        files[path.with_suffix(".pdf")] = pdf(html)
    for target in files:
        if target.exists():
            raise _exists_error(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for target, data in files.items():
            try:
                publish_file(target, data)
            except FileExistsError:
                raise _exists_error(target) from None
            written.append(target)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        raise
    return written


def _explicit_run_options(args: argparse.Namespace) -> list[str]:
    """The options for running scenarios that were given values other than their defaults."""
    return [f"--{key}" for key in RUN_OPTIONS if getattr(args, key) != args.run_defaults[key]]


def add_report_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``report`` command to the subcommands of ``vitality`` (:func:`model.cli.build_parser`)."""
    p = commands.add_parser("report", help="write a self-contained HTML report (and PDF) of results or scenarios")
    p.add_argument("inputs", nargs="+", metavar="RESULTS_OR_SCENARIO",
                   help="results folders written by run or compare, or scenarios to run first (a shipped "
                        "scenario's name or a .toml file); the first scenario is the reference")
    _add_run_options(p)
    p.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help=f"language (default {DEFAULT_LANGUAGE})")
    p.add_argument("--report", help="report file ending in .html (must not exist yet; default report-<lang>.html "
                                    "in the results folder)")
    p.add_argument("--pdf", action="store_true", help="also write a PDF beside it (needs WeasyPrint)")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD * 100,
                   help="smallest neighbourhood difference shown, in %% of the reference value (default %(default)g)")
    p.set_defaults(func=report_command, run_defaults={key: p.get_default(key) for key in RUN_OPTIONS})


def report_command(args: argparse.Namespace) -> int:
    """Run ``vitality report`` (options: :func:`add_report_parser`)."""
    if args.threshold < 0:
        raise UsageError("--threshold must be 0 or more (a percentage of the reference value)")
    report = Path(args.report) if args.report else None
    if report is not None:
        if report.suffix != ".html":
            raise UsageError(f"--report {report}: give a file name ending in .html")
        for target in (report, report.with_suffix(".pdf") if args.pdf else report):
            if target.exists():
                raise _exists_error(target)
    pdf = pdf_renderer() if args.pdf else None
    is_folder = [Path(item).is_dir() for item in args.inputs]
    if any(is_folder):
        if not all(is_folder):
            raise UsageError("give either results folders or scenarios to run, not both")
        if given := _explicit_run_options(args):
            raise UsageError(f"{', '.join(given)} only apply when the report runs scenarios, not to results folders")
        comparison = combine([read_results(Path(item)) for item in args.inputs])
    else:
        for item in args.inputs:
            if not item.endswith(".toml") and ("/" in item or os.sep in item):
                raise UsageError(f"{item}: no such results folder; give a folder written by `vitality run` or "
                                 "`vitality compare`, a scenario file (.toml) or a shipped scenario's name")
        scenarios = _scenarios(args.inputs, args)
        _, _, out = _simulate(scenarios, args, "report-" + "-".join(sc.name for sc in scenarios)[:60])
        print(f"Results written to {out}/")
        comparison = combine([read_results(out)])
    if report is None:
        folders = comparison.folders
        report = (folders[0].path / f"report-{args.lang}.html" if len(folders) == 1
                  else Path("results") / f"report-{datetime.now():%Y%m%d-%H%M%S}-{args.lang}.html")
    html = render_report(comparison, lang=args.lang, threshold=args.threshold / 100)
    for path in write_report(report, html, pdf):
        print(f"Report written to {path}")
    return 0
