"""Reading CBS and RIVM downloads, deriving a real city, the city file and the map (model.opendata)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import matplotlib
import numpy as np
import pandas as pd
import pytest
import requests
from opendata_samples import CSV, DATA, GPKG, RIVM, XLSX, samples

from model.core.parameters import Parameters
from model.opendata import (
    OpenDataError,
    city_from_figures,
    city_to_toml,
    draw_map,
    load_city,
    neighbourhood_shapes,
    read_boundaries,
    read_health,
    read_kerncijfers,
)
from model.opendata import odata as od
from model.opendata.city import ADULT_SHARE_15_24, MIN_SAMPLE_PER_NEIGHBOURHOOD, SHARE_75_OF_65PLUS
from model.opendata.table import parse_number, read_table

matplotlib.use("Agg")


# ------------------------------------------------------------------------------------------ reading
def test_csv_and_xlsx_downloads_give_the_same_figures(kwb):
    from_xlsx = read_kerncijfers(XLSX, "Voorbeeldstad")
    assert from_xlsx.gemeente_code == kwb.gemeente_code == "GM9999"
    assert (kwb.source.period, from_xlsx.source.period) == ("2023", "2024")  # read from the file name and the sheet
    figures = [c for c in kwb.areas.columns if c != "where"]
    assert kwb.areas[figures].equals(from_xlsx.areas[figures])
    assert set(kwb.areas["level"]) == {"gemeente", "wijk", "buurt"}
    assert "GM9998" not in kwb.areas.index and not any(c.startswith("BU9998") for c in kwb.areas.index)


def test_markers_decimal_commas_and_sentinels(kwb):
    centrum = kwb.areas.loc["WK999901"]
    assert centrum["household_size"] == pytest.approx(1.6)  # written 1,6
    assert np.isnan(kwb.areas.loc["WK999904", "social_minimum_pct"])  # written '.'
    assert np.isnan(kwb.areas.loc["BU99990401", "youth_care_pct"])  # written -99997
    assert kwb.areas.loc["BU99990103", "where"] == "kwb-2023-voorbeeld.csv: row 7"


@pytest.mark.parametrize(("text", "value"), [("12", 12.0), ("-3.5", -3.5), ("2,3", 2.3), ("1.234,5", 1234.5),
                                             (" 7 ", 7.0), (".", None), ("", None), ("x", None), ("-99997", None),
                                             ("-99999999", None), ("1e3", 1000.0)])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["veel", "1,2,3", "inf", "nan%", "12.5.3", "3 4a"])
def test_parse_number_rejects_text(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_title_line_above_the_header_gives_the_period(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Kerncijfers wijken en buurten 2022\r\n" + CSV.read_text(encoding="utf-8"), encoding="utf-8")
    kwb = read_kerncijfers(path, "GM9999")
    assert kwb.source.period == "2022" and len(kwb.areas) == 17


def test_a_vintage_with_percentages_and_short_codes(tmp_path, kwb):
    """Years differ: some give age groups and one-person households as percentages (p_00_14 ... p_1p_hh, of
    inhabitants and of households), and some identify areas only by gwb_code_8 with recs."""
    header, *rows = [line.split(";") for line in CSV.read_text(encoding="utf-8").splitlines()]
    counts = {"a_00_14": "a_inw", "a_15_24": "a_inw", "a_25_44": "a_inw", "a_45_64": "a_inw", "a_65_oo": "a_inw",
              "a_1p_hh": "a_hh"}
    keep = [c for c in header if c not in ("gwb_code_10", "gwb_code", *counts)]
    lines = [";".join(keep + ["p_" + c[2:] for c in counts])]
    for row in rows:
        cell = dict(zip(header, row, strict=True))
        pcts = []
        for count, base in counts.items():
            known = cell[count] != "." and cell[base] not in (".", "0")
            pcts.append(f"{100 * float(cell[count]) / float(cell[base]):.1f}".replace(".", ",") if known else ".")
        lines.append(";".join([cell[c] for c in keep] + pcts))
    path = tmp_path / "kwb-2019.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    older = read_kerncijfers(path, "GM9999")
    assert older.source.period == "2019" and list(older.areas.index) == list(kwb.areas.index)
    for name in ("age_0_14", "age_15_24", "age_25_44", "age_45_64", "age_65_plus", "one_person_households"):
        # a percentage with one decimal gives the count to within 0.05% of its base
        base = kwb.areas["households" if name == "one_person_households" else "inhabitants"]
        assert older.areas[name].isna().equals(kwb.areas[name].isna()), name
        diff = (older.areas[name] - kwb.areas[name]).abs().dropna()
        assert (diff <= 0.0005 * base[diff.index] + 1e-9).all(), name
    city, _ = city_from_figures(older, "wijk")
    same, _ = city_from_figures(kwb, "wijk")
    for a, b in zip(city.neighbourhoods, same.neighbourhoods, strict=True):
        assert a.code == b.code and a.adults == pytest.approx(b.adults, rel=1e-3)
        np.testing.assert_allclose(a.settings.age_shares, b.settings.age_shares, atol=1e-3)
        assert a.settings.alone_share == pytest.approx(b.settings.alone_share, abs=1e-3)


def test_windows_1252_file_is_read_with_its_names(tmp_path):
    path = tmp_path / "kwb.csv"
    path.write_bytes(CSV.read_text(encoding="utf-8").replace("Oosterpark", "Súdpark").encode("cp1252"))
    kwb = read_kerncijfers(path, "GM9999")
    assert kwb.areas.loc["BU99990201", "name"] == "Súdpark"
    assert kwb.source.notes == ("read as Windows-1252 text (not UTF-8)",)


def test_rivm_keeps_the_adult_estimate_of_the_latest_period(health):
    assert health.source.period == "2022"
    lonely = health.figures["lonely_pct"]
    assert lonely["WK999902"] == samples.HEALTH["02"][0]  # not the 65+ rows, not the interval bounds
    assert np.isnan(lonely["WK999905"])
    earlier = read_health(RIVM, "GM9999", period="2020")
    assert earlier.figures.loc["WK999902", "lonely_pct"] == pytest.approx(samples.HEALTH["02"][0] - 2.0)


# ------------------------------------------------------------------------------------------ the city
def test_wijk_level_city(kwb, health):
    city, messages = city_from_figures(kwb, "wijk", health)
    assert [n.name for n in city.neighbourhoods] == ["Centrum", "Oost", "Nieuwland", "Dorp aan de Dijk"]
    assert city.skipped == ("WK999905 Bedrijventerrein De Vaart (15 inhabitants)",)
    assert any("skipped 1 wijk with" in m for m in messages)
    dorp = city.neighbourhoods[3]
    assert dorp.notes == ("p_hh_osm secret: the gemeente's low-income share used",)
    assert dorp.settings.low_income_share == pytest.approx(kwb.areas.loc["GM9999", "social_minimum_pct"] / 100)
    assert sum(n.settings.share for n in city.neighbourhoods) == pytest.approx(1, abs=1e-5)
    factor = np.array(Parameters().alone_age_factor)
    for n, code in zip(city.neighbourhoods, ("WK999901", "WK999902", "WK999903", "WK999904"), strict=True):
        row = kwb.areas.loc[code]
        assert sum(n.settings.age_shares) == pytest.approx(1, abs=1e-9)
        adults = ADULT_SHARE_15_24 * row["age_15_24"] + row["age_25_44"] + row["age_45_64"] + row["age_65_plus"]
        assert n.adults == round(adults)
        assert n.settings.age_shares[3] == pytest.approx(SHARE_75_OF_65PLUS * row["age_65_plus"] / adults, abs=1e-4)
        # The model's share living alone (alone_share x age factor over the age mix) is CBS's.
        simulated_alone = n.settings.alone_share * float(np.dot(n.settings.age_shares, factor))
        assert simulated_alone == pytest.approx(row["one_person_households"] / adults, abs=1e-3)
        assert n.observed["lonely_pct"] == health.figures.loc[code, "lonely_pct"]
    densities = {n.name: n.settings.density for n in city.neighbourhoods}
    assert densities["Centrum"] > densities["Oost"] > densities["Nieuwland"] > densities["Dorp aan de Dijk"]
    mean = sum(n.settings.density * n.adults for n in city.neighbourhoods) / city.adults
    assert mean == pytest.approx(1, abs=1e-3)


def test_buurt_level_merges_small_buurten(kwb):
    city, messages = city_from_figures(kwb, "buurt")
    binnenstad = next(n for n in city.neighbourhoods if n.code == "BU99990101")
    assert binnenstad.merged == ("BU99990103",)
    assert binnenstad.inhabitants == kwb.areas.loc["BU99990101", "inhabitants"] + 40
    assert "BU99990399" not in [n.code for n in city.neighbourhoods]  # the lake: no inhabitants
    assert any("merged buurt Stationsbuurt" in m for m in messages)
    assert any("without inhabitants: BU99990399 Het Meer" in m for m in messages)
    assert city.skipped == ("BU99990501 De Vaart (15 inhabitants)",)


def test_buurt_level_keeps_rivm_estimates_per_buurt(kwb, health):
    city, messages = city_from_figures(kwb, "buurt", health)
    lonely = {n.code: n.observed.get("lonely_pct") for n in city.neighbourhoods}
    figures = health.figures["lonely_pct"]
    assert lonely["BU99990201"] == figures["BU99990201"]  # a buurt's own estimate, not its wijk's
    assert figures["BU99990201"] != figures["WK999902"]
    # Stationsbuurt (40 inhabitants, no estimate) merged into Binnenstad: Binnenstad's estimate alone.
    assert lonely["BU99990101"] == figures["BU99990101"]
    # Buitengebied (150) merged into Dijkdorp (3,900): their estimates averaged by inhabitants.
    people = kwb.areas.loc[["BU99990401", "BU99990402"], "inhabitants"].to_numpy(dtype=float)
    expected = np.average(figures[["BU99990401", "BU99990402"]].to_numpy(), weights=people)
    assert lonely["BU99990401"] == pytest.approx(expected, abs=0.005)
    assert figures["BU99990402"] < lonely["BU99990401"] < figures["BU99990401"]
    assert not any("no RIVM" in m for m in messages)


def test_city_file_round_trip(kwb, health, tmp_path):
    city, _ = city_from_figures(kwb, "wijk", health)
    path = tmp_path / "voorbeeldstad.toml"
    path.write_text(city_to_toml(city), encoding="utf-8")
    again = load_city(path)
    assert again == city
    assert again.archetypes()["Centrum"] == city.neighbourhoods[0].settings


def test_repeated_names_get_their_code(kwb):
    kwb2 = read_kerncijfers(CSV, "GM9999")
    kwb2.areas.loc["WK999902", "name"] = "Centrum"
    city, _ = city_from_figures(kwb2, "wijk")
    assert city.labels()[:2] == ["Centrum (WK999901)", "Centrum (WK999902)"]


def test_scale(kwb):
    city, _ = city_from_figures(kwb, "wijk")
    assert city.sample_size(1) == city.adults
    assert city.sample_size(0.1) == round(city.adults * 0.1)
    smallest = min(n.adults for n in city.neighbourhoods)
    with pytest.raises(OpenDataError, match=r"--scale 0.001 leaves .* use --scale 0.00\d+ or more"):
        city.sample_size(0.001)
    assert smallest * 0.01 >= MIN_SAMPLE_PER_NEIGHBOURHOOD
    for bad in (0, 1.5, -1, float("nan")):
        with pytest.raises(OpenDataError, match="--scale"):
            city.sample_size(bad)


def test_amsterdam_size_city_imports(tmp_path):
    path = tmp_path / "kwb-grootstad.csv"
    samples.write_synthetic_kwb(path)
    kwb = read_kerncijfers(path, "GM9997")
    city, _ = city_from_figures(kwb, "wijk")
    assert len(city.neighbourhoods) == 100
    assert 880_000 < city.inhabitants < 920_000
    assert "WK9997A1" in [n.code for n in city.neighbourhoods]  # letters in wijk codes of big cities
    assert len(city_from_figures(kwb, "buurt")[0].neighbourhoods) > 450


# ------------------------------------------------------------------------------------------ the API
class RecordedAPI:
    """Answers the cbsodata client from the recorded responses in tests/data/opendata/odata/."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def send(self, session, request, **kwargs):
        self.urls.append(request.url)
        url = urlparse(request.url)
        parts = url.path.strip("/").split("/")  # ODataFeed/odata/<table>/<document>
        table, document = parts[2], (parts[3] if len(parts) > 3 else "index")
        file = DATA / "odata" / table / f"{document}.json"
        response = requests.Response()
        response.url = request.url
        if file.exists():
            response.status_code, response._content = 200, file.read_bytes()
        else:
            response.status_code, response._content = 404, b'{"odata.error": "not found"}'
        return response


