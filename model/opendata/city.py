"""A real city: neighbourhood settings derived from CBS figures, and the city file that holds them.

The model builds a city from ``Parameters.archetypes`` (name -> :class:`Archetype`); with
``neighbourhoods_per_archetype = 1`` each archetype is one neighbourhood named by its key. A
real city is one archetype per wijk (or buurt), named by its real name, replacing the whole
table. :func:`city_from_figures` derives each neighbourhood's settings from the KWB figures:

* ``share``: the neighbourhood's adults (18+) as a share of the city's adults.
* ``age_shares`` (18-34, 35-54, 55-74, 75+ of adults): from the CBS bands 0-14, 15-24, 25-44,
  45-64 and 65+, assuming ages spread evenly within a band: 7/10 of 15-24 are 18-24
  (:data:`ADULT_SHARE_15_24`), 25-44 and 45-64 split in halves, and 65+ splits into 65-74 and
  75+ as nationally (:data:`SHARE_75_OF_65PLUS`; CBS gives no split by wijk).
* ``alone_share``: one adult lives alone in each one-person household, so the share of adults
  living alone is ``a_1p_hh`` / adults. The model multiplies a neighbourhood's ``alone_share``
  by ``alone_age_factor`` per age group, so the setting is that share divided by the mean
  factor over the neighbourhood's age structure: the simulated share then equals CBS's.
* ``low_income_share``: ``p_hh_osm`` (households at or below the social minimum), read as the
  share of adults in such households.
* ``density``: the address density around the neighbourhood's addresses (``ste_oad``), relative
  to the adult-weighted mean of the city; where it is secret, the middle of the urbanity class
  ``ste_mvs`` (:data:`URBANITY_ADDRESSES`). 1 is the city's mean, as in the schema.
* ``places_per_10k``: **an assumption**, the schema's default for every neighbourhood: CBS does
  not count buurthuizen and other meeting places. A user who knows them edits the city file.

A figure that is secret or missing for one neighbourhood is taken from the gemeente as a whole
(with a note in the city file). Areas with fewer inhabitants than ``min_inhabitants`` are
merged (a buurt into the largest buurt of its wijk) or skipped (a wijk; almost always an
industrial or nature area), with a message. Wmo use, youth care, income, urbanity and the RIVM
estimates are kept per neighbourhood as *observed* figures for validation: they set nothing.
The city file is written and read by :mod:`model.opendata.cityfile`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.core.parameters import Archetype, Parameters, parameters_from_dict
from model.core.schema import ParameterError
from model.messages import msg
from model.opendata.kwb import FIGURES as KWB_FIGURES
from model.opendata.kwb import Kerncijfers, Source
from model.opendata.rivm import FIGURES as HEALTH_FIGURES
from model.opendata.rivm import HealthEstimates
from model.opendata.table import OpenDataError

#: Adults among the 15-24 year olds: ages 18-24 are 7 of the band's 10 years (even spread assumed).
ADULT_SHARE_15_24 = 0.7
#: Share of 75+ among the 65+: CBS StatLine 2023, about 1.6 of 3.6 million (recalled, rounded);
#: the KWB has no finer band, so the national split is used in every neighbourhood.
SHARE_75_OF_65PLUS = 0.45
#: Addresses per km2 in the middle of each urbanity class of ``ste_mvs`` (CBS: 1 >= 2,500,
#: 2 1,500-2,500, 3 1,000-1,500, 4 500-1,000, 5 < 500), for areas whose ``ste_oad`` is secret.
URBANITY_ADDRESSES = {1: 3000.0, 2: 2000.0, 3: 1250.0, 4: 750.0, 5: 300.0}
#: Fewest inhabitants a wijk or buurt needs to be a neighbourhood of its own (CBS keeps many
#: figures secret below a few hundred inhabitants).
MIN_INHABITANTS = 200
#: Fewest simulated adults per neighbourhood at a given ``--scale``.
MIN_SAMPLE_PER_NEIGHBOURHOOD = 20
FORMAT = 1

#: Observed figures a city file may hold per neighbourhood: name -> (meaning, lowest, highest).
OBSERVED: dict[str, tuple[str, float, float]] = {
    "one_person_share": ("one-person households per adult (share living alone), CBS", 0, 1),
    **{f.name: (f"{f.meaning}, CBS ({f.short[0]})", -1e12, 1e12) for f in KWB_FIGURES
       if f.name in ("wmo_clients", "wmo_per_1000", "youth_care", "youth_care_pct", "urbanity", "address_density",
                     "income_per_inhabitant", "social_minimum_pct", "population_density", "household_size")},
    **{f.name: (f"{f.meaning}, RIVM", 0, 100) for f in HEALTH_FIGURES},
}
_SUMMED = ("inhabitants", "age_0_14", "age_15_24", "age_25_44", "age_45_64", "age_65_plus", "households",
           "one_person_households", "wmo_clients", "youth_care")


@dataclass(frozen=True)
class Neighbourhood:
    """One neighbourhood of a real city.

    Attributes:
        code: CBS code of the wijk or buurt (``WK059901``).
        name: Its real name.
        inhabitants: Inhabitants (all ages).
        adults: Inhabitants aged 18 and over (derived from the age bands).
        settings: The model's settings for it.
        observed: Figures kept for validation (see :data:`OBSERVED`).
        merged: Codes of small areas merged into it.
        notes: Where a setting did not come from its own figures.
    """

    code: str
    name: str
    inhabitants: int
    adults: int
    settings: Archetype
    observed: dict[str, float] = field(default_factory=dict)
    merged: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class City:
    """A gemeente as the model simulates it.

    Attributes:
        gemeente: ``GM`` and four digits.
        name: The gemeente's name.
        level: ``wijk`` or ``buurt``.
        neighbourhoods: Its neighbourhoods.
        sources: Where the figures came from, by kind (``cbs``, ``rivm``).
        min_inhabitants: The threshold used for merging and skipping.
        skipped: Areas left out (``code name (n inhabitants)``).
    """

    gemeente: str
    name: str
    level: str
    neighbourhoods: tuple[Neighbourhood, ...]
    sources: dict[str, Source]
    min_inhabitants: int = MIN_INHABITANTS
    skipped: tuple[str, ...] = ()

    @property
    def adults(self) -> int:
        """Adults living in the simulated neighbourhoods."""
        return sum(n.adults for n in self.neighbourhoods)

    @property
    def inhabitants(self) -> int:
        """Inhabitants of the simulated neighbourhoods."""
        return sum(n.inhabitants for n in self.neighbourhoods)

    def labels(self) -> list[str]:
        """The name each neighbourhood has in the model: its real name, with its code where names repeat."""
        names = [n.name for n in self.neighbourhoods]
        return [f"{n.name} ({n.code})" if names.count(n.name) > 1 else n.name for n in self.neighbourhoods]

    def parts(self) -> dict[str, list[str]]:
        """The area codes of each neighbourhood, by its label: its own and those merged into it (for maps)."""
        return {label: [n.code, *n.merged] for label, n in zip(self.labels(), self.neighbourhoods, strict=True)}

    def archetypes(self) -> dict[str, Archetype]:
        """The ``Parameters.archetypes`` table of this city: one entry per neighbourhood, by its name."""
        return dict(zip(self.labels(), (n.settings for n in self.neighbourhoods), strict=True))

    def parameters(self, base: Parameters, scale: float = 1.0) -> Parameters:
        """``base`` with this city's neighbourhoods (replacing the archetype table) and a sample of its adults.

        Args:
            base: Parameters of a scenario; its own archetypes must be the schema's (a scenario that
                changes archetypes describes another city).
            scale: Proportional sample of the city's adults to simulate (1 = everyone; see :meth:`sample_size`).

        Raises:
            OpenDataError: The scenario changes archetypes, or the scale is not usable.
        """
        if base.archetypes != Parameters().archetypes or base.neighbourhoods_per_archetype != 1:
            raise OpenDataError(msg("city.own_archetypes", city=self.name))
        try:
            return parameters_from_dict({}, base=dataclasses.replace(
                base, archetypes=self.archetypes(), n_residents=self.sample_size(scale)))
        except ParameterError as exc:
            raise OpenDataError(msg("city.parameters", city=self.name, problem=exc.args[0])) from None

    def scale_for(self, adults: int) -> float:
        """The ``--scale`` that simulates about ``adults`` adults, but enough for every neighbourhood (at most 1)."""
        smallest = min(n.adults for n in self.neighbourhoods)
        return min(1.0, max(adults / self.adults, MIN_SAMPLE_PER_NEIGHBOURHOOD / smallest))

    def sample_size(self, scale: float) -> int:
        """Adults to simulate for a proportional sample ``scale`` (1 = everyone).

        Raises:
            OpenDataError: The scale is out of (0, 1], or leaves a neighbourhood with fewer than
                :data:`MIN_SAMPLE_PER_NEIGHBOURHOOD` simulated adults.
        """
        if not (isinstance(scale, int | float) and 0 < scale <= 1):
            raise OpenDataError(msg("city.bad_scale", value=scale))
        smallest = min(self.neighbourhoods, key=lambda n: n.adults)
        if smallest.adults * scale < MIN_SAMPLE_PER_NEIGHBOURHOOD:
            need = MIN_SAMPLE_PER_NEIGHBOURHOOD / smallest.adults
            raise OpenDataError(msg("city.scale_too_small", scale=scale, neighbourhood=smallest.name,
                                    simulated=smallest.adults * scale, least=MIN_SAMPLE_PER_NEIGHBOURHOOD,
                                    need=_round_up(need)))
        return max(50, round(self.adults * scale))


def _round_up(x: float) -> float:
    digits = -math.floor(math.log10(x))
    return math.ceil(x * 10 ** digits) / 10 ** digits


# ----------------------------------------------------------------------------- derivation
def city_from_figures(kwb: Kerncijfers, level: str = "wijk", health: HealthEstimates | None = None,
                      min_inhabitants: int = MIN_INHABITANTS) -> tuple[City, list[str]]:
    """Derive a city's neighbourhoods from its KWB figures (and RIVM estimates).

    Args:
        kwb: The gemeente's KWB rows.
        level: ``wijk`` or ``buurt``: which areas become neighbourhoods.
        health: RIVM estimates to keep as observed figures.
        min_inhabitants: Areas with fewer inhabitants are merged or skipped.

    Returns:
        The city and messages for the user (what was merged, skipped or filled in).

    Raises:
        OpenDataError: The table has no areas of that level for the gemeente.
    """
    if level not in ("wijk", "buurt"):
        raise OpenDataError(msg("city.bad_level", value=level))
    areas = kwb.areas[kwb.areas["level"] == level].copy()
    if areas.empty:
        raise OpenDataError(msg("city.no_rows", file=kwb.source.file, level=level, code=kwb.gemeente_code,
                                gemeente=kwb.gemeente_name))
    messages: list[str] = []
    areas, merged, skipped = _merge_small(areas, kwb.areas, level, min_inhabitants, messages)
    if areas.empty:
        raise OpenDataError(msg("city.all_too_small", file=kwb.source.file, level=level, gemeente=kwb.gemeente_name,
                                least=min_inhabitants))
    whole = _gemeente_row(kwb, areas)
    fallback = _derive(whole, None)[0]
    rows = []
    for code, row in areas.iterrows():
        derived, notes = _derive(row, fallback)
        rows.append((code, row, derived, notes))
    density = _relative_density([d for _, _, d, _ in rows], [d["adults"] for _, _, d, _ in rows])
    total_adults = sum(d["adults"] for _, _, d, _ in rows)
    place_default = Archetype().places_per_10k
    neighbourhoods = []
    for (code, row, d, notes), dens in zip(rows, density, strict=True):
        if dens is None:
            notes.append(msg("city.note_density"))
        settings = Archetype(age_shares=d["age_shares"], alone_share=d["alone_share"],
                             low_income_share=d["low_income_share"], density=1.0 if dens is None else dens,
                             places_per_10k=place_default, share=round(d["adults"] / total_adults, 6))
        observed = _observed(row, d, health, [code, *merged.get(code, ())], areas_all=kwb.areas)
        neighbourhoods.append(Neighbourhood(code, str(row["name"]), round(row["inhabitants"]),
                                            round(d["adults"]), settings, observed,
                                            tuple(merged.get(code, ())), tuple(notes)))
        messages += [msg("city.note_at", name=row["name"], code=code, note=n) for n in notes]
    sources = {"cbs": kwb.source} | ({"rivm": health.source} if health is not None else {})
    if health is not None:
        missing = [n.name for n in neighbourhoods if "lonely_pct" not in n.observed]
        if missing:
            messages.append(msg("city.no_rivm_estimate", n=len(missing), of=len(neighbourhoods),
                                listed=", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")))
    city = City(kwb.gemeente_code, kwb.gemeente_name, level, tuple(neighbourhoods), sources, min_inhabitants,
                tuple(skipped))
    return city, messages


def _merge_small(areas: pd.DataFrame, all_areas: pd.DataFrame, level: str, min_inhabitants: int,
                 messages: list[str]) -> tuple[pd.DataFrame, dict[str, list[str]], list[str]]:
    """Merge buurten below the threshold into the largest buurt of their wijk; skip small wijken."""
    people = areas["inhabitants"].fillna(0)
    empty = areas.index[people <= 0]  # water, nature, or figures secret: nobody to simulate
    if len(empty):
        listed = ", ".join(f"{code} {areas.loc[code, 'name']}" for code in empty)
        messages.append(msg("city.left_out", n=len(empty), level=level, listed=listed))
    areas, people = areas.drop(empty), people.drop(empty)
    small = people < min_inhabitants
    merged: dict[str, list[str]] = {}
    if level == "buurt":
        for wijk, group in areas[small].groupby("wijk", sort=False):
            big = areas[(areas["wijk"] == wijk) & ~small]
            if big.empty:
                continue  # no buurt of this wijk to merge into: skipped below
            target = big["inhabitants"].idxmax()
            for code in group.index:
                areas.loc[target] = _combine(areas.loc[target], areas.loc[code])
                merged.setdefault(target, []).append(code)
                messages.append(msg("city.merged_buurt", name=areas.loc[code, "name"], code=code,
                                    inhabitants=round(people[code]), into=areas.loc[target, "name"], target=target))
            areas = areas.drop(group.index)
            small = small.drop(group.index)
            people = people.drop(group.index)
    too_small = [(f"{code} {areas.loc[code, 'name']}", f"{people[code]:.0f}") for code in areas.index[small]]
    if too_small:  # the city file keeps ``skipped`` in English; the user reads the list without that word
        listed = "; ".join(f"{area} ({n})" for area, n in too_small)
        messages.append(msg("city.skipped_small", n=len(too_small), level=level, least=min_inhabitants, listed=listed))
    return areas[~small], merged, [f"{area} ({n} inhabitants)" for area, n in too_small]


def _combine(a: pd.Series, b: pd.Series) -> pd.Series:
    """Two areas as one: counts add up, rates are averaged weighted by inhabitants."""
    out = a.copy()
    wa, wb = (0.0 if pd.isna(a["inhabitants"]) else a["inhabitants"]), (0.0 if pd.isna(b["inhabitants"])
                                                                        else b["inhabitants"])
    for f in KWB_FIGURES:
        x, y = a[f.name], b[f.name]
        if f.name in _SUMMED:
            out[f.name] = np.nansum([x, y]) if not (pd.isna(x) and pd.isna(y)) else np.nan
        elif pd.isna(x) or pd.isna(y):
            out[f.name] = y if pd.isna(x) else x
        else:
            out[f.name] = (x * wa + y * wb) / max(wa + wb, 1e-12)
    return out


def _gemeente_row(kwb: Kerncijfers, areas: pd.DataFrame) -> pd.Series:
    """The gemeente's own row, or (when the file has none) its areas combined."""
    if kwb.gemeente_code in kwb.areas.index:
        return kwb.areas.loc[kwb.gemeente_code]
    whole = areas.iloc[0]
    for i in range(1, len(areas)):
        whole = _combine(whole, areas.iloc[i])
    return whole


