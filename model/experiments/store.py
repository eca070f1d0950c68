"""Batches of runs that survive interruption: every run is stored the moment it finishes.

A batch is a list of :class:`Task` objects: a run's key, the function that makes its
tables and that function's arguments, and a ``spec`` (plain data: everything that
determines the result). :func:`run_batch` runs the tasks that the :class:`RunStore`
does not hold yet, on an executor - in this process (:class:`Serial`), in local worker
processes (:class:`LocalProcesses`) or on a Dask cluster (:class:`DaskCluster`) - and
stores each result as it arrives. The work folder of a batch::

    batch.json           hash of the tasks' keys and specs, fingerprint of the model's code, the command
    lock                 held (flock) by the process working on the batch
    runs/<key>/          one finished run: <table>.parquet and run.json (seconds, worker, time);
                         written as runs/.tmp-<key>-* and then renamed: there whole or not at all
    failed/<key>.json    a run that raised: its error and traceback (tried again on resume)

Running the same batch again resumes it: finished runs are loaded, not redone. A work
folder holding another batch, or runs of another version of the model's code, is
refused in one line. Finished results are published with :func:`publish_folder`
(a temporary folder renamed when complete; an existing folder is never overwritten).
``vitality run``, ``compare`` and ``sweep`` all go through this module.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from tqdm import tqdm

from model.experiments.provenance import code_digest
from model.messages import InputError, msg, say


class StoreError(InputError):
    """A work or results folder that cannot be used as asked; the message is one line."""


class WorkerCrashedError(RuntimeError):
    """A worker process died (e.g. out of memory); the batch stops and can be resumed."""


@dataclass(frozen=True)
class Task:
    """One run of a batch.

    Attributes:
        key: Unique name within the batch, used as a folder name (letters, digits, ``-``, ``_``, ``.``).
        fn: Module-level function (picklable by reference) returning the run's tables by name.
        args: Its arguments.
        spec: Plain data that determines the result (hashed to recognise the batch on resume).

    """

    key: str
    fn: Callable[..., dict[str, pd.DataFrame]]
    args: tuple
    spec: Any


@dataclass
class Outcome:
    """What a worker reports for one task: its tables, or the error it raised."""

    tables: dict[str, pd.DataFrame] | None = None
    error: str | None = None
    traceback: str | None = None
    seconds: float = 0.0
    worker: str = ""


def attempt(fn: Callable[..., dict[str, pd.DataFrame]], args: tuple) -> Outcome:
    """Run one task, turning an exception into a reported error (runs on the worker).

    Only :class:`Exception` is caught: an interrupt still stops the worker.
    """
    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        tables = fn(*args)
    except Exception as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}".splitlines()[0], traceback=traceback.format_exc(),
                       seconds=round(time.perf_counter() - start, 3), worker=worker)
    return Outcome(tables=tables, seconds=round(time.perf_counter() - start, 3), worker=worker)


def batch_hash(tasks: Sequence[Task]) -> str:
    """Hash of the tasks' keys and specs (their order does not matter)."""
    digest = hashlib.sha256()
    for key, spec in sorted((t.key, json.dumps(t.spec, sort_keys=True, default=str)) for t in tasks):
        digest.update(key.encode() + b"\0" + spec.encode() + b"\0")
    return digest.hexdigest()


