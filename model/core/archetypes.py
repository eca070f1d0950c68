"""Neighbourhood archetypes: who lives in a neighbourhood and what it has (a table of the parameter schema)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.core.schema import param

if TYPE_CHECKING:
    from model.core.parameters import Parameters


@dataclass(frozen=True)
class Archetype:
    """A neighbourhood archetype: who lives there and what it has (CBS Kerncijfers wijken en buurten, rounded)."""

    age_shares: tuple[float, float, float, float] = param(
        (0.28, 0.34, 0.27, 0.11), unit="share per age group (18-34, 35-54, 55-74, 75+)",
        source="CBS StatLine 2023, adult population by age (rounded)", lo=0, hi=1,
        doc="Age distribution of adults.")
    alone_share: float = param(0.21, unit="share of adults",
                               source="CBS households: about 3.0 million one-person households of 14 million adults "
                               "(recalled, rounded)", lo=0, hi=1, doc="Adults living alone.")
    low_income_share: float = param(0.12, unit="share of adults", source="CBS low-income households ~8-15%",
                                    lo=0, hi=1, doc="Adults in low-income households.")
    density: float = param(1.0, unit="relative urban density (1 = city average)", source="assumption",
                           lo=0.1, hi=5, doc="Denser, more anonymous neighbourhoods keep fewer ties (tie decay).")
    places_per_10k: float = param(3.0, unit="meeting places per 10,000 adults", source="assumption",
                                  lo=0, hi=50, doc="Buurthuizen and other low-threshold places.")
    share: float = param(0.25, unit="share of city population", source="assumption", lo=0, hi=1,
                         doc="Share of the city's residents living in this archetype.")


def default_archetypes() -> dict[str, Archetype]:
    """The four stylised archetypes of the default city."""
    # Shares and compositions are stylised from CBS neighbourhood statistics
    # (Kerncijfers wijken en buurten 2023); they differ in the directions Dutch ones do.
    return {
        "urban_young": Archetype(age_shares=(0.45, 0.33, 0.16, 0.06), alone_share=0.32,
                                 low_income_share=0.15, density=2.0, places_per_10k=2.0, share=0.25),
        "urban_deprived": Archetype(age_shares=(0.30, 0.33, 0.25, 0.12), alone_share=0.30,
                                    low_income_share=0.30, density=1.6, places_per_10k=4.0, share=0.25),
        "suburban_family": Archetype(age_shares=(0.22, 0.40, 0.28, 0.10), alone_share=0.13,
                                     low_income_share=0.07, density=0.8, places_per_10k=2.5, share=0.30),
        "village_ageing": Archetype(age_shares=(0.16, 0.27, 0.35, 0.22), alone_share=0.17,
                                    low_income_share=0.08, density=0.3, places_per_10k=6.0, share=0.20),
    }


def neighbourhoods(p: Parameters) -> tuple[np.ndarray, np.ndarray]:
    """The city's neighbourhoods: each one's archetype and name (``urban_young``, or ``urban_young_2`` when several).

    A rule of the parameters alone, so that scenario files are checked without building a city.
    """
    names = [n for n, a in p.archetypes.items() if a.share > 0]
    k = p.neighbourhoods_per_archetype
    return (np.array([n for n in names for _ in range(k)], dtype=object),
            np.array([f"{n}_{i + 1}" if k > 1 else n for n in names for i in range(k)], dtype=object))
