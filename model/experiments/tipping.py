"""Tipping points of the casework trap: when a temporary demand shock leaves a lasting trap, and what gets a city out.

The loop (issue 13, ``docs/steering.md``): casework is served before community work, a weaker
community leaves more residents lonely, and lonely residents meet more life events
(``lonely_shock_factor``, the loop's strength), which is more casework. Balancing it are residents
who give up waiting, temporary staff hired while waits exceed the Wmo term, and the front desk's
diversion of light needs to volunteers (the steering mode's ``diversion``). Over a grid of the loop's
strength and the diversion, every seed runs twice, paired: as is, and with a temporary demand shock
(the ``demand_shock`` intervention: life events multiplied for a while). Definitions:

* **excess**: a shocked run's casework load (open cases plus waiting list), averaged over the last
  ``final_weeks`` (52) weeks of the run, relative to the paired unshocked run's (same seed, same parameters):
  ``shocked / unshocked - 1``;
* **lasting trap**: an excess of at least ``threshold`` (20%) in that final period, which starts
  :attr:`TippingDesign.measure_gap` years after the shock ended (3 at the defaults);
* **tipped**: at least half of the seeds end in a lasting trap;
* **rescue**: a measure taken when the shock ends - protected community time or extra staff for
  ``rescue_years``, or a switch of steering mode for good - its run compared with the same paired
  unshocked run without any measure: the city as it would have been without the shock.

Every run is a :class:`model.experiments.store.Task`, so the batch is stored as it runs and resumes
(``vitality tipping``, :func:`model.api.save_tipping`), or runs in memory (:func:`model.api.run_tipping`).
:class:`Tipping` holds the runs' yearly means and gives the tables, the findings as sentences, the figure
and the document (``docs/tipping.md``).
"""

from __future__ import annotations

import dataclasses
import functools
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.core.schema import ParameterError, check_value
from model.core.steering import STEERING_REGISTRY
from model.core.time import WEEKS_PER_YEAR
from model.experiments.publish import replace_file
from model.experiments.runner import last_weeks
from model.experiments.scenarios import InterventionSpec, Scenario, setting_field
from model.experiments.store import RunStore, Task
from model.experiments.tipping_words import number_list, period, rescue_name, strengths, years
from model.i18n import formatted, steering_name
from model.messages import msg, render

#: The literature's range of the loop's strength, ``lonely_shock_factor`` (Holt-Lunstad et al. 2015: OR 1.26 for
#: mortality; Valtorta et al. 2016: RR 1.29 heart disease, 1.32 stroke; read as up to a doubling of problems).
LITERATURE_RANGE = (1.0, 2.0)
#: Loop strengths swept: the literature's range and beyond it, to the schema's upper limit, to show where it tips.
LOOP_STRENGTHS = (1.0, 1.3, 1.6, 2.0, 3.0, 5.0)
#: Diversion of light and moderate needs to volunteers (framing's own is 0.4; facilitating 0.6, enforcing 0.1).
DIVERSIONS = (0.0, 0.4, 0.8)
#: Shock sizes: life events x1.5, x2 and x3 for the shock's duration.
MULTIPLIERS = (1.5, 2.0, 3.0)
#: Measures taken when the shock ends: none, an intervention's name, or ``switch_steering:<mode>``.
RESCUES = ("none", "protect_community_time", "extra_staff", "switch_steering:facilitating",
           "switch_steering:enforcing", "switch_steering:layered")
#: Yearly means kept of every run: the casework load, and what explains it and what it costs.
OUTPUTS = ("casework_load", "waiting_list", "hours_community", "community_strength", "lonely_share", "hired_fte",
           "total_cost_eur")
