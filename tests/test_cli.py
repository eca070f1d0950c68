"""The ``vitality`` command line: every command, its files and manifest, one-line errors, resuming batches."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import model.api as api
import model.experiments.runner as runner
from model.api import KEY_OUTPUTS, OUTPUTS
from model.cli import main
from model.experiments.plots import FIGURE_OUTPUTS
from model.experiments.scenarios import list_scenarios, load_scenario

SMALL = ["--lang", "en", "--residents", "200", "--years", "0.3", "--seeds", "2", "--jobs", "1"]
VITALITY = Path(sys.executable).with_name("vitality")  # the installed console script
STEERING = ["facilitating", "framing", "enforcing", "layered"]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("vitality: error: ")
    return lines[0]


def test_run_writes_tables_figures_and_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "baseline", *SMALL, "--out", "res"]) == 0
    out = capsys.readouterr().out
    assert "Scenario Baseline (baseline: " in out and "200 residents, 0.3 years, 2 seeds (0-1)" in out
    assert all(OUTPUTS[key].label["en"] in out for key in KEY_OUTPUTS)
    res = Path("res")
    assert sorted(p.name for p in res.iterdir()) == sorted([
        "city.csv", "city.parquet", "neighbourhoods.csv", "neighbourhoods.parquet", "summary.csv", "manifest.json",
        "results.xlsx",
        *(f"{key}.png" for key in FIGURE_OUTPUTS)])
    assert not Path("res.work").exists()  # the work folder goes once the results are published
    city = pd.read_parquet(res / "city.parquet")
    weeks = round(0.3 * 52) + 1  # the initial state and every week
    assert len(city) == 2 * weeks and list(city.columns[:3]) == ["scenario", "seed", "week"]
    assert set(city["scenario"]) == {"baseline"} and sorted(city["seed"].unique()) == [0, 1]
    pd.testing.assert_frame_equal(pd.read_csv(res / "city.csv"), city, check_dtype=False)
    nbh = pd.read_parquet(res / "neighbourhoods.parquet")
    assert len(nbh) == 2 * weeks * nbh["neighbourhood"].nunique()
    summary = pd.read_csv(res / "summary.csv")
    assert list(summary["key"]) == list(KEY_OUTPUTS)
    assert (summary["ci_low"] <= summary["mean"]).all() and (summary["mean"] <= summary["ci_high"]).all()
    final = city.groupby("seed")["community_strength"].mean()  # 0.3 years: the final year is the whole run
    assert summary.set_index("key").loc["community_strength", "mean"] == pytest.approx(final.mean())
    for key in FIGURE_OUTPUTS:
        assert (res / f"{key}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    manifest = json.loads((res / "manifest.json").read_text())
    assert manifest["command"] == ["vitality", "run", "baseline", *SMALL, "--out", "res"]
    assert manifest["seeds"] == [0, 1]
    (scenario,) = manifest["scenarios"]
    assert scenario["name"] == "baseline" and scenario["parameters"]["n_residents"] == 200
    assert scenario["source"] == load_scenario("baseline").source
    assert manifest["versions"]["mesa"].startswith("3.5") and manifest["versions"]["python"].startswith("3.12")
    assert manifest["timings"]["runs_done_this_session"] == 2 and manifest["timings"]["runs_resumed"] == 0
    assert manifest["git"] is None or len(manifest["git"]["commit"]) == 40


def test_compare_the_four_steering_modes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", *STEERING, *SMALL, "--out", "cmp"]) == 0
    out = capsys.readouterr().out
    assert "difference from Facilitating (95% CI)" in out and "(reference)" in out
    summary = pd.read_csv("cmp/summary.csv")
    assert len(summary) == len(KEY_OUTPUTS) * 4
    assert list(summary["scenario"].unique()) == STEERING
    reference = summary[summary["scenario"] == "facilitating"]
    assert reference["difference"].isna().all()
    others = summary[summary["scenario"] != "facilitating"].set_index(["key", "scenario"])
    ref = reference.set_index("key")["mean"]
    for (key, _), row in others.iterrows():  # paired differences: the mean difference is the difference of means
        assert row["difference"] == pytest.approx(row["mean"] - ref[key], abs=1e-9)
        assert row["diff_ci_low"] <= row["difference"] <= row["diff_ci_high"]
    city = pd.read_parquet("cmp/city.parquet")
    assert list(city["scenario"].unique()) == STEERING
    assert city.groupby("scenario")["seed"].unique().map(sorted).map(list).tolist() == [[0, 1]] * 4
    manifest = json.loads(Path("cmp/manifest.json").read_text())
    assert [sc["parameters"]["steering_mode"] for sc in manifest["scenarios"]] == STEERING
    assert all(Path(f"cmp/{key}.png").stat().st_size > 10_000 for key in FIGURE_OUTPUTS)  # four bands drawn


@pytest.mark.parametrize("name", list_scenarios())
def test_every_shipped_scenario_runs_from_the_command_line(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each runs long enough for its interventions to start (200 residents)."""
    sc = load_scenario(name)
    years = max([0.3, *(spec.at_year + 0.2 for spec in sc.interventions)])
    assert main(["run", name, "--residents", "200", "--years", f"{years:g}", "--seeds", "2", "--jobs", "1",
                 "--out", "r"]) == 0
    assert f"({name}: {sc.description_nl}; sturing: " in capsys.readouterr().out  # Dutch by default
    city = pd.read_parquet("r/city.parquet")
    assert city["week"].max() == round(years * 52)


