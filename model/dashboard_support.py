"""Non-UI support of the workshop dashboard: the workshop session, snapshots, figures, exports, info tab.

The dashboard (``dashboard.py``) only lays out widgets; everything it shows comes from here,
and nothing here changes a model rule:

* :class:`WorkshopModel` is a :class:`~model.core.community.CommunityModel` started from a shipped
  scenario that also keeps the room's live *decisions* (steering switches and interventions at
  the current week, through the model's public levers ``set_steering_mode`` and
  ``add_intervention``) and a *baseline*: a deep copy of the city taken at the first decision
  and stepped alongside with the same random-number state, so the difference between the two
  is the effect of the decisions in this city. A lock serialises stepping, deciding and
  reading, because Play steps in a thread while the page handles clicks.
* :func:`snapshot` copies what the page shows (tables, a sample of the network) under that lock.
* ``draw_*`` functions build matplotlib figures (Agg, no pyplot, safe in threads) from a
  snapshot; :func:`charts_png` and :func:`session_csv` export the session.
* :func:`slider_specs` and :func:`lever_specs` generate the sliders from the parameter schema
  and the intervention registry, within the ranges a scenario file may use.
* :func:`info_markdown` writes the info tab, quoting ``docs/ODD.md``.
"""

from __future__ import annotations

import copy
import io
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D

from model.core.community import CommunityModel
from model.core.interventions import INTERVENTION_REGISTRY, make_intervention
from model.core.parameters import INITIATIVE_KINDS, Parameters
from model.core.schema import describe
from model.core.steering import STEERING_REGISTRY
from model.core.time import WEEKS_PER_YEAR
from model.i18n import (
    ACTIVITY_NAMES,
    INFO,
    INITIATIVE_KIND_NAMES,
    intervention_name,
    neighbourhood_name,
    steering_name,
    t,
)
from model.odd import MARKDOWN, ODD_PATH, find_odd_sections
from model.plots import FIGURE_OUTPUTS, with_derived_outputs
from model.scenarios import load_scenario, setting_field

#: Start-setting sliders: schema field -> (lowest, highest, step) on the dashboard. The range is
#: narrowed from the schema's allowed range to what makes sense in a workshop room. Up to 5,000
#: residents drawing the charts, not stepping, sets the pace (a week of 5,000 residents and their
#: baseline took about 30 ms on a busy two-core machine; the network shows a sample of 300).
KEY_LEVERS: dict[str, tuple[float, float, float]] = {
    "n_residents": (200, 5000, 100),
    "team_per_1000": (0.0, 10.0, 0.5),
    "builders_per_1000": (0.0, 5.0, 0.25),
    "admin_base_hours": (0.0, 20.0, 1.0),
    "citizen_budget_eur": (0.0, 50.0, 5.0),
    "reluctance_mean": (0.0, 1.0, 0.05),
    "homophily": (1.0, 6.0, 0.5),
    "layered_review_weeks": (4, 52, 1),
}

#: Interventions the room can apply now: name -> (setting on a slider, lowest, highest, step).
#: Defaults come from the intervention itself; ranges are checked against a scenario file's.
LIVE_LEVERS: dict[str, tuple[str, float, float, float]] = {
    "close_meeting_places": ("share", 0.25, 1.0, 0.25),
    "protect_community_time": ("share", 0.1, 0.8, 0.1),
    "citizen_budget": ("eur_per_resident", 5.0, 50.0, 5.0),
}

#: Fixed settings of live interventions: a place closed by the room closes now, not after months
#: of underfunding (the scenario ``meeting_place_closures`` shows the slow budget-cut path).
LIVE_FIXED: dict[str, dict[str, Any]] = {"close_meeting_places": {"immediate": True}}

#: The model description the info tab quotes from (``docs/`` next to the ``model`` package).

STEERING_MODES: tuple[str, ...] = tuple(STEERING_REGISTRY)
DEFAULT_SCENARIO = "baseline"
NETWORK_SAMPLE = 300

_ACTIVITIES = ("hours_casework", "hours_admin", "hours_connecting", "hours_initiative_support",
               "hours_talent_spotting", "hours_outreach")
