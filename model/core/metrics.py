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
from model.core.pairwise import pairwise_sum
from model.core.state import (
    CASE_OPEN,
    CASE_WAITING,
    LONELY,
    SEVERE,
    _mean_of_three,
    handed_on_or_fresh,
)
from model.core.time import WEEKS_PER_YEAR
from model.core.totals import _capped_at, _totals_of

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
        """Set every counter back to zero (each looked up by name, so a counter bound to a new array is reset too)."""
        # `fill` over the names kept once: 7.0 -> 2.7 us a week (`fields` and slice assignments), a small city's step.
        for name in _COUNTER_NAMES:
            getattr(self, name).fill(0)


_COUNTER_NAMES = tuple(f.name for f in fields(WeeklyCounters))


#: Counts of residents (and integer sums) per neighbourhood, in the order :func:`_resident_counts` gives them.
_COUNTS = ("lonely", "moderate", "severe", "very_severe", "social_lonely", "emotional_lonely", "score",
           "residents_75", "lonely_75", "severe_75", "good_ties", "needy", "needy_helped", "open_cases", "waiting",
           "wait_weeks", "carers", "volunteers_year", "volunteers_week", "volunteers_month", "members", "core")


@numba.njit(cache=True)
def _resident_counts(nbh_start: np.ndarray, week: int, score: np.ndarray, lon_s: np.ndarray, lon_e: np.ndarray,
                     age: np.ndarray, good_ties: np.ndarray, level: np.ndarray, helper: np.ndarray,
                     case_state: np.ndarray, case_since: np.ndarray, care_given: np.ndarray,
                     last_volunteered: np.ndarray, volunteer_hours: np.ndarray, member_of: np.ndarray,
                     core: np.ndarray) -> np.ndarray:
    """Every count of :data:`_COUNTS` per neighbourhood (rows; residents ``nbh_start[b]:nbh_start[b + 1]``).

    Integers, so the same as numpy's sums in any order. Per neighbourhood, over views of its residents, in
    four loops of a few local counters each: loops ``range(n)`` over views are vectorised (AVX-512), where one
    loop with 22 counters in an array indexed by ``nbh[i]``, or loops ``range(lo, hi)``, were not (numba's
    ``range`` with a start leaves the trip count unknown to LLVM): 0.95 -> 0.14 ms at 100,000 residents,
    0.079 -> 0.016 ms at 10,000.
    """
    out = np.zeros((len(nbh_start) - 1, len(_COUNTS)), dtype=np.int64)
    for b in range(len(nbh_start) - 1):
        lo, hi = nbh_start[b], nbh_start[b + 1]
        n = hi - lo
        sco, ag, sol, emo, care, vol = score[lo:hi], age[lo:hi], lon_s[lo:hi], lon_e[lo:hi], care_given[lo:hi], \
            volunteer_hours[lo:hi]
        good, lev, hlp, mem, cor = good_ties[lo:hi], level[lo:hi], helper[lo:hi], member_of[lo:hi], core[lo:hi]
        state, since, last = case_state[lo:hi], case_since[lo:hi], last_volunteered[lo:hi]
        lonely = moderate = severe = very_severe = total = old = old_lonely = old_severe = 0
        for i in range(n):
            sc = np.int64(sco[i])
            is_lonely, is_old = np.int64(sc >= LONELY), np.int64(ag[i] == 3)
            lonely += is_lonely
            moderate += is_lonely & np.int64(sc <= 8)
            severe += np.int64(sc >= SEVERE) & np.int64(sc <= 10)
            very_severe += np.int64(sc == 11)
            total += sc
            old += is_old
            old_lonely += is_old & is_lonely
            old_severe += is_old & np.int64(sc >= SEVERE)
        social = emotional = carers = this_week = 0
        for i in range(n):
            social += np.int64(sol[i] > LONELY - 0.5)  # np.rint(x) >= 3, rint rounding 2.5 to 2
            emotional += np.int64(emo[i] > LONELY - 0.5)
            carers += np.int64(care[i] > 0)
            this_week += np.int64(vol[i] > 0)
        good_total = needy = helped = members = cores = 0
        for i in range(n):
            good_total += good[i]
            is_needy = np.int64(lev[i] >= 1)
            needy += is_needy
            helped += is_needy & np.int64(hlp[i] >= 0)
            members += np.int64(mem[i] >= 0)
            cores += np.int64(cor[i])
        open_cases = waiting = wait_weeks = this_year = this_month = 0
        for i in range(n):
            is_waiting = np.int64(state[i] == CASE_WAITING)
            open_cases += np.int64(state[i] == CASE_OPEN)
            waiting += is_waiting
            wait_weeks += (week - since[i]) * is_waiting
            weeks_since = week - last[i]
            this_year += np.int64(weeks_since < WEEKS_PER_YEAR)
            this_month += np.int64(weeks_since < 4)
        row = out[b]
        row[0], row[1], row[2], row[3], row[4], row[5] = lonely, moderate, severe, very_severe, social, emotional
        row[6], row[7], row[8], row[9], row[10], row[11] = total, old, old_lonely, old_severe, good_total, needy
        row[12], row[13], row[14], row[15], row[16] = helped, open_cases, waiting, wait_weeks, carers
        row[17], row[18], row[19], row[20], row[21] = this_year, this_week, this_month, members, cores
    return out


