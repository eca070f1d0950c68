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

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.experiments.sweeps import Discovery
from model.messages import InputError, msg

#: Box restrictions with a quasi-p value above this on both sides are dropped as noise (Bryant & Lempert 2010).
QP_SIGNIFICANT = 0.05


#: A total-order Sobol index whose 95% interval lies below this is called negligible (a common screening cut-off).
NEGLIGIBLE = 0.05


class AnalysisError(InputError):
    """A results folder that cannot be analysed; the message is one line."""


@dataclass
class Analysis:
    """Tables (name -> DataFrame), figures (file name -> Figure) and findings (sentences)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)

    def write(self, folder: Path) -> None:
        """Write every table as CSV, every figure as PNG and the findings as ``findings.md``."""
        for name, table in self.tables.items():
            table.to_csv(folder / f"{name}.csv", index=False)
        for name, fig in self.figures.items():
            fig.savefig(folder / name, dpi=120, bbox_inches="tight")  # EMA's box plots put labels outside
        (folder / "findings.md").write_text("# Findings\n\n" + "".join(f"- {s}\n" for s in self.findings),
                                            encoding="utf-8")


@dataclass
class SweepResults:
    """A sweep's results folder, read back."""

    design: dict[str, Any]
    sample: pd.DataFrame
    points: pd.DataFrame
    runs: pd.DataFrame

    def point_means(self) -> pd.DataFrame:
        """Each output averaged over the seeds of each point and scenario (rows: points; columns: scenario, output)."""
        means = self.runs.groupby(["point", "scenario"])[self.design["outputs"]].mean().unstack("scenario")
        return means.swaplevel(axis=1).sort_index(axis=1).reindex(self.points.index)


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
    if "design" not in manifest:
        raise AnalysisError(msg("analysis.not_a_sweep", folder=folder,
                                command=" ".join(manifest.get("command", ["?"])[:2])))
    return SweepResults(manifest["design"], pd.read_csv(folder / "sample.csv", index_col="point"),
                        pd.read_csv(folder / "points.csv", index_col="point"), pd.read_parquet(folder / "runs.parquet"))


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


def sobol_findings(table: pd.DataFrame) -> list[str]:
    """Sentences: the most influential parameters of each output, interactions, parameters without influence."""
    sentences = []
    for (output, scenario), t in table.groupby(["output", "scenario"], sort=False):
        t = t.sort_values("ST", ascending=False)
        if t["ST"].isna().all():
            sentences.append(f"{output} under {scenario} did not vary across the sample; it has no Sobol indices.")
            continue
        top = t.head(2)
        parts = [f"{r.parameter} (total-order index {r.ST:.2f}, 95% CI {r.ST_low:.2f} to {r.ST_high:.2f}; "
                 f"first-order {r.S1:.2f})" for r in top.itertuples()]
        sentence = f"{output} under {scenario} depends most on {' and then on '.join(parts)}."
        unsure = top.loc[top["ST_low"] <= 0, "parameter"].tolist()
        if unsure:
            sentence += (f" The interval of {' and of '.join(unsure)} still includes 0: a larger sample "
                         "would tell more.")
        first = t["S1"].clip(lower=0).sum()
        if first < 0.7:
            sentence += (f" The first-order indices add up to {first:.2f} (1 would mean no interactions): the rest "
                         "comes from interactions between parameters or from sampling noise.")
        negligible = t.loc[t["ST_high"] < NEGLIGIBLE, "parameter"].tolist()
        if negligible:
            sentence += (f" Negligible (total-order index below {NEGLIGIBLE} with 95% confidence): "
                         f"{', '.join(negligible)}.")
        sentences.append(sentence)
    return sentences


def sobol_figures(table: pd.DataFrame) -> dict[str, Figure]:
    """One figure per output: S1 and ST with 95% CIs per parameter, one panel per scenario."""
    def draw(ax: Any, s: pd.DataFrame) -> None:
        y = np.arange(len(s))
        for offset, k, label in ((-0.2, "S1", "first order"), (0.2, "ST", "total order")):
            ax.barh(y + offset, s[k], height=0.4, xerr=s[f"{k}_conf"], capsize=2, label=label)
        ax.set(yticks=y, yticklabels=s["parameter"], xlabel="Sobol index (95% CI)")
        ax.invert_yaxis()
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.legend(loc="lower right", fontsize="small")

    return _per_output(table, "sobol", "Sobol indices", 1.2 + 0.45 * table["parameter"].nunique(), draw)


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


