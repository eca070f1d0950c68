"""Write the sample open-data files in tests/data/opendata/ (run: python tests/data/opendata/make_samples.py).

SAMPLES, NOT REAL FIGURES. "Voorbeeldstad" (GM9999) and "Proefdorp" (GM9998) are made-up
gemeenten; their numbers are invented to exercise every rule of the import. Each file has the
form of a real download:

* ``kwb-2023-voorbeeld.csv``: CBS Kerncijfers wijken en buurten, semicolon-separated with short
  codes, text in quotes, Dutch decimal commas, ``.`` for a secret figure and a -99997 sentinel.
* ``kwb-2024-voorbeeld.xlsx``: the same as a workbook (sheet ``KWB2024``, numbers as numbers).
* ``50120NED-voorbeeld.csv``: RIVM Gezondheid per wijk en buurt as the raw API table (keys such as
  ``2022JJ00``, ``20300`` and ``MW00000``; region keys padded with spaces; wijken and buurten, the
  smallest buurten without an estimate; two periods, two age groups, the estimate and its interval
  bounds).
* ``odata/<table>/*.json``: responses of CBS's OData API for both tables, as the ``cbsodata``
  client asks for them (service document, TableInfos, DataProperties, dimensions, TypedDataSet).
* ``wijkenbuurten-voorbeeld.gpkg``: boundaries as in the CBS/PDOK GeoPackage (layers
  ``gemeenten``, ``wijken``, ``buurten``; RD New coordinates; a lake buurt marked as water inside
  a wijk with a hole).

:func:`write_synthetic_kwb` writes a large made-up city (Amsterdam-size by default) for tests and
the benchmark; it is generated when needed, not kept.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
from model.opendata.geo import encode_geometry  # noqa: E402

GEMEENTE = ("GM9999", "Voorbeeldstad")
OTHER = ("GM9998", "Proefdorp")
# Buurten: code suffix, name, inhabitants, age mix (0-14, 15-24, 25-44, 45-64, 65+), one-person share of
# households, persons per household, % at social minimum (None: secret), income per inhabitant (x 1,000 EUR),
# Wmo clients per 1,000, % youth care (None: secret), urbanity, address density.
BUURTEN = {
    "01": ("Centrum", [
        ("01", "Binnenstad", 6200, (0.08, 0.22, 0.38, 0.20, 0.12), 0.62, 1.6, 9.5, 31.2, 52, 8.1, 1, 6100),
        ("02", "Havenkwartier", 4800, (0.10, 0.18, 0.40, 0.20, 0.12), 0.55, 1.7, 7.2, 35.8, 44, 7.4, 1, 5200),
        ("03", "Stationsbuurt", 40, (0.05, 0.30, 0.45, 0.15, 0.05), 0.80, 1.2, None, 22.0, 60, None, 1, 4800),
    ]),
    "02": ("Oost", [
        ("01", "Oosterpark", 7300, (0.18, 0.14, 0.30, 0.22, 0.16), 0.48, 2.1, 19.4, 21.3, 98, 14.2, 2, 2600),
        ("02", "Molenwijk", 5100, (0.20, 0.13, 0.28, 0.22, 0.17), 0.44, 2.2, 23.8, 19.7, 112, 15.9, 2, 2200),
    ]),
    "03": ("Nieuwland", [
        ("01", "Akkers", 6900, (0.22, 0.12, 0.27, 0.28, 0.11), 0.22, 2.6, 4.1, 33.4, 41, 9.8, 3, 1300),
        ("02", "Velden", 5600, (0.21, 0.12, 0.26, 0.29, 0.12), 0.24, 2.5, 4.6, 34.9, 45, 10.3, 3, 1150),
        ("99", "Het Meer", 0, (0.2, 0.12, 0.26, 0.29, 0.13), 0.0, 0.0, None, None, None, None, 5, 0),
    ]),
    "04": ("Dorp aan de Dijk", [
        ("01", "Dijkdorp", 3900, (0.13, 0.10, 0.19, 0.30, 0.28), 0.30, 2.2, None, 28.6, 121, None, 4, 650),
        ("02", "Buitengebied", 150, (0.14, 0.11, 0.18, 0.33, 0.24), 0.20, 2.4, None, 30.2, 90, None, 5, 120),
    ]),
    "05": ("Bedrijventerrein De Vaart", [
        ("01", "De Vaart", 15, (0.0, 0.2, 0.4, 0.4, 0.0), 0.9, 1.1, None, None, None, None, 4, 700),
    ]),
}
PROEFDORP = {"01": ("Kern", [("01", "Kern", 2100, (0.17, 0.11, 0.22, 0.28, 0.22), 0.33, 2.3, 5.0, 27.0, 80, 9.0, 4,
                               800)])}
# RIVM estimates per wijk (2022, adults): lonely, severely lonely, emotionally, socially, carers, volunteers (%).
HEALTH = {"01": (54.1, 16.8, 33.9, 41.0, 10.2, 24.5), "02": (58.6, 19.9, 35.5, 44.8, 13.1, 17.9),
          "03": (44.0, 10.9, 27.1, 33.2, 14.6, 33.8), "04": (41.2, 9.6, 26.0, 30.1, 17.5, 38.6),
          "05": (None, None, None, None, None, None)}
# RIVM estimates per buurt: the wijk's plus this many points (None: no estimate, as RIVM gives none for the
# smallest buurten). Buitengebied is merged into Dijkdorp at the buurt level, so their estimates are averaged.
HEALTH_BUURT = {"0101": -1.5, "0102": 2.0, "0103": None, "0201": -0.8, "0202": 1.2, "0301": 0.6, "0302": -0.7,
                "0401": 0.4, "0402": -3.0, "0501": None}
COLUMNS = ["gwb_code_10", "gwb_code_8", "regio", "gm_naam", "recs", "gwb_code", "ind_wbi", "a_inw", "a_man",
           "a_vrouw", "a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo", "a_hh", "a_1p_hh", "a_hh_z_k",
           "a_hh_m_k", "g_hhgro", "bev_dich", "g_ink_pi", "p_hh_osm", "a_soz_wb", "a_jz_tn", "p_jz_tn", "a_wmo_t",
           "p_wmo_t", "ste_mvs", "ste_oad"]


def _r5(x: float) -> int:
    """CBS rounds counts to a multiple of 5."""
    return int(5 * round(x / 5))


def _area(code: str, name: str, gemeente: tuple[str, str], level: str, people: float, ages: tuple, alone: float,
          hh_size: float, osm: float | None, income: float | None, wmo: float | None, youth: float | None,
          urbanity: int, oad: float) -> dict:
    households = people / hh_size if hh_size else 0.0
    row = {"gwb_code_10": code, "gwb_code_8": code[2:], "regio": name, "gm_naam": gemeente[1], "recs": level,
           "gwb_code": code, "ind_wbi": 1, "a_inw": _r5(people), "a_man": _r5(people * 0.49),
           "a_vrouw": _r5(people * 0.51)}
    for key, share in zip(("a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo"), ages, strict=True):
        row[key] = _r5(people * share)
    row |= {"a_hh": _r5(households), "a_1p_hh": _r5(households * alone),
            "a_hh_z_k": _r5(households * (1 - alone) * 0.55), "a_hh_m_k": _r5(households * (1 - alone) * 0.45),
            "g_hhgro": round(hh_size, 1) if hh_size else None, "bev_dich": round(oad * 0.9),
            "g_ink_pi": income, "p_hh_osm": osm, "a_soz_wb": _r5(people * (osm or 5) / 400),
            "a_jz_tn": None if youth is None else _r5(people * ages[0] * youth / 100 * 1.3), "p_jz_tn": youth,
            "a_wmo_t": None if wmo is None else _r5(people * wmo / 1000), "p_wmo_t": wmo,
            "ste_mvs": urbanity, "ste_oad": oad}
    if people < 50:  # CBS keeps figures of very small areas secret
        for key in ("a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo", "a_1p_hh", "g_ink_pi", "p_hh_osm"):
            row[key] = None
    return row


def kwb_rows() -> list[dict]:
    """All rows: Nederland, the two gemeenten, their wijken and buurten (wijken and gemeenten are sums)."""
    rows = [{"gwb_code_10": "NL00", "gwb_code_8": "0", "regio": "Nederland", "gm_naam": "Nederland", "recs": "Land",
             "gwb_code": "NL00", "ind_wbi": None, "a_inw": 17942940}]
    for gemeente, wijken in ((GEMEENTE, BUURTEN), (OTHER, PROEFDORP)):
        number = gemeente[0][2:]
        all_parts = []
        wijk_rows = []
        for wk, (wijk_name, buurten) in wijken.items():
            parts = [(f"BU{number}{wk}{bu}", *rest) for bu, *rest in buurten]
            all_parts += parts
            wijk_rows.append(_area(f"WK{number}{wk}", wijk_name, gemeente, "Wijk", *_pooled(parts)))
            wijk_rows += [_area(code, name, gemeente, "Buurt", *rest) for code, name, *rest in parts]
        rows.append(_area(gemeente[0], gemeente[1], gemeente, "Gemeente", *_pooled(all_parts)))
        rows += wijk_rows
    for row in rows:
        if row["gwb_code"] == "BU99990401":
            row["p_jz_tn"] = -99997  # a sentinel for a secret figure, as in some releases
    return rows


def _pooled(parts: list[tuple]) -> tuple:
    people = np.array([p[2] for p in parts], dtype=float)
    w = people / max(people.sum(), 1)
    ages = tuple(float(np.dot(w, [p[3][i] for p in parts])) for i in range(5))

    def mean(i: int) -> float | None:
        values = [(p[i], x) for p, x in zip(parts, w, strict=True) if p[i] is not None and x > 0]
        return None if not values else round(sum(v * x for v, x in values) / sum(x for _, x in values), 1)

    urbanity = round(float(np.dot(w, [p[10] for p in parts])))
    oad = mean(11)
    return (people.sum(), ages, mean(4), mean(5), mean(6), mean(7), mean(8), mean(9), urbanity,
            None if oad is None else round(oad))


def _csv_cell(value: object) -> str:
    if value is None:
        return "."
    if isinstance(value, float) and not value.is_integer():
        return f"{value}".replace(".", ",")  # Dutch decimal comma
    if isinstance(value, float):
        return str(int(value))
    return str(value)


def write_kwb_csv(path: Path, rows: list[dict]) -> None:
    """A KWB CSV download: semicolons, quoted text, decimal commas, '.' for secret figures."""
    lines = [";".join(COLUMNS)]
    for row in rows:
        lines.append(";".join(f'"{row[c]}"' if c in ("regio", "gm_naam") else _csv_cell(row.get(c))
                              for c in COLUMNS))
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def write_kwb_xlsx(path: Path, rows: list[dict], period: str = "2024") -> None:
    """A KWB workbook: sheet KWB<year>, numbers as numbers, '.' for secret figures."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"KWB{period}"
    book.properties.title = f"Kerncijfers wijken en buurten {period}"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(["." if row.get(c) is None else row.get(c) for c in COLUMNS])
    book.properties.creator = "community-vitality sample (not real figures)"
    book.save(path)