#: Per-resident amounts summed per neighbourhood, after the counts.
_TOTALS = ("ties_capped", "care_hours", "volunteer_hours", "engagement", "trust", "motivation", "autonomy",
           "competence", "relatedness")
#: Sums over the professionals, after the totals (this order and the next are the rows :func:`_sums_of` writes).
_STAFF = ("professionals", "fte", "hired_fte", "hours_casework", "hours_admin", "hours_community", "hired_hours")
#: The rest: per neighbourhood, ties, community work, initiatives, places and costs.
_OTHER = ("residents", "team_fte", "good_tie_ends", "bridging_ends", "hours_connecting", "hours_initiative_support",
          "hours_talent_spotting", "hours_outreach", "initiatives_active", "initiatives_taken_over_active",
          "places_open", "places", "places_taken_over_active", "places_self_managed", "professional_cost",
          "crisis_cost", "community_cost")
#: The week's event counters (``n_`` and the counter's name; the costs are in ``_OTHER``).
_EVENTS = tuple(f.name for f in fields(WeeklyCounters) if not f.name.endswith("cost"))
#: Sums of sums (added from left to right), per neighbourhood and for the city alike.
_DERIVED = {"hours": ("hours_casework", "hours_admin", "hours_community"), "casework_load": ("open_cases", "waiting"),
            "total_cost": ("professional_cost", "community_cost", "crisis_cost")}
#: Every sum an output is computed from: the rows of :func:`_sums_of`'s array.
_ROWS = (*_COUNTS, *_TOTALS, *_STAFF, *_OTHER, *(f"n_{name}" for name in _EVENTS), *_DERIVED)
_ROW = {name: r for r, name in enumerate(_ROWS)}
_T0, _S0, _O0, _E0, _D0 = (_ROW[names[0]] for names in (_TOTALS, _STAFF, _OTHER, [f"n_{_EVENTS[0]}"], tuple(_DERIVED)))
_DERIVED_PARTS = np.array([[_ROW[name] for name in parts] + [-1] * (3 - len(parts)) for parts in _DERIVED.values()],
                          dtype=np.int64)


