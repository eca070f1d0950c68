"""The advisor's report: one self-contained HTML file (and optionally a PDF) of a scenario comparison.

A library: ``vitality report`` (:mod:`model.cli`) reads results folders written by ``vitality run``
or ``vitality compare`` (or first runs the given scenarios) with :func:`model.api.read_results` and
:func:`model.api.combine`; this module renders and writes one HTML file with everything inline: a
plain-language summary generated from the numbers, a reading guide with where each steering mode is the
best choice (:mod:`model.reporting.guide`), the key outputs with 95% confidence intervals and
paired differences against the reference (first) scenario, figures with bands, the neighbourhood
differences that matter, for a real city its observed figures beside the simulated ones and maps of
its wijken (:mod:`~model.reporting.city`), what the model assumes and leaves out (quoted from
``docs/ODD.md`` at report time), how well the baseline matches its calibration targets
(``docs/validation.json``) and the provenance of the run.

The page is rendered by Jinja2 from ``model/reporting/templates/report.html.j2``; its Dutch and
English texts are in ``model/reporting/templates/report_texts.toml``; numbers and dates are
formatted for the language by Babel.
"""

from __future__ import annotations

import functools
import json
import math
import shlex
import tomllib
from collections.abc import Callable, Sequence
from datetime import date, datetime
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pandas as pd
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from jinja2 import Environment, PackageLoader, StrictUndefined
from markdown_it import MarkdownIt
from markupsafe import Markup

from model.api import (
    DEFAULT_THRESHOLD,
    KEY_OUTPUTS,
    OUTPUTS,
    SIZE_PARAMETERS,
    Comparison,
    comparison_table,
    is_clear,
    key_output_figures,
    neighbourhood_differences,
    weeks_averaged,
)
from model.core.parameters import Parameters
from model.experiments.calibration import TARGETS, target_table
from model.experiments.comparison import clear_effects, effect_phrase
from model.experiments.provenance import DISTRIBUTION, parameter_rows, shipped
from model.experiments.publish import publish_file
from model.experiments.scenarios import TIMING_KEYS
from model.experiments.statistics import FEW_SEEDS, MIN_SEEDS
from model.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALES,
    Style,
    interval,
    intervention_name,
    neighbourhood_name,
    number,
    scenario_description,
    scenario_title,
    setting_name,
    steering_name,
)
from model.messages import InputError, msg
from model.reporting.city import city_part, png_uri
from model.reporting.guide import mode_findings
from model.reporting.odd import find_odd_sections

#: The outputs the report leads with (summary, key table, figures, neighbourhoods).
REPORT_OUTPUTS = ("community_strength", "lonely_share", "casework_load", "total_cost_eur")
#: Sections of docs/ODD.md quoted in the report, found by (part of) their heading.
ODD_SECTIONS = ("Basic principles", "What the model leaves out")
DOCS = shipped("docs")

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["link", "image", "autolink"])  # no URL can leak in


class ReportError(InputError):
    """A report that cannot be written (its file exists, PDF support is missing); the message is one line."""


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


def _styles(table: pd.DataFrame, lang: str) -> dict[str, Style]:
    """One style per output of a :func:`model.api.comparison_table`, fitted to its largest mean."""
    return {key: Style.of(key, lang, rows["mean"].abs().max()) for key, rows in table.groupby("key", sort=False)}


def seeds_warning(seeds: int, t: dict[str, Any]) -> str | None:
    """The warning above the key outputs when there are too few seeds for (narrow) intervals, else ``None``."""
    if seeds < MIN_SEEDS:
        return t["no_intervals"]
    return t["few_seeds"].format(seeds=seeds) if seeds < FEW_SEEDS else None


def _data(**values: float) -> dict[str, str]:
    """Exact values as ``data-*`` attributes, so that tools (and tests) can read the numbers behind the text."""
    return {f"data-{k.replace('_', '-')}": repr(float(v)) for k, v in values.items()}


