"""Scenario files: parameter overrides and timed interventions, read from TOML.

A scenario file (``scenarios/<name>.toml``) has::

    name = "citizen_budget"                   # optional; the file name without .toml
    title = "Citizen budget"                  # optional: its name in tables and figures, English (default: name)
    title_nl = "Burgerbegroting"              # optional: the same in Dutch (default: title)
    description = "..."                       # English, one line
    description_nl = "..."                    # Dutch, one line (the dashboard switches language)

    [parameters]                              # overrides of the schema in model/parameters.py
    steering_mode = "framing"
    [parameters.archetypes.urban_deprived]    # nested tables for archetypes and steering profiles
    places_per_10k = 3.0

    [[interventions]]                         # zero or more, by name in the intervention registry
    type = "citizen_budget"
    at_year = 2.0                             # start (week = round(at_year * 52))
    until_year = 4.0                          # optional end
    neighbourhoods = ["urban_deprived"]       # optional; the whole city when omitted
    eur_per_resident = 10.0                   # that intervention's settings

Everything is validated when the file is read: unknown keys, wrong types and
out-of-range values raise a :class:`ScenarioError` whose one-line message names the
file, the key and what is allowed.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
import tomllib
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.core.archetypes import neighbourhoods as city_neighbourhoods
from model.core.interventions import INTERVENTION_REGISTRY, Intervention, make_intervention
from model.core.parameters import Parameters, parameters_from_dict
from model.core.schema import ParameterError, check_value, did_you_mean, param
from model.core.time import WEEKS_PER_YEAR
from model.experiments.provenance import shipped
from model.messages import msg

if typing.TYPE_CHECKING:
    from model.experiments.runner import RunResult

#: The shipped scenarios: ``scenarios/`` in the repository root, next to the ``model`` package.
SCENARIO_DIR = shipped("scenarios")

TOP_LEVEL_KEYS = ("name", "title", "title_nl", "description", "description_nl", "parameters", "interventions")
TIMING_KEYS = ("type", "at_year", "until_year", "neighbourhoods")
_BASE_FIELDS = {f.name for f in dataclasses.fields(Intervention)}
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
#: Longest name of a scenario or design: folder names (at most 255 bytes) add a time stamp and suffixes to it.
MAX_NAME = 64


class ScenarioError(ParameterError):
    """A scenario file that cannot be used (missing, not TOML, or not valid); the message is one line."""


@dataclass(frozen=True)
class InterventionSpec:
    """One ``[[interventions]]`` entry of a scenario file, validated.

    Attributes:
        type: Name in the intervention registry.
        at_year: Start, in years from the beginning of the run.
        until_year: End, in years (``None``: until the end of the run).
        neighbourhoods: Neighbourhood names it acts in (empty: the whole city).
        settings: That intervention's own settings (defaults filled in).

    """

    type: str
    at_year: float
    until_year: float | None = None
    neighbourhoods: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def start_week(self) -> int:
        """The week in which it starts."""
        return round(self.at_year * WEEKS_PER_YEAR)

    def make(self) -> Intervention:
        """Create a fresh intervention object (interventions hold state, so one per run)."""
        end = None if self.until_year is None else round(self.until_year * WEEKS_PER_YEAR)
        return make_intervention(self.type, start_week=self.start_week, end_week=end,
                                 neighbourhoods=self.neighbourhoods, **self.settings)

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as plain data, as it would appear in a scenario file."""
        timing = {"type": self.type, "at_year": self.at_year}
        if self.until_year is not None:
            timing["until_year"] = self.until_year
        if self.neighbourhoods:
            timing["neighbourhoods"] = list(self.neighbourhoods)
        return timing | self.settings


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter overrides and timed interventions.

    Attributes:
        name: Short name (the file name without ``.toml`` unless the file says otherwise).
        description: One line in English.
        description_nl: One line in Dutch.
        params: The resolved parameters (schema defaults with the file's overrides).
        interventions: The validated interventions, in file order.
        path: The file it was read from.
        source: The text of that file (kept for the results manifest).
        title: Its name in English tables, figures and reports (default: ``name``).
        title_nl: Its name in Dutch ones (default: ``title``).

    """

    name: str
    description: str
    description_nl: str
    params: Parameters
    interventions: tuple[InterventionSpec, ...] = ()
    path: Path | None = None
    source: str = ""
    title: str = ""
    title_nl: str = ""

    def make_interventions(self) -> list[Intervention]:
        """Fresh intervention objects for one run."""
        return [spec.make() for spec in self.interventions]

    def run(self, seed: int, last_weeks_only: int | None = None) -> RunResult:
        """One run of the scenario: its parameters and years, fresh interventions, the given seed.

        ``last_weeks_only``: record only this many last weeks (see :func:`model.experiments.runner.run`).
        """
        from model.experiments import runner  # the model itself: not needed to read, list or show scenarios

        return runner.run(self.params, seed, self.params.years, self.make_interventions(), last_weeks_only)

    def settled_group(self, seed: int) -> str:
        """The runs that start from the same settled city as this scenario's run with ``seed`` share this name.

        See :func:`model.experiments.settled.settled_group` (empty: the run settles a city of its own).
        """
        from model.experiments.settled import settled_group  # the model itself, as in run

        return settled_group(self.params, seed, self.make_interventions())

    def with_parameters(self, overrides: dict[str, Any]) -> Scenario:
        """Return a copy with further validated parameter overrides (e.g. from the command line).

        Raises:
            ParameterError: An override is unknown, of the wrong type or out of range.

        """
        return dataclasses.replace(self, params=parameters_from_dict(overrides, base=self.params))

    def to_dict(self) -> dict[str, Any]:
        """Name, descriptions, every resolved parameter and the interventions, as plain data."""
        return {"name": self.name, "title": self.title, "title_nl": self.title_nl, "description": self.description,
                "description_nl": self.description_nl, "parameters": self.params.to_dict(),
                "interventions": [s.to_dict() for s in self.interventions]}

    def to_toml(self) -> str:
        """Write the scenario, every parameter resolved, as a scenario file that loads to the same scenario."""
        data = self.to_dict()
        lines = [f"{k} = {_toml_value(data[k])}" for k in TOP_LEVEL_KEYS[:5]]
        lines += _toml_table(["parameters"], data["parameters"])
        for entry in data["interventions"]:
            lines += ["", "[[interventions]]"] + [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"


def _toml_table(path: list[str], table: dict[str, Any]) -> list[str]:
    scalars = [f"{k} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    lines = ["", f"[{'.'.join(path)}]", *scalars] if scalars else []
    for key, sub in table.items():
        if isinstance(sub, dict):
            lines += _toml_table([*path, key], sub)
    return lines


def list_scenarios(folder: Path = SCENARIO_DIR) -> list[str]:
    """Names of the shipped scenarios (files in ``folder``, by default :data:`SCENARIO_DIR`), baseline first."""
    names = sorted(p.stem for p in folder.glob("*.toml"))
    return sorted(names, key=lambda n: n != "baseline")


def scenario_path(path_or_name: str | Path, folder: Path = SCENARIO_DIR, what: str = "scenario") -> Path:
    """Find a file: a path (ends in ``.toml`` or contains a folder) or the name of a shipped one in ``folder``.

    Args:
        path_or_name: What the user gave.
        folder: Where the shipped files are (scenarios by default; designs use their own folder).
        what: What the files are, for the message.

    Raises:
        ScenarioError: The file does not exist; the message lists the shipped names.

    """
    text = str(path_or_name)
    is_path = text.endswith(".toml") or "/" in text or "\\" in text
    path = Path(text) if is_path else folder / f"{text}.toml"
    if not path.is_file():
        shipped = list_scenarios(folder)
        hint, names = did_you_mean(path.stem, shipped), ", ".join(shipped)
        raise ScenarioError(msg(f"{what}.file_not_found", path=text, hint=hint, shipped=names) if is_path else
                            msg(f"{what}.not_found", name=text, path=shown_path(path), hint=hint, shipped=names))
    return path


def load_scenario(path_or_name: str | Path, neighbourhoods: Sequence[str] | None = None) -> Scenario:
    """Read and validate a scenario file.

    Args:
        path_or_name: A shipped scenario's name (``scenarios/<name>.toml``) or the path of a TOML file.
        neighbourhoods: The names interventions may act in, for a scenario meant for a real city
            (its wijken); by default those of the scenario's own archetypes.

    Returns:
        The scenario, with resolved parameters and validated interventions.

    Raises:
        ScenarioError: The file is missing, is not TOML, or has an unknown key, a wrong type or a value
            out of range; the one-line message names the file and the key.

    """
    path = scenario_path(path_or_name)
    data, source = read_toml(path)
    try:
        return _parse(data, path, source, neighbourhoods)
    except ParameterError as exc:
        raise ScenarioError(msg("file.problem", path=shown_path(path), problem=exc.args[0])) from None


#: Byte-order marks and the encodings they announce (UTF-32 first: its little-endian mark starts like UTF-16's).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Read a user's TOML file (a scenario or design): its data and its text.

    The text is UTF-8, or any encoding its byte-order mark names unambiguously (UTF-8 with a mark, as
    Notepad saves it; UTF-16 and UTF-32). Anything else (e.g. Windows-1252, "ANSI") is refused rather
    than guessed, since a wrong guess would change names and descriptions silently.

    Raises:
        ScenarioError: The file is binary, not in one of those encodings, or not valid TOML (one line,
            naming the file, where and what to do).

    """
    where, data = shown_path(path), path.read_bytes()
    encoding = next((codec for bom, codec in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\0" in data:
        raise ScenarioError(msg("file.binary", path=where))
    try:
        source = data.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        if encoding is not None:
            raise ScenarioError(msg("file.bad_byte_order_mark", path=where,
                                    encoding=encoding.removesuffix("-sig").upper())) from None
        line = data[:exc.start].count(b"\n") + 1
        raise ScenarioError(msg("file.not_utf8", path=where, line=line, byte=data[exc.start])) from None
    try:
        return tomllib.loads(source), source
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(msg("file.not_toml", path=where, problem=str(exc))) from None


def _parse(data: dict[str, Any], path: Path, source: str, neighbourhoods: Sequence[str] | None = None) -> Scenario:
    reject_unknown(data, TOP_LEVEL_KEYS, "")
    name = check_name(data.get("name", path.stem))
    if "description" not in data:
        raise ParameterError(msg("scenario.no_description", path="description"))
    description = _text(data, "description")
    description_nl = _text(data, "description_nl", default=description)
    title = _text(data, "title", default=name)
    title_nl = _text(data, "title_nl", default=title)
    overrides = data.get("parameters", {})
    if not isinstance(overrides, dict):
        raise ParameterError(msg("param.expected_table", path="parameters", value=overrides))
    try:
        params = parameters_from_dict(overrides)
    except ParameterError as exc:
        raise exc.at(f"parameters.{exc.path}") from None
    entries = data.get("interventions", [])
    if not isinstance(entries, list):
        raise ParameterError(msg("scenario.interventions_tables", path="interventions"))
    known = list(neighbourhoods) if neighbourhoods is not None else list(city_neighbourhoods(params)[1])
    specs = tuple(_intervention(entry, f"interventions[{i}]", params, known) for i, entry in enumerate(entries, 1))
    return Scenario(name, description, description_nl, params, specs, path, source, title, title_nl)


def check_name(name: Any) -> str:
    """Check the name of a scenario or design (it names results folders and runs); return it.

    Raises:
        ParameterError: Not letters, digits, ``_`` and ``-``, or longer than :data:`MAX_NAME` characters.

    """
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        raise ParameterError(msg("scenario.bad_name", path="name", value=name))
    if len(name) > MAX_NAME:
        raise ParameterError(msg("scenario.name_too_long", path="name", max=MAX_NAME, length=len(name)))
    return name


def _intervention(entry: Any, where: str, params: Parameters, known: list[str]) -> InterventionSpec:
    if not isinstance(entry, dict):
        raise ParameterError(msg("param.expected_table", path=where, value=entry))
    kind = entry.get("type")
    if kind not in INTERVENTION_REGISTRY:
        raise ParameterError(msg("scenario.not_an_intervention", path=f"{where}.type", value=kind,
                                 hint=did_you_mean(str(kind), INTERVENTION_REGISTRY),
                                 known=", ".join(INTERVENTION_REGISTRY)))
    cls = INTERVENTION_REGISTRY[kind]
    defaults = {f.name: f.default for f in dataclasses.fields(cls) if f.init and f.name not in _BASE_FIELDS}
    reject_unknown(entry, (*TIMING_KEYS, *defaults), f"{where}.")
    if "at_year" not in entry:
        raise ParameterError(msg("scenario.no_start", path=f"{where}.at_year"))
    years = param(0.0, unit="years from the start", source="", lo=0,
                  hi=Parameters.__dataclass_fields__["years"].metadata["hi"])
    at_year = check_value(f"{where}.at_year", years, entry["at_year"], float)
    until_year = entry.get("until_year")
    if until_year is not None:
        until_year = check_value(f"{where}.until_year", years, until_year, float)
        if until_year <= at_year:
            raise ParameterError(msg("scenario.end_before_start", path=f"{where}.until_year", end=until_year,
                                     start=at_year))
    hints = typing.get_type_hints(cls)
    settings = defaults | {key: check_value(f"{where}.{key}", setting_field(kind, key), value, hints[key])
                           for key, value in entry.items() if key in defaults}
    spec = InterventionSpec(kind, at_year, until_year, _neighbourhoods(entry, where, known), settings)
    try:
        spec.make()  # the intervention's own checks of its settings
    except (TypeError, ValueError) as exc:
        raise ParameterError(msg("scenario.intervention_refused", path=where, problem=str(exc))) from None
    return spec


def setting_field(kind: str, key: str) -> dataclasses.Field:
    """The declaration of an intervention's setting: unit, allowed range and labels (``model.core.interventions``)."""
    return INTERVENTION_REGISTRY[kind].__dataclass_fields__[key]


def _neighbourhoods(entry: dict[str, Any], where: str, known: list[str]) -> tuple[str, ...]:
    names = entry.get("neighbourhoods", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ParameterError(msg("scenario.neighbourhood_list", path=f"{where}.neighbourhoods", value=names))
    for n in names:
        if n not in known:
            raise ParameterError(msg("scenario.unknown_neighbourhood", path=f"{where}.neighbourhoods", value=n,
                                     hint=did_you_mean(n, known), known=", ".join(known)))
    return tuple(names)


def reject_unknown(table: dict[str, Any], allowed: typing.Iterable[str], prefix: str) -> None:
    """Raise a :class:`ParameterError` naming the first key of ``table`` not in ``allowed`` (after ``prefix``)."""
    allowed = list(allowed)
    for key in table:
        if key not in allowed:
            raise ParameterError(msg("file.unknown_key", path=f"{prefix}{key}", hint=did_you_mean(key, allowed),
                                     allowed=", ".join(allowed)))


def _text(data: dict[str, Any], key: str, default: str = "") -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ParameterError(msg("param.expected_text", path=key, value=value))
    return value


def shown_path(path: Path) -> str:
    """Show a path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
