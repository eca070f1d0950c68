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
refused in one line. Finished results are published with :func:`model.experiments.publish.publish_folder`
(a temporary folder renamed when complete; an existing folder is never overwritten).
``vitality run``, ``compare`` and ``sweep`` all go through this module.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
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


class Stopped(KeyboardInterrupt):
    """A signal asked the process to stop (SIGTERM, SIGHUP): handled like Ctrl-C, finished runs are kept."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop_on_signals(signums: Sequence[int] = (signal.SIGTERM, signal.SIGHUP)) -> Callable[[], None]:
    """Turn these signals into :class:`Stopped` in the main thread, so they stop a batch as Ctrl-C does.

    Returns:
        A function that puts the previous handlers back.

    """
    def stop(signum: int, _frame: object) -> None:
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in signums}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


@dataclass(frozen=True)
class Task:
    """One run of a batch.

    Attributes:
        key: Unique name within the batch, used as a folder name (letters, digits, ``-``, ``_``, ``.``).
        fn: Module-level function (picklable by reference) returning the run's tables by name.
        args: Its arguments.
        spec: Plain data that determines the result (hashed to recognise the batch on resume).
        group: Runs with the same (non-empty) group start from the same settled city
            (:func:`model.experiments.settled.settled_group`): local workers take them close together.

    """

    key: str
    fn: Callable[..., dict[str, pd.DataFrame]]
    args: tuple
    spec: Any
    group: str = ""


def in_group_order(tasks: Sequence[Task], jobs: int) -> list[Task]:
    """The tasks with each group's runs close together, ``jobs`` groups at a time taken in turn.

    The first run of a group settles its city and keeps it (:mod:`model.experiments.settled`); the next
    ones load it. Taking ``jobs`` groups in turn lets each worker start a different group while the
    others' first runs are still settling theirs. Tasks without a group keep their place among the groups.
    """
    groups: dict[str, list[Task]] = {}
    for i, task in enumerate(tasks):
        groups.setdefault(task.group or f"\0{i}", []).append(task)
    ordered, members = [], list(groups.values())
    for first in range(0, len(members), jobs):
        turn = members[first:first + jobs]
        for k in range(max(len(g) for g in turn)):
            ordered += [g[k] for g in turn if k < len(g)]
    return ordered


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
        self.damaged: list[str] = []
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
            self._check(self._stored())
        else:
            _write_atomic(self.folder / "batch.json", json.dumps(
                self.batch | {"command": self.command, "created": datetime.now().isoformat(timespec="seconds")},
                indent=2))
        for tmp in (self.folder / "runs").glob(".tmp-*"):  # left by a process killed while writing
            shutil.rmtree(tmp, ignore_errors=True)
        self.damaged = sorted(run.name for run in (self.folder / "runs").iterdir() if not _intact(run))
        for name in self.damaged:  # e.g. a disk that filled up or a file changed by hand: done again
            shutil.rmtree(self.folder / "runs" / name, ignore_errors=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    def _stored(self) -> dict[str, Any]:
        """What ``batch.json`` says the work folder holds."""
        try:
            stored = json.loads((self.folder / "batch.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = None
        if not isinstance(stored, dict):
            raise StoreError(msg("store.unreadable", folder=self.folder))
        return stored

    def holds_this_batch(self) -> bool:
        """Whether the work folder exists and holds this batch, made by this version of the model's code."""
        try:
            stored = self._stored()
        except StoreError:
            return False
        return stored.get("hash") == self.batch["hash"] and stored.get("code") == self.batch["code"]

    def _check(self, stored: dict[str, Any]) -> None:
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
        """The tables of a finished run, by name.

        Raises:
            StoreError: A table cannot be read (damaged since it was stored); the message says how to redo it.

        """
        run = self.folder / "runs" / key
        try:
            return {p.stem: pd.read_parquet(p) for p in sorted(run.glob("*.parquet"))}
        except (OSError, ValueError) as exc:
            raise StoreError(msg("store.run_damaged", run=run, problem=str(exc).splitlines()[0])) from None

    def seconds(self, key: str) -> float:
        """Time the finished run took on its worker, in seconds."""
        return json.loads((self.folder / "runs" / key / "run.json").read_text(encoding="utf-8"))["seconds"]


def _intact(run: Path) -> bool:
    """Whether a stored run's files can be read: its ``run.json`` and the footer of each table."""
    import pyarrow.parquet as pq

    try:
        json.loads((run / "run.json").read_text(encoding="utf-8"))["seconds"]
        for table in run.glob("*.parquet"):
            pq.read_metadata(table)
    except (OSError, ValueError, KeyError, TypeError):  # pyarrow's ArrowInvalid is a ValueError
        return False
    return True


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def work_folder(out: Path) -> Path:
    """The work folder of the batch whose results go to ``out``: ``<out>.work`` beside it."""
    return out.with_name(out.name + ".work")