class RunStore:
    """The work folder of one batch: finished runs, failures and what the batch is.

    Open it with ``with RunStore(folder, tasks, command) as store:``; opening creates the
    folder or checks that it holds the same batch, and locks it against a second process.
    """

    def __init__(self, folder: Path, tasks: Sequence[Task], command: Sequence[str] = ()) -> None:
        """Describe the store; nothing is touched on disk until it is entered.

        Args:
            folder: The work folder.
            tasks: All tasks of the batch (finished or not).
            command: The command line that made the batch (shown to whoever resumes it).

        Raises:
            StoreError: Two tasks have the same key.

        """
        self.folder = Path(folder)
        self.tasks = list(tasks)
        keys = [t.key for t in self.tasks]
        if len(set(keys)) != len(keys):
            raise StoreError(msg("store.same_key", folder=self.folder))
        self.command = list(command)
        self.batch = {"hash": batch_hash(self.tasks), "code": code_digest(), "runs": len(keys)}
        self._lock: Any = None

    # ------------------------------------------------------------------ opening and closing
    def __enter__(self) -> RunStore:
        existed = (self.folder / "batch.json").exists()
        for sub in ("runs", "failed"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        self._lock = open(self.folder / "lock", "w")  # held (with its flock) until __exit__
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StoreError(msg("store.in_use", folder=self.folder)) from None
        if existed:
            self._check()
        else:
            _write_atomic(self.folder / "batch.json", json.dumps(
                self.batch | {"command": self.command, "created": datetime.now().isoformat(timespec="seconds")},
                indent=2))
        for tmp in (self.folder / "runs").glob(".tmp-*"):  # left by a process killed while writing
            shutil.rmtree(tmp, ignore_errors=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    def _check(self) -> None:
        try:
            stored = json.loads((self.folder / "batch.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise StoreError(msg("store.unreadable", folder=self.folder)) from None
        if stored.get("hash") != self.batch["hash"]:
            made_by = " ".join(stored.get("command", [])) or "?"
            raise StoreError(msg("store.other_batch", folder=self.folder, made_by=made_by))
        if stored.get("code") != self.batch["code"]:
            raise StoreError(msg("store.other_code", folder=self.folder))

    def remove(self) -> None:
        """Delete the work folder (after its results were published)."""
        self.__exit__()
        shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------------ runs
    def finished(self) -> set[str]:
        """Keys of the batch's finished runs."""
        wanted = {t.key for t in self.tasks}
        return {p.name for p in (self.folder / "runs").iterdir() if p.name in wanted}

    def failures(self) -> dict[str, dict[str, Any]]:
        """Recorded failures by key: ``error`` (one line), ``traceback``, ``worker``, ``time``."""
        return {p.stem: json.loads(p.read_text(encoding="utf-8"))
                for p in sorted((self.folder / "failed").glob("*.json"))}

    def save(self, key: str, outcome: Outcome) -> None:
        """Store a finished run atomically, or record its failure."""
        record = {"seconds": outcome.seconds, "worker": outcome.worker,
                  "time": datetime.now().isoformat(timespec="seconds")}
        failed = self.folder / "failed" / f"{key}.json"
        if outcome.tables is None:
            _write_atomic(failed, json.dumps(record | {"error": outcome.error, "traceback": outcome.traceback},
                                             indent=2))
            return
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=self.folder / "runs"))
        try:
            for name, table in outcome.tables.items():
                table.to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / "run.json").write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, self.folder / "runs" / key)
        except BaseException:  # an interrupt while writing; a killed process leaves it to the next __enter__
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        failed.unlink(missing_ok=True)

    def load(self, key: str) -> dict[str, pd.DataFrame]:
        """The tables of a finished run, by name."""
        return {p.stem: pd.read_parquet(p) for p in sorted((self.folder / "runs" / key).glob("*.parquet"))}

    def seconds(self, key: str) -> float:
        """Time the finished run took on its worker, in seconds."""
        return json.loads((self.folder / "runs" / key / "run.json").read_text(encoding="utf-8"))["seconds"]


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------------- executors
class Executor(Protocol):
    """Runs tasks and yields each with its outcome as soon as it is done (in any order)."""

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[Task, Outcome]]:
        """Run the tasks; stopping the iteration cancels the ones not yet done."""
        ...  # pragma: no cover - protocol


class Serial:
    """Runs the tasks one by one in this process."""

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[Task, Outcome]]:
        """Run the tasks in order."""
        for task in tasks:
            yield task, attempt(task.fn, task.args)


def _init_worker() -> None:
    """Prepare a local worker process: leave Ctrl-C to the parent, and end when the parent is gone."""
    # Ctrl-C reaches the whole process group; the parent decides what happens (it kills the workers).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed with SIGKILL cannot stop its workers, and idle ones would wait for work for ever.
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@dataclass
class LocalProcesses:
    """Runs the tasks in local worker processes (loky, a robust ``ProcessPoolExecutor``).

    A worker that dies (out of memory, killed) stops the batch with :class:`WorkerCrashedError`;
    finished runs are kept and the batch resumes when run again.
    """

    jobs: int

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[Task, Outcome]]:
        """Run the tasks on ``jobs`` worker processes."""
        from concurrent.futures import as_completed

        from loky import BrokenProcessPool, ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_init_worker)
        futures = {pool.submit(attempt, t.fn, t.args): t for t in tasks}
        try:
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except BrokenProcessPool as exc:
                    raise WorkerCrashedError(msg("store.worker_died", problem=str(exc).splitlines()[0])) from None
                yield futures[future], outcome
        finally:
            pool.shutdown(wait=True, kill_workers=True)


