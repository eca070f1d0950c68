"""Reading the tables users download (CSV or XLSX) into rows of text, and reading numbers from them.

CBS and RIVM publish the same kind of table in several forms: a semicolon-separated CSV (UTF-8,
or Windows-1252 once Excel has saved it), an XLSX workbook (older years: XLS), and the OData API. This module knows
the file forms; :mod:`model.opendata.kwb` and :mod:`model.opendata.rivm` know the columns.
Every problem is an :class:`OpenDataError` whose one-line message names the file and, where
there is one, the row and the column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from model.messages import InputError, msg

#: Texts CBS and RIVM use for a figure that is secret, unknown or not applicable (StatLine symbols:
#: ``.`` unknown or secret, ``x`` secret, ``-`` nil or not applicable, ``?`` unreliable).
MISSING_MARKERS = frozenset({"", ".", "x", "X", "-", "?", "NaN", "nan", "NA", "null", "None"})
#: Sentinels for secret or missing figures in the Wijk- en Buurtkaart and some KWB files
#: (-99995 not available, -99997 secret, -99999999 ...): any value at or below this is missing.
SENTINEL_AT_MOST = -99990.0

_DUTCH_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(\.\d{3})+)(,\d+)?$")  # 1234,5 or 1.234,5
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class OpenDataError(InputError):
    """A downloaded file, or a city file, that cannot be read; the message is one line naming the place."""


@dataclass
class RawTable:
    """A table as text: the header, the rows and where each row is in the file.

    Attributes:
        path: The file read.
        header: Column names as written (stripped of spaces).
        rows: One list of cell texts per row, as long as the header.
        lines: The row number of each row in the file (1 is the first line or spreadsheet row).
        hints: Texts that may tell the table's title or period: the sheet name, the workbook title.
        notes: What a user may want to know about how the file was read (its encoding).
    """

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    hints: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def where(self, i: int, column: str | None = None) -> str:
        """``file: row n`` (and ``, column c``) for messages about row ``i``, in the user's language."""
        if column:
            return msg("opendata.row_column", file=self.path.name, row=self.lines[i], column=column)
        return msg("opendata.row", file=self.path.name, row=self.lines[i])


