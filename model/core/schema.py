"""The machinery of the parameter schema: declaring fields, validating overrides, plain data.

A schema is a frozen dataclass whose fields are declared with :func:`param` (a default, a unit, a
source and an allowed range); a plug-in's settings are declared with :func:`setting` (a label in
Dutch and English, a unit, an allowed range and perhaps a dashboard :class:`Slider`).
:func:`apply_overrides` builds a validated copy from plain data (scenario files, the command line,
the dashboard), :func:`check_value` checks one value against its field and :func:`describe` lists
the fields for documentation and the dashboard. The model's own schema is :mod:`model.core.parameters`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import typing
from dataclasses import dataclass, field
from typing import Any

from model.messages import InputError, Message, msg


class ParameterError(InputError):
    """A parameter override that the schema does not accept (unknown key, type or range).

    Its message (a :class:`model.messages.Message`) has the value ``path``: where the value was given, so that a
    caller can name it as the user gave it (a command-line option, a file and its key).
    """

    @property
    def path(self) -> str:
        """Where the value was given, as the message names it (a plain text message: up to its first colon)."""
        message = self.args[0]
        return message.values["path"] if isinstance(message, Message) else str(message).partition(":")[0]

    def at(self, path: str) -> ParameterError:
        """The same error, naming ``path`` as where the value was given."""
        message = self.args[0]
        if not isinstance(message, Message):  # a message not yet in the catalogue: "path: problem" in English
            return ParameterError(f"{path}:{str(message).partition(':')[2]}")
        return ParameterError(msg(message.key, **{**message.values, "path": path}))


def param(
    default: Any,
    *,
    unit: str,
    source: str,
    lo: float | None = None,
    hi: float | None = None,
    doc: str = "",
    choices: tuple[str, ...] | None = None,
    fitted: str | None = None,
) -> Any:
    """Declare a schema field with its unit, source and allowed range.

    Args:
        default: The default value (tuples for vectors, so that instances stay hashable).
        unit: Unit of the value, e.g. ``"1/week"`` or ``"share"``.
        source: Paper, statistic or ``"assumption"``.
        lo: Smallest allowed value (inclusive), per element for tuples.
        hi: Largest allowed value (inclusive), per element for tuples.
        doc: One-line meaning of the parameter.
        choices: Allowed values for a string field.
        fitted: The provenance of the calibration, for a default that a calibration fitted (then the
            source says what the value was based on before the fit).

    Returns:
        A dataclass field carrying that metadata.
    """
    meta = {"unit": unit, "source": f"{fitted} (was: {source})" if fitted else source, "lo": lo, "hi": hi,
            "doc": doc, "choices": choices, "fitted": fitted is not None}
    if isinstance(default, (list, dict)):
        raise TypeError("use tuples for vector defaults")
    return field(default=default, metadata=meta)


#: A text in Dutch and English: ``{"nl": ..., "en": ...}``.
Text = dict[str, str]


@dataclass(frozen=True)
class Slider:
    """A slider of the workshop dashboard: its range in the room (within the allowed one), step and texts.

    Attributes:
        lo: Lowest value on the slider.
        hi: Highest value on the slider.
        step: Slider step.
        label: Its label in Dutch and English (a plug-in's setting uses the setting's own label when ``None``).
        help: Help texts by language; a language without one shows the field's meaning and unit.

    """

    lo: float
    hi: float
    step: float
    label: Text | None = None
    help: Text = field(default_factory=dict)


def setting(default: Any, *, label: Text, unit: str | None = None, lo: float | None = None, hi: float | None = None,
            choices: Any = None, doc: str | None = None, slider: Slider | None = None,
            like: dataclasses.Field | None = None) -> Any:
    """Declare a setting of a plug-in (a field of an intervention): its label, unit, allowed range and slider.

    Scenario files check a setting's value as a schema field's (:func:`check_value`); the dashboard makes
    the ``slider`` of a live intervention.

    Args:
        default: The default value.
        label: Its name in Dutch and English.
        unit: Unit of the value (default: ``like``'s).
        lo: Smallest allowed value (default: ``like``'s).
        hi: Largest allowed value (default: ``like``'s).
        choices: Allowed values of a text setting (any container, e.g. a registry).
        doc: One-line meaning (default: ``like``'s).
        slider: The dashboard's slider for it, when the room sets it live.
        like: A schema field whose unit, range and meaning the setting shares (it sets the same lever).

    Returns:
        A dataclass field carrying that metadata.
    """
    meta = dict(like.metadata) if like is not None else {"unit": "", "lo": None, "hi": None, "doc": ""}
    given = {"unit": unit, "lo": lo, "hi": hi, "doc": doc}
    meta |= {key: value for key, value in given.items() if value is not None}
    meta |= {"source": "", "choices": choices, "label": label, "slider": slider}
    return field(default=default, metadata=meta)


def to_plain(value: Any) -> Any:
    """Plain data (dicts, lists, numbers, text) of a schema instance, as JSON and TOML take it."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return list(value)
    return value


def describe(cls: type) -> list[dict[str, Any]]:
    """Rows (name, default, unit, source, range, meaning) for documentation and the dashboard."""
    rows = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else "(table)"
        rows.append({
            "name": f.name, "default": default, "unit": f.metadata.get("unit", ""),
            "source": f.metadata.get("source", ""), "lo": f.metadata.get("lo"), "hi": f.metadata.get("hi"),
            "choices": f.metadata.get("choices"), "doc": f.metadata.get("doc", ""),
        })
    return rows


def check_value(path: str, f: dataclasses.Field, value: Any, hint: Any) -> Any:
    """Check one value against its field (type, range, choices); return it as the field holds it.

    Args:
        path: Where the value was given, for the message (e.g. ``steering.framing.control``).
        f: The field, whose metadata has the range (``lo``, ``hi``), ``unit`` and ``choices``.
        value: The value as read (TOML, JSON or Python).
        hint: The field's type: ``bool``, ``int``, ``float``, ``str`` or a tuple of numbers.

    Returns:
        The value (numbers as ``float`` for float fields, lists as tuples).

    Raises:
        ParameterError: The value has the wrong type or is out of range.
    """
    meta = f.metadata
    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise ParameterError(msg("param.expected_bool", path=path, value=value))
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(msg("param.expected_int", path=path, value=value))
        values: tuple = (value,)
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(msg("param.expected_number", path=path, value=value))
        value = float(value)
        values = (value,)
    elif hint is str:
        if not isinstance(value, str):
            raise ParameterError(msg("param.expected_text", path=path, value=value))
        if meta.get("choices") and value not in meta["choices"]:
            raise ParameterError(msg("param.not_one_of", path=path, value=value, choices=", ".join(meta["choices"])))
        return value
    elif origin is tuple:
        n = len(typing.get_args(hint))
        if not isinstance(value, (list, tuple)) or len(value) != n or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise ParameterError(msg("param.expected_numbers", path=path, n=n, value=value))
        value = tuple(float(v) for v in value)
        values = value
    else:  # pragma: no cover - schema fields are all of the types above
        raise TypeError(f"unsupported schema type for {path}: {hint}")
    lo, hi = meta.get("lo"), meta.get("hi")
    for v in values:
        if not math.isfinite(v):  # NaN passes every comparison, so it is refused before the range check
            raise ParameterError(f"{path}: expected a finite number, got {v}; allowed {lo} to {hi} "
                                 f"({meta.get('unit', '')})")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ParameterError(msg("param.out_of_range", path=path, value=v, lo=lo, hi=hi, unit=meta.get("unit", "")))
    return value


def apply_overrides(obj: Any, overrides: dict[str, Any], path: str) -> Any:
    """A validated copy of the schema instance ``obj`` with ``overrides`` (nested tables as dicts).

    Raises:
        ParameterError: A key is unknown, or a value of the wrong type or out of range; the message
            names the key (prefixed by ``path``).
    """
    if not isinstance(overrides, dict):
        raise ParameterError(msg("param.expected_table", path=path or "parameters", value=overrides))
    hints = typing.get_type_hints(type(obj))
    fields = {f.name: f for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        where = f"{path}.{key}" if path else key
        if key not in fields:
            close = ", ".join(sorted(k for k in fields if k[:3] == key[:3]))
            raise ParameterError(msg("param.unknown", path=where, close=close) if close else
                                 msg("param.unknown_see_odd", path=where))
        hint = hints[key]
        current = getattr(obj, key)
        if typing.get_origin(hint) is dict:
            changes[key] = _apply_table(current, value, where)
        else:
            changes[key] = check_value(where, fields[key], value, hint)
    return dataclasses.replace(obj, **changes)


def _apply_table(current: dict[str, Any], value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParameterError(msg("param.expected_table", path=path, value=value))
    table = dict(current)
    for name, sub in value.items():
        if name not in table:  # a misspelt entry would otherwise add one (a fifth kind of neighbourhood)
            raise ParameterError(f"{path}.{name}: no such entry{did_you_mean(name, table)}; "
                                 f"entries: {', '.join(table)}")
        table[name] = apply_overrides(table[name], sub, f"{path}.{name}")
    return table


def did_you_mean(word: str, options: typing.Iterable[str]) -> Message | str:
    """`` (did you mean 'x'?)`` for the option closest to a misspelt ``word``, or nothing when none is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return msg("file.did_you_mean", word=close[0]) if close else ""