@numba.njit(cache=True)
def _sums_of(nbh: np.ndarray, nbh_start: np.ndarray, nbh_size: np.ndarray, week: int, score: np.ndarray,
             lon_s: np.ndarray, lon_e: np.ndarray, age: np.ndarray, good_ties: np.ndarray, level: np.ndarray,
             helper: np.ndarray, case_state: np.ndarray, case_since: np.ndarray, care_given: np.ndarray,
             last_volunteered: np.ndarray, volunteer_hours: np.ndarray, member_of: np.ndarray, core: np.ndarray,
             engagement: np.ndarray, trust: np.ndarray, autonomy: np.ndarray,
             competence: np.ndarray, relatedness: np.ndarray, good: np.ndarray, bridging: np.ndarray,
             pro_nbh: np.ndarray, pro_fte: np.ndarray, pro_hired: np.ndarray, pro_hours: np.ndarray,
             team_fte: np.ndarray, community_hours: np.ndarray, ini_nbh: np.ndarray, ini_alive: np.ndarray,
             ini_taken_over: np.ndarray, place_nbh: np.ndarray, place_open: np.ndarray, place_taken_over: np.ndarray,
             place_self_managed: np.ndarray, events: tuple, place_cost: np.ndarray, grant_cost: np.ndarray,
             takeover_cost: np.ndarray, crises: np.ndarray, hourly_cost: float, flex_cost: float,
             crisis_cost: float, citizen_budget: np.ndarray) -> np.ndarray:
    """Every sum of :data:`_ROWS` per neighbourhood, and the city's (the last column), in one call.

    The same numbers, bit for bit, as numpy's calls before (some 40, and a dict): counts are integers
    (any order); per-resident amounts are summed per neighbourhood as ``np.add.reduceat`` sums them
    (the first, plus the pairwise sum of the rest; ``np.bincount``'s running sum where a neighbourhood
    is empty); sums over professionals, initiatives and places as ``np.bincount`` (running sums in their
    order); the city's as ``sum(axis=1)`` (pairwise over the neighbourhoods). ``level``: the need levels.
    """
    k = len(nbh_size)
    s = np.zeros((len(_ROWS), k + 1))
    contiguous = np.all(nbh_size > 0)
    # Neighbourhood by neighbourhood: its counts, then (none empty) its totals (:func:`_totals_of`): at 1,000,000
    # residents a neighbourhood's arrays are still in L3 when read again, where passes over all residents (and
    # `Population.motivation`, written and read whole) went to memory each time: collect 12.7 -> 11.4 ms a week there.
    for b in range(k):
        counts = _resident_counts(nbh_start[b:b + 2], week, score, lon_s, lon_e, age, good_ties, level, helper,
                                  case_state, case_since, care_given, last_volunteered, volunteer_hours, member_of,
                                  core)
        for r in range(len(_COUNTS)):
            s[r, b] = counts[0, r]
        if not contiguous:
            continue
        _totals_of(nbh_start[b], nbh_start[b + 1], good_ties, care_given, volunteer_hours, engagement, trust,
                   autonomy, competence, relatedness, s[_T0:_T0 + len(_TOTALS), b])
    if not contiguous:  # np.bincount's running sums in the residents' order
        for r, x in enumerate((_capped(good_ties), care_given, volunteer_hours, engagement, trust,
                               _mean_of_three(autonomy, competence, relatedness), autonomy, competence, relatedness)):
            for i in range(len(x)):
                s[_T0 + r, nbh[i]] += x[i]
    for q in range(len(pro_nbh)):
        b = pro_nbh[q]
        s[_S0, b] += 1
        s[_S0 + 1, b] += pro_fte[q]
        s[_S0 + 2, b] += pro_fte[q] * pro_hired[q]
        for j in range(3):
            s[_S0 + 3 + j, b] += pro_hours[q, j]
        s[_S0 + 6, b] += (pro_hours[q, 0] + pro_hours[q, 1] + pro_hours[q, 2]) * pro_hired[q]
    for x in range(len(ini_nbh)):
        s[_O0 + 8, ini_nbh[x]] += ini_alive[x] and not ini_taken_over[x]
        s[_O0 + 9, ini_nbh[x]] += ini_alive[x] and ini_taken_over[x]
    for x in range(len(place_nbh)):
        s[_O0 + 10, place_nbh[x]] += place_open[x]
        s[_O0 + 11, place_nbh[x]] += 1
        s[_O0 + 12, place_nbh[x]] += place_open[x] and place_taken_over[x]
        s[_O0 + 13, place_nbh[x]] += place_open[x] and place_self_managed[x]
    for b in range(k):
        s[_O0, b], s[_O0 + 1, b] = nbh_size[b], team_fte[b]
        s[_O0 + 2, b], s[_O0 + 3, b] = 2 * good[b], 2 * bridging[b]
        for j in range(4):
            s[_O0 + 4 + j, b] = community_hours[b, j]
        # Own staff at the hourly rate, temporarily hired staff at the flex rate.
        hired = s[_S0 + 6, b]
        s[_O0 + 14, b] = (s[_S0 + 3, b] + s[_S0 + 4, b] + s[_S0 + 5, b] - hired) * hourly_cost + hired * flex_cost
        s[_O0 + 15, b] = crises[b] * crisis_cost
        # Municipal place subsidies, grants, taken-over activities, and the citizen budget as a whole.
        budget = citizen_budget[b] * nbh_size[b] / WEEKS_PER_YEAR
        s[_O0 + 16, b] = place_cost[b] + grant_cost[b] + takeover_cost[b] + budget
        for e in range(len(events)):
            s[_E0 + e, b] = events[e][b]
    for r in range(_D0):
        s[r, k] = pairwise_sum(s[r], 0, k)
    for d in range(len(_DERIVED_PARTS)):
        s[_D0 + d] = s[_DERIVED_PARTS[d, 0]]
        for part in _DERIVED_PARTS[d, 1:]:
            if part >= 0:
                s[_D0 + d] += s[part]
    return s


