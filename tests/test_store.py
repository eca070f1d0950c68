"""The run store: runs stored as they finish, resumed not redone, failures recorded, executors agree."""

from __future__ import annotations

import operator
import os
from pathlib import Path

import pandas as pd
import pytest

import model.experiments.store as store_module
from model.api import scenario_tasks
from model.experiments.publish import publish_folder
from model.experiments.scenarios import load_scenario
from model.experiments.store import (
    LocalProcesses,
    RunStore,
    Serial,
    StoreError,
    Task,
    WorkerCrashedError,
    run_batch,
)


def table_task(key: str, value: float) -> Task:
    """A task whose function is picklable by reference anywhere: ``dict`` of one table."""
    return Task(key, dict, ([("t", pd.DataFrame({"value": [value]}))],), {"value": value})


def small_tasks() -> list[Task]:
    scenarios = [load_scenario(name).with_parameters({"n_residents": 200, "years": 0.2})
                 for name in ("baseline", "layered")]
    return scenario_tasks(scenarios, [0, 1])


def test_runs_are_stored_as_they_finish_and_not_redone(tmp_path: Path) -> None:
    tasks = [table_task(f"run-{i}", i) for i in range(4)]
    with RunStore(tmp_path / "w", tasks, ["vitality", "x"]) as store:
        report = run_batch(store, Serial())
        assert (report.done, report.resumed, report.failed) == (4, 0, {})
        assert store.finished() == {t.key for t in tasks}
        assert store.load("run-2")["t"]["value"].tolist() == [2]
    with RunStore(tmp_path / "w", tasks[::-1]) as store:  # same batch, any order
        report = run_batch(store, Serial())
        assert (report.done, report.resumed) == (0, 4)


def test_a_failing_run_is_recorded_and_the_others_go_on(tmp_path: Path) -> None:
    tasks = [table_task("a", 1), Task("b", operator.truediv, (1, 0), "b"), table_task("c", 3)]
    with RunStore(tmp_path / "w", tasks) as store:
        report = run_batch(store, LocalProcesses(2))
        assert report.failed == {"b": "ZeroDivisionError: division by zero"} and report.done == 2
        assert store.finished() == {"a", "c"}
        failure = store.failures()["b"]
        assert "Traceback" in failure["traceback"] and failure["worker"]
    fixed = [*tasks[:1], table_task("b", 2), tasks[2]]
    with pytest.raises(StoreError, match="holds the runs of another batch"):
        RunStore(tmp_path / "w", fixed).__enter__()
    cured = Task("b", dict, ([("t", pd.DataFrame({"value": [0.5]}))],), "b")  # same key and spec, cause gone
    with RunStore(tmp_path / "w", [tasks[0], cured, tasks[2]]) as store:
        report = run_batch(store, Serial())  # only the failed run is done again
        assert (report.done, report.resumed, report.failed) == (1, 2, {})
        assert store.failures() == {}


def test_local_processes_give_the_same_results_as_this_process(tmp_path: Path) -> None:
    tasks = small_tasks()
    results = {}
    for name, executor in (("serial", Serial()), ("local", LocalProcesses(2))):
        with RunStore(tmp_path / name, tasks) as store:
            run_batch(store, executor)
            results[name] = {t.key: store.load(t.key) for t in tasks}
    for key, tables in results["serial"].items():
        assert set(tables) == {"city", "neighbourhoods"}
        for name, table in tables.items():
            pd.testing.assert_frame_equal(results["local"][key][name], table)


def test_a_crashed_worker_stops_the_batch_and_keeps_finished_runs(tmp_path: Path) -> None:
    tasks = [table_task("a", 1), Task("crash", os._exit, (3,), "crash")]
    with RunStore(tmp_path / "w", tasks) as store:
        with pytest.raises(WorkerCrashedError, match="a worker process died"):
            run_batch(store, LocalProcesses(1))
        assert store.finished() == {"a"} and store.failures() == {}  # the crash is not blamed on a run


def test_a_second_process_cannot_use_the_same_work_folder(tmp_path: Path) -> None:
    tasks = [table_task("a", 1)]
    with RunStore(tmp_path / "w", tasks), pytest.raises(StoreError, match="in use by another vitality process"):
        RunStore(tmp_path / "w", tasks).__enter__()


def test_runs_of_other_code_are_never_mixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = [table_task("a", 1)]
    with RunStore(tmp_path / "w", tasks) as store:
        run_batch(store, Serial())
    monkeypatch.setattr(store_module, "code_digest", lambda: "changed")
    with pytest.raises(StoreError, match="another version of the model's code"):
        RunStore(tmp_path / "w", tasks).__enter__()


def test_half_written_runs_are_not_finished_and_are_cleaned(tmp_path: Path) -> None:
    tasks = [table_task("a", 1), table_task("b", 2)]
    with RunStore(tmp_path / "w", tasks) as store:
        run_batch(store, Serial())
    half = tmp_path / "w" / "runs" / ".tmp-b-x1y2"  # as left by a process killed while writing "b"
    (tmp_path / "w" / "runs" / "b").rename(half)
    with RunStore(tmp_path / "w", tasks) as store:
        assert store.finished() == {"a"} and not half.exists()
        assert run_batch(store, Serial()).done == 1


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="two runs have the same key"):
        RunStore(tmp_path / "w", [table_task("a", 1), table_task("a", 2)])


def test_publish_folder_is_atomic_and_never_overwrites(tmp_path: Path) -> None:
    def fill(folder: Path) -> None:
        (folder / "one.txt").write_text("1")
        raise RuntimeError("stopped half way")

    with pytest.raises(RuntimeError):
        publish_folder(tmp_path / "out", fill)
    assert list(tmp_path.iterdir()) == []
    publish_folder(tmp_path / "out", lambda folder: (folder / "one.txt").write_text("1"))
    assert (tmp_path / "out" / "one.txt").read_text() == "1"
    with pytest.raises(StoreError, match="exists already"):
        publish_folder(tmp_path / "out", lambda folder: None)
