"""Workshop dashboard of the community-vitality simulator.

Start it with ``.venv/bin/solara run dashboard.py --host 127.0.0.1`` (or ``make dashboard``) and
open http://127.0.0.1:8765. It needs no internet: solara-assets serves every front-end file.

The page is declarative: widgets only. Everything it shows or changes goes through
:mod:`model.workshop` (the session model with its decisions and baseline, snapshots,
figures, exports, the info tab) and :mod:`model.i18n` (Dutch and English texts); no model rule
lives here.

It is built from Mesa's SolaraViz parts: ``update_counter`` / ``force_update`` (redraw after each
update) and the ``Reset`` / ``Play`` / ``Step`` pattern of its ``ModelController``. The controls are our
own because ``ModelController`` steps on while a redraw started by a click is running: reacton then
redraws again in the clicking thread, whose messages reach the browser only when it is done, so with
charts that take half a second to draw the page froze while playing. Here Play waits until the page
has drawn an update before the next one (one frame in flight). The layout is our own rather than
``SolaraViz``'s ``ComponentsView``, whose draggable grid of fixed 300-pixel cells and fixed "Page n"
tab names do not fit a projector or two languages. Charts are matplotlib PNGs (Altair needs Vega
from a CDN).
"""

# ruff: noqa: N802  (solara components are named like classes)
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import solara
import solara.lab
import solara.server.settings
from mesa.visualization.utils import force_update, update_counter

from model import WEEKS_PER_YEAR
from model import workshop as ds
from model.api import list_scenarios, load_scenario
from model.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    neighbourhood_name,
    scenario_description,
    steering_name,
    t,
)

# The "This website runs on Solara" banner would cover the bottom right of the charts, and the
# server's usage statistics would call the internet from a workshop room.
solara.server.settings.theme.show_banner = False
solara.server.settings.telemetry.mixpanel_enable = False

language = solara.reactive(DEFAULT_LANGUAGE)
# A city file and map from `make dashboard CITY=... MAP=...`, checked once when the server starts.
PLACE_PROBLEM = ds.place_problem()

_CARD = {"margin-bottom": "8px"}
_SMALL = "font-size: 0.85em; color: #546e7a; line-height: 1.3; word-break: normal; overflow-wrap: normal;"
_BIG = "font-size: 1.8em; font-weight: 600; line-height: 1.2;"


@solara.component
def Note(text: str, style: str = _SMALL, classes: list[str] | None = None) -> None:
    """A block of text (``solara.Text`` is inline)."""
    solara.v.Html(tag="div", children=[text], style_=style, class_=" ".join(classes or []))


@solara.component
def LanguageToggle() -> None:
    """NL / EN switch in the app bar."""
    solara.ToggleButtonsSingle(value=language.value.upper(), values=[code.upper() for code in LANGUAGES],
                               on_value=lambda code: language.set(code.lower()), dense=True,
                               classes=["language-toggle"])


@solara.component
def Monitors(snap: ds.Snapshot, lang: str) -> None:
    """Big numbers: week, steering mode and the key outputs, with the difference from the baseline."""
    card = {"min-width": "104px", "flex": "1 1 0", "padding": "6px 10px"}
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        with solara.Card(style=card, margin=0, classes=["monitor", "monitor-week"]):
            Note(t("week", lang))
            Note(f"{snap.week}", _BIG, ["monitor-value"])
            Note(f"{t('year', lang)} {snap.week / WEEKS_PER_YEAR:.1f} · {steering_name(snap.mode, lang)}",
                 classes=["monitor-mode"])
        for mon in ds.monitors(snap, lang):
            colour = {True: "#2e7d32", False: "#c62828", None: "#546e7a"}[mon.better]
            with solara.Card(style=card, margin=0, classes=["monitor", f"monitor-{mon.key}"]):
                Note(mon.label)
                Note(mon.value, _BIG, ["monitor-value"])
                if mon.delta is not None:
                    Note(f"{mon.delta} {t('vs_baseline', lang)}", f"{_SMALL} color: {colour};", ["monitor-delta"])


@solara.component
def DecisionLog(snap: ds.Snapshot, lang: str) -> None:
    """The baseline in force and the decisions taken so far."""
    Note(t("no_baseline", lang) if snap.baseline_start is None
         else t("baseline_since", lang, week=snap.baseline_start), classes=["baseline-note"])
    if snap.decisions:
        items = " · ".join(t("decision_at", lang, week=d.week, what=d.label(lang)) for d in snap.decisions)
        Note(f"{t('decisions', lang)}: {items}", f"color: {ds.DECISION_COLOUR}; font-weight: 500;", ["decision-log"])