@dataclass
class DaskCluster:
    """Runs the tasks on an existing Dask distributed cluster (``address`` of its scheduler).

    The workers need this package installed. Dask moves the runs of a worker that dies to
    other workers; a run that kills workers repeatedly is recorded as failed.
    """

    address: str
    timeout: float = 20.0
    _token: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[Task, Outcome]]:
        """Submit every task to the cluster and yield them as they complete."""
        from distributed import Client, as_completed
        from distributed.scheduler import KilledWorker

        try:
            client = Client(self.address, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise StoreError(msg("store.no_scheduler", address=self.address,
                                 problem=str(exc).splitlines()[0])) from None
        by_key = {f"vitality-{self._token}-{t.key}": t for t in tasks}
        futures = [client.submit(attempt, t.fn, t.args, key=key, pure=False) for key, t in by_key.items()]
        try:
            for future in as_completed(futures, loop=client.loop):
                try:
                    outcome = future.result()
                except KilledWorker as exc:
                    outcome = Outcome(error=f"KilledWorker: {str(exc).splitlines()[0]}")
                yield by_key[future.key], outcome
                future.release()
        finally:
            client.cancel(futures)
            client.close()


# ---------------------------------------------------------------------- running a batch
@dataclass
class BatchReport:
    """What :func:`run_batch` did: runs done now, runs found finished, failures by key."""

    done: int
    resumed: int
    failed: dict[str, str]
    seconds: float


def run_batch(store: RunStore, executor: Executor) -> BatchReport:
    """Run the store's unfinished tasks, storing each as it finishes, with a progress bar.

    Args:
        store: An entered :class:`RunStore`; its finished runs are skipped.
        executor: Where the runs execute.

    Returns:
        Counts of runs done now and found finished, and the failures (key -> one-line error).

    Raises:
        WorkerCrashedError: A local worker process died; the stored runs are kept.

    """
    start = time.perf_counter()
    finished = store.finished()
    todo = [t for t in store.tasks if t.key not in finished]
    failed: dict[str, str] = {}
    with tqdm(total=len(store.tasks), initial=len(finished), desc=say(msg("store.progress")), unit="run",
              file=sys.stderr, dynamic_ncols=True) as bar:
        if finished:
            bar.write(say(msg("store.resuming", finished=len(finished), n=len(store.tasks), folder=store.folder)),
                      file=sys.stderr)
        with closing(executor.run(todo)) as outcomes:  # closing cancels what is not done if saving fails
            for task, outcome in outcomes:
                store.save(task.key, outcome)
                if outcome.error is not None:
                    failed[task.key] = outcome.error
                    bar.set_postfix(failed=len(failed))
                bar.update()
    return BatchReport(done=len(todo) - len(failed), resumed=len(finished), failed=failed,
                       seconds=round(time.perf_counter() - start, 2))


def make_executor(jobs: int = 1, scheduler: str | None = None) -> Executor:
    """The executor for ``--jobs`` and ``--scheduler``: Dask if a scheduler is given, else local."""
    if scheduler:
        return DaskCluster(scheduler)
    return Serial() if jobs == 1 else LocalProcesses(jobs)


def default_jobs() -> int:
    """Number of CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# ---------------------------------------------------------------------- publishing results
def publish_folder(out: Path, fill: Callable[[Path], None]) -> Path:
    """Write a results folder atomically: ``fill`` writes into a temporary folder that is renamed when complete.

    Args:
        out: The results folder; it must not exist.
        fill: Writes the files into the folder it is given.

    Returns:
        ``out``.

    Raises:
        StoreError: ``out`` exists already (results are never overwritten).

    """
    if out.exists():
        raise StoreError(msg("store.results_exist", out=out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        tmp.chmod(_shared_mode(0o777))
        fill(tmp)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def publish_file(path: Path, data: bytes) -> None:
    """Write a file atomically, never over an existing one: in full under a temporary name, then linked.

    Raises:
        FileExistsError: ``path`` exists already.

    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _shared_mode(0o666))
        os.link(tmp, path)
    finally:
        os.unlink(tmp)


def _shared_mode(mode: int) -> int:
    """``mode`` as the umask allows it: mkstemp and mkdtemp make files private, results are for sharing."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask
