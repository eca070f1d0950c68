"""The advisor's report: built from a real (tiny) run, valid, self-contained, faithful to the numbers."""

from __future__ import annotations

import base64
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from model.api import KEY_OUTPUTS, OUTPUTS, Comparison, combine, neighbourhood_differences, read_results
from model.cli import main
from model.experiments.calibration import TARGETS
from model.experiments.runner import RunResult
from model.experiments.scenarios import load_scenario
from model.i18n import scenario_title, steering_name
from model.reporting.report import (
    REPORT_OUTPUTS,
    is_baseline,
    render_report,
    summary,
    texts,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--residents", "200", "--years", "0.3", "--seeds", "3"]
SEPARATORS = {"en": (",", "."), "nl": (".", ",")}  # thousands, decimal
LINK_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "data", "background", "cite",
                   "longdesc", "manifest", "ping", "xlink:href"}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder of `vitality compare` on two scenarios, tiny sizes."""
    out = tmp_path_factory.mktemp("runs") / "cmp"
    assert main(["compare", "baseline", "enforcing", *TINY, "--out", str(out), "--lang", "en"]) == 0
    return out


@pytest.fixture(scope="module")
def reports(results: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report of ``results`` in both languages, written by the command line."""
    folder = tmp_path_factory.mktemp("reports")
    paths = {}
    for lang in ("en", "nl"):
        paths[lang] = folder / f"report-{lang}.html"
        assert main(["report", str(results), "--lang", lang, "--report", str(paths[lang])]) == 0
    return paths


