"""The city file: a real city as TOML that a user can read and edit, written and checked here.

:func:`city_to_toml` writes it (``vitality city import``); :func:`load_city` reads it back and
checks every key, kind and range (an unknown key, NaN or a value out of range ends in one line
naming the file and the key); the settings go through the parameter schema like a scenario's.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from model.core.parameters import Archetype, Parameters, parameters_from_dict
from model.core.schema import ParameterError, apply_overrides
from model.messages import msg
from model.opendata.city import FORMAT, OBSERVED, City, Neighbourhood
from model.opendata.kwb import Source
from model.opendata.table import OpenDataError

_TOP_KEYS = {"format", "gemeente", "name", "level", "min_inhabitants", "inhabitants", "adults", "skipped",
             "sources", "neighbourhoods"}
_SOURCE_KEYS = {"file", "title", "period", "notes"}
_NEIGHBOURHOOD_KEYS = {"code", "name", "inhabitants", "adults", "merged", "notes", "settings", "observed"}


def city_to_toml(city: City) -> str:
    """The city file: plain TOML a user can read and edit (see :func:`load_city`)."""
    lines = [
        "# A city for the community-vitality model, written by `vitality city import`.",
        "# Each [[neighbourhoods]] entry is one wijk or buurt: [neighbourhoods.settings] are the model's settings",
        "# for it (derived from the CBS figures; places_per_10k is an assumption: edit it if you know better),",
        "# [neighbourhoods.observed] are figures kept to compare the simulation with. docs/ODD.md says how.",
        f"format = {FORMAT}",
        f"gemeente = {_value(city.gemeente)}",
        f"name = {_value(city.name)}",
        f"level = {_value(city.level)}",
        f"min_inhabitants = {city.min_inhabitants}",
        f"inhabitants = {city.inhabitants}",
        f"adults = {city.adults}",
        f"skipped = {_value(list(city.skipped))}",
    ]
    for kind, src in city.sources.items():
        lines += ["", f"[sources.{kind}]"] + [f"{k} = {_value(v)}" for k, v in dataclasses.asdict(src).items()]
    for n in city.neighbourhoods:
        lines += ["", "[[neighbourhoods]]", f"code = {_value(n.code)}", f"name = {_value(n.name)}",
                  f"inhabitants = {n.inhabitants}", f"adults = {n.adults}"]
        lines += [f"merged = {_value(list(n.merged))}"] if n.merged else []
        lines += [f"notes = {_value(list(n.notes))}"] if n.notes else []
        lines += ["", "[neighbourhoods.settings]"]
        lines += [f"{f.name} = {_value(getattr(n.settings, f.name))}" for f in dataclasses.fields(Archetype)]
        if n.observed:
            lines += ["", "[neighbourhoods.observed]"] + [f"{k} = {_value(v)}" for k, v in n.observed.items()]
    return "\n".join(lines) + "\n"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return repr(int(v))
    if isinstance(v, float | np.floating):
        return repr(float(v))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return "[" + ", ".join(_value(x) for x in v) + "]"


def load_city(path: str | Path) -> City:
    """Read and check a city file.

    Raises:
        OpenDataError: Missing file, not TOML, an unknown key, a value of the wrong kind, NaN or
            out of range; the message names the file and the key.
    """
    path = Path(path)
    if path.suffix.lower() in (".csv", ".xlsx", ".xls", ".ods", ".gpkg"):  # a download where its city file belongs
        raise OpenDataError(msg("city.a_download", path=path, name=path.name))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OpenDataError(msg("city.no_file", path=path)) from None
    except UnicodeDecodeError:
        raise OpenDataError(msg("city.not_utf8", path=path.name)) from None
    except OSError as exc:
        raise OpenDataError(msg("city.unreadable", path=path, problem=exc.strerror)) from None
    return parse_city(text, path.name)


def parse_city(text: str, file: str) -> City:
    """Check the text of a city file (see :func:`load_city`); ``file`` names it in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OpenDataError(msg("cityfile.not_toml", file=file, problem=str(exc))) from None
    return _parse_city(data, file)


def _parse_city(data: dict[str, Any], file: str) -> City:
    _unknown(data, _TOP_KEYS, file, "")
    if data.get("format") != FORMAT:
        raise OpenDataError(msg("cityfile.format", file=file, expected=FORMAT, value=data.get("format")))
    gemeente = _text(data, "gemeente", file, "")
    if not (len(gemeente) == 6 and gemeente.startswith("GM") and gemeente[2:].isdigit()):
        raise OpenDataError(msg("cityfile.gemeente", file=file, value=gemeente))
    level = _text(data, "level", file, "")
    if level not in ("wijk", "buurt"):
        raise OpenDataError(msg("cityfile.level", file=file, value=level))
    sources = {}
    for kind, entry in _table(data, "sources", file, "").items():
        where = f"sources.{kind}"
        if kind not in ("cbs", "rivm") or not isinstance(entry, dict):
            raise OpenDataError(msg("cityfile.unknown_source", file=file, where=where))
        _unknown(entry, _SOURCE_KEYS, file, where)
        sources[kind] = Source(_text(entry, "file", file, where), _text(entry, "title", file, where),
                               _text(entry, "period", file, where, ""),
                               tuple(_texts(entry, "notes", file, where)))
    entries = data.get("neighbourhoods")
    if not isinstance(entries, list) or not entries:
        raise OpenDataError(msg("cityfile.no_neighbourhoods", file=file))
    neighbourhoods = [_neighbourhood(e, i, file) for i, e in enumerate(entries)]
    codes = [n.code for n in neighbourhoods]
    for code in codes:
        if codes.count(code) > 1:
            raise OpenDataError(msg("cityfile.code_twice", file=file, code=code))
    city = City(gemeente, _text(data, "name", file, ""), level, tuple(neighbourhoods), sources,
                _whole(data, "min_inhabitants", file, "", lo=0), tuple(_texts(data, "skipped", file, "")))
    return city


