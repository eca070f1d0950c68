"""Tipping points of the casework trap: paired runs, the trap's definition, the findings, the command."""

from __future__ import annotations

import dataclasses
import json
import string
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from languages import assert_dutch_twin

from model.api import run_tipping
from model.cli import main
from model.experiments.scenarios import load_scenario
from model.experiments.tipping import OUTPUTS, TEMPLATES, Tipping, TippingDesign, TippingError, year_of

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def tiny_design(**size: float) -> TippingDesign:
    """Two loop strengths, one diversion, one shock (x3 for a year from year 1) and one rescue, two seeds.

    The city and the shock are large enough for the shock to raise its year's casework load in every pair
    of seeds whatever the draws: with 800 residents and a year's shock the paired rise was 20.6 cases (sd
    6.2, 12 of 12 seeds) at loop strength 1 and 58.6 (sd 12.6) at 3 over seeds 0-11, 3.3 and 4.7
    standard deviations above zero, so a pair goes the other way about once in 2,000. With 200 residents
    and a shock of ten weeks it was 3.3 cases (sd 4.1): 2 seeds in 12 went the other way.
    """
    scenario = load_scenario("baseline").with_parameters({"n_residents": 800, "years": 3.0, "burn_in_years": 0.5}
                                                         | size)
    return TippingDesign(scenario, (0, 1), loop_strengths=(1.0, 3.0), diversions=(0.4,), multipliers=(3.0,),
                         rescues=("none", "extra_staff"), shock_years=1.0)


def test_tipping_on_a_tiny_city_pairs_seeds_and_measures_the_trap() -> None:
    design = tiny_design()
    assert design.measure_gap == pytest.approx(0.0) and len(design.points()) == 2 * 2 + 2
    tipping = run_tipping(design, jobs=1)
    runs = tipping.runs
    assert len(runs) == len(design.points()) * 2 * 4  # years 0, 1, 2 and the last 52 weeks (-1)
    # Paired: before the shock (year 0) the shocked, rescued and unshocked runs of a seed are the same run.
    first = runs[runs["year"] == 0].set_index(["loop_strength", "seed", "multiplier", "rescue"])[list(OUTPUTS)]
    for (strength, seed), same in first.groupby(level=["loop_strength", "seed"]):
        assert len(same) == 3 and (same.nunique() == 1).all(), (strength, seed)
    assert not first.xs(0, level="seed").equals(first.xs(1, level="seed"))  # seeds differ
    # A x3 shock raises the casework load in its own year, in every pair (tiny_design says why with high
    # probability; a shock that changed nothing would leave each pair one run, a difference of exactly 0).
    shock_year = runs[runs["year"] == 1].pivot_table("casework_load", ["loop_strength", "seed"],
                                                     ["multiplier", "rescue"])
    assert (shock_year[(3.0, "none")] > shock_year[(0.0, "none")]).all()
    # The trap as defined: the last year's load against the paired unshocked run's.
    final = runs[runs["year"] == -1].set_index(["loop_strength", "seed", "multiplier", "rescue"])["casework_load"]
    for r in tipping.excess.itertuples():
        expected = final[(r.loop_strength, r.seed, 3.0, r.rescue)] / final[(r.loop_strength, r.seed, 0.0, "none")] - 1
        assert r.excess == pytest.approx(expected) and r.trapped == (expected >= 0.2)
    summary = tipping.summary
    assert (summary["seeds"] == 2).all() and summary["trapped_share"].between(0, 1).all()
    findings = tipping.findings()
    assert findings[0].startswith("After a shock of x3 life events for 1 year (diversion 0.4): ")
    assert any(s.startswith("What gets a city out after a x3 shock") for s in findings)
    assert findings[-1].startswith("Without any shock the casework load changes from the first year to the last")
    manifest = {"command": ["vitality", "tipping"], "created": "2026-12-06T10:00:00", "model_digest": "d" * 40,
                "git": {"commit": "c" * 40, "dirty": False}}
    document = tipping.document("figures/tipping.png", manifest)
    assert "![Tipping points of the casework trap](figures/tipping.png)" in document
    assert all(f"- {s}" in document for s in findings) and "```bash\nvitality tipping\n```" in document
    assert f"*Made on 2026-12-06 with model digest {'d' * 12}, commit {'c' * 10}; {len(design.points()) * 2} runs.*" \
        in document and "over its last year is still at least 20% above" in " ".join(document.split())
    assert len(tipping.figure().axes) == len(design.diversions) + 2  # the trap per diversion, course, rescues