def parse(path: Path) -> Element:
    """Parse strictly: html5lib raises on any parse error (invalid HTML)."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(path.read_text(encoding="utf-8"))


def text_of(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def number(token: str, lang: str) -> tuple[float, int]:
    """A number as the report writes it (thousands separators, decimal comma in Dutch): value and decimals."""
    thousands, decimal = SEPARATORS[lang]
    token = token.replace(thousands, "")
    decimals = len(token.split(decimal)[1]) if decimal in token else 0
    return float(token.replace(decimal, ".")), decimals


def shown_numbers(text: str, lang: str) -> list[tuple[float, int]]:
    return [number(tok, lang) for tok in re.findall(r"[+-]?\d[\d.,]*\d|[+-]?\d", text)]


def assert_shows(text: str, values: list[float], factor: float, lang: str) -> None:
    """The numbers written in ``text`` are ``values`` (times ``factor``), rounded to the decimals shown."""
    shown = shown_numbers(text, lang)
    assert len(shown) == len(values), text
    for (value, decimals), exact in zip(shown, values, strict=True):
        assert abs(value - exact * factor) <= 0.5 * 10 ** -decimals + 1e-9, (text, exact)


# ---------------------------------------------------------------------- the report of a real run
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_is_valid_self_contained_html(reports: dict[str, Path], lang: str) -> None:
    doc = parse(reports[lang])
    assert doc.get("lang") == lang
    assert doc.find("head/title").text == texts(lang)["title"]
    assert not doc.findall(".//script") and not doc.findall(".//link") and not doc.findall(".//iframe")
    for element in doc.iter():
        for name, value in element.attrib.items():
            if name in LINK_ATTRIBUTES:
                assert value.startswith(("data:", "#")), f"external reference {name}={value[:80]}"
        assert "url(" not in element.get("style", "")
    css = "".join(style.text for style in doc.iter("style"))
    assert css and "url(" not in css and "@import" not in css
    assert "://" not in reports[lang].read_text(encoding="utf-8")
    anchors = {a.get("href")[1:] for a in doc.iter("a")}
    assert anchors and anchors <= {e.get("id") for e in doc.iter() if e.get("id")}  # the contents lead somewhere


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_embeds_the_figures(reports: dict[str, Path], lang: str) -> None:
    images = parse(reports[lang]).findall(".//figure/img")
    assert [img.get("alt") for img in images] == [OUTPUTS[key].label[lang] for key in REPORT_OUTPUTS]
    for img in images:
        src = img.get("src")
        assert src.startswith("data:image/png;base64,")
        picture = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        assert picture.format == "PNG" and picture.width > 300 and picture.height > 200


def test_provenance_gives_the_run_time(results: Path, reports: dict[str, Path]) -> None:
    timings = json.loads((results / "manifest.json").read_text(encoding="utf-8"))["timings"]
    seconds = sum(timings["run_seconds_per_scenario"].values())
    shown = {dt.text: dd.text for dt, dd in zip(parse(reports["en"]).iter("dt"), parse(reports["en"]).iter("dd"),
                                                strict=False)}
    assert shown["Run time"] == f"{seconds:,.1f} s".replace(".0 s", " s")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_shows_the_numbers_of_its_run(results: Path, reports: dict[str, Path], lang: str) -> None:
    summary = pd.read_csv(results / "summary.csv")
    assert set(summary["key"]) == set(KEY_OUTPUTS)
    cells = {(td.get("data-key"), td.get("data-scenario"), "data-mean" in td.attrib): td
             for td in parse(reports[lang]).findall(".//table[@id='all-table']//td[@data-key]")}
    for row in summary.itertuples():
        factor = 100 if OUTPUTS[row.key].unit.share else 1
        mean = cells[row.key, row.scenario, True]
        for attr, exact in (("data-mean", row.mean), ("data-ci-low", row.ci_low), ("data-ci-high", row.ci_high)):
            assert float(mean.get(attr)) == pytest.approx(exact, rel=1e-12, abs=1e-12)
        assert_shows(text_of(mean), [row.mean, row.ci_low, row.ci_high], factor, lang)
        if pd.isna(row.difference):
            assert (row.key, row.scenario, False) not in cells  # the reference has no difference
            continue
        diff = cells[row.key, row.scenario, False]
        assert float(diff.get("data-difference")) == pytest.approx(row.difference, rel=1e-12, abs=1e-12)
        assert_shows(text_of(diff), [row.difference, row.diff_ci_low, row.diff_ci_high], factor, lang)
        assert ("clear" in diff.get("class")) == (row.diff_ci_low > 0 or row.diff_ci_high < 0)


def test_key_table_casework_load_is_open_cases_plus_waiting_list_over_the_last_year(
        results: Path, reports: dict[str, Path]) -> None:
    city = pd.read_parquet(results / "city.parquet")
    last = city[city["week"] > city["week"].max() - 52]
    per_seed = (last["open_cases"] + last["waiting_list"]).groupby([last["scenario"], last["seed"]]).mean()
    cells = parse(reports["en"]).findall(".//table[@id='key-table']//td[@data-key='casework_load'][@data-mean]")
    assert len(cells) == 2
    for td in cells:
        assert float(td.get("data-mean")) == pytest.approx(per_seed[td.get("data-scenario")].mean(), rel=1e-12)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_summary_names_the_scenarios_and_the_setup(reports: dict[str, Path], lang: str) -> None:
    summary = text_of(parse(reports[lang]).find(".//p[@class='summary']"))
    sc = load_scenario("enforcing")
    assert scenario_title(load_scenario("baseline"), lang) in summary and scenario_title(sc, lang) in summary
    assert (sc.description_nl if lang == "nl" else sc.description) in summary
    assert " 200 " in summary and " 3 " in summary  # residents and seeds of the run
    assert "0,3" in summary if lang == "nl" else "0.3" in summary  # years


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_first_screen_is_the_answer_and_provenance_an_appendix(reports: dict[str, Path], lang: str) -> None:
    doc = parse(reports[lang])
    t = texts(lang)
    first = doc.find("body/main")[0]
    assert first.get("id") == "summary" and text_of(first.find("h2")) == t["answer"]
    assert list(doc.find("body/main"))[1].tag == "nav"  # the contents come after the answer
    provenance = doc.find(".//section[@id='provenance']")
    details = provenance.find("details")
    assert details is not None and "open" not in details.attrib  # collapsed
    assert text_of(details.find("summary")) == t["appendix_open"]
    assert details.findall(".//table[@class='parameters']") and details.findall(".//pre")  # everything is inside
    assert list(doc.find("body/main"))[-1] is provenance  # and it comes last


def test_the_dutch_report_names_things_in_dutch(reports: dict[str, Path]) -> None:
    """Scenario, output and neighbourhood names in the Dutch report's own text are Dutch, not codes."""
    doc = parse(reports["nl"])
    main_text = " ".join(text_of(section) for section in doc.find("body/main")
                         if section.get("id") not in ("model", "provenance"))  # ODD quotes stay as written
    for code in ("baseline", "enforcing", "framing", "urban_young", "urban_deprived", "lonely_share"):
        assert code not in main_text
    assert "Basislijn" in main_text and "Dwingend" in main_text


