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

    score = pop.score
    level = need_level_of(pop.zrm)
    needy = level >= 1
    good_ties, bridging_ties = net.strong_by_group(pop.nbh, k, p.good_tie_threshold)
    pro_hours = np.array([np.bincount(m.pro_nbh, m.pro_hours[:, j], minlength=k) for j in range(3)])
    hired_hours = np.bincount(m.pro_nbh, m.pro_hours.sum(axis=1) * m.pro_hired, minlength=k)
    waiting = pop.case_state == CASE_WAITING
    lonely = score >= LONELY
    old = pop.age == 3
    c = m.counters
    return {
        "residents": m.nbh_size.astype(float),
        "lonely": total(lonely),
        "moderate": total(lonely & (score <= 8)),
        "severe": total((score >= SEVERE) & (score <= 10)),
        "very_severe": total(score == 11),
        "social_lonely": total(np.rint(pop.lon_s) >= LONELY),
        "emotional_lonely": total(np.rint(pop.lon_e) >= LONELY),
        "score": total(score),
        "residents_75": total(old),
        "lonely_75": total(old & lonely),
        "severe_75": total(old & (score >= SEVERE)),
        "good_ties": total(pop.good_ties),
        "ties_capped": total(np.minimum(pop.good_ties, 5) / 5),
        "good_tie_ends": 2 * good_ties.astype(float),
        "bridging_ends": 2 * bridging_ties.astype(float),
        "needy": total(needy),
        "needy_helped": total(needy & (pop.helper >= 0)),
        "open_cases": total(pop.case_state == CASE_OPEN),
        "waiting": total(waiting),
        "wait_weeks": total(waiting * (m.week - pop.case_since)),
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
        "carers": total(pop.care_given > 0),
        "volunteers_year": total(m.week - pop.last_volunteered < WEEKS_PER_YEAR),
        "volunteers_week": total(pop.volunteer_hours > 0),
        "volunteers_month": total(m.week - pop.last_volunteered < 4),
        "volunteer_hours": total(pop.volunteer_hours),
        "members": total(pop.member_of >= 0),
        "core": total(pop.core),
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


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b > 0)


