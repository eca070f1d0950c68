"""The varied parameters of an experimental design: any schema parameter by its name in a design file.

A design names a parameter as the schema does, with dots into tables (``steering.facilitating.accountability``,
``archetypes.urban_deprived.places_per_10k``) and ``[i]`` into lists (``case_hours[2]``).
:func:`sweep_parameter` reads and checks one ``[parameters.<name>]`` table against the schema (range or
values, distribution, levels); :func:`overrides` turns values by design name into nested parameter
overrides, as a scenario file has them.
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.core.parameters import Parameters
from model.core.schema import ParameterError, check_value
from model.experiments.scenarios import did_you_mean, reject_unknown
from model.messages import msg

DISTRIBUTIONS = {"uniform": "unif", "loguniform": "logunif", "triangular": "triang", "truncnormal": "truncnorm"}
SPEC_KEYS = ("range", "distribution", "peak", "mean", "sd", "values", "levels")


@dataclass(frozen=True)
class SweepParameter:
    """One varied parameter of a design.

    Attributes:
        name: Its name: a schema field, with dots into tables and ``[i]`` into lists.
        kind: ``real``, ``integer`` or ``categorical`` (text and true/false fields).
        low: Lowest value (numeric ones with a range).
        high: Highest value.
        distribution: A key of :data:`DISTRIBUTIONS`.
        shape: The distribution's further settings: ``peak`` or ``mean`` and ``sd``.
        values: The values of a categorical parameter, or the explicit levels of a factorial one.
        levels: Number of evenly spaced levels over the range (factorial designs).

    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    distribution: str = "uniform"
    shape: tuple[tuple[str, float], ...] = ()
    values: tuple[Any, ...] = ()
    levels: int | None = None

    def salib_bounds(self) -> tuple[list[float], str]:
        """Bounds and distribution for SALib's problem (categories are indices on [0, k))."""
        if self.kind == "categorical":
            return [0.0, float(len(self.values))], "unif"
        low, high = self.low, self.high
        if self.kind == "integer" and self.distribution == "uniform":
            low, high = low - 0.5, high + 0.5  # every whole number gets the same width after rounding
        shape = dict(self.shape)
        if self.distribution == "triangular":
            return [low, high, (shape["peak"] - low) / (high - low)], "triang"
        if self.distribution == "truncnormal":
            return [low, high, shape["mean"], shape["sd"]], "truncnorm"
        return [low, high], DISTRIBUTIONS[self.distribution]

    def value(self, x: float) -> Any:
        """The parameter value of a sampled number (rounded for whole numbers, a category by index)."""
        if self.kind == "categorical":
            return self.values[min(int(x), len(self.values) - 1)]
        if self.kind == "integer":
            return int(min(max(math.floor(x + 0.5), self.low), self.high))
        return float(x)

    def factorial_levels(self) -> list[float]:
        """The levels of a factorial design, as numbers on SALib's scale (indices for categories)."""
        if self.kind == "categorical":
            return [float(i) for i in range(len(self.values))]
        if self.values:
            return [float(v) for v in self.values]
        return [float(v) for v in np.linspace(self.low, self.high, self.levels)]


def _resolve(name: str, base: Parameters, where: str) -> tuple[list[str], int | None, dataclasses.Field, Any]:
    """Find a parameter of the schema by its design name: its path, list index, field and type.

    ``where`` says where the name was given, for messages.
    """
    match = re.fullmatch(r"([A-Za-z_][\w.]*?)(?:\[(\d+)\])?", name)
    if not match:
        raise ParameterError(msg("design.parameter_name", path=where))
    tokens, index = match[1].split("."), None if match[2] is None else int(match[2])
    obj, path, i = base, [], 0
    while True:
        fields = {f.name: f for f in dataclasses.fields(obj)}
        token = tokens[i]
        if token not in fields:
            raise ParameterError(msg("design.not_a_parameter", path=where, name=".".join([*path, token]),
                                     close=did_you_mean(token, fields)))
        hint = typing.get_type_hints(type(obj))[token]
        path.append(token)
        if typing.get_origin(hint) is dict:
            table = getattr(obj, token)
            if i + 1 >= len(tokens):
                raise ParameterError(msg("design.table_needs_entry", path=where, name=token, entries=", ".join(table)))
            key = tokens[i + 1]
            if key not in table:
                raise ParameterError(msg("file.problem", path=where, problem=msg(
                    "param.no_such_entry", path=f"{token}.{key}", close=did_you_mean(key, table),
                    entries=", ".join(table))))
            obj, i = table[key], i + 2
            path.append(key)
            if i >= len(tokens):
                raise ParameterError(msg("design.table_needs_parameter", path=where, name=".".join(path),
                                         names=", ".join(f.name for f in dataclasses.fields(obj))))
            continue
        if i != len(tokens) - 1:
            raise ParameterError(msg("design.nothing_inside", path=where, name=".".join(path)))
        if typing.get_origin(hint) is tuple:
            n = len(typing.get_args(hint))
            if index is None or index >= n:
                raise ParameterError(msg("design.vary_one_element", path=where, name=".".join(path), count=n,
                                         last=n - 1))
            hint = float
        elif index is not None:
            raise ParameterError(msg("design.not_a_list", path=where, name=".".join(path), index=index))
        return path, index, fields[token], hint


