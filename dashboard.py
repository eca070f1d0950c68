"""Workshop dashboard of the community-vitality simulator.

Start it with ``.venv/bin/solara run dashboard.py --host 127.0.0.1`` (or ``make dashboard``) and
open http://127.0.0.1:8765. It needs no internet: solara-assets serves every front-end file.

The page is declarative: widgets only. Everything it shows or changes goes through
:mod:`model.dashboard_support` (the session model with its decisions and baseline, snapshots,
figures, exports) and :mod:`model.i18n` (Dutch and English texts); no model rule lives here.

It is built from Mesa's SolaraViz parts: ``ModelController`` (Play / Step / Reset, stepping in a
thread), its ``model_parameters`` (the start settings, applied on Reset) and ``update_counter`` /
``force_update`` (redraw after each update). The layout is our own rather than ``SolaraViz``'s
``ComponentsView``, whose draggable grid of fixed 300-pixel cells and fixed "Page n" tab names do
not fit a projector or two languages. Charts are matplotlib PNGs (Altair needs Vega from a CDN).
"""

# ruff: noqa: N802  (solara components are named like classes)
from __future__ import annotations

import solara
import solara.lab
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import force_update, update_counter

from model import dashboard_support as ds
from model.i18n import (
    DEFAULT_LANGUAGE,
    INFO,
    LANGUAGES,
    PARAMETER_HELP_NL,
    PARAMETER_LABELS,
    scenario_description,
    steering_name,
    t,
)

language = solara.reactive(DEFAULT_LANGUAGE)

_CARD = {"margin-bottom": "8px"}
_SMALL = "font-size: 0.8em; color: #616161; line-height: 1.3;"
_BIG = "font-size: 1.7em; font-weight: 600; line-height: 1.2;"


def _css(style: str | dict[str, str]) -> str:
    return style if isinstance(style, str) else "; ".join(f"{k}: {v}" for k, v in style.items())


@solara.component
def Note(text: str, style: str | dict[str, str] = _SMALL, classes: list[str] | None = None) -> None:
    """A block of text (``solara.Text`` is inline)."""
    solara.v.Html(tag="div", children=[text], style_=_css(style), class_=" ".join(classes or []))


@solara.component
def LanguageToggle() -> None:
    """NL / EN switch in the app bar."""
    solara.ToggleButtonsSingle(value=language.value.upper(), values=[code.upper() for code in LANGUAGES],
                               on_value=lambda code: language.set(code.lower()), dense=True,
                               classes=["language-toggle"])


@solara.component
def Monitors(snap: ds.Snapshot, lang: str) -> None:
    """Big numbers: week, steering mode and the key outputs, with the difference from the baseline."""
    card = {"min-width": "140px", "padding": "8px 12px"}
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        with solara.Card(style=card, margin=0, classes=["monitor", "monitor-week"]):
            Note(t("week", lang))
            Note(f"{snap.week}", _BIG, ["monitor-value"])
            Note(f"{t('year', lang)} {snap.week / 52:.1f} · {steering_name(snap.mode, lang)}",
                 classes=["monitor-mode"])
        for mon in ds.monitors(snap):
            colour = {True: "#2e7d32", False: "#c62828", None: "#616161"}[mon.better]
            with solara.Card(style=card, margin=0, classes=["monitor", f"monitor-{mon.key}"]):
                Note(t(mon.key, lang))
                Note(mon.value, _BIG, ["monitor-value"])
                if mon.delta is not None:
                    Note(f"{mon.delta} {t('vs_baseline', lang)}", f"{_SMALL} color: {colour};", ["monitor-delta"])


@solara.component
def Chart(snap: ds.Snapshot, kind: str, lang: str, width: float, height: float, key: tuple) -> None:
    """One matplotlib chart as a PNG, redrawn only when the model, week, decisions or language change."""
    image = solara.use_memo(lambda: ds.png(ds.figure(kind, snap, lang, width, height)), [kind, lang, *key])
    solara.Image(image, width="100%", classes=[f"chart-{kind}"])