def test_both_languages_have_every_text() -> None:
    def keys(table: dict, prefix: str = "") -> set[str]:
        return {k for key, v in table.items()
                for k in (keys(v, f"{prefix}{key}.") if isinstance(v, dict) else {prefix + key})}

    en, nl = texts("en"), texts("nl")
    assert keys(en) == keys(nl)
    assert set(REPORT_OUTPUTS) | set(KEY_OUTPUTS) <= set(OUTPUTS)  # their labels are declared there
    with pytest.raises(ValueError, match="language"):
        texts("de")


def test_model_limitations_are_quoted_from_the_odd(reports: dict[str, Path], tmp_path: Path,
                                                   results: Path) -> None:
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = re.search(r"^## 11 .*?$(.*?)^## ", odd, flags=re.M | re.S).group(1)
    bullets = re.findall(r"^\* \*\*(.+?)\*\*", section, flags=re.M)
    quotes = parse(reports["en"]).findall(".//section[@id='model']/div[@class='quote']")
    assert [text_of(q.find("h3")) for q in quotes] == ["4.3 Basic principles",
                                                      "11 What the model leaves out (limitations)"]
    items = quotes[1].findall(".//li")
    assert len(items) == len(bullets) > 5
    assert [text_of(li.find("strong")) for li in items] == bullets
    # Without the document the report says so instead of leaving the section out.
    html = render_report(combine([read_results(results)]), lang="en", docs=tmp_path)
    assert texts("en")["odd_missing"] in html


# ---------------------------------------------------------------------- calibration and the baseline
def write_validation(folder: Path, digest: str) -> None:
    targets = [{"target": t.name, "unit": t.unit, "value": t.value, "tolerance": t.tolerance, "model": t.value + 0.5,
                "ci_low": t.value, "ci_high": t.value + 1, "pass": i % 2 == 0, "source": t.source}
               for i, t in enumerate(TARGETS)]
    folder.mkdir(exist_ok=True)
    (folder / "validation.json").write_text(json.dumps({
        "generated": "2026-11-20", "git_commit": "1" * 40, "model_digest": digest,
        "configuration": {"residents": 2000, "years": 10, "seeds": list(range(10))}, "targets": targets}))


def test_validation_results_are_shown_with_their_model_version(results: Path, tmp_path: Path) -> None:
    comparison = combine([read_results(results)])
    t = texts("en")
    run_digest = comparison.folders[0].manifest.get("model_digest")
    assert run_digest, "the run's manifest records the model digest"

    missing = render_report(comparison, lang="en", docs=tmp_path)
    assert t["validation_missing"] in missing and t["summary_no_validation"] in missing

    write_validation(tmp_path / "other", "0" * 40)
    other = render_report(comparison, lang="en", docs=tmp_path / "other")
    doc = html5lib.parse(other, namespaceHTMLElements=False)
    rows = doc.findall(".//section[@id='calibration']/table[1]/tbody/tr")
    assert [text_of(r.find("td")) for r in rows] == [t.name for t in TARGETS]
    passed = (len(TARGETS) + 1) // 2
    assert t["summary_validation"].format(date="20 November 2026", passed=passed, total=len(TARGETS),
                                          other=t["summary_validation_other"]) in other
    assert t["validation_other"].split("(")[0] in other
    write_validation(tmp_path / "same", run_digest)
    same = render_report(comparison, lang="en", docs=tmp_path / "same")
    assert t["validation_same"] in same and t["validation_other"].split("(")[0] not in same
    comparison.folders[0].manifest.pop("model_digest")  # results written before manifests recorded it
    assert t["validation_unknown"] in render_report(comparison, lang="en", docs=tmp_path / "same")

    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "validation.json").write_text("{")
    assert t["validation_unreadable"].split(":")[0] in render_report(comparison, lang="en", docs=tmp_path / "broken")


