"""Every notebook runs top to bottom with small sizes (so an API change that breaks one fails CI)."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("VITALITY_NB_RESIDENTS", "300")
    monkeypatch.setenv("VITALITY_NB_YEARS", "0.5")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def test_notebooks_exist():
    assert NOTEBOOKS, "notebooks/ holds no notebook"
    assert all(os.path.getsize(p) < 200_000 for p in NOTEBOOKS), "store notebooks without large outputs"