@solara.component
def Chart(snap: ds.Snapshot, kind: str, lang: str, width: float, height: float) -> None:
    """One matplotlib chart as a PNG, redrawn only for a new snapshot or language."""
    image = solara.use_memo(lambda: ds.png(ds.figure(kind, snap, lang, width, height)), [snap, kind, lang])
    solara.Image(image, width="100%", classes=[f"chart-{kind}"])


@solara.component
def Views(model: solara.Reactive[ds.WorkshopModel], drawn: threading.Event) -> None:
    """Show the dashboard tab: monitors, decisions, network, time series and hours (after every update)."""
    counter = update_counter.value
    lang = language.value
    snap = solara.use_memo(lambda: ds.snapshot(model.value), [model.value, counter])
    solara.use_effect(drawn.set, [snap])  # this update is on the page: Play may go on
    with solara.Column(gap="8px"):
        Monitors(snap, lang)
        DecisionLog(snap, lang)
        with solara.Columns([1, 1]):
            with solara.Card(margin=0):
                Chart(snap, "network", lang, 6.4, 6.2)
                Note(t("chart_network_help", lang))
            with solara.Card(margin=0):
                Chart(snap, "timeseries", lang, 6.4, 6.6)
        with solara.Card(margin=0):
            Chart(snap, "hours", lang, 13.0, 3.8)
        if snap.map_values is not None:
            with solara.Card(margin=0):
                Chart(snap, "map", lang, 9.0, 7.0)
                Note(t("chart_map_help", lang))


@solara.component
def Lever(spec: ds.SliderSpec, lang: str, act: Callable[..., None]) -> None:
    """A slider for an intervention's setting and the button that applies it now."""
    value = solara.use_reactive(spec.default)
    shown = f"{value.value:.0%}" if spec.hi <= 1 else f"{value.value:g}"
    solara.SliderFloat(f"{spec.label[lang]}: {shown}", value=value, min=spec.lo, max=spec.hi, step=spec.step)
    solara.Button(spec.button[lang], small=True, block=True, classes=[f"act-{spec.name}"],
                  on_click=lambda: act(spec.name, **{spec.setting: value.value}))


@solara.component
def DecideNow(model: solara.Reactive[ds.WorkshopModel], lang: str) -> None:
    """Live levers: switch steering or apply an intervention now, at the current week."""
    update_counter.get()
    current = model.value.steering_mode
    where = solara.use_reactive("")
    error = solara.use_reactive("")

    def decide(kind: str, **settings: Any) -> None:
        try:
            model.value.decide(kind, **settings)
            error.set("")
        except (KeyError, TypeError, ValueError) as exc:
            error.set(f"{t('error', lang)}: {exc}")
        force_update()

    def intervene(kind: str, **settings: Any) -> None:
        decide(kind, **settings, **({"neighbourhoods": (where.value,)} if where.value else {}))

    def steer(mode: str) -> None:
        if mode != current:
            decide("steering", mode=mode)

    with solara.Card(t("live_levers", lang), style=_CARD):
        Note(t("live_help", lang))
        Note(t("steering_now", lang), "font-weight: 600; margin: 8px 0 4px 0;")
        with solara.Row(style={"flex-wrap": "wrap", "gap": "4px"}):
            for mode in ds.STEERING_MODES:
                solara.Button(steering_name(mode, lang), small=True, color="primary", outlined=mode != current,
                              classes=[f"steer-{mode}"], on_click=lambda mode=mode: steer(mode))
        places = [{"text": t("whole_city", lang), "value": ""}]
        places += [{"text": neighbourhood_name(str(n), lang), "value": str(n)} for n in model.value.nbh_names]
        solara.v.Select(label=t("where", lang), items=places, v_model=where.value, on_v_model=where.set,
                        class_="lever-where", hide_details=True)
        for spec in ds.lever_specs():
            Lever(spec, lang, intervene)
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

    scenarios = solara.use_memo(lambda: {name: load_scenario(name) for name in list_scenarios()}, [])
    items = [{"text": f"{name} - {scenario_description(sc, lang)}", "value": name} for name, sc in scenarios.items()]
    with solara.Card(t("start_settings", lang), style=_CARD):
        Note(t("start_help", lang))
        solara.v.Select(label=t("scenario", lang), items=items, v_model=current["scenario_name"], on_v_model=choose,
                        class_="scenario-select", menu_props={"maxWidth": 560})
        Note(scenario_description(scenarios[current["scenario_name"]], lang), classes=["scenario-description"])
        solara.InputInt(t("seed", lang), value=current["seed"],
                        on_value=lambda v: settings.set({**settings.value, "seed": int(v)}))
        for spec in ds.slider_specs():
            help_text = spec.help.get(lang, f"{spec.doc} ({spec.unit})")
            value = current["overrides"][spec.name]
            slider = solara.SliderInt if spec.is_int else solara.SliderFloat
            shown = f"{value:.{ds.decimals(spec.step)}f}"
            slider(f"{spec.label[lang]}: {shown}", value=value, min=spec.lo, max=spec.hi,
                   step=spec.step, on_value=lambda v, name=spec.name: set_override(name, v))
            Note(help_text, f"{_SMALL} margin: -6px 0 8px 0;")