@pytest.fixture
def api(monkeypatch):
    pytest.importorskip("cbsodata")
    recorded = RecordedAPI()
    monkeypatch.setattr(requests.Session, "send", lambda session, request, **kw: recorded.send(session, request))
    return recorded


def test_kwb_from_the_recorded_api_matches_the_file(api, kwb):
    from_api = od.fetch_kerncijfers("cbs:85984NED", "GM9999")
    assert from_api.source.title == "Kerncijfers wijken en buurten 2024" and from_api.source.period == "2024"
    data_urls = [u for u in api.urls if "TypedDataSet" in u]
    assert "startswith(WijkenEnBuurten,'WK9999')" in parse_qs(urlparse(data_urls[0]).query)["$filter"][0]
    assert list(from_api.areas["name"]) == list(kwb.areas["name"])  # the client gives titles for region keys
    for column in ("inhabitants", "age_15_24", "one_person_households", "wmo_per_1000", "address_density"):
        assert from_api.areas[column].equals(kwb.areas[column]), column
    city_api, _ = city_from_figures(from_api, "wijk")
    city_file, _ = city_from_figures(kwb, "wijk")
    assert [n.settings for n in city_api.neighbourhoods] == [n.settings for n in city_file.neighbourhoods]


def test_rivm_from_the_recorded_api_matches_the_file(api, health):
    from_api = od.fetch_health("rivm:50120NED", "GM9999")
    assert any(u.startswith("https://dataderden.cbs.nl/") for u in api.urls)
    assert from_api.figures.equals(health.figures)


