"""Wijk and buurt boundaries from the CBS/PDOK GeoPackage, and a map of an output per neighbourhood.

CBS publishes the boundaries as ``wijkenbuurten_YYYY.gpkg`` (the Wijk- en Buurtkaart, also on
PDOK), with one layer per level: ``gemeenten``, ``wijken`` and ``buurten``, each with its code
(``gemeentecode``, ``wijkcode``, ``buurtcode``), name (``wijknaam``, ``buurtnaam``) and
``water`` (``JA`` for areas that are water). Older releases name them ``wijk_2019``,
``WK_CODE``, ``WK_NAAM``; both are read. Coordinates are RD New (EPSG:28992) in metres and are
drawn as they are, with equal axes: no reprojection is needed.

A GeoPackage is an SQLite database (OGC 12-128): this module reads it with Python's ``sqlite3``
and decodes the geometries with ``shapely`` (GEOS). That needs no GDAL or PROJ library, which
geopandas would bring in for reading one layer of polygons we never reproject.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from model.messages import msg
from model.opendata.city import City
from model.opendata.table import OpenDataError

#: Layer names per level, as CBS has written them over the years (matched case-insensitively).
LAYER = {"wijk": re.compile(r"^(cbs_)?wijk(en)?(_\d{4})?$", re.I), "buurt": re.compile(r"^(cbs_)?buurt(en)?(_\d{4})?$",
                                                                                       re.I)}
CODE_COLUMNS = {"wijk": ("wijkcode", "wk_code", "statcode"), "buurt": ("buurtcode", "bu_code", "statcode")}
NAME_COLUMNS = {"wijk": ("wijknaam", "wk_naam", "statnaam"), "buurt": ("buurtnaam", "bu_naam", "statnaam")}
GEMEENTE_COLUMNS = ("gemeentecode", "gm_code")
#: Envelope sizes in a GeoPackage geometry header, by the flags' envelope indicator (bits 1-3).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


@dataclass(frozen=True)
class Boundaries:
    """The areas of one gemeente at one level.

    Attributes:
        file: The GeoPackage's name.
        layer: The layer read.
        shapes: Geometry per area code (RD New coordinates).
        names: Name per area code.
    """

    file: str
    layer: str
    shapes: dict[str, shapely.Geometry]
    names: dict[str, str]


def read_boundaries(path: str | Path, gemeente_code: str, level: str) -> Boundaries:
    """Read the wijken or buurten of one gemeente from a CBS/PDOK GeoPackage.

    Args:
        path: ``wijkenbuurten_YYYY.gpkg``.
        gemeente_code: ``GM`` and four digits.
        level: ``wijk`` or ``buurt``.

    Returns:
        The gemeente's areas (land only: areas marked as water are left out).

    Raises:
        OpenDataError: Not a GeoPackage, no layer or column for the level, no areas of the gemeente,
            or a geometry that cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise OpenDataError(msg("city.no_gpkg", path=path))
    with open(path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise OpenDataError(msg("city.not_gpkg", path=path.name))
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise OpenDataError(msg("city.gpkg_cannot_open", path=path.name, problem=exc)) from None
    try:
        return _read(con, path.name, gemeente_code, level)
    except sqlite3.DatabaseError as exc:
        raise OpenDataError(msg("city.gpkg_unreadable", path=path.name, problem=exc)) from None
    finally:
        con.close()


def _read(con: sqlite3.Connection, file: str, gemeente_code: str, level: str) -> Boundaries:
    layers = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
    layer = next((name for name in layers if LAYER[level].match(name)), None)
    if layer is None:
        raise OpenDataError(msg("geo.no_layer", file=file, level=level,
                                layers=", ".join(sorted(layers)) or msg("geo.no_layers")))
    columns = {row[1].lower(): row[1] for row in con.execute(f'PRAGMA table_info("{layer}")')}
    code = next((columns[c] for c in CODE_COLUMNS[level] if c in columns), None)
    if code is None:
        wanted = functools.reduce(lambda a, b: msg("budget.either", first=a, second=b), CODE_COLUMNS[level])
        raise OpenDataError(msg("geo.no_code_column", file=file, layer=layer, columns=wanted))
    name = next((columns[c] for c in NAME_COLUMNS[level] if c in columns), code)
    geom = layers[layer]
    number = gemeente_code[2:]
    prefix = {"wijk": "WK", "buurt": "BU"}[level] + number
    sql = f'SELECT "{code}", "{name}", "{geom}" FROM "{layer}" WHERE substr("{code}", 1, {len(prefix)}) = ?'
    if "water" in columns:
        sql += f' AND coalesce(upper("{columns["water"]}"), \'NEE\') != \'JA\''
    shapes: dict[str, shapely.Geometry] = {}
    names: dict[str, str] = {}
    for area, area_name, blob in con.execute(sql, (prefix,)):
        shape = decode_geometry(blob, msg("geo.where", file=file, layer=layer, area=area))
        if shape is None:
            continue
        shapes[area] = shapely.union(shapes[area], shape) if area in shapes else shape
        names[area] = str(area_name)
    if not shapes:
        raise OpenDataError(msg("geo.no_areas", file=file, layer=layer, level=level, gemeente=gemeente_code))
    return Boundaries(file, layer, shapes, names)


def decode_geometry(blob: bytes | None, where: str) -> shapely.Geometry | None:
    """A GeoPackage geometry (header and WKB) as a shapely geometry; None for an empty one.

    Raises:
        OpenDataError: The blob is not a GeoPackage geometry.
    """
    if blob is None:
        return None
    data = bytes(blob)
    if len(data) < 8 or data[:2] != b"GP":
        raise OpenDataError(msg("geo.not_geometry", where=where))
    flags = data[3]
    if flags & 0b10000:  # the empty-geometry flag
        return None
    envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
    if envelope is None:
        raise OpenDataError(msg("geo.envelope", where=where))
    start = 8 + envelope
    try:
        shape = shapely.from_wkb(data[start:])
    except shapely.errors.GEOSException as exc:
        raise OpenDataError(msg("geo.unreadable", where=where, problem=str(exc))) from None
    if shape.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        raise OpenDataError(msg("geo.not_an_area", where=where, kind=shape.geom_type))
    return None if shape.is_empty else shape


def encode_geometry(shape: shapely.Geometry, srs_id: int = 28992) -> bytes:
    """A shapely geometry as a GeoPackage geometry (little-endian header with its x-y envelope, then WKB)."""
    minx, miny, maxx, maxy = shape.bounds
    header = b"GP" + bytes([0, 0b011]) + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy)
    return header + shapely.to_wkb(shape, byte_order=1)


