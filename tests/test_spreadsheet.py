"""What a Dutch advisor gets by default: Dutch tables with percentages, a workbook, CSV that Dutch Excel opens."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from model.api import OUTPUTS
from model.cli import main
from model.experiments.comparison import clear_effects
from model.experiments.spreadsheet import read_csv, write_csv
from model.messages import render

ARGV = ["compare", "facilitating", "enforcing", "--residents", "200", "--years", "0.3", "--seeds", "4", "--jobs", "1"]
SHARE = "admin_share"  # enforcing's administration share is a clear effect even on a tiny city (DOMAIN.md)


@pytest.fixture(scope="module")
def dutch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A comparison with no language given (Dutch): its results folder and what it printed."""
    out = tmp_path_factory.mktemp("nl") / "cmp"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main([*ARGV, "--out", str(out)]) == 0
    return out, printed.getvalue()


def test_the_command_line_speaks_dutch_with_percentages_by_default(dutch: tuple[Path, str]) -> None:
    _, printed = dutch
    assert printed.startswith("Vergelijking met dezelfde seeds: 200 inwoners, 0,3 jaar, 4 seeds (0-3)")
    label = OUTPUTS[SHARE].label["nl"]
    row = next(line for line in printed.splitlines() if line.startswith(label))
    assert re.search(r"\d+,\d% \(\d+,\d% tot \d+,\d%\)", row)  # a share: a percentage with a decimal comma
    assert "facilitating" not in printed and "enforcing" not in printed  # names, not codes
    effects = printed[printed.index("Duidelijke verschillen van Dwingend met Faciliterend"):].splitlines()[1:]
    assert effects[0].startswith(f"  - {label} hoger (slechter): ")  # the largest effect leads
    assert "%-punt" in effects[0]
    assert "resultaten.xlsx" in printed


def test_csv_files_open_in_dutch_excel_and_hold_the_parquet_numbers(dutch: tuple[Path, str]) -> None:
    out, _ = dutch
    raw = (out / "city.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark: Excel reads the accents right
    header, first = raw.decode("utf-8-sig").splitlines()[:2]
    assert ";" in header and "," not in header and re.search(r";\d+,\d+;", first)  # ";" between, decimal comma
    city, parquet = read_csv(out / "city.csv", "excel-nl"), pd.read_parquet(out / "city.parquet")
    assert list(city.columns) == list(parquet.columns)
    numbers = parquet.select_dtypes("number").columns
    np.testing.assert_allclose(city[numbers].to_numpy(float), parquet[numbers].to_numpy(float), rtol=1e-12)
    summary = pd.read_csv(out / "summary.csv", sep=";", decimal=",", encoding="utf-8-sig")  # as the docs say
    assert set(summary["scenario"]) == {"facilitating", "enforcing"} and summary["mean"].dtype == float


def test_the_workbook_holds_summary_weeks_parameters_and_provenance_in_dutch(dutch: tuple[Path, str]) -> None:
    out, _ = dutch
    assert not (out / "results.xlsx").exists()
    book = openpyxl.load_workbook(out / "resultaten.xlsx")
    assert book.sheetnames == [render(f"sheet.{s}", "nl") for s in
                               ("summary", "city", "neighbourhoods", "parameters", "provenance")]
    summary = pd.read_csv(out / "summary.csv", sep=";", decimal=",", encoding="utf-8-sig")
    rows = list(book["Samenvatting"].iter_rows(min_row=5, values_only=True))
    cells = list(book["Samenvatting"].iter_rows(min_row=5))
    assert len(rows) == len(summary)
    clear = {(r.key, r.scenario) for r in clear_effects(summary).itertuples()}
    assert (SHARE, "enforcing") in clear
    titles = {"facilitating": "Faciliterend", "enforcing": "Dwingend"}
    for row, cell, r in zip(rows, cells, summary.itertuples(), strict=True):
        assert row[0] == OUTPUTS[r.key].label["nl"] and row[2] == titles[r.scenario]
        np.testing.assert_allclose(row[3:6], [r.mean, r.ci_low, r.ci_high], rtol=1e-12)  # numbers, not text
        share = OUTPUTS[r.key].unit.share
        assert (cell[3].number_format == "0.0%") == share
        if pd.isna(r.difference):
            assert row[6] == "(referentie)"
            continue
        points = 100 if share else 1  # differences of shares in percentage points
        np.testing.assert_allclose(row[6:9], np.array([r.difference, r.diff_ci_low, r.diff_ci_high]) * points,
                                   rtol=1e-12)
        assert row[10] == ("ja" if (r.key, r.scenario) in clear else "nee")
    city = pd.read_parquet(out / "city.parquet")
    weekly = list(book["Stad per week"].iter_rows(min_row=3, values_only=True))
    means = city.groupby(["scenario", "week"], sort=False)["community_strength"].mean()
    assert len(weekly) == len(means)
    column = [c.value for c in book["Stad per week"][2]].index(OUTPUTS["community_strength"].label["nl"])
    np.testing.assert_allclose([row[column] for row in weekly], means.to_numpy(), rtol=1e-12)
    assert {row[1] for row in book["Wijken per week"].iter_rows(min_row=3, values_only=True)} == {
        "jong stedelijk", "stedelijk kwetsbaar", "gezinswijk", "vergrijzend dorp"}
    parameters = {row[0]: row for row in book["Parameters"].iter_rows(min_row=3, values_only=True)}
    assert parameters["n_residents"][2:5] == (200, 200, "nee")
    provenance = {row[0]: row[1] for row in book["Herkomst"].iter_rows(min_row=3, values_only=True)}
    assert provenance["Opdracht"].startswith("vitality compare facilitating enforcing")


@pytest.mark.parametrize(("dialect", "line"), [("excel-nl", "a;b\r?\n0,25;x"), ("international", "a,b\r?\n0.25,x")])
def test_csv_dialects_round_trip(tmp_path: Path, dialect: str, line: str) -> None:
    frame = pd.DataFrame({"a": [0.25, 1234.5], "b": ["x", "ë"]})
    write_csv(frame, tmp_path / "t.csv", dialect)
    assert re.match(line, (tmp_path / "t.csv").read_text(encoding="utf-8-sig"))
    pd.testing.assert_frame_equal(read_csv(tmp_path / "t.csv", dialect), frame)