def _neighbourhood(entry: Any, i: int, file: str) -> Neighbourhood:
    where = f"neighbourhoods[{i}]"
    if not isinstance(entry, dict):
        raise OpenDataError(msg("cityfile.expected_table", file=file, where=where))
    _unknown(entry, _NEIGHBOURHOOD_KEYS, file, where)
    code = _text(entry, "code", file, where)
    where = msg("cityfile.neighbourhood", code=code)
    name = _text(entry, "name", file, where)
    inhabitants = _whole(entry, "inhabitants", file, where, lo=1)
    adults = _whole(entry, "adults", file, where, lo=1)
    if adults > inhabitants:
        raise OpenDataError(msg("cityfile.adults", file=file, where=where, adults=adults, inhabitants=inhabitants))
    settings_table = _table(entry, "settings", file, where)
    for f in dataclasses.fields(Archetype):
        if f.name not in settings_table:
            raise OpenDataError(msg("cityfile.missing_setting", file=file, where=_at(where, f"settings.{f.name}"),
                                    doc=f.metadata["doc"]))
    for key, value in settings_table.items():
        _finite(value, file, _at(where, f"settings.{key}"))
    try:
        # A neighbourhood of one's own city is a new entry of the archetype table, which the schema only lets
        # scenarios change (a misspelt entry is refused there): its settings are checked field by field here.
        settings = apply_overrides(Archetype(), settings_table, f"archetypes.{code}")
        parameters_from_dict({}, base=dataclasses.replace(Parameters(), archetypes={code: settings}))  # across fields
    except ParameterError as exc:  # named where the city file gives it: "Oost.settings.share", not "archetypes.Oost..."
        setting = _at(where, "settings." + exc.path.split(f"archetypes.{code}.", 1)[-1])
        raise OpenDataError(exc.at(msg("cityfile.place", file=file, where=setting)).args[0]) from None
    if settings.share <= 0:
        raise OpenDataError(msg("cityfile.share", file=file, where=_at(where, "settings.share")))
    observed = _table(entry, "observed", file, where, required=False)
    _unknown(observed, set(OBSERVED), file, _at(where, "observed"))
    for key, value in observed.items():
        _, lo, hi = OBSERVED[key]
        if isinstance(value, list):
            raise OpenDataError(msg("cityfile.expected_number", file=file, where=_at(where, f"observed.{key}"),
                                    value=value))
        _finite(value, file, _at(where, f"observed.{key}"))
        if not lo <= value <= hi:
            raise OpenDataError(msg("cityfile.out_of_range", file=file, where=_at(where, f"observed.{key}"),
                                    value=value, lo=lo, hi=hi))
    return Neighbourhood(code, name, inhabitants, adults, settings, {k: float(v) for k, v in observed.items()},
                         tuple(_texts(entry, "merged", file, where)), tuple(_texts(entry, "notes", file, where)))


def _unknown(table: dict[str, Any], allowed: set[str], file: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            raise OpenDataError(msg("cityfile.unknown_key", file=file, where=_at(where, key),
                                    allowed=", ".join(sorted(allowed))))


def _table(data: dict[str, Any], key: str, file: str, where: str, required: bool = True) -> dict[str, Any]:
    value = data.get(key, None if required else {})
    if not isinstance(value, dict):
        raise OpenDataError(msg("cityfile.expected_table", file=file, where=_at(where, key)))
    return value


def _text(data: dict[str, Any], key: str, file: str, where: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise OpenDataError(msg("cityfile.expected_text", file=file, where=_at(where, key), value=value))
    return value


def _texts(data: dict[str, Any], key: str, file: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OpenDataError(msg("cityfile.expected_texts", file=file, where=_at(where, key)))
    return value


def _whole(data: dict[str, Any], key: str, file: str, where: str, lo: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise OpenDataError(msg("cityfile.expected_whole", file=file, where=_at(where, key), lo=lo, value=value))
    return value


def _finite(value: Any, file: str, where: str) -> None:
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise OpenDataError(msg("cityfile.expected_number", file=file, where=where, value=v))
        if not math.isfinite(v):
            raise OpenDataError(msg("cityfile.not_a_number", file=file, where=where, value=v))


def _at(where: str, key: str) -> str:
    """``where.key`` (``key`` at the top), said in the user's language when ``where`` is a message."""
    return msg("cityfile.at", where=where, key=key) if where else key