@solara.component
def Views(model: solara.Reactive[ds.WorkshopModel]) -> None:
    """Show the dashboard tab: monitors, network, time series and hours (redrawn after every update)."""
    counter = update_counter.value
    lang = language.value
    snap = solara.use_memo(lambda: ds.snapshot(model.value), [id(model.value), counter])
    key = (id(model.value), snap.week, len(snap.decisions), counter)
    with solara.Column(gap="8px"):
        Monitors(snap, lang)
        Note(t("no_baseline", lang) if snap.baseline_start is None
             else t("baseline_since", lang, week=snap.baseline_start), classes=["baseline-note"])
        with solara.Columns([5, 6]):
            with solara.Card(margin=0):
                Chart(snap, "network", lang, 6.0, 5.2, key)
                Note(t("chart_network_help", lang))
            with solara.Card(margin=0):
                Chart(snap, "timeseries", lang, 6.6, 5.6, key)
        with solara.Card(margin=0):
            Chart(snap, "hours", lang, 12.0, 3.4, key)


@solara.component
def DecideNow(model: solara.Reactive[ds.WorkshopModel], lang: str) -> None:
    """Live levers: switch steering or apply an intervention now, at the current week."""
    update_counter.get()
    current = model.value.steering_mode
    settings = {name: solara.use_reactive(dict(defaults)) for name, defaults in ds.LIVE_INTERVENTIONS.items()}
    error = solara.use_reactive("")

    def decide(kind: str, **values: float | str) -> None:
        try:
            model.value.decide(kind, **values)
            error.set("")
        except (KeyError, TypeError, ValueError) as exc:
            error.set(f"{t('error', lang)}: {exc}")
        force_update()

    with solara.Card(t("live_levers", lang), style=_CARD):
        Note(t("live_help", lang))
        Note(t("steering_now", lang), "font-weight: 600; margin: 8px 0 4px 0;")
        with solara.Row(style={"flex-wrap": "wrap", "gap": "4px"}):
            for mode in ds.STEERING_MODES:
                solara.Button(steering_name(mode, lang), small=True, color="primary",
                              outlined=mode != current, classes=[f"steer-{mode}"],
                              on_click=lambda mode=mode: decide("steering", mode=mode) if mode != current else None)
        close, protect, budget = (settings[k] for k in ds.LIVE_INTERVENTIONS)
        solara.SliderFloat(f"{t('close_share', lang)}: {close.value['share']:.0%}",
                           value=close.value["share"], min=0.25, max=1.0, step=0.25,
                           on_value=lambda v: close.set({"share": v}))
        solara.Button(t("close_places", lang), small=True, block=True, classes=["act-close_meeting_places"],
                      on_click=lambda: decide("close_meeting_places", **close.value))
        solara.SliderFloat(f"{t('protect_share', lang)}: {protect.value['share']:.0%}",
                           value=protect.value["share"], min=0.1, max=0.8, step=0.1,
                           on_value=lambda v: protect.set({"share": v}))
        solara.Button(t("protect_time", lang), small=True, block=True, classes=["act-protect_community_time"],
                      on_click=lambda: decide("protect_community_time", **protect.value))
        solara.SliderFloat(f"{t('budget_eur', lang)}: {budget.value['eur_per_resident']:.0f}",
                           value=budget.value["eur_per_resident"], min=5, max=50, step=5,
                           on_value=lambda v: budget.set({"eur_per_resident": v}))
        solara.Button(t("citizen_budget", lang), small=True, block=True, classes=["act-citizen_budget"],
                      on_click=lambda: decide("citizen_budget", **budget.value))
        solara.Button(t("compare_from_now", lang), small=True, text=True, classes=["act-compare"],
                      on_click=lambda: (model.value.compare_from_now(), force_update()))
        if error.value:
            solara.Error(error.value)