_ACTIVITY_COLOURS = ("#c0504d", "#9e9e9e", "#4f81bd", "#8064a2", "#f79646", "#4bacc6")
#: How the key outputs of :data:`model.plots.FIGURE_OUTPUTS` (the CLI's figures) are drawn here:
#: column -> (axis-label key, scale, colour).
_SERIES_STYLE = {"community_strength": ("strength_axis", 1.0, "#2e7d32"),
                 "lonely_share": ("lonely_axis", 100.0, "#c62828"),
                 "casework_load": ("casework_axis", 1.0, "#1565c0")}

#: De Jong Gierveld categories (ODD 8.2): 0-2 not lonely, 3-8 moderate, 9-10 severe, 11 very severe.
_LONELY_BOUNDS = (0, 3, 9, 11, 12)
_LONELY_KEYS = ("not_lonely", "moderately_lonely", "severely_lonely", "very_severely_lonely")
_LONELY_COLOURS = ("#66bb6a", "#ffa726", "#e53935", "#7f0000")
_KIND_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#8d6e63")
DECISION_COLOUR = "#6a1b9a"  # purple: used for nothing else, so a marker is never mistaken for data


# ---------------------------------------------------------------------- sliders
@dataclass(frozen=True)
class SliderSpec:
    """One slider, generated from the schema (start settings) or an intervention (live levers).

    Attributes:
        name: Schema field, or intervention name for a live lever.
        setting: The intervention setting it moves (the schema field itself for start settings).
        is_int: Whole numbers only.
        lo: Lowest value on the slider.
        hi: Highest value on the slider.
        step: Slider step.
        default: The schema's (or the intervention's) default.
        unit: The unit.
        doc: The schema's one-line meaning (English; empty for a setting without a schema field).

    """

    name: str
    setting: str
    is_int: bool
    lo: float
    hi: float
    step: float
    default: Any
    unit: str
    doc: str


def _check_range(what: str, lo: float, hi: float, allowed_lo: float | None, allowed_hi: float | None) -> None:
    if (allowed_lo is not None and lo < allowed_lo) or (allowed_hi is not None and hi > allowed_hi):
        raise ValueError(f"{what}: dashboard range {lo}-{hi} lies outside the allowed {allowed_lo}-{allowed_hi}")


def slider_specs() -> list[SliderSpec]:
    """Generate the start-setting sliders of :data:`KEY_LEVERS`, with units, meanings and ranges from the schema.

    Raises:
        ValueError: A dashboard range lies outside the schema's allowed range.

    """
    rows = {r["name"]: r for r in describe(Parameters)}
    specs = []
    for name, (lo, hi, step) in KEY_LEVERS.items():
        row = rows[name]
        _check_range(name, lo, hi, row["lo"], row["hi"])
        specs.append(SliderSpec(name, name, isinstance(row["default"], int), lo, hi, step, row["default"],
                                row["unit"], row["doc"]))
    return specs


def lever_specs() -> list[SliderSpec]:
    """Generate the sliders of the live interventions of :data:`LIVE_LEVERS`.

    Defaults are the intervention's own; the allowed range is the one a scenario file has for
    that setting (a schema field's range where one applies).

    Raises:
        ValueError: A dashboard range lies outside the allowed range.

    """
    specs = []
    for name, (setting, lo, hi, step) in LIVE_LEVERS.items():
        allowed = setting_field(name, setting).metadata
        default = INTERVENTION_REGISTRY[name].__dataclass_fields__[setting].default
        _check_range(f"{name}.{setting}", lo, hi, allowed["lo"], allowed["hi"])
        specs.append(SliderSpec(name, setting, False, lo, hi, step, default, allowed["unit"], allowed["doc"]))
    return specs


def start_values(scenario_name: str) -> dict[str, float]:
    """Return the values of the start-setting sliders in a scenario, limited to the sliders' ranges."""
    p = load_scenario(scenario_name).params
    return {s.name: min(max(getattr(p, s.name), s.lo), s.hi) for s in slider_specs()}


def start_settings(scenario_name: str = DEFAULT_SCENARIO, seed: int = 1) -> dict[str, Any]:
    """Return the keyword arguments of :class:`WorkshopModel` for a scenario with its own slider values."""
    return {"scenario_name": scenario_name, "seed": seed, "overrides": start_values(scenario_name)}


