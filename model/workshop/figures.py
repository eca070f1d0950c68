"""What the dashboard draws from a snapshot: the big numbers, the network, the outputs over time, the hours.

Figures are built with matplotlib's Agg renderer (no pyplot), so they are safe to draw in threads.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D

from model.core.categories import INITIATIVE_KINDS
from model.core.outputs import OUTPUTS
from model.core.time import WEEKS_PER_YEAR
from model.experiments.plots import FIGURE_OUTPUTS
from model.i18n import INITIATIVE_KIND_NAMES, Style, intervention_name, neighbourhood_name, t
from model.opendata import load_city
from model.opendata.geo import city_shapes, draw_map
from model.workshop.session import Snapshot

_ACTIVITIES = ("hours_casework", "hours_admin", "hours_connecting", "hours_initiative_support",
               "hours_talent_spotting", "hours_outreach")
_ACTIVITY_COLOURS = ("#c0504d", "#9e9e9e", "#4f81bd", "#8064a2", "#f79646", "#4bacc6")
#: Colours of the key outputs of :data:`model.experiments.plots.FIGURE_OUTPUTS` (the CLI's figures) drawn here
#: and in the workshop room.
SERIES_COLOURS = {"community_strength": "#2e7d32", "lonely_share": "#c62828", "casework_load": "#1565c0"}
#: The big numbers, in the order of the page.
MONITOR_OUTPUTS = ("community_strength", "lonely_share", "casework_load", "waiting_list", "initiatives_active",
                   "meeting_places_open")

#: De Jong Gierveld categories (ODD 8.2): 0-2 not lonely, 3-8 moderate, 9-10 severe, 11 very severe.
_LONELY_BOUNDS = (0, 3, 9, 11, 12)
_LONELY_KEYS = ("not_lonely", "moderately_lonely", "severely_lonely", "very_severely_lonely")
_LONELY_COLOURS = ("#66bb6a", "#ffa726", "#e53935", "#7f0000")
_KIND_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#8d6e63")
DECISION_COLOUR = "#6a1b9a"  # purple: used for nothing else, so a marker is never mistaken for data


@dataclass(frozen=True)
class Monitor:
    """One big number: its output, its name, the value shown and the difference with the baseline."""

    key: str
    label: str
    value: str
    delta: str | None
    better: bool | None


def monitors(s: Snapshot, lang: str) -> list[Monitor]:
    """Compute the big numbers of this week, with the difference from the baseline when there is one."""
    return compare_outputs(s.city.iloc[-1], None if s.baseline is None else s.baseline.iloc[-1], lang)


def compare_outputs(now: Mapping[str, float], base: Mapping[str, float] | None, lang: str) -> list[Monitor]:
    """The big numbers of one week's outputs (a table row or a dict), with the difference from a baseline's.

    Names, decimals and which way is better come from :data:`model.core.outputs.OUTPUTS`; numbers are
    written as everywhere else (:class:`model.i18n.Style`): shares as percentages, their differences in
    percentage points, with a decimal comma in Dutch.
    """
    out = []
    for key in MONITOR_OUTPUTS:
        output, style = OUTPUTS[key], Style.of(key, lang)
        delta = better = None
        if base is not None:
            d = float(now[key]) - float(base[key])
            delta = style.change(d)
            better = None if abs(d) < 1e-9 or output.better == "neutral" else (d > 0) == (output.better == "higher")
        name = output.short[lang]
        out.append(Monitor(key, name[:1].upper() + name[1:], style.level(float(now[key])), delta, better))
    return out


def axis_label(key: str, lang: str) -> str:
    """The label of an output's axis on the dashboard: its short name, with its unit ("%" for shares)."""
    output = OUTPUTS[key]
    return f"{output.short[lang]} ({'%' if output.unit.share else output.unit.text[lang]})"


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
        scale, colour = 100.0 if OUTPUTS[col].unit.share else 1.0, SERIES_COLOURS[col]
        ax.plot(s.city["year"], s.city[col] * scale, color=colour, linewidth=2.0, marker=marker,
                label=t("live", lang))
        if s.baseline is not None:
            b = s.baseline[s.baseline["week"] >= (s.baseline_start or 0)]
            ax.plot(b["year"], b[col] * scale, color=colour, linewidth=1.6, linestyle="--", alpha=0.75,
                    label=t("baseline", lang))
        _markers(ax, s, lang, label=i == 0)
        ax.set_ylabel(axis_label(col, lang), fontsize=10)
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
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    left.stackplot(s.city["year"], *[s.city[c] for c in _ACTIVITIES], colors=_ACTIVITY_COLOURS,
                   labels=[OUTPUTS[c].short[lang] for c in _ACTIVITIES], alpha=0.9)
    _markers(left, s, lang, label=False)
    left.set_xlim(0, _x_limit(s))
    left.set_xlabel(t("year", lang), fontsize=10)
    left.set_ylabel(OUTPUTS["hours_casework"].unit.text[lang], fontsize=10)
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


@functools.cache
def _city_map(city_file: str, boundaries: str) -> tuple[str, dict, dict]:
    """The city's name, its neighbourhood shapes and its other areas (read once per city and map)."""
    city = load_city(city_file)
    shapes, _, others = city_shapes(city, boundaries)
    return city.name, shapes, others


def draw_city_map(fig: Figure | SubFigure, s: Snapshot, lang: str) -> None:
    """Each neighbourhood of a real city coloured by its lonely share now (or its difference from the baseline)."""
    name, shapes, others = _city_map(*s.map_source)
    diff = s.baseline is not None
    if diff:
        title, unit = t("chart_map_diff", lang, city=name, week=s.week), t("chart_map_diff_unit", lang)
    else:
        title, unit = t("chart_map", lang, city=name, week=s.week), t("chart_map_unit", lang)
    draw_map(shapes, s.map_values, title, unit, others=others, diverging=diff, fig=fig)


_DRAW = {"network": draw_network, "timeseries": draw_timeseries, "hours": draw_hours, "map": draw_city_map}


def figure(kind: str, s: Snapshot, lang: str, width: float = 7.0, height: float = 4.5) -> Figure:
    """Build a new figure of ``kind`` (``network``, ``timeseries``, ``hours`` or ``map``), size in inches."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    _DRAW[kind](fig, s, lang)
    return fig


def png(fig: Figure, dpi: int = 90) -> bytes:
    """Render a figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
