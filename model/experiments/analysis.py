"""Analysis of a sweep's results: Sobol and Morris sensitivity indices, and scenario discovery.

Works on a results folder written by ``vitality sweep`` (its ``manifest.json`` describes the
design; ``sample.csv`` holds the sampled points on SALib's scale, ``points.csv`` their parameter
values and ``runs.parquet`` every run's outputs). Each output of interest is averaged over the
seeds of a point (paired across scenarios), then:

* Sobol designs: first- and total-order indices with 95% bootstrap confidence intervals
  (SALib, Saltelli 2010 estimators);
* Morris designs: mu*, its 95% confidence interval, mu and sigma of the elementary effects (SALib);
* every design with ``[[discovery]]`` questions: PRIM (EMA Workbench) finds the box of
  parameter values in which the case of interest happens; the box on the peeling trajectory
  with the highest coverage among those reaching the question's density is taken, and its
  restrictions that are not significant (quasi-p above 0.05) are dropped.

Each result is a table, a figure and plain sentences.
"""

from __future__ import annotations

import io
import json
import shlex
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.experiments.publish import replace_file
from model.experiments.sweeps import BestChoice, Discovery, question_from_dict
from model.i18n import formatted
from model.messages import InputError, msg, render

#: Box restrictions with a quasi-p value above this on both sides are dropped as noise (Bryant & Lempert 2010).
QP_SIGNIFICANT = 0.05


#: A total-order Sobol index whose 95% interval lies below this is called negligible (a common screening cut-off).
NEGLIGIBLE = 0.05


class AnalysisError(InputError):
    """A results folder that cannot be analysed; the message is one line."""


@dataclass
class Analysis:
    """Tables (name -> DataFrame), figures (file name -> Figure) and findings (sentences in ``lang``)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    lang: str = "en"

    def write(self, folder: Path) -> None:
        """Write every table as CSV, every figure as PNG and the findings as ``findings.md``."""
        for name, table in self.tables.items():
            table.to_csv(folder / f"{name}.csv", index=False)
        for name, fig in self.figures.items():
            fig.savefig(folder / name, dpi=120, bbox_inches="tight")  # EMA's box plots put labels outside
        heading = render("findings.heading", self.lang)
        (folder / "findings.md").write_text(f"# {heading}\n\n" + "".join(f"- {s}\n" for s in self.findings),
                                            encoding="utf-8")


@dataclass
class SweepResults:
    """A sweep's results folder, read back (``manifest``: its ``manifest.json``; empty for results in memory)."""

    design: dict[str, Any]
    sample: pd.DataFrame
    points: pd.DataFrame
    runs: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    def point_means(self) -> pd.DataFrame:
        """Each output averaged over the seeds of each point and scenario (rows: points; columns: scenario, output)."""
        means = self.runs.groupby(["point", "scenario"])[self.design["outputs"]].mean().unstack("scenario")
        return means.swaplevel(axis=1).sort_index(axis=1).reindex(self.points.index)


#: What the analysis reads of the design recorded in a sweep's manifest.
DESIGN_KEYS = ("name", "method", "scenarios", "seed", "seeds", "outputs", "problem", "morris_levels", "discovery")


