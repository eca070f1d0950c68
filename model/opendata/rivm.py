"""RIVM's small-area estimates from the Gezondheidsmonitor Volwassenen en Ouderen, per wijk and buurt.

Table 50120NED ("Gezondheid per wijk en buurt"; periods 2012, 2016, 2020, 2022) is published on
CBS's open-data portal for third parties and through the same OData API as the KWB, with long
column names whose numeric suffix differs between versions (``Eenzaam_27``,
``ErnstigZeerErnstigEenzaam_28``): they are read by name without the suffix. The dimension
columns hold keys (``2022JJ00``, ``MW00000``) in a raw download and titles (``2022``,
``Waarde``) in what the ``cbsodata`` client returns; both are understood. Only estimates for
adults (18 and over) and the estimate itself (not the bounds of its interval) are used.

These figures are *observed* values: the city file keeps them per neighbourhood and the
validation and report put the simulated values beside them; they set nothing in the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from model.messages import msg
from model.opendata.kwb import CODE, Source, records_table
from model.opendata.table import OpenDataError, RawTable, parse_number, read_table


@dataclass(frozen=True)
class HealthFigure:
    """One RIVM column: its name in the import, its OData name without suffix, what it estimates."""

    name: str
    odata: str
    meaning: str


FIGURES: tuple[HealthFigure, ...] = (
    HealthFigure("lonely_pct", "Eenzaam", "% of adults lonely (De Jong Gierveld score 3 or more)"),
    HealthFigure("severe_lonely_pct", "ErnstigZeerErnstigEenzaam", "% of adults severely lonely (score 9 or more)"),
    HealthFigure("emotional_lonely_pct", "EmotioneelEenzaam", "% of adults emotionally lonely"),
    HealthFigure("social_lonely_pct", "SociaalEenzaam", "% of adults socially lonely"),
    HealthFigure("volunteering_pct", "Vrijwilligerswerk", "% of adults doing voluntary work"),
    HealthFigure("informal_carer_pct", "Mantelzorger", "% of adults giving informal care"),
)
HEADER_HINT = frozenset({"wijkenenbuurten", "codering", "eenzaam"})
_ADULTS = ("18 jaar of ouder", "20300")  # Leeftijd: title and key of "18 years and over"
_ESTIMATE = ("waarde", "mw00000")        # Marges: title and key of the estimate itself


@dataclass
class HealthEstimates:
    """RIVM estimates for the wijken and buurten of one gemeente.

    Attributes:
        source: Where they came from (the period is the one used).
        figures: One row per area code, one column per :data:`FIGURES` name, in percent (NaN: not given).
    """

    source: Source
    figures: pd.DataFrame


def read_health(path: str | Path, gemeente_code: str, period: str = "") -> HealthEstimates:
    """Read a download of table 50120NED (CSV or XLSX with the API's column names).

    Args:
        path: The file.
        gemeente_code: ``GM`` and four digits: the gemeente whose wijken and buurten to keep.
        period: The year to use; the latest in the file when empty.

    Raises:
        OpenDataError: Not this table, no loneliness column, no rows for the gemeente or an unreadable cell.
    """
    table = read_table(path, HEADER_HINT)
    return health_from_table(table, gemeente_code, Path(path).name, period, tuple(table.notes))


def health_from_records(records: list[dict[str, Any]], gemeente_code: str, name: str,
                        period: str = "") -> HealthEstimates:
    """The same as :func:`read_health` for records of the OData API."""
    return health_from_table(records_table(records, name), gemeente_code, name, period, ())


def health_from_table(table: RawTable, gemeente_code: str, name: str, period: str,
                      notes: tuple[str, ...]) -> HealthEstimates:
    """Keep the adult estimates of one gemeente's areas for one period."""
    stems = {re.sub(r"_\d+$", "", c.strip()).lower(): i for i, c in enumerate(table.header)}
    code_pos = stems.get("codering", stems.get("wijkenenbuurten"))
    if code_pos is None:
        raise OpenDataError(msg("rivm.no_code_column", file=name))
    found = {f.name: stems.get(f.odata.lower()) for f in FIGURES}
    if found["lonely_pct"] is None:
        raise OpenDataError(msg("rivm.no_lonely", file=name))
    keep = [i for i, row in enumerate(table.rows)
            if _is(row, stems.get("leeftijd"), _ADULTS) and _is(row, stems.get("marges"), _ESTIMATE)
            and CODE.match(code := row[code_pos].strip().upper()) and code[:2] in ("WK", "BU")
            and code[2:6] == gemeente_code[2:]]
    if not keep:
        raise OpenDataError(msg("rivm.no_adults", file=name, gemeente=gemeente_code))
    periods = {i: _year(table.rows[i][stems["perioden"]]) if "perioden" in stems else "" for i in keep}
    chosen = period or max(periods.values())
    keep = [i for i in keep if periods[i] == chosen]
    if not keep:
        raise OpenDataError(msg("rivm.no_period", file=name, period=period,
                                periods=", ".join(sorted(set(periods.values())))))
    records = {}
    for i in keep:
        code = table.rows[i][code_pos].strip().upper()
        if code in records:
            raise OpenDataError(msg("rivm.second_estimate", where=table.where(i), code=code,
                                    period=chosen or msg("rivm.the_file")))
        records[code] = {f: _number(table, i, pos) for f, pos in found.items()}
    figures = pd.DataFrame.from_dict(records, orient="index", columns=[f.name for f in FIGURES]).astype(float)
    title = f"RIVM Gezondheid per wijk en buurt {chosen}".strip()
    return HealthEstimates(Source(name, title, chosen, notes), figures)


def _is(row: list[str], pos: int | None, accepted: tuple[str, ...]) -> bool:
    return pos is None or row[pos].strip().lower() in accepted


def _year(text: str) -> str:
    match = re.match(r"\s*(\d{4})", text)
    return match.group(1) if match else text.strip()


def _number(table: RawTable, i: int, pos: int | None) -> float | None:
    if pos is None:
        return None
    try:
        value = parse_number(table.rows[i][pos])
    except ValueError:
        raise OpenDataError(msg("opendata.not_a_number", where=table.where(i, table.header[pos]),
                                value=table.rows[i][pos])) from None
    if value is not None and not 0 <= value <= 100:
        raise OpenDataError(msg("rivm.not_a_percentage", where=table.where(i, table.header[pos]), value=value))
    return value