def _pad(code: str) -> str:
    return code.ljust(10)


def health_rows() -> list[dict]:
    """RIVM 50120NED as the raw API table: two periods, 18+ and 65+, estimate and interval bounds."""
    rows = []
    number = GEMEENTE[0][2:]
    ident = 0
    for period, shift in (("2020JJ00", -2.0), ("2022JJ00", 0.0)):
        for age, age_shift in (("20300", 0.0), ("80200", 5.0)):
            for margin, margin_shift in (("MW00000", 0.0), ("MOG0095", -4.0), ("MBG0095", 4.0)):
                areas = [(f"WK{number}{wk}", "Wijk", values, 0.0) for wk, values in HEALTH.items()]
                areas += [(f"BU{number}{bu}", "Buurt", HEALTH[bu[:2]], delta) for bu, delta in HEALTH_BUURT.items()]
                for code, kind, values, delta in areas:
                    vals = [None if v is None or delta is None else round(v + delta + shift + age_shift + margin_shift,
                                                                          1) for v in values]
                    rows.append({"ID": ident, "Leeftijd": age, "Marges": margin, "WijkenEnBuurten": _pad(code),
                                 "Perioden": period, "Gemeentenaam_1": GEMEENTE[1], "SoortRegio_2": kind.ljust(9),
                                 "Codering_3": _pad(code), "Eenzaam_27": vals[0],
                                 "ErnstigZeerErnstigEenzaam_28": vals[1],
                                 "EmotioneelEenzaam_29": vals[2], "SociaalEenzaam_30": vals[3],
                                 "Mantelzorger_31": vals[4], "Vrijwilligerswerk_32": vals[5]})
                    ident += 1
    return rows