def synthetic(final: dict[tuple[float, float, str], list[float]]) -> Tipping:
    """A Tipping over hand-made runs: the last year's casework load per (strength, multiplier, rescue) and seed."""
    design = TippingDesign(load_scenario("baseline").with_parameters({"years": 6}), (0, 1, 2, 3),
                           loop_strengths=(1.0, 2.0, 4.0), diversions=(0.4,), multipliers=(2.0,),
                           rescues=("none", "extra_staff"))
    rows = [{"loop_strength": s, "diversion": 0.4, "multiplier": x, "rescue": r, "seed": seed, "year": year,
             "casework_load": load if year == -1 else 100.0, "total_cost_eur": 1000.0 + load}
            for (s, x, r), loads in final.items() for seed, load in enumerate(loads) for year in (-1, 0, 3)]
    return Tipping(design, pd.DataFrame(rows))


def test_trap_tipping_and_rescue_sentences_on_synthetic_runs() -> None:
    base = [100.0] * 4
    tipping = synthetic({
        (1.0, 0, "none"): base, (2.0, 0, "none"): base, (4.0, 0, "none"): [200.0] * 4,
        (1.0, 2, "none"): [111, 105, 130, 100], (2.0, 2, "none"): [125, 130, 119, 121],  # 1 of 4; 3 of 4 trapped
        (4.0, 2, "none"): [260, 250, 241, 300],
        (1.0, 2, "extra_staff"): base, (2.0, 2, "extra_staff"): [100, 100, 100, 125], (4.0, 2, "extra_staff"): base,
    })
    summary = tipping.summary.set_index(["loop_strength", "rescue"])
    assert list(summary.loc[(slice(None), "none"), "trapped"]) == [1, 3, 4]
    assert summary.loc[(2.0, "none"), "excess_median"] == pytest.approx(0.23)
    assert summary.loc[(2.0, "extra_staff"), "extra_cost_eur_median"] == pytest.approx(0.0)  # 52 x mean cost above
    first = tipping.findings()[0]
    assert "at loop strengths 2 and 4 half or more of the seeds end in a lasting trap" in first
    assert "at loop strength 1 fewer do" in first and "4 of 8 runs are trapped (median excess +20%)" in first
    rescue = next(s for s in tipping.findings() if "within the literature's range" in s and "What gets" in s)
    assert rescue.index("extra staff for 1 year: 1 of 8 trapped") < rescue.index("no measure: 4 of 8 trapped")
    assert "over every loop strength tried" in " ".join(tipping.findings())
    assert tipping.findings()[-1].endswith(": from loop strength 4 on, the loop alone keeps casework growing, "
                                           "shock or not.")  # the unshocked city doubles at strength 4
    calm = synthetic({k: base for k in [(s, x, r) for s in (1.0, 2.0, 4.0) for x, r in
                                        ((0, "none"), (2, "none"), (2, "extra_staff"))]})
    assert "at none of the loop strengths tried (1, 2 and 4) do half of the seeds end" in calm.findings()[0]
    assert "at no loop strength tried does the unshocked city's casework grow" in calm.findings()[-1]


def test_year_of_follows_the_interventions_calendar() -> None:
    weeks = pd.Series(range(313))  # six years: weeks 0-312
    years = year_of(weeks)
    assert years[51] == 0 and years[52] == 1 and years[311] == 5 and years[312] == 5
    assert year_of(pd.Series(range(115))).max() == 2


def test_tipping_designs_refuse_what_cannot_be_measured() -> None:
    with pytest.raises(TippingError, match=r"^years: 2 years leave no room for the last year after the shock"):
        tiny_design(years=2.0).points()
    with pytest.raises(TippingError, match=r"^scenario: layered steers layered"):
        TippingDesign(load_scenario("layered").with_parameters({"years": 6}), (0,))
    with pytest.raises(TippingError, match=r"^rescues: 'switch_steering:chaos' is not one of"):
        TippingDesign(load_scenario("baseline").with_parameters({"years": 6}), (0,),
                      rescues=("none", "switch_steering:chaos"))


