"""``vitality city``: make a city file from CBS and RIVM figures, and check it on a map.

``vitality city import SOURCE --gemeente GM0599 [--level wijk|buurt] [--rivm SOURCE] --out mycity.toml``
reads a KWB download (``kwb-2024.xlsx`` or ``.csv``) or the API (``cbs:85984NED``), derives one
neighbourhood per wijk or buurt and writes the city file, which ``--city`` of ``run``,
``compare``, ``sweep`` and ``report`` reads. ``vitality city map mycity.toml --map
wijkenbuurten_2024.gpkg --out kaart.png`` draws the city's neighbourhoods coloured by one of
their settings or observed figures, to check that the boundaries belong to the figures.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from model.opendata.city import MIN_INHABITANTS, OBSERVED, City, city_from_figures, city_to_toml, load_city
from model.opendata.geo import draw_map, neighbourhood_shapes, read_boundaries
from model.opendata.kwb import read_kerncijfers
from model.opendata.odata import fetch_health, fetch_kerncijfers, is_api_source
from model.opendata.rivm import read_health
from model.opendata.table import OpenDataError
from model.parameters import Archetype
from model.store import publish_file

#: What `vitality city map` can colour by: a setting, or an observed figure.
MAP_FIGURES = ("alone_share", "low_income_share", "density", "share", *OBSERVED)


def add_city_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``vitality city import`` and ``vitality city map`` to the command line."""
    p_city = sub.add_parser("city", help="make a city file of your own gemeente from CBS and RIVM figures")
    city_sub = p_city.add_subparsers(dest="city_command", required=True, parser_class=type(p_city))
    p_imp = city_sub.add_parser("import", help="derive one neighbourhood per wijk or buurt from CBS figures")
    p_imp.add_argument("source", help="CBS Kerncijfers wijken en buurten: kwb-YYYY.xlsx or .csv, or cbs:<table> "
                       "(e.g. cbs:85984NED, needs the cbs extra)")
    p_imp.add_argument("--gemeente", required=True, help="the gemeente: code (GM0599) or name (Rotterdam)")
    p_imp.add_argument("--level", choices=("wijk", "buurt"), default="wijk",
                       help="which areas become neighbourhoods (default wijk)")
    p_imp.add_argument("--rivm", metavar="SOURCE", help="RIVM Gezondheid per wijk en buurt (table 50120NED) as a "
                       "CSV or XLSX file, or rivm:50120NED: loneliness and more, kept to compare with the model")
    p_imp.add_argument("--rivm-period", default="", metavar="YEAR", help="year of the RIVM estimates (default: the "
                       "latest in the file)")
    p_imp.add_argument("--min-inhabitants", type=int, default=MIN_INHABITANTS, metavar="N",
                       help=f"smaller areas are merged (buurten) or left out (wijken) (default {MIN_INHABITANTS})")
    p_imp.add_argument("--out", required=True, help="the city file to write (.toml; must not exist yet)")
    p_imp.set_defaults(func=import_city)
    p_map = city_sub.add_parser("map", help="draw a city file's neighbourhoods from the CBS/PDOK boundaries")
    p_map.add_argument("city", help="a city file written by `vitality city import`")
    p_map.add_argument("--map", required=True, metavar="GPKG", help="wijkenbuurten_YYYY.gpkg (CBS/PDOK)")
    p_map.add_argument("--figure", default="low_income_share", choices=MAP_FIGURES, metavar="NAME",
                       help=f"what to colour by (default low_income_share; one of {', '.join(MAP_FIGURES)})")
    p_map.add_argument("--out", required=True, help="the image to write (.png or .svg; must not exist yet)")
    p_map.set_defaults(func=map_city)