def write_health_csv(path: Path, rows: list[dict]) -> None:
    """The API table saved as CSV: semicolons, everything quoted, '' for no estimate."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow(["" if v is None else v for v in row.values()])


# OData names of the KWB columns in table 85984NED (2024); the suffixes are that year's.
ODATA_KWB = {"a_inw": "AantalInwoners_5", "a_man": "Mannen_6", "a_vrouw": "Vrouwen_7", "a_00_14": "k_0Tot15Jaar_8",
             "a_15_24": "k_15Tot25Jaar_9", "a_25_44": "k_25Tot45Jaar_10", "a_45_64": "k_45Tot65Jaar_11",
             "a_65_oo": "k_65JaarOfOuder_12", "a_hh": "HuishoudensTotaal_28", "a_1p_hh": "Eenpersoonshuishoudens_29",
             "a_hh_z_k": "HuishoudensZonderKinderen_30", "a_hh_m_k": "HuishoudensMetKinderen_31",
             "g_hhgro": "GemiddeldeHuishoudensgrootte_32", "bev_dich": "Bevolkingsdichtheid_33",
             "g_ink_pi": "GemiddeldInkomenPerInwoner_78", "p_hh_osm": "HuishOnderOfRondSociaalMinimum_85",
             "a_jz_tn": "JongerenMetJeugdzorgInNatura_91", "p_jz_tn": "PercentageJongerenMetJeugdzorg_92",
             "a_wmo_t": "WmoClienten_93", "p_wmo_t": "WmoClientenRelatief_94",
             "ste_mvs": "MateVanStedelijkheid_116", "ste_oad": "Omgevingsadressendichtheid_117"}


def _odata(folder: Path, base: str, table: str, documents: dict[str, list[dict]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    service = [{"name": name, "url": f"{base}/{table}/{name}"} for name in documents]
    pages = {"index": service, **documents}
    for name, value in pages.items():
        doc = {"odata.metadata": f"{base}/{table}/$metadata" + ("" if name == "index" else f"#Cbs.OData.{name}"),
               "value": value}
        (folder / f"{name}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_odata(folder: Path, rows: list[dict], health: list[dict]) -> None:
    """Recorded answers of the OData API (ODataFeed), one JSON file per document the client asks for."""
    base = "https://opendata.cbs.nl/ODataFeed/odata"
    mine = [r for r in rows if r["gwb_code"][2:6] == GEMEENTE[0][2:]]
    data = []
    for i, r in enumerate(mine):
        rec = {"ID": i, "WijkenEnBuurten": _pad(r["gwb_code"]), "Gemeentenaam_1": GEMEENTE[1].ljust(40),
               "SoortRegio_2": r["recs"].ljust(10), "Codering_3": _pad(r["gwb_code"]),
               "IndelingswijzigingWijkenEnBuurten_4": "1"}
        rec |= {odata: (None if r.get(short) in (None, -99997) else r.get(short)) for short, odata in ODATA_KWB.items()}
        data.append(rec)
    regions = [{"Key": _pad(r["gwb_code"]), "Title": r["regio"], "Description": None,
                "Municipality": GEMEENTE[0], "DetailRegionCode": r["gwb_code"]} for r in mine]
    props = [{"odata.type": "Cbs.OData.GeoDimension", "ID": 0, "Position": 0, "ParentID": None, "Type": "GeoDimension",
              "Key": "WijkenEnBuurten", "Title": "Wijken en buurten", "Description": None, "MapYear": "2024",
              "ReleasePolicy": True}]
    props += [{"odata.type": "Cbs.OData.Topic", "ID": i + 1, "Position": i + 1, "ParentID": None, "Type": "Topic",
               "Key": key, "Title": key.rsplit("_", 1)[0], "Description": None, "Datatype": "Double", "Unit": "aantal",
               "Decimals": 0, "Default": "Impossible"} for i, key in enumerate(ODATA_KWB.values())]
    info = [{"ID": 1, "Title": "Kerncijfers wijken en buurten 2024", "ShortTitle": "Kerncijfers wijken en buurten 2024",
             "Identifier": "85984NED", "Summary": "SAMPLE: made-up figures of Voorbeeldstad", "Modified":
             "2025-03-28T02:00:00", "ReasonDelivery": "Actualisering", "Language": "nl", "Catalog": "CBS",
             "Frequency": "Eenmalig", "Period": "2024", "Status": "Regulier"}]
    _odata(folder / "85984NED", base, "85984NED", {"TableInfos": info, "UntypedDataSet": [], "TypedDataSet": data,
                                                   "DataProperties": props, "CategoryGroups": [],
                                                   "WijkenEnBuurten": regions})
    number = GEMEENTE[0][2:]
    regions = [(f"WK{number}{wk}", wijk) for wk, (wijk, _) in BUURTEN.items()]
    regions += [(f"BU{number}{wk}{bu}", name) for wk, (_, buurten) in BUURTEN.items() for bu, name, *_ in buurten
                if wk + bu in HEALTH_BUURT]
    dims = {"Leeftijd": [{"Key": "20300", "Title": "18 jaar of ouder"}, {"Key": "80200", "Title": "65 jaar of ouder"}],
            "Marges": [{"Key": "MW00000", "Title": "Waarde"}, {"Key": "MOG0095", "Title": "Ondergrens 95%-interval"},
                       {"Key": "MBG0095", "Title": "Bovengrens 95%-interval"}],
            "Perioden": [{"Key": "2020JJ00", "Title": "2020"}, {"Key": "2022JJ00", "Title": "2022"}],
            "WijkenEnBuurten": [{"Key": _pad(code), "Title": name} for code, name in regions]}
    rivm_info = [{"ID": 1, "Title": "Gezondheid per wijk en buurt; 2012/2016/2020/2022 (indeling 2022)",
                  "ShortTitle": "Gezondheid per wijk en buurt", "Identifier": "50120NED", "Period": "2012, 2016, 2020, "
                  "2022", "Summary": "SAMPLE: made-up figures of Voorbeeldstad", "Catalog": "RIVM"}]
    _odata(folder / "50120NED", "https://dataderden.cbs.nl/ODataFeed/odata", "50120NED",
           {"TableInfos": rivm_info, "UntypedDataSet": [], "TypedDataSet": health, "DataProperties": [],
            "CategoryGroups": [], **dims})


# ------------------------------------------------------------------------------------------ GeoPackage
_RD_NEW = ('PROJCS["Amersfoort / RD New",GEOGCS["Amersfoort",DATUM["Amersfoort",SPHEROID["Bessel 1841",6377397.155,'
           '299.1528128]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Oblique_Stereographic"],'
           'PARAMETER["latitude_of_origin",52.1561605555556],PARAMETER["central_meridian",5.38763888888889],'
           'PARAMETER["scale_factor",0.9999079],PARAMETER["false_easting",155000],PARAMETER["false_northing",463000],'
           'UNIT["metre",1],AUTHORITY["EPSG","28992"]]')


def sample_shapes() -> tuple[dict[str, Polygon], dict[str, Polygon]]:
    """Wijk and buurt polygons of Voorbeeldstad (RD New metres), the lake inside Nieuwland as a hole."""
    x0, y0 = 120_000.0, 480_000.0
    lake = box(x0 + 4600, y0 + 1400, x0 + 5400, y0 + 2600)
    wijken = {
        "01": box(x0, y0 + 2000, x0 + 2000, y0 + 4000),
        "02": box(x0 + 2000, y0 + 2000, x0 + 4000, y0 + 4000),
        "03": box(x0 + 4000, y0, x0 + 6000, y0 + 4000).difference(lake),
        "04": Polygon([(x0, y0), (x0 + 4000, y0), (x0 + 4000, y0 + 2000), (x0 + 1000, y0 + 2000),
                       (x0 + 1000, y0 + 1000), (x0, y0 + 1000)]),
        "05": box(x0, y0 + 1000, x0 + 1000, y0 + 2000),
    }
    buurten = {
        "0101": box(x0, y0 + 3000, x0 + 2000, y0 + 4000), "0102": box(x0, y0 + 2000, x0 + 1500, y0 + 3000),
        "0103": box(x0 + 1500, y0 + 2000, x0 + 2000, y0 + 3000),
        "0201": box(x0 + 2000, y0 + 3000, x0 + 4000, y0 + 4000),
        "0202": box(x0 + 2000, y0 + 2000, x0 + 4000, y0 + 3000),
        "0301": box(x0 + 4000, y0 + 2000, x0 + 6000, y0 + 4000).difference(lake),
        "0302": box(x0 + 4000, y0, x0 + 6000, y0 + 2000).difference(lake), "0399": lake,
        "0401": Polygon([(x0 + 1000, y0), (x0 + 4000, y0), (x0 + 4000, y0 + 2000), (x0 + 1000, y0 + 2000)]),
        "0402": box(x0, y0, x0 + 1000, y0 + 1000),
        "0501": box(x0 + 0, y0 + 1000, x0 + 1000, y0 + 2000),
    }
    return wijken, buurten


def write_gpkg(path: Path, wijken: dict[str, Polygon], buurten: dict[str, Polygon], gemeente: tuple[str, str],
               names: dict[str, str], inhabitants: dict[str, int], year: int = 2024) -> None:
    """A GeoPackage with the layout of CBS's wijkenbuurten_YYYY.gpkg (only the columns the samples need)."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    number = gemeente[0][2:]
    con.executescript(f"""
        PRAGMA application_id = 1196444487;  -- 'GPKG'
        PRAGMA user_version = 10300;
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
            description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT
            UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT
            (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
            srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
            CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
        INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
            ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
            ('Amersfoort / RD New', 28992, 'EPSG', 28992, '{_RD_NEW}', NULL);
        CREATE TABLE gemeenten (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON,
            gemeentecode TEXT, gemeentenaam TEXT, water TEXT, aantal_inwoners INTEGER, jaar INTEGER);
        CREATE TABLE wijken (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, wijkcode TEXT,
            wijknaam TEXT, gemeentecode TEXT, gemeentenaam TEXT, indelingswijziging_wijken_en_buurten INTEGER,
            water TEXT, aantal_inwoners INTEGER, jaar INTEGER);
        CREATE TABLE buurten (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, buurtcode TEXT,
            buurtnaam TEXT, wijkcode TEXT, gemeentecode TEXT, gemeentenaam TEXT,
            indelingswijziging_wijken_en_buurten INTEGER, water TEXT, aantal_inwoners INTEGER, jaar INTEGER);
    """)

    def multi(shape: Polygon) -> MultiPolygon:
        return shape if shape.geom_type == "MultiPolygon" else MultiPolygon([shape])

    everything = shapely.union_all(list(wijken.values()) + list(buurten.values()))
    layers = {
        "gemeenten": [(gemeente[0], gemeente[1], "NEE", sum(inhabitants.get(f"WK{number}{w}", 0) for w in wijken),
                       year, everything)],
        "wijken": [(f"WK{number}{w}", names[f"WK{number}{w}"], gemeente[0], gemeente[1], 1, "NEE",
                    inhabitants.get(f"WK{number}{w}", 0), year, s) for w, s in wijken.items()],
        "buurten": [(f"BU{number}{b}", names[f"BU{number}{b}"], f"WK{number}{b[:2]}", gemeente[0], gemeente[1], 1,
                     "JA" if b == "0399" else "NEE", inhabitants.get(f"BU{number}{b}", 0), year, s)
                    for b, s in buurten.items()],
    }
    for layer, records in layers.items():
        columns = [r[1] for r in con.execute(f"PRAGMA table_info({layer})")][2:]
        bounds = shapely.union_all([r[-1] for r in records]).bounds
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, "
                    "srs_id) VALUES (?, 'features', ?, ?, ?, ?, ?, 28992)", (layer, layer, *bounds))
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', 28992, 0, 0)", (layer,))
        marks = ", ".join("?" * (len(columns) + 1))
        con.executemany(f"INSERT INTO {layer} (geom, {', '.join(columns)}) VALUES ({marks})",
                        [(encode_geometry(multi(r[-1])), *r[:-1]) for r in records])
    con.commit()
    con.close()


