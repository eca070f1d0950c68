"""Publishing results atomically: a folder or a file appears whole or not at all, and is never silently overwritten.

Files are written to a temporary name beside their target and renamed into place (``os.replace`` is atomic on
one file system); permissions follow the user's umask, as a plain write would give.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from model.experiments.store import StoreError
from model.messages import msg


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
    tmp = _staged(path, data)
    try:
        os.link(tmp, path)
    finally:
        os.unlink(tmp)


def replace_file(path: Path, data: bytes) -> None:
    """Write a generated file atomically over its previous version (readers see the old file or the new one).

    The file is written in full under a temporary name, then renamed over ``path``.
    """
    tmp = _staged(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _staged(path: Path, data: bytes) -> str:
    """Write ``data`` in full to a temporary file beside ``path``, readable as results are; return its name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _shared_mode(0o666))
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _shared_mode(mode: int) -> int:
    """``mode`` as the umask allows it: mkstemp and mkdtemp make files private, results are for sharing."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask
