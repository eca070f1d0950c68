"""Observed next to simulated, per neighbourhood of a real city.

RIVM's estimates (and CBS's Wmo figures) are kept in the city file as observed values; after a
run the same quantities are read from the model's neighbourhood outputs, averaged over the last
year of each seed. :func:`observed_vs_simulated` puts them side by side with the difference and
the 95% interval of the simulated mean over seeds. The definitions match as far as the model
allows; :data:`COMPARED` says what is compared with what.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from model.experiments.statistics import mean_ci
from model.opendata.city import City


@dataclass(frozen=True)
class Comparison:
    """An observed figure and the model output it is compared with.

    Attributes:
        outputs: Neighbourhood outputs whose sum is the simulated value.
        scale: Factor from the outputs' unit to the observed figure's unit.
        label_en: Row label in English.
        label_nl: Row label in Dutch.
    """

    outputs: tuple[str, ...]
    scale: float
    label_en: str
    label_nl: str


COMPARED: dict[str, Comparison] = {
    "lonely_pct": Comparison(("lonely_share",), 100, "lonely (DJG 3+), %", "eenzaam (DJG 3+), %"),
    "severe_lonely_pct": Comparison(("severe_share", "very_severe_share"), 100, "severely lonely (DJG 9+), %",
                                    "ernstig eenzaam (DJG 9+), %"),
    "emotional_lonely_pct": Comparison(("emotional_lonely_share",), 100, "emotionally lonely, %",
                                       "emotioneel eenzaam, %"),
    "social_lonely_pct": Comparison(("social_lonely_share",), 100, "socially lonely, %", "sociaal eenzaam, %"),
    "volunteering_pct": Comparison(("volunteering_share_year",), 100, "volunteering (past year), %",
                                   "vrijwilligerswerk (afgelopen jaar), %"),
    "informal_carer_pct": Comparison(("informal_carer_share",), 100, "informal carers, %", "mantelzorgers, %"),
}


def observed_vs_simulated(city: City, per_seed: pd.DataFrame) -> pd.DataFrame:
    """Each observed figure of each neighbourhood beside its simulated value.

    Args:
        city: The city (its neighbourhoods' observed figures).
        per_seed: One row per seed and neighbourhood: ``seed``, ``neighbourhood`` (the model's
            label, see :meth:`City.labels`) and the outputs named in :data:`COMPARED`, each the
            mean over the period compared (e.g. the last year).

    Returns:
        One row per neighbourhood and figure with an observed value: ``neighbourhood``, ``code``,
        ``figure``, ``observed``, ``simulated`` (mean over seeds), ``ci_low``, ``ci_high`` (95%
        t interval over seeds; NaN with one seed) and ``difference`` (simulated - observed), in
        the observed figure's unit.
    """
    rows = []
    for label, n in zip(city.labels(), city.neighbourhoods, strict=True):
        mine = per_seed[per_seed["neighbourhood"] == label]
        if mine.empty:
            continue
        for figure, c in COMPARED.items():
            if figure not in n.observed:
                continue
            mean, low, high = mean_ci(c.scale * mine[list(c.outputs)].sum(axis=1))
            rows.append({"neighbourhood": label, "code": n.code, "figure": figure, "observed": n.observed[figure],
                         "simulated": mean, "ci_low": low, "ci_high": high, "difference": mean - n.observed[figure]})
    columns = ["neighbourhood", "code", "figure", "observed", "simulated", "ci_low", "ci_high", "difference"]
    return pd.DataFrame(rows, columns=columns)