def load_results(folder: Path) -> SweepResults:
    """Read a sweep's results folder.

    Raises:
        AnalysisError: The folder is missing or was not written by ``vitality sweep``.

    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnalysisError(msg("analysis.no_manifest", folder=folder)) from None
    except ValueError as exc:
        raise AnalysisError(msg("analysis.bad_json", folder=folder, problem=str(exc))) from None
    if not isinstance(manifest, dict):
        raise AnalysisError(msg("analysis.not_a_manifest", folder=folder))
    if "design" not in manifest:
        command = manifest.get("command")
        made_by = " ".join(map(str, command[:2])) if isinstance(command, list) else "?"
        raise AnalysisError(msg("analysis.not_a_sweep", folder=folder, command=made_by))
    try:
        results = SweepResults(manifest["design"], pd.read_csv(folder / "sample.csv", index_col="point"),
                               pd.read_csv(folder / "points.csv", index_col="point"),
                               pd.read_parquet(folder / "runs.parquet"), manifest)
        design = results.design
        if absent := [key for key in DESIGN_KEYS if key not in design]:
            raise KeyError(f"the design's {absent[0]}")
        missing = {"point", "scenario", "seed", *design["outputs"]} - set(results.runs.columns)
        if missing or set(results.runs["point"]) != set(results.points.index):
            raise ValueError(f"runs.parquet lacks {', '.join(sorted(missing)) or 'some points'}")
    except (OSError, ValueError, KeyError, TypeError) as exc:  # pyarrow's and pandas' parser errors are ValueErrors
        raise AnalysisError(msg("analysis.tables", folder=folder, problem=str(exc).splitlines()[0])) from None
    return results


# ---------------------------------------------------------------------- Sobol
def sobol_indices(results: SweepResults) -> pd.DataFrame:
    """First- and total-order Sobol indices with 95% confidence intervals, per output and scenario."""
    from SALib.analyze import sobol

    design, means = results.design, results.point_means()
    rows = []
    for scenario in design["scenarios"]:
        for output in design["outputs"]:
            y = means[(scenario, output)].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):  # an output that does not vary has no indices
                si = sobol.analyze(design["problem"], y, calc_second_order=False, conf_level=0.95,
                                   seed=design["seed"])
            for i, name in enumerate(design["problem"]["names"]):
                rows.append({"output": output, "scenario": scenario, "parameter": name,
                             **{k: float(si[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf")}})
    table = pd.DataFrame(rows)
    for k in ("S1", "ST"):
        table[f"{k}_low"], table[f"{k}_high"] = table[k] - table[f"{k}_conf"], table[k] + table[f"{k}_conf"]
    return table


def sobol_findings(table: pd.DataFrame, lang: str = "en") -> list[str]:
    """Sentences in ``lang``: each output's most influential parameters, interactions, parameters without influence."""
    sentences = []
    for (output, scenario), t in table.groupby(["output", "scenario"], sort=False):
        t = t.sort_values("ST", ascending=False)
        where = {"output": output, "scenario": scenario}
        if t["ST"].isna().all():
            sentences.append(render("findings.sobol_constant", lang, where))
            continue
        top = t.head(2)
        parts = [render("findings.sobol_part", lang, {"parameter": r.parameter} | {
            name: formatted(value, ".2f", lang) for name, value in (("total", r.ST), ("low", r.ST_low),
                                                                    ("high", r.ST_high), ("first", r.S1))})
                 for r in top.itertuples()]
        pieces = [render("findings.sobol_most", lang, where | {"parts": _join(parts, "and_then_on", lang)})]
        unsure = top.loc[top["ST_low"] <= 0, "parameter"].tolist()
        if unsure:
            pieces.append(render("findings.sobol_unsure", lang, {"names": _join(unsure, "and_of", lang)}))
        first = t["S1"].clip(lower=0).sum()
        if first < 0.7:
            pieces.append(render("findings.sobol_interactions", lang, {"sum": formatted(first, ".2f", lang)}))
        negligible = t.loc[t["ST_high"] < NEGLIGIBLE, "parameter"].tolist()
        if negligible:
            pieces.append(render("findings.sobol_negligible", lang, {"cut": formatted(NEGLIGIBLE, "g", lang),
                                                                     "names": ", ".join(negligible)}))
        sentences.append(" ".join(pieces))
    return sentences


def _join(items: Sequence[str], word: str, lang: str) -> str:
    """Items joined by a word of the catalogue (``findings.and``, ``findings.or``, ...) in ``lang``."""
    return render(f"findings.{word}", lang).join(items)


def sobol_figures(table: pd.DataFrame, lang: str = "en") -> dict[str, Figure]:
    """One figure per output: S1 and ST with 95% CIs per parameter, one panel per scenario (texts in ``lang``)."""
    def draw(ax: Any, s: pd.DataFrame) -> None:
        y = np.arange(len(s))
        for offset, k, label in ((-0.2, "S1", "findings.fig_first_order"), (0.2, "ST", "findings.fig_total_order")):
            ax.barh(y + offset, s[k], height=0.4, xerr=s[f"{k}_conf"], capsize=2, label=render(label, lang))
        ax.set(yticks=y, yticklabels=s["parameter"], xlabel=render("findings.fig_sobol_axis", lang))
        ax.invert_yaxis()
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.legend(loc="lower right", fontsize="small")

    return _per_output(table, "sobol", lambda output: render("findings.fig_sobol_title", lang, {"output": output}),
                       1.2 + 0.45 * table["parameter"].nunique(), draw)