def write_mode_findings(folder: Path, digest: str) -> None:
    """Findings of a best-choice design as `vitality analyse --doc` writes them: a box, never, always, no box."""
    def question(scenario: str, cases: int, box: list[dict], output: str = "casework_load") -> dict:
        return {"kind": "best", "output": output, "scenario": scenario, "better": "lower", "cases": cases,
                "every_seed": cases // 2, "points": 40, "coverage": 0.95, "density": 0.8, "box": box}

    folder.mkdir(exist_ok=True)
    (folder / "where_each_mode_wins.json").write_text(json.dumps({
        "design": "where_each_mode_wins", "generated": "2026-12-06", "model_digest": digest, "points": 40,
        "seeds": [0, 1, 2], "residents": 1000, "years": 5.0, "questions": [
            question("facilitating", 30, [{"parameter": "team_per_1000", "restricts": "low", "min": 2.75, "max": 4.5},
                                          {"parameter": "crowding", "restricts": "both", "min": 0.25, "max": 0.5}]),
            question("enforcing", 0, []), question("layered", 10, []),
            question("framing", 40, [], "lonely_share")]}))


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_reading_guide_says_where_each_mode_wins(results: Path, tmp_path: Path, lang: str) -> None:
    comparison = combine([read_results(results)])
    t = texts(lang)
    missing = html5lib.parse(render_report(comparison, lang=lang, docs=tmp_path), namespaceHTMLElements=False)
    guide = missing.find(".//section[@id='reading-guide']")
    assert text_of(guide.find("h2")) == t["sec_guide"] and t["guide_modes_missing"] in text_of(guide)
    write_mode_findings(tmp_path / "docs", comparison.folders[0].manifest["model_digest"])
    doc = html5lib.parse(render_report(comparison, lang=lang, docs=tmp_path / "docs"), namespaceHTMLElements=False)
    guide = doc.find(".//section[@id='reading-guide']")
    headings = [text_of(h) for h in guide.findall("h4")]
    assert headings == [t["guide_output_lower"].format(output=OUTPUTS["casework_load"].short[lang]),
                        t["guide_output_lower"].format(output=OUTPUTS["lonely_share"].short[lang])]
    items = [text_of(li) for li in guide.findall(".//ul[@class='modes']/li")]
    names = {mode: steering_name(mode, lang) for mode in ("facilitating", "framing", "enforcing", "layered")}
    decimal = SEPARATORS[lang][1]
    assert items[0] == t["guide_best_box"].format(
        scenario=names["facilitating"], scenario_lower=names["facilitating"].lower(), cases=30, every_seed=15,
        points=40, qualifier=t["guide_only_when"], coverage="95%", density="80%",
        conditions=f" {t['guide_and']} ".join([
            t["guide_at_least"].format(parameter=t["parameter"]["team_per_1000"], value=f"2{decimal}75"),
            t["guide_between"].format(parameter=t["parameter"]["crowding"], low=f"0{decimal}25",
                                      high=f"0{decimal}5")]))
    assert items[1:] == [t["guide_best_never"].format(scenario=names["enforcing"], points=40),
                         t["guide_best_nobox"].format(scenario=names["layered"], cases=10, every_seed=5, points=40),
                         t["guide_best_always"].format(scenario=names["framing"], points=40)]
    assert t["guide_modes_other"].split("(")[0] not in text_of(guide)
    write_mode_findings(tmp_path / "other", "0" * 40)
    assert t["guide_modes_other"].split("(")[0] in render_report(comparison, lang=lang, docs=tmp_path / "other")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "where_each_mode_wins.json").write_text("{}")
    assert t["guide_modes_unreadable"].split(":")[0] in render_report(comparison, lang=lang, docs=tmp_path / "broken")


def test_own_baseline_run_is_compared_with_the_targets(reports: dict[str, Path], results: Path) -> None:
    doc = parse(reports["en"])
    own = doc.findall(".//section[@id='calibration']/table")[-1].findall("tbody/tr")
    assert [text_of(r.find("td")) for r in own] == [t.name for t in TARGETS]
    # A comparison whose reference is not the baseline is not compared with the targets.
    folder = read_results(results)
    folder.manifest = folder.manifest | {"scenarios": folder.manifest["scenarios"][::-1]}
    html = render_report(combine([folder]), lang="en")
    assert texts("en")["own_not_baseline"].format(ref="Enforcing") in html


def test_baseline_is_recognised_by_its_parameters_whatever_its_size() -> None:
    baseline = load_scenario("baseline").with_parameters({"n_residents": 300, "years": 0.5}).to_dict()
    assert is_baseline(json.loads(json.dumps(baseline)))
    assert not is_baseline(load_scenario("enforcing").to_dict())
    assert not is_baseline(load_scenario("protected_time").to_dict())  # baseline parameters plus an intervention


