"""CBS "Kerncijfers wijken en buurten" (KWB): one row per gemeente, wijk and buurt of the Netherlands.

CBS publishes the table each year (2022 85318NED, 2023 85618NED, 2024 85984NED, 2025 86165NED)
as ``kwb-YYYY.xlsx`` and ``kwb-YYYY.csv`` with stable short column codes (``a_inw``, ``a_1p_hh``,
...), and through its OData API with long names whose numeric suffix changes every year
(``AantalInwoners_5``, ``Eenpersoonshuishoudens_29``): files are read by short code, API
records by the name without its suffix. :data:`FIGURES` lists every column the import reads,
what it means and what it is used for; ``docs/ODD.md`` quotes it.

Only the rows of one gemeente are turned into numbers, so a typo in another gemeente's row of
the national file does not stop an import, and reading stays quick.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from model.messages import msg
from model.opendata.table import OpenDataError, RawTable, parse_number, period_from, read_table

#: Area codes: gemeente GM0599, wijk WK059901, buurt BU05990101 (letters occur in codes of big cities).
CODE = re.compile(r"^(GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$")
LEVELS = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}
_LEVEL_PREFIX = {"gemeente": "GM", "wijk": "WK", "buurt": "BU"}


@dataclass(frozen=True)
class Figure:
    """One column the import reads.

    Attributes:
        name: Its name in the import (and in the city file's observed figures).
        short: CBS short codes in the XLSX and CSV downloads, in order of preference.
        odata: The OData name without its yearly numeric suffix.
        meaning: What CBS counts (unit included).
        use: What the import does with it.
        percent: A short code holding the same figure as a percentage of ``base`` (later vintages).
        base: The figure a percentage refers to.
        required: The import cannot derive a neighbourhood's settings without the column.
    """

    name: str
    short: tuple[str, ...]
    odata: str
    meaning: str
    use: str
    percent: str = ""
    base: str = ""
    required: bool = True


FIGURES: tuple[Figure, ...] = (
    Figure("inhabitants", ("a_inw",), "AantalInwoners", "inhabitants (1 January)",
           "size; areas below --min-inhabitants are merged or skipped"),
    Figure("age_0_14", ("a_00_14",), "k_0Tot15Jaar", "inhabitants aged 0-14", "not adults: left out",
           percent="p_00_14", base="inhabitants"),
    Figure("age_15_24", ("a_15_24",), "k_15Tot25Jaar", "inhabitants aged 15-24",
           "7/10 of them (ages 18-24) are adults aged 18-34", percent="p_15_24", base="inhabitants"),
    Figure("age_25_44", ("a_25_44",), "k_25Tot45Jaar", "inhabitants aged 25-44",
           "half to 18-34, half to 35-54", percent="p_25_44", base="inhabitants"),
    Figure("age_45_64", ("a_45_64",), "k_45Tot65Jaar", "inhabitants aged 45-64",
           "half to 35-54, half to 55-74", percent="p_45_64", base="inhabitants"),
    Figure("age_65_plus", ("a_65_oo",), "k_65JaarOfOuder", "inhabitants aged 65 and over",
           "55% to 55-74, 45% to 75+ (the national split)", percent="p_65_oo", base="inhabitants"),
    Figure("households", ("a_hh",), "HuishoudensTotaal", "private households",
           "base of p_1p_hh where a_1p_hh is not given", required=False),
    Figure("one_person_households", ("a_1p_hh",), "Eenpersoonshuishoudens", "one-person households",
           "alone_share: one adult lives alone in each", percent="p_1p_hh", base="households"),
    Figure("household_size", ("g_hhgro",), "GemiddeldeHuishoudensgrootte", "mean household size",
           "kept as observed", required=False),
    Figure("population_density", ("bev_dich",), "Bevolkingsdichtheid", "inhabitants per km2",
           "kept as observed", required=False),
    Figure("income_per_inhabitant", ("g_ink_pi",), "GemiddeldInkomenPerInwoner",
           "mean income per inhabitant (x 1,000 EUR)", "kept as observed", required=False),
    Figure("social_minimum_pct", ("p_hh_osm",), "HuishOnderOfRondSociaalMinimum",
           "% of households at or below the social minimum", "low_income_share"),
    Figure("wmo_clients", ("a_wmo_t",), "WmoClienten", "residents with Wmo support (maatwerkarrangement)",
           "kept as observed (validation)", required=False),
    Figure("wmo_per_1000", ("p_wmo_t",), "WmoClientenRelatief", "Wmo clients per 1,000 inhabitants",
           "kept as observed (validation)", required=False),
    Figure("youth_care", ("a_jz_tn",), "JongerenMetJeugdzorgInNatura", "young people with youth care in kind",
           "kept as observed", required=False),
    Figure("youth_care_pct", ("p_jz_tn",), "PercentageJongerenMetJeugdzorg", "% of young people with youth care",
           "kept as observed", required=False),
    Figure("urbanity", ("ste_mvs",), "MateVanStedelijkheid", "degree of urbanity (1 very strongly urban - 5 not)",
           "density where ste_oad is missing; kept as observed", required=False),
    Figure("address_density", ("ste_oad",), "Omgevingsadressendichtheid",
           "addresses per km2 within 1 km (omgevingsadressendichtheid)", "density, relative to the city mean",
           required=False),
)
FIGURE_BY_NAME = {f.name: f for f in FIGURES}

# Identity columns: code, name, gemeente name and kind of area.
_CODE_SHORT = ("gwb_code_10", "gwb_code")
_IDENTITY = {"name": (("regio",), "WijkenEnBuurten"), "gemeente_name": (("gm_naam",), "Gemeentenaam"),
             "level": (("recs",), "SoortRegio")}
#: Columns of which one is in the header row of a KWB download (finds the header below title lines).
HEADER_HINT = frozenset({"gwb_code_10", "gwb_code_8", "gwb_code", "regio", "codering", "wijkenenbuurten"})


@dataclass(frozen=True)
class Source:
    """Where figures came from, as the city file records it.

    Attributes:
        file: The file name, or ``cbs:<table>`` / ``rivm:<table>`` for the API.
        title: The table's title.
        period: The year the figures are about ('' when the file does not say).
        notes: How the file was read, where a user may want to know.
    """

    file: str
    title: str
    period: str
    notes: tuple[str, ...] = ()


@dataclass
class Kerncijfers:
    """The KWB rows of one gemeente: the gemeente itself, its wijken and its buurten.

    Attributes:
        source: Where they came from.
        gemeente_code: ``GM`` and four digits.
        gemeente_name: The gemeente's name.
        areas: One row per area, indexed by code: ``name``, ``level`` (gemeente, wijk, buurt),
            ``wijk`` (the wijk code of a buurt), ``where`` (file and row, for messages) and one
            column per :data:`FIGURES` name (NaN where the figure is missing or secret).
    """

    source: Source
    gemeente_code: str
    gemeente_name: str
    areas: pd.DataFrame


class Columns:
    """Finds the columns of a table by CBS short code or by OData name without its suffix."""

    def __init__(self, table: RawTable, odata: bool) -> None:
        self.table = table
        self.odata = odata
        self.index = {c.strip().lower(): i for i, c in enumerate(table.header)}
        self.stems = {re.sub(r"_\d+$", "", c.strip()).lower(): i for i, c in enumerate(table.header)}

    def find(self, short: tuple[str, ...], odata: str) -> int | None:
        """Position of the column, or None."""
        if self.odata:
            return self.stems.get(odata.lower()) if odata else None
        return next((self.index[s] for s in short if s in self.index), None)

    def name(self, i: int) -> str:
        """The column's name as in the file."""
        return self.table.header[i]


def read_kerncijfers(path: str | Path, gemeente: str) -> Kerncijfers:
    """Read a KWB download (XLSX or CSV) and keep the rows of one gemeente.

    Args:
        path: ``kwb-YYYY.xlsx`` or ``kwb-YYYY.csv`` (any name; the form is told from the content).
        gemeente: ``GM0599``, ``0599`` or the gemeente's name.

    Returns:
        The gemeente's rows with numbers.

    Raises:
        OpenDataError: Not a KWB table, a column missing, an unknown gemeente or an unreadable cell.
    """
    table = read_table(path, HEADER_HINT)
    period = period_from(table.hints)
    title = f"Kerncijfers wijken en buurten {period}".strip()
    source = Source(Path(path).name, title, period, tuple(table.notes))
    return kerncijfers_from_table(table, gemeente, source, odata=is_odata(table))


def is_odata(table: RawTable) -> bool:
    """The table has the API's long column names (a CSV saved from the API) rather than CBS short codes."""
    names = {c.strip().lower() for c in table.header}
    return not names & {"gwb_code_10", "gwb_code", "gwb_code_8"} and any(
        re.fullmatch(r"codering(_\d+)?", n) for n in names)


def kerncijfers_from_records(records: list[dict[str, Any]], gemeente: str, source: Source) -> Kerncijfers:
    """The same as :func:`read_kerncijfers` for records of the OData API (see :mod:`model.opendata.odata`)."""
    table = records_table(records, source.file)
    return kerncijfers_from_table(table, gemeente, source, odata=True)


def records_table(records: list[dict[str, Any]], name: str) -> RawTable:
    """OData records as a :class:`RawTable` (record numbers for rows)."""
    header = list(dict.fromkeys(k for r in records for k in r))
    rows = [["" if r.get(k) is None else str(r.get(k)).strip() for k in header] for r in records]
    return RawTable(Path(name), header, rows, list(range(1, len(rows) + 1)))


def kerncijfers_from_table(table: RawTable, gemeente: str, source: Source, odata: bool) -> Kerncijfers:
    """Select one gemeente's rows of a KWB table and read their figures."""
    cols = Columns(table, odata)
    codes = _codes(table, cols)
    ident = {key: cols.find(short, od) for key, (short, od) in _IDENTITY.items()}
    if ident["name"] is None:
        raise OpenDataError(msg("kwb.no_name_column", file=table.path.name,
                                column="WijkenEnBuurten" if odata else "regio"))
    positions = _figure_columns(table, cols)
    names = {code: table.rows[i][ident["name"]] for i, code in enumerate(codes) if code}
    gm_names = {}
    if ident["gemeente_name"] is not None:
        gm_names = {"GM" + code[2:6]: table.rows[i][ident["gemeente_name"]] for i, code in enumerate(codes) if code}
    gm_names.update({c: n for c, n in names.items() if c.startswith("GM")})
    gm_code = resolve_gemeente(gemeente, gm_names, table.path.name)
    number = gm_code[2:]
    records = []
    for i, code in enumerate(codes):
        if not code or code[2:6] != number:
            continue
        row = table.rows[i]
        rec: dict[str, Any] = {"code": code, "name": row[ident["name"]] or code, "level": LEVELS[code[:2]],
                               "wijk": "WK" + code[2:8] if code.startswith("BU") else "", "where": table.where(i)}
        for name, (pos, pct_pos) in positions.items():
            rec[name] = _number(table, i, pos)
            if rec[name] is None and pct_pos is not None:
                rec[name] = _percent_of(table, i, pct_pos, rec, FIGURE_BY_NAME[name].base)
        records.append(rec)
    areas = pd.DataFrame.from_records(records).set_index("code")
    if areas.index.duplicated().any():
        dup = areas.index[areas.index.duplicated()][0]
        raise OpenDataError(msg("kwb.area_twice", file=table.path.name, code=dup,
                                rows=", ".join(areas.loc[dup, "where"])))
    areas[[f.name for f in FIGURES]] = areas[[f.name for f in FIGURES]].astype(float)
    return Kerncijfers(source, gm_code, gm_names.get(gm_code, gm_code), areas)


def _codes(table: RawTable, cols: Columns) -> list[str]:
    """Each row's area code ('' for rows that are not a gemeente, wijk or buurt, such as Nederland)."""
    pos = cols.find(_CODE_SHORT, "Codering")
    if pos is None and cols.odata:
        pos = cols.find((), "WijkenEnBuurten")
    if pos is not None:
        return [c if CODE.match(c := row[pos].strip().upper()) else "" for row in table.rows]
    short8, recs = cols.find(("gwb_code_8",), ""), cols.find(("recs",), "")
    if short8 is None or recs is None:
        raise OpenDataError(msg("kwb.no_code_column", file=table.path.name,
                                columns="Codering" if cols.odata else msg("kwb.code_columns")))
    codes = []
    for row in table.rows:
        prefix = _LEVEL_PREFIX.get(row[recs].strip().lower(), "")
        digits = row[short8].strip()
        width = {"GM": 4, "WK": 6, "BU": 8}.get(prefix, 0)
        code = prefix + digits.zfill(width) if prefix and digits.isdigit() else ""
        codes.append(code if CODE.match(code) else "")
    return codes


def _figure_columns(table: RawTable, cols: Columns) -> dict[str, tuple[int | None, int | None]]:
    """Column positions of every figure (and of its percentage form); a missing required one is an error."""
    found: dict[str, tuple[int | None, int | None]] = {}
    for f in FIGURES:
        pos = cols.find(f.short, f.odata)
        pct = cols.find((f.percent,), "") if f.percent else None
        if pos is None and pct is None and f.required:
            wanted = f.odata + "_<n>" if cols.odata else f.short[0]
            raise OpenDataError(msg("kwb.missing_column", file=table.path.name, column=wanted, meaning=f.meaning))
        found[f.name] = (pos, pct)
    return found


def _number(table: RawTable, i: int, pos: int | None) -> float | None:
    if pos is None:
        return None
    try:
        return parse_number(table.rows[i][pos])
    except ValueError:
        raise OpenDataError(msg("opendata.not_a_number", where=table.where(i, table.header[pos]),
                                value=table.rows[i][pos])) from None


def _percent_of(table: RawTable, i: int, pos: int, rec: dict[str, Any], base: str) -> float | None:
    pct, total = _number(table, i, pos), rec.get(base)
    return None if pct is None or total is None else pct / 100 * total


def resolve_gemeente(query: str, known: dict[str, str], file: str) -> str:
    """The code of the gemeente meant by ``query`` (``GM0599``, ``0599``, ``599`` or a name).

    Raises:
        OpenDataError: No gemeente in ``known`` (code -> name) matches; names the closest ones.
    """
    q = query.strip()
    digits = q[2:] if q[:2].upper() == "GM" else q
    if digits.isdigit() and len(digits) <= 4:
        code = "GM" + digits.zfill(4)
        if code in known:
            return code
    by_name = {n.strip().lower(): c for c, n in known.items()}
    if q.lower() in by_name:
        return by_name[q.lower()]
    if not known:
        raise OpenDataError(msg("kwb.no_areas", file=file))
    close = difflib.get_close_matches(q.lower(), list(by_name), n=3, cutoff=0.6)
    if close:
        hint = msg("kwb.did_you_mean", close=", ".join(f"{by_name[n]} {known[by_name[n]]}" for n in close))
    else:
        first = next(iter(known))
        hint = msg("kwb.gemeenten", n=len(known), first=f"{first} {known[first]}")
    raise OpenDataError(msg("kwb.unknown_gemeente", file=file, query=query, hint=hint))