def sweep_parameter(name: str, spec: Any, method: str, base: Parameters, where: str) -> SweepParameter:
    """Read one ``[parameters.<name>]`` table of a design, checked against the schema field it names.

    Args:
        name: The parameter's design name.
        spec: Its table: ``range`` (with ``distribution`` and its settings, or factorial ``levels``) or ``values``.
        method: The design's method (factorial designs take levels and values of numbers).
        base: The parameters the design varies (its first scenario's).
        where: Where the table is, for messages (``parameters.<name>``).

    Raises:
        ParameterError: The name, a key, a type or a value is not valid; the message names it.

    """
    if not isinstance(spec, dict):
        raise ParameterError(msg("design.expected_spec", path=where, value=spec))
    reject_unknown(spec, SPEC_KEYS, f"{where}.")
    _, _, f, hint = _resolve(name, base, where)

    def check(key: str, value: Any, as_type: Any = hint) -> Any:
        return check_value(f"{where}.{key}", f, value, as_type)

    if hint in (bool, str):
        if "values" not in spec or set(spec) - {"values"}:
            raise ParameterError(msg("design.values_only", path=where,
                                     kind=msg("design.kind_bool" if hint is bool else "design.kind_text")))
        values = _list(spec["values"], f"{where}.values", 1)
        return SweepParameter(name, "categorical", values=tuple(check("values", v) for v in values))
    kind = "integer" if hint is int else "real"
    if "values" in spec:
        if method != "factorial":
            raise ParameterError(msg("design.values_factorial_only", path=f"{where}.values"))
        if set(spec) - {"values"}:
            raise ParameterError(msg("design.values_or_range", path=where))
        values = _list(spec["values"], f"{where}.values", 1)
        return SweepParameter(name, kind, values=tuple(check("values", v) for v in values))
    if "range" not in spec:
        raise ParameterError(msg("design.range_missing", path=f"{where}.range"))
    low, high = (check("range", v) for v in _list(spec["range"], f"{where}.range", 2, 2))
    if not low < high:
        raise ParameterError(msg("design.range_order", path=f"{where}.range", low=low, high=high))
    distribution = spec.get("distribution", "uniform")
    if distribution not in DISTRIBUTIONS:
        raise ParameterError(msg("param.not_one_of", path=f"{where}.distribution", value=distribution,
                                 choices=", ".join(DISTRIBUTIONS)))
    needs = {"triangular": ("peak",), "truncnormal": ("mean", "sd")}.get(distribution, ())
    extra = [k for k in ("peak", "mean", "sd") if k in spec and k not in needs]
    if extra or any(k not in spec for k in needs):
        settings = (msg("design.both", first=needs[0], second=needs[1]) if len(needs) == 2
                    else needs[0] if needs else msg("design.no_settings"))
        raise ParameterError(msg("design.distribution_settings", path=where, distribution=distribution,
                                 settings=settings))
    shape = []
    for k in needs:
        value = spec[k]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ParameterError(msg("design.finite", path=f"{where}.{k}", value=value))
        shape.append((k, float(value)))
    if distribution == "triangular" and not low <= shape[0][1] <= high:
        raise ParameterError(msg("design.peak", path=f"{where}.peak", peak=shape[0][1], low=low, high=high))
    if distribution == "truncnormal" and shape[1][1] <= 0:
        raise ParameterError(msg("design.above_zero", path=f"{where}.sd"))
    if distribution == "loguniform" and low <= 0:
        raise ParameterError(msg("design.loguniform", path=f"{where}.range"))
    levels = spec.get("levels")
    if method == "factorial":
        if distribution != "uniform" or shape:
            raise ParameterError(msg("design.levels_not_distributions", path=f"{where}.distribution"))
        if not isinstance(levels, int) or isinstance(levels, bool) or levels < 2:
            raise ParameterError(msg("design.levels", path=f"{where}.levels"))
    elif levels is not None:
        raise ParameterError(msg("design.levels_factorial_only", path=f"{where}.levels"))
    return SweepParameter(name, kind, low, high, distribution, tuple(shape), levels=levels)


def _list(value: Any, where: str, least: int, most: int | None = None) -> list:
    if not isinstance(value, list) or len(value) < least or (most is not None and len(value) > most):
        count = least if most == least else msg("design.at_least", least=least)
        raise ParameterError(msg("design.list_count", path=where, count=count, value=value))
    return value


def flatten_specs(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Parameter specs by name, from ``[parameters."a.b"]`` or nested ``[parameters.a.b]`` tables alike."""
    specs = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value and not set(value) & set(SPEC_KEYS):
            specs |= flatten_specs(value, name)
        else:
            specs[name] = value
    return specs


def overrides(values: dict[str, Any], base: Parameters) -> dict[str, Any]:
    """Nested parameter overrides (as in scenario files) that set each named parameter to its value.

    Args:
        values: Values by design name (``steering.framing.control``, ``case_hours[2]``, ...).
        base: The parameters they change (list elements keep their other entries).

    Returns:
        Overrides for :func:`model.core.parameters.parameters_from_dict`.

    """
    nested: dict[str, Any] = {}
    for name, value in values.items():
        path, index, _, _ = _resolve(name, base, name)
        table = nested
        for key in path[:-1]:
            table = table.setdefault(key, {})
        if index is not None:
            current = table.get(path[-1])
            if current is None:
                owner = base
                for key in path[:-1]:
                    owner = owner[key] if isinstance(owner, dict) else getattr(owner, key)
                current = list(getattr(owner, path[-1]))
            current[index] = value
            value = current
        table[path[-1]] = value
    return nested
