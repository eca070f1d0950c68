"""Dashboard support: live decisions, the baseline branch, exports, texts in both languages, sliders."""

from __future__ import annotations

import dataclasses
import io
import re
import runpy
import string
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from model import i18n
from model import workshop as ds
from model.core.categories import INITIATIVE_KINDS
from model.core.interventions import INTERVENTION_REGISTRY
from model.core.parameters import Parameters
from model.core.schema import Slider, describe
from model.core.steering import STEERING_REGISTRY
from model.experiments.scenarios import list_scenarios, load_scenario, setting_field
from model.workshop import figures
from model.workshop.sliders import exact_step

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"n_residents": 300}


def city(seed: int = 5, weeks: int = 0) -> ds.WorkshopModel:
    m = ds.WorkshopModel("baseline", seed=seed, overrides=SMALL)
    return m.run_weeks(weeks) if weeks else m


# ---------------------------------------------------------------------- decisions
def test_steering_switch_acts_at_once() -> None:
    m = city(weeks=6)
    assert m.steering_mode == "framing"
    d = m.decide("steering", mode="enforcing")
    assert (d.week, d.kind, d.settings) == (6, "steering", {"mode": "enforcing"})
    assert m.steering_mode == "enforcing"
    assert set(m.levers.mode) == {"enforcing"}  # re-steered now, before the next step
    assert m.baseline is not None and m.baseline_start == 6
    assert m.baseline.steering_mode == "framing" and set(m.baseline.levers.mode) == {"framing"}


@pytest.mark.parametrize(("kind", "setting", "value"), [
    ("protect_community_time", "share", 0.6),
    ("citizen_budget", "eur_per_resident", 25.0),
])
def test_interventions_start_in_the_current_week(kind: str, setting: str, value: float) -> None:
    m = city(weeks=6)
    d = m.decide(kind, **{setting: value}, neighbourhoods=("urban_deprived",))
    assert d.week == 6
    action = m.interventions[-1]
    assert type(action).name == kind and action.start_week == 6 and action.neighbourhoods == ("urban_deprived",)
    m.step()  # the step of week 6 applies it
    lever = {"protect_community_time": m.levers.protected_share, "citizen_budget": m.levers.citizen_budget_eur}[kind]
    base = {"protect_community_time": m.baseline.levers.protected_share,
            "citizen_budget": m.baseline.levers.citizen_budget_eur}[kind]
    here = m.nbh_names == "urban_deprived"
    assert np.all(lever[here] >= value) and np.all(base[here] < value)
    np.testing.assert_array_equal(lever[~here], base[~here])  # only where it was decided


def test_closing_meeting_places_now_closes_them_in_the_next_step() -> None:
    m = city(weeks=4)
    m.decide("close_meeting_places", share=1.0)
    assert m.places.open.all()  # nothing changes between steps
    m.step()
    assert not m.places.open.any()
    assert m.baseline.places.open.all()
    assert m.city_frame()["meeting_places_open"].iloc[-1] == 0


def test_bad_decisions_are_rejected_without_a_trace() -> None:
    m = city(weeks=2)
    with pytest.raises(KeyError, match="anarchy"):
        m.decide("steering", mode="anarchy")
    with pytest.raises(KeyError, match="teleport"):
        m.decide("teleport")
    with pytest.raises(TypeError, match="bogus"):
        m.decide("protect_community_time", bogus=1)
    with pytest.raises(ValueError, match="atlantis"):
        m.decide("citizen_budget", neighbourhoods=("atlantis",))
    assert m.decisions == [] and m.baseline is None and m.interventions == []


# ---------------------------------------------------------------------- the baseline branch
def test_baseline_is_the_live_run_until_the_first_decision_then_diverges() -> None:
    m = city(weeks=8)
    m.decide("steering", mode="enforcing")
    m.run_weeks(12)
    live, base = m.city_frame(), m.baseline.city_frame()
    assert list(live["week"]) == list(base["week"]) == list(range(21))
    pd.testing.assert_frame_equal(live[live["week"] <= 8], base[base["week"] <= 8])
    after = (live["week"] > 8).to_numpy()
    assert not np.allclose(live.loc[after, "hours_casework"], base.loc[after, "hours_casework"])
    # The baseline is exactly the run without the decision: same state, same random numbers.
    pd.testing.assert_frame_equal(base, city(weeks=20).city_frame())