def neighbourhood_shapes(boundaries: Boundaries, parts: Mapping[str, list[str]]) -> tuple[dict[str, shapely.Geometry],
                                                                                          list[str]]:
    """The shape of each neighbourhood: the union of its areas' shapes.

    Args:
        boundaries: The areas.
        parts: Area codes per neighbourhood label (its own code and those merged into it).

    Returns:
        The shapes (neighbourhoods without any boundary are left out) and the codes with no boundary.
    """
    shapes, missing = {}, []
    for label, codes in parts.items():
        found = [boundaries.shapes[c] for c in codes if c in boundaries.shapes]
        missing += [c for c in codes if c not in boundaries.shapes]
        if found:
            shapes[label] = shapely.union_all(found)
    return shapes, missing


def draw_map(shapes: Mapping[str, shapely.Geometry], values: Mapping[str, float], title: str, label: str,
             others: Mapping[str, shapely.Geometry] | None = None, diverging: bool = False,
             names: bool | None = None, fig: Figure | SubFigure | None = None) -> Figure | SubFigure:
    """A choropleth: each neighbourhood coloured by its value.

    Args:
        shapes: Geometry per neighbourhood label.
        values: The value per label (labels without a value are drawn hatched grey).
        title: Title above the map.
        label: Label of the colour bar (the output and its unit).
        others: Areas of the gemeente that are not simulated (drawn light grey).
        diverging: Colour a difference: a red-blue scale centred on 0.
        names: Write each neighbourhood's name on it (default: when there are at most 40).
        fig: The (sub)figure to draw in; a new 7.5 x 7 inch figure when omitted. Drawn without
            pyplot, so it is safe in the dashboard's threads.

    Returns:
        The figure (the caller saves or shows it).
    """
    fig = fig if fig is not None else Figure(figsize=(7.5, 7.0), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(title)
    if others:
        ax.add_collection(PatchCollection([_patch(s) for s in others.values()], facecolor="#e6e6e6",
                                          edgecolor="white", linewidth=0.4))
    known = [k for k in shapes if k in values and np.isfinite(values[k])]
    unknown = [k for k in shapes if k not in known]
    data = np.array([values[k] for k in known], dtype=float)
    if unknown:
        ax.add_collection(PatchCollection([_patch(shapes[k]) for k in unknown], facecolor="#f4f4f4",
                                          edgecolor="#999999", hatch="//", linewidth=0.4))
    if known:
        if diverging:
            span = max(float(np.abs(data).max()), 1e-12)
            norm: Normalize = TwoSlopeNorm(0.0, -span, span)
            cmap = "RdBu_r"
        else:
            lo, hi = float(data.min()), float(data.max())
            norm, cmap = Normalize(lo, hi if hi > lo else lo + 1e-12), "viridis"
        patches = PatchCollection([_patch(shapes[k]) for k in known], cmap=cmap, norm=norm, edgecolor="white",
                                  linewidth=0.6)
        patches.set_array(data)
        ax.add_collection(patches)
        fig.colorbar(patches, ax=ax, shrink=0.7, label=label)
    everything = [*shapes.values(), *(others or {}).values()]
    minx, miny, maxx, maxy = shapely.union_all(everything).bounds if everything else (0, 0, 1, 1)
    pad = 0.02 * max(maxx - minx, maxy - miny, 1.0)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    if names if names is not None else len(shapes) <= 40:
        for key, shape in shapes.items():
            point = shape.representative_point()
            ax.annotate(key, (point.x, point.y), ha="center", va="center", fontsize=6, color="black",
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6})
    return fig


def _patch(shape: shapely.Geometry) -> PathPatch:
    """A matplotlib patch of a (multi)polygon with its holes."""
    vertices, codes = [], []
    polygons = getattr(shape, "geoms", [shape])
    for poly in polygons:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    if not vertices:
        return PathPatch(MplPath(np.zeros((1, 2))))
    return PathPatch(MplPath(np.concatenate(vertices), np.concatenate(codes)))


def city_shapes(city: City, gpkg: str | Path) -> tuple[dict, list[str], dict]:
    """The city's neighbourhood shapes, the codes without a boundary, and the gemeente's other areas.

    Raises:
        OpenDataError: The GeoPackage has no boundary for any of the city's neighbourhoods.
    """
    boundaries = read_boundaries(gpkg, city.gemeente, city.level)
    parts = city.parts()
    shapes, missing = neighbourhood_shapes(boundaries, parts)
    if not shapes:
        source = city.sources.get("cbs")
        raise OpenDataError(msg("city.no_boundaries", path=Path(gpkg).name, city=city.name, level=city.level,
                                layer=boundaries.layer,
                                period=source.period if source and source.period else msg("city.period_unknown")))
    used = {code for codes in parts.values() for code in codes}
    others = {code: shape for code, shape in boundaries.shapes.items() if code not in used}
    return shapes, missing, others
