"""Bad input to model.opendata: broken and fuzzed KWB, RIVM, GeoPackage and city files each end in one
line naming the file and what is wrong (an OpenDataError), never another exception."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from opendata_samples import CSV, DATA, GPKG, RIVM, XLSX

from model.cli import main
from model.opendata import (
    OpenDataError,
    city_from_figures,
    city_to_toml,
    load_city,
    read_boundaries,
    read_health,
    read_kerncijfers,
)
from model.opendata.table import parse_number


# ------------------------------------------------------------------------------------------ bad input
def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def _variant(tmp_path: Path, name: str, edit) -> Path:
    path = tmp_path / name
    text = CSV.read_text(encoding="utf-8")
    path.write_bytes(edit(text))
    return path


BROKEN_KWB = {
    "wrong file (a scenario)": (lambda t: b'name = "x"\n[parameters]\nn_residents = 10\n', "not a table"),
    "no rows of figures": (lambda t: b"Kerncijfers wijken en buurten 2024\nbron: CBS;2024\n", "no header row"),
    "an image": (lambda t: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not text in UTF-8"),
    "empty": (lambda t: b"", "the file is empty"),
    "damaged xls": (lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a spreadsheet that cannot be read"),
    "damaged xlsx": (lambda t: b"PK\x03\x04" + b"\x00" * 100, "a spreadsheet that cannot be read"),
    "missing column": (lambda t: t.replace("a_1p_hh", "a_1p_xx").encode(), "column a_1p_hh (one-person households) is "
                       "missing"),
    "unreadable cell": (lambda t: t.replace(";6200;", ";veel;", 1).encode(), "row 5, column a_inw: cannot read 'veel'"),
    "utf-16 without BOM": (lambda t: t.encode("utf-16-le"), "UTF-16 without a byte-order mark"),
    "ragged row": (lambda t: t.replace("\nWK999902;", "\nWK999902;1;2;3;", 1).encode(), "row 8: 33 cells"),
    "no code column": (lambda t: t.replace("gwb_code_10", "c10").replace("gwb_code_8", "c8").replace("gwb_code;", "c;")
                       .encode(),
                       "no area code column"),
}


@pytest.mark.parametrize("case", list(BROKEN_KWB))
def test_broken_kwb_files(tmp_path, case):
    edit, expected = BROKEN_KWB[case]
    path = _variant(tmp_path, "kwb.csv", edit)
    with pytest.raises(OpenDataError) as exc:
        read_kerncijfers(path, "GM9999")
    message = _one_line(exc)
    assert message.startswith("kwb.csv") and expected in message


def test_unknown_gemeente_names_close_ones():
    with pytest.raises(OpenDataError) as exc:
        read_kerncijfers(CSV, "Voorbeeldsted")
    assert _one_line(exc) == ("kwb-2023-voorbeeld.csv: gemeente 'Voorbeeldsted' is not in this table (did you mean: "
                              "GM9999 Voorbeeldstad)")
    with pytest.raises(OpenDataError) as exc:
        read_kerncijfers(CSV, "GM0599")
    assert _one_line(exc) == ("kwb-2023-voorbeeld.csv: gemeente 'GM0599' is not in this table (it has 2 gemeenten, "
                              "such as GM9999 Voorbeeldstad)")


def test_missing_file():
    with pytest.raises(OpenDataError, match="no such file"):
        read_kerncijfers(DATA / "kwb-1999.csv", "GM9999")


def test_broken_rivm_files(tmp_path):
    text = RIVM.read_text(encoding="utf-8")
    cases = {
        "no loneliness": (text.replace("Eenzaam_27", "Gezond_27"), "column Eenzaam_<n>"),
        "not a percentage": (text.replace('"WK999901  ";"54.1"', '"WK999901  ";"154.1"'), "154.1 is not a percentage"),
        "unreadable": (text.replace('"WK999902  ";"58.6"', '"WK999902  ";"hoog"'), "cannot read 'hoog'"),
        "other gemeente only": (text.replace("WK9999", "WK0599").replace("BU9999", "BU0599"),
                                "no estimates for adults in the wijken or buurten"),
        "kwb given as rivm": (CSV.read_text(encoding="utf-8"), "no header row"),
    }
    for case, (content, expected) in cases.items():
        path = tmp_path / "rivm.csv"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(OpenDataError) as exc:
            read_health(path, "GM9999")
        assert expected in _one_line(exc) and str(exc.value).startswith("rivm.csv"), case
    with pytest.raises(OpenDataError, match="no estimates for period 2016; the file has 2020, 2022"):
        read_health(RIVM, "GM9999", period="2016")


def test_broken_geopackages(tmp_path):
    with pytest.raises(OpenDataError, match="not a GeoPackage"):
        read_boundaries(CSV, "GM9999", "wijk")
    with pytest.raises(OpenDataError, match="layer wijken has no wijken of GM0599"):
        read_boundaries(GPKG, "GM0599", "wijk")
    renamed = tmp_path / "wb.gpkg"
    shutil.copy(GPKG, renamed)
    con = sqlite3.connect(renamed)
    con.execute("UPDATE gpkg_geometry_columns SET table_name = 'grenzen' WHERE table_name = 'wijken'")
    con.commit()
    con.close()
    with pytest.raises(OpenDataError, match=r"wb.gpkg: no layer of wijken \(has: buurten, gemeenten, grenzen\)"):
        read_boundaries(renamed, "GM9999", "wijk")


def _city_text(kwb, health) -> str:
    return city_to_toml(city_from_figures(kwb, "wijk", health)[0])


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: t.replace("level = \"wijk\"", "level = \"wijk\"\nkleur = \"blauw\""), "kleur: unknown key"),
    (lambda t: t.replace("alone_share = 0.5215", "alone_share = nan"),
     "neighbourhood WK999901.settings.alone_share: nan is not a number"),
    (lambda t: t.replace("alone_share = 0.5215", "alone_share = 1.5"),
     "neighbourhood WK999901.settings.alone_share: 1.5 is out of range"),
    (lambda t: t.replace("alone_share = 0.5215", "alone_sahre = 0.5"),
     "neighbourhood WK999901.settings.alone_share: missing"),
    (lambda t: t.replace("lonely_pct = 54.1", "lonely_pct = 154.1"),
     "neighbourhood WK999901.observed.lonely_pct: 154.1 is out of range 0 to 100"),
    (lambda t: t.replace("lonely_pct = 54.1", "eenzaam = 54.1"),
     "neighbourhood WK999901.observed.eenzaam: unknown key"),
    (lambda t: t.replace("age_shares = [0.3958", "age_shares = [0.4958"),
     "neighbourhood WK999901.settings.age_shares: must add up to 1"),
    (lambda t: t.replace('code = "WK999902"', 'code = "WK999901"'), "code WK999901 appears twice"),
    (lambda t: t.replace("format = 1", "format = 2"), "format: expected 1"),
    (lambda t: t.replace('gemeente = "GM9999"', 'gemeente = "Voorbeeldstad"'), "is not a gemeente code"),
    (lambda t: t.replace("adults = 9388", "adults = 99388"), "adults (99388) exceed inhabitants"),
    (lambda t: t + "[[[", "not valid TOML"),
])
def test_broken_city_files(tmp_path, kwb, health, edit, expected):
    path = tmp_path / "stad.toml"
    text = _city_text(kwb, health)
    changed = edit(text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    with pytest.raises(OpenDataError) as exc:
        load_city(path)
    message = _one_line(exc)
    assert message.startswith("stad.toml: ") and expected in message


@pytest.mark.parametrize(("edit", "expected"), [
    (("lonely_pct = 54.1", "lonely_pct = 154.1"),
     "wijk WK999901.observed.lonely_pct: 154.1 valt buiten het bereik 0 tot 100"),
    (("alone_share = 0.5215", "alone_share = 1.5"), "wijk WK999901.settings.alone_share: 1.5 valt buiten het bereik;"),
])
def test_a_broken_city_file_is_said_in_dutch_by_default(tmp_path, kwb, health, capsys, edit, expected):
    path = tmp_path / "stad.toml"
    path.write_text(_city_text(kwb, health).replace(*edit), encoding="utf-8")
    assert main(["run", "--city", str(path), "--out", str(tmp_path / "res")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"vitality: fout: stad.toml: {expected}") and len(err.splitlines()) == 1, err
    assert not (tmp_path / "res").exists()


def test_an_empty_download_is_said_in_dutch_by_default(tmp_path, capsys):
    (tmp_path / "kwb-2024.csv").write_text("\n")
    assert main(["city", "import", str(tmp_path / "kwb-2024.csv"), "--gemeente", "GM9999",
                 "--out", str(tmp_path / "stad.toml")]) == 2
    assert capsys.readouterr().err == "vitality: fout: kwb-2024.csv: het bestand is leeg\n"
    assert not (tmp_path / "stad.toml").exists()


def test_a_misspelt_gemeente_is_said_in_dutch_by_default(tmp_path, capsys):
    assert main(["city", "import", str(CSV), "--gemeente", "Voorbeeldstat", "--out", str(tmp_path / "stad.toml")]) == 2
    assert capsys.readouterr().err == (f"vitality: fout: {CSV.name}: gemeente 'Voorbeeldstat' staat niet in deze tabel "
                                       "(bedoelt u: GM9999 Voorbeeldstad)\n")


def test_city_file_in_another_encoding(tmp_path, kwb, health):
    path = tmp_path / "stad.toml"
    path.write_bytes(_city_text(kwb, health).replace("Dorp aan de Dijk", "Dörp").encode("cp1252"))
    with pytest.raises(OpenDataError, match=r"stad\.toml: not UTF-8 text"):
        load_city(path)


# ------------------------------------------------------------------------------------------ fuzzing
def test_fuzzed_kwb_files_fail_cleanly(tmp_path):
    """Random damage to a KWB file: it is read, or refused with an OpenDataError; nothing else escapes."""
    rng = random.Random(17)
    original = CSV.read_bytes()
    alphabet = b";,.\"\r\n-0123456789abcxyz\xe9\xff\x00 "
    outcomes = {"read": 0, "refused": 0}
    for i in range(250):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            kind = rng.random()
            pos = rng.randrange(len(data))
            if kind < 0.4:
                data[pos] = rng.choice(alphabet)
            elif kind < 0.7:
                del data[pos: pos + rng.randint(1, 30)]
            else:
                data[pos:pos] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
        path = tmp_path / f"fuzz{i}.csv"
        path.write_bytes(bytes(data))
        try:
            kwb = read_kerncijfers(path, "GM9999")
            city_from_figures(kwb, "wijk")
            outcomes["read"] += 1
        except OpenDataError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(("fuzz", "--")), str(exc)
            outcomes["refused"] += 1
    assert outcomes["read"] > 0 and outcomes["refused"] > 0


def test_fuzzed_city_files_fail_cleanly(tmp_path, kwb, health):
    rng = random.Random(3)
    text = _city_text(kwb, health)
    tokens = ["nan", "inf", "-1", "1e9", '"x"', "[]", "true", "[1, 2]", "{}", "0"]
    for i in range(200):
        lines = text.split("\n")
        for _ in range(rng.randint(1, 3)):
            j = rng.randrange(len(lines))
            if "=" in lines[j] and rng.random() < 0.8:
                lines[j] = lines[j].split("=")[0] + "= " + rng.choice(tokens)
            else:
                del lines[j]
        path = tmp_path / f"city{i}.toml"
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            load_city(path)
        except OpenDataError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(f"city{i}.toml"), str(exc)


def test_fuzzed_numbers():
    rng = random.Random(5)
    for _ in range(2000):
        text = "".join(rng.choice("0123456789.,-+eE x") for _ in range(rng.randint(0, 8)))
        try:
            value = parse_number(text)
        except ValueError:
            continue
        assert value is None or np.isfinite(value)




def test_fuzzed_workbooks_fail_cleanly(tmp_path):
    rng = random.Random(11)
    original = XLSX.read_bytes()
    for i in range(120):
        data = bytearray(original)
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(data))
            data[pos: pos + rng.randint(1, 4)] = bytes(rng.randrange(256) for _ in range(rng.randint(0, 4)))
        path = tmp_path / f"fuzz{i}.xlsx"
        path.write_bytes(bytes(data))
        try:
            read_kerncijfers(path, "GM9999")
        except OpenDataError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(f"fuzz{i}.xlsx"), str(exc)
