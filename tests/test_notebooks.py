"""Every notebook runs top to bottom with small sizes (so an API change that breaks one fails CI)."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

#: The notebooks' size knobs (see each notebook's introduction), set small: a tiny city, half a year, two seeds,
#: the smallest designs, all in the kernel's own process.
SMALL = {
    "VITALITY_NB_RESIDENTS": "200",
    "VITALITY_NB_YEARS": "0.5",
    "VITALITY_NB_SEEDS": "2",
    "VITALITY_NB_JOBS": "1",
    "VITALITY_NB_SOBOL_SAMPLES": "2",
    "VITALITY_NB_DISCOVERY_SAMPLES": "8",
    "VITALITY_NB_REPLICATIONS": "1",
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SMALL.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def test_notebooks_are_stored_valid_and_without_outputs() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.nbformat == 4
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), f"{path.name}: strip outputs"
        assert os.path.getsize(path) < 100_000


def test_readme_documents_every_notebook() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in readme, f"README.md does not describe {path.name}"