# ---------------------------------------------------------------------- Morris
def morris_indices(results: SweepResults) -> pd.DataFrame:
    """Morris mu* (with its 95% confidence interval), mu and sigma, per output and scenario."""
    from SALib.analyze import morris

    design, means = results.design, results.point_means()
    x = results.sample[design["problem"]["names"]].to_numpy()
    rows = []
    for scenario in design["scenarios"]:
        for output in design["outputs"]:
            si = morris.analyze(design["problem"], x, means[(scenario, output)].to_numpy(), conf_level=0.95,
                                num_levels=design["morris_levels"], seed=design["seed"])
            for i, name in enumerate(design["problem"]["names"]):
                rows.append({"output": output, "scenario": scenario, "parameter": name,
                             **{k: float(si[k][i]) for k in ("mu_star", "mu_star_conf", "mu", "sigma")}})
    return pd.DataFrame(rows)


def morris_findings(table: pd.DataFrame, lang: str = "en") -> list[str]:
    """Sentences in ``lang``: the parameters with the largest effects, non-linear ones, negligible ones."""
    sentences = []
    for (output, scenario), t in table.groupby(["output", "scenario"], sort=False):
        t = t.sort_values("mu_star", ascending=False)
        biggest = t["mu_star"].max()
        where = {"output": output, "scenario": scenario}
        if not biggest > 0:
            sentences.append(render("findings.morris_constant", lang, where))
            continue
        top = [f"{r.parameter} (mu* {formatted(r.mu_star, '.3g', lang)} ± {formatted(r.mu_star_conf, '.2g', lang)}, "
               f"sigma {formatted(r.sigma, '.3g', lang)})" for r in t.head(2).itertuples()]
        pieces = [render("findings.morris_most", lang, where | {"parts": _join(top, "and", lang)})]
        bent = t.loc[(t["sigma"] > t["mu_star"]) & (t["mu_star"] >= 0.1 * biggest), "parameter"].tolist()
        if bent:
            pieces.append(render("findings.morris_bent", lang, {"names": ", ".join(bent)}))
        small = t.loc[t["mu_star"] < 0.05 * biggest, "parameter"].tolist()
        if small:
            pieces.append(render("findings.morris_negligible", lang, {"names": ", ".join(small)}))
        sentences.append(" ".join(pieces))
    return sentences


def morris_figures(table: pd.DataFrame, lang: str = "en") -> dict[str, Figure]:
    """One figure per output: sigma against mu* (with its 95% CI) per parameter, one panel per scenario."""
    def draw(ax: Any, s: pd.DataFrame) -> None:
        ax.errorbar(s["mu_star"], s["sigma"], xerr=s["mu_star_conf"], fmt="o", capsize=2)
        for r in s.itertuples():
            ax.annotate(r.parameter, (r.mu_star, r.sigma), fontsize="x-small", xytext=(3, 3),
                        textcoords="offset points")
        top = max(s["mu_star"].max(), s["sigma"].max(), 1e-12)
        ax.plot([0, top], [0, top], color="grey", linewidth=0.5, linestyle="--")  # sigma = mu*
        ax.set(xlabel=render("findings.fig_morris_axis", lang), ylabel="sigma")

    return _per_output(table, "morris", lambda output: render("findings.fig_morris_title", lang, {"output": output}),
                       4.5, draw)


def _per_output(table: pd.DataFrame, prefix: str, title: Callable[[str], str], height: float,
                draw: Any) -> dict[str, Figure]:
    """One figure per output of an index table, titled ``title(output)``, a panel per scenario (``draw(ax, rows)``)."""
    figures = {}
    for output, t in table.groupby("output", sort=False):
        scenarios = list(dict.fromkeys(t["scenario"]))
        fig = Figure(figsize=(6.4 * len(scenarios), height), layout="constrained")
        FigureCanvasAgg(fig)
        for ax, scenario in zip(fig.subplots(1, len(scenarios), squeeze=False)[0], scenarios, strict=True):
            draw(ax, t[t["scenario"] == scenario])
            ax.set_title(scenario)
        fig.suptitle(title(output))
        figures[f"{prefix}_{output}.png"] = fig
    return figures


# ---------------------------------------------------------------------- scenario discovery
def cases(results: SweepResults, question: Discovery | BestChoice) -> pd.Series:
    """Whether the case of interest happens at each point (the seeds' mean, paired across scenarios)."""
    return question.cases(results.point_means())