def unfinished_out(tasks: Sequence[Task], candidates: Iterable[Path]) -> Path | None:
    """The results folder, among ``candidates``, of an unfinished batch of these same runs (the last in order).

    This is how a command without ``--out`` finds its own interrupted work: the candidates are
    the folders its earlier calls may have chosen; one counts when its work folder holds the same
    runs (scenarios, parameters, seeds) made by the same model code, and no results were published.
    """
    found = [out for out in candidates
             if not out.exists() and RunStore(work_folder(out), tasks).holds_this_batch()]
    return found[-1] if found else None


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
    """Prepare a local worker process: leave Ctrl-C and a closed terminal to the parent; end when it is gone."""
    # Ctrl-C and a closed terminal (SIGHUP) reach the whole process group; the parent decides what happens
    # (it kills the workers).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
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
        futures = {pool.submit(attempt, t.fn, t.args): t for t in in_group_order(tasks, self.jobs)}
        try:
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except BrokenProcessPool as exc:
                    raise WorkerCrashedError(msg("store.worker_died", problem=str(exc).splitlines()[0])) from None
                yield futures[future], outcome
        finally:
            pool.shutdown(wait=True, kill_workers=True)


#: Protocols of a Dask scheduler that another process can reach (all of them HOST:PORT).
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss")


@dataclass
class DaskCluster:
    """Runs the tasks on an existing Dask distributed cluster (``address`` of its scheduler).

    The workers need this package installed. Dask moves the runs of a worker that dies to
    other workers; a run that kills workers repeatedly is recorded as failed.
    """

    address: str
    timeout: float = 20.0
    _token: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def __post_init__(self) -> None:
        """Check the address and that something listens there, before any work starts.

        Raises:
            StoreError: The address is malformed or nothing answers there (one line, with the fix).

        """
        from distributed.comm.addressing import parse_address, parse_host_port

        try:
            scheme, location = parse_address(self.address)
            if scheme not in SCHEDULER_PROTOCOLS:
                raise ValueError(msg("store.bad_protocol", scheme=scheme, choices=", ".join(SCHEDULER_PROTOCOLS)))
            host, port = parse_host_port(location)
            if not host or not 0 < port < 2**16:
                raise ValueError(msg("store.bad_host_port"))
        except ValueError as exc:
            # the problem is ours (a message, said in the user's language) or distributed's (English)
            raise StoreError(msg("store.bad_address", address=self.address, problem=exc.args[0])) from None
        try:  # a quick look first: a Client that fails to connect takes long to give up
            socket.create_connection((host, port), timeout=min(self.timeout, 5.0)).close()
        except OSError as exc:
            raise StoreError(msg("store.nothing_answers", address=self.address,
                                 problem=exc.strerror or str(exc))) from None

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
        if store.damaged:
            bar.write(say(msg("store.damaged", n=len(store.damaged), first=store.damaged[0])), file=sys.stderr)
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


# ---------------------------------------------------------------------- batches for the API
class BatchStoppedError(Exception):
    """A batch that stopped before its results were published; one line and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@contextmanager
def temporary_batch(tasks: Sequence[Task], jobs: int | None = None,
                    scheduler: str | None = None) -> Iterator[tuple[RunStore, BatchReport]]:
    """Run a batch in a temporary work folder (removed afterwards); give the finished store and the report.

    For results kept in memory: nothing is published and nothing resumes.

    Raises:
        RuntimeError: A run failed (the message holds its traceback).

    """
    with tempfile.TemporaryDirectory(prefix="vitality-") as work, RunStore(Path(work), tasks) as store:
        report = run_batch(store, make_executor(jobs or default_jobs(), scheduler))
        if report.failed:
            key, failure = next(iter(store.failures().items()))
            raise RuntimeError(f"{len(report.failed)} of {len(tasks)} runs failed; the first, {key}, with:\n"
                               f"{failure['traceback']}")
        yield store, report


@contextmanager
def stored_batch(tasks: Sequence[Task], out: Path, command: Sequence[str], jobs: int | None = None,
                 scheduler: str | None = None) -> Iterator[tuple[RunStore, BatchReport]]:
    """Run a batch in the work folder of ``out`` (resuming it), then let the caller publish ``out``.

    The ``with`` body gets the entered store, with every run finished, and the batch report;
    once it has published the results, the work folder is removed.

    Args:
        tasks: The runs.
        out: The results folder to be written; it must not exist.
        command: The command that makes the batch (recorded in the work folder); run again, it resumes the batch.
        jobs: Local worker processes (default: one per CPU core; 1 runs in this process).
        scheduler: Address of a Dask distributed scheduler to run on instead.

    Raises:
        StoreError: ``out`` exists already, or the work folder holds another batch.
        BatchStoppedError: Runs failed, the batch was interrupted or a worker died; finished runs are kept.

    """
    if out.exists():
        raise StoreError(msg("store.results_exist", out=out))
    store = RunStore(work_folder(out), tasks, list(command))
    again = shlex.join(command)
    executor = make_executor(jobs or default_jobs(), scheduler)  # checks a scheduler before the work folder exists
    try:
        with store:
            report = run_batch(store, executor)
            if report.failed:
                key, error = next(iter(report.failed.items()))
                raise BatchStoppedError(msg("batch.failed", failed=len(report.failed), n=len(tasks), key=key,
                                            error=error, folder=store.folder, again=again), 1)
            yield store, report
    except (KeyboardInterrupt, WorkerCrashedError) as exc:
        why, code = ((msg("batch.signal", signal=str(exc)), 128 + exc.signum) if isinstance(exc, Stopped)
                     else (msg("batch.interrupted"), 130) if isinstance(exc, KeyboardInterrupt) else (exc.args[0], 1))
        kept = len(store.finished()) if store.folder.exists() else 0
        raise BatchStoppedError(msg("batch.stopped", why=why, kept=kept, folder=store.folder, again=again),
                                code) from None
    store.remove()