@numba.njit(cache=True)
def _capped(good_ties: np.ndarray) -> np.ndarray:
    """Each resident's good ties as a share of five (protection saturates there), :func:`_capped_at`."""
    capped = np.empty(len(good_ties))
    for i in range(len(good_ties)):
        capped[i] = _capped_at(good_ties, i)
    return capped


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
    "crisis_cost_eur": "crisis_cost", "residents": "residents", "casework_load": "casework_load",
    "total_cost_eur": "total_cost",
}


#: The kinds of formula (:func:`_formula`).
_SUM, _RATIO, _COMPLEMENT, _INDEX = range(4)


def _formula(name: str) -> tuple[int, int, int]:
    """How the output ``name`` is computed: its kind and the rows of the sums it takes (-1: none).

    A sum itself; a ratio of two sums (0 where the denominator is); the share not lonely, 1 minus the
    lonely share; the community-strength index, 100 times the mean of its six parts (ratios).
    """
    if name in _SUMS:
        return _SUM, _ROW[_SUMS[name]], -1
    if name in _RATIOS:
        return _RATIO, _ROW[_RATIOS[name][0]], _ROW[_RATIOS[name][1]]
    if name == "not_lonely_share":
        return _COMPLEMENT, _ROW[_RATIOS["lonely_share"][0]], _ROW[_RATIOS["lonely_share"][1]]
    if name == "community_strength":
        return _INDEX, -1, -1
    raise ValueError(f"the output {name!r} has no formula in model.core.metrics")


_FORMULAS = np.array([_formula(name) for name in OUTPUTS], dtype=np.int64)
_CSI_ROWS = np.array([[_ROW[a], _ROW[b]] for a, b in (_RATIOS[name] for name in _CSI_PARTS)], dtype=np.int64)


@numba.njit(cache=True)
def _table(s: np.ndarray) -> np.ndarray:
    """The outputs (columns, in the order of :data:`OUTPUTS`) of each column of sums (rows), in one call.

    The same divisions and additions as numpy's over a dict of the sums before (the same bits).
    """
    table = np.empty((s.shape[1], len(_FORMULAS)))
    for col in range(s.shape[1]):
        for o in range(len(_FORMULAS)):
            kind, a, b = _FORMULAS[o]
            if kind == _SUM:
                table[col, o] = s[a, col]
            elif kind == _RATIO:
                table[col, o] = _ratio(s[a, col], s[b, col])
            elif kind == _COMPLEMENT:
                table[col, o] = 1 - _ratio(s[a, col], s[b, col])
            else:
                parts = 0.0
                for x in range(len(_CSI_ROWS)):
                    parts += _ratio(s[_CSI_ROWS[x, 0], col], s[_CSI_ROWS[x, 1], col])
                table[col, o] = 100 * parts / len(_CSI_ROWS)
    return table


@numba.njit(cache=True, inline="always")
def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else 0.0