#: The columns that name a run's grid point.
POINT = ["loop_strength", "diversion", "multiplier", "rescue"]
#: The document's template in each language (``model/experiments/templates``).
TEMPLATES = {"en": "tipping.md", "nl": "tipping.nl.md"}
#: Colours of the shock sizes in the figure, in order.
COLOURS = ("tab:orange", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive")


class TippingError(ParameterError):
    """A tipping experiment that cannot be run as asked; the message is one line."""


@dataclass(frozen=True)
class TippingDesign:
    """What the tipping experiment runs.

    Attributes:
        scenario: The base city, with its run size; its steering mode must be a fixed one (its ``diversion`` is set).
        seeds: Paired seeds: each runs shocked and unshocked at every grid point.
        loop_strengths: Values of ``lonely_shock_factor``.
        diversions: Values of the base mode's ``diversion``.
        multipliers: Shock sizes (the ``demand_shock`` multiplier).
        rescues: Measures taken when the shock ends (see :data:`RESCUES`).
        rescue_multiplier: The shock after which the rescues are tried (default: the largest).
        shock_start_year: When the shock starts, in years from the start of the run.
        shock_years: How long it lasts.
        rescue_years: How long protected time or extra staff lasts (0: until the end of the run).
        threshold: Relative excess casework load that counts as a lasting trap.
        final_weeks: The trap is measured over the run's last weeks (a year; shorter for tiny tries).

    """

    scenario: Scenario
    seeds: tuple[int, ...]
    loop_strengths: tuple[float, ...] = LOOP_STRENGTHS
    diversions: tuple[float, ...] = DIVERSIONS
    multipliers: tuple[float, ...] = MULTIPLIERS
    rescues: tuple[str, ...] = RESCUES
    rescue_multiplier: float | None = None
    shock_start_year: float = 1.0
    shock_years: float = 1.0
    rescue_years: float = 1.0
    threshold: float = 0.2
    final_weeks: int = WEEKS_PER_YEAR

    def __post_init__(self) -> None:
        """Check the design; every run's parameters are checked as its scenario is made.

        Raises:
            TippingError: The base mode switches between modes, the run leaves no year after the shock, a
                grid is empty, a rescue is unknown or a value is out of range.

        """
        p = self.scenario.params
        if p.steering_mode not in p.steering:
            raise TippingError(msg("tipping.fixed_mode", path="scenario", scenario=self.scenario.name,
                                   mode=p.steering_mode, modes=", ".join(p.steering)))
        if self.measure_gap < 0:
            least = self.shock_end + self.final_weeks / WEEKS_PER_YEAR
            period = (msg("tipping.last_year") if self.final_weeks == WEEKS_PER_YEAR
                      else msg("tipping.last_weeks", weeks=self.final_weeks))
            raise TippingError(msg("tipping.no_room", path="years", years=p.years, period=period, end=self.shock_end,
                                   least=least))
        for key in ("seeds", "loop_strengths", "diversions", "multipliers", "rescues"):
            if not getattr(self, key):
                raise TippingError(msg("tipping.at_least_one", path=key))
        for multiplier in self.multipliers:
            check_value("multipliers", setting_field("demand_shock", "multiplier"), multiplier, float)
            if multiplier <= 1:
                raise TippingError(msg("tipping.multiplier", path="multipliers", value=multiplier))
        for rescue in self.rescues:
            kind, _, mode = rescue.partition(":")
            timed = kind in ("protect_community_time", "extra_staff") and not mode
            if rescue != "none" and not (timed or (kind == "switch_steering" and mode in STEERING_REGISTRY)):
                raise TippingError(msg("tipping.rescue", path="rescues", value=rescue))
        if self.rescue_multiplier is None:
            object.__setattr__(self, "rescue_multiplier", max(self.multipliers))
        elif self.rescue_multiplier not in self.multipliers:
            raise TippingError(msg("tipping.rescue_multiplier", path="rescue_multiplier", value=self.rescue_multiplier))
        for point in self.points():  # every grid point's parameters within the schema's ranges
            self.variant(*point)

    @property
    def mode(self) -> str:
        """The base scenario's steering mode."""
        return self.scenario.params.steering_mode

    @property
    def rescue_diversion(self) -> float:
        """The diversion at which the rescues are tried: the grid's level nearest the base mode's own."""
        own = self.scenario.params.steering[self.mode].diversion
        return min(self.diversions, key=lambda d: abs(d - own))

    @property
    def own_strength(self) -> float:
        """The grid's loop strength nearest the base scenario's own (the figure's course over the years)."""
        own = self.scenario.params.lonely_shock_factor
        return min(self.loop_strengths, key=lambda s: abs(s - own))

    @property
    def shock_end(self) -> float:
        """When the shock ends, in years."""
        return self.shock_start_year + self.shock_years

    @property
    def measure_gap(self) -> float:
        """Years from the end of the shock to the start of the final period, over which the trap is measured."""
        return self.scenario.params.years - self.final_weeks / WEEKS_PER_YEAR - self.shock_end

    def period(self, lang: str = "en") -> str:
        """The final period in words: ``last year`` or ``last 8 weeks``."""
        return period(self.final_weeks, lang)

    def points(self) -> list[tuple[float, float, float, str]]:
        """Every run's grid point: loop strength, diversion, shock multiplier (0: no shock) and rescue."""
        grid = [(s, d, x, "none") for s in self.loop_strengths for d in self.diversions
                for x in (0.0, *self.multipliers)]
        grid += [(s, self.rescue_diversion, self.rescue_multiplier, r) for s in self.loop_strengths
                 for r in self.rescues if r != "none"]
        return list(dict.fromkeys(grid))

    def variant(self, strength: float, diversion: float, multiplier: float, rescue: str) -> Scenario:
        """The base scenario at a grid point: the loop's strength and diversion set, the shock and rescue added."""
        sc = self.scenario.with_parameters({"lonely_shock_factor": strength,
                                            "steering": {self.mode: {"diversion": diversion}}})
        specs = list(sc.interventions)
        if multiplier:
            specs.append(InterventionSpec("demand_shock", self.shock_start_year, self.shock_end,
                                          settings={"multiplier": multiplier}))
        kind, _, mode = rescue.partition(":")
        if mode:
            specs.append(InterventionSpec(kind, self.shock_end, settings={"mode": mode}))
        elif rescue != "none":
            specs.append(InterventionSpec(kind, self.shock_end,
                                          self.shock_end + self.rescue_years if self.rescue_years else None))
        name = f"lsf{strength:g}-div{diversion:g}-x{multiplier:g}-{rescue.replace(':', '-')}"
        return dataclasses.replace(sc, name=name, interventions=tuple(specs))

    def tasks(self) -> list[Task]:
        """One run per grid point and seed, keyed ``<point>--seed-<seed>``."""
        tasks = []
        for point in self.points():
            sc = self.variant(*point)
            spec = dict(zip(POINT, point, strict=True))
            tasks += [Task(f"{sc.name}--seed-{seed}", tipping_run, (sc, seed, self.final_weeks),
                           {"point": spec, "scenario": sc.to_dict(), "seed": seed}, sc.settled_group(seed))
                      for seed in self.seeds]
        return tasks

    def to_dict(self) -> dict[str, Any]:
        """The design as plain data (for the manifest)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "scenario"}
        return data | {"scenario": self.scenario.name, "mode": self.mode, "residents": self.scenario.params.n_residents,
                       "years": self.scenario.params.years, "measure_gap_years": self.measure_gap,
                       "rescue_diversion": self.rescue_diversion, "runs": len(self.points()) * len(self.seeds)}


def year_of(week: pd.Series) -> pd.Series:
    """The year of each week of a run, as interventions count them (``at_year`` 1 starts in week 52, year 1).

    A run of whole years ends with one week more (week 0 is the start); that week joins the last year.
    """
    return np.minimum(week // WEEKS_PER_YEAR, max(week.max() - 1, 0) // WEEKS_PER_YEAR)


def tipping_run(scenario: Scenario, seed: int, final_weeks: int) -> dict[str, pd.DataFrame]:
    """One run (a task of the run store): the yearly means of :data:`OUTPUTS` and their means over the last weeks."""
    city = scenario.run(seed).city
    yearly = city.groupby(year_of(city["week"]))[list(OUTPUTS)].mean().rename_axis("year").reset_index()
    final = last_weeks(city, final_weeks)[list(OUTPUTS)].mean().to_frame().T
    return {"yearly": yearly, "final": final}


def collect_tipping(design: TippingDesign, store: RunStore, lang: str = "en") -> Tipping:
    """The finished runs of a tipping experiment, one row per run and year (``year`` -1: the final period).

    Its findings, figure and document are in ``lang``.
    """
    frames = []
    for task in store.tasks:
        tables = store.load(task.key)
        for table in (tables["yearly"], tables["final"].assign(year=-1)):
            frames.append(table.assign(**task.spec["point"], seed=task.spec["seed"]))
    return Tipping(design, pd.concat(frames, ignore_index=True), lang)


@dataclass
class Tipping:
    """A tipping experiment's results: each run's yearly means, and what they say.

    Attributes:
        design: The experiment.
        runs: One row per run and year (``year`` -1 is the final period): the grid point, the seed and
            :data:`OUTPUTS`.
        lang: The language of its findings, figure and document (``"nl"`` or ``"en"``).

    """

    design: TippingDesign
    runs: pd.DataFrame
    lang: str = "en"

    @functools.cached_property
    def excess(self) -> pd.DataFrame:
        """Per shocked run: its final casework load, the paired unshocked run's, the excess and trapped or not."""
        final = self.runs[self.runs["year"] == -1]
        pair = ["loop_strength", "diversion", "seed"]
        base = final[(final["multiplier"] == 0) & (final["rescue"] == "none")].set_index(pair)
        shocked = final[final["multiplier"] > 0].copy()
        reference = base.reindex(pd.MultiIndex.from_frame(shocked[pair]))
        shocked["unshocked"] = reference["casework_load"].to_numpy()
        shocked["excess"] = shocked["casework_load"] / shocked["unshocked"] - 1
        shocked["trapped"] = shocked["excess"] >= self.design.threshold
        shocked["extra_cost_eur"] = self._extra_cost(shocked)
        return shocked[[*POINT, "seed", "casework_load", "unshocked", "excess", "trapped", "extra_cost_eur"]] \
            .reset_index(drop=True)

    def _extra_cost(self, shocked: pd.DataFrame) -> np.ndarray:
        """Each shocked run's cost per year, from the end of the shock on, above the paired unshocked run's."""
        after = self.runs[self.runs["year"] >= self.design.shock_end]
        cost = after.groupby([*POINT, "seed"])["total_cost_eur"].mean() * WEEKS_PER_YEAR
        cost = cost.reset_index()
        base = cost[(cost["multiplier"] == 0) & (cost["rescue"] == "none")].set_index(
            ["loop_strength", "diversion", "seed"])["total_cost_eur"]
        own = cost.set_index([*POINT, "seed"])["total_cost_eur"]
        keys = pd.MultiIndex.from_frame(shocked[[*POINT, "seed"]])
        pairs = pd.MultiIndex.from_frame(shocked[["loop_strength", "diversion", "seed"]])
        return own.reindex(keys).to_numpy() - base.reindex(pairs).to_numpy()

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """Per grid point: seeds, trapped seeds and their share, the excess's median, quartiles and range."""
        g = self.excess.groupby(POINT)
        out = pd.DataFrame({"seeds": g.size(), "trapped": g["trapped"].sum(), "excess_median": g["excess"].median(),
                            "excess_q25": g["excess"].quantile(0.25), "excess_q75": g["excess"].quantile(0.75),
                            "excess_min": g["excess"].min(), "excess_max": g["excess"].max(),
                            "extra_cost_eur_median": g["extra_cost_eur"].median()})
        out["trapped_share"] = out["trapped"] / out["seeds"]
        return out.reset_index()

    @functools.cached_property
    def drift(self) -> pd.DataFrame:
        """Per loop strength and diversion: the unshocked city's own change of casework load (median over seeds).

        From the first year to the last: a strong loop may make casework grow without any shock.
        """
        base = self.runs[(self.runs["multiplier"] == 0) & (self.runs["rescue"] == "none")]
        pair = ["loop_strength", "diversion", "seed"]
        first = base[base["year"] == 0].set_index(pair)["casework_load"]
        final = base[base["year"] == -1].set_index(pair)["casework_load"]
        change = (final / first - 1).groupby(["loop_strength", "diversion"]).median()
        return change.rename("drift").reset_index()

    # ------------------------------------------------------------------ findings
    def findings(self, lang: str | None = None) -> list[str]:
        """The answers as sentences: where the city tips, what diversion does, what gets it out, the drift.

        Args:
            lang: The language of the sentences (default: the experiment's, :attr:`lang`).

        """
        lang = lang or self.lang
        d = self.design
        low, high = (formatted(v, "g", lang) for v in LITERATURE_RANGE)
        trap = render("tipping.f_trap", lang, {"threshold": formatted(d.threshold, ".0%", lang), "after": render(
            "tipping.f_after", lang, {"years": years(d.measure_gap, lang)})})
        none = self.excess[self.excess["rescue"] == "none"]
        sentences = []
        for multiplier in d.multipliers:
            s = self._point_summary(d.rescue_diversion, multiplier)
            tipped = s.loc[s["trapped_share"] >= 0.5, "loop_strength"].tolist()
            inside = _plausible(none[(none["diversion"] == d.rescue_diversion) & (none["multiplier"] == multiplier)])
            if not tipped:
                where = render("tipping.f_tipped_none", lang, {"strengths": number_list(d.loop_strengths, lang),
                                                               "trap": trap})
            elif len(tipped) == len(s):
                where = render("tipping.f_tipped_all", lang, {"strengths": number_list(tipped, lang), "trap": trap})
            else:
                rest = sorted(set(s["loop_strength"]) - set(tipped))
                where = render("tipping.f_tipped_some", lang, {"tipped": strengths(tipped, lang),
                                                               "rest": strengths(rest, lang), "trap": trap})
            plausible = (render("tipping.f_plausible", lang, {
                "low": low, "high": high, "trapped": int(inside["trapped"].sum()), "runs": len(inside),
                "median": formatted(inside["excess"].median(), "+.0%", lang)}) if len(inside) else
                         render("tipping.f_not_plausible", lang, {"low": low, "high": high}))
            sentences.append(render("tipping.f_shock", lang, {
                "multiplier": formatted(multiplier, "g", lang), "years": years(d.shock_years, lang),
                "diversion": formatted(d.rescue_diversion, "g", lang), "where": where}) + " " + plausible)
        if len(d.diversions) > 1:
            parts = []
            for multiplier, t in _plausible(none).groupby("multiplier"):
                counts = ", ".join(render("tipping.f_diversion_count", lang, {
                    "trapped": int(g["trapped"].sum()), "runs": len(g), "diversion": formatted(div, "g", lang)})
                                   for div, g in t.groupby("diversion"))
                parts.append(render("tipping.f_diversion_after", lang, {"multiplier": formatted(multiplier, "g", lang),
                                                                        "counts": counts}))
            if parts:
                sentences.append(render("tipping.f_diversion", lang, {"parts": "; ".join(parts)}))
        sentences += self._rescue_findings(lang)
        sentences.append(self._drift_finding(lang))
        return sentences

    def _point_summary(self, diversion: float, multiplier: float, rescue: str = "none") -> pd.DataFrame:
        s = self.summary
        return s[(s["diversion"] == diversion) & (s["multiplier"] == multiplier) & (s["rescue"] == rescue)] \
            .sort_values("loop_strength")

    def _rescue_findings(self, lang: str) -> list[str]:
        d = self.design
        tried = self.excess[(self.excess["multiplier"] == d.rescue_multiplier)
                            & (self.excess["diversion"] == d.rescue_diversion)]
        if tried["rescue"].nunique() < 2:
            return []
        sentences = []
        inside = _plausible(tried)
        for label, runs in (("tipping.f_within", inside), ("tipping.f_every", tried)):
            if not len(runs) or (runs is tried and len(inside) == len(tried)):
                continue
            order = runs.groupby("rescue")["trapped"].mean().sort_values(kind="stable").index
            parts = [render("tipping.f_rescue_part", lang, {
                "rescue": rescue_name(r, d, lang), "trapped": int(g["trapped"].sum()), "runs": len(g),
                "median": formatted(g["excess"].median(), "+.0%", lang),
                "cost": formatted(g["extra_cost_eur"].median(), "+,.0f", lang)})
                     for r in order for g in [runs[runs["rescue"] == r]]]
            sentences.append(render("tipping.f_rescue", lang, {
                "multiplier": formatted(d.rescue_multiplier, "g", lang), "label": render(label, lang),
                "parts": "; ".join(parts)}))
        return sentences

    def _drift_finding(self, lang: str) -> str:
        d = self.design
        drift = self.drift[self.drift["diversion"] == d.rescue_diversion]
        growing = drift.loc[drift["drift"] >= d.threshold, "loop_strength"].tolist()
        change = ", ".join(render("tipping.f_drift_part", lang, {
            "drift": formatted(r.drift, "+.0%", lang), "strength": formatted(r.loop_strength, "g", lang)})
                           for r in drift.itertuples())
        if growing:
            return render("tipping.f_drift_growing", lang, {"change": change,
                                                            "strength": formatted(min(growing), "g", lang)})
        return render("tipping.f_drift_flat", lang, {"change": change,
                                                     "threshold": formatted(d.threshold, ".0%", lang)})

    # ------------------------------------------------------------------ figure
    def figure(self) -> Figure:
        """Top: each seed's excess per loop strength and shock, one panel per diversion (the trap's distribution).

        Bottom left: the excess over the years at the base city's own loop strength; bottom right: how many
        seeds each rescue leaves trapped after the largest shock, per loop strength. Texts in :attr:`lang`.
        """
        d, lang = self.design, self.lang
        fig = Figure(figsize=(max(5.0 * len(d.diversions), 12.0), 10.5), layout="constrained")
        FigureCanvasAgg(fig)
        top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1])
        axes = top.subplots(1, len(d.diversions), sharey=True, squeeze=False)[0]
        for ax, diversion in zip(axes, d.diversions, strict=True):
            self._draw_distribution(ax, diversion)
        axes[0].set_ylabel(render("tipping.fig_excess_axis", lang, {"period": d.period(lang),
                                                                     "gap": formatted(d.measure_gap, "g", lang)}))
        axes[0].legend(fontsize="small", loc="upper left")
        top.suptitle(render("tipping.fig_top_title", lang, {"period": d.period(lang),
                                                            "threshold": formatted(d.threshold, ".0%", lang)}),
                     fontsize="medium")
        course, rescues = bottom.subplots(1, 2, width_ratios=[1, 1.25])
        self._draw_course(course)
        self._draw_rescues(rescues)
        return fig

    def _draw_distribution(self, ax: Axes, diversion: float) -> None:
        d = self.design
        grid = list(d.loop_strengths)
        x = {s: i for i, s in enumerate(grid)}
        inside = [x[s] for s in grid if LITERATURE_RANGE[0] <= s <= LITERATURE_RANGE[1]]
        if inside:
            ax.axvspan(min(inside) - 0.45, max(inside) + 0.45, color="0.92", zorder=0)
        ax.axhline(100 * d.threshold, color="black", linestyle="--", linewidth=0.8)
        ax.axhline(0, color="grey", linewidth=0.5)
        none = self.excess[(self.excess["rescue"] == "none") & (self.excess["diversion"] == diversion)]
        jitter = np.random.default_rng(0)  # spreads the dots of one column; changes no number
        for i, (multiplier, colour) in enumerate(zip(d.multipliers, COLOURS, strict=False)):
            offset = (i - (len(d.multipliers) - 1) / 2) * 0.24
            t = none[none["multiplier"] == multiplier]
            ax.scatter(t["loop_strength"].map(x) + offset + jitter.uniform(-0.06, 0.06, len(t)), 100 * t["excess"],
                       s=11, alpha=0.55, color=colour, label=self._shock_label(multiplier))
            s = self._point_summary(diversion, multiplier)
            ax.scatter(s["loop_strength"].map(x) + offset, 100 * s["excess_median"], marker="_", s=260,
                       linewidths=2.5, color=colour)
        title = "tipping.fig_diversion_own" if diversion == d.rescue_diversion else "tipping.fig_diversion"
        ax.set(title=render(title, self.lang, {"diversion": formatted(diversion, "g", self.lang)}),
               xticks=range(len(grid)), xticklabels=[formatted(s, "g", self.lang) for s in grid],
               xlabel=render("tipping.fig_strength_axis", self.lang))

    def _shock_label(self, multiplier: float) -> str:
        return render("tipping.fig_shock", self.lang, {"multiplier": formatted(multiplier, "g", self.lang)})

    def _draw_course(self, ax: Axes) -> None:
        d = self.design
        runs = self.runs[(self.runs["year"] >= 0) & (self.runs["loop_strength"] == d.own_strength)
                         & (self.runs["diversion"] == d.rescue_diversion) & (self.runs["rescue"] == "none")]
        wide = runs.pivot_table(index=["seed", "year"], columns="multiplier", values="casework_load")
        ax.axvspan(d.shock_start_year, d.shock_end, color="0.88", zorder=0)
        ax.axhline(100 * d.threshold, color="black", linestyle="--", linewidth=0.8)
        ax.axhline(0, color="grey", linewidth=0.5)
        for multiplier, colour in zip(d.multipliers, COLOURS, strict=False):
            excess = 100 * (wide[multiplier] / wide[0.0] - 1)
            for _, line in excess.groupby("seed"):
                ax.plot(line.index.get_level_values("year") + 0.5, line.to_numpy(), color=colour, alpha=0.3,
                        linewidth=0.8)
            median = excess.groupby("year").median()
            ax.plot(median.index + 0.5, median.to_numpy(), color=colour, linewidth=2.5,
                    label=self._shock_label(multiplier))
        lang = self.lang
        ax.set(xlabel=render("tipping.fig_year_axis", lang), ylabel=render("tipping.fig_course_axis", lang),
               title=render("tipping.fig_course_title", lang, {"strength": formatted(d.own_strength, "g", lang),
                                                               "diversion": formatted(d.rescue_diversion, "g", lang)}))
        ax.legend(fontsize="small")

    def _draw_rescues(self, ax: Axes) -> None:
        d = self.design
        s = self.summary[(self.summary["multiplier"] == d.rescue_multiplier)
                         & (self.summary["diversion"] == d.rescue_diversion)]
        rescues = [r for r in d.rescues if r in set(s["rescue"])]

        def grid(column: str) -> pd.DataFrame:
            return s.pivot(index="rescue", columns="loop_strength", values=column).reindex(rescues)

        share, trapped, seeds, median = grid("trapped_share"), grid("trapped"), grid("seeds"), grid("excess_median")
        ax.imshow(share.to_numpy(dtype=float), cmap="Reds", vmin=0, vmax=1, aspect="auto")
        for i in range(len(rescues)):
            for j in range(share.shape[1]):
                ax.text(j, i, f"{int(trapped.iat[i, j])}/{int(seeds.iat[i, j])}\n"
                        f"{formatted(median.iat[i, j], '+.0%', self.lang)}",
                        ha="center", va="center", fontsize="x-small",
                        color="white" if share.iat[i, j] > 0.6 else "black")
        lang = self.lang
        ax.set(xticks=range(share.shape[1]), xticklabels=[formatted(v, "g", lang) for v in share.columns],
               yticks=range(len(rescues)), yticklabels=[rescue_name(r, d, lang) for r in rescues],
               xlabel=render("tipping.fig_strength_axis", lang),
               title=render("tipping.fig_rescues_title", lang, {"multiplier": formatted(d.rescue_multiplier, "g",
                                                                                        lang)}))

    # ------------------------------------------------------------------ files
    def write(self, folder: Path, manifest: dict[str, Any]) -> None:
        """Write the results into a folder: tables, figure and document.

        ``runs.parquet``/``runs.csv`` (each run's yearly means; ``year`` -1 the final period), ``excess.csv``
        (each shocked run against its unshocked twin), ``summary.csv`` (per grid point), ``tipping.png`` and
        ``tipping.md``.

        Args:
            folder: An empty folder.
            manifest: The results' manifest (the command and model version go into the document).

        """
        self.runs.to_parquet(folder / "runs.parquet", index=False)
        self.runs.to_csv(folder / "runs.csv", index=False)
        self.excess.to_csv(folder / "excess.csv", index=False)
        self.summary.to_csv(folder / "summary.csv", index=False)
        (folder / "tipping.png").write_bytes(self._png)
        (folder / "tipping.md").write_text(self.document("tipping.png", manifest), encoding="utf-8")

    def publish(self, docs: Path, manifest: dict[str, Any]) -> None:
        """Write ``docs/tipping.md`` and ``docs/figures/tipping.png``, each replacing its earlier version atomically."""
        (docs / "figures").mkdir(exist_ok=True)
        replace_file(docs / "figures" / "tipping.png", self._png)
        replace_file(docs / "tipping.md", self.document("figures/tipping.png", manifest).encode("utf-8"))

    @functools.cached_property
    def _png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", dpi=110)
        return buffer.getvalue()

    def document(self, figure: str, manifest: dict[str, Any]) -> str:
        """The Markdown document (``docs/tipping.md``): question, definitions, commands, figure and findings.

        In :attr:`lang`: Dutch from ``templates/tipping.nl.md``; the project's own ``docs/tipping.md`` is English.

        Args:
            figure: The figure's path relative to the document.
            manifest: The results' manifest: the command that made them (shown so that it can be run again), when
                and with which model version.

        """
        d, lang = self.design, self.lang
        p = d.scenario.params
        git = manifest.get("git")
        commit = "" if not git else render("tipping.doc_dirty" if git["dirty"] else "tipping.doc_commit", lang,
                                           {"commit": git["commit"][:10]})
        provenance = render("tipping.doc_made", lang, {
            "date": manifest["created"][:10], "digest": str(manifest["model_digest"])[:12], "commit": commit,
            "runs": len(self.runs[self.runs["year"] == -1])})
        template = resources.files("model.experiments").joinpath("templates", TEMPLATES[lang]).read_text(
            encoding="utf-8")
        number = functools.partial(formatted, spec="g", lang=lang)
        return template.format(
            command=" ".join(manifest["command"]), scenario=d.scenario.name, mode=d.mode,
            mode_name=steering_name(d.mode, lang).lower(),
            residents=formatted(p.n_residents, ",", lang), years=number(p.years), low=number(LITERATURE_RANGE[0]),
            high=number(LITERATURE_RANGE[1]), strengths=number_list(d.loop_strengths, lang),
            diversions=number_list(d.diversions, lang), own_diversion=number(p.steering[d.mode].diversion),
            seeds=len(d.seeds), multipliers=number_list(d.multipliers, lang, "x"),
            shock_start=number(d.shock_start_year),
            shock_years=years(d.shock_years, lang), final=d.period(lang),
            threshold=formatted(d.threshold, ".0%", lang),
            gap=number(d.measure_gap), rescue_multiplier=number(d.rescue_multiplier),
            rescue_diversion=number(d.rescue_diversion),
            rescues=", ".join(rescue_name(r, d, lang) for r in d.rescues if r != "none")
            or render("tipping.f_no_measure", lang), figure=figure, own_strength=number(d.own_strength),
            findings="".join(f"- {s}\n" for s in self.findings()), provenance=provenance)


def _plausible(table: pd.DataFrame) -> pd.DataFrame:
    """The rows whose loop strength lies in the literature's range."""
    return table[table["loop_strength"].between(*LITERATURE_RANGE)]
