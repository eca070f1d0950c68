"""Sweeps: designs validated against the schema, executors that agree, SIGKILL and resume, indices and boxes."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from languages import assert_dutch_twin

import model.experiments.runner as runner
from model.cli import main
from model.core.parameters import Parameters
from model.experiments.analysis import SweepResults, analyse, morris_findings, publish_findings, sobol_findings
from model.experiments.sweeps import DESIGN_DIR, BestChoice, DesignError, load_design, question_to_dict, sweep_run

VITALITY = Path(sys.executable).with_name("vitality")
ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.stem for p in DESIGN_DIR.glob("*.toml"))
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(text: str, name: str = "d.toml") -> Path:
    Path(name).write_text(text, encoding="utf-8")
    return Path(name)


HEAD = 'description = "x"\nmethod = "latin"\nsamples = 4\nresidents = 200\nyears = 0.2\n'


# ---------------------------------------------------------------------- designs
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_designs_load_and_make_their_runs(name: str) -> None:
    design = load_design(name).with_overrides(residents=200, years=0.2, replications=1,
                                              samples=None if load_design(name).method == "factorial" else 2)
    assert design.name == name and design.description
    tasks = design.tasks()
    assert len(tasks) == len(design.points()) * len(design.scenarios) and len({t.key for t in tasks}) == len(tasks)
    assert all(t.args[0].params.n_residents == 200 for t in tasks)


def test_list_designs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--designs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == SHIPPED
    assert load_design("steering_sobol").description in lines[SHIPPED.index("steering_sobol")]


def test_nested_and_list_parameters_reach_the_runs() -> None:
    design = load_design(write(HEAD + """
scenarios = ["baseline", "layered"]
[parameters."archetypes.urban_deprived.places_per_10k"]
range = [1.0, 8.0]
[parameters.steering.facilitating.accountability]
range = [0.2, 1.5]
[parameters."case_hours[2]"]
range = [1.0, 4.0]
[parameters.escalation_weeks]
range = [4, 12]
"""))
    points = design.points()
    assert points["escalation_weeks"].map(type).eq(int).all() and points["escalation_weeks"].between(4, 12).all()
    for task in design.tasks():
        values, p = task.spec["values"], task.args[0].params
        assert p.archetypes["urban_deprived"].places_per_10k == values["archetypes.urban_deprived.places_per_10k"]
        assert p.steering["facilitating"].accountability == values["steering.facilitating.accountability"]
        assert p.case_hours == (*Parameters().case_hours[:2], values["case_hours[2]"])  # the others keep their defaults
        assert p.escalation_weeks == values["escalation_weeks"]
        assert p.steering_mode == task.args[0].name.replace("baseline", "framing")


def test_constants_reach_every_scenario_before_the_varied_parameters() -> None:
    design = load_design(write(HEAD + """