# ---------------------------------------------------------------------- the rules the report applies
def frames(values: dict[str, dict[str, list[float]]]) -> dict[str, RunResult]:
    """Per scenario and neighbourhood, one value per seed (two weeks each, the same value)."""
    results = {}
    for name, per_nbh in values.items():
        rows = [{"seed": seed, "week": week, "year": week / 52, "neighbourhood": nbh, "x": v}
                for nbh, seeds in per_nbh.items() for seed, v in enumerate(seeds) for week in (0, 1)]
        nbh = pd.DataFrame(rows)
        results[name] = RunResult(nbh.groupby(["seed", "week", "year"], as_index=False)["x"].mean(), nbh)
    return results


def test_neighbourhood_difference_matters_when_clear_and_large_enough() -> None:
    ref = {"big": [10, 11, 12, 10, 11], "small": [100, 101, 102, 100, 101], "noisy": [10, 10, 10, 10, 10],
           "tiny": [0.0] * 5}
    alt = {"big": [12, 13, 14, 12, 13.5],  # about +2.1 (20%), clear
           "small": [101, 102, 103, 101, 102.2],  # +1% of the reference: clear but below 5%
           "noisy": [20, 0, 25, -5, 15],  # +1 on average, interval includes 0
           "tiny": [0.1, 0.2, 0.1, 0.15, 0.1]}  # reference 0: any clear difference matters
    table = neighbourhood_differences(frames({"ref": ref, "alt": alt}), ["x"], threshold=0.05)
    assert list(table["neighbourhood"]) == ["big", "small", "noisy", "tiny"]
    assert table.set_index("neighbourhood")["matters"].to_dict() == {"big": True, "small": False, "noisy": False,
                                                                     "tiny": True}
    big = table.iloc[0]
    assert big["difference"] == pytest.approx(np.mean(np.subtract(alt["big"], ref["big"])))
    assert big["relative"] == pytest.approx(big["difference"] / np.mean(ref["big"]))
    # A smaller threshold lets the clear small difference through; a higher one stops the big one.
    assert neighbourhood_differences(frames({"ref": ref, "alt": alt}), ["x"], threshold=0.005)["matters"].sum() == 3
    assert neighbourhood_differences(frames({"ref": ref, "alt": alt}), ["x"], threshold=0.5)["matters"].sum() == 1


def synthetic(seeds: int, differences: dict[str, tuple[float, float, float]],
              reference: dict[str, float] | None = None, lang: str = "en") -> tuple[Comparison, pd.DataFrame]:
    """A comparison of two scenarios whose outputs differ by (difference, CI low, CI high) from ``reference`` (50)."""
    scenarios = [{"name": n, "description": n, "parameters": {"n_residents": 500, "years": 2.0}}
                 for n in ("ref", "alt")]
    rows = []
    for key, (d, lo, hi) in differences.items():
        ref = (reference or {}).get(key, 50.0)
        rows.append({"output": OUTPUTS[key].label[lang], "key": key, "scenario": "ref", "mean": ref,
                     "ci_low": ref * 0.9, "ci_high": ref * 1.1})
        rows.append({"output": OUTPUTS[key].label[lang], "key": key, "scenario": "alt", "mean": ref + d,
                     "ci_low": (ref + d) * 0.9, "ci_high": (ref + d) * 1.1, "difference": d, "diff_ci_low": lo,
                     "diff_ci_high": hi})
    return Comparison([], scenarios, {}, list(range(seeds))), pd.DataFrame(rows)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_summary_leads_with_the_largest_clear_effect_and_leaves_unclear_ones_out(lang: str) -> None:
    """The issue's case: an administration share of 60% against 19% (+41 points) must lead, not be left out."""
    comparison, table = synthetic(5, {"community_strength": (2.0, 0.5, 3.5),  # +4% of 50: clear, small
                                      "lonely_share": (-0.02, -0.03, -0.01),  # -4% of 0.5: clear, small
                                      "admin_share": (0.41, 0.38, 0.44),  # +216% of 0.19: clear, largest
                                      "casework_load": (30.0, -1.0, 61.0),  # +60%, but the interval includes 0
                                      "total_cost_eur": (-10.0, -30.0, 5.0)},  # unclear
                                  reference={"admin_share": 0.19, "lonely_share": 0.5}, lang=lang)
    answer = summary(comparison, table, lang, 52, {})
    (alt,) = answer["scenarios"]
    labels = [OUTPUTS[key].label[lang] for key in ("admin_share", "community_strength", "lonely_share")]
    assert [effect.split(" ")[0:2] for effect in alt["effects"]] == [label.split(" ")[0:2] for label in labels]
    assert alt["effects"][0].startswith(OUTPUTS["admin_share"].label[lang])
    assert "60,0% " in alt["effects"][0] if lang == "nl" else "60.0% " in alt["effects"][0]  # the level ...
    assert "19,0%" in alt["effects"][0] if lang == "nl" else "19.0%" in alt["effects"][0]  # ... its reference
    assert "+41,0 %-punt" in alt["effects"][0] if lang == "nl" else "+41.0 pp" in alt["effects"][0]  # absolute
    assert "+216%" in alt["effects"][0]  # and relative
    shown = " ".join(alt["effects"])
    assert OUTPUTS["casework_load"].label[lang] not in shown and OUTPUTS["total_cost_eur"].label[lang] not in shown
    assert alt["unclear"] == texts(lang)["summary_unclear"].format(n=2)

    nothing, table = synthetic(5, dict.fromkeys(REPORT_OUTPUTS, (1.0, -1.0, 3.0)))
    (alt,) = summary(nothing, table, lang, 52, {})["scenarios"]
    assert alt["effects"] == [] and alt["lead"].startswith(texts(lang)["summary_none"].split("{")[0])

    one_seed, table = synthetic(1, dict.fromkeys(REPORT_OUTPUTS, (1.0, math.nan, math.nan)))
    assert texts(lang)["summary_one_seed"] in summary(one_seed, table, lang, 52, {})["notes"]