def test_unknown_api_table(api):
    with pytest.raises(OpenDataError, match=r"^cbs:99999NED: CBS's API gave no answer \(HTTP 404\)"):
        od.fetch_kerncijfers("cbs:99999NED", "GM9999")


def test_api_without_the_client(monkeypatch):
    monkeypatch.setitem(sys.modules, "cbsodata", None)
    with pytest.raises(OpenDataError, match=r"pip install 'community-vitality\[cbs\]'"):
        od.fetch_kerncijfers("cbs:85984NED", "GM9999")


def test_api_source_names():
    assert od.is_api_source("cbs:85984NED") and od.is_api_source("rivm:50120NED")
    assert not od.is_api_source("kwb-2024.csv") and not od.is_api_source("C:/data/kwb.csv")


# ------------------------------------------------------------------------------------------ the map
def test_boundaries_and_map(kwb, health, tmp_path):
    wijken = read_boundaries(GPKG, "GM9999", "wijk")
    assert wijken.layer == "wijken" and sorted(wijken.shapes) == [f"WK99990{i}" for i in range(1, 6)]
    assert len(wijken.shapes["WK999903"].geoms[0].interiors) == 1  # the lake is a hole in Nieuwland
    buurten = read_boundaries(GPKG, "GM9999", "buurt")
    assert "BU99990399" not in buurten.shapes  # water
    city, _ = city_from_figures(kwb, "buurt", health)
    parts = city.parts()
    shapes, missing = neighbourhood_shapes(buurten, parts)
    assert missing == [] and shapes["Binnenstad"].area == pytest.approx(1_000_000 * 2 + 1_500_000 - 1_500_000 + 500_000)
    values = {label: float(i) for i, label in enumerate(shapes)}
    others = {c: s for c, s in buurten.shapes.items() if c not in {c for p in parts.values() for c in p}}
    fig = draw_map(shapes, values, "Voorbeeldstad", "lonely (%)", others=others)
    coloured = [c for c in fig.axes[0].collections if c.get_array() is not None]
    assert len(coloured) == 1 and list(coloured[0].get_array()) == list(values.values())
    fig.savefig(tmp_path / "map.png")
    assert (tmp_path / "map.png").stat().st_size > 10_000
    diff = draw_map(shapes, {k: v - 3 for k, v in values.items()}, "difference", "pp", diverging=True)
    norm = next(c for c in diff.axes[0].collections if c.get_array() is not None).norm
    assert norm.vmin == -norm.vmax