scenarios = ["facilitating", "enforcing"]
[constants]
lonely_shock_factor = 1.7
[constants.archetypes.urban_young]
share = 0.0
[parameters."archetypes.urban_deprived.alone_share"]
range = [0.1, 0.4]
"""))
    for task in design.tasks():
        p = task.args[0].params
        assert p.lonely_shock_factor == 1.7 and p.archetypes["urban_young"].share == 0.0 and p.n_residents == 200
        varied = task.spec["values"]["archetypes.urban_deprived.alone_share"]
        assert p.archetypes["urban_deprived"].alone_share == varied


def test_sample_sizes_and_distributions() -> None:
    base = 'description = "x"\nresidents = 200\nyears = 0.2\n'
    params = ('[parameters.reluctance_mean]\nrange = [0.4, 0.6]\ndistribution = "triangular"\npeak = 0.45\n'
              '[parameters.founding_rate]\nrange = [0.0001, 0.001]\ndistribution = "loguniform"\n'
              '[parameters.steering_mode]\nvalues = ["facilitating", "enforcing"]\n')
    sobol = load_design(write(base + 'method = "sobol"\nsamples = 16\n' + params))
    assert len(sobol.sample()) == 16 * (3 + 2)
    points = sobol.points()
    assert points["reluctance_mean"].between(0.4, 0.6).all() and points["founding_rate"].between(1e-4, 1e-3).all()
    assert set(points["steering_mode"]) == {"facilitating", "enforcing"}
    morris = load_design(write(base + 'method = "morris"\nsamples = 3\n' + params))
    assert len(morris.sample()) == 3 * (3 + 1)
    latin = load_design(write(base + 'method = "latin"\nsamples = 40\n' + params))
    assert latin.points()["reluctance_mean"].median() < 0.5  # the peak at 0.45 pulls the sample down
    factorial = load_design(write(base + 'method = "factorial"\n[parameters.steering_mode]\n'
                                  'values = ["facilitating", "layered"]\n[parameters.zrm_shock_rate]\n'
                                  'range = [0.001, 0.003]\nlevels = 3\n'
                                  '[parameters.steering.framing.builders_do_casework]\nvalues = [true, false]\n'))
    grid = factorial.points()
    assert len(grid) == 12 and len(grid.drop_duplicates()) == 12
    assert sorted(grid["zrm_shock_rate"].unique()) == pytest.approx([0.001, 0.002, 0.003])


BAD = [
    ("replicatons = 2\n" + HEAD + "[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n",
     "replicatons: unknown key (did you mean 'replications'?)"),
    (HEAD.replace("latin", "latinn") + "[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n",
     "method: 'latinn' is not one of factorial, latin, sobol, morris (did you mean 'latin'?)"),
    (HEAD + '[parameters."steering.facilitating.accountabilty"]\nrange = [0.1, 1]\n',
     "parameters.steering.facilitating.accountabilty: steering.facilitating.accountabilty is not a parameter "
     "(did you mean 'accountability'?)"),
    (HEAD + '[parameters."steering.facilitatin.accountability"]\nrange = [0.1, 1]\n',
     "steering.facilitatin: no such entry (did you mean 'facilitating'?)"),
    (HEAD + '[parameters."steering.facilitating.accountability"]\nrange = [0.1, 6.0]\n',
     "parameters.steering.facilitating.accountability.range: 6.0 is out of range; allowed 0 to 5"),
    (HEAD + '[parameters."archetypes.urban_deprived"]\nrange = [0.1, 6.0]\n',
     "archetypes.urban_deprived is a table; name one of its parameters: age_shares"),
    (HEAD + "[parameters.case_hours]\nrange = [0.1, 6.0]\n", "case_hours is a list of 3 numbers"),
    (HEAD + '[parameters."case_hours[3]"]\nrange = [0.1, 6.0]\n', "elements 0 to 2"),
    (HEAD + "[parameters.zrm_shock_rate]\nrange = [0.003, 0.002]\n", "the low end 0.003 must be below the high end"),
    (HEAD + "[parameters.escalation_weeks]\nrange = [4.5, 10]\n", "escalation_weeks.range: expected a whole number"),
    (HEAD + "[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\ndistribution = \"triangular\"\n",
     "the triangular distribution takes peak"),
    (HEAD + "[parameters.steering_mode]\nrange = [0, 1]\n", "a text parameter takes only values"),
    (HEAD + "[parameters.zrm_shock_rate]\nvalues = [0.001, 0.002]\n", "a number takes values only in factorial"),
    (HEAD.replace("latin", "sobol").replace("samples = 4", "samples = 6")
     + "[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n",
     "samples: Sobol (Saltelli) sampling needs a power of 2, got 6"),
    (HEAD.replace("latin", "factorial") + "[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\nlevels = 2\n",
     "samples: a factorial design takes levels per parameter"),
    (HEAD + 'outputs = ["lonely_shar"]\n[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n',
     "outputs: 'lonely_shar' is not a city output (did you mean 'lonely_share'?)"),
    (HEAD + 'scenarios = ["baselin"]\n[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n',
     "scenarios: no scenario named 'baselin'"),
    (HEAD.replace("residents = 200", "residents = 10") + "[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n",
     "residents: 10 is out of range"),
    (HEAD + "[parameters.core_min]\nrange = [1, 9]\n", "parameters.core_min: under baseline: core_min: 9 exceeds"),
    (HEAD + '[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n[[discovery]]\noutput = "lonely_share"\n'
     'scenario = "enforcing"\nbelow = 0.3\n', "discovery[1].scenario: 'enforcing' is not one of the design's"),
    (HEAD + '[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n[[discovery]]\noutput = "lonely_share"\n',
     "discovery[1]: give either below = <number> or above = <number>"),
    (HEAD, "parameters: missing"),
    (HEAD + "[constants]\nlonely_shock_factr = 1.5\n[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n",
     "constants.lonely_shock_factr: unknown"),
    (HEAD + "[constants.archetypes.urban_deprived]\nshare = 2.0\n[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n",
     "constants.archetypes.urban_deprived.share: 2.0 is out of range"),
    (HEAD + 'scenarios = ["facilitating", "enforcing"]\n[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n'
     '[[discovery]]\nkind = "bset"\noutput = "lonely_share"\n',
     "discovery[1].kind: 'bset' is not one of threshold, best (did you mean 'best'?)"),
    (HEAD + 'scenarios = ["facilitating", "enforcing"]\n[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n'
     '[[discovery]]\nkind = "best"\noutput = "lonely_share"\n',
     'discovery[1].better: give better = "lower" or better = "higher"'),
    (HEAD + 'scenarios = ["facilitating", "enforcing"]\n[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n'
     '[[discovery]]\nkind = "best"\noutput = "lonely_share"\nbetter = "lower"\nbelow = 0.3\n',
     'discovery[1].below: a best-choice question (kind = "best") takes only kind, output, better, among'),
    (HEAD + 'scenarios = ["facilitating", "enforcing"]\n[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n'
     '[[discovery]]\nkind = "best"\noutput = "lonely_share"\nbetter = "lower"\namong = ["enforcing", "framing"]\n',
     "discovery[1].among: 'framing' is not one of the design's scenarios: facilitating, enforcing"),
    (HEAD + 'scenarios = ["facilitating", "enforcing"]\n[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n'
     '[[discovery]]\nkind = "best"\noutput = "lonely_share"\nbetter = "lower"\namong = ["enforcing"]\n',
     "discovery[1].among: name at least two different scenarios"),
    (HEAD + "[parameters.zrm_shock_rate]\nrange = [nan, 0.002]\n",
     "parameters.zrm_shock_rate.range: expected a finite number, got nan"),
    (HEAD + "[parameters.reluctance_mean]\nrange = [0.4, 0.6]\ndistribution = \"triangular\"\npeak = nan\n",
     "parameters.reluctance_mean.peak: expected a finite number, got nan"),
    (HEAD + "[parameters.reluctance_mean]\nrange = [0.4, 0.6]\ndistribution = \"truncnormal\"\nmean = 0.5\nsd = inf\n",
     "parameters.reluctance_mean.sd: expected a finite number, got inf"),
    (HEAD + '[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n[[discovery]]\noutput = "lonely_share"\n'
     "below = nan\n", "discovery[1].below: expected a finite number, got nan"),
    (HEAD + '[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n[[discovery]]\noutput = "lonely_share"\n'
     "below = 0.3\nmin_density = nan\n", "discovery[1].min_density: expected a share above 0"),
    ("seed = 9223372036854775807\nreplications = 2\n" + HEAD + "[parameters.zrm_shock_rate]\nrange = [0.001, 0.002]\n",
     "seed: expected a whole number from 0 to 9223372036854775806"),
    (HEAD + '[parameters."archetypes.urban_deprivd.density"]\nrange = [0.5, 2]\n',
     "archetypes.urban_deprivd: no such entry (did you mean 'urban_deprived'?)"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_designs_fail_in_one_line_naming_file_and_key(text: str, message: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    write(text)
    with pytest.raises(DesignError) as info:
        load_design("d.toml")
    assert str(info.value).startswith("d.toml: ") and message in str(info.value) and "\n" not in str(info.value)
    assert main(["sweep", "d.toml", "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"vitality: error: {info.value}"


def test_missing_design_names_the_shipped_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "example_sobl", "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no design named 'example_sobl'" in err and "did you mean 'example_sobol'" in err and "\n" not in err


def test_inconsistent_points_are_refused_before_running(capsys: pytest.CaptureFixture[str]) -> None:
    write(HEAD + "[parameters.core_min]\nrange = [1, 5]\n[parameters.core_target]\nrange = [2, 8]\n")
    assert main(["sweep", "d.toml", "--jobs", "1", "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vitality: error: d.toml: point ") and "exceeds core_target" in err
    assert "narrow the ranges" in err and not Path("results").exists()


# ---------------------------------------------------------------------- executors agree
def test_sobol_sweep_same_results_locally_and_on_a_dask_cluster() -> None:
    from distributed import LocalCluster

    assert main(["sweep", "example_sobol", "--jobs", "2", "--out", "local"]) == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        assert main(["sweep", "example_sobol", "--scheduler", cluster.scheduler_address, "--out", "dask"]) == 0
    local, dask = pd.read_parquet("local/runs.parquet"), pd.read_parquet("dask/runs.parquet")
    assert len(local) == 8 * (3 + 2) * 2
    pd.testing.assert_frame_equal(local, dask)
    for name in ("sample.csv", "points.csv", "design.toml"):
        assert Path("local", name).read_bytes() == Path("dask", name).read_bytes()

    # the analysis of those results: indices with intervals, figures and sentences
    assert main(["analyse", "local", "--lang", "en"]) == 0
    sobol = pd.read_csv("local/analysis/sobol.csv")
    assert len(sobol) == 3 * 3  # outputs x parameters (one scenario)
    assert (sobol["ST_low"] <= sobol["ST"]).all() and (sobol["ST"] <= sobol["ST_high"]).all()
    inert = sobol[sobol["parameter"] == "steering.enforcing.control"]  # no effect under facilitating steering
    assert (inert[["S1", "ST"]].abs() < 1e-12).all().all()
    admin = sobol[sobol["output"] == "admin_share"].set_index("parameter")
    assert admin["ST"].idxmax() == "steering.facilitating.accountability"
    for output in ("admin_share", "lonely_share", "casework_load"):
        assert Path(f"local/analysis/sobol_{output}.png").read_bytes()[:8] == PNG
    findings = Path("local/analysis/findings.md").read_text()
    assert "admin_share under facilitating depends most on steering.facilitating.accountability" in findings
    assert "Negligible (total-order index below 0.05 with 95% confidence): " in findings
    assert "steering.enforcing.control" in findings.split("Negligible")[1]


# ---------------------------------------------------------------------- nothing lost
def _alive(pgid: int) -> list[int]:
    """Processes of a process group that still run (zombies do not count)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def test_sweep_killed_with_sigkill_resumes_without_losing_or_redoing_runs() -> None:
    argv = [VITALITY, "sweep", "example_sobol", "--samples", "4", "--years", "1", "--jobs", "2", "--out", "s",
            "--lang", "en"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    runs = Path("s.work/runs")
    deadline = time.monotonic() + 300
    while not (runs.is_dir() and sum(not p.name.startswith(".") for p in runs.iterdir()) >= 3):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 30
    while _alive(proc.pid) and time.monotonic() < deadline:  # the workers notice and end too
        time.sleep(0.2)
    left = _alive(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not left, "worker processes outlived the killed sweep"
    kept = sorted(p.name for p in runs.iterdir() if not p.name.startswith("."))
    assert 3 <= len(kept) < 40 and not Path("s").exists()

    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"resuming: {len(kept)} of 40 runs finished earlier are kept in s.work" in done.stderr
    manifest = json.loads(Path("s/manifest.json").read_text())
    assert manifest["timings"]["runs_resumed"] == len(kept)
    assert manifest["timings"]["runs_done_this_session"] == 40 - len(kept)  # nothing redone
    table = pd.read_parquet("s/runs.parquet")
    assert len(table) == 40 and not table.duplicated(["point", "scenario", "seed"]).any()  # nothing lost or twice
    assert sorted(table["point"].unique()) == list(range(20)) and not Path("s.work").exists()
    design = load_design("example_sobol").with_overrides(samples=4, years=1)
    tasks = {t.key: t for t in design.tasks()}
    for key in (kept[0], "p00019--facilitating--seed-1"):  # one run from before the kill, one from after
        task = tasks[key]
        expected = sweep_run(*task.args)["final"].iloc[0]
        row = table[(table["point"] == task.spec["point"]) & (table["seed"] == task.args[1])].iloc[0]
        assert row["admin_share"] == expected["admin_share"] and row["lonely_share"] == expected["lonely_share"]

    analysed = subprocess.run([VITALITY, "analyse", "s", "--lang", "en"], capture_output=True, text=True, timeout=300)
    assert analysed.returncode == 0, analysed.stderr
    assert "Sweep example_sobol (sobol, 20 points, 2 seeds): findings" in analysed.stdout
    assert Path("s/analysis/sobol.csv").exists()


def test_a_failing_sweep_run_is_recorded_and_the_others_finish(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    real = runner.run

    def fails_at_seed_1(params, seed, *rest):  # a run that breaks, e.g. numerically
        if seed == 1:
            raise FloatingPointError("overflow in motivation")
        return real(params, seed, *rest)

    monkeypatch.setattr(runner, "run", fails_at_seed_1)
    argv = ["sweep", "example_sobol", "--samples", "2", "--years", "0.1", "--jobs", "1", "--out", "s", "--lang", "en"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "runs failed (first, p0" in err and "FloatingPointError: overflow in motivation" in err
    failed = json.loads(next(Path("s.work/failed").glob("*.json")).read_text())
    assert failed["error"] == "FloatingPointError: overflow in motivation"
    finished = {p.name for p in Path("s.work/runs").iterdir()}
    failures = {p.stem for p in Path("s.work/failed").iterdir()}
    assert len(finished) == len(failures) == 10 and not finished & failures
    monkeypatch.setattr(runner, "run", real)
    assert main(argv) == 0  # the failed runs only are done again
    assert json.loads(Path("s/manifest.json").read_text())["timings"]["runs_done_this_session"] == len(failures)


# ---------------------------------------------------------------------- analysis
def test_scenario_discovery_finds_the_box(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "example_discovery", "--jobs", "2", "--out", "d"]) == 0
    assert main(["analyse", "d", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    summary = pd.read_csv("d/analysis/discovery.csv").iloc[0]
    boxes = pd.read_csv("d/analysis/boxes.csv")
    assert 0 < summary["cases"] < summary["points"] == 48
    assert summary["coverage"] >= 0.8 and summary["density"] >= 0.8
    limit = boxes.set_index("parameter").loc["steering.facilitating.accountability"]
    assert limit["min"] < 0.2 and 0.5 < limit["max"] < 4.0  # bounded from above: low accountability only
    assert limit["qp_max"] <= 0.05
    runs = pd.read_parquet("d/runs.parquet").pivot_table("admin_share", "point", "scenario")
    points = pd.read_csv("d/points.csv", index_col="point")
    inside = np.logical_and.reduce([points[b.parameter].between(b.min, b.max) for b in boxes.itertuples()])
    assert (runs["facilitating"] < runs["enforcing"])[inside].mean() == pytest.approx(summary["density"])
    for name in ("discovery_1_box.png", "discovery_1_tradeoff.png"):
        assert Path("d/analysis", name).read_bytes()[:8] == PNG
    sentence = summary["finding"]
    assert sentence.startswith("Facilitating keeps professionals' admin share below enforcing in ")
    assert f"steering.facilitating.accountability ≤ {limit['max']:.3g}" in sentence and sentence in out


def test_morris_screening_finds_inert_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    write('description = "x"\nmethod = "morris"\nsamples = 4\nscenarios = ["facilitating"]\nresidents = 200\n'
          'years = 0.2\noutputs = ["admin_share", "lonely_share"]\n'
          '[parameters."steering.facilitating.accountability"]\nrange = [0.1, 3.0]\n'
          '[parameters."steering.enforcing.control"]\nrange = [0.3, 1.0]\n'
          '[parameters.escalation_weeks]\nrange = [4, 12]\n')
    assert main(["sweep", "d.toml", "--jobs", "1", "--out", "m"]) == 0
    assert main(["analyse", "m", "--out", "m-analysis"]) == 0
    morris = pd.read_csv("m-analysis/morris.csv").set_index(["output", "parameter"])
    assert len(morris) == 2 * 3 and (morris["mu_star"] >= 0).all() and (morris["sigma"] >= 0).all()
    assert morris.loc[("admin_share", "steering.enforcing.control"), "mu_star"] == 0  # inert under facilitating
    assert morris.loc[("admin_share", "steering.facilitating.accountability"), "mu_star"] > 0
    assert Path("m-analysis/morris_admin_share.png").read_bytes()[:8] == PNG
    assert "admin_share onder facilitating verandert het meest met steering.facilitating.accountability" in (
        capsys.readouterr().out)  # in Dutch, the default


def test_factorial_sweep_covers_every_combination() -> None:
    assert main(["sweep", "steering_factorial", "--residents", "200", "--years", "0.1", "--replications", "1",
                 "--jobs", "2", "--out", "f"]) == 0
    points = pd.read_csv("f/points.csv", index_col="point")
    assert len(points) == 24 and len(points.drop_duplicates()) == 24
    runs = pd.read_parquet("f/runs.parquet")
    assert set(runs["steering_mode"]) == {"facilitating", "framing", "enforcing", "layered"}
    assert Path("f/design.toml").read_text().startswith(
        "# overridden on the command line: residents = 200\n# overridden on the command line: years = 0.1\n")
    assert main(["analyse", "f"]) == 0  # no indices for factorial designs, but the point means (said in Dutch)
    assert Path("f/analysis/findings.md").read_text().startswith("# Bevindingen\n\n- Een factorial-ontwerp heeft geen "
                                                                 "gevoeligheidsindices")
    means = pd.read_csv("f/analysis/point_means.csv")
    assert len(means) == 24 and "baseline:casework_load" in means


def synthetic_sweep(points: int = 60) -> SweepResults:
    """Three scenarios over x in [0, 1] with two seeds: a's output is x, b's 1 - x, c's 2 (never the lowest by the
    seeds' mean, though the lowest in one seed where x is smallest)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, points)
    table = pd.DataFrame({"x": x, "noise": rng.uniform(0, 1, points)}).rename_axis("point")
    value = {"a": x, "b": 1 - x, "c": np.full(points, 2.0)}
    runs = pd.DataFrame([{"point": i, "scenario": sc, "seed": seed, "y": value[sc][i] + 0.01 * seed}
                         for i in range(points) for sc in value for seed in (0, 1)])
    low = int(np.argmin(x))  # a is best here by the seeds' mean (0.75 for c), c in seed 1 only
    runs.loc[(runs["point"] == low) & (runs["scenario"] == "c") & (runs["seed"] == 1), "y"] = -0.5
    questions = [BestChoice("y", sc, ("a", "b", "c"), "lower") for sc in value]
    questions += [BestChoice("y", sc, ("a", "c"), "lower") for sc in ("a", "c")]
    design = {"name": "synthetic", "description": "synthetic", "method": "latin", "scenarios": list(value),
              "outputs": ["y"], "seeds": [0, 1], "discovery": [question_to_dict(q) for q in questions]}
    return SweepResults(design, table, table, runs)


def test_best_choice_finds_each_scenarios_box_and_says_never_and_always() -> None:
    results = synthetic_sweep()
    analysis = analyse(results)
    table = analysis.tables["discovery"]
    assert list(table["scenario"]) == ["a", "b", "c", "a", "c"] and set(table["kind"]) == {"best"}
    x = results.points["x"]
    assert list(table["cases"]) == [(x < 0.5).sum(), (x > 0.5).sum(), 0, len(x), 0]
    # Where x is smallest c is best in seed 1: a, best there by the seeds' mean, is not best in every seed.
    assert list(table["every_seed"]) == [(x < 0.5).sum() - 1, (x > 0.5).sum(), 0, len(x) - 1, 0]
    boxes = analysis.tables["boxes"].set_index("question")
    a, b = boxes.loc[1], boxes.loc[2]
    assert a["parameter"] == "x" and a["restricts"] == "high" and a["max"] >= x[x < 0.5].max()  # a wins at small x
    assert b["parameter"] == "x" and b["restricts"] == "low" and b["min"] <= x[x > 0.5].min()
    assert (table["coverage"].iloc[:2] == 1).all() and (table["density"].iloc[:2] >= 0.8).all()
    findings = analysis.findings
    k = (x < 0.5).sum()
    assert findings[0].startswith(f"A gives the lowest y (of a, b, c) in {k} of 60 sampled conditions "
                                  f"({k - 1} of them in every seed), only when x ≤ {a['max']:.3g}")
    assert findings[2] == "C never gives the lowest y (of a, b, c) in the 60 sampled conditions."
    assert findings[3] == "A always gives the lowest y (of a, c) in the 60 sampled conditions."
    assert "best_choice.png" in analysis.figures


def test_findings_published_into_a_section_of_a_document() -> None:
    results = synthetic_sweep()
    analysis = analyse(results)
    doc = Path("docs/steering.md")
    doc.parent.mkdir()
    doc.write_text("# Steering\n\nBefore.\n\n## Where\n\n<!-- findings:synthetic:start -->\nOLD SECTION\n"
                   "<!-- findings:synthetic:end -->\n\nAfter.\n", encoding="utf-8")
    for _ in range(2):  # publishing again replaces the section, nothing else
        written = publish_findings(analysis, results, doc, ["vitality", "analyse", "r", "--doc", str(doc)])
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Steering\n\nBefore.\n\n## Where\n\n") and text.endswith("\n\nAfter.\n")
    assert "OLD SECTION" not in text and text.count("<!-- findings:synthetic:start -->") == 1
    assert all(f"- {s}" in text for s in analysis.findings) and "`vitality analyse r --doc docs/steering.md`" in text
    assert Path("docs/figures/synthetic_best_choice.png").read_bytes()[:8] == PNG
    data = json.loads(Path("docs/synthetic.json").read_text(encoding="utf-8"))
    assert [q["scenario"] for q in data["questions"]] == ["a", "b", "c", "a", "c"]
    assert data["questions"][0]["box"][0]["parameter"] == "x" and data["questions"][2]["box"] == []
    assert set(written) == {doc, Path("docs/synthetic.json"), Path("docs/figures/synthetic_best_choice.png")}
    fresh = Path("docs/new.md")
    publish_findings(analysis, results, fresh, ["vitality"])
    assert fresh.read_text(encoding="utf-8").startswith("## synthetic\n\n<!-- findings:synthetic:start -->")


def test_where_each_mode_wins_commands_fill_the_section_of_steering_md(capsys: pytest.CaptureFixture[str]) -> None:
    """The two documented commands, at a tiny size, on a copy of docs/steering.md."""
    Path("docs").mkdir()
    steering = (ROOT / "docs" / "steering.md").read_text(encoding="utf-8")
    Path("docs/steering.md").write_text(steering, encoding="utf-8")
    assert main(["sweep", "where_each_mode_wins", "--samples", "4", "--residents", "100", "--years", "0.2",
                 "--replications", "1", "--jobs", "1", "--out", "w"]) == 0
    assert main(["analyse", "w", "--doc", "docs/steering.md", "--lang", "en"]) == 0  # the project's docs are English
    assert "Findings published in docs/figures/where_each_mode_wins_best_choice.png" in capsys.readouterr().out
    text = Path("docs/steering.md").read_text(encoding="utf-8")
    before = steering[:steering.index("<!-- findings:where_each_mode_wins:start -->")]
    assert text.startswith(before) and "Not generated yet" not in text
    assert "`vitality analyse w --doc docs/steering.md --lang en`" in text
    assert "4 sampled conditions x 4 scenarios" in text
    data = json.loads(Path("docs/where_each_mode_wins.json").read_text(encoding="utf-8"))
    assert {(q["output"], q["scenario"]) for q in data["questions"]} == {
        (o, m) for o in ("casework_load", "lonely_share", "community_strength", "total_cost_eur")
        for m in ("facilitating", "framing", "enforcing", "layered")}
    assert all(f"- {s}" in text for s in data["findings"])


def test_analyse_bad_folders_get_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", "nowhere", "--lang", "en"]) == 2
    assert "nowhere: no manifest.json" in capsys.readouterr().err
    assert main(["run", "--residents", "200", "--years", "0.1", "--seeds", "1", "--jobs", "1", "--out", "r"]) == 0
    capsys.readouterr()
    assert main(["analyse", "r", "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert "r holds results of `vitality run`, not of a sweep" in err and "\n" not in err


# ---------------------------------------------------------------------- EMA Workbench
def test_ema_workbench_model_from_a_design() -> None:
    from ema_workbench import SequentialEvaluator, perform_experiments

    from model.ema import ema_model, evaluate

    design = load_design("example_discovery").with_overrides(years=0.1, replications=2)
    model = ema_model(design)
    assert [(u.name, u.variable_name) for u in model.uncertainties] == [
        ("steering_facilitating_accountability", ["steering.facilitating.accountability"]),
        ("reluctance_mean", ["reluctance_mean"])]
    assert [(u.lower_bound, u.upper_bound) for u in model.uncertainties] == [(0.1, 4.0), (0.35, 0.75)]
    assert [lever.name for lever in model.levers] == ["base_scenario"]
    assert [o.name for o in model.outcomes] == ["admin_share", "lonely_share"]
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=3, policies=2, evaluator=evaluator)
    assert len(experiments) == 6 and outcomes["admin_share"].shape == (6,)
    row = experiments.iloc[4]
    values = {"steering.facilitating.accountability": row["steering_facilitating_accountability"],
              "reluctance_mean": row["reluctance_mean"]}
    by_seed = [evaluate(design, seed=seed, base_scenario=row["base_scenario"], **values) for seed in (0, 1)]
    assert outcomes["admin_share"][4] == pytest.approx(np.mean([r["admin_share"] for r in by_seed]), rel=1e-12)


def test_a_run_recording_only_its_last_weeks_has_the_same_final_means() -> None:
    params = Parameters(n_residents=300, burn_in_years=0.2, years=0.3)
    full = runner.run(params, seed=4)
    short = runner.run(params, seed=4, last_weeks_only=5)
    assert list(short.city["week"]) == list(full.city["week"].iloc[-5:])
    pd.testing.assert_frame_equal(short.final(5), full.final(5), check_exact=True)
    pd.testing.assert_frame_equal(short.neighbourhoods.reset_index(drop=True),
                                  runner.last_weeks(full.neighbourhoods, 5).reset_index(drop=True), check_exact=True)


# ---------------------------------------------------------------------- findings in Dutch
def test_findings_are_said_in_dutch_with_the_same_numbers() -> None:
    sobol = pd.DataFrame({"output": ["y"] * 3 + ["flat"] * 3, "scenario": "a", "parameter": ["p", "q", "r"] * 2,
                          "S1": [0.312, 0.101, 0.0] + [np.nan] * 3, "ST": [0.456, 0.234, 0.01] + [np.nan] * 3,
                          "ST_low": [0.2, -0.05, -0.02] + [np.nan] * 3, "ST_high": [0.7, 0.52, 0.03] + [np.nan] * 3})
    morris = pd.DataFrame({"output": ["y"] * 3 + ["flat"] * 3, "scenario": "a", "parameter": ["p", "q", "r"] * 2,
                           "mu_star": [1234.5, 0.75, 0.001, 0, 0, 0], "mu_star_conf": [12.5, 0.1, 0.0, 0, 0, 0],
                           "sigma": [10.25, 2.5, 0.0, 0, 0, 0], "mu": 0.0})
    dutch_analysis = analyse(synthetic_sweep(), "nl")
    english = sobol_findings(sobol) + morris_findings(morris) + analyse(synthetic_sweep()).findings
    dutch = sobol_findings(sobol, "nl") + morris_findings(morris, "nl") + dutch_analysis.findings
    assert dutch_analysis.figures["best_choice.png"].axes[0].get_title() == "y (lager is beter)"
    assert english[0].startswith("y under a depends most on p (total-order index 0.46, 95% CI 0.20 to 0.70; ")
    assert dutch[0].startswith("y onder a hangt het meest af van p (totale-orde-index 0,46, 95%-BI 0,20 tot 0,70; ")
    assert "1.23e+03 ± 12" in english[2] and "1,23e+03 ± 12" in dutch[2]
    assert len(english) == len(dutch) == 4 + 5
    for en, nl in zip(english, dutch, strict=True):
        assert_dutch_twin(en, nl)