# ---------------------------------------------------------------------- the command line
def test_report_runs_scenarios_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res"
    assert main(["report", "baseline", "--residents", "150", "--years", "0.1", "--seeds", "2", "--out", str(out),
                 "--lang", "nl"]) == 0
    assert (out / "summary.csv").is_file() and (out / "manifest.json").is_file()
    report = out / "report-nl.html"
    assert f"{report}" in capsys.readouterr().out
    doc = parse(report)
    assert doc.get("lang") == "nl"
    summary = text_of(doc.find(".//p[@class='summary']"))
    assert summary.startswith(texts("nl")["summary_intro_one"].split("{")[0])
    assert text_of(doc.find(".//section[@id='neighbourhoods']/p")) == texts("nl")["nbh_single"]


def test_report_never_overwrites(results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.html"
    assert main(["report", str(results), "--report", str(report), "--lang", "en"]) == 0
    before = report.read_bytes()
    capsys.readouterr()
    assert main(["report", str(results), "--report", str(report), "--lang", "nl"]) == 2
    assert report.read_bytes() == before
    assert "bestaat al" in capsys.readouterr().err  # said in the language asked for
    # The default name, in the results folder: made once, then refused.
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    assert main(["report", str(copy), "--lang", "en"]) == 0
    assert main(["report", str(copy), "--lang", "en"]) == 2
    assert [p.name for p in copy.glob("report*")] == ["report-en.html"]
    assert not list(tmp_path.rglob("*.partial"))


def broken_folder(tmp_path: Path, results: Path, what: str) -> Path:
    folder = tmp_path / what
    shutil.copytree(results, folder)
    if what == "no_manifest":
        (folder / "manifest.json").unlink()
    elif what == "bad_json":
        (folder / "manifest.json").write_text("{not json")
    elif what == "bad_table":
        (folder / "city.parquet").write_text("not parquet")
    return folder


@pytest.mark.parametrize(("args", "message"), [
    (["{tmp}/nowhere"], "no such results folder"),
    (["basline"], "did you mean 'baseline'"),
    (["{no_manifest}"], "is not a results folder (no manifest.json)"),
    (["{bad_json}"], "is not valid JSON"),
    (["{bad_table}"], "cannot read its tables"),
    (["{results}", "baseline"], "not both"),
    (["{results}", "--seeds", "4"], "--seeds only apply when the report runs scenarios"),
    (["{results}", "{results}"], "in more than one results folder"),
    (["{results}", "--report", "{tmp}/r.pdf"], "ending in .html"),
    (["{results}", "--threshold", "-1"], "--threshold -1: give a number 0 or more"),
    (["baseline", "--residents", "10"], "--residents"),
])
def test_bad_input_gets_one_line_and_exit_2(args: list[str], message: str, results: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    names = {"tmp": tmp_path, "results": results}
    names |= {w: broken_folder(tmp_path, results, w) for w in ("no_manifest", "bad_json", "bad_table")
              if f"{{{w}}}" in " ".join(args)}
    assert main(["report", *(a.format(**names) for a in args), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vitality: error:") and err.count("\n") == 1 and "Traceback" not in err, err
    assert message in err
    assert not list(tmp_path.rglob("*.html"))


def test_an_unknown_language_is_refused_in_the_default_language(results: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(results), "--lang", "de"]) == 2
    assert capsys.readouterr().err == "vitality: fout: --lang 'de': kies een van nl, en\n"


def test_results_folders_on_different_seeds_are_not_combined(results: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other"
    assert main(["run", "facilitating", "--residents", "200", "--years", "0.3", "--seeds", "2", "--out",
                 str(other)]) == 0
    capsys.readouterr()
    assert main(["report", str(results), str(other)]) == 2
    err = capsys.readouterr().err
    assert "verschillen in seeds" in err and err.count("\n") == 1  # Dutch by default


def test_results_folders_with_the_same_seeds_are_combined(results: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert main(["run", "facilitating", *TINY, "--out", str(other)]) == 0
    report = tmp_path / "both.html"
    assert main(["report", str(results), str(other), "--report", str(report), "--lang", "en"]) == 0
    scenarios = {td.get("data-scenario") for td in parse(report).findall(".//table[@id='key-table']//td[@data-key]")}
    assert scenarios == {"baseline", "enforcing", "facilitating"}


# ---------------------------------------------------------------------- browser, PDF, packaging
def require(what: str, reason: str) -> None:
    """Skip for lack of ``what``, except in CI (VITALITY_REQUIRE_BROWSER=1), where it must be there."""
    if os.environ.get("VITALITY_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is required (VITALITY_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(f"{what}: {reason}")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_opens_in_headless_chromium(reports: dict[str, Path], lang: str) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).is_file():
        require("Chromium", "it is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("playwright", "it is not installed (a dev dependency)")
    url = reports[lang].as_uri()
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
            page.on("request", lambda r: problems.append(f"request: {r.url}") if r.url != url else None)
            page.goto(url, wait_until="load")
            assert page.title() == texts(lang)["title"]
            images = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth)")
            assert len(images) == len(REPORT_OUTPUTS) and all(w > 300 for w in images)
            assert page.locator("#key-table td.num").count() > 0
        finally:
            browser.close()
    assert not problems


def test_pdf_beside_the_report(results: Path, tmp_path: Path) -> None:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # WeasyPrint is installed (dev extra) but Pango is not
        require("Pango for WeasyPrint", f"it cannot be loaded ({exc}); Chromium's Debian package brings it")
    report = tmp_path / "r.html"
    assert main(["report", str(results), "--report", str(report), "--lang", "en", "--pdf"]) == 0
    pdf = report.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 50_000  # the figures are in it
    assert main(["report", str(results), "--report", str(tmp_path / "s.html"), "--pdf"]) == 0
    (tmp_path / "t.pdf").write_bytes(b"")
    assert main(["report", str(results), "--report", str(tmp_path / "t.html"), "--pdf"]) == 2  # the PDF exists
    assert not (tmp_path / "t.html").exists()


def test_templates_ship_in_the_package(results: Path, tmp_path: Path) -> None:
    """A non-editable install (built wheel) has the templates and texts, and makes the report."""
    source = tmp_path / "src"  # a copy: building in the work tree would leave a build/ folder there
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "results", "*.egg-info", "__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "w"),
                            str(source)], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "w").glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"model/reporting/templates/report.html.j2", "model/reporting/templates/report.css",
            "model/reporting/templates/report_texts.toml"} <= set(names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    report = tmp_path / "r.html"
    script = ("import sys, model.cli; assert model.cli.__file__.startswith(sys.argv[1]); "
              "sys.exit(model.cli.main(sys.argv[2:]))")
    run = subprocess.run([sys.executable, "-c", script, str(site), "report", str(results), "--report", str(report),
                          "--lang", "en"],
                         cwd=tmp_path, env=os.environ | {"PYTHONPATH": str(site)}, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert len(parse(report).findall(".//figure/img")) == len(REPORT_OUTPUTS)