@solara.component
def Export(model: solara.Reactive[ds.WorkshopModel], lang: str) -> None:
    """Download the session's charts (PNG) and weekly data (CSV)."""
    update_counter.get()
    with solara.Card(t("export", lang), style=_CARD), solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: ds.charts_png(ds.snapshot(model.value), lang),
                            filename=ds.export_name(model.value, "png"), label=t("download_png", lang),
                            mime_type="image/png")
        solara.FileDownload(lambda: ds.session_csv(ds.snapshot(model.value), lang),
                            filename=ds.export_name(model.value, "csv"), label=t("download_csv", lang),
                            mime_type="text/csv")


@solara.component
def RunControls(model: solara.Reactive[ds.WorkshopModel], settings: solara.Reactive[dict], drawn: threading.Event,
                lang: str) -> None:
    """Reset, Play / Pause and Step, with the weeks per update and the pause between updates."""
    playing = solara.use_reactive(False)
    weeks = solara.use_reactive(4)
    pause_ms = solara.use_reactive(100)
    error = solara.use_reactive("")
    one_loop = solara.use_memo(threading.Lock, [])

    def advance() -> None:
        drawn.clear()
        for _ in range(weeks.value):
            model.value.step()
        force_update()

    def play() -> None:
        if not one_loop.acquire(blocking=False):
            return  # the loop of a quick Pause-Play is still running and carries on
        try:
            while playing.value:
                advance()
                drawn.wait(timeout=60)  # one update in flight: the page has drawn it
                time.sleep(pause_ms.value / 1000)
        except Exception as exc:  # a failing step stops play and is shown, not lost in a thread
            playing.set(False)
            error.set(f"{t('error', lang)}: {exc}")
        finally:
            one_loop.release()

    def reset() -> None:
        playing.set(False)
        error.set("")
        model.set(ds.WorkshopModel(**settings.value))
        force_update()

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    with solara.Card(t("controls", lang), style=_CARD):
        with solara.Row(justify="space-between"):
            solara.Button(t("reset", lang), color="primary", classes=["run-reset"], on_click=reset)
            solara.Button(t("pause", lang) if playing.value else t("play", lang), color="primary", classes=["run-play"],
                          on_click=lambda: playing.set(not playing.value))
            solara.Button(t("step", lang), color="primary", classes=["run-step"], disabled=playing.value,
                          on_click=advance)
        solara.SliderInt(f"{t('weeks_per_update', lang)}: {weeks.value}", value=weeks, min=1, max=26)
        solara.SliderInt(f"{t('pause_ms', lang)}: {pause_ms.value}", value=pause_ms, min=0, max=1000, step=50)
        Note(t("controls_help", lang))
        if error.value:
            solara.Error(error.value)


@solara.component
def Page() -> None:
    """The workshop page, or one line saying why the city or map it was started with cannot be used."""
    if problem := PLACE_PROBLEM:  # a city file or map given with make dashboard CITY=... MAP=... that cannot be used
        solara.Error(problem)
    else:
        Workshop()


@solara.component
def Workshop() -> None:
    """Lay out the workshop: app bar, sidebar with controls, and the dashboard and info tabs."""
    lang = language.value
    settings = solara.use_reactive(solara.use_memo(ds.start_settings, []))
    model = solara.use_reactive(solara.use_memo(lambda: ds.WorkshopModel(**settings.value), []))
    drawn = solara.use_memo(threading.Event, [])
    info = solara.use_memo(lambda: ds.info_html(lang), [lang])

    solara.Title(t("title", lang))
    with solara.AppBar():
        with solara.AppBarTitle():
            solara.Text(t("title", lang), classes=["app-title"])
        LanguageToggle()
    with solara.Sidebar(), solara.Column(gap="0px", style={"max-width": "376px"}):  # the drawer's 400 px
        RunControls(model, settings, drawn, lang)
        DecideNow(model, lang)
        StartSettings(model, settings, lang)
        Export(model, lang)
    with solara.lab.Tabs(lazy=False):  # Play waits for Views to draw each update: keep it mounted
        with solara.lab.Tab(t("tab_dashboard", lang), classes=["tab-dashboard"]):
            Views(model, drawn)
        with solara.lab.Tab(t("tab_info", lang), classes=["tab-info"]):
            solara.HTML(tag="div", unsafe_innerHTML=info, style={"max-width": "960px"}, classes=["about-model"])
