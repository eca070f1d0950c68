"""The architecture holds: layers import only downwards, nothing imports in a cycle, no module grows too long.

The contracts are in ``pyproject.toml`` (``[tool.importlinter]``) and checked by import-linter over
the static import graph of ``model`` and ``agents`` (imports under ``TYPE_CHECKING`` excepted: they
never run).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600  # a module longer than this mixes concerns (issue 14); split it by concern


def test_import_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is not installed (it is a dev dependency: pip install -e '.[dev]')"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_no_python_module_is_too_long() -> None:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    assert files, "git lists no Python files"
    lengths = {name: len((ROOT / name).read_text(encoding="utf-8").splitlines()) for name in files
               if (ROOT / name).is_file()}
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}
