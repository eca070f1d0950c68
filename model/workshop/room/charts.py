"""Charts of the room as SVG text: the key outputs week by week, live against every baseline.

Drawn by hand rather than by matplotlib: an SVG of a few kilobytes is built in about a millisecond,
so every page can have its own chart right after a round closes, and its text stays sharp at any
size. Text is sized in CSS pixels for the width the chart is drawn at (the projector's at least
16 px at 1280x800, the phone's 15 px at 390 px wide). The legend and the decisions are HTML beside the
chart, so no label can break its layout; round ends are marked "R1", "R2", ... only.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from model.core.outputs import OUTPUTS
from model.experiments.plots import FIGURE_OUTPUTS
from model.workshop.figures import SERIES_COLOURS, axis_label
from model.workshop.room.texts import t

EARLIER = "#8d8d8d"
MARKER = "#6a1b9a"  # the dashboard's decision colour


def timeseries_svg(live: pd.DataFrame, baselines: list[tuple[int, pd.DataFrame]], round_ends: list[tuple[int, int]],
                   lang: str, width: int, font: int, panel_height: int) -> str:
    """Draw the key outputs, one panel each: live solid, the latest baseline dashed, earlier ones dotted.

    Args:
        live: Weekly outputs of the live city (``week`` and the panel columns).
        baselines: Each baseline as (start week, its weekly outputs), oldest first.
        round_ends: (round number, week) of the end of each round played.
        lang: Language of the titles.
        width: Width in CSS pixels (the SVG is drawn at this size).
        font: Text size in CSS pixels.
        panel_height: Height of one panel's plot area in CSS pixels.

    Returns:
        The SVG element as text.

    """
    left, right, gap = int(font * 3.2), int(font * 0.8), int(font * 0.8)
    markers, title = int(font * 1.4), int(font * 1.6)  # a row for "R1", "R2", ...; a row per panel title
    step = title + panel_height + gap
    height = markers + len(FIGURE_OUTPUTS) * step + int(font * 1.2)
    weeks = live["week"].to_numpy()
    x_lo, x_hi = int(weeks.min()), int(max(weeks.max(), weeks.min() + 4))
    x_of = _scale(x_lo, x_hi, left, width - right)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" class="chart" role="img" font-family="sans-serif" font-size="{font}">']
    for number, week in round_ends:
        parts.append(f'<text x="{x_of(week):.1f}" y="{font}" text-anchor="middle" fill="{MARKER}" '
                     f'class="round-end">{escape(t("round_marker", lang, round=number))}</text>')
    for i, column in enumerate(FIGURE_OUTPUTS):
        scale, colour = 100.0 if OUTPUTS[column].unit.share else 1.0, SERIES_COLOURS[column]
        y0 = markers + i * step + title
        frames = [live] + [f for _, f in baselines]
        values = np.concatenate([f[column].to_numpy(dtype=float) * scale for f in frames])
        lo, hi = float(values.min()), float(values.max())
        ticks = MaxNLocator(nbins=3, min_n_ticks=2).tick_values(lo, hi if hi > lo else lo + 1)
        y_of = _scale(float(ticks[0]), float(ticks[-1]), y0 + panel_height, y0)
        parts.append(f'<text x="{left}" y="{y0 - font * 0.45:.0f}" font-weight="bold" fill="#263238">'
                     f'{escape(axis_label(column, lang))}</text>')
        decimals = max(0, -int(np.floor(np.log10(ticks[1] - ticks[0]))))  # enough to tell the ticks apart
        for tick in ticks:
            y = y_of(tick)
            parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
            parts.append(f'<text x="{left - font * 0.3:.0f}" y="{y + font * 0.35:.1f}" text-anchor="end" '
                         f'fill="#455a64">{tick:.{decimals}f}</text>')
        for _, week in round_ends:
            x = x_of(week)
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y0 + panel_height}" stroke="{MARKER}" '
                         'stroke-width="1.5" opacity="0.7"/>')
        for j, (_, frame) in enumerate(baselines):
            latest = j == len(baselines) - 1
            parts.append(_line(frame, column, scale, x_of, y_of, colour if latest else EARLIER,
                               "7 5" if latest else "2 4", 2.0 if latest else 1.6))
        parts.append(_line(live, column, scale, x_of, y_of, colour, None, 2.6))
    y_axis = markers + len(FIGURE_OUTPUTS) * step - gap + font * 1.1
    for week in MaxNLocator(nbins=6, integer=True, min_n_ticks=2).tick_values(x_lo, x_hi):
        if x_lo <= week <= x_hi:
            parts.append(f'<text x="{x_of(week):.1f}" y="{y_axis:.0f}" text-anchor="middle" fill="#455a64">'
                         f'{int(week)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _scale(lo: float, hi: float, out_lo: float, out_hi: float):
    span = hi - lo or 1.0
    return lambda v: out_lo + (float(v) - lo) / span * (out_hi - out_lo)


def _line(frame: pd.DataFrame, column: str, scale: float, x_of, y_of, colour: str,
          dash: str | None, stroke: float) -> str:
    xs, ys = frame["week"].to_numpy(), frame[column].to_numpy(dtype=float) * scale
    if len(xs) == 1:
        return f'<circle cx="{x_of(xs[0]):.1f}" cy="{y_of(ys[0]):.1f}" r="{stroke * 1.6:.1f}" fill="{colour}"/>'
    points = " ".join(f"{x_of(x):.1f},{y_of(y):.1f}" for x, y in zip(xs, ys, strict=True))
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{stroke}"{dashes} '
            'stroke-linejoin="round"/>')
