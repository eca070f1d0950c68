"""Figures of runs over seeds: the mean of each output and its 95% confidence band.

Figures are drawn with matplotlib's Agg renderer (no display needed) straight from the
tidy city table (one row per scenario, seed and week); the bands are
:func:`model.experiments.statistics.ci95`, within each output's range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from model.core.outputs import OUTPUTS
from model.experiments.statistics import ci95
from model.i18n import number
from model.messages import render

#: The three key outputs drawn for every run (labels from :data:`model.core.outputs.OUTPUTS`).
FIGURE_OUTPUTS = ("community_strength", "lonely_share", "casework_load")


def draw_bands(ax: Axes, table: pd.DataFrame, key: str, by: str = "scenario", x: str = "year",
               names: Mapping[str, str] | None = None) -> None:
    """Draw the mean over seeds of one output and its 95% confidence band, one line per group.

    Args:
        ax: Matplotlib axes to draw on.
        table: Tidy table with one row per group, seed and ``x`` (e.g. a city table with a
            ``scenario`` column, or a neighbourhood table grouped by ``neighbourhood``).
        key: The output to draw (a band within the output's range; any other column gets the ordinary band).
        by: Column whose values get a line each, in order of appearance.
        x: Column of the horizontal axis.
        names: How to label each group's line (e.g. scenario titles, :func:`model.i18n.scenario_title`;
            default: the value itself).

    """
    names = names or {}
    bounds = OUTPUTS[key].bounds if key in OUTPUTS else None  # a column of the caller's own: no known range
    for name, runs in table.groupby(by, sort=False):
        g = runs.groupby(x)[key].agg(["mean", "std", "count"])
        low, high = ci95(g["mean"].to_numpy(), g["std"].to_numpy(), g["count"].to_numpy(), bounds)
        (line,) = ax.plot(g.index, g["mean"], label=names.get(name, name))
        ax.fill_between(g.index, low, high, color=line.get_color(), alpha=0.2, linewidth=0)


def key_output_figures(city: pd.DataFrame, outputs: Sequence[str] = FIGURE_OUTPUTS, lang: str = "en",
                       xlabel: str | None = None, title: str | None = None,
                       names: Mapping[str, str] | None = None) -> dict[str, Figure]:
    """Each key output over time, one line (mean over seeds) and 95% band per scenario.

    Args:
        city: City table with columns ``scenario``, ``seed``, ``year`` and the outputs.
        outputs: The outputs to draw; each axis is labelled with the output's label in ``lang``.
        lang: ``"en"`` or ``"nl"``.
        xlabel: Label of the time axis (default: "year" in ``lang``).
        title: Title of each figure; ``{seeds}`` becomes the number of seeds (default: the mean and 95% band).
        names: Each scenario's name in the legend, by scenario (default: as in the table).

    Returns:
        One figure per output, by output name.

    """
    seeds = city["seed"].nunique()
    xlabel = render("figure.year", lang) if xlabel is None else xlabel
    title = render("figure.title", lang) if title is None else title
    figures = {}
    for key in outputs:
        fig = Figure(figsize=(7, 4), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        draw_bands(ax, city, key, names=names)
        ax.set(xlabel=xlabel, ylabel=OUTPUTS[key].label[lang], title=title.format(seeds=seeds))
        ticks = FuncFormatter(lambda value, _: number(value, lang))  # 0,25 and 1.000 in Dutch
        ax.xaxis.set_major_formatter(ticks)
        # shares as percentages, as every table shows them
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0) if OUTPUTS[key].unit.share else ticks)
        ax.legend(loc="best", fontsize="small")
        figures[key] = fig
    return figures


def plot_key_outputs(city: pd.DataFrame, folder: Path, outputs: Sequence[str] = FIGURE_OUTPUTS, lang: str = "en",
                     names: Mapping[str, str] | None = None) -> list[Path]:
    """Write :func:`key_output_figures` into ``folder`` (which must exist) as ``<output>.png``; return the paths."""
    paths = []
    for key, fig in key_output_figures(city, outputs, lang, names=names).items():
        path = folder / f"{key}.png"
        fig.savefig(path, dpi=120)
        paths.append(path)
    return paths
