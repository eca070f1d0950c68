"""What ``vitality city import``, ``vitality city map`` and ``--city`` do; the CLI parses and prints.

* :func:`import_city` reads a KWB download (``kwb-2024.xlsx``/``.csv``) or the API
  (``cbs:85984NED``) and, optionally, RIVM's table, and derives the city; :func:`write_city`
  writes the city file, never over an existing file.
* :func:`city_map` draws the city's neighbourhoods from the CBS/PDOK GeoPackage, coloured by one
  setting or observed figure, to check that the boundaries belong to the figures.
* :class:`CityRun` is a city at a ``--scale``: it puts the city's neighbourhoods into scenarios,
  records the city in a results folder's manifest and writes ``city.toml`` and ``observed.csv``
  beside the results; :func:`city_of_results` reads it back for the report.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from model.core.parameters import Archetype
from model.experiments.publish import publish_file
from model.messages import msg
from model.opendata.city import OBSERVED, City, city_from_figures
from model.opendata.cityfile import city_to_toml, load_city, parse_city
from model.opendata.compare import observed_vs_simulated
from model.opendata.geo import city_shapes, draw_map
from model.opendata.kwb import read_kerncijfers
from model.opendata.odata import fetch_health, fetch_kerncijfers, is_api_source
from model.opendata.outputs import final_by_neighbourhood
from model.opendata.rivm import read_health
from model.opendata.table import OpenDataError

#: What `vitality city map` can colour by: a setting of the model or an observed figure, and its colour-bar label.
MAP_FIGURES: dict[str, str] = {
    "alone_share": "share of adults living alone, model setting (ODD 6.3)",
    "low_income_share": "share of adults with a low income, model setting",
    "density": "urban density (1 = the city's mean), model setting",
    "share": "share of the city's adults",
    **{name: meaning for name, (meaning, _, _) in OBSERVED.items()},
}


def import_city(source: str, gemeente: str, level: str = "wijk", rivm: str | None = None, rivm_period: str = "",
                min_inhabitants: int = 200) -> tuple[City, list[str]]:
    """Read the figures and derive the city (see :func:`model.opendata.city.city_from_figures`).

    Args:
        source: A KWB file, or ``cbs:<table>`` for CBS's API.
        gemeente: The gemeente's code (``GM0599``, ``0599``) or, for a file, its name.
        level: ``wijk`` or ``buurt``.
        rivm: RIVM's table 50120NED as a file, or ``rivm:50120NED``; None for none.
        rivm_period: The year of the RIVM estimates ('' for the latest).
        min_inhabitants: Smaller areas are merged (buurten) or left out (wijken).

    Returns:
        The city and what was merged, left out or filled in.

    Raises:
        OpenDataError: A file, the API or an argument cannot be used; the message is one line.
    """
    if min_inhabitants < 1:
        raise OpenDataError(msg("city.min_inhabitants", value=min_inhabitants))
    if is_api_source(source):
        digits = gemeente.strip().upper().removeprefix("GM")
        if not (digits.isdigit() and len(digits) <= 4):
            raise OpenDataError(msg("city.gemeente_code", source=source, value=gemeente))
        kwb = fetch_kerncijfers(source, "GM" + digits.zfill(4))
    else:
        kwb = read_kerncijfers(source, gemeente)
    health = None
    if rivm:
        read = fetch_health if is_api_source(rivm) else read_health
        health = read(rivm, kwb.gemeente_code, rivm_period)
    return city_from_figures(kwb, level, health, min_inhabitants)


def write_city(city: City, out: str | Path) -> Path:
    """Write the city file ``out`` (``.toml``), never over an existing file."""
    out = Path(out)
    check_new(out, ".toml")
    publish_file(out, city_to_toml(city).encode("utf-8"))
    return out


def city_map(city: City, gpkg: str | Path, figure: str = "low_income_share") -> tuple[Figure, list[str]]:
    """The city's neighbourhoods on the CBS/PDOK map, coloured by a setting or an observed figure.

    Returns:
        The figure and the area codes that have no boundary in the GeoPackage.

    Raises:
        OpenDataError: An unknown figure, or the GeoPackage has none of the city's areas.
    """
    if figure not in MAP_FIGURES:
        raise OpenDataError(msg("city.bad_figure", value=figure, choices=", ".join(MAP_FIGURES)))
    shapes, missing, others = city_shapes(city, gpkg)
    settings = {f.name for f in dataclasses.fields(Archetype)}
    values = {label: float(getattr(n.settings, figure)) if figure in settings else n.observed.get(figure)
              for label, n in zip(city.labels(), city.neighbourhoods, strict=True)}
    fig = draw_map(shapes, {k: v for k, v in values.items() if v is not None}, f"{city.name}: {figure}",
                   MAP_FIGURES[figure], others=others)
    return fig, missing


def save_figure(fig: Figure, out: str | Path) -> Path:
    """Write a figure as ``.png`` or ``.svg``, never over an existing file."""
    out = Path(out)
    check_new(out, ".png", ".svg")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=out.suffix[1:], dpi=150)
    publish_file(out, buffer.getvalue())
    return out


def check_new(out: Path, *suffixes: str) -> None:
    """Refuse an output name with another suffix, one that exists, or one in a missing folder."""
    if out.suffix.lower() not in suffixes:
        either = msg("budget.either", first=suffixes[0], second=suffixes[1]) if len(suffixes) == 2 else suffixes[0]
        raise OpenDataError(msg("city.out_suffix", out=out, suffixes=either))
    if out.exists():
        raise OpenDataError(msg("city.out_exists", out=out))
    if not out.parent.is_dir():
        raise OpenDataError(msg("city.out_no_folder", folder=out.parent))


@dataclass(frozen=True)
class CityRun:
    """A city simulated at a scale: what ``--city FILE --scale S`` adds to a run.

    Attributes:
        city: The city.
        scale: Proportional sample of its adults (1 = everyone).
        file: The city file it came from (as given).
    """

    city: City
    scale: float = 1.0
    file: str = ""

    @classmethod
    def load(cls, file: str | Path, scale: float = 1.0) -> CityRun:
        """Read a city file and check that ``scale`` can be simulated."""
        city = load_city(file)
        city.sample_size(scale)
        return cls(city, scale, str(file))

    def scenario(self, scenario: Any) -> Any:
        """The scenario with this city's neighbourhoods and a ``scale`` sample of its adults."""
        return dataclasses.replace(scenario, params=self.city.parameters(scenario.params, self.scale))

    def design(self, design: Any) -> Any:
        """A sweep design whose scenarios run in this city.

        Raises:
            OpenDataError: The design varies the archetypes or the number of residents, which the city sets.
        """
        for p in design.parameters:
            if p.name.split(".")[0].split("[")[0] in ("archetypes", "n_residents", "neighbourhoods_per_archetype"):
                raise OpenDataError(msg("city.design_varies", design=design.name, parameter=p.name))
        return dataclasses.replace(design, scenarios=tuple(self.scenario(sc) for sc in design.scenarios))

    def manifest(self) -> dict[str, Any]:
        """What a results folder's manifest records: the file, the scale and the whole city file."""
        return {"file": self.file, "scale": self.scale, "gemeente": self.city.gemeente, "name": self.city.name,
                "source": city_to_toml(self.city)}

    def write(self, folder: Path, results: dict[str, Any]) -> None:
        """Write ``city.toml`` and ``observed.csv`` (observed beside simulated, per scenario) into ``folder``."""
        (folder / "city.toml").write_text(city_to_toml(self.city), encoding="utf-8")
        tables = [observed_vs_simulated(self.city, final_by_neighbourhood(r.neighbourhoods)).assign(scenario=name)
                  for name, r in results.items()]
        table = pd.concat(tables, ignore_index=True)
        table[["scenario", *table.columns[:-1]]].to_csv(folder / "observed.csv", index=False)


def city_of_results(manifest: dict[str, Any], where: str) -> CityRun | None:
    """The city a results folder was run on (from its manifest), or None for the model's own archetypes.

    Raises:
        OpenDataError: The manifest's city cannot be read.
    """
    record = manifest.get("city")
    if record is None:
        return None
    try:
        return CityRun(parse_city(record["source"], f"{where} (manifest city)"), float(record["scale"]),
                       str(record.get("file", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise OpenDataError(msg("city.manifest", where=where, problem=exc)) from None