def test_tipping_command_writes_results_and_docs(capsys: pytest.CaptureFixture[str]) -> None:
    Path("docs").mkdir()
    Path("tiny.toml").write_text('description = "tiny"\n[parameters]\nburn_in_years = 0.5\n', encoding="utf-8")
    argv = ["tipping", "tiny.toml", "--residents", "100", "--years", "3", "--seeds", "1", "--strengths", "2",
            "--diversions", "0.4", "--multipliers", "3", "--jobs", "1", "--out", "t", "--docs", "docs", "--lang", "en"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "the trap is measured 0 years after the shock ends" in captured.err
    assert "Findings:\n- After a shock of x3" in captured.out
    for name in ("runs.parquet", "runs.csv", "excess.csv", "summary.csv", "manifest.json"):
        assert Path("t", name).is_file()
    assert Path("t/tipping.png").read_bytes()[:8] == PNG == Path("docs/figures/tipping.png").read_bytes()[:8]
    assert "![Tipping points of the casework trap](tipping.png)" in Path("t/tipping.md").read_text(encoding="utf-8")
    doc = Path("docs/tipping.md").read_text(encoding="utf-8")
    assert "(figures/tipping.png)" in doc and f"vitality {' '.join(argv)}" in doc
    assert len(pd.read_csv("t/excess.csv")) == 6  # the shock alone, and five measures after it
    assert json.loads(Path("t/manifest.json").read_text())["tipping"]["runs"] == 7
    assert main(argv) == 2 and "results folder t exists already" in capsys.readouterr().err
    # in Dutch (the default): the same runs, the same numbers, said in Dutch
    assert main([*argv[:argv.index("--out")], "--out", "tn"]) == 0
    dutch = capsys.readouterr().out
    assert "Bevindingen:\n- Na een schok van x3 levensgebeurtenissen" in dutch
    english_lines, dutch_lines = ([line for line in out.splitlines() if line.startswith("- ")]
                                  for out in (captured.out, dutch))
    assert len(english_lines) == len(dutch_lines) >= 3
    for en, nl in zip(english_lines, dutch_lines, strict=True):
        assert_dutch_twin(en, nl)
    assert Path("tn/tipping.md").read_text(encoding="utf-8").startswith("# Kantelpunten van de casusval\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--years", "2"], "--years: 2 years leave no room for the last year after the shock"),
    (["--strengths", "1,x"], "argument --strengths: expected numbers separated by commas"),
    (["--strengths", "0.5"], "--strengths: 0.5 is out of range; allowed 1 to 5"),
    (["--diversions", "1.5"], "--diversions: 1.5 is out of range; allowed 0 to 1"),
    (["--multipliers", "0.5,2"], "--multipliers: a shock multiplies life events by more than 1, got 0.5"),
    (["layered"], "scenario: layered steers layered, which switches between modes"),
    (["--docs", "nowhere"], "--docs nowhere: no such folder"),
    (["--seeds", "0"], "--seeds must be at least 1"),
])
def test_tipping_bad_input_gets_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tipping", *args, "--jobs", "1", "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vitality: error: ") and message in err and "\n" not in err
    assert not Path("results").exists()


def test_findings_and_document_in_dutch_carry_the_same_numbers() -> None:
    loads = {(s, x, r): [100.0, 120.0, 140.0, 100.0 * s] for s in (1.0, 2.0, 4.0)
             for x, r in ((0, "none"), (2, "none"), (2, "extra_staff"))}
    tipping = synthetic(loads)
    english, dutch = tipping.findings(), tipping.findings("nl")
    assert dutch[0].startswith("Na een schok van x2 levensgebeurtenissen gedurende 1 jaar (doorverwijzing 0,4): ")
    assert len(english) == len(dutch) == 4
    for en, nl in zip(english, dutch, strict=True):
        assert_dutch_twin(en, nl)
    manifest = {"command": ["vitality", "tipping"], "created": "2026-12-06T10:00:00", "model_digest": "d" * 40,
                "git": {"commit": "c" * 40, "dirty": True}}
    dutch_tipping = dataclasses.replace(tipping, lang="nl")
    document = dutch_tipping.document("tipping.png", manifest)
    titles = [ax.get_title() for ax in dutch_tipping.figure().axes]
    assert "doorverwijzing 0,4 (die van de stijl zelf)" in titles and "(dun: elke seed; dik: mediaan)" in titles[1]
    assert document.startswith("# Kantelpunten van de casusval\n") and "\n## Bevindingen\n" in document
    assert all(f"- {s}" in document for s in dutch) and "Findings" not in document
    assert f"*Gemaakt op 2026-12-06 met digest van het model {'d' * 12}, commit {'c' * 10} met niet-vastgelegde " \
           "wijzigingen; 36 runs.*" in document
    fields = {lang: {f for _, f, _, _ in string.Formatter().parse(
        resources.files("model.experiments").joinpath("templates", name).read_text(encoding="utf-8")) if f}
              for lang, name in TEMPLATES.items()}
    assert fields["nl"] == fields["en"]