def test_later_decisions_leave_the_baseline_alone_until_a_new_one_is_started() -> None:
    m = city(weeks=3)
    m.decide("steering", mode="facilitating")
    m.run_weeks(2)
    m.decide("citizen_budget", eur_per_resident=20.0)
    assert m.baseline_start == 3 and m.baseline.interventions == []
    m.run_weeks(2)
    d = m.compare_from_now()
    assert (d.week, d.kind) == (7, "compare") and m.baseline_start == 7
    pd.testing.assert_frame_equal(m.city_frame(), m.baseline.city_frame())
    assert m.baseline.steering_mode == "facilitating" and m.baseline.decisions == []


def test_decisions_from_the_page_thread_never_land_mid_step() -> None:
    m = city(weeks=2)
    # The pause between weeks stands in for the page's frame interval; without it the player
    # re-takes the (unfair) lock at once and the page thread may starve until the end.
    player = threading.Thread(target=lambda: [(m.step(), time.sleep(0.001)) for _ in range(40)])
    player.start()
    modes = ("enforcing", "facilitating")
    while player.is_alive():
        m.decide("steering", mode=modes[len(m.decisions) % 2])
        time.sleep(0.002)
    player.join()
    assert len(m.decisions) > 1 and m.week == m.baseline.week == 42
    pd.testing.assert_frame_equal(m.baseline.city_frame(), city(weeks=42).city_frame())


# ---------------------------------------------------------------------- monitors and figures
def test_monitors_show_this_week_and_the_difference_from_the_baseline() -> None:
    m = city(weeks=5)
    before = {mon.key: mon for mon in ds.monitors(ds.snapshot(m), "en")}
    row = m.city_frame().iloc[-1]
    assert before["lonely_share"].value == f"{100 * row['lonely_share']:.1f}%"
    assert before["casework_load"].value == f"{row['open_cases'] + row['waiting_list']:.0f}"
    assert all(mon.delta is None for mon in before.values())
    assert before["lonely_share"].label == "Loneliness" and before["casework_load"].label == "Casework load"
    m.decide("close_meeting_places", share=1.0)
    m.step()
    after = {mon.key: mon for mon in ds.monitors(ds.snapshot(m), "nl")}
    places = after["meeting_places_open"]
    assert places.value == "0" and places.delta == f"{-len(m.places.open):+d}" and places.better is False
    assert places.label == "Ontmoetingsplekken"
    lonely, baseline = m.city_frame().iloc[-1]["lonely_share"], m.baseline.city_frame().iloc[-1]["lonely_share"]
    assert after["lonely_share"].value == f"{100 * lonely:.1f}%".replace(".", ",")  # as the command line writes it
    assert after["lonely_share"].delta == f"{100 * (lonely - baseline):+.1f} %-punt".replace(".", ",")


def test_decisions_are_marked_on_the_time_series() -> None:
    m = city(weeks=10)
    m.decide("steering", mode="enforcing")
    m.run_weeks(3)
    fig = ds.figure("timeseries", ds.snapshot(m), "en")
    x = 10 / 52
    for ax in fig.axes:
        marks = [ln for ln in ax.get_lines() if list(ln.get_xdata()) == [x, x]]
        assert marks, "no decision line on a time-series panel"
        dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert dashed and dashed[0].get_xdata()[0] == pytest.approx(x)  # the baseline from the decision on
    assert any("Enforcing" in txt.get_text() for txt in fig.axes[0].texts)