def write_synthetic_kwb(path: Path, inhabitants: int = 900_000, wijken: int = 100, buurten_per_wijk: int = 5,
                        seed: int = 1, gemeente: tuple[str, str] = ("GM9997", "Grootstad (synthetic)")) -> None:
    """A made-up city of about ``inhabitants`` in ``wijken`` wijken, as a KWB CSV (for tests and the benchmark)."""
    rng = np.random.default_rng(seed)
    number = gemeente[0][2:]
    sizes = rng.dirichlet(np.full(wijken * buurten_per_wijk, 4.0)) * inhabitants
    parts: dict[str, list[tuple]] = {}
    for i, people in enumerate(sizes):
        wk, bu = divmod(i, buurten_per_wijk)
        wk_code = f"{wk + 1:02d}" if wk < 99 else f"A{wk - 98:01d}"  # big cities' codes run out of digits
        young = rng.uniform(0.1, 0.45)
        ages = np.array([0.15, young, 0.3, 0.25, rng.uniform(0.08, 0.3)])
        urbanity = int(rng.integers(1, 5))
        parts.setdefault(wk_code, []).append(
            (f"BU{number}{wk_code}{bu + 1:02d}", f"Buurt {wk + 1}-{bu + 1}", people, tuple(ages / ages.sum()),
             float(rng.uniform(0.2, 0.65)), float(rng.uniform(1.5, 2.6)), round(float(rng.uniform(2, 25)), 1),
             round(float(rng.uniform(18, 40)), 1), round(float(rng.uniform(30, 130))), round(float(rng.uniform(5, 15)),
                                                                                            1),
             urbanity, round(float(rng.uniform(300, 8000)))))
    rows = [_area(gemeente[0], gemeente[1], gemeente, "Gemeente", *_pooled([p for ps in parts.values() for p in ps]))]
    for wk_code, ps in parts.items():
        rows.append(_area(f"WK{number}{wk_code}", f"Wijk {wk_code}", gemeente, "Wijk", *_pooled(ps)))
        rows += [_area(code, name, gemeente, "Buurt", *rest) for code, name, *rest in ps]
    write_kwb_csv(path, rows)


def main() -> None:
    """Write every sample file next to this script."""
    rows = kwb_rows()
    write_kwb_csv(HERE / "kwb-2023-voorbeeld.csv", rows)
    write_kwb_xlsx(HERE / "kwb-2024-voorbeeld.xlsx", rows)
    health = health_rows()
    write_health_csv(HERE / "50120NED-voorbeeld.csv", health)
    write_odata(HERE / "odata", rows, health)
    wijken, buurten = sample_shapes()
    names = {r["gwb_code"]: r["regio"] for r in rows}
    people = {r["gwb_code"]: r["a_inw"] for r in rows}
    write_gpkg(HERE / "wijkenbuurten-voorbeeld.gpkg", wijken, buurten, GEMEENTE, names, people)
    print(f"wrote the samples in {HERE}")


if __name__ == "__main__":
    main()