def morris_findings(table: pd.DataFrame) -> list[str]:
    """Sentences: the parameters with the largest effects, non-linear ones, negligible ones."""
    sentences = []
    for (output, scenario), t in table.groupby(["output", "scenario"], sort=False):
        t = t.sort_values("mu_star", ascending=False)
        biggest = t["mu_star"].max()
        if not biggest > 0:
            sentences.append(f"{output} under {scenario} did not change with any parameter in the sample.")
            continue
        top = [f"{r.parameter} (mu* {r.mu_star:.3g} ± {r.mu_star_conf:.2g}, sigma {r.sigma:.3g})"
               for r in t.head(2).itertuples()]
        sentence = f"{output} under {scenario} changes most with {' and '.join(top)}."
        bent = t.loc[(t["sigma"] > t["mu_star"]) & (t["mu_star"] >= 0.1 * biggest), "parameter"].tolist()
        if bent:
            sentence += f" Non-linear or interacting (sigma above mu*): {', '.join(bent)}."
        small = t.loc[t["mu_star"] < 0.05 * biggest, "parameter"].tolist()
        if small:
            sentence += f" Negligible (mu* under 5% of the largest): {', '.join(small)}."
        sentences.append(sentence)
    return sentences


def morris_figures(table: pd.DataFrame) -> dict[str, Figure]:
    """One figure per output: sigma against mu* (with its 95% CI) per parameter, one panel per scenario."""
    def draw(ax: Any, s: pd.DataFrame) -> None:
        ax.errorbar(s["mu_star"], s["sigma"], xerr=s["mu_star_conf"], fmt="o", capsize=2)
        for r in s.itertuples():
            ax.annotate(r.parameter, (r.mu_star, r.sigma), fontsize="x-small", xytext=(3, 3),
                        textcoords="offset points")
        top = max(s["mu_star"].max(), s["sigma"].max(), 1e-12)
        ax.plot([0, top], [0, top], color="grey", linewidth=0.5, linestyle="--")  # sigma = mu*
        ax.set(xlabel="mu* (95% CI)", ylabel="sigma")

    return _per_output(table, "morris", "Morris elementary effects", 4.5, draw)


def _per_output(table: pd.DataFrame, prefix: str, title: str, height: float, draw: Any) -> dict[str, Figure]:
    """One figure per output of an index table, one panel per scenario drawn by ``draw(ax, rows)``."""
    figures = {}
    for output, t in table.groupby("output", sort=False):
        scenarios = list(dict.fromkeys(t["scenario"]))
        fig = Figure(figsize=(6.4 * len(scenarios), height), layout="constrained")
        FigureCanvasAgg(fig)
        for ax, scenario in zip(fig.subplots(1, len(scenarios), squeeze=False)[0], scenarios, strict=True):
            draw(ax, t[t["scenario"] == scenario])
            ax.set_title(scenario)
        fig.suptitle(f"{title} of {output}")
        figures[f"{prefix}_{output}.png"] = fig
    return figures


# ---------------------------------------------------------------------- scenario discovery
def cases(results: SweepResults, question: Discovery) -> pd.Series:
    """Whether the case of interest happens at each point (the seeds' mean, paired across scenarios)."""
    means = results.point_means()
    value = means[(question.scenario, question.output)]
    if question.versus:
        value = value - means[(question.versus, question.output)]
    return value < question.threshold if question.below else value > question.threshold