# ---------------------------------------------------------------------- the session model
@dataclass(frozen=True)
class Decision:
    """A decision taken in the room.

    Attributes:
        week: The week it acts from.
        kind: ``"steering"``, an intervention name or ``"compare"`` (a new baseline).
        settings: Its settings (``mode`` for steering; ``neighbourhoods`` when not city-wide).

    """

    week: int
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        """Return a short label for chart markers and the decision log."""
        if self.kind == "steering":
            return t("decision_steering", lang, mode=steering_name(self.settings["mode"], lang))
        if self.kind == "compare":
            return t("decision_compare", lang)
        shown = {k: v for k, v in self.settings.items() if k != "neighbourhoods"}
        text = t(f"decision_{self.kind}", lang, **shown)
        where = self.settings.get("neighbourhoods")
        return text + (f" ({', '.join(neighbourhood_name(n, lang) for n in where)})" if where else "")


class WorkshopModel(CommunityModel):
    """A city started from a shipped scenario, with the room's decisions and a baseline branch.

    Mesa's ``ModelController`` re-creates it on Reset with the keyword arguments of
    :func:`start_settings` (none is called ``scenario``: that name is Mesa's).
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int = 1,
                 overrides: dict[str, Any] | None = None) -> None:
        """Build the city of a scenario.

        Args:
            scenario_name: A shipped scenario (see :func:`model.scenarios.list_scenarios`).
            seed: Seed of the random number generator (same seed, same city).
            overrides: Parameter overrides on top of the scenario (validated by the schema).

        """
        sc = load_scenario(scenario_name)
        if overrides:
            sc = sc.with_parameters(dict(overrides))
        super().__init__(sc.params, seed=int(seed), interventions=sc.make_interventions())
        self.scenario_name = sc.name
        self.decisions: list[Decision] = []
        self.baseline: WorkshopModel | None = None
        self.baseline_start: int | None = None
        self._lock = threading.RLock()
        self._sample: np.ndarray | None = None
        self._layout: np.ndarray | None = None

    def _advance_time(self, until: float) -> None:
        """Mesa's time advance (``step``, ``run_for``), under the lock: no decision or copy lands mid-step."""
        with self._lock:
            super()._advance_time(until)

    def step(self) -> None:
        """Advance the live city (and the baseline, if any) by one week."""
        super().step()
        if self.baseline is not None:
            self.baseline.step()

    def _branch(self) -> WorkshopModel:
        """Copy the city now deeply (same random-number state), without lock, decisions or baseline."""
        memo: dict[int, Any] = {id(self._lock): threading.RLock()}
        if self.baseline is not None:
            memo[id(self.baseline)] = None
        twin = copy.deepcopy(self, memo)
        twin.decisions = []
        twin.baseline_start = None
        return twin

    def _start_baseline(self) -> None:
        """Continue a copy of the city from now on without further decisions."""
        self.baseline = self._branch()
        self.baseline_start = self.week

    def compare_from_now(self) -> Decision:
        """Start a new baseline: a copy of the city now, continued without further decisions."""
        with self._lock:
            self._start_baseline()
            decision = Decision(self.week, "compare")
            self.decisions.append(decision)
            return decision

    def decide(self, kind: str, **settings: Any) -> Decision:
        """Take a decision now, at the current week; the first one starts the baseline.

        A steering switch goes through :meth:`CommunityModel.set_steering_mode` (it re-steers at
        once); an intervention is made by :func:`model.core.interventions.make_intervention` with
        ``start_week`` the current week and added with :meth:`CommunityModel.add_intervention`.

        Args:
            kind: ``"steering"`` (setting ``mode``) or an intervention name (its settings).
            **settings: The decision's settings; ``neighbourhoods`` (names) limits an intervention.

        Returns:
            The recorded decision.

        Raises:
            KeyError: Unknown steering mode or intervention.
            TypeError: A setting the intervention does not have.
            ValueError: An unknown neighbourhood, or a setting the intervention rejects.

        """
        with self._lock:
            if kind == "steering":
                mode = settings.get("mode")
                if mode not in STEERING_REGISTRY:
                    raise KeyError(f"unknown steering mode {mode!r}; known: {', '.join(STEERING_MODES)}")
                action = None
            else:
                action = make_intervention(kind, start_week=self.week, **(LIVE_FIXED.get(kind, {}) | settings))
                action.where(self)  # an unknown neighbourhood is rejected now, before anything changes
            if self.baseline is None:
                self._start_baseline()
            if action is None:
                self.set_steering_mode(settings["mode"])
            else:
                self.add_intervention(action)
            decision = Decision(self.week, kind, dict(settings))
            self.decisions.append(decision)
            return decision

    @property
    def steering_mode(self) -> str:
        """Return the name of the current steering mode."""
        return self.steering.name

    # ------------------------------------------------------------------ network sample
    def network_sample(self, size: int = NETWORK_SAMPLE) -> tuple[np.ndarray, np.ndarray]:
        """Return a fixed sample of residents and their layout, computed once per city.

        The sample snowballs along ties within each neighbourhood (so that structure shows),
        in proportion to neighbourhood size; the layout places each neighbourhood in its own
        cell and runs a spring layout on its sampled residents. It uses its own random
        generator, never the model's, so that drawing does not change the run.

        Returns:
            Resident indices (k,) and positions (k, 2).

        """
        if self._sample is None:
            self._sample, self._layout = _sample_and_layout(self, size)
        return self._sample, self._layout