# ------------------------------------------------------------------------------------------ samples
def test_samples_are_what_the_script_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(samples, "HERE", tmp_path)
    samples.main()
    for name in ("kwb-2023-voorbeeld.csv", "50120NED-voorbeeld.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    for path in (DATA / "odata").rglob("*.json"):
        assert json.loads(path.read_text()) == json.loads((tmp_path / path.relative_to(DATA)).read_text()), path
    assert read_table(tmp_path / "kwb-2024-voorbeeld.xlsx").rows == read_table(XLSX).rows
    new = read_boundaries(tmp_path / "wijkenbuurten-voorbeeld.gpkg", "GM9999", "buurt")
    old = read_boundaries(GPKG, "GM9999", "buurt")
    assert new.names == old.names and all(new.shapes[c].equals(old.shapes[c]) for c in old.shapes)


def test_observed_vs_simulated(kwb, health):
    from model.opendata.compare import observed_vs_simulated

    city, _ = city_from_figures(kwb, "wijk", health)
    labels = city.labels()
    per_seed = pd.DataFrame([{"seed": s, "neighbourhood": label, "lonely_share": 0.40 + 0.01 * s,
                              "severe_share": 0.1, "very_severe_share": 0.02, "emotional_lonely_share": 0.3,
                              "social_lonely_share": 0.35, "volunteering_share_year": 0.3,
                              "informal_carer_share": 0.12} for s in range(3) for label in labels[:2]])
    table = observed_vs_simulated(city, per_seed)
    assert set(table["neighbourhood"]) == set(labels[:2])  # neighbourhoods not simulated are left out
    row = table[(table["neighbourhood"] == "Oost") & (table["figure"] == "lonely_pct")].iloc[0]
    assert row["observed"] == samples.HEALTH["02"][0]
    assert row["simulated"] == pytest.approx(41.0)
    assert row["difference"] == pytest.approx(41.0 - samples.HEALTH["02"][0])
    assert row["ci_low"] < 41.0 < row["ci_high"]
    severe = table[(table["neighbourhood"] == "Oost") & (table["figure"] == "severe_lonely_pct")].iloc[0]
    assert severe["simulated"] == pytest.approx(12.0)  # DJG 9-10 and 11 together


# ------------------------------------------------------------------------------------------ commands
def test_import_write_and_map(tmp_path):
    from model.opendata.commands import city_map, import_city, save_figure, write_city

    city, messages = import_city(str(XLSX), "GM9999", rivm=str(RIVM))
    assert any("skipped 1 wijk with" in m for m in messages)
    out = write_city(city, tmp_path / "voorbeeldstad.toml")
    again = load_city(out)
    assert again.sources["rivm"].period == "2022" and again.neighbourhoods[0].observed["lonely_pct"] == 54.1
    with pytest.raises(OpenDataError, match="exists already"):
        write_city(city, out)
    fig, missing = city_map(again, GPKG, "lonely_pct")
    assert missing == []
    assert fig.axes[-1].get_ylabel() == "% of adults lonely (De Jong Gierveld score 3 or more), RIVM"  # the colour bar
    png = save_figure(fig, tmp_path / "kaart.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(OpenDataError, match=r"should end in \.png or \.svg"):
        save_figure(fig, tmp_path / "kaart.jpg")


def test_import_from_the_api_needs_a_code(api):
    from model.opendata.commands import import_city

    with pytest.raises(OpenDataError, match="give the gemeente's code"):
        import_city("cbs:85984NED", "Voorbeeldstad")
    city, _ = import_city("cbs:85984NED", "9999", rivm="rivm:50120NED")
    assert city.sources["cbs"].file == "cbs:85984NED" and "lonely_pct" in city.neighbourhoods[0].observed


def test_output_maps_from_a_short_run(kwb, health, tmp_path):
    """A real city runs: the neighbourhoods keep their names, and each map output has a value per neighbourhood."""
    from model.experiments.runner import RunResult, run
    from model.opendata.commands import CityRun, city_of_results
    from model.opendata.outputs import MAP_OUTPUTS, final_by_neighbourhood, output_maps

    city, _ = city_from_figures(kwb, "wijk", health)
    params = city.parameters(Parameters(burn_in_years=0.1, years=0.1), scale=0.02)
    finals, results = {}, {}
    for steering in ("framing", "facilitating"):
        result = run(params.replace(steering_mode=steering), seed=1)
        assert list(result.neighbourhoods["neighbourhood"].unique()) == city.labels()
        finals[steering] = final_by_neighbourhood(result.neighbourhoods)
        results[steering] = RunResult(result.city, result.neighbourhoods.assign(seed=1))
    run_ = CityRun(city, 0.02, "voorbeeldstad.toml")
    assert city_of_results({"city": run_.manifest()}, "res") == run_
    folder = Path(tmp_path)
    run_.write(folder, results)
    assert load_city(folder / "city.toml") == city
    observed = pd.read_csv(folder / "observed.csv")
    assert set(observed["scenario"]) == {"framing", "facilitating"} and "Centrum" in set(observed["neighbourhood"])
    maps = output_maps(city, GPKG, finals, {k: k for k in MAP_OUTPUTS}, "{output}: {scenario} - {ref}")
    assert [key for key, _, _ in maps] == [*MAP_OUTPUTS, *(f"{k}-facilitating" for k in MAP_OUTPUTS)]
    for _, _, fig in maps:
        coloured = [c for c in fig.axes[0].collections if c.get_array() is not None]
        assert len(coloured[0].get_array()) == len(city.neighbourhoods)


def test_odd_names_every_column_the_import_reads():
    from model.opendata.kwb import FIGURES
    from model.opendata.rivm import FIGURES as HEALTH

    odd = (Path(__file__).parents[1] / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = odd[odd.index("### 6.3 A real city"): odd.index("## 7 Submodels")]
    for f in FIGURES:
        assert f"`{f.short[0]}`" in section and f"`{f.odata}_<n>`" in section, f.name
        assert not f.percent or f"`{f.percent}`" in section, f.name
    for f in HEALTH:
        assert f"`{f.odata}_<n>`" in section, f.name
