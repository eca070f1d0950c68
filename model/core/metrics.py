"""Weekly outputs: one table of named reporters, per neighbourhood and city-wide.

The outputs themselves (names, labels, units, aggregation) are declared in
:mod:`model.core.outputs`; the recorder's columns are that declaration, in its order.

Reporters are computed from per-neighbourhood *sums* (counts, hours, euros); each
output is a formula over those sums, so the city-wide value is the same formula
over the sums added up across neighbourhoods (shares are weighted correctly).

Community-strength index (0-100), the mean of six measurable shares:

    CSI = 100 * mean(ties, volunteering, mutual_help, participation, engagement, bridging)

* ``ties``: mean of min(good ties, 5) / 5 (protection saturates at 4-5 good ties);
* ``volunteering``: share who volunteered in the past year (52 weeks);
* ``mutual_help``: share of residents in need who get informal help from a tie;
* ``participation``: share who are members of a resident initiative;
* ``engagement``: mean smoothed attendance at meeting places and initiatives;
* ``bridging``: share of good ties that bridge age, income or neighbourhood.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numba
import numpy as np
import pandas as pd

from model.core.outputs import OUTPUTS
from model.core.state import CASE_OPEN, CASE_WAITING, LONELY, SEVERE, need_level_of
from model.core.time import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from model.core.community import CommunityModel


@dataclass
class WeeklyCounters:
    """Events counted during a week, per neighbourhood; reset after each collection."""

    places_closed: np.ndarray
    ties_formed: np.ndarray
    cases_opened: np.ndarray
    cases_closed: np.ndarray
    referrals: np.ndarray
    outreach_found: np.ndarray
    burnouts: np.ndarray
    initiatives_founded: np.ndarray
    initiatives_ended: np.ndarray
    initiatives_taken_over: np.ndarray
    places_taken_over: np.ndarray
    reneged: np.ndarray
    crises: np.ndarray
    diverted: np.ndarray
    bemoeizorg_found: np.ndarray
    place_cost: np.ndarray
    grant_cost: np.ndarray
    takeover_cost: np.ndarray

    @classmethod
    def zeros(cls, n: int) -> WeeklyCounters:
        """Counters at zero for ``n`` neighbourhoods."""
        return cls(**{f.name: np.zeros(n) for f in fields(cls)})

    def reset(self) -> None:
        """Set every counter back to zero."""
        for f in fields(self):
            getattr(self, f.name)[:] = 0


#: Counts of residents (and integer sums) per neighbourhood, in the order :func:`_resident_counts` gives them.
_COUNTS = ("lonely", "moderate", "severe", "very_severe", "social_lonely", "emotional_lonely", "score",
           "residents_75", "lonely_75", "severe_75", "good_ties", "needy", "needy_helped", "open_cases", "waiting",
           "wait_weeks", "carers", "volunteers_year", "volunteers_week", "volunteers_month", "members", "core")


@numba.njit(cache=True)
def _resident_counts(nbh: np.ndarray, k: int, week: int, score: np.ndarray, lon_s: np.ndarray, lon_e: np.ndarray,
                     age: np.ndarray, good_ties: np.ndarray, level: np.ndarray, helper: np.ndarray,
                     case_state: np.ndarray, case_since: np.ndarray, care_given: np.ndarray,
                     last_volunteered: np.ndarray, volunteer_hours: np.ndarray, member_of: np.ndarray,
                     core: np.ndarray) -> np.ndarray:
    # One pass over the residents for every count (integers, so the same as numpy's sums in any order).
    out = np.zeros((k, len(_COUNTS)), dtype=np.int64)
    for i in range(len(nbh)):
        b, sc = nbh[i], score[i]
        lonely, old, waiting = sc >= LONELY, age[i] == 3, case_state[i] == CASE_WAITING
        out[b, 0] += lonely
        out[b, 1] += lonely and sc <= 8
        out[b, 2] += sc >= SEVERE and sc <= 10
        out[b, 3] += sc == 11
        out[b, 4] += lon_s[i] > LONELY - 0.5  # np.rint(x) >= 3, rint rounding 2.5 to 2
        out[b, 5] += lon_e[i] > LONELY - 0.5
        out[b, 6] += sc
        out[b, 7] += old
        out[b, 8] += old and lonely
        out[b, 9] += old and sc >= SEVERE
        out[b, 10] += good_ties[i]
        out[b, 11] += level[i] >= 1
        out[b, 12] += level[i] >= 1 and helper[i] >= 0
        out[b, 13] += case_state[i] == CASE_OPEN
        out[b, 14] += waiting
        out[b, 15] += (week - case_since[i]) if waiting else 0
        out[b, 16] += care_given[i] > 0
        out[b, 17] += week - last_volunteered[i] < WEEKS_PER_YEAR
        out[b, 18] += volunteer_hours[i] > 0
        out[b, 19] += week - last_volunteered[i] < 4
        out[b, 20] += member_of[i] >= 0
        out[b, 21] += core[i]
    return out


def _sums(m: CommunityModel) -> dict[str, np.ndarray]:
    """Per-neighbourhood sums that every output is computed from."""
    pop, net, p, ini, k = m.pop, m.net, m.p, m.inits, m.n_nbh
    starts = m.nbh_start[:-1]
    contiguous = bool(np.all(m.nbh_size > 0))

    def total(values: np.ndarray) -> np.ndarray:
        """Sum of a per-resident array per neighbourhood (residents are stored by neighbourhood)."""
        if contiguous:
            return np.add.reduceat(values, starts, dtype=float)
        return np.bincount(pop.nbh, values, minlength=k).astype(float)

    def count(mask: np.ndarray, where: np.ndarray) -> np.ndarray:
        return np.bincount(where, mask, minlength=k).astype(float)

    counted = dict(zip(_COUNTS, _resident_counts(
        pop.nbh, k, m.week, pop.score, pop.lon_s, pop.lon_e, pop.age, pop.good_ties, need_level_of(pop.zrm),
        pop.helper, pop.case_state, pop.case_since, pop.care_given, pop.last_volunteered, pop.volunteer_hours,
        pop.member_of, pop.core).T.astype(float), strict=True))
    good_ties, bridging_ties = net.strong_by_group(pop.nbh, k, p.good_tie_threshold)
    pro_hours = np.array([np.bincount(m.pro_nbh, m.pro_hours[:, j], minlength=k) for j in range(3)])
    hired_hours = np.bincount(m.pro_nbh, m.pro_hours.sum(axis=1) * m.pro_hired, minlength=k)
    c = m.counters
    return {
        "residents": m.nbh_size.astype(float),
        **counted,
        "ties_capped": total(np.minimum(pop.good_ties, 5) / 5),
        "good_tie_ends": 2 * good_ties.astype(float),
        "bridging_ends": 2 * bridging_ties.astype(float),
        "professionals": np.bincount(m.pro_nbh, minlength=k).astype(float),
        "fte": np.bincount(m.pro_nbh, m.pro_fte, minlength=k),
        "team_fte": m.team_fte,
        "hired_fte": np.bincount(m.pro_nbh, m.pro_fte * m.pro_hired, minlength=k),
        "hours_casework": pro_hours[0],
        "hours_admin": pro_hours[1],
        "hours_community": pro_hours[2],
        "hours_connecting": m.community_hours[:, 0],
        "hours_initiative_support": m.community_hours[:, 1],
        "hours_talent_spotting": m.community_hours[:, 2],
        "hours_outreach": m.community_hours[:, 3],
        "care_hours": total(pop.care_given),
        "volunteer_hours": total(pop.volunteer_hours),
        "engagement": total(pop.engagement),
        "initiatives_active": count(ini.alive & ~ini.taken_over, ini.nbh),
        "initiatives_taken_over_active": count(ini.alive & ini.taken_over, ini.nbh),
        "places_open": count(m.places.open, m.places.nbh),
        "places": count(np.ones(len(m.places)), m.places.nbh),
        "trust": total(pop.trust),
        "motivation": total(pop.motivation),
        "autonomy": total(pop.autonomy),
        "competence": total(pop.competence),
        "relatedness": total(pop.relatedness),
        "places_taken_over_active": count(m.places.open & m.places.taken_over, m.places.nbh),
        "places_self_managed": count(m.places.open & m.places.self_managed, m.places.nbh),
        # Own staff at the hourly rate, temporarily hired staff at the flex rate.
        "professional_cost": (pro_hours.sum(axis=0) - hired_hours) * p.hourly_cost_eur
        + hired_hours * p.flex_hourly_cost_eur,
        "crisis_cost": c.crises * p.crisis_cost_eur,
        # Municipal place subsidies, grants, taken-over activities, and the citizen budget as a whole.
        "community_cost": c.place_cost + c.grant_cost + c.takeover_cost
        + m.levers.citizen_budget_eur * m.nbh_size / WEEKS_PER_YEAR,
        **{f"n_{f.name}": getattr(c, f.name) for f in fields(c) if not f.name.endswith("cost")},
    }


#: The outputs that are a ratio of two sums (numerator, denominator), 0 where the denominator is 0.
_RATIOS = {
    "csi_ties": ("ties_capped", "residents"),
    "csi_volunteering": ("volunteers_year", "residents"),
    "csi_mutual_help": ("needy_helped", "needy"),
    "csi_participation": ("members", "residents"),
    "csi_engagement": ("engagement", "residents"),
    "csi_bridging": ("bridging_ends", "good_tie_ends"),
    "lonely_share": ("lonely", "residents"),
    "moderate_share": ("moderate", "residents"),
    "severe_share": ("severe", "residents"),
    "very_severe_share": ("very_severe", "residents"),
    "social_lonely_share": ("social_lonely", "residents"),
    "emotional_lonely_share": ("emotional_lonely", "residents"),
    "mean_loneliness": ("score", "residents"),
    "lonely_share_75plus": ("lonely_75", "residents_75"),
    "severe_share_75plus": ("severe_75", "residents_75"),
    "mean_good_ties": ("good_ties", "residents"),
    "mean_wait_weeks": ("wait_weeks", "waiting"),
    "formal_support_share": ("open_cases", "residents"),
    "cases_per_professional": ("open_cases", "team_fte"),
    "admin_share": ("hours_admin", "hours"),
    "community_share": ("hours_community", "hours"),
    "informal_carer_share": ("carers", "residents"),
    "care_hours_per_carer": ("care_hours", "carers"),
    "needy_helped_share": ("needy_helped", "needy"),
    "volunteering_share_year": ("volunteers_year", "residents"),
    "volunteering_share_week": ("volunteers_week", "residents"),
    "volunteering_share_month": ("volunteers_month", "residents"),
    "mean_trust": ("trust", "residents"),
    "mean_motivation": ("motivation", "residents"),
    "mean_autonomy": ("autonomy", "residents"),
    "mean_competence": ("competence", "residents"),
    "mean_relatedness": ("relatedness", "residents"),
}
_CSI_PARTS = [name for name in _RATIOS if name.startswith("csi_")]

#: The outputs that are a sum itself (output name: sum name).
_SUMS = {
    "open_cases": "open_cases", "waiting_list": "waiting", "professionals": "professionals",
    "professional_fte": "fte", "hired_fte": "hired_fte", "hours_casework": "hours_casework",
    "hours_admin": "hours_admin", "hours_community": "hours_community", "hours_connecting": "hours_connecting",
    "hours_initiative_support": "hours_initiative_support", "hours_talent_spotting": "hours_talent_spotting",
    "hours_outreach": "hours_outreach", "informal_help_hours": "care_hours", "volunteer_hours": "volunteer_hours",
    "initiative_members": "members", "core_volunteers": "core", "initiatives_active": "initiatives_active",
    "initiatives_taken_over": "initiatives_taken_over_active",
    "meeting_places_taken_over": "places_taken_over_active", "meeting_places_self_managed": "places_self_managed",
    "initiatives_founded": "n_initiatives_founded", "initiatives_ended": "n_initiatives_ended",
    "takeovers": "n_initiatives_taken_over", "burnouts": "n_burnouts", "meeting_places_open": "places_open",
    "meeting_places_closed": "n_places_closed", "ties_formed": "n_ties_formed", "referrals": "n_referrals",
    "reneged": "n_reneged", "diverted": "n_diverted", "crises": "n_crises",
    "bemoeizorg_found": "n_bemoeizorg_found", "outreach_found": "n_outreach_found",
    "cases_opened": "n_cases_opened", "cases_closed": "n_cases_closed",
    "professional_cost_eur": "professional_cost", "community_cost_eur": "community_cost",
    "crisis_cost_eur": "crisis_cost", "residents": "residents",
}


def _outputs(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The weekly outputs as formulas over the sums (the table of named reporters).

    Every ratio is computed in one division over all of them (one numpy call instead of one per output:
    at a small city the calls, not the arithmetic, were the cost of collecting).
    """
    s = {**s, "hours": s["hours_casework"] + s["hours_admin"] + s["hours_community"]}
    numerator = np.array([s[a] for a, _ in _RATIOS.values()], dtype=float)
    denominator = np.array([s[b] for _, b in _RATIOS.values()], dtype=float)
    out = dict(zip(_RATIOS, np.divide(numerator, denominator, out=np.zeros_like(numerator),
                                      where=denominator > 0), strict=True))
    out["community_strength"] = 100 * sum(out[name] for name in _CSI_PARTS) / len(_CSI_PARTS)
    out["not_lonely_share"] = 1 - out["lonely_share"]
    out["casework_load"] = s["open_cases"] + s["waiting"]
    out["total_cost_eur"] = s["professional_cost"] + s["community_cost"] + s["crisis_cost"]
    out.update({name: s[key] for name, key in _SUMS.items()})
    return out