# ---------------------------------------------------------------------- the parts of the report
def summary(comparison: Comparison, table: pd.DataFrame, lang: str, weeks: int,
            validation: dict[str, Any]) -> dict[str, Any]:
    """The answer the report opens with: what was compared and which clear effects came out, largest first.

    Each scenario's clear differences from the reference (the paired 95% CI excludes zero) over the
    outputs of ``table`` are ranked by their size relative to the reference value
    (:func:`model.api.clear_effects`), so the largest leads whatever its unit; unclear ones are only counted.

    Args:
        comparison: The scenarios and their seeds.
        table: :func:`model.api.comparison_table` of the outputs to rank (:data:`model.api.KEY_OUTPUTS`).
        lang: ``"nl"`` or ``"en"``.
        weeks: Weeks averaged per run.
        validation: The calibration part (:func:`validation_part`), for its one-sentence verdict.

    Returns:
        ``intro`` (a sentence), ``scenarios`` (per compared scenario: ``lead``, ``effects`` (sentences, largest
        first) and ``unclear``) and ``notes`` (how to read it, the calibration verdict).

    """
    t, locale = texts(lang), LOCALES[lang]
    names = {sc["name"]: scenario_title(sc, lang) for sc in comparison.scenarios}
    ref = comparison.reference["name"]
    params = comparison.reference["parameters"]
    size = {"residents": number(params["n_residents"], lang), "years": number(params["years"], lang),
            "seeds": len(comparison.seeds)}
    styles = _styles(table, lang)
    per_scenario = []
    if len(names) == 1:
        rows = table.set_index("key")
        values = [f"{OUTPUTS[key].short[lang]} {interval(styles[key], r['mean'], r['ci_low'], r['ci_high'])}"
                  for key, r in rows.iterrows() if key in REPORT_OUTPUTS]
        intro = " ".join([t["summary_intro_one"].format(scenario=names[ref], **size),
                          t["summary_levels"].format(weeks=weeks, values=format_list(values, locale=locale))])
    else:
        described = [f"{names[sc['name']]} ({scenario_description(sc, lang)})" for sc in comparison.scenarios]
        intro = t["summary_intro_many"].format(n=len(names), scenarios=format_list(described, locale=locale),
                                               ref=names[ref], **size)
        effects = clear_effects(table)
        outputs = table["key"].nunique()
        for name in list(names)[1:] if len(comparison.seeds) >= MIN_SEEDS else []:
            clear = effects[effects["scenario"] == name]
            lead = t["summary_clear" if len(clear) else "summary_none"].format(scenario=names[name], ref=names[ref])
            unclear = outputs - len(clear)
            per_scenario.append({
                "name": name, "lead": lead,
                "effects": [effect_phrase(row, lang, styles[row.key]) for row in clear.itertuples()],
                "unclear": t["summary_unclear"].format(n=unclear) if unclear and len(clear) else ""})
    notes = [t["summary_one_seed"]] if len(names) > 1 and len(comparison.seeds) < MIN_SEEDS else []
    if len(names) > 1:
        notes.append(t["summary_rule"].format(weeks=weeks))
    if validation.get("rows"):
        notes.append(t["summary_validation"].format(
            date=validation["date"], passed=validation["passed"], total=len(validation["rows"]),
            other=t["summary_validation_other"] if validation["other_commit"] else ""))
    else:
        notes.append(t["summary_no_validation"])
    return {"intro": intro, "scenarios": per_scenario, "notes": notes}


def key_output_groups(table: pd.DataFrame, t: dict[str, Any], lang: str,
                      names: dict[str, str]) -> list[dict[str, Any]]:
    """Rows of a :func:`model.cli.comparison_table` as the report's tables show them, grouped by output."""
    styles = _styles(table, lang)
    groups = []
    for key, rows in table.groupby("key", sort=False):
        style = styles[key]
        cells = []
        for r in rows.itertuples():
            which = {"data-key": key, "data-scenario": r.scenario}
            cell = {"scenario": names.get(r.scenario, r.scenario), "mean": interval(style, r.mean, r.ci_low, r.ci_high),
                    "attrs": which | _data(mean=r.mean, ci_low=r.ci_low, ci_high=r.ci_high)}
            difference = getattr(r, "difference", math.nan)
            if not math.isnan(difference):
                cell |= {"difference": interval(style, difference, r.diff_ci_low, r.diff_ci_high, change=True),
                         "is_clear": is_clear(r.diff_ci_low, r.diff_ci_high),
                         "diff_attrs": which | _data(difference=difference, diff_ci_low=r.diff_ci_low,
                                                     diff_ci_high=r.diff_ci_high)}
            cells.append(cell)
        groups.append({"key": key, "label": rows["output"].iloc[0], "rows": cells})
    return groups


def figures(comparison: Comparison, t: dict[str, Any], lang: str, names: dict[str, str]) -> list[dict[str, str]]:
    """The key outputs over time (mean and 95% band per scenario, named in ``lang``), as PNG data URIs."""
    city = pd.concat([r.city.assign(scenario=name) for name, r in comparison.results.items()], ignore_index=True)
    return [{"key": key, "label": OUTPUTS[key].label[lang], "src": png_uri(fig)}
            for key, fig in key_output_figures(city, REPORT_OUTPUTS, lang, names=names).items()]


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


