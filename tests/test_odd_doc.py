"""docs/ODD.md describes the model that runs: submodels in step order, every parameter, every output."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from model.core.community import CommunityModel
from model.core.parameters import Archetype, Parameters, SteeringProfile
from model.experiments.calibration import TARGETS

ROOT = Path(__file__).resolve().parents[1]
ODD_PATH = ROOT / "docs" / "ODD.md"


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD_PATH.read_text(encoding="utf-8")


def step_submodels() -> list[str]:
    """Names of the ``submodels.<name>(...)`` calls of one week (``CommunityModel._simulate_week``), in order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(CommunityModel._simulate_week)))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
             and node.func.value.id == "submodels"]
    calls.sort(key=lambda c: (c.lineno, c.col_offset))
    return [c.func.attr for c in calls]


def section(text: str, number: int) -> str:
    """The text of top-level section ``## <number> ...`` up to the next ``## `` heading."""
    match = re.search(rf"^## {number} .*?(?=^## )", text, flags=re.M | re.S)
    assert match, f"section {number} not found in ODD.md"
    return match.group(0)


def process_list(text: str) -> list[str]:
    """Submodel names of the numbered list in section 3 (``N. **`name`** ...``)."""
    return re.findall(r"^\d+\.\s+\*\*`(\w+)`\*\*", section(text, 3), flags=re.M)


def submodel_headings(text: str) -> list[str]:
    """Names in the ``### 7.N name`` headings of section 7, in order."""
    found = re.findall(r"^### 7\.(\d+)\s+`?(\w+)`?\s*$", section(text, 7), flags=re.M)
    assert [int(n) for n, _ in found] == list(range(1, len(found) + 1)), "section 7 headings are not numbered 1..N"
    return [name for _, name in found]


def test_step_calls_submodels() -> None:
    names = step_submodels()
    assert len(names) >= 10, names
    assert names[0] == "steer" and names[-1] == "collect"


def test_every_submodel_of_step_is_a_heading_in_step_order(odd: str) -> None:
    names = step_submodels()
    headings = submodel_headings(odd)
    missing = [n for n in names if n not in headings]
    assert not missing, f"submodels called in CommunityModel.step without a '### 7.N <name>' heading: {missing}"
    assert [h for h in headings if h in names] == names, "section 7 headings are not in the order of the step"


def test_process_overview_matches_step_and_section_7(odd: str) -> None:
    names = step_submodels()
    listed = process_list(odd)
    assert [n for n in listed if n in names] == names, (
        f"section 3 list {listed} does not give the submodels of CommunityModel.step in order: {names}")
    assert listed == submodel_headings(odd), "section 3 list and section 7 headings differ"


def test_process_overview_matches_class_docstring(odd: str) -> None:
    documented = re.findall(r"^\s*\d+\.\s+``(\w+)``", CommunityModel.__doc__ or "", flags=re.M)
    assert documented, "no numbered step list in the CommunityModel docstring"
    assert process_list(odd) == documented


def test_every_parameter_is_in_the_doc(odd: str) -> None:
    names = [f.name for cls in (Parameters, Archetype, SteeringProfile) for f in dataclasses.fields(cls)]
    defaults = Parameters()
    names += list(defaults.archetypes) + list(defaults.steering)
    missing = [n for n in names if f"`{n}`" not in odd]
    assert not missing, f"parameters missing from docs/ODD.md (run docs/gen_parameter_table.py): {missing}"


def test_every_output_is_in_the_doc(odd: str) -> None:
    m = CommunityModel(Parameters(n_residents=120, years=0.1), seed=0)
    m.run_weeks(1)
    columns = set(m.city_frame().columns) | set(m.neighbourhood_frame().columns)
    missing = sorted(c for c in columns if f"`{c}`" not in odd)
    assert not missing, f"outputs missing from docs/ODD.md section 8: {missing}"


def test_calibration_targets_are_in_section_6(odd: str) -> None:
    rows = {cells[0]: cells for line in section(odd, 6).splitlines() if line.startswith("| ")
            for cells in [[c.strip() for c in line.strip().strip("|").split("|")]]}
    for t in TARGETS:
        assert t.name in rows, f"calibration target {t.name!r} is not a row of the table in section 6"
        _, outputs, value, tolerance, _ = rows[t.name]
        assert [m for m in t.metrics if f"`{m}`" not in outputs] == [], f"{t.name}: outputs {t.metrics}"
        assert value.split()[0] == f"{t.value:g}" and tolerance == f"{t.tolerance:g}", f"{t.name}: value or tolerance"


def test_parameter_table_is_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "gen_parameter_table.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
