"""Exports of a workshop session: all charts in one PNG, the weekly data with the decisions as CSV."""

from __future__ import annotations

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.experiments.spreadsheet import csv_bytes
from model.i18n import DEFAULT_CSV_DIALECT, steering_name, t
from model.workshop.figures import draw_hours, draw_network, draw_timeseries, png
from model.workshop.session import Snapshot, WorkshopModel


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


def session_csv(s: Snapshot, lang: str) -> bytes:
    """Export the session's weekly city data as CSV: live and baseline rows (``branch``) and the decisions.

    In the dialect of ``lang`` (:data:`model.i18n.DEFAULT_CSV_DIALECT`): Dutch for Dutch Excel (``;``, decimal comma).
    """
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
    return csv_bytes(out, DEFAULT_CSV_DIALECT[lang])


def export_name(m: WorkshopModel, suffix: str) -> str:
    """File name of an export: scenario, seed and week, e.g. ``vitality_baseline_seed1_week52.png``."""
    return f"vitality_{m.scenario_name}_seed{m.seed}_week{m.week}.{suffix}"