@numba.njit(cache=True)
def _observed(nbh: np.ndarray, week: int, case_state: np.ndarray, case_since: np.ndarray, score: np.ndarray,
              team_fte: np.ndarray, residents: np.ndarray, ini_nbh: np.ndarray, ini_alive: np.ndarray,
              ini_taken_over: np.ndarray) -> np.ndarray:
    """:func:`observe`'s four outputs (rows) per neighbourhood, in one call (each ratio 0 where its divisor is).

    The counts are integers, so the same as numpy's bincounts in any order; the ratios are the same divisions.
    """
    k = len(team_fte)
    waiting, waited, lonely, active = np.zeros(k), np.zeros(k), np.zeros(k), np.zeros(k)
    for i in range(len(nbh)):
        is_waiting = case_state[i] == CASE_WAITING
        waiting[nbh[i]] += is_waiting
        waited[nbh[i]] += (week - case_since[i]) * is_waiting
        lonely[nbh[i]] += score[i] >= LONELY
    for x in range(len(ini_nbh)):
        active[ini_nbh[x]] += ini_alive[x] and not ini_taken_over[x]
    out = np.zeros((4, k))
    for b in range(k):
        out[0, b] = waiting[b] / team_fte[b] if team_fte[b] > 0 else 0.0
        out[1, b] = waited[b] / waiting[b] if waiting[b] > 0 else 0.0
        out[2, b] = 1000 * (active[b] / residents[b] if residents[b] > 0 else 0.0)
        out[3, b] = lonely[b] / residents[b] if residents[b] > 0 else 0.0
    return out


