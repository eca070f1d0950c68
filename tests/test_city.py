"""A user's own gemeente on the command line: import, run, compare, sweep and report with a map (issue 17).

One small comparison (the sample city at 5%, two short scenarios, two seeds) serves the checks of the
results folder and the report; bad input ends in one line and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from opendata_samples import CSV, GPKG, RIVM, XLSX

from model.cli import main
from model.cli_arguments import describe_runs, print_observed
from model.experiments.scenarios import load_scenario
from model.opendata import load_city

WIJKEN = ["Centrum", "Oost", "Nieuwland", "Dorp aan de Dijk"]


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("vitality: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The city file of the sample gemeente and two short scenarios (a short burn-in keeps the runs quick)."""
    folder = tmp_path_factory.mktemp("city")
    assert main(["city", "import", str(CSV), "--gemeente", "Voorbeeldstad", "--rivm", str(RIVM),
                 "--out", str(folder / "voorbeeldstad.toml"), "--lang", "en"]) == 0
    for name, mode in (("kort", "framing"), ("kort_fac", "facilitating")):
        (folder / f"{name}.toml").write_text(f'name = "{name}"\ndescription = "short burn-in"\n[parameters]\n'
                                             f'burn_in_years = 0.2\nsteering_mode = "{mode}"\n', encoding="utf-8")
    # An intervention in one real wijk: a scenario written for this city.
    (folder / "oost.toml").write_text('name = "oost"\ndescription = "places closed in Oost"\n[parameters]\n'
                                      'burn_in_years = 0.2\n[[interventions]]\ntype = "close_meeting_places"\n'
                                      'at_year = 0.0\nneighbourhoods = ["Oost"]\nshare = 1.0\nimmediate = true\n',
                                      encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def compared(work: Path) -> tuple[Path, str]:
    out = work / "res"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["compare", str(work / "kort.toml"), str(work / "kort_fac.toml"), "--city",
                     str(work / "voorbeeldstad.toml"), "--scale", "0.05", "--years", "0.2", "--seeds", "2",
                     "--jobs", "1", "--out", str(out), "--lang", "en"]) == 0
    return out, printed.getvalue()