def outputs_table(m: CommunityModel) -> np.ndarray:
    """This week's outputs (columns, in the order of :data:`OUTPUTS`) per neighbourhood and city-wide (last row).

    Two compiled calls (the sums, the formulas) and the tie network's count of good ties; some 60 numpy
    calls and a dict of the sums before (0.35 of 0.55 ms a week at 10,000 residents).
    """
    pop, p, ini, places, c = m.pop, m.p, m.inits, m.places, m.counters
    good, bridging = m.net.strong_by_group(pop.nbh, m.n_nbh, p.good_tie_threshold)
    level = handed_on_or_fresh(m.need_levels, pop.zrm)  # in a step casework's, handed on
    return _table(_sums_of(
        pop.nbh, m.nbh_start, m.nbh_size, m.week, pop.score, pop.lon_s, pop.lon_e, pop.age, pop.good_ties, level,
        pop.helper, pop.case_state, pop.case_since, pop.care_given, pop.last_volunteered, pop.volunteer_hours,
        pop.member_of, pop.core, pop.engagement, pop.trust, pop.autonomy, pop.competence,
        pop.relatedness, good, bridging, m.pro_nbh, m.pro_fte, m.pro_hired, m.pro_hours, m.team_fte,
        m.community_hours, ini.nbh, ini.alive, ini.taken_over, places.nbh, places.open, places.taken_over,
        places.self_managed, tuple(getattr(c, name) for name in _EVENTS), c.place_cost, c.grant_cost,
        c.takeover_cost, c.crises, p.hourly_cost_eur, p.flex_hourly_cost_eur, p.crisis_cost_eur,
        m.levers.citizen_budget_eur))


@numba.njit(cache=True)
def _observed(nbh_start: np.ndarray, week: int, case_state: np.ndarray, case_since: np.ndarray, score: np.ndarray,
              team_fte: np.ndarray, residents: np.ndarray, ini_nbh: np.ndarray, ini_alive: np.ndarray,
              ini_taken_over: np.ndarray) -> np.ndarray:
    """:func:`observe`'s four outputs (rows) per neighbourhood, in one call (each ratio 0 where its divisor is).

    The counts are integers, so the same as numpy's bincounts in any order; the ratios are the same divisions.
    Counted per neighbourhood over views of its residents (``nbh_start[b]:nbh_start[b + 1]``) in local
    counters, a loop that is vectorised, where adding into an array indexed by each resident's neighbourhood
    was not: 3.5 -> 0.23 ms at 1,000,000 residents; the hiring rule, which reads it weekly, 41 -> 9 us at 10,000.
    """
    k = len(team_fte)
    out = np.zeros((4, k))
    for b in range(k):
        lo, hi = nbh_start[b], nbh_start[b + 1]
        state, since, sco = case_state[lo:hi], case_since[lo:hi], score[lo:hi]
        waiting = waited = lonely = 0
        for i in range(hi - lo):
            is_waiting = np.int64(state[i] == CASE_WAITING)
            waiting += is_waiting
            waited += (week - since[i]) * is_waiting
            lonely += np.int64(sco[i] >= LONELY)
        out[0, b] = waiting / team_fte[b] if team_fte[b] > 0 else 0.0
        out[1, b] = waited / waiting if waiting > 0 else 0.0
        out[3, b] = lonely / residents[b] if residents[b] > 0 else 0.0
    active = np.zeros(k)
    for x in range(len(ini_nbh)):
        active[ini_nbh[x]] += ini_alive[x] and not ini_taken_over[x]
    for b in range(k):
        out[2, b] = 1000 * (active[b] / residents[b] if residents[b] > 0 else 0.0)
    return out


def observe(m: CommunityModel) -> dict[str, np.ndarray]:
    """What the municipality observes per neighbourhood (its hiring rule and the layered steering mode)."""
    pop, ini = m.pop, m.inits
    # One compiled call, not some twenty numpy calls: the hiring rule reads it every week.
    out = _observed(m.nbh_start, m.week, pop.case_state, pop.case_since, pop.score, m.team_fte,
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
        table = outputs_table(m)
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