def _grid_centres(n: int) -> np.ndarray:
    """Centres of ``n`` neighbourhood cells on a square grid (row by row, top first)."""
    cols = int(np.ceil(np.sqrt(n)))
    return np.array([[b % cols, -(b // cols)] for b in range(n)], dtype=float)


def _sample_and_layout(m: CommunityModel, size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(m.seed + 7919)
    n, net, nbh = len(m.pop), m.net, m.pop.nbh
    ends = np.concatenate([net.a, net.b])
    other = np.concatenate([net.b, net.a])
    order = np.argsort(ends, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=n))])
    nbrs = other[order]
    size = min(size, n)
    quota = np.maximum(1, np.round(size * m.nbh_size / n)).astype(int)
    centres = _grid_centres(m.n_nbh)
    chosen, pos = [], []
    for b in range(m.n_nbh):
        members = np.flatnonzero(nbh == b)
        take: list[int] = []
        seen = np.zeros(n, dtype=bool)
        queue: list[int] = []
        for start in rng.permutation(members):
            if len(take) >= quota[b]:
                break
            if seen[start]:
                continue
            queue.append(int(start))
            seen[start] = True
            while queue and len(take) < quota[b]:
                i = queue.pop(0)
                take.append(i)
                near = nbrs[starts[i]:starts[i + 1]]
                near = near[(nbh[near] == b) & ~seen[near]]
                near = rng.permutation(near)[:4]
                seen[near] = True
                queue.extend(int(j) for j in near)
        sel = np.array(sorted(take), dtype=np.int64)
        inside = np.zeros(n, dtype=bool)
        inside[sel] = True
        keep = inside[net.a] & inside[net.b]
        g = nx.Graph()
        g.add_nodes_from(sel.tolist())
        g.add_edges_from(zip(net.a[keep].tolist(), net.b[keep].tolist(), strict=True))
        lay = nx.spring_layout(g, seed=int(rng.integers(1 << 30)), iterations=60, k=1.6 / np.sqrt(max(len(sel), 1)))
        xy = np.array([lay[i] for i in sel]) if len(sel) else np.zeros((0, 2))
        if len(xy):
            xy = xy - xy.mean(axis=0)
            xy = xy / max(np.abs(xy).max(), 1e-9) * 0.40
        chosen.append(sel)
        pos.append(xy + centres[b])
    return np.concatenate(chosen), np.vstack(pos)


# ---------------------------------------------------------------------- snapshots
@dataclass(eq=False)
class NetworkView:
    """What the network chart draws: a sample of residents, their ties and initiatives."""

    pos: np.ndarray
    score: np.ndarray
    engagement: np.ndarray
    member_of: np.ndarray
    edges: np.ndarray
    weights: np.ndarray
    initiative_kind: dict[int, int]
    taken_over: dict[int, bool]
    nbh_names: list[str]
    nbh_centres: np.ndarray
    places_open: np.ndarray
    places_total: np.ndarray
    total_residents: int


@dataclass(eq=False)
class Snapshot:
    """A consistent copy of what the page shows, taken under the model's lock (equal only to itself)."""

    week: int
    scenario_name: str
    seed: int
    mode: str
    city: pd.DataFrame
    baseline: pd.DataFrame | None
    baseline_start: int | None
    decisions: list[Decision]
    scheduled: list[tuple[int, str]]
    network: NetworkView


def snapshot(m: WorkshopModel) -> Snapshot:
    """Copy the tables and the network sample of the live city (and its baseline)."""
    with m._lock:
        sample, pos = m.network_sample()
        pop, net, ini = m.pop, m.net, m.inits
        inside = np.full(len(pop), -1, dtype=np.int64)
        inside[sample] = np.arange(len(sample))
        keep = (inside[net.a] >= 0) & (inside[net.b] >= 0)
        member = pop.member_of[sample].astype(np.int64)
        alive = np.flatnonzero(ini.alive)
        view = NetworkView(
            pos=pos, score=pop.score[sample].astype(float), engagement=pop.engagement[sample].copy(),
            member_of=np.where((member >= 0) & ini.alive[np.maximum(member, 0)], member, -1),
            edges=np.column_stack([inside[net.a[keep]], inside[net.b[keep]]]), weights=net.w[keep].copy(),
            initiative_kind={int(k): int(ini.kind[k]) for k in alive},
            taken_over={int(k): bool(ini.taken_over[k]) for k in alive},
            nbh_names=[str(x) for x in m.nbh_names], nbh_centres=_grid_centres(m.n_nbh),
            places_open=np.bincount(m.places.nbh, m.places.open, minlength=m.n_nbh).astype(int),
            places_total=np.bincount(m.places.nbh, minlength=m.n_nbh),
            total_residents=len(pop),
        )
        decided = {(d.week, d.kind) for d in m.decisions}
        scheduled = [(iv.start_week, iv.name) for iv in m.interventions if (iv.start_week, iv.name) not in decided]
        return Snapshot(
            week=m.week, scenario_name=m.scenario_name, seed=m.seed, mode=m.steering_mode,
            city=with_derived_outputs(m.city_frame()),
            baseline=None if m.baseline is None else with_derived_outputs(m.baseline.city_frame()),
            baseline_start=m.baseline_start, decisions=list(m.decisions), scheduled=scheduled, network=view,
        )


# ---------------------------------------------------------------------- monitors
@dataclass(frozen=True)
class Monitor:
    """One big number: its text key, the value shown and the difference with the baseline."""

    key: str
    value: str
    delta: str | None
    better: bool | None


def monitors(s: Snapshot) -> list[Monitor]:
    """Compute the big numbers of this week, with the difference from the baseline when there is one."""
    now = s.city.iloc[-1]
    base = None if s.baseline is None else s.baseline.iloc[-1]
    spec = (("community_strength", 1.0, "{:.1f}", "{:+.1f}", True),
            ("lonely_share", 100.0, "{:.1f}%", "{:+.1f} pp", False),
            ("casework_load", 1.0, "{:.0f}", "{:+.0f}", False),
            ("waiting_list", 1.0, "{:.0f}", "{:+.0f}", False),
            ("initiatives_active", 1.0, "{:.0f}", "{:+.0f}", True),
            ("meeting_places_open", 1.0, "{:.0f}", "{:+.0f}", True))
    out = []
    for key, scale, fmt, dfmt, up_is_good in spec:
        value = float(now[key]) * scale
        delta = better = None
        if base is not None:
            d = value - float(base[key]) * scale
            delta = dfmt.format(d)
            better = None if abs(d) < 1e-9 else (d > 0) == up_is_good
        out.append(Monitor(key, fmt.format(value), delta, better))
    return out


# ---------------------------------------------------------------------- figures
def draw_network(fig: Figure | SubFigure, s: Snapshot, lang: str) -> None:
    """Draw the sampled social network: colour loneliness, size engagement, squares initiatives."""
    v = s.network
    ax = fig.add_subplot(111)
    if len(v.edges):
        ax.add_collection(LineCollection(v.pos[v.edges], linewidths=0.3 + 1.2 * v.weights, colors="#607d8b",
                                         alpha=0.35, zorder=1))
    for k, kind in v.initiative_kind.items():
        who = np.flatnonzero(v.member_of == k)
        if not len(who):
            continue
        hub = v.pos[who].mean(axis=0) + np.array([0.0, 0.03])
        colour = _KIND_COLOURS[kind % len(_KIND_COLOURS)]
        ax.add_collection(LineCollection([[hub, p] for p in v.pos[who]], colors=colour, linewidths=0.9,
                                         alpha=0.8, zorder=2))
        ax.scatter([hub[0]], [hub[1]], marker="D" if v.taken_over[k] else "s", s=80, c=colour, edgecolors="black",
                   linewidths=0.8, zorder=4)
    cmap = ListedColormap(_LONELY_COLOURS)
    norm = BoundaryNorm(_LONELY_BOUNDS, cmap.N)
    ax.scatter(v.pos[:, 0], v.pos[:, 1], c=v.score, cmap=cmap, norm=norm,
               s=14 + 170 * np.clip(v.engagement, 0, 1), edgecolors="white", linewidths=0.4, zorder=3)
    for b, name in enumerate(v.nbh_names):
        cx, cy = v.nbh_centres[b]
        ax.text(cx, cy + 0.55, neighbourhood_name(name, lang), ha="center", va="bottom", fontsize=11,
                color="#37474f", weight="bold")
        ax.text(cx, cy + 0.54, t("places_open_label", lang, open=v.places_open[b], total=v.places_total[b]),
                ha="center", va="top", fontsize=9, color="#546e7a")
    ax.set_xlim(v.nbh_centres[:, 0].min() - 0.5, v.nbh_centres[:, 0].max() + 0.5)
    ax.set_ylim(v.nbh_centres[:, 1].min() - 0.45, v.nbh_centres[:, 1].max() + 0.72)
    ax.set_title(t("chart_network", lang, n=len(v.pos), total=v.total_residents), fontsize=12)
    ax.set_aspect("equal")
    ax.axis("off")
    lonely = [Line2D([], [], ls="", marker="o", ms=8, mfc=c, mec="white", label=t(k, lang))
              for k, c in zip(_LONELY_KEYS, _LONELY_COLOURS, strict=True)]
    kinds = [Line2D([], [], ls="", marker="s", ms=8, mfc=c, mec="black", label=INITIATIVE_KIND_NAMES[lang][k])
             for k, c in zip(INITIATIVE_KINDS, _KIND_COLOURS, strict=True)]
    kinds.append(Line2D([], [], ls="", marker="D", ms=7, mfc="white", mec="black", label=t("taken_over", lang)))
    fig.legend(handles=lonely, loc="outside lower left", ncols=1, fontsize=9, frameon=False,
               title=t("loneliness_legend", lang), title_fontsize=9, alignment="left")
    fig.legend(handles=kinds, loc="outside lower right", ncols=2, fontsize=9, frameon=False,
               title=t("initiatives_legend", lang), title_fontsize=9, alignment="left")


def _markers(ax: Any, s: Snapshot, lang: str, label: bool) -> None:
    for week, name in s.scheduled:
        if week <= s.week:
            ax.axvline(week / WEEKS_PER_YEAR, color="#9e9e9e", linestyle=":", linewidth=1.2)
            if label:
                ax.text(week / WEEKS_PER_YEAR, 1.0, " " + t("scheduled", lang, what=intervention_name(name, lang)),
                        transform=ax.get_xaxis_transform(), rotation=90, va="top", ha="right", fontsize=9,
                        color="#757575")
    for d in s.decisions:
        ax.axvline(d.week / WEEKS_PER_YEAR, color=DECISION_COLOUR, linestyle="-", linewidth=1.6, alpha=0.85)
        if label:
            ax.text(d.week / WEEKS_PER_YEAR, 1.0, " " + d.label(lang), transform=ax.get_xaxis_transform(),
                    rotation=90, va="top", ha="right", fontsize=9, color=DECISION_COLOUR)


def _x_limit(s: Snapshot) -> float:
    return max(1.0, s.week / WEEKS_PER_YEAR)


def draw_timeseries(fig: Figure | SubFigure, s: Snapshot, lang: str) -> None:
    """Draw community strength, loneliness and casework load over time; baseline dashed, decisions marked."""
    axes = fig.subplots(len(FIGURE_OUTPUTS), 1, sharex=True)
    marker = "o" if len(s.city) == 1 else None  # week 0 alone is one point, not a line
    for i, (ax, col) in enumerate(zip(axes, FIGURE_OUTPUTS, strict=True)):
        label, scale, colour = _SERIES_STYLE[col]
        ax.plot(s.city["year"], s.city[col] * scale, color=colour, linewidth=2.0, marker=marker,
                label=t("live", lang))
        if s.baseline is not None:
            b = s.baseline[s.baseline["week"] >= (s.baseline_start or 0)]
            ax.plot(b["year"], b[col] * scale, color=colour, linewidth=1.6, linestyle="--", alpha=0.75,
                    label=t("baseline", lang))
        _markers(ax, s, lang, label=i == 0)
        ax.set_ylabel(t(label, lang), fontsize=10)
        ax.tick_params(labelsize=9)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel(t("year", lang), fontsize=10)
    axes[-1].set_xlim(0, _x_limit(s))
    fig.suptitle(t("chart_timeseries", lang), fontsize=12)
    if s.baseline is not None:  # one key for all panels, below them, clear of the decision labels
        keys = [Line2D([], [], color="#455a64", linewidth=2.0, label=t("live", lang)),
                Line2D([], [], color="#455a64", linewidth=1.6, linestyle="--", label=t("baseline", lang))]
        fig.legend(handles=keys, loc="outside lower center", ncols=2, fontsize=10, frameon=False)


def draw_hours(fig: Figure | SubFigure, s: Snapshot, lang: str) -> None:
    """Draw professionals' hours by activity: over time (live) and this week (live and baseline)."""
    names = ACTIVITY_NAMES[lang]
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    left.stackplot(s.city["year"], *[s.city[c] for c in _ACTIVITIES], colors=_ACTIVITY_COLOURS,
                   labels=[names[c] for c in _ACTIVITIES], alpha=0.9)
    _markers(left, s, lang, label=False)
    left.set_xlim(0, _x_limit(s))
    left.set_xlabel(t("year", lang), fontsize=10)
    left.set_ylabel(t("hours_axis", lang), fontsize=10)
    left.tick_params(labelsize=9)
    left.legend(fontsize=9, loc="upper left", ncols=3, framealpha=0.85)
    rows = [(t("live", lang), s.city.iloc[-1])]
    if s.baseline is not None:
        rows.append((t("baseline", lang), s.baseline.iloc[-1]))
    for j, (_, row) in enumerate(rows):
        bottom = 0.0
        for c, colour in zip(_ACTIVITIES, _ACTIVITY_COLOURS, strict=True):
            right.bar(j, row[c], bottom=bottom, color=colour, width=0.6)
            bottom += row[c]
    right.set_xticks(range(len(rows)), [r[0] for r in rows], fontsize=10)
    right.set_xlim(-0.6, 1.6)
    right.set_title(t("now", lang), fontsize=10)
    right.tick_params(labelsize=9)
    top = max(left.get_ylim()[1], right.get_ylim()[1])
    left.set_ylim(0, top * 1.3)  # room for the legend above the stack
    right.set_ylim(0, top * 1.3)
    fig.suptitle(t("chart_hours", lang), fontsize=12)


_DRAW = {"network": draw_network, "timeseries": draw_timeseries, "hours": draw_hours}


def figure(kind: str, s: Snapshot, lang: str, width: float = 7.0, height: float = 4.5) -> Figure:
    """Build a new figure of ``kind`` (``network``, ``timeseries`` or ``hours``), size in inches."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    _DRAW[kind](fig, s, lang)
    return fig


def png(fig: Figure, dpi: int = 90) -> bytes:
    """Render a figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def charts_png(s: Snapshot, lang: str, dpi: int = 110) -> bytes:
    """Render all charts of the session in one PNG (for the export button), with a title naming the run."""
    fig = Figure(figsize=(16, 11.5), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.7, 1])
    net, series = top.subfigures(1, 2, width_ratios=[1.1, 1])
    draw_network(net, s, lang)
    draw_timeseries(series, s, lang)
    draw_hours(bottom, s, lang)
    fig.suptitle(t("export_title", lang, scenario=s.scenario_name, seed=s.seed, week=s.week,
                   mode=steering_name(s.mode, lang)), fontsize=13)
    return png(fig, dpi)


def session_csv(s: Snapshot) -> bytes:
    """Export the session's weekly city data as CSV: live and baseline rows (``branch``) and the decisions."""
    live = s.city.assign(branch="live")
    notes = pd.Series("", index=live.index, dtype=object)
    for d in s.decisions:
        rows = live.index[live["week"] == d.week]
        text = d.kind + "".join(f" {k}={'+'.join(v) if isinstance(v, tuple | list) else v}"
                                for k, v in d.settings.items())
        notes.loc[rows] = (notes.loc[rows] + "; " + text).str.lstrip("; ")
    frames = [live.assign(decision=notes)]
    if s.baseline is not None:
        b = s.baseline[s.baseline["week"] >= (s.baseline_start or 0)]
        frames.append(b.assign(branch="baseline", decision=""))
    out = pd.concat(frames, ignore_index=True).assign(scenario=s.scenario_name, seed=s.seed)
    front = ["scenario", "seed", "branch", "week", "year", "decision"]
    out = out[front + [c for c in out.columns if c not in front]]
    return out.to_csv(index=False).encode("utf-8")


# ---------------------------------------------------------------------- info tab
def odd_section(text: str, title: str) -> str:
    """Return the body of the ODD section whose heading contains ``title``, up to the next one of its level.

    Raises:
        ValueError: The document has no such section (its headings changed).

    """
    section = find_odd_sections(text, [title])[0]
    if section is None:
        raise ValueError(f"{ODD_PATH.name} has no section {title!r}")
    return section[1]




def info_markdown(lang: str) -> str:
    """Return the info tab: what it is, how to use it and things to try, then excerpts of ``docs/ODD.md``.

    The excerpts (purpose, the weekly schedule, the steering modes and the limitations) are read
    from the model description itself, so the tab says what the ODD says (in English).
    """
    odd = ODD_PATH.read_text(encoding="utf-8")
    purpose = next(p for p in odd_section(odd, "1 Purpose").split("\n\n") if p.startswith("**Purpose.**"))
    steps = "\n".join(x for x in odd_section(odd, "3 Process overview").splitlines() if re.match(r"\d+\. ", x))
    steering = "\n".join(x for x in odd_section(odd, "9.1 Steering modes").splitlines() if x.startswith("|"))
    limits = odd_section(odd, "11 What the model leaves out")
    parts = [INFO[lang], f"## {t('from_odd', lang)}", f"### {t('odd_purpose', lang)}", purpose,
             f"### {t('odd_process', lang)}", steps, f"### {t('odd_steering', lang)}", steering,
             f"### {t('odd_limits', lang)}", limits]
    return "\n\n".join(parts)


def info_html(lang: str) -> str:
    """Return the info tab as HTML (rendered here: Solara's Markdown component fetches KaTeX from a CDN)."""
    return MARKDOWN.render(info_markdown(lang))


def export_name(m: WorkshopModel, suffix: str) -> str:
    """File name of an export: scenario, seed and week, e.g. ``vitality_baseline_seed1_week52.png``."""
    return f"vitality_{m.scenario_name}_seed{m.seed}_week{m.week}.{suffix}"


__all__ = [
    "DECISION_COLOUR", "DEFAULT_SCENARIO", "KEY_LEVERS", "LIVE_FIXED", "LIVE_LEVERS", "ODD_PATH", "STEERING_MODES",
    "Decision", "Monitor", "SliderSpec", "Snapshot", "WorkshopModel", "charts_png", "export_name", "figure",
    "info_html", "info_markdown", "lever_specs", "monitors", "odd_section", "png", "session_csv", "slider_specs",
    "snapshot", "start_settings", "start_values",
]
