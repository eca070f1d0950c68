"""The validation report: the calibrated baseline against its targets and stylised facts.

One command writes ``docs/validation.md`` and its figures under ``docs/figures/``::

    python -m model.validation                 # 10 seeds x 2,000 residents x 10 years (a few minutes)
    python -m model.validation --seeds 3 --residents 1000 --out /tmp/val   # a quick look

The baseline is the schema defaults (calibrated values from ``model/calibrated.toml``), steering
mode ``"framing"``. Targets are compared with the mean over the last year of each run, averaged
over seeds, with a 95% confidence interval over seeds (t distribution). Stylised facts come from
the state at the end of each run (network, loneliness scores) and from tracking initiatives
week by week (founding and ending, for a Kaplan-Meier survival curve).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from model.calibration import TARGETS, target_table
from model.community import WEEKS_PER_YEAR, CommunityModel
from model.parameters import AGE_GROUPS, CALIBRATED_FILE, Parameters

ROOT = Path(__file__).resolve().parent.parent
MAX_DEGREE = 10  # good ties pooled from here on in the degree-loneliness figure
N_SHUFFLES = 20


@dataclass
class SeedResult:
    """What one validation run keeps: last-year outputs and end-of-run stylised facts."""

    seed: int
    final: pd.Series  # city outputs, mean over the last 52 weeks
    lonely_by_age: np.ndarray  # share lonely (score >= 3) per age group at the end
    severe_by_age: np.ndarray  # share score >= 9 per age group at the end
    score_hist: np.ndarray  # residents per DJG score 0..11 at the end
    assortativity: float  # Pearson r of loneliness scores over ties
    assortativity_shuffled: np.ndarray  # the same with scores shuffled over residents
    degree_score_sum: np.ndarray  # sum of scores per number of good ties (0..MAX_DEGREE+)
    degree_count: np.ndarray  # residents per number of good ties
    lifetimes: np.ndarray  # initiative lifetimes in weeks
    ended: np.ndarray  # True: ended, False: still alive at the end (censored)


@dataclass
class Validation:
    """All seeds of a validation run."""

    params: Parameters
    seeds: list[SeedResult] = field(default_factory=list)

    @property
    def final(self) -> pd.DataFrame:
        """Last-year means, one row per seed (as :meth:`model.runner.RunResult.final`)."""
        return pd.DataFrame([s.final for s in self.seeds], index=[s.seed for s in self.seeds])


def tie_assortativity(score: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of a resident attribute across both ends of every tie."""
    if len(a) < 2:
        return float("nan")
    x = np.concatenate([score[a], score[b]]).astype(float)
    y = np.concatenate([score[b], score[a]]).astype(float)
    if x.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def kaplan_meier(durations: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival estimate.

    Args:
        durations: Time to ending or to censoring.
        observed: True where the ending was observed, False where censored.

    Returns:
        Event times (starting at 0) and the survival probability just after each.

    """
    durations = np.asarray(durations, float)
    observed = np.asarray(observed, bool)
    times = np.unique(durations[observed])
    surv, s = [1.0], 1.0
    for t in times:
        at_risk = np.sum(durations >= t)
        events = np.sum((durations == t) & observed)
        s *= 1 - events / at_risk
        surv.append(s)
    return np.concatenate([[0.0], times]), np.array(surv)


def run_seed(params: Parameters, seed: int) -> SeedResult:
    """Run the baseline for one seed, tracking initiatives, and keep what the report needs."""
    m = CommunityModel(params, seed=seed)
    weeks = round(params.years * WEEKS_PER_YEAR)
    lifetimes: list[np.ndarray] = []
    prev_alive, prev_founded = m.inits.alive.copy(), m.inits.founded.copy()
    for _ in range(weeks):
        m.step()
        k = len(prev_alive)
        gone = prev_alive & (~m.inits.alive[:k] | (m.inits.founded[:k] != prev_founded))
        # The ending happened during the step just taken (the week counter has moved on).
        lifetimes.append(m.week - 1 - prev_founded[gone])
        prev_alive, prev_founded = m.inits.alive.copy(), m.inits.founded.copy()
    ended = np.concatenate(lifetimes) if lifetimes else np.empty(0)
    alive = m.week - m.inits.founded[m.inits.alive]
    city = m.city_frame()
    final = city[city["week"] > city["week"].max() - WEEKS_PER_YEAR].mean(numeric_only=True)
    pop, net = m.pop, m.net
    score = pop.score.astype(int)
    rng = np.random.default_rng(seed)
    deg = np.minimum(pop.good_ties, MAX_DEGREE)
    return SeedResult(
        seed=seed,
        final=final.drop(["week", "year"]),
        lonely_by_age=np.array([(score[pop.age == g] >= 3).mean() for g in range(len(AGE_GROUPS))]),
        severe_by_age=np.array([(score[pop.age == g] >= 9).mean() for g in range(len(AGE_GROUPS))]),
        score_hist=np.bincount(score, minlength=12),
        assortativity=tie_assortativity(score, net.a, net.b),
        assortativity_shuffled=np.array([tie_assortativity(rng.permutation(score), net.a, net.b)
                                         for _ in range(N_SHUFFLES)]),
        degree_score_sum=np.bincount(deg, score, minlength=MAX_DEGREE + 1),
        degree_count=np.bincount(deg, minlength=MAX_DEGREE + 1),
        lifetimes=np.concatenate([ended, alive]).astype(float),
        ended=np.concatenate([np.ones(len(ended), bool), np.zeros(len(alive), bool)]),
    )


def validate(params: Parameters, seeds: Sequence[int], log: bool = True) -> Validation:
    """Run the baseline for every seed."""
    v = Validation(params)
    for s in seeds:
        v.seeds.append(run_seed(params, s))
        if log:
            print(f"seed {s} done", flush=True)
    return v


def _ci(values: np.ndarray) -> tuple[float, float]:
    from scipy import stats

    values = np.asarray(values, float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, 0.0
    return mean, float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))


def _bars(ax: plt.Axes, labels: list[str], model: list[tuple[float, float]], target: list[float | None],
          tol: list[float | None], title: str, ylabel: str) -> None:
    x = np.arange(len(labels))
    ax.bar(x - 0.2, [m for m, _ in model], 0.4, yerr=[h for _, h in model], capsize=3, label="model (95% CI)",
           color="tab:blue")
    tx = [i for i, t in enumerate(target) if t is not None]
    ax.bar(np.array(tx) + 0.2, [target[i] for i in tx], 0.4, yerr=[tol[i] or 0 for i in tx], capsize=3,
           label="target (± tolerance)", color="tab:orange", alpha=0.8)
    ax.set_xticks(x, labels, rotation=20, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)


def make_figures(v: Validation, outdir: Path) -> dict[str, Path]:
    """Draw one figure per target group and one for the stylised facts."""
    outdir.mkdir(parents=True, exist_ok=True)
    final = v.final
    t = {tg.name: tg for tg in TARGETS}
    paths: dict[str, Path] = {}

    # Loneliness: categories and age groups.
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    cats = {"moderate (3-8)": ("moderate_share", 0.356), "severe (9-10)": ("severe_share", None),
            "very severe (11)": ("very_severe_share", None),
            "severe + very severe": (None, 0.110), "lonely (>= 3)": ("lonely_share", 0.466)}
    model_vals, targets, tols = [], [], []
    for _label, (col, target) in cats.items():
        vals = (final["severe_share"] + final["very_severe_share"]) if col is None else final[col]
        model_vals.append(_ci(vals.to_numpy()))
        targets.append(target)
        tols.append(0.03 if target is not None else None)
    _bars(axes[0], list(cats), model_vals, targets, tols, "Loneliness categories (DJG 11 items)", "share of adults")
    lonely_age = np.array([s.lonely_by_age for s in v.seeds])
    severe_age = np.array([s.severe_by_age for s in v.seeds])
    _bars(axes[1], list(AGE_GROUPS), [_ci(lonely_age[:, g]) for g in range(4)], [None, None, None, 0.56],
          [None, None, None, 0.05], "Lonely by age group (end of run)", "share lonely")
    _bars(axes[2], list(AGE_GROUPS), [_ci(severe_age[:, g]) for g in range(4)], [None, None, None, 0.12],
          [None, None, None, 0.03], "Severely lonely by age group (end of run)", "share score >= 9")
    fig.tight_layout()
    paths["loneliness"] = outdir / "loneliness.png"
    fig.savefig(paths["loneliness"], dpi=110)
    plt.close(fig)

    # Volunteering and informal care.
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    names = ["volunteered in the past year", "informal carers"]
    _bars(axes[0], ["volunteering (year)", "informal carers"],
          [_ci(t[n].model_value(final).to_numpy()) for n in names], [t[n].value for n in names],
          [t[n].tolerance for n in names], "Volunteering and informal care", "share of adults")
    n = "care hours per carer"
    _bars(axes[1], ["care hours per carer"], [_ci(t[n].model_value(final).to_numpy())], [t[n].value],
          [t[n].tolerance], "Informal care intensity", "hours/week")
    fig.tight_layout()
    paths["participation"] = outdir / "participation.png"
    fig.savefig(paths["participation"], dpi=110)
    plt.close(fig)

    # Casework: formal support and administration.
    fig, ax = plt.subplots(figsize=(5.5, 4))
    names = ["formal support users (Wmo-like)", "administration share of professionals' time"]
    _bars(ax, ["formal support share", "admin share"], [_ci(t[n].model_value(final).to_numpy()) for n in names],
          [t[n].value for n in names], [t[n].tolerance for n in names], "Casework", "share")
    fig.tight_layout()
    paths["casework"] = outdir / "casework.png"
    fig.savefig(paths["casework"], dpi=110)
    plt.close(fig)

    # Stylised facts.
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    r = [s.assortativity for s in v.seeds]
    rs = np.concatenate([s.assortativity_shuffled for s in v.seeds])
    axes[0].hist(rs, bins=20, color="grey", alpha=0.7, label="shuffled scores")
    for x in r:
        axes[0].axvline(x, color="tab:red", lw=1)
    axes[0].set_title("Loneliness assortativity over ties (red: runs)", fontsize=10)
    axes[0].set_xlabel("Pearson r of DJG scores across ties")
    axes[0].legend(fontsize=7)
    ssum = sum(s.degree_score_sum for s in v.seeds)
    cnt = sum(s.degree_count for s in v.seeds)
    deg = np.arange(MAX_DEGREE + 1)
    axes[1].plot(deg, np.divide(ssum, cnt, out=np.full(len(cnt), np.nan), where=cnt > 0), "o-")
    axes[1].set_xticks(deg, [*map(str, deg[:-1]), f"{MAX_DEGREE}+"])
    axes[1].set_xlabel("good ties")
    axes[1].set_ylabel("mean DJG score")
    axes[1].set_title("Degree vs loneliness (end of run)", fontsize=10)
    dur = np.concatenate([s.lifetimes for s in v.seeds])
    obs = np.concatenate([s.ended for s in v.seeds])
    if len(dur):
        tt, ss = kaplan_meier(dur / WEEKS_PER_YEAR, obs)
        axes[2].step(tt, ss, where="post")
    axes[2].set_xlabel("age of initiative (years)")
    axes[2].set_ylabel("share still alive")
    axes[2].set_ylim(0, 1.02)
    axes[2].set_title("Initiative survival (Kaplan-Meier)", fontsize=10)
    fig.tight_layout()
    paths["stylised"] = outdir / "stylised_facts.png"
    fig.savefig(paths["stylised"], dpi=110)
    plt.close(fig)
    return paths


def _fmt(value: float, unit: str) -> str:
    return f"{value:.1f}" if unit != "share" else f"{100 * value:.1f}%"


def report(v: Validation, figures: dict[str, Path], doc: Path, command: str) -> str:
    """Write the markdown report and return its text."""
    final = v.final
    table = target_table(final)
    n_seeds = len(v.seeds)
    p = v.params
    rel = {k: path.relative_to(doc.parent).as_posix() if path.is_relative_to(doc.parent) else str(path)
           for k, path in figures.items()}
    lines = [
        "# Validation of the calibrated baseline",
        "",
        f"Generated by `{command}` on {dt.date.today().isoformat()}; do not edit by hand.",
        "",
        f"Baseline: schema defaults (calibrated values from `model/{CALIBRATED_FILE.name}`), steering mode "
        f"`{p.steering_mode}`, {p.n_residents:,} residents, {p.years:g} years, {n_seeds} seeds "
        f"({', '.join(str(s.seed) for s in v.seeds)}). Model values are the mean over the last year of each "
        "run, averaged over seeds; the interval is a 95% confidence interval over seeds. A target passes "
        "when the mean lies within the tolerance.",
        "",
        "## Targets",
        "",
        "| target | target value | tolerance | model (95% CI) | pass | source |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in table.itertuples():
        tol = f"± {100 * row.tolerance:.0f} pt" if row.unit == "share" else f"± {row.tolerance:g} h/week"
        lines.append(f"| {row.target} | {_fmt(row.value, row.unit)} | {tol} | {_fmt(row.model, row.unit)} "
                     f"({_fmt(row.ci_low, row.unit)} – {_fmt(row.ci_high, row.unit)}) | "
                     f"{'pass' if row.pass_ else '**fail**'} | {row.source} |")
    n_pass = int(table["pass"].sum())
    lines += ["", f"{n_pass} of {len(table)} targets pass.", ""]

    lonely_age = np.array([s.lonely_by_age for s in v.seeds])
    severe_age = np.array([s.severe_by_age for s in v.seeds])
    lines += [
        "## Loneliness by category and age group",
        "",
        f"![loneliness]({rel['loneliness']})",
        "",
        "| | model | Gezondheidsmonitor 2020 |",
        "| --- | --- | --- |",
        f"| moderately lonely (3-8) | {100 * final['moderate_share'].mean():.1f}% | 35.6% |",
        f"| severely lonely (9-10) | {100 * final['severe_share'].mean():.1f}% | — |",
        f"| very severely lonely (11) | {100 * final['very_severe_share'].mean():.1f}% | — |",
        f"| severe + very severe | {100 * (final['severe_share'] + final['very_severe_share']).mean():.1f}% "
        "| 11.0% |",
        f"| socially lonely (social subscale >= 3) | {100 * final['social_lonely_share'].mean():.1f}% | — |",
        f"| emotionally lonely (emotional subscale >= 3) | {100 * final['emotional_lonely_share'].mean():.1f}% | — |",
        "",
        "| age group | lonely (end of run) | severely lonely | target |",
        "| --- | --- | --- | --- |",
    ]
    for g, name in enumerate(AGE_GROUPS):
        tgt = "56% lonely, 12% severe" if name == "75+" else "—"
        lines.append(f"| {name} | {100 * lonely_age[:, g].mean():.1f}% | {100 * severe_age[:, g].mean():.1f}% "
                     f"| {tgt} |")
    lines += [
        "",
        "## Volunteering and informal care",
        "",
        f"![participation]({rel['participation']})",
        "",
        f"Volunteering in a given week: {100 * final['volunteering_share_week'].mean():.1f}% "
        "(CBS: about 3 in 10 in a given month, not a calibration target). Residents in need who get informal "
        f"help from a tie: {100 * final['needy_helped_share'].mean():.1f}%.",
        "",
        "## Casework: formal support and administration",
        "",
        f"![casework]({rel['casework']})",
        "",
        f"Open cases per district-team member: {final['cases_per_professional'].mean():.1f}; waiting list: "
        f"{final['waiting_list'].mean():.1f} residents; community-work share of professional time: "
        f"{100 * final['community_share'].mean():.1f}%.",
        "",
        "## Stylised facts",
        "",
        f"![stylised facts]({rel['stylised']})",
        "",
    ]
    r_mean, r_half = _ci(np.array([s.assortativity for s in v.seeds]))
    rs = np.concatenate([s.assortativity_shuffled for s in v.seeds])
    ssum = sum(s.degree_score_sum for s in v.seeds)
    cnt = sum(s.degree_count for s in v.seeds)
    by_deg = np.divide(ssum, cnt, out=np.full(len(cnt), np.nan), where=cnt > 0)
    dur = np.concatenate([s.lifetimes for s in v.seeds])
    obs = np.concatenate([s.ended for s in v.seeds])
    tt, ss = kaplan_meier(dur / WEEKS_PER_YEAR, obs) if len(dur) else (np.zeros(1), np.ones(1))

    def surv_at(year: float) -> float:
        return float(ss[np.searchsorted(tt, year, side="right") - 1])

    clustered = r_mean - r_half > rs.mean() + 2 * rs.std()
    falling = bool(np.nanmean(by_deg[:2]) > np.nanmean(by_deg[4:6]) > np.nanmean(by_deg[8:]) - 0.3)
    lines += [
        "| fact (literature) | model | holds |",
        "| --- | --- | --- |",
        f"| Loneliness clusters in the network (Cacioppo, Fowler & Christakis 2009) | assortativity of DJG "
        f"scores over ties r = {r_mean:.3f} ± {r_half:.3f}; shuffled {rs.mean():.3f} ± {rs.std():.3f} (sd) "
        f"| {'yes' if clustered else 'no'} |",
        "| More good ties, less loneliness, saturating at 4-5 ties (De Jong Gierveld & Van Tilburg 2007) "
        "| mean score by good ties: " + ", ".join(f"{d if d < MAX_DEGREE else f'{MAX_DEGREE}+'}: {x:.1f}"
                                            for d, x in enumerate(by_deg) if not np.isnan(x))
        + f" | {'yes' if falling else 'no'} |",
        f"| Initiatives are vulnerable in their continuity (Movisie 2022; no published survival rates) | "
        f"{int(obs.sum())} endings among {len(dur)} initiatives; Kaplan-Meier survival "
        f"{100 * surv_at(1):.0f}% after 1 year, {100 * surv_at(2):.0f}% after 2, {100 * surv_at(5):.0f}% after 5 "
        "| (pattern only) |",
        "",
        "## Calibration",
        "",
        "Free parameters (schema source `assumption`) were fitted with `python -m model.calibration search` "
        "(objective: weighted sum of squared standardised distances to the targets above; fixed seeds; a "
        "bounded trust-region least-squares refinement from a hand-tuned start, `scipy.optimize.least_squares`). "
        f"The fitted values and their provenance are in `model/{CALIBRATED_FILE.name}`; `model/parameters.py` "
        "uses them as the schema defaults and records the provenance as the field's source.",
        "",
    ]
    if CALIBRATED_FILE.exists():
        import tomllib

        cal = tomllib.loads(CALIBRATED_FILE.read_text(encoding="utf-8"))
        lines += ["| parameter | calibrated value |", "| --- | --- |"]
        lines += [f"| `{k}` | {val} |" for k, val in cal.get("parameters", {}).items()]
        lines += ["", f"Provenance: {cal.get('calibration', {}).get('provenance', '')}.", ""]
    text = "\n".join(lines) + "\n"
    notes = ROOT / "docs" / "validation_notes.md"
    if notes.exists():
        text += "\n" + notes.read_text(encoding="utf-8")
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the validation and write the report; exit code 1 when a target fails."""
    ap = argparse.ArgumentParser(prog="python -m model.validation", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="number of seeds (0, 1, ...)")
    ap.add_argument("--residents", type=int, default=2000)
    ap.add_argument("--years", type=float, default=10.0)
    ap.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for validation.md and figures/")
    args = ap.parse_args(argv)
    params = Parameters(n_residents=args.residents, years=args.years)
    v = validate(params, range(args.seeds))
    figures = make_figures(v, args.out / "figures")
    default = args.seeds == 10 and args.residents == 2000 and args.years == 10
    options = f" --seeds {args.seeds} --residents {args.residents} --years {args.years:g}"
    command = "python -m model.validation" + ("" if default else options)
    report(v, figures, args.out / "validation.md", command)
    table = target_table(v.final)
    print(table.drop(columns=["source"]).round(4).to_string(index=False))
    print(f"wrote {args.out / 'validation.md'}")
    return 0 if table["pass"].all() else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