def observe(m: CommunityModel) -> dict[str, np.ndarray]:
    """What the municipality observes per neighbourhood (its hiring rule and the layered steering mode)."""
    pop, ini = m.pop, m.inits
    # One compiled call, not some twenty numpy calls: the hiring rule reads it every week.
    out = _observed(pop.nbh, m.week, pop.case_state, pop.case_since, pop.score, m.team_fte,
                    m.nbh_size.astype(float), ini.nbh, ini.alive, ini.taken_over)
    return dict(zip(("waiting_per_team_fte", "mean_wait_weeks", "initiatives_per_1000", "lonely_share"), out,
                    strict=True))


def collect(m: CommunityModel) -> None:
    """Record the week's outputs (not during the burn-in): submodel ``collect``, the last of the step."""
    if m.recorder is not None:
        m.recorder.collect(m)


class Recorder:
    """Collects the outputs every week into arrays; builds tidy DataFrames on demand."""

    def __init__(self, m: CommunityModel) -> None:
        """Record the initial state as week 0."""
        self.weeks: list[int] = []
        self.modes: list[np.ndarray] = []
        self.nbh_rows: list[np.ndarray] = []
        self.city_rows: list[np.ndarray] = []
        self.names = list(OUTPUTS)
        self.nbh_names = list(m.nbh_names)
        self.archetypes = list(m.nbh_archetype)
        self.initiative_rows: list[np.ndarray] = []
        self.first_week = 0
        self.collect(m)

    def record_from(self, week: int) -> None:
        """Record only the weeks from ``week`` on, forgetting earlier ones (a sweep needs only its final period)."""
        self.first_week = week
        keep = [i for i, w in enumerate(self.weeks) if w >= week]
        for rows in (self.weeks, self.modes, self.nbh_rows, self.city_rows, self.initiative_rows):
            rows[:] = [rows[i] for i in keep]

    def collect(self, m: CommunityModel) -> None:
        """Compute and store this week's outputs (from :attr:`first_week` on)."""
        if m.week < self.first_week:
            return
        # The city is one more column of sums (each neighbourhood's summed), so that the formulas run once.
        s = _sums(m)
        sums = np.array(list(s.values()), dtype=float)
        both = _outputs(dict(zip(s, np.column_stack([sums, sums.sum(axis=1)]), strict=True)))
        table = np.column_stack([both[k] for k in self.names])
        self.weeks.append(m.week)
        self.modes.append(m.levers.mode.copy())
        self.nbh_rows.append(table[:-1])
        self.city_rows.append(table[-1])
        ini = m.inits
        alive = np.flatnonzero(ini.alive)
        self.initiative_rows.append(np.column_stack([np.full(len(alive), m.week), ini.uid[alive], ini.n_members[alive],
                                                     ini.n_core[alive], ini.taken_over[alive]]))

    def city_frame(self) -> pd.DataFrame:
        """One row per week: ``week``, ``year`` and every output."""
        df = pd.DataFrame(np.vstack(self.city_rows), columns=self.names)
        df.insert(0, "year", np.array(self.weeks) / WEEKS_PER_YEAR)
        df.insert(0, "week", self.weeks)
        return df

    def initiative_frame(self) -> pd.DataFrame:
        """One row per week and living initiative: its id, members, core volunteers and whether it was taken over."""
        df = pd.DataFrame(np.vstack(self.initiative_rows) if self.initiative_rows else np.empty((0, 5)),
                          columns=["week", "initiative", "members", "core", "taken_over"]).astype(np.int64)
        return df.astype({"taken_over": bool})

    def neighbourhood_frame(self) -> pd.DataFrame:
        """One row per week and neighbourhood, with its archetype and steering mode."""
        n = len(self.nbh_names)
        data = np.vstack(self.nbh_rows)
        df = pd.DataFrame(data, columns=self.names)
        df.insert(0, "steering_mode", np.concatenate(self.modes).astype(str))
        df.insert(0, "archetype", np.tile(self.archetypes, len(self.weeks)))
        df.insert(0, "neighbourhood", np.tile(self.nbh_names, len(self.weeks)))
        df.insert(0, "year", np.repeat(np.array(self.weeks) / WEEKS_PER_YEAR, n))
        df.insert(0, "week", np.repeat(self.weeks, n))
        return df
