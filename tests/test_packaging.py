"""The built wheel carries what the model needs, and installed outside the repository it runs the same model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from model import Parameters
from model.cli import main

ROOT = Path(__file__).resolve().parents[1]
RUN = ["run", "--residents", "200", "--years", "0.2", "--seeds", "1", "--jobs", "1", "--out", "res"]


def build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the sources (a build writes build/ and egg-info beside them)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ["pyproject.toml", "setup.py", "README.md", "model", "agents",
                 *config["tool"]["community-vitality"]["shipped"]]:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    return next((tmp_path / "dist").glob("community_vitality-*.whl"))


@pytest.mark.slow
def test_the_wheel_installed_outside_the_repository_runs_the_same_baseline(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    # The dependencies come from this environment as a plain path: its editable install of the package
    # (a .pth that is only read for site directories) stays out, so `model` is the wheel's.
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

    def installed(*argv: str | Path) -> str:
        done = subprocess.run(argv, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = json.loads(installed(python, "-c", "import json, model; from model import Parameters; "
                                 "from model.experiments.scenarios import SCENARIO_DIR; "
                                 "from model.reporting.odd import ODD_PATH; print(json.dumps({'model': model.__file__, "
                                 "'scenarios': str(SCENARIO_DIR), 'odd': ODD_PATH.read_text(encoding='utf-8'), "
                                 "'defaults': Parameters().to_dict()}))"))
    assert Path(where["model"]).is_relative_to(site) and Path(where["scenarios"]).is_relative_to(site)
    assert where["odd"] == (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert where["defaults"] == json.loads(json.dumps(Parameters().to_dict()))  # the calibrated values, not others
    assert installed(venv / "bin" / "vitality", "list").split() == \
        subprocess.run([sys.executable, "-m", "model.cli", "list"], capture_output=True, text=True).stdout.split()

    installed(venv / "bin" / "vitality", *RUN)
    installed(venv / "bin" / "vitality", "report", "res", "--lang", "en")
    html = (elsewhere / "res" / "report-en.html").read_text(encoding="utf-8")
    assert "What the model leaves out" in html and "is not in this installation" not in html

    monkeypatch.chdir(tmp_path)  # the repository's own run of the same command
    assert main(RUN) == 0
    for table in ("city", "neighbourhoods"):
        pd.testing.assert_frame_equal(pd.read_parquet(elsewhere / "res" / f"{table}.parquet"),
                                      pd.read_parquet(tmp_path / "res" / f"{table}.parquet"))