# ---------------------------------------------------------------------- exports
def decided_session() -> ds.Snapshot:
    m = city(weeks=4)
    m.decide("steering", mode="enforcing")
    m.run_weeks(3)
    m.decide("citizen_budget", eur_per_resident=15.0, neighbourhoods=("urban_young",))
    m.run_weeks(2)
    return ds.snapshot(m)


def test_png_exports_are_valid_images() -> None:
    snap = decided_session()
    for lang in i18n.LANGUAGES:
        data = ds.charts_png(snap, lang, dpi=40)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        pixels = imread(io.BytesIO(data))
        assert pixels.shape[:2] == (round(11.5 * 40), 16 * 40) and pixels.std() > 0.05  # not a blank canvas
    for kind in ("network", "timeseries", "hours"):
        assert imread(io.BytesIO(ds.png(ds.figure(kind, snap, "nl", 8, 6), dpi=50))).shape[:2] == (300, 400)


def test_csv_export_holds_both_branches_and_the_decisions() -> None:
    snap = decided_session()
    out = pd.read_csv(io.BytesIO(ds.session_csv(snap, "en")), keep_default_na=False)
    dutch = ds.session_csv(snap, "nl")  # for Dutch Excel: ";" between fields, decimal comma, a byte-order mark
    assert dutch.startswith(b"\xef\xbb\xbfscenario;seed;branch;week;year;decision;")
    pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(dutch), sep=";", decimal=",", encoding="utf-8-sig",
                                              keep_default_na=False), out)
    assert list(out.columns[:6]) == ["scenario", "seed", "branch", "week", "year", "decision"]
    assert set(out["scenario"]) == {"baseline"} and set(out["seed"]) == {5}
    live, base = out[out["branch"] == "live"], out[out["branch"] == "baseline"]
    assert list(live["week"]) == list(range(10)) and list(base["week"]) == list(range(4, 10))
    np.testing.assert_allclose(live["lonely_share"], snap.city["lonely_share"])
    np.testing.assert_allclose(live["casework_load"], snap.city["open_cases"] + snap.city["waiting_list"])
    notes = dict(zip(live["week"], live["decision"], strict=True))
    assert notes[4] == "steering mode=enforcing"
    assert notes[7] == "citizen_budget eur_per_resident=15.0 neighbourhoods=urban_young"
    assert {w for w, n in notes.items() if n} == {4, 7} and set(base["decision"]) == {""}


def test_export_file_names_name_the_run() -> None:
    assert ds.export_name(city(seed=2, weeks=3), "csv") == "vitality_baseline_seed2_week3.csv"


# ---------------------------------------------------------------------- languages
def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_every_text_with_the_same_placeholders() -> None:
    en, nl = i18n.TEXTS["en"], i18n.TEXTS["nl"]
    assert set(en) == set(nl)
    for key in en:
        assert placeholders(en[key]) == placeholders(nl[key]), key
        assert en[key] and nl[key], key
    for table in (i18n.ARCHETYPE_NAMES, i18n.INITIATIVE_KIND_NAMES, i18n.PARAMETER_LABELS, i18n.INFO):
        assert set(table) == set(i18n.LANGUAGES)
        if isinstance(table["en"], dict):
            assert set(table["en"]) == set(table["nl"])


def both(text: dict[str, str] | None) -> bool:
    """A text given in both languages, with the same placeholders."""
    return (text is not None and set(text) == set(i18n.LANGUAGES) and all(text.values())
            and placeholders(text["en"]) == placeholders(text["nl"]))


def test_every_name_the_dashboard_shows_is_translated() -> None:
    assert set(i18n.INITIATIVE_KIND_NAMES["nl"]) == set(INITIATIVE_KINDS)
    assert set(i18n.ARCHETYPE_NAMES["nl"]) == set(Parameters().archetypes)
    assert set(i18n.PARAMETER_LABELS["nl"]) == set(i18n.PARAMETER_HELP_NL) == set(ds.KEY_LEVERS)
    for spec in ds.slider_specs():
        assert both(spec.label) and spec.help.get("nl"), spec.name
    for spec in ds.lever_specs():
        assert both(spec.label) and both(spec.button), spec.name


