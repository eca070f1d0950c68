"""The report's part on a real city: observed next to simulated per neighbourhood, and maps.

For results run with ``--city`` (the city is in the results folder's manifest): the RIVM
estimates of loneliness per wijk beside the reference scenario's simulated values (last-year mean
over seeds with its 95% interval) and the difference; with ``--map`` (the CBS/PDOK GeoPackage)
each wijk coloured by lonely share, community strength and waiting list per 1,000 adults, and by
each other scenario's paired difference from the reference.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from matplotlib.figure import Figure

from model.api import Comparison, ResultsError
from model.messages import render
from model.opendata.commands import city_of_results
from model.opendata.compare import COMPARED, observed_vs_simulated
from model.opendata.outputs import MAP_OUTPUTS, final_by_neighbourhood, output_maps

#: The observed figures the report's table shows (observed.csv in the results folder has them all).
REPORT_FIGURES = ("lonely_pct", "severe_lonely_pct")


def png_uri(fig: Figure, dpi: int = 120) -> str:
    """A figure as an inline PNG (``data:`` URI), so that the report needs no other file."""
    fig.savefig(png := io.BytesIO(), format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


def city_part(comparison: Comparison, t: dict[str, Any], lang: str, locale: str,
              boundaries: str | Path | None = None) -> dict[str, Any] | None:
    """What the report shows about the real city its results were run in, or None for the model's own types.

    Args:
        comparison: The results; the city is read from the first folder's manifest.
        t: The report's texts in ``lang``.
        lang: ``"nl"`` or ``"en"``.
        locale: Babel locale for numbers.
        boundaries: The CBS/PDOK GeoPackage, for maps.

    Raises:
        ResultsError: ``boundaries`` given for results without a city, or folders run in different cities.
    """
    first = comparison.folders[0]
    run = city_of_results(first.manifest, str(first.path))
    for folder in comparison.folders[1:]:
        other = city_of_results(folder.manifest, str(folder.path))
        if (other is None) != (run is None) or (other and run and other.city != run.city):
            raise ResultsError(f"{first.path} and {folder.path} were run in different cities; report on them apart")
    if run is None:
        if boundaries is not None:
            raise ResultsError("--map draws the wijken of a real city: give results run with --city")
        return None
    city = run.city
    ref = comparison.reference["name"]
    finals = {name: final_by_neighbourhood(r.neighbourhoods) for name, r in comparison.results.items()}
    table = observed_vs_simulated(city, finals[ref])
    table = table[table["figure"].isin(REPORT_FIGURES)]

    def num(value: float, sign: bool = False) -> str:
        return format_decimal(value, format="+#,##0.0;-#,##0.0" if sign else "#,##0.0", locale=locale)

    rows = [{"neighbourhood": r.neighbourhood, "figure": getattr(COMPARED[r.figure], f"label_{lang}"),
             "observed": num(r.observed), "simulated": render("number.ci", lang, {
                 "mean": num(r.simulated), "low": num(r.ci_low), "high": num(r.ci_high)}),
             "difference": num(r.difference, sign=True)} for r in table.itertuples()]
    maps = []
    if boundaries is not None:
        titles = {name: t[f"map_{name}"] for name in MAP_OUTPUTS}
        maps = [{"key": key, "label": title, "src": png_uri(fig)}
                for key, title, fig in output_maps(city, boundaries, finals, titles, t["map_difference"])]
    rivm = city.sources.get("rivm")
    params = comparison.reference["parameters"]
    return {
        "intro": t["city_intro"].format(
            name=city.name, code=city.gemeente, n=len(city.neighbourhoods), level=f"{city.level}en",
            sources=", ".join(f"{s.title} ({s.file})" for s in city.sources.values()),
            residents=format_decimal(params["n_residents"], locale=locale),
            adults=format_decimal(city.adults, locale=locale),
            scale=format_decimal(run.scale * 100, format="#,##0.##", locale=locale) + "%"),
        "observed_intro": t["city_observed_intro"].format(period=rivm.period if rivm else "", ref=ref,
                                                          seeds=len(comparison.seeds)),
        "rows": rows, "maps": maps,
    }
