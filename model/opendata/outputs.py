"""A real city's outputs per neighbourhood: the numbers behind its maps and its observed-versus-simulated table.

Each seed's neighbourhood outputs are averaged over the last year (as the city summary is);
maps show the mean over seeds. A map of a count would show where most people live, so the
waiting list is drawn per 1,000 adults, which does not depend on ``--scale`` either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from model.core.time import WEEKS_PER_YEAR
from model.experiments.runner import last_weeks
from model.opendata.city import City
from model.opendata.compare import COMPARED
from model.opendata.geo import city_shapes, draw_map


@dataclass(frozen=True)
class MapOutput:
    """An output drawn on the map: how to get it from the neighbourhood table and its scale."""

    columns: tuple[str, ...]
    scale: float
    per_1000_adults: bool = False


#: Outputs the report and the dashboard can colour the wijken by.
MAP_OUTPUTS: dict[str, MapOutput] = {
    "lonely_share": MapOutput(("lonely_share",), 100),
    "community_strength": MapOutput(("community_strength",), 1),
    "waiting_list": MapOutput(("waiting_list",), 1000, per_1000_adults=True),
}


def final_by_neighbourhood(neighbourhoods: pd.DataFrame, weeks: int = WEEKS_PER_YEAR) -> pd.DataFrame:
    """Each seed's mean per neighbourhood over the last ``weeks`` weeks, with the map outputs in their units.

    Args:
        neighbourhoods: One row per seed, week and neighbourhood (a run's neighbourhood table; a
            missing ``seed`` column is one seed).
        weeks: Length of the final period averaged.

    Returns:
        One row per seed and neighbourhood: ``seed``, ``neighbourhood``, the outputs compared with
        observations (:data:`model.opendata.compare.COMPARED`) and :data:`MAP_OUTPUTS` (``map_<name>``).
    """
    frame = neighbourhoods if "seed" in neighbourhoods else neighbourhoods.assign(seed=0)
    needed = sorted({c for m in MAP_OUTPUTS.values() for c in m.columns}
                    | {c for cmp in COMPARED.values() for c in cmp.outputs} | {"residents"})
    final = last_weeks(frame, weeks).groupby(["seed", "neighbourhood"], sort=False)[needed].mean().reset_index()
    for name, m in MAP_OUTPUTS.items():
        value = final[list(m.columns)].sum(axis=1) * m.scale
        final[f"map_{name}"] = value / final["residents"] if m.per_1000_adults else value
    return final


def map_values(final: pd.DataFrame, name: str, reference: pd.DataFrame | None = None) -> dict[str, float]:
    """The mean over seeds of map output ``name`` per neighbourhood, or its paired difference from ``reference``."""
    mine = final.set_index(["seed", "neighbourhood"])[f"map_{name}"]
    if reference is not None:
        mine = (mine - reference.set_index(["seed", "neighbourhood"])[f"map_{name}"]).dropna()
    return mine.groupby(level="neighbourhood", sort=False).mean().to_dict()


def output_maps(city: City, gpkg: str | Path, finals: Mapping[str, pd.DataFrame], titles: Mapping[str, str],
                difference_title: str) -> list[tuple[str, str, Figure]]:
    """The maps of a report: each map output for the first scenario, and the difference of each other one.

    Args:
        city: The city the runs simulated.
        gpkg: The CBS/PDOK GeoPackage.
        finals: :func:`final_by_neighbourhood` per scenario, the reference first.
        titles: Title (with unit) of each map output, in the report's language.
        difference_title: Title of a difference map, with ``{output}``, ``{scenario}`` and ``{ref}``.

    Returns:
        ``(key, title, figure)`` per map.
    """
    shapes, _, others = city_shapes(city, gpkg)
    (ref, reference), *rest = finals.items()
    maps = [(name, f"{titles[name]} ({ref})", draw_map(shapes, map_values(reference, name), f"{titles[name]} ({ref})",
                                                       titles[name], others=others))
            for name in MAP_OUTPUTS]
    for scenario, final in rest:
        for name in MAP_OUTPUTS:
            title = difference_title.format(output=titles[name], scenario=scenario, ref=ref)
            maps.append((f"{name}-{scenario}", title, draw_map(shapes, map_values(final, name, reference), title,
                                                               titles[name], others=others, diverging=True)))
    return maps