def discover(results: SweepResults, question: Discovery | BestChoice,
             lang: str = "en") -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """Find the box of parameter values in which the case of interest happens (PRIM).

    Args:
        results: A sweep's results.
        question: The case of interest.
        lang: The language of the finding.

    Returns:
        The summary (label, cases, points, coverage, density, mass, restricted dimensions and the
        finding as a sentence), the box limits (one row per restricted parameter) and figures.

    """
    y = cases(results, question).to_numpy()
    n, k = len(y), int(y.sum())
    summary: dict[str, Any] = {"kind": question.kind, "label": question.label, "output": question.output,
                               "scenario": question.scenario, "cases": k, "points": n}
    if isinstance(question, BestChoice):
        summary |= {"better": question.better, "among": ", ".join(question.among),
                    "every_seed": int(best_in_every_seed(results, question).sum())}
    if k in (0, n):
        summary["finding"] = _extreme_sentence(question, k == 0, n, lang)
        return summary, pd.DataFrame(columns=LIMIT_COLUMNS), {}
    import matplotlib.pyplot as plt  # EMA Workbench draws with pyplot

    with warnings.catch_warnings():  # EMA's own notices: optional back ends, pandas deprecations inside PRIM
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        finder = prim.Prim(results.points.reset_index(drop=True), y, mass_min=0.05)
        box = finder.find_box()
    trajectory = box.peeling_trajectory
    dense = trajectory[trajectory["density"] >= question.min_density]
    best = (dense.sort_values(["coverage", "res_dim"], ascending=[False, True]).index[0] if len(dense)
            else int(trajectory["density"].idxmax()))
    box.select(int(best))
    full = finder.box_init
    limits = _limits(box, full)
    # Restrictions that are not significant (quasi-p above 0.05 on both sides, Bryant & Lempert 2010) are noise
    # of the sample: drop them (each drop adds a box to the trajectory and selects it).
    noise = limits.loc[~((limits["qp_min"] <= QP_SIGNIFICANT) | (limits["qp_max"] <= QP_SIGNIFICANT)), "parameter"]
    for dim in noise:
        box.drop_restriction(dim)
    limits = _limits(box, full) if len(noise) else limits
    stats = box.peeling_trajectory.iloc[-1 if len(noise) else int(best)]
    summary |= {k: float(stats[k]) for k in ("coverage", "density", "mass")} | {
        "restricted": len(limits), "dropped": ", ".join(noise)}
    summary["finding"] = _box_sentence(question, summary, limits, n, lang)
    figures = {"tradeoff": box.show_tradeoff()}
    if len(limits):
        figures["box"] = box.inspect(style="graph")[0]
    for fig in figures.values():
        plt.close(fig)  # written by the caller; pyplot need not keep them
    return summary, limits, figures


#: The columns of a box's limits: ``restricts`` says which side the box cuts (``low``, ``high``, ``both``) or that
#: it keeps some ``values`` of a categorical parameter.
LIMIT_COLUMNS = ["parameter", "min", "max", "qp_min", "qp_max", "restricts"]


def best_in_every_seed(results: SweepResults, question: BestChoice) -> pd.Series:
    """Whether the scenario is the best choice at each point in every seed, not only in the seeds' mean.

    A winner by the mean may owe its place to one lucky seed; one that wins in every seed does not.
    """
    per_seed = results.runs.pivot_table(index=["point", "seed"], columns="scenario", values=question.output)
    per_seed.columns = pd.MultiIndex.from_product([per_seed.columns, [question.output]])
    return question.cases(per_seed).groupby(level="point").all().reindex(results.points.index, fill_value=False)


def _limits(box: Any, full: pd.DataFrame) -> pd.DataFrame:
    """The restricted parameters of the selected box: min, max, their quasi-p values and the side restricted."""
    _, limits = box.inspect(style="data")[0]
    limits.columns = ["min", "max", "qp_min", "qp_max"]
    limits = limits.rename_axis("parameter").reset_index()
    sides = []
    for r in limits.itertuples():
        if isinstance(r.min, set | frozenset):
            sides.append("values")
            continue
        low, high = r.min > full[r.parameter].iloc[0], r.max < full[r.parameter].iloc[1]
        sides.append("both" if low and high else "low" if low else "high")
    return limits.assign(restricts=sides)


def _extreme_sentence(question: Discovery | BestChoice, never: bool, n: int, lang: str) -> str:
    """The finding when the case never or always holds: there is no box to find."""
    if isinstance(question, BestChoice):
        case = question.phrase("never" if never else "always", lang)
        return render("findings.best_extreme", lang, {"case": _capital(case), "n": n})
    return render("findings.never_holds" if never else "findings.always_holds", lang,
                  {"case": _capital(question.label), "n": n})