@solara.component
def StartSettings(model: solara.Reactive[ds.WorkshopModel], settings: solara.Reactive[dict], lang: str) -> None:
    """Scenario chooser (starts at once), seed and schema-generated sliders (applied on Reset)."""
    current = settings.value

    def choose(name: str) -> None:
        new = ds.start_settings(name, current["seed"])
        settings.set(new)
        model.set(ds.WorkshopModel(**new))
        force_update()

    def set_override(name: str, value: float) -> None:
        settings.set({**settings.value, "overrides": {**settings.value["overrides"], name: value}})

    sc = ds.scenario(current["scenario_name"])
    with solara.Card(t("start_settings", lang), style=_CARD):
        Note(t("start_help", lang))
        solara.Select(t("scenario", lang), values=ds.scenario_names(), value=current["scenario_name"],
                      on_value=choose, classes=["scenario-select"])
        Note(scenario_description(sc, lang), classes=["scenario-description"])
        solara.InputInt(t("seed", lang), value=current["seed"],
                        on_value=lambda v: settings.set({**settings.value, "seed": int(v)}))
        for spec in ds.slider_specs():
            label = PARAMETER_LABELS.get(lang, {}).get(spec.name, spec.name)
            help_text = PARAMETER_HELP_NL.get(spec.name, spec.doc) if lang == "nl" else spec.doc
            value = current["overrides"].get(spec.name, spec.lo)
            slider = solara.SliderInt if spec.is_int else solara.SliderFloat
            shown = f"{value:g}" if spec.is_int or spec.step >= 1 else f"{value:.2f}"
            slider(f"{label}: {shown}", value=value, min=spec.lo, max=spec.hi, step=spec.step,
                   on_value=lambda v, name=spec.name: set_override(name, v))
            Note(f"{help_text} ({spec.unit})", f"{_SMALL} margin: -6px 0 8px 0;")


@solara.component
def Export(model: solara.Reactive[ds.WorkshopModel], lang: str) -> None:
    """Download the session's charts (PNG) and weekly data (CSV)."""
    with solara.Card(t("export", lang), style=_CARD), solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: ds.charts_png(ds.snapshot(model.value), lang), filename="vitality_charts.png",
                            label=t("download_png", lang), mime_type="image/png")
        solara.FileDownload(lambda: ds.session_csv(ds.snapshot(model.value)), filename="vitality_session.csv",
                            label=t("download_csv", lang), mime_type="text/csv")


@solara.component
def Page() -> None:
    """Lay out the workshop page: app bar, sidebar with controls, and the dashboard and info tabs."""
    lang = language.value
    settings = solara.use_reactive(solara.use_memo(ds.start_settings, []))
    model = solara.use_reactive(solara.use_memo(lambda: ds.WorkshopModel(**settings.value), []))
    play_interval = solara.use_reactive(50)
    render_interval = solara.use_reactive(2)
    use_threads = solara.use_reactive(False)

    solara.Title(t("title", lang))
    with solara.AppBar():
        solara.AppBarTitle(t("title", lang))
        LanguageToggle()
    with solara.Sidebar(), solara.Column(gap="0px"):
        with solara.Card(t("controls", lang), style=_CARD):
            ModelController(model, model_parameters=settings, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
            solara.SliderInt(t("weeks_per_update", lang), value=render_interval, min=1, max=26)
            solara.SliderInt(t("pause_ms", lang), value=play_interval, min=0, max=1000, step=50)
            Note(t("controls_help", lang))
        DecideNow(model, lang)
        StartSettings(model, settings, lang)
        Export(model, lang)
    with solara.lab.Tabs():
        with solara.lab.Tab(t("tab_dashboard", lang), classes=["tab-dashboard"]):
            Views(model)
        with solara.lab.Tab(t("tab_info", lang), classes=["tab-info"]):
            solara.Markdown(INFO[lang])