def import_city(args: argparse.Namespace) -> int:
    """``vitality city import``: read the figures, derive the city, write the city file, tell what was done."""
    out = Path(args.out)
    _check_new(out, ".toml")
    if args.min_inhabitants < 1:
        raise OpenDataError(f"--min-inhabitants: {args.min_inhabitants} is not a number of inhabitants (1 or more)")
    if is_api_source(args.source):
        digits = args.gemeente.strip().upper().removeprefix("GM")
        if not (digits.isdigit() and len(digits) <= 4):
            raise OpenDataError(f"--gemeente: with {args.source} give the gemeente's code (such as GM0599), "
                                f"not {args.gemeente!r}")
        kwb = fetch_kerncijfers(args.source, "GM" + digits.zfill(4))
    else:
        kwb = read_kerncijfers(args.source, args.gemeente)
    health = None
    if args.rivm:
        read = fetch_health if is_api_source(args.rivm) else read_health
        health = read(args.rivm, kwb.gemeente_code, args.rivm_period)
    city, messages = city_from_figures(kwb, args.level, health, args.min_inhabitants)
    publish_file(out, city_to_toml(city).encode("utf-8"))
    print(f"{city.name} ({city.gemeente}): {len(city.neighbourhoods)} neighbourhoods ({city.level}en), "
          f"{city.inhabitants:,} inhabitants of whom {city.adults:,} adults, from {kwb.source.title}"
          + (f" and {health.source.title}" if health else ""))
    for message in messages:
        print(f"- {message}")
    print(f"City file written to {out}; run it with: vitality run --city {out} --scale 0.05 (a 5% sample; "
          "--scale 1 simulates every adult)")
    return 0


def map_city(args: argparse.Namespace) -> int:
    """``vitality city map``: the city's neighbourhoods on the CBS/PDOK map, coloured by one figure."""
    out = Path(args.out)
    _check_new(out, ".png", ".svg")
    city = load_city(args.city)
    shapes, missing, others = city_shapes(city, args.map)
    values = {label: _figure(n, args.figure) for label, n in zip(city.labels(), city.neighbourhoods, strict=True)}
    fig = draw_map(shapes, {k: v for k, v in values.items() if v is not None}, f"{city.name}: {args.figure}",
                   args.figure, others=others)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=out.suffix[1:], dpi=150)
    publish_file(out, buffer.getvalue())
    if missing:
        print(f"- no boundary for {', '.join(missing)} in {Path(args.map).name}: is it the map of the same year?")
    print(f"Map of {len(shapes)} of {len(city.neighbourhoods)} neighbourhoods written to {out}")
    return 0


def city_shapes(city: City, gpkg: str | Path) -> tuple[dict, list[str], dict]:
    """The city's neighbourhood shapes, the codes without a boundary, and the gemeente's other areas.

    Raises:
        OpenDataError: The GeoPackage has no boundary for any of the city's neighbourhoods.
    """
    boundaries = read_boundaries(gpkg, city.gemeente, city.level)
    parts = city.parts()
    shapes, missing = neighbourhood_shapes(boundaries, parts)
    if not shapes:
        raise OpenDataError(f"{Path(gpkg).name}: none of {city.name}'s {city.level}en has a boundary in layer "
                            f"{boundaries.layer}; use the map of the year of the figures ({_period(city)})")
    used = {code for codes in parts.values() for code in codes}
    others = {code: shape for code, shape in boundaries.shapes.items() if code not in used}
    return shapes, missing, others


def _figure(n: object, name: str) -> float | None:
    if name in {f for f in Archetype.__dataclass_fields__}:
        return float(getattr(n.settings, name))  # type: ignore[attr-defined]
    return n.observed.get(name)  # type: ignore[attr-defined]


def _period(city: City) -> str:
    source = city.sources.get("cbs")
    return source.period if source and source.period else "unknown"


def _check_new(out: Path, *suffixes: str) -> None:
    if out.suffix.lower() not in suffixes:
        raise OpenDataError(f"--out: {out} should end in {' or '.join(suffixes)}")
    if out.exists():
        raise OpenDataError(f"--out: {out} exists already; choose another name or remove it")
    if not out.parent.is_dir():
        raise OpenDataError(f"--out: folder {out.parent} does not exist")