def _derive(row: pd.Series, fallback: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """Adults and the settings of one area; a missing figure is taken from ``fallback`` with a note."""
    notes: list[str] = []
    bands = [row[k] for k in ("age_15_24", "age_25_44", "age_45_64", "age_65_plus")]
    inhabitants = row["inhabitants"]
    if any(pd.isna(b) for b in bands) or sum(bands) <= 0:
        if fallback is None:
            raise OpenDataError(msg("city.secret_ages", where=row["where"]))
        adults = inhabitants * fallback["adult_ratio"]
        age_shares = fallback["age_shares"]
        notes.append(msg("city.note_ages"))
    else:
        y15, y25, y45, y65 = bands
        groups = [ADULT_SHARE_15_24 * y15 + y25 / 2, y25 / 2 + y45 / 2, y45 / 2 + (1 - SHARE_75_OF_65PLUS) * y65,
                  SHARE_75_OF_65PLUS * y65]
        adults = sum(groups)
        age_shares = _shares([g / adults for g in groups])
    if pd.isna(inhabitants) or inhabitants <= 0:
        raise OpenDataError(msg("city.secret_inhabitants", where=row["where"]))
    alone = row["one_person_households"] / adults if not pd.isna(row["one_person_households"]) else None
    factor = float(np.dot(age_shares, Parameters.__dataclass_fields__["alone_age_factor"].default))
    if alone is None:
        if fallback is None:
            raise OpenDataError(msg("city.secret_one_person", where=row["where"]))
        alone_share, one_person = fallback["alone_share"], None
        notes.append(msg("city.note_one_person"))
    else:
        one_person = min(float(alone), 1.0)
        alone_share = min(one_person / factor, 1.0)
    if pd.isna(row["social_minimum_pct"]):
        if fallback is None:
            raise OpenDataError(msg("city.secret_social_minimum", where=row["where"]))
        low_income = fallback["low_income_share"]
        notes.append(msg("city.note_social_minimum"))
    else:
        low_income = min(max(float(row["social_minimum_pct"]) / 100, 0.0), 1.0)
    derived = {"adults": adults, "adult_ratio": adults / inhabitants, "age_shares": age_shares,
               "alone_share": round(alone_share, 4), "low_income_share": round(low_income, 4),
               "one_person_share": one_person, "addresses": _addresses(row)}
    return derived, notes


def _addresses(row: pd.Series) -> float | None:
    if not pd.isna(row["address_density"]) and row["address_density"] > 0:
        return float(row["address_density"])
    if not pd.isna(row["urbanity"]):
        return URBANITY_ADDRESSES.get(round(row["urbanity"]))
    return None


def _relative_density(derived: list[dict[str, Any]], adults: list[float]) -> list[float | None]:
    """Address density relative to the adult-weighted city mean, within the schema's range."""
    known = [(d["addresses"], a) for d, a in zip(derived, adults, strict=True) if d["addresses"] is not None]
    if not known:
        return [None] * len(derived)
    mean = sum(x * a for x, a in known) / sum(a for _, a in known)
    lo, hi = (Archetype.__dataclass_fields__["density"].metadata[k] for k in ("lo", "hi"))
    return [None if d["addresses"] is None else round(min(max(d["addresses"] / mean, lo), hi), 4) for d in derived]


def _shares(values: list[float]) -> tuple[float, float, float, float]:
    """Four shares rounded to 4 decimals that add up to exactly 1 (largest remainder)."""
    units = [v * 10_000 for v in values]
    whole = [math.floor(u) for u in units]
    for i in sorted(range(4), key=lambda i: whole[i] - units[i])[: 10_000 - sum(whole)]:
        whole[i] += 1
    return tuple(w / 10_000 for w in whole)  # type: ignore[return-value]


def _observed(row: pd.Series, derived: dict[str, Any], health: HealthEstimates | None, codes: list[str],
              areas_all: pd.DataFrame) -> dict[str, float]:
    observed = {k: float(row[k]) for k in OBSERVED if k in row.index and not pd.isna(row[k])}
    if derived["one_person_share"] is not None:
        observed["one_person_share"] = round(derived["one_person_share"], 4)
    if health is not None:
        parts = [c for c in codes if c in health.figures.index]
        if parts:
            weights = np.array([areas_all.loc[c, "inhabitants"] if c in areas_all.index else 1.0 for c in parts])
            table = health.figures.loc[parts]
            for f in HEALTH_FIGURES:
                values = table[f.name].to_numpy()
                ok = ~np.isnan(values)
                if ok.any():
                    observed[f.name] = round(float(np.average(values[ok], weights=np.nan_to_num(weights[ok]) + 1e-9)),
                                             2)
    return {k: round(v, 4) for k, v in observed.items()}