def _box_sentence(question: Discovery | BestChoice, summary: dict[str, Any], limits: pd.DataFrame, n: int,
                  lang: str) -> str:
    conditions = []
    for r in limits.itertuples():
        if r.restricts == "values":
            conditions.append(render("findings.box_values", lang, {
                "parameter": r.parameter, "values": _join(sorted(map(str, r.min)), "or", lang)}))
        elif r.restricts == "both":
            conditions.append(render("findings.box_between", lang, {
                "parameter": r.parameter, "low": formatted(r.min, ".3g", lang), "high": formatted(r.max, ".3g", lang)}))
        else:
            conditions.append(f"{r.parameter} {'≥' if r.restricts == 'low' else '≤'} "
                              f"{formatted(r.min if r.restricts == 'low' else r.max, '.3g', lang)}")
    counts = render("findings.counts_every_seed" if "every_seed" in summary else "findings.counts", lang,
                    {"cases": summary["cases"], "n": n, "every": summary.get("every_seed")})
    case = _capital(question.phrase(lang=lang) if isinstance(question, BestChoice) else question.label)
    if not conditions:
        return render("findings.box_none", lang, {"case": case, "counts": counts,
                                                  "qp": formatted(QP_SIGNIFICANT, "g", lang)})
    qualifier = render("findings.only_when" if summary["coverage"] >= 0.9 else "findings.mainly_when", lang)
    return render("findings.box", lang, {"case": case, "counts": counts, "qualifier": qualifier,
                                         "when": _join(conditions, "and", lang),
                                         **{k: formatted(summary[k], ".0%", lang) for k in ("coverage", "density",
                                                                                               "mass")}})


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def best_choice_figure(summaries: pd.DataFrame, lang: str = "en") -> Figure:
    """In how many sampled conditions each scenario is the best choice, one panel per output.

    Args:
        summaries: The best-choice rows of the discovery table (``output``, ``scenario``, ``better``, ``cases``,
            ``points``).
        lang: The language of the figure's texts.

    """
    outputs = list(dict.fromkeys(summaries["output"]))
    columns = min(len(outputs), 2)
    rows = -(-len(outputs) // columns)
    height = 0.9 + 0.4 * summaries.groupby("output").size().max()
    fig = Figure(figsize=(6.0 * columns, height * rows + 0.4), layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(rows, columns, squeeze=False).flat)
    for ax, output in zip(axes, outputs, strict=False):
        s = summaries[summaries["output"] == output]
        share = s["cases"] / s["points"]
        ax.barh(s["scenario"], 100 * share, color="tab:blue")
        for y, (k, n) in enumerate(zip(s["cases"], s["points"], strict=True)):
            label = (render("findings.fig_cases", lang, {"cases": k, "n": n}) if k
                     else render("findings.fig_never", lang))
            ax.annotate(label, (100 * k / n, y), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize="small")
        better = render("findings.fig_lower" if s["better"].iloc[0] == "lower" else "findings.fig_higher", lang)
        ax.set(xlim=(0, 118), xlabel=render("findings.fig_best_axis", lang),
               title=render("findings.fig_best_panel", lang, {"output": output, "better": better}))
        ax.invert_yaxis()
    for ax in axes[len(outputs):]:  # the panel left over in the last row
        ax.set_visible(False)
    fig.suptitle(render("findings.fig_best_title", lang))
    return fig


# ---------------------------------------------------------------------- everything
def analyse(results: SweepResults, lang: str = "en") -> Analysis:
    """Everything the design asks for: Sobol or Morris indices, and each discovery question (findings in ``lang``)."""
    design = results.design
    out = Analysis(tables={"point_means": _flat(results.point_means())}, lang=lang)
    if design["method"] == "sobol":
        table = sobol_indices(results)
        out.tables["sobol"] = table
        out.figures |= sobol_figures(table, lang)
        out.findings += sobol_findings(table, lang)
    elif design["method"] == "morris":
        table = morris_indices(results)
        out.tables["morris"] = table
        out.figures |= morris_figures(table, lang)
        out.findings += morris_findings(table, lang)
    summaries, boxes = [], []
    for i, entry in enumerate(design["discovery"], 1):
        question = question_from_dict(entry)
        summary, limits, figures = discover(results, question, lang)
        summaries.append(summary)
        boxes.append(limits.assign(question=i, label=question.label))
        out.figures |= {f"discovery_{i}_{name}.png": fig for name, fig in figures.items()}
        out.findings.append(summary["finding"])
    if summaries:
        out.tables["discovery"] = pd.DataFrame(summaries)
        out.tables["boxes"] = pd.concat(boxes, ignore_index=True)
        best = out.tables["discovery"][out.tables["discovery"]["kind"] == BestChoice.kind]
        if len(best):
            out.figures["best_choice.png"] = best_choice_figure(best, lang)
    if not out.findings:
        out.findings.append(render("findings.nothing", lang, {"method": design["method"]}))
    return out


def _flat(means: pd.DataFrame) -> pd.DataFrame:
    flat = means.copy()
    flat.columns = [f"{scenario}:{output}" for scenario, output in flat.columns]
    return flat.reset_index()


# ---------------------------------------------------------------------- findings in the documentation
#: A design's generated section in a Markdown document lies between these markers.
SECTION_START, SECTION_END = "<!-- findings:{name}:start -->", "<!-- findings:{name}:end -->"


def publish_findings(analysis: Analysis, results: SweepResults, doc: Path, command: Sequence[str]) -> list[Path]:
    """Put a sweep's findings into the documentation, replacing those of an earlier run of the same design.

    Writes the design's section of ``doc`` (between :data:`SECTION_START` and :data:`SECTION_END`, appended
    under a heading of the design's description when the document lacks them): how it was made, the overview
    figures (every figure but the per-question ones, as ``figures/<design>_<name>.png`` beside ``doc``) and the
    findings; and ``<design>.json`` beside ``doc``, the findings as data (every question's counts, box and
    sentence, and the provenance) for the report's reading guide. Each file is replaced atomically.

    Args:
        analysis: The analysis of ``results``.
        results: A sweep's results folder, read back (its manifest gives the provenance).
        doc: The Markdown document (created when missing).
        command: The command that publishes (shown in the section, so that it can be run again).

    Returns:
        The files written.

    """
    design, manifest = results.design, results.manifest
    name = design["name"]
    folder = doc.parent
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    written = []
    links = []
    for file, fig in analysis.figures.items():
        if file.startswith("discovery_"):
            continue
        target = folder / "figures" / f"{name}_{file}"
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        replace_file(target, buffer.getvalue())
        written.append(target)
        links.append(f"![{file.removesuffix('.png')}](figures/{target.name})")
    parameters = (manifest.get("scenarios") or [{}])[0].get("parameters", {})
    lang = analysis.lang
    size = render("findings.size", lang, {
        "points": len(results.points), "scenarios": len(design["scenarios"]), "seeds": len(design["seeds"]),
        "residents": parameters.get("n_residents", "?"), "years": formatted(parameters.get("years", "?"), "", lang)})
    made = "*" + render("findings.made", lang, {
        "date": date.today().isoformat(), "command": shlex.join(command), "size": size,
        "sweep": shlex.join(manifest.get("command", ["vitality", "sweep", name])),
        "digest": str(manifest.get("model_digest", "?"))[:12]}) + "*"
    body = "\n\n".join([made, *links, "".join(f"- {s}\n" for s in analysis.findings).rstrip("\n")])
    start, end = SECTION_START.format(name=name), SECTION_END.format(name=name)
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + f"## {design['description']}\n\n{block}\n"
    replace_file(doc, text.encode("utf-8"))
    written.append(doc)
    data = {"design": name, "description": design["description"], "generated": date.today().isoformat(),
            "command": list(command), "sweep_command": manifest.get("command"), "model_digest": manifest.get(
                "model_digest"), "git": manifest.get("git"), "points": len(results.points),
            "seeds": design["seeds"], "residents": parameters.get("n_residents"), "years": parameters.get("years"),
            "findings": analysis.findings, "questions": _questions_as_data(analysis)}
    target = folder / f"{name}.json"
    replace_file(target, (json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
    return [*written, target]


def _questions_as_data(analysis: Analysis) -> list[dict[str, Any]]:
    """Each discovery question's summary with its box's restrictions, as plain data."""
    if "discovery" not in analysis.tables:
        return []
    boxes = analysis.tables["boxes"]
    questions = []
    for i, row in enumerate(analysis.tables["discovery"].to_dict("records"), 1):
        box = []
        for r in boxes[boxes["question"] == i].itertuples():
            if r.restricts == "values":
                box.append({"parameter": r.parameter, "restricts": "values", "values": sorted(map(str, r.min))})
            else:
                box.append({"parameter": r.parameter, "restricts": r.restricts, "min": float(r.min),
                            "max": float(r.max)})
        questions.append({k: v for k, v in row.items() if not (isinstance(v, float) and np.isnan(v))} | {"box": box})
    return questions