def read_table(path: str | Path, header_hint: frozenset[str] = frozenset()) -> RawTable:
    """Read a CSV file or a workbook (XLSX, the older XLS, ODS) into text rows.

    The form is told from the content, not the name: an XLSX file is a zip archive. In a
    workbook the first sheet whose first rows hold a header is used; the header is the first
    row that has a cell in ``header_hint`` (or the first row when no hint is given).

    Args:
        path: The file.
        header_hint: Column names (lower case, OData names without their suffix) of which at least one
            is in the header row.

    Returns:
        The table as text.

    Raises:
        OpenDataError: The file is missing, empty, of another kind or not readable text.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OpenDataError(msg("opendata.no_file", path=path)) from None
    except OSError as exc:
        raise OpenDataError(msg("city.unreadable", path=path, problem=exc.strerror)) from None
    if not data.strip():
        raise OpenDataError(msg("opendata.empty", file=path.name))
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # zip (xlsx, ods), OLE (xls)
        return _read_workbook(path, data, header_hint)
    if data[:16].startswith(b"SQLite format 3"):
        raise OpenDataError(msg("opendata.a_database", file=path.name))
    return _read_csv(path, data, header_hint)


def _decode(path: Path, data: bytes) -> tuple[str, list[str]]:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252 (Excel's 'CSV')."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if b"\x00" not in data:
        try:
            return data.decode("cp1252"), ["read as Windows-1252 text (not UTF-8)"]
        except UnicodeDecodeError:
            pass
    line = data[: utf8_error.start].count(b"\n") + 1
    raise OpenDataError(msg("opendata.encoding", file=path.name, line=line, byte=data[utf8_error.start]))


def _read_csv(path: Path, data: bytes, header_hint: frozenset[str]) -> RawTable:
    text, notes = _decode(path, data)
    if "\x00" in text:
        raise OpenDataError(msg("opendata.nul", file=path.name))
    top = text.splitlines()[:10]  # the header may follow a title line
    delimiter = max(";,\t", key=lambda d: max(line.count(d) for line in top))
    if not any(delimiter in line for line in top):
        raise OpenDataError(msg("opendata.no_separator", file=path.name))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    titles: list[str] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                cells = [c.strip() for c in record]
                if not _has_hint(cells, header_hint):
                    titles.append(" ".join(cells))  # a title line above the header
                    continue
                header = cells
                continue
            if len(record) > len(header):
                raise OpenDataError(msg("opendata.too_many_cells", file=path.name, row=reader.line_num,
                                        cells=len(record), columns=len(header)))
            rows.append([c.strip() for c in record] + [""] * (len(header) - len(record)))
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise OpenDataError(msg("opendata.csv_error", file=path.name, row=reader.line_num, problem=str(exc))) from None
    if header is None:
        raise OpenDataError(msg("opendata.no_header", file=path.name, columns=", ".join(sorted(header_hint))))
    return RawTable(path, header, rows, lines, hints=[*titles, path.stem], notes=notes)


def _read_workbook(path: Path, data: bytes, header_hint: frozenset[str]) -> RawTable:
    """An XLSX, XLS or ODS workbook, read with calamine (fast: a national KWB table in seconds)."""
    import python_calamine  # a dependency; imported here because only workbooks need it

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in book.sheet_names:
            # Empty leading rows are kept, so that row numbers are the spreadsheet's.
            found = _sheet_table(path, book.get_sheet_by_name(name).to_python(skip_empty_area=False), header_hint)
            if found is not None:
                header, rows, lines = found
                return RawTable(path, header, rows, lines, hints=[name, path.stem])
    except python_calamine.CalamineError as exc:
        raise OpenDataError(msg("opendata.bad_workbook", file=path.name, problem=str(exc))) from None
    raise OpenDataError(msg("opendata.no_sheet", file=path.name, columns=", ".join(sorted(header_hint))))


def _sheet_table(path: Path, values: list[list[object]], header_hint: frozenset[str],
                 ) -> tuple[list[str], list[list[str]], list[int]] | None:
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, row in enumerate(values, start=1):
        cells = [_cell_text(v) for v in row]
        if not any(cells):
            continue
        if header is None:
            if not _has_hint(cells, header_hint):
                if number > 20:
                    return None
                continue
            while cells and not cells[-1]:
                cells.pop()
            header = cells
            continue
        if len(cells) > len(header) and any(cells[len(header):]):
            raise OpenDataError(msg("opendata.beyond_header", file=path.name, row=number))
        rows.append((cells + [""] * len(header))[: len(header)])
        lines.append(number)
    return None if header is None else (header, rows, lines)


def _has_hint(cells: list[str], hint: frozenset[str]) -> bool:
    """Whether a row holds one of the column names in ``hint`` (lower case; an OData suffix ``_<n>`` ignored)."""
    names = {c.lower() for c in cells}
    return not hint or bool(hint & (names | {re.sub(r"_\d+$", "", n) for n in names}))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_number(text: str) -> float | None:
    """A number as CBS and RIVM write it, or None for a missing or secret figure.

    Reads ``12``, ``-3.5``, ``2,3`` and ``1.234,5`` (Dutch decimal commas), treats the StatLine
    symbols in :data:`MISSING_MARKERS` and sentinels at or below :data:`SENTINEL_AT_MOST` as
    missing.

    Raises:
        ValueError: The text is not a number in any of these forms.
    """
    s = text.replace("\u00a0", "").replace(" ", "").strip()
    if s in MISSING_MARKERS:
        return None
    if _PLAIN_NUMBER.match(s):
        value = float(s)
    elif _DUTCH_NUMBER.match(s):
        value = float(s.replace(".", "").replace(",", "."))
    else:
        raise ValueError(s)
    if not math.isfinite(value):
        raise ValueError(s)
    return None if value <= SENTINEL_AT_MOST else value


def period_from(hints: list[str]) -> str:
    """The year a table is about, from its title, sheet or file name (``KWB2024``, ``kwb-2023``); '' if none."""
    for hint in hints:
        years = re.findall(r"(?<!\d)(20\d\d|19\d\d)(?!\d)", hint)
        if years:
            return years[-1]
    return ""