def test_intervention_in_a_run_changes_results_only_after_its_start(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--residents", "200", "--years", "3.2", "--seeds", "1", "--jobs", "1"]
    assert main(["compare", "enforcing", "enforcing_to_facilitating", *args, "--out", "c"]) == 0
    city = pd.read_parquet("c/city.parquet").set_index(["scenario", "week"])
    before = city.xs("enforcing").loc[:156], city.xs("enforcing_to_facilitating").loc[:156]
    pd.testing.assert_frame_equal(*before)
    after = city.xs("enforcing").loc[160:, "admin_share"], city.xs("enforcing_to_facilitating").loc[160:, "admin_share"]
    assert (after[1] < after[0]).all()  # facilitating asks less accountability (steering profiles)


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list_scenarios()
    assert load_scenario("citizen_budget").description_nl in "\n".join(lines)  # Dutch by default
    assert main(["list", "--lang", "en"]) == 0
    assert load_scenario("citizen_budget").description in capsys.readouterr().out
    assert main(["show", "meeting_place_closures"]) == 0
    Path("shown.toml").write_text(capsys.readouterr().out)
    shown, original = load_scenario("shown.toml"), load_scenario("meeting_place_closures")
    assert (shown.params, shown.interventions) == (original.params, original.interventions)
    assert main(["show", "layered", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["parameters"]["steering_mode"] == "layered"


BAD = [
    (["run", "--residnets", "200"], "unrecognized arguments: --residnets"),
    (["run", "baselin"], "did you mean 'baseline'"),
    (["run", "nowhere/x.toml"], "scenario file nowhere/x.toml not found"),
    (["run", "--residents", "10"], "--residents: 10 is out of range; allowed 50 to 2000000"),
    (["run", "--years", "500"], "--years: 500.0 is out of range"),
    (["run", "--steering", "chaotic"], "--steering: 'chaotic' is not one of"),
    (["run", "--seeds", "0"], "--seeds must be at least 1"),
    (["run", "--jobs", "0"], "--jobs must be at least 1"),
    (["run", "--residents", "many"], "invalid int value: 'many'"),
    (["compare", "baseline"], "compare needs at least two scenarios"),
    (["compare", "baseline", "baseline"], "scenario 'baseline' is given twice"),
    (["show"], "the following arguments are required: scenario"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize(("argv", "message"), BAD)
def test_bad_input_gets_one_line_and_exit_code_2(argv: list[str], message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--lang", "en"]) == 2
    assert message in one_line_error(capsys.readouterr().err)
    assert not Path("results").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--residnets", "200"], "fout: onbekende argumenten: --residnets (zie `vitality --help`)"),
    (["run", "--residents", "many"], "fout: --residents: geen geheel getal: 'many'"),
    (["show"], "fout: deze argumenten ontbreken: scenario"),
    (["tipping", "--strengths", "1,x"], "fout: --strengths: verwacht getallen gescheiden door komma's"),
    (["tipping", "--diversions", "0.4,0.4"], "fout: --diversions: verwacht verschillende getallen"),
])
def test_command_line_errors_are_dutch_by_default(argv: list[str], message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vitality: fout: ") and "\n" not in err
    assert message in err and "argument -" not in err


def test_typo_in_a_scenario_file_gets_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("story.toml").write_text('description = "x"\n[parameters]\nplaces_per_10k = 3\n')
    assert main(["run", "story.toml", *SMALL]) == 2
    assert "story.toml: parameters.places_per_10k: unknown parameter" in one_line_error(capsys.readouterr().err)


def test_existing_results_folder_is_never_overwritten(capsys: pytest.CaptureFixture[str]) -> None:
    Path("res").mkdir()
    Path("res/mine.txt").write_text("keep")
    assert main(["run", *SMALL, "--out", "res"]) == 2
    assert "results folder res exists already" in one_line_error(capsys.readouterr().err)
    assert [p.name for p in Path("res").iterdir()] == ["mine.txt"] and not Path("res.work").exists()


def test_console_script(tmp_path: Path) -> None:
    def vitality(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([VITALITY, *argv], capture_output=True, text=True, timeout=300)

    done = vitality("run", *SMALL, "--out", "res")
    assert done.returncode == 0, done.stderr
    assert "Results written to res/" in done.stdout and Path("res/manifest.json").exists()
    done = vitality("compare", "facilitating", "enforcing", *SMALL, "--out", "cmp")
    assert done.returncode == 0, done.stderr
    assert "difference from Facilitating" in done.stdout
    assert len(pd.read_csv("cmp/summary.csv")) == 2 * len(KEY_OUTPUTS)
    listed = vitality("list")
    assert listed.returncode == 0 and listed.stdout.split()[0] == "baseline"
    shown = vitality("show", "protected_time")
    assert shown.returncode == 0 and "[[interventions]]" in shown.stdout
    for argv, message in [(["run", "--residents", "10"], "out of range"), (["run", "baselin"], "did you mean"),
                          (["run", "x/missing.toml"], "not found"), (["run", "--out", "res"], "exists already"),
                          (["run", "--bogus"], "unrecognized arguments")]:
        bad = subprocess.run([VITALITY, *argv, "--lang", "en"], capture_output=True, text=True, timeout=120)
        assert bad.returncode == 2 and bad.stdout == ""
        assert message in one_line_error(bad.stderr)



@pytest.mark.parametrize("argv", [["list"], ["show", "baseline"]])
def test_a_closed_reader_ends_the_command_quietly(argv: list[str]) -> None:
    """``vitality list | head -3``: the reader goes away; no error, 141 as any tool killed by SIGPIPE."""
    read, write = os.pipe()
    os.close(read)  # closed before the command writes: its first write meets a broken pipe, every time
    try:
        done = subprocess.run([VITALITY, *argv], stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (141, "")


# ---------------------------------------------------------------------- failing, interrupted and resumed batches
def test_failed_runs_leave_no_results_and_are_retried_on_resume(monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    real_run, calls = runner.run, []

    def flaky(params, seed, *rest):
        calls.append(seed)
        if seed == 1:
            raise ValueError("model diverged")
        return real_run(params, seed, *rest)

    monkeypatch.setattr(runner, "run", flaky)
    assert main(["run", *SMALL[:-4], "--seeds", "3", "--jobs", "1", "--out", "res"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("vitality: error: 1 of 3 runs failed (first, baseline--seed-1: ValueError: model diverged)")
    assert "run `vitality run" in err and "--out res" in err
    assert not Path("res").exists()  # nothing that looks complete
    record = json.loads(Path("res.work/failed/baseline--seed-1.json").read_text())
    assert record["error"] == "ValueError: model diverged" and "Traceback" in record["traceback"]
    assert sorted(p.name for p in Path("res.work/runs").iterdir()) == ["baseline--seed-0", "baseline--seed-2"]

    monkeypatch.setattr(runner, "run", lambda *a: (calls.append(a[1]), real_run(*a))[1])  # fixed
    assert main(["run", *SMALL[:-4], "--seeds", "3", "--jobs", "1", "--out", "res"]) == 0
    assert calls == [0, 1, 2, 1]  # only the failed run was done again
    manifest = json.loads(Path("res/manifest.json").read_text())
    assert manifest["timings"]["runs_resumed"] == 2 and manifest["timings"]["runs_done_this_session"] == 1
    assert not Path("res.work").exists()


def test_interrupted_batch_resumes_with_the_same_results(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compare", "baseline", "enforcing", "--residents", "200", "--years", "0.3", "--seeds", "2", "--jobs", "1",
            "--lang", "en"]
    assert main([*argv, "--out", "whole"]) == 0
    real_run, calls = runner.run, []

    def interrupted(*a):
        calls.append(a[1])
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_run(*a)

    monkeypatch.setattr(runner, "run", interrupted)
    assert main(argv) == 130  # without --out: the same command resumes
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("vitality: interrupted; 2 finished runs are kept in results/compare-baseline-enforcing-")
    work = err.split("kept in ")[1].split(";")[0]
    assert err.split("run `")[1].split("`")[0].split() == ["vitality", *argv]
    assert len(list(Path(work, "runs").iterdir())) == 2

    assert main(argv) == 0  # finds its own unfinished work and says so
    err = capsys.readouterr().err
    assert f"resuming the unfinished work of this command in {work}" in err and "resuming: 2 of 4 runs" in err
    assert calls == [0, 1, 0, 0, 1]  # baseline 0, 1, enforcing 0 (interrupted) ... then enforcing 0, 1 only
    out = work.removesuffix(".work")
    assert not Path(work).exists() and sorted(map(str, Path("results").iterdir())) == [out]
    for table in ("city", "neighbourhoods"):
        pd.testing.assert_frame_equal(pd.read_parquet(f"{out}/{table}.parquet"),
                                      pd.read_parquet(f"whole/{table}.parquet"))
    assert main(argv) == 0  # finished: the same command again makes new results beside them
    assert len(list(Path("results").iterdir())) == 2


def test_resume_refuses_another_batch(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(runner, "run", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    assert main(["run", *SMALL, "--out", "res"]) == 130
    capsys.readouterr()
    assert main(["run", *SMALL[:-4], "--seeds", "3", "--jobs", "1", "--out", "res"]) == 2
    error = one_line_error(capsys.readouterr().err)
    assert "res.work holds the runs of another batch" in error and f"`vitality run {' '.join(SMALL)}" in error


def test_failure_while_publishing_leaves_no_results(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise OSError("disk full")

    real = api.plot_key_outputs
    monkeypatch.setattr(api, "plot_key_outputs", broken)
    assert main(["run", *SMALL, "--out", "res"]) == 2
    assert not Path("res").exists() and not list(Path().glob(".res.*"))  # no half-written folder
    assert len(list(Path("res.work/runs").iterdir())) == 2  # the runs are kept for the next try
    monkeypatch.setattr(api, "plot_key_outputs", real)
    assert main(["run", *SMALL, "--out", "res"]) == 0


@pytest.mark.parametrize(("signum", "out"), [(signal.SIGINT, ["--out", "res"]), (signal.SIGTERM, [])])
def test_a_stopped_console_script_then_the_same_command_resumes(signum: int, out: list[str]) -> None:
    """A real Ctrl-C (with --out) or SIGTERM (without) to ``vitality`` with two workers, then the same command."""
    argv = [VITALITY, "run", "--residents", "300", "--years", "1", "--seeds", "12", "--jobs", "2", *out,
            "--lang", "en"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not (runs := [p for pattern in ("res.work/runs/*", "results/*.work/runs/*") for p in Path().glob(pattern)
                        if not p.name.startswith(".")]):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    os.kill(proc.pid, signum)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # it finished before the signal arrived: nothing to resume
        pytest.skip("the batch finished before the signal")
    assert proc.returncode == 128 + signum, err
    work = runs[0].parent.parent
    assert "Traceback" not in err and f"finished runs are kept in {work}" in err.splitlines()[-1]
    assert f"run `vitality {' '.join(argv[1:])}` to resume" in err.splitlines()[-1]
    kept = {p.name: p.stat().st_mtime_ns for p in (work / "runs").iterdir()}
    assert kept and all(not name.startswith(".") for name in kept) and not work.with_suffix("").exists()

    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"resuming: {len(kept)} of 12 runs" in done.stderr
    manifest = json.loads(work.with_suffix("").joinpath("manifest.json").read_text())
    assert manifest["timings"]["runs_resumed"] == len(kept)
    assert manifest["timings"]["runs_done_this_session"] == 12 - len(kept)
    assert sorted(pd.read_parquet(work.with_suffix("") / "city.parquet")["seed"].unique()) == list(range(12))


def test_a_closed_terminal_stops_a_batch_like_ctrl_c(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    real_run = runner.run

    def hang_up(*a):
        if a[1] == 1:
            os.kill(os.getpid(), signal.SIGHUP)
        return real_run(*a)

    monkeypatch.setattr(runner, "run", hang_up)
    before = signal.getsignal(signal.SIGHUP)  # SIG_IGN under nohup, SIG_DFL in a terminal
    assert main(["run", *SMALL, "--out", "res"]) == 128 + signal.SIGHUP
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("vitality: stopped by SIGHUP; 1 finished runs are kept in res.work; run `vitality run")
    assert signal.getsignal(signal.SIGHUP) is before  # the handler lives only while the command runs