def discover(results: SweepResults, question: Discovery) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """Find the box of parameter values in which the case of interest happens (PRIM).

    Returns:
        The summary (label, cases, points, coverage, density, mass, restricted dimensions and the
        finding as a sentence), the box limits (one row per restricted parameter) and figures.

    """
    y = cases(results, question).to_numpy()
    n, k = len(y), int(y.sum())
    summary: dict[str, Any] = {"label": question.label, "cases": k, "points": n}
    if k in (0, n):
        summary["finding"] = (f"{_capital(question.label)} {'never' if k == 0 else 'always'} holds across the "
                              f"{n} sampled conditions; there is no box to find.")
        return summary, pd.DataFrame(), {}
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
    limits = _limits(box)
    # Restrictions that are not significant (quasi-p above 0.05 on both sides, Bryant & Lempert 2010) are noise
    # of the sample: drop them (each drop adds a box to the trajectory and selects it).
    noise = limits.loc[~((limits["qp_min"] <= QP_SIGNIFICANT) | (limits["qp_max"] <= QP_SIGNIFICANT)), "parameter"]
    for dim in noise:
        box.drop_restriction(dim)
    limits = _limits(box) if len(noise) else limits
    stats = box.peeling_trajectory.iloc[-1 if len(noise) else int(best)]
    summary |= {k: float(stats[k]) for k in ("coverage", "density", "mass")} | {
        "restricted": len(limits), "dropped": ", ".join(noise)}
    summary["finding"] = _box_sentence(question, summary, limits, finder.box_init, n)
    figures = {"tradeoff": box.show_tradeoff()}
    if len(limits):
        figures["box"] = box.inspect(style="graph")[0]
    for fig in figures.values():
        plt.close(fig)  # written by the caller; pyplot need not keep them
    return summary, limits, figures


def _limits(box: Any) -> pd.DataFrame:
    """The restricted parameters of the selected box: min, max and their quasi-p values."""
    _, limits = box.inspect(style="data")[0]
    limits.columns = ["min", "max", "qp_min", "qp_max"]
    return limits.rename_axis("parameter").reset_index()


def _box_sentence(question: Discovery, summary: dict[str, Any], limits: pd.DataFrame, full: pd.DataFrame,
                  n: int) -> str:
    conditions = []
    for r in limits.itertuples():
        if isinstance(r.min, set | frozenset):
            conditions.append(f"{r.parameter} is {' or '.join(sorted(map(str, r.min)))}")
            continue
        low = r.min > full[r.parameter].iloc[0]
        high = r.max < full[r.parameter].iloc[1]
        if low and high:
            conditions.append(f"{r.parameter} is between {r.min:.3g} and {r.max:.3g}")
        else:
            conditions.append(f"{r.parameter} {'≥' if low else '≤'} {r.min if low else r.max:.3g}")
    if not conditions:
        return (f"{_capital(question.label)} in {summary['cases']} of {n} sampled conditions; no range of the varied "
                f"parameters sets them apart (no restriction of the PRIM box has a quasi-p value of "
                f"{QP_SIGNIFICANT} or less).")
    when = " and ".join(conditions)
    qualifier = "only when" if summary["coverage"] >= 0.9 else "mainly when"
    return (f"{_capital(question.label)} in {summary['cases']} of {n} sampled conditions, {qualifier} {when}: "
            f"{summary['coverage']:.0%} of those conditions lie in this box (coverage), and in "
            f"{summary['density']:.0%} of the conditions inside it the case holds (density; the box holds "
            f"{summary['mass']:.0%} of all conditions).")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------- everything
def analyse(results: SweepResults) -> Analysis:
    """Everything the design asks for: Sobol or Morris indices, and each discovery question."""
    design = results.design
    out = Analysis(tables={"point_means": _flat(results.point_means())})
    if design["method"] == "sobol":
        table = sobol_indices(results)
        out.tables["sobol"] = table
        out.figures |= sobol_figures(table)
        out.findings += sobol_findings(table)
    elif design["method"] == "morris":
        table = morris_indices(results)
        out.tables["morris"] = table
        out.figures |= morris_figures(table)
        out.findings += morris_findings(table)
    summaries, boxes = [], []
    for i, entry in enumerate(design["discovery"], 1):
        summary, limits, figures = discover(results, Discovery(**entry))
        summaries.append(summary)
        boxes.append(limits.assign(question=i, label=entry["label"]))
        out.figures |= {f"discovery_{i}_{name}.png": fig for name, fig in figures.items()}
        out.findings.append(summary["finding"])
    if summaries:
        out.tables["discovery"] = pd.DataFrame(summaries)
        out.tables["boxes"] = pd.concat(boxes, ignore_index=True)
    if not out.findings:
        out.findings.append(f"A {design['method']} design has no sensitivity indices and this one asks no discovery "
                            "questions; point_means.csv has each output per point and scenario.")
    return out


def _flat(means: pd.DataFrame) -> pd.DataFrame:
    flat = means.copy()
    flat.columns = [f"{scenario}:{output}" for scenario, output in flat.columns]
    return flat.reset_index()
