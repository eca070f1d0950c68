"""Runs from Python without a results folder (as the notebooks use them), and bands drawn on given axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import model.experiments.runner as runner
from model.api import run_scenarios, run_sweep
from model.cli import main
from model.experiments.analysis import analyse, load_results
from model.experiments.plots import draw_bands, key_output_figures
from model.experiments.scenarios import load_scenario
from model.experiments.statistics import ci95_half_width
from model.experiments.sweeps import load_design

SIZE = {"n_residents": 100, "years": 0.1}


def test_run_scenarios_pairs_seeds_and_equals_single_runs() -> None:
    scenarios = [load_scenario(name).with_parameters(SIZE) for name in ("facilitating", "enforcing")]
    results = run_scenarios(scenarios, seeds=[3, 4], jobs=2)
    assert list(results) == ["facilitating", "enforcing"]
    for sc in scenarios:
        expected = pd.concat([sc.run(seed).city for seed in (3, 4)], ignore_index=True)
        pd.testing.assert_frame_equal(results[sc.name].city, expected)
        assert sorted(results[sc.name].neighbourhoods["seed"].unique()) == [3, 4]


def test_run_scenarios_reports_a_failed_run_with_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    real = runner.run

    def fails_at_seed_1(params, seed, *rest):
        if seed == 1:
            raise FloatingPointError("overflow in motivation")
        return real(params, seed, *rest)

    monkeypatch.setattr(runner, "run", fails_at_seed_1)
    with pytest.raises(RuntimeError, match=r"1 of 2 runs failed; the first, baseline--seed-1, with:\n") as info:
        run_scenarios([load_scenario("baseline").with_parameters(SIZE)], seeds=[0, 1], jobs=1)
    assert "FloatingPointError: overflow in motivation" in str(info.value)


def test_run_sweep_gives_what_the_command_line_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    design = load_design("example_discovery").with_overrides(residents=100, samples=10, years=0.05)
    in_memory = run_sweep(design, jobs=1)
    assert main(["sweep", "example_discovery", "--residents", "100", "--samples", "10", "--years", "0.05",
                 "--jobs", "1", "--out", "s"]) == 0
    on_disk = load_results(Path("s"))
    pd.testing.assert_frame_equal(in_memory.runs, on_disk.runs)
    pd.testing.assert_frame_equal(in_memory.point_means(), on_disk.point_means())
    a, b = analyse(in_memory), analyse(on_disk)
    assert a.findings == b.findings
    for name in ("discovery", "boxes"):
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_dtype=False)


def test_draw_bands_draws_the_mean_and_its_95_percent_band_per_group() -> None:
    table = pd.DataFrame({"scenario": ["a"] * 6 + ["b"] * 6, "seed": [0, 0, 1, 1, 2, 2] * 2,
                          "year": [0.0, 1.0] * 6, "x": [1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 0, 0, 0, 0, 0, 0]})
    ax = Figure().add_subplot()
    draw_bands(ax, table, "x")
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [3.0, 5.0])
    band = ax.collections[0].get_paths()[0].vertices
    half = ci95_half_width(np.array([2.0, np.std([2.0, 4.0, 9.0], ddof=1)]), 3)
    for year, mean, h in ((0.0, 3.0, half[0]), (1.0, 5.0, half[1])):
        ys = band[band[:, 0] == year, 1]
        assert ys.min() == pytest.approx(mean - h) and ys.max() == pytest.approx(mean + h)


@pytest.mark.parametrize(("lang", "year", "share"), [("nl", "jaar", "0,2"), ("en", "year", "0.2")])
def test_key_output_figures_write_their_axes_in_the_language(lang: str, year: str, share: str) -> None:
    city = pd.DataFrame({"scenario": ["a"] * 4, "seed": [0, 0, 1, 1], "year": [0.0, 1.0] * 2,
                         "lonely_share": [0.3, 0.5, 0.4, 0.6], "community_strength": [1200.0, 1500.0, 1300.0, 1700.0]})
    figures = key_output_figures(city, ["lonely_share", "community_strength"], lang=lang)
    for fig in figures.values():
        fig.canvas.draw()
    shares, strength = (figures[key].axes[0] for key in ("lonely_share", "community_strength"))
    assert shares.get_xlabel() == year and share in [t.get_text() for t in shares.get_xticklabels()]
    assert all(t.get_text().endswith("%") for t in shares.get_yticklabels())  # shares as percentages
    thousands = "1.000" if lang == "nl" else "1,000"  # the band reaches down (bounded at 0): ticks every 200
    assert thousands in [t.get_text() for t in strength.get_yticklabels()]