def test_steering_modes_and_interventions_declare_their_names_and_settings() -> None:
    for mode in STEERING_REGISTRY.values():
        assert both(mode.label) and mode.description, mode.name
        assert i18n.steering_name(mode.name, "nl") == mode.label["nl"]
    assert set(Parameters().steering) == {name for name, mode in STEERING_REGISTRY.items() if mode.profile}
    for cls in INTERVENTION_REGISTRY.values():
        assert both(cls.label) and cls.description, cls.name
        assert i18n.intervention_name(cls.name, "en") == cls.label["en"]
        settings = [f for f in dataclasses.fields(cls) if f.init and f.name not in ("start_week", "end_week",
                                                                                   "neighbourhoods")]
        for f in settings:
            assert both(f.metadata["label"]) and f.metadata["unit"], f"{cls.name}.{f.name}"
        if cls.live is not None:
            assert both(cls.live.button) and both(cls.live.decision), cls.name
            assert placeholders(cls.live.decision["en"]) <= {f.name for f in settings}, cls.name
            assert [f.name for f in settings if f.metadata["slider"]], f"{cls.name}: a live lever moves a setting"


def test_every_text_key_used_in_code_exists() -> None:
    used = set()
    for path in (ROOT / "dashboard.py", *(ROOT / "model" / "workshop").glob("*.py")):
        used |= set(re.findall(r"""\bt\(\s*["'](\w+)["']""", path.read_text(encoding="utf-8")))
    assert used <= set(i18n.TEXTS["en"])
    built = set(figures._LONELY_KEYS)
    assert built <= set(i18n.TEXTS["en"])
    assert set(i18n.TEXTS["en"]) == used | built, "texts that nothing shows"


def test_labels_and_scenario_descriptions_switch_language() -> None:
    for lang in i18n.LANGUAGES:
        d = ds.Decision(3, "citizen_budget", {"eur_per_resident": 20.0, "neighbourhoods": ("urban_deprived",)})
        assert "20" in d.label(lang) and i18n.neighbourhood_name("urban_deprived", lang) in d.label(lang)
    assert i18n.neighbourhood_name("village_ageing_2", "nl") == "vergrijzend dorp 2"
    for name in list_scenarios():
        sc = load_scenario(name)
        assert i18n.scenario_description(sc, "nl") == sc.description_nl
        assert i18n.scenario_description(sc, "en") == sc.description != sc.description_nl
        assert i18n.scenario_title(sc, "nl") == sc.title_nl and sc.title and sc.title_nl  # every scenario is named


def test_info_tab_quotes_the_odd_in_both_languages() -> None:
    for lang in i18n.LANGUAGES:
        info = ds.info_markdown(lang)
        assert info.startswith(i18n.INFO[lang]) and "docs/ODD.md" in info
        assert "**Purpose.**" in info and "`steer`" in info and "`collect`" in info
        assert all(f"`{mode}`" in info for mode in STEERING_REGISTRY)
        first_limitation = ds.odd_section(ds.ODD_PATH.read_text(encoding="utf-8"), "11 What the model leaves out")
        assert first_limitation.strip().splitlines()[0] in info
    with pytest.raises(ValueError, match="no section"):
        ds.odd_section("# A\n## 1 Other\ntext", "3 Process overview")
    assert ds.odd_section("## 1 A\nbody\n### 1.1 sub\nmore\n## 2 B\nnot", "1 A") == "body\n### 1.1 sub\nmore"


def test_the_page_turns_off_the_banner_and_usage_statistics() -> None:
    page = runpy.run_path(str(ROOT / "dashboard.py"))
    settings = page["solara"].server.settings
    assert settings.telemetry.mixpanel_enable is False and settings.theme.show_banner is False