def test_import_prints_what_it_did(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["city", "import", str(XLSX), "--gemeente", "GM9999", "--level", "buurt",
                 "--out", str(tmp_path / "b.toml"), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Voorbeeldstad (GM9999): 7 neighbourhoods (buurten)" in out
    assert "merged buurt Stationsbuurt (BU99990103, 40 inhabitants) into Binnenstad" in out
    assert f"vitality run --city {tmp_path / 'b.toml'} --scale 0.05" in out
    assert len(load_city(tmp_path / "b.toml").neighbourhoods) == 7


def test_compare_in_the_city_keeps_real_names(compared: tuple[Path, str]) -> None:
    compared, printed = compared
    assert "Voorbeeldstad, 4 wijken, 1,586 of its 31,711 adults (--scale 0.05)" in printed
    assert re.search(r"Lonely adults \(%\) per neighbourhood, observed \(RIVM\).*\n.*\n\s*Centrum\s+54\.1", printed)
    nbh = pd.read_parquet(compared / "neighbourhoods.parquet")
    assert list(nbh["neighbourhood"].unique()) == WIJKEN
    city = load_city(compared / "city.toml")
    sizes = nbh[nbh["week"] == 0].groupby("neighbourhood", sort=False)["residents"].first()
    assert sizes.sum() == city.sample_size(0.05)  # a 5% sample of the adults
    for n, label in zip(city.neighbourhoods, WIJKEN, strict=True):  # in proportion to each wijk's adults
        assert sizes[label] == pytest.approx(n.settings.share * sizes.sum(), abs=1)
    observed = pd.read_csv(compared / "observed.csv")
    lonely = observed[(observed["figure"] == "lonely_pct") & (observed["scenario"] == "kort")]
    assert list(lonely["neighbourhood"]) == WIJKEN
    assert (lonely["difference"] == lonely["simulated"] - lonely["observed"]).all()
    final = nbh[(nbh["scenario"] == "kort") & (nbh["week"] > nbh["week"].max() - 52)]
    expected = final.groupby(["neighbourhood", "seed"], sort=False)["lonely_share"].mean().groupby(level=0).mean()
    assert lonely.set_index("neighbourhood")["simulated"].to_dict() == pytest.approx((100 * expected).to_dict())


def test_the_city_and_observed_loneliness_are_printed_in_dutch(work: Path, compared: tuple[Path, str],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(city=str(work / "voorbeeldstad.toml"), scale=0.05, lang="nl", seeds=2, seed=0)
    described = describe_runs([load_scenario("baseline")], args)
    assert described.startswith("Voorbeeldstad, 4 wijken, ")
    assert "van de 31.711 volwassenen (--scale 0.05): " in described
    print_observed(compared[0], "nl")
    printed = capsys.readouterr().out
    assert re.search(r"Eenzame volwassenen \(%\) per wijk, waargenomen \(RIVM\).*\n.*\n\s*Centrum\s+54,1\s", printed)
    assert "waargenomen" in printed.splitlines()[1] and "; " in printed.splitlines()[2]  # 54,1 [50,2; 58,0]


def test_report_shows_observed_and_maps(compared: tuple[Path, str], tmp_path: Path) -> None:
    compared = compared[0]
    assert main(["report", str(compared), "--map", str(GPKG), "--report", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="city">'): html.index("</section>", html.index('<section id="city">'))]
    assert "Voorbeeldstad (GM9999): 4 wijken" in section
    for wijk in WIJKEN:
        assert f"<td>{wijk}</td>" in section
    assert "<td class=\"num\">54,1</td>" in section  # Centrum's RIVM estimate, in Dutch notation
    maps = re.findall(r'<figure id="map-([\w-]+)">\s*<img src="data:image/png;base64,', section)
    assert maps == ["lonely_share", "community_strength", "waiting_list", "lonely_share-kort_fac",
                    "community_strength-kort_fac", "waiting_list-kort_fac"]
    assert main(["report", str(compared), "--lang", "en", "--report", str(tmp_path / "en.html")]) == 0
    english = (tmp_path / "en.html").read_text(encoding="utf-8")
    assert "Give the CBS/PDOK boundaries" in english and "<h2>Your city</h2>" in english


def test_an_intervention_in_a_real_wijk(work: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "oost"
    assert main(["run", str(work / "oost.toml"), "--city", str(work / "voorbeeldstad.toml"), "--scale", "0.03",
                 "--years", "0.1", "--seeds", "1", "--jobs", "1", "--out", str(out), "--lang", "en"]) == 0
    nbh = pd.read_parquet(out / "neighbourhoods.parquet")
    last = nbh[nbh["week"] == nbh["week"].max()].set_index("neighbourhood")["meeting_places_open"]
    assert last["Oost"] == 0 and last.drop("Oost").gt(0).all()
    capsys.readouterr()
    assert main(["run", str(work / "oost.toml"), "--years", "0.1", "--seeds", "1",
                 "--lang", "en"]) == 2  # not a wijk of the model's
    assert "unknown neighbourhood 'Oost'" in one_line_error(capsys.readouterr().err)


def test_sweep_in_the_city(work: Path, tmp_path: Path) -> None:
    design = tmp_path / "klein.toml"
    design.write_text(f'name = "klein"\ndescription = "two points"\nmethod = "factorial"\n'
                      f'scenarios = ["{work / "kort.toml"}"]\nreplications = 1\nyears = 0.1\n'
                      f'outputs = ["lonely_share"]\n[parameters.contagion]\nvalues = [0.0, 0.2]\n', encoding="utf-8")
    out = tmp_path / "sweep"
    assert main(["sweep", str(design), "--city", str(work / "voorbeeldstad.toml"), "--scale", "0.02", "--jobs", "1",
                 "--out", str(out), "--lang", "en"]) == 0
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 2 and runs["lonely_share"].between(0, 1).all()


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--scale", "0.1"], "--scale only applies with --city"),
    (["run", "--city", "CITY", "--residents", "500"], "--residents does not apply with --city"),
    (["run", "--city", "CITY", "--scale", "0.0001"], "--scale 0.0001 leaves"),
    (["run", "--city", "CITY", "--scale", "2"], "--scale: 2.0 is not a share above 0 and at most 1"),
    (["run", "--city", "nowhere.toml"], "nowhere.toml: no such city file"),
    (["compare", "baseline", "framing", "--city", "KWB"], "kwb-2023-voorbeeld.csv: a download, not a city file"),
    (["sweep", "steering_morris", "--city", "CITY"], "design steering_morris varies archetypes."),
    (["report", "baseline", "--map", "GPKG"], "--map draws the wijken of a real city: run the scenarios with --city"),
    (["report", "baseline", "--map", "nowhere.gpkg"], "--map nowhere.gpkg: no such file"),
    (["city", "import", "KWB", "--gemeente", "GM0599", "--out", "x.toml"], "gemeente 'GM0599' is not in this table"),
    (["city", "import", "KWB", "--gemeente", "GM9999", "--rivm", "KWB", "--out", "x.toml"], "no header row"),
    (["city", "import", "KWB", "--gemeente", "GM9999", "--out", "x.txt"], "--out: x.txt should end in .toml"),
    (["city", "map", "CITY", "--map", "KWB", "--out", "x.png"], "not a GeoPackage"),
    (["city", "map", "CITY", "--map", "GPKG", "--figure", "kleur", "--out", "x.png"], "--figure: 'kleur' is not one"),
])
def test_bad_input_gets_one_line_and_exit_code_2(argv: list[str], message: str, work: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    names = {"CITY": str(work / "voorbeeldstad.toml"), "KWB": str(CSV), "GPKG": str(GPKG)}
    assert main([*(names.get(a, a) for a in argv), "--lang", "en"]) == 2
    assert message in one_line_error(capsys.readouterr().err)


def test_map_of_results_without_a_city(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res"
    assert main(["run", "--residents", "100", "--years", "0.05", "--seeds", "1", "--jobs", "1", "--out", str(out),
                 "--lang", "en"]) == 0
    capsys.readouterr()
    assert main(["report", str(out), "--map", str(GPKG), "--lang", "en"]) == 2
    assert "--map draws the wijken of a real city: give results run with --city" in one_line_error(
        capsys.readouterr().err)


def test_broken_city_file_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               work: Path) -> None:
    broken = tmp_path / "stad.toml"
    broken.write_text((work / "voorbeeldstad.toml").read_text(encoding="utf-8").replace(
        "places_per_10k = 3.0", "places_per_10k = nan", 1), encoding="utf-8")
    assert main(["run", "--city", str(broken), "--lang", "en"]) == 2
    assert "stad.toml: neighbourhood WK999901.settings.places_per_10k: nan is not a number" in one_line_error(
        capsys.readouterr().err)


def test_dashboard_starts_in_the_city_with_a_map(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from model import workshop as ds

    monkeypatch.setenv("VITALITY_CITY", str(work / "voorbeeldstad.toml"))
    monkeypatch.setenv("VITALITY_MAP", str(GPKG))
    settings = ds.start_settings("baseline", 1)
    settings["overrides"]["n_residents"] = 400  # a sample of about 400 of the city's adults
    m = ds.WorkshopModel(**settings)
    assert list(m.nbh_names) == WIJKEN and len(m.pop) == 400
    m.run_weeks(2)
    snap = ds.snapshot(m)
    assert list(snap.map_values) == WIJKEN and all(0 <= v <= 100 for v in snap.map_values.values())
    fig = ds.figure("map", snap, "nl", 9.0, 7.0)
    assert fig.axes[0].get_title() == "Voorbeeldstad, week 2: eenzame bewoners per wijk"
    assert ds.png(fig)[:4] == b"\x89PNG"
    m.decide("close_meeting_places", share=1.0, neighbourhoods=["Oost"])
    m.run_weeks(3)
    after = ds.snapshot(m)
    assert "lopend min basislijn" in ds.figure("map", after, "nl").axes[0].get_title()
    live, base = after.city.iloc[-1], after.baseline.iloc[-1]
    assert live["meeting_places_open"] < base["meeting_places_open"]
