"""CBS's OData API through the ``cbsodata`` client: the KWB and RIVM tables without a download.

An optional extra (``pip install 'community-vitality[cbs]'``): the import names the table as
``cbs:<table>`` (e.g. ``cbs:85984NED``, KWB 2024) or ``rivm:<table>`` (``rivm:50120NED``, on
CBS's portal for third parties) instead of a file. Only the rows of one gemeente are asked for.
The records are read by :mod:`model.opendata.kwb` and :mod:`model.opendata.rivm` exactly as a
file with the API's column names would be.
"""

from __future__ import annotations

from typing import Any

from model.messages import msg
from model.opendata.kwb import Kerncijfers, Source, kerncijfers_from_records
from model.opendata.rivm import HealthEstimates, health_from_records
from model.opendata.table import OpenDataError, period_from

#: Catalogues of the API: CBS's own tables, and tables CBS publishes for others (RIVM).
CATALOGS = {"cbs": "opendata.cbs.nl", "rivm": "dataderden.cbs.nl"}


def is_api_source(text: str) -> bool:
    """Whether ``text`` names an API table (``cbs:85984NED``, ``rivm:50120NED``) rather than a file."""
    prefix, _, table = text.partition(":")
    return prefix in CATALOGS and table.isalnum()


def fetch_records(source: str, gemeente_code: str) -> tuple[list[dict[str, Any]], Source]:
    """The records of the gemeente, its wijken and its buurten in an API table.

    Args:
        source: ``cbs:<table>`` or ``rivm:<table>``.
        gemeente_code: ``GM`` and four digits (the API is asked for these areas only).

    Returns:
        The records (dimension columns hold titles) and where they came from.

    Raises:
        OpenDataError: The client is not installed, the API cannot be reached or the table is unknown.
    """
    catalog, _, table_id = source.partition(":")
    try:
        import cbsodata
        import requests
    except ImportError:
        raise OpenDataError(msg("odata.needs_client", source=source)) from None
    number = gemeente_code[2:]
    # Region keys are padded with spaces, so match their start; one clause per kind of area.
    filters = " or ".join(f"startswith(WijkenEnBuurten,'{kind}{number}')" for kind in ("GM", "WK", "BU"))
    try:
        info = cbsodata.get_info(table_id, catalog_url=CATALOGS[catalog]) or {}
        records = cbsodata.get_data(table_id, filters=filters, catalog_url=CATALOGS[catalog])
    except requests.RequestException as exc:
        raise OpenDataError(msg("odata.no_answer", source=source, reason=_reason(exc))) from None
    title = str(info.get("Title", table_id))
    period = period_from([str(info.get("Period", "")), title])
    return records, Source(source, title, period)


def fetch_kerncijfers(source: str, gemeente_code: str) -> Kerncijfers:
    """A KWB table from the API (``cbs:85984NED``), for one gemeente."""
    records, src = fetch_records(source, gemeente_code)
    if not records:
        raise OpenDataError(msg("odata.no_rows", source=source, gemeente=gemeente_code))
    return kerncijfers_from_records(records, gemeente_code, src)


def fetch_health(source: str, gemeente_code: str, period: str = "") -> HealthEstimates:
    """RIVM's table from the API (``rivm:50120NED``), for one gemeente."""
    records, src = fetch_records(source, gemeente_code)
    return health_from_records(records, gemeente_code, src.file, period)


def _reason(exc: BaseException) -> str:
    # cbsodata raises a new HTTPError from the one that holds the response.
    response = getattr(exc, "response", None) or getattr(exc.__cause__, "response", None)
    return f"HTTP {response.status_code}" if response is not None else type(exc).__name__