def _outputs(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The weekly outputs as formulas over the sums (the table of named reporters)."""
    r = s["residents"]
    parts = {
        "csi_ties": _ratio(s["ties_capped"], r),
        "csi_volunteering": _ratio(s["volunteers_year"], r),
        "csi_mutual_help": _ratio(s["needy_helped"], s["needy"]),
        "csi_participation": _ratio(s["members"], r),
        "csi_engagement": _ratio(s["engagement"], r),
        "csi_bridging": _ratio(s["bridging_ends"], s["good_tie_ends"]),
    }
    hours = s["hours_casework"] + s["hours_admin"] + s["hours_community"]
    return {
        "community_strength": 100 * sum(parts.values()) / len(parts),
        **parts,
        "lonely_share": _ratio(s["lonely"], r),
        "moderate_share": _ratio(s["moderate"], r),
        "severe_share": _ratio(s["severe"], r),
        "very_severe_share": _ratio(s["very_severe"], r),
        "not_lonely_share": 1 - _ratio(s["lonely"], r),
        "social_lonely_share": _ratio(s["social_lonely"], r),
        "emotional_lonely_share": _ratio(s["emotional_lonely"], r),
        "mean_loneliness": _ratio(s["score"], r),
        "lonely_share_75plus": _ratio(s["lonely_75"], s["residents_75"]),
        "severe_share_75plus": _ratio(s["severe_75"], s["residents_75"]),
        "mean_good_ties": _ratio(s["good_ties"], r),
        "open_cases": s["open_cases"],
        "waiting_list": s["waiting"],
        "casework_load": s["open_cases"] + s["waiting"],
        "mean_wait_weeks": _ratio(s["wait_weeks"], s["waiting"]),
        "formal_support_share": _ratio(s["open_cases"], r),
        "cases_per_professional": _ratio(s["open_cases"], s["team_fte"]),
        "professionals": s["professionals"],
        "professional_fte": s["fte"],
        "hired_fte": s["hired_fte"],
        "hours_casework": s["hours_casework"],
        "hours_admin": s["hours_admin"],
        "hours_community": s["hours_community"],
        "hours_connecting": s["hours_connecting"],
        "hours_initiative_support": s["hours_initiative_support"],
        "hours_talent_spotting": s["hours_talent_spotting"],
        "hours_outreach": s["hours_outreach"],
        "admin_share": _ratio(s["hours_admin"], hours),
        "community_share": _ratio(s["hours_community"], hours),
        "informal_help_hours": s["care_hours"],
        "informal_carer_share": _ratio(s["carers"], r),
        "care_hours_per_carer": _ratio(s["care_hours"], s["carers"]),
        "needy_helped_share": _ratio(s["needy_helped"], s["needy"]),
        "volunteering_share_year": _ratio(s["volunteers_year"], r),
        "volunteering_share_week": _ratio(s["volunteers_week"], r),
        "volunteering_share_month": _ratio(s["volunteers_month"], r),
        "volunteer_hours": s["volunteer_hours"],
        "initiative_members": s["members"],
        "core_volunteers": s["core"],
        "initiatives_active": s["initiatives_active"],
        "initiatives_taken_over": s["initiatives_taken_over_active"],
        "meeting_places_taken_over": s["places_taken_over_active"],
        "meeting_places_self_managed": s["places_self_managed"],
        "initiatives_founded": s["n_initiatives_founded"],
        "initiatives_ended": s["n_initiatives_ended"],
        "takeovers": s["n_initiatives_taken_over"],
        "burnouts": s["n_burnouts"],
        "meeting_places_open": s["places_open"],
        "meeting_places_closed": s["n_places_closed"],
        "ties_formed": s["n_ties_formed"],
        "referrals": s["n_referrals"],
        "reneged": s["n_reneged"],
        "diverted": s["n_diverted"],
        "crises": s["n_crises"],
        "bemoeizorg_found": s["n_bemoeizorg_found"],
        "outreach_found": s["n_outreach_found"],
        "cases_opened": s["n_cases_opened"],
        "cases_closed": s["n_cases_closed"],
        "mean_trust": _ratio(s["trust"], r),
        "mean_motivation": _ratio(s["motivation"], r),
        "mean_autonomy": _ratio(s["autonomy"], r),
        "mean_competence": _ratio(s["competence"], r),
        "mean_relatedness": _ratio(s["relatedness"], r),
        "professional_cost_eur": s["professional_cost"],
        "community_cost_eur": s["community_cost"],
        "crisis_cost_eur": s["crisis_cost"],
        "total_cost_eur": s["professional_cost"] + s["community_cost"] + s["crisis_cost"],
        "residents": r,
    }


def observe(m: CommunityModel) -> dict[str, np.ndarray]:
    """What the municipality observes per neighbourhood (its hiring rule and the layered steering mode)."""
    pop, ini, k = m.pop, m.inits, m.n_nbh
    residents = m.nbh_size.astype(float)
    waiting = pop.case_state == CASE_WAITING
    count = np.bincount(pop.nbh, waiting, minlength=k).astype(float)
    return {
        "waiting_per_team_fte": _ratio(count, m.team_fte),
        "mean_wait_weeks": _ratio(np.bincount(pop.nbh, waiting * (m.week - pop.case_since), minlength=k), count),
        "initiatives_per_1000": 1000 * _ratio(np.bincount(ini.nbh, ini.alive & ~ini.taken_over, minlength=k),
                                              residents),
        "lonely_share": _ratio(np.bincount(pop.nbh, pop.score >= LONELY, minlength=k), residents),
    }


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
        self.collect(m)

    def collect(self, m: CommunityModel) -> None:
        """Compute and store this week's outputs."""
        s = _sums(m)
        per_nbh = _outputs(s)
        city = _outputs({key: np.atleast_1d(v.sum()) for key, v in s.items()})
        self.weeks.append(m.week)
        self.modes.append(m.levers.mode.copy())
        self.nbh_rows.append(np.column_stack([per_nbh[k] for k in self.names]))
        self.city_rows.append(np.array([city[k][0] for k in self.names]))
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
