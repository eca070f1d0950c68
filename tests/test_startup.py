"""A first run that explains itself: the quick commands import little, and compiling the kernels is said aloud.

How long these take is measured by ``benchmarks/startup.py`` (docs/performance.md), not asserted here.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from model.experiments import kernels
from model.messages import render

#: What a simulation needs and ``list``, ``show`` and ``--help`` do not: seconds of imports (numba alone ~1 s).
HEAVY = ["numba", "pandas", "mesa", "matplotlib", "scipy", "xlsxwriter", "jinja2", "networkx", "model.core.community"]


@pytest.mark.parametrize("argv", [["list"], ["show", "baseline"], ["--help"], ["run", "--help"],
                                  ["list", "--lang", "en"]])
def test_quick_commands_import_only_what_they_need(argv: list[str]) -> None:
    code = ("import contextlib, io, sys\n"
            "from model.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            f"        code = main({argv!r})\n"
            "    except SystemExit as exit:\n"
            "        code = exit.code\n"
            f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split(maxsplit=1) == ["0", "[]\n"]


def test_compiling_the_kernels_is_said_only_when_it_takes_long(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(kernels, "_loaded", [])
    kernels.compile_kernels(notice=lambda: said.append("slow"), after=0.0)  # every run takes longer than nothing
    assert said == ["slow"]
    kernels.compile_kernels(notice=lambda: said.append("again"), after=0.0)
    assert said == ["slow"]  # once per process: the kernels stay loaded
    monkeypatch.setattr(kernels, "_loaded", [])
    kernels.compile_kernels(notice=lambda: said.append("quick"), after=3600.0)
    assert said == ["slow"]  # loaded before the notice was due: nothing said


def test_setting_up_compiles_the_kernels_saying_so_in_dutch() -> None:
    done = subprocess.run([sys.executable, "-m", "model.experiments.kernels"], capture_output=True, text=True,
                          check=True, timeout=600)
    assert done.stderr.splitlines() == [render("kernels.compiling", "nl"), render("kernels.done", "nl")]