def validation_part(docs: Path, run_digest: str | None, t: dict[str, Any], lang: str) -> dict[str, Any]:
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
        rows = target_rows(pd.DataFrame(targets), lang)
        made = _date(data["generated"], lang)
        digest = data.get("model_digest")
        made_text = t["validation_made"].format(
            date=made, residents=number(config["residents"], lang), years=number(config["years"], lang),
            seeds=len(config["seeds"]),
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


def target_rows(table: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Rows of a :func:`model.experiments.calibration.target_table` as the report shows them."""
    targets = {target.name: target for target in TARGETS}
    rows = []
    for r in table.to_dict("records"):
        share = r["unit"] == "share"
        style = Style.fitted(lang, r["value"], share)
        target = targets.get(r["target"])  # as declared now: its Dutch name, its output's unit in words
        unit = "" if share else f" {OUTPUTS[target.metrics[0]].unit.text[lang] if target else r['unit']}"
        name = (target.name_nl or target.name) if target and lang == "nl" else r["target"]
        rows.append({"target": name, "source": r["source"], "pass": bool(r["pass"]),
                     "value": f"{style.level(r['value'])} ± {style.change(r['tolerance']).lstrip('+')}{unit}",
                     "model": interval(style, r["model"], r["ci_low"], r["ci_high"]) + unit})
    return rows


def is_baseline(scenario: dict[str, Any]) -> bool:
    """Whether a scenario (as recorded in a manifest) is the baseline: schema defaults, no interventions.

    Its size (:data:`SIZE_PARAMETERS`) may differ.
    """
    defaults = json.loads(json.dumps(Parameters().to_dict()))  # as a manifest stores them: lists, not tuples

    def model_part(params: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in params.items() if k not in SIZE_PARAMETERS}

    return not scenario.get("interventions") and model_part(scenario["parameters"]) == model_part(defaults)


def _date(iso: str, lang: str, with_time: bool = False) -> str:
    when, locale = datetime.fromisoformat(iso), LOCALES[lang]
    return format_datetime(when, "medium", locale=locale) if with_time else format_date(when, "long", locale=locale)


def _interventions(scenario: dict[str, Any], t: dict[str, Any], lang: str) -> list[str]:
    """Each intervention of a scenario in words: its name, when, where and its settings, all in ``lang``."""
    def value(v: Any) -> str:
        return (number(v, lang) if isinstance(v, int | float) and not isinstance(v, bool) else
                t["yes" if v else "no"] if isinstance(v, bool) else steering_name(v, lang) if isinstance(v, str)
                else json.dumps(v, ensure_ascii=False))

    described = []
    for entry in scenario.get("interventions", []):
        kind = entry["type"]
        fields = {"type": intervention_name(kind, lang), "start": number(entry["at_year"], lang)}
        text = (t["intervention_until"].format(end=number(entry["until_year"], lang), **fields) if "until_year" in entry
                else t["intervention_at"].format(**fields))
        if entry.get("neighbourhoods"):
            places = [neighbourhood_name(n, lang) for n in entry["neighbourhoods"]]
            text += " " + t["intervention_in"].format(places=format_list(places, locale=LOCALES[lang]))
        settings = [f"{setting_name(kind, k, lang)}: {value(v)}" for k, v in entry.items() if k not in TIMING_KEYS]
        described.append(text + (f" ({', '.join(settings)})" if settings else ""))
    return described


def provenance(comparison: Comparison, t: dict[str, Any], lang: str) -> dict[str, Any]:
    """Collect the provenance: scenario texts, parameters and each results folder's run details.

    Parameters that differ between scenarios come first; per results folder: command, date, model
    version, seeds, run time and software versions.
    """
    parameters = [{"key": key, "values": [json.dumps(v, ensure_ascii=False) for v in values], "differs": differs}
                  for key, values, differs in parameter_rows(comparison.scenarios)]
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
                      (t["prov_created"], _date(m["created"], lang, with_time=True) if "created" in m else "?"),
                      (t["prov_git"], commit),
                      (t["prov_seeds"], ", ".join(str(s) for s in m["seeds"])),
                      (t["prov_timings"], "?" if seconds is None else t["prov_seconds"].format(
                          seconds=number(seconds, lang, "#,##0.#")))],
            "versions": [(name, version or "-") for name, version in (m.get("versions") or {}).items()]})
    return {"scenarios": [{"name": sc["name"], "title": scenario_title(sc, lang),
                           "source": sc.get("source") or json.dumps(sc, indent=2)} for sc in comparison.scenarios],
            "parameters": parameters, "folders": folders}


# ---------------------------------------------------------------------- the whole report
def _environment() -> Environment:
    return Environment(loader=PackageLoader("model.reporting", "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_report(comparison: Comparison, lang: str = DEFAULT_LANGUAGE, threshold: float = DEFAULT_THRESHOLD,
                  docs: Path = DOCS, today: date | None = None, boundaries: str | Path | None = None) -> str:
    """Render the report of a comparison as one self-contained HTML page.

    Args:
        comparison: What to report on (see :func:`read_results`, :func:`combine`).
        lang: ``"nl"`` or ``"en"``.
        threshold: Smallest neighbourhood difference that matters, as a share of the reference value.
        docs: Folder with ``ODD.md``, ``validation.json`` and the findings on where each mode wins.
        today: Date printed as the report's date (default: today).
        boundaries: For results run in a real city: the CBS/PDOK GeoPackage, to draw its wijken.

    Returns:
        The HTML text.

    """
    t = texts(lang)
    results = comparison.results
    weeks = weeks_averaged(results)
    ref = comparison.reference["name"]
    names = {sc["name"]: scenario_title(sc, lang) for sc in comparison.scenarios}
    key_table = comparison_table(results, REPORT_OUTPUTS, lang=lang)
    all_table = comparison_table(results, KEY_OUTPUTS, lang=lang)
    run_digest = comparison.folders[0].manifest.get("model_digest")
    validation = validation_part(docs, run_digest, t, lang)
    own_targets = None
    if is_baseline(comparison.reference):
        own_targets = target_rows(target_table(results[ref].final()), lang)

    nbh = neighbourhood_differences(results, REPORT_OUTPUTS, threshold)
    nbh_styles = _styles(key_table, lang)
    nbh_rows = [{"neighbourhood": neighbourhood_name(r.neighbourhood, lang), "output": OUTPUTS[r.key].label[lang],
                 "scenario": names[r.scenario],
                 "difference": interval(nbh_styles[r.key], r.difference, r.diff_ci_low, r.diff_ci_high, True),
                 "relative": number(r.relative * 100, lang, "+#,##0;-#,##0") + "%"}
                for r in nbh[nbh["matters"]].itertuples()]

    odd_path = docs / "ODD.md"
    odd = odd_sections(odd_path.read_text(encoding="utf-8")) if odd_path.is_file() else None
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = "?"
    params = comparison.reference["parameters"]
    return _environment().get_template("report.html.j2").render(
        lang=lang, t=t, ref=names[ref],
        generated=t["generated"].format(date=format_date(today or date.today(), "long", locale=LOCALES[lang]),
                                        version=version),
        summary=summary(comparison, all_table, lang, weeks, validation),
        scenarios=[{"name": names[sc["name"]], "code": sc["name"], "description": scenario_description(sc, lang),
                    "interventions": _interventions(sc, t, lang)} for sc in comparison.scenarios],
        key_intro=t["key_intro"].format(weeks=weeks, seeds=len(comparison.seeds)),
        seeds_warning=seeds_warning(len(comparison.seeds), t),
        col_difference=t["col_difference"].format(ref=names[ref]),
        key_groups=key_output_groups(key_table, t, lang, names),
        all_groups=key_output_groups(all_table, t, lang, names),
        many=len(comparison.scenarios) > 1,
        figures=figures(comparison, t, lang, names),
        nbh_rule=t["nbh_rule"].format(threshold=number(threshold * 100, lang, "#,##0.#") + "%"),
        nbh_rows=nbh_rows, col_relative=t["col_relative"].format(ref=names[ref]),
        odd=odd, odd_intro=t["odd_intro"].format(document="docs/ODD.md"),
        validation=validation, own_targets=own_targets,
        modes=mode_findings(docs, run_digest, t, lang, LOCALES[lang]),
        own_note=t["own_note"].format(residents=number(params["n_residents"], lang),
                                      years=number(params["years"], lang), seeds=len(comparison.seeds)),
        own_not_baseline=t["own_not_baseline"].format(ref=names[ref]),
        provenance=provenance(comparison, t, lang),
        city=city_part(comparison, t, lang, LOCALES[lang], boundaries),
    )


# ---------------------------------------------------------------------- writing
def pdf_renderer() -> Callable[[str], bytes]:
    """Return a function that turns the report's HTML into PDF (WeasyPrint), checking first that it can.

    Raises:
        ReportError: WeasyPrint or the Pango library it uses is not installed.

    """
    try:
        from weasyprint import HTML
    except ImportError:
        raise ReportError(msg("report.no_weasyprint")) from None
    except OSError as exc:  # WeasyPrint loads Pango when imported
        raise ReportError(msg("report.no_pango", problem=str(exc).splitlines()[0])) from None
    return lambda html: HTML(string=html).write_pdf()


def check_free(path: Path, pdf: bool = False) -> None:
    """Check that the report (and its PDF) can be written: neither file exists yet.

    Raises:
        ReportError: One of the files exists already.

    """
    for target in (path, path.with_suffix(".pdf")) if pdf else (path,):
        if target.exists():
            raise _exists_error(target)


def _exists_error(path: Path) -> ReportError:
    return ReportError(msg("report.exists", path=path))


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
        ReportError: One of the files exists already.

    """
    check_free(path, pdf is not None)
    files = {path: html.encode("utf-8")}
    if pdf is not None:
        files[path.with_suffix(".pdf")] = pdf(html)
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
