"""Nothing slips through: other encodings, huge or non-finite numbers, damaged files, bad addresses."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model.api as api
from model.api import OUTPUTS, mean_ci
from model.cli import main
from model.experiments import budget, store
from model.experiments.scenarios import SCENARIO_DIR, load_scenario
from model.experiments.store import RunStore, Serial, Task, run_batch

SMALL = ["--residents", "200", "--years", "0.1", "--seeds", "2", "--jobs", "1"]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("vitality: error: ")
    return err


# ---------------------------------------------------------------------- encodings
SHIPPED = (SCENARIO_DIR / "citizen_budget.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("encoded", [
    codecs.BOM_UTF8 + SHIPPED.encode("utf-8"),  # Notepad's "UTF-8"
    SHIPPED.encode("utf-16"),  # with its byte-order mark, as Windows' "Unicode"
    codecs.BOM_UTF16_BE + SHIPPED.encode("utf-16-be"),
    SHIPPED.encode("utf-32"),
], ids=["utf-8-bom", "utf-16", "utf-16-be", "utf-32"])
def test_encodings_named_by_a_byte_order_mark_are_read(encoded: bytes) -> None:
    Path("story.toml").write_bytes(encoded)
    story, shipped = load_scenario("story.toml"), load_scenario("citizen_budget")
    assert (story.name, story.description_nl, story.params, story.interventions) == (
        shipped.name, shipped.description_nl, shipped.params, shipped.interventions)


@pytest.mark.parametrize(("encoded", "message"), [
    ('description = "Café"\n'.encode("cp1252"), "story.toml: line 1 is not UTF-8 text (byte 0xe9; saved as "
                                                "Windows-1252/ANSI?); save the file as UTF-8"),
    (bytes(range(256)), "story.toml: not a text file (it holds binary data)"),
    ('description = "x"\n'.encode("utf-16-le"), "story.toml: not a text file"),  # UTF-16 without a mark
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "story.toml: not valid UTF-16 text, though it starts with"),
], ids=["windows-1252", "binary", "utf-16-without-mark", "broken-utf-16"])
def test_other_encodings_and_binary_files_are_refused_in_one_line(encoded: bytes, message: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    Path("story.toml").write_bytes(encoded)
    for command in (["show", "story.toml"], ["sweep", "story.toml"]):
        assert main([*command, "--lang", "en"]) == 2
        assert message in one_line_error(capsys)


# ---------------------------------------------------------------------- numbers and names
@pytest.mark.parametrize(("argv", "message"), [
    (["report", "baseline", "--threshold", "nan"], "--threshold nan: give a number 0 or more"),
    (["report", "baseline", "--threshold", "inf"], "--threshold inf: give a number 0 or more"),
    (["run", "--years", "nan"], "--years: expected a finite number, got nan"),
    (["run", "--years", "inf"], "--years: expected a finite number, got inf"),
    (["run", "--seed", str(2**63)], "--seed must be 0 or more and the last seed at most 9223372036854775807"),
    (["run", "--seed", str(2**63 - 2), "--seeds", "5"], "the last seed at most"),
    (["run", "--scheduler", "localhost"], "--scheduler localhost: not a scheduler address (missing port number"),
    (["run", "--scheduler", "http://localhost:8786"], "protocol http:// is not one of tcp, tls, ws, wss"),
    (["run", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler tcp://127.0.0.1:1: nothing answers there"),
    (["run", *SMALL, "--out", "x" * 300], "File name too long; choose a shorter name or --out"),
])
def test_bad_numbers_and_addresses_get_one_line_and_leave_nothing_behind(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--lang", "en"]) == 2
    assert message in one_line_error(capsys)
    assert list(Path().iterdir()) == []  # no work folder, no results


def test_a_long_file_name_is_refused_as_a_scenario_name(capsys: pytest.CaptureFixture[str]) -> None:
    Path(f"{'x' * 200}.toml").write_text('description = "x"\n', encoding="utf-8")
    assert main(["run", f"{'x' * 200}.toml", *SMALL, "--lang", "en"]) == 2
    assert "name: at most 64 characters (results folders are named after it), got 200" in one_line_error(capsys)


# ---------------------------------------------------------------------- damaged files
def test_a_damaged_stored_run_is_done_again(capsys: pytest.CaptureFixture[str]) -> None:
    tasks = [Task(f"run-{i}", dict, ([("t", pd.DataFrame({"value": [i]}))],), {"value": i}) for i in range(3)]
    with RunStore(Path("w"), tasks) as store:
        run_batch(store, Serial())
    Path("w/runs/run-1/t.parquet").write_bytes(b"PAR1 cut short")  # a full disk, an editor, ...
    with RunStore(Path("w"), tasks) as store:
        assert store.damaged == ["run-1"] and store.finished() == {"run-0", "run-2"}
        report = run_batch(store, Serial())
        assert (report.done, report.resumed) == (1, 2)
        assert store.load("run-1")["t"]["value"].tolist() == [1]
    assert "note: 1 stored runs could not be read (first: run-1); they are done again" in capsys.readouterr().err


def test_a_damaged_sweep_result_is_refused_by_analyse(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "example_discovery", "--samples", "2", "--residents", "100", "--years", "0.05",
                 "--replications", "1", "--jobs", "1", "--out", "s", "--lang", "en"]) == 0
    capsys.readouterr()
    runs = pd.read_parquet("s/runs.parquet")
    Path("s/runs.parquet").write_bytes(Path("s/runs.parquet").read_bytes()[:300])
    assert main(["analyse", "s", "--lang", "en"]) == 2
    assert "s: its tables cannot be read or do not match its manifest" in one_line_error(capsys)
    runs.drop(columns="seed").to_parquet("s/runs.parquet")
    assert main(["analyse", "s", "--lang", "en"]) == 2
    assert "runs.parquet lacks seed" in one_line_error(capsys)
    Path("s/manifest.json").write_text("[1, 2]", encoding="utf-8")
    assert main(["analyse", "s", "--lang", "en"]) == 2
    assert "s/manifest.json is not a results manifest" in one_line_error(capsys)


# ---------------------------------------------------------------------- intervals and seeds
@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.floats(0, 1e6), min_size=2, max_size=12))
def test_intervals_of_counts_are_never_negative_and_hold_the_mean(values: list[float]) -> None:
    mean, low, high = mean_ci(values, (0.0, None))
    assert 0 <= low <= mean * (1 + 1e-12) and mean <= high * (1 + 1e-12)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.floats(0, 1), min_size=2, max_size=12))
def test_intervals_of_shares_stay_between_0_and_1_and_hold_the_mean(values: list[float]) -> None:
    mean, low, high = mean_ci(values, (0.0, 1.0))
    assert 0 <= low <= mean + 1e-12 and mean - 1e-12 <= high <= 1


def test_bounded_intervals_agree_with_students_t_when_that_is_narrow() -> None:
    rng = np.random.default_rng(1)
    for centre, bounds in ((40.0, (0.0, None)), (0.4, (0.0, 1.0)), (55.0, (0.0, 100.0))):
        values = centre * (1 + 0.01 * rng.standard_normal(10))
        plain, bounded = mean_ci(values), mean_ci(values, bounds)
        half = plain[2] - plain[0]
        assert bounded[1] == pytest.approx(plain[1], abs=0.02 * half)
        assert bounded[2] == pytest.approx(plain[2], abs=0.02 * half)


def test_too_few_seeds_are_said_in_the_table_and_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--residents", "200", "--years", "0.2", "--seeds", "1", "--jobs", "1", "--out", "one",
                 "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert "nan" not in out and "Student's t, for counts on the log scale" in out
    assert "vitality: note: no intervals: they need at least 2 seeds; run with --seeds 5 or more" in err
    assert main(["run", "--residents", "200", "--years", "0.2", "--seeds", "2", "--jobs", "1", "--out", "two",
                 "--lang", "en"]) == 0
    assert "vitality: note: with 2 seeds the intervals are wide" in capsys.readouterr().err
    summary = pd.read_csv("two/summary.csv").set_index("key")
    assert (summary["ci_low"] >= 0).all()  # with two seeds Student's t alone reaches far below zero
    shares = [key for key in summary.index if OUTPUTS[key].unit.high == 1]
    assert (summary.loc[shares, "ci_high"] <= 1).all()
    assert main(["report", "two", "--lang", "en"]) == 0
    html = Path("two/report-en.html").read_text(encoding="utf-8")
    assert "With 2 seeds the intervals are wide" in html and "on the logit scale" in html
    assert main(["report", "one", "--lang", "en"]) == 0
    assert "there are no intervals: they need at least two seeds" in Path("one/report-en.html").read_text("utf-8")


# ---------------------------------------------------------------------- sizes and processes
@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--seeds", "100000"], "100000 runs of 2000 residents over 10 years need about"),
    (["sweep", "example_discovery", "--samples", "1000000000"], "2000000000 runs of 200 residents over 0.3 years need"),
])
def test_a_batch_too_big_for_this_machine_is_refused_before_any_work(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--lang", "en"]) == 2
    error = one_line_error(capsys)
    assert message in error and "of memory and this machine has" in error
    assert error.endswith("--seeds or --years" if argv[0] == "run" else "--samples or --replications")
    assert list(Path().iterdir()) == []


def test_workers_that_would_not_fit_in_memory_are_refused(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(budget, "available_memory", lambda: 3 * 2**30)
    monkeypatch.setattr(api, "default_jobs", lambda: 2)
    assert main(["run", "--residents", "2000000", "--seeds", "2", "--lang", "en"]) == 2
    assert one_line_error(capsys).endswith("this machine has 3.0 GiB available; use fewer --jobs or --residents")


def test_jobs_are_capped_at_the_cores_and_the_runs(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    used = []
    monkeypatch.setattr(api, "default_jobs", lambda: 2)
    monkeypatch.setattr(store, "make_executor", lambda jobs, scheduler: used.append(jobs) or Serial())
    assert main(["run", "--residents", "200", "--years", "0.1", "--seeds", "1", "--jobs", "19", "--out", "a",
                 "--lang", "en"]) == 0
    assert "vitality: note: --jobs 19: this machine has 2 cores for this process; using 2" in capsys.readouterr().err
    assert main(["run", "--residents", "200", "--years", "0.1", "--seeds", "3", "--out", "b", "--lang", "en"]) == 0
    assert used == [1, 2]  # one run needs one process, not one per core


def test_a_long_batch_says_how_long_before_it_starts(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(api, "stored_batch", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    assert main(["run", "--residents", "100000", "--seeds", "20", "--jobs", "2", "--lang", "en"]) == 130
    err = capsys.readouterr().err
    assert "vitality: note: 20 runs: estimated about " in err and " minutes and " in err
