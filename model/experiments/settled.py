"""Settled cities kept on disk, so that runs sharing a burn-in (and later starts of the same city) skip it.

Runs that differ only in what the burn-in does not read (their steering mode, their length, the other
modes' lever values; :func:`model.core.settling.burn_in_inputs`) start from the same settled city: the
four modes of a comparison on one seed, or the points of a sweep over a mode's levers. The first run
keeps its settled city in a folder; the others, in this process or another worker on this machine,
load it instead of building the city and running the burn-in again, and give the same bits.

A settled city is stored under a SHA-256 of its inputs, the model's digest (every source file of the
rules, :func:`model.experiments.provenance.model_digest`) and the versions of Python and the libraries
that draw the numbers, so a change of code or library never reuses an old one. The folder is
``$VITALITY_CACHE`` if set (``off`` turns keeping off), else ``vitality/settled`` in the user's cache
folder (``$XDG_CACHE_HOME``, else ``~/.cache``). When it grows past :data:`MAX_BYTES`, the settled
cities used least recently are removed. Deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from model.core.community import CommunityModel
from model.core.interventions import Intervention
from model.core.parameters import Parameters
from model.core.settling import burn_in_inputs
from model.experiments.provenance import model_digest

#: The folder's largest size before the least recently used settled cities go (a 100,000-resident city is
#: about 37 MB, a 2,000-resident one under 1 MB).
MAX_BYTES = 2 * 2**30
#: Values of ``$VITALITY_CACHE`` that turn keeping settled cities off.
OFF = ("off", "uit", "0", "no", "nee")
SUFFIX = ".settled"


@functools.cache
def _fingerprint() -> str:
    """The model's digest and the versions that decide the numbers (computed once per process)."""
    versions = {name: metadata.version(name) for name in ("numpy", "numba", "mesa")}
    return json.dumps({"model": model_digest(), "python": platform.python_version(), **versions}, sort_keys=True)


def settled_key(inputs: dict[str, Any]) -> str:
    """The name a settled city is kept under: SHA-256 of its inputs, the model's digest and the library versions."""
    text = json.dumps(inputs, sort_keys=True, default=str) + _fingerprint()
    return hashlib.sha256(text.encode()).hexdigest()


class SettledFolder:
    """Settled cities in a folder, shared by the processes of this machine (:class:`model.core.settling.SettledCities`).

    Writes are atomic (a temporary file renamed into place), so a reader sees a whole file or none; a
    file with another name's header counts as missing and is removed.
    """

    def __init__(self, folder: Path, max_bytes: int = MAX_BYTES) -> None:
        """Keep settled cities in ``folder`` (made when first needed), at most ``max_bytes`` of them."""
        self.folder = folder
        self.max_bytes = max_bytes

    def _path(self, inputs: dict[str, Any]) -> tuple[str, Path]:
        key = settled_key(inputs)
        return key, self.folder / f"{key}{SUFFIX}"

    def reader(self, inputs: dict[str, Any]) -> BinaryIO | None:
        """The settled city for these inputs as an open file at its state, or ``None`` (never kept, or removed)."""
        key, path = self._path(inputs)
        try:
            file = path.open("rb")
        except OSError:
            return None
        if file.readline() != key.encode() + b"\n":  # a damaged or foreign file
            file.close()
            path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept longest
        return file

    def keep(self, inputs: dict[str, Any], write: Callable[[BinaryIO], None]) -> None:
        """Keep a settled city (``write`` writes its state); a folder that cannot be written only keeps nothing."""
        key, path = self._path(inputs)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        except OSError:
            return
        kept = False
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(key.encode() + b"\n")
                write(file)
            os.replace(tmp, path)
            kept = True
        except OSError:  # e.g. a full disk: nothing is kept
            return
        finally:
            if not kept:  # leave no partial file behind
                Path(tmp).unlink(missing_ok=True)
        self._prune()

    def _prune(self) -> None:
        """Remove the least recently used settled cities while the folder is larger than ``max_bytes``."""
        files = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            try:
                stat = path.stat()
            except OSError:  # removed by another process meanwhile
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size


def default_folder() -> Path | None:
    """Where settled cities are kept: ``$VITALITY_CACHE``, else the user's cache folder; ``None`` when turned off."""
    chosen = os.environ.get("VITALITY_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in OFF or not chosen.strip() else Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = Path.home() / ".cache"
        except RuntimeError:  # no home folder to find: nowhere to keep them
            return None
    return Path(base) / "vitality" / "settled"


def default_settled() -> SettledFolder | None:
    """The settled cities of :func:`default_folder` (``None``: every run builds its own city)."""
    folder = default_folder()
    return None if folder is None else SettledFolder(folder)


def settled_group(params: Parameters, seed: int, interventions: Sequence[Intervention]) -> str:
    """A name shared by the runs that start from the same settled city (empty when the run shares none).

    Batches run such runs close together (:class:`model.experiments.store.Task`'s ``group``).
    """
    inputs = burn_in_inputs(CommunityModel, params, seed, list(interventions))
    return "" if inputs is None else settled_key(inputs)
