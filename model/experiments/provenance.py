"""Where a result comes from: package versions, the git state and digests of the source.

Used by the results manifests (``model.cli``), the run store (``model.experiments.store``: a batch resumes
only with the same code) and the validation report (``model.experiments.validation``: is it current?).
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "community-vitality"
#: Where an installed wheel carries the scenarios, designs and documents (pyproject.toml, setup.py).
SHIPPED_DIR = ROOT / "model" / "_shipped"


def shipped(relative: str) -> Path:
    """A shipped file or folder (``scenarios``, ``docs/ODD.md``, ...): the wheel's copy, else the repository's.

    In the repository they live where people edit them; an installed wheel has no repository
    around it and carries copies (``[tool.community-vitality] shipped`` in pyproject.toml).
    """
    packaged = SHIPPED_DIR / relative
    return packaged if packaged.exists() else ROOT / relative


#: The model's rules and defaults: the simulation core (every ``.py`` under it, the calibrated defaults included)
#: and the agents; not its shells (experiments, reporting, workshop, API, CLI).
MODEL_SOURCES = ("model/core", "agents")


def source_digest(paths: Iterable[Path]) -> str:
    """SHA-256 over the given files' paths (relative to the repository) and contents, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in paths if p.is_file()):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def model_files() -> list[Path]:
    """The files of :data:`MODEL_SOURCES`: the ``.py`` files under its folders and the calibrated defaults."""
    files = []
    for name in MODEL_SOURCES:
        path = ROOT / name
        files += sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts) if path.is_dir() else [path]
    return files


def model_digest() -> str:
    """Digest of the model's rules and calibrated defaults (:func:`model_files`).

    Two runs with the same digest ran the same model, whatever else changed in the repository.
    """
    return source_digest(model_files())


def code_digest() -> str:
    """Digest of all the package's source (``.py`` and ``.toml`` under ``model/`` and ``agents/``)."""
    return source_digest(p for folder in ("model", "agents") for p in ROOT.joinpath(folder).rglob("*")
                         if p.suffix in (".py", ".toml") and not {"__pycache__", "_shipped"} & set(p.parts))


def versions() -> dict[str, str | None]:
    """Python, this package and its installed dependencies, by distribution name."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    try:
        found[DISTRIBUTION] = metadata.version(DISTRIBUTION)
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return found | {DISTRIBUTION: None}
    for req in requirements:
        if "extra ==" not in req:
            name = re.match(r"[A-Za-z0-9._-]+", req).group()
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = None
    return found


def git_state() -> dict[str, Any] | None:
    """The commit of the source tree and whether it has uncommitted changes (``None`` outside git)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True,
                              timeout=20).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return None


def parameter_rows(scenarios: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Any], bool]]:
    """Every parameter of scenarios as a results manifest records them (``"parameters"``), side by side.

    Nested tables become dotted names (``steering.framing.control``), as the schema and scenario files name them.

    Returns:
        Per parameter, in the order of first appearance: its name, its value in each scenario (``None`` where a
        scenario lacks it) and whether the values differ.

    """
    def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
        flat: dict[str, Any] = {}
        for key, value in params.items():
            if isinstance(value, Mapping):
                flat |= flatten(value, f"{prefix}{key}.")
            else:
                flat[f"{prefix}{key}"] = value
        return flat

    flat = [flatten(sc["parameters"]) for sc in scenarios]
    names = list(dict.fromkeys(name for params in flat for name in params))
    rows = []
    for name in names:
        values = [params.get(name) for params in flat]
        rows.append((name, values, len({json.dumps(v, sort_keys=True) for v in values}) > 1))
    return rows