# ---------------------------------------------------------------------- sliders
def test_start_sliders_lie_within_the_schema_and_every_shipped_scenario() -> None:
    rows = {r["name"]: r for r in describe(Parameters)}
    specs = ds.slider_specs()
    assert [s.name for s in specs] == [*ds.KEY_LEVERS, *(name for mode in STEERING_REGISTRY.values()
                                                          for name in mode.sliders)]
    for s in specs:
        row = rows[s.name]
        assert row["lo"] <= s.lo < s.hi <= row["hi"], s.name
        assert 0 < s.step <= s.hi - s.lo and s.is_int == isinstance(row["default"], int)
        assert (s.unit, s.doc, s.default) == (row["unit"], row["doc"], row["default"])
    for name in list_scenarios():
        p = load_scenario(name).params
        values = ds.start_values(name)
        for s in specs:
            assert s.lo <= getattr(p, s.name) <= s.hi, f"{name}: {s.name} outside its slider"
            assert values[s.name] == getattr(p, s.name)
    m = ds.WorkshopModel(**ds.start_settings("enforcing", seed=4))
    assert m.p == load_scenario("enforcing").params and m.seed == 4


def test_every_start_value_and_lever_default_lies_on_its_sliders_grid() -> None:
    """The browser snaps a slider's value to its grid; a value off it would change by being shown."""
    for name in list_scenarios():
        values = ds.start_values(name)
        for s in ds.slider_specs():
            assert ds.snap(values[s.name], s.lo, s.step) == values[s.name], (name, s.name, s.step)
    for s in ds.lever_specs():
        assert ds.snap(s.default, s.lo, s.step) == s.default, s.name
    assert ds.snap(8.58, 0.0, 1.0) == 9.0  # what the calibrated administration hours became on whole hours
    assert next(s.step for s in ds.slider_specs() if s.name == "admin_base_hours") == 0.02


def test_reset_with_nothing_changed_gives_the_identical_city() -> None:
    """Reset builds the city from the sliders as the page shows them; it must be the scenario's own city."""
    for name in ("baseline", "enforcing"):
        settings = ds.start_settings(name, seed=3)
        shown = {s.name: ds.snap(settings["overrides"][s.name], s.lo, s.step) for s in ds.slider_specs()}
        reset = ds.WorkshopModel(**{**settings, "overrides": shown})
        own = ds.WorkshopModel(scenario_name=name, seed=3)
        assert reset.p == own.p == load_scenario(name).params
        reset.run_for(8)
        own.run_for(8)
        pd.testing.assert_frame_equal(reset.city_frame(), own.city_frame())


def test_a_step_too_coarse_for_a_value_is_refined_or_refused() -> None:
    assert exact_step("x", 0.0, 1.0, [8.5]) == 0.5 and exact_step("x", 1.0, 0.5, [2.5, 6.0]) == 0.5
    with pytest.raises(ValueError, match="x: no slider step"):
        exact_step("x", 0.0, 1.0, [1 / 3])


def test_live_lever_sliders_lie_within_what_a_scenario_file_allows() -> None:
    for s in ds.lever_specs():
        allowed = setting_field(s.name, s.setting).metadata
        assert allowed["lo"] <= s.lo <= s.default <= s.hi <= allowed["hi"], s.name
        INTERVENTION_REGISTRY[s.name](**{s.setting: s.hi})  # the intervention accepts the slider's values


def test_a_slider_outside_the_schema_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ds.KEY_LEVERS, "reluctance_mean", (0.0, 1.5, 0.1))
    with pytest.raises(ValueError, match="reluctance_mean"):
        ds.slider_specs()
    share = INTERVENTION_REGISTRY["protect_community_time"].__dataclass_fields__["share"]
    monkeypatch.setattr(share, "metadata", {**share.metadata, "slider": Slider(0.1, 0.95, 0.05)})
    with pytest.raises(ValueError, match=r"protect_community_time\.share"):
        ds.lever_specs()


def test_readme_and_makefile_start_the_dashboard_on_localhost() -> None:
    assert "solara run dashboard.py --host 127.0.0.1" in (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^dashboard: setup\n\t\$\(BIN\)/solara run dashboard\.py --host 127\.0\.0\.1", makefile, re.M)
