"""Round 9, helper D (issue 19): the professionals' week and the outputs as compiled passes, the same bits."""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import fields

import numpy as np
import pytest

from model import CommunityModel, Parameters
from model.core.metrics import _COUNTS, _CSI_PARTS, _RATIOS, _SUMS, _resident_counts, outputs_table
from model.core.outputs import OUTPUTS
from model.core.state import CASE_NONE, CASE_OPEN, CASE_WAITING, need_level_of
from model.core.submodels.helpers import case_hours_of
from model.core.submodels.professionals import _split_weeks, allocate_professional_time
from model.core.time import WEEKS_PER_YEAR


def _split_weeks_per_agent(m: CommunityModel, open_prof: np.ndarray, open_hours: np.ndarray,
                           waiting: np.ndarray) -> None:
    """The professionals' rule as the per-agent loop it was (``Professional.step`` before round 9), in plain Python.

    Each professional in order reads its neighbourhood's levers as Python floats and takes residents from the
    head of its neighbourhood's waiting list (a deque); the results go to the model's arrays.
    """
    pop, p, lev = m.pop, m.p, m.levers
    # As floats also without open cases (numpy's bincount of no weights gives integers: before round 9 a
    # city without an open case rounded its professionals' new demand down to whole hours).
    demand_of = np.bincount(open_prof, open_hours, minlength=len(m.professionals)) + 0.0
    count = np.bincount(open_prof, minlength=len(m.professionals))
    queues = [deque(waiting[pop.nbh[waiting] == b].tolist()) for b in range(m.n_nbh)]
    case_hours = case_hours_of(m)  # every resident's, worked out here
    hours, bemoeizorg = np.zeros((len(m.professionals), 3)), np.zeros(len(m.professionals))
    for pro in m.professionals:
        q, b, fte = pro.idx, pro.nbh, float(m.pro_fte[pro.idx])
        budget = fte * p.hours_per_week
        acc = float(lev.accountability[b])
        protected = float(lev.protected_share[b]) * budget
        demand, cases = float(demand_of[q]), int(count[q])
        admin = min(budget, acc * (fte * p.admin_base_hours + p.admin_per_case_hours * cases))
        if pro.does_casework:
            outreach = float(lev.bemoeizorg_share[b]) * max(0.0, budget - admin - protected)
            extra_admin = acc * p.admin_per_case_hours
            queue = queues[b]
            while queue:
                r = queue[0]
                case = float(case_hours[r])
                if demand + case + admin + extra_admin + protected + outreach > budget:
                    break
                queue.popleft()
                pop.case_state[r], pop.case_prof[r] = CASE_OPEN, q
                demand += case
                admin += extra_admin
                m.counters.cases_opened[b] += 1
            bemoeizorg[q] = min(outreach, max(0.0, budget - admin - protected))
            hours[q, 0] = max(0.0, min(demand, budget - admin - protected - bemoeizorg[q])) + bemoeizorg[q]
        demand_of[q] = demand
        hours[q, 1] = admin
        hours[q, 2] = max(0.0, budget - admin - hours[q, 0])
    m.case_demand, m.pro_hours, m.pro_bemoeizorg = demand_of, hours, bemoeizorg


def _prepared(m: CommunityModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run ``allocate_professional_time`` up to the professionals' rule; the open cases' professionals and hours, and
    the ordered waiting residents and their hours.

    Done by calling it with the rule replaced by one that records its inputs and changes nothing.
    """
    import model.core.submodels.professionals as professionals

    seen = {}

    def record(open_prof: np.ndarray, open_hours: np.ndarray, waiting: np.ndarray, waiting_hours: np.ndarray,
               *args: object) -> tuple:
        seen["prof"], seen["hours"], seen["waiting"] = open_prof.copy(), open_hours.copy(), waiting.copy()
        seen["waiting_hours"] = waiting_hours.copy()
        return m.case_demand, m.pro_hours, m.pro_bemoeizorg

    real, professionals._split_weeks = professionals._split_weeks, record
    try:
        allocate_professional_time(m)
    finally:
        professionals._split_weeks = real
    return seen["prof"], seen["hours"], seen["waiting"], seen["waiting_hours"]


def _kernel(m: CommunityModel, open_prof: np.ndarray, open_hours: np.ndarray, waiting: np.ndarray,
            waiting_hours: np.ndarray) -> None:
    pop, lev, p = m.pop, m.levers, m.p
    m.case_demand, m.pro_hours, m.pro_bemoeizorg = _split_weeks(
        open_prof, open_hours, waiting, waiting_hours, pop.case_state, pop.case_prof, pop.nbh, m.pro_nbh, m.pro_fte,
        m.pro_team | lev.builders_do_casework[m.pro_nbh], lev.accountability, lev.protected_share,
        lev.bemoeizorg_share, p.hours_per_week, p.admin_base_hours, p.admin_per_case_hours, m.counters.cases_opened)


def _same(m: CommunityModel, twin: CommunityModel) -> None:
    for name in ("case_demand", "pro_hours", "pro_bemoeizorg"):
        np.testing.assert_array_equal(getattr(m, name), getattr(twin, name), err_msg=name)
    for name in ("case_state", "case_prof"):
        np.testing.assert_array_equal(getattr(m.pop, name), getattr(twin.pop, name), err_msg=name)
    np.testing.assert_array_equal(m.counters.cases_opened, twin.counters.cases_opened)


@pytest.mark.parametrize("mode", ["facilitating", "enforcing", "layered"])
def test_split_weeks_is_the_per_agent_rule(mode: str) -> None:
    params = Parameters(n_residents=1500, burn_in_years=0.5, neighbourhoods_per_archetype=2, steering_mode=mode)
    m = CommunityModel(params, seed=3)
    opened = waited = 0
    for week in range(8):
        if week == 3:  # temporary staff, a professional who left, builders redeployed: every branch
            m.pro_fte[m.hired_post[0]] = 0.6
            m.pro_fte[np.flatnonzero(m.pro_team)[1]] = 0.0
            m.levers.builders_do_casework[:] = week % 2 == 1
        open_prof, open_hours, waiting, waiting_hours = _prepared(m)
        np.testing.assert_array_equal(waiting_hours, case_hours_of(m, waiting))  # each waiting resident's own
        twin = copy.deepcopy(m)
        _kernel(m, open_prof, open_hours, waiting, waiting_hours)
        _split_weeks_per_agent(twin, open_prof, open_hours, waiting)
        _same(m, twin)
        opened += int(m.counters.cases_opened.sum())
        waited += len(waiting)
        m.step()
    assert opened and waited, "cases were opened from waiting lists"


def test_split_weeks_on_edge_cases() -> None:
    m = CommunityModel(Parameters(n_residents=600, burn_in_years=0.2), seed=5)
    open_prof, open_hours, waiting, waiting_hours = _prepared(m)
    no_prof, no_hours, none = np.empty(0, dtype=open_prof.dtype), np.empty(0), np.empty(0, dtype=np.int64)
    cases = [(no_prof, no_hours, none, no_hours), (open_prof, open_hours, none, no_hours),
             (no_prof, no_hours, waiting, waiting_hours), (open_prof, open_hours, waiting, waiting_hours)]
    fte = m.pro_fte.copy()
    # No budget at all, a tiny one with much administration (nobody fits), no administration.
    for scale, accountability in [(1.0, 1.0), (0.0, 1.0), (1e-3, 5.0), (1.0, 0.0)]:
        for o, h, w, wh in cases:
            m.pro_fte[:] = fte * scale
            m.levers.accountability[:] = accountability
            twin = copy.deepcopy(m)
            _kernel(m, o, h, w, wh)
            _split_weeks_per_agent(twin, o, h, w)
            _same(m, twin)
            m.pop.case_state[w] = CASE_WAITING  # the same waiting lists for the next case
    total = m.pro_fte * m.p.hours_per_week
    np.testing.assert_allclose(m.pro_hours.sum(axis=1), total, atol=1e-9)


def test_professional_agents_read_their_hours() -> None:
    m = CommunityModel(Parameters(n_residents=600, burn_in_years=0.1), seed=2)
    m.step()
    assert [[pro.casework, pro.admin, pro.community] for pro in m.professionals] == m.pro_hours.tolist()
    assert [pro.bemoeizorg for pro in m.professionals] == m.pro_bemoeizorg.tolist()
    assert any(pro.casework > 0 for pro in m.professionals) and any(pro.community > 0 for pro in m.professionals)


def _sums_with_numpy(m: CommunityModel) -> dict[str, np.ndarray]:
    """``metrics._sums`` as it was before round 9: some 40 numpy calls, a dict of the sums per neighbourhood."""
    pop, net, p, ini, k = m.pop, m.net, m.p, m.inits, m.n_nbh
    starts = m.nbh_start[:-1]
    contiguous = bool(np.all(m.nbh_size > 0))

    def total(values: np.ndarray) -> np.ndarray:
        if contiguous:
            return np.add.reduceat(values, starts, dtype=float)
        return np.bincount(pop.nbh, values, minlength=k).astype(float)

    def count(mask: np.ndarray, where: np.ndarray) -> np.ndarray:
        return np.bincount(where, mask, minlength=k).astype(float)

    counted = dict(zip(_COUNTS, _resident_counts(
        m.nbh_start, m.week, pop.score, pop.lon_s, pop.lon_e, pop.age, pop.good_ties, need_level_of(pop.zrm),
        pop.helper, pop.case_state, pop.case_since, pop.care_given, pop.last_volunteered, pop.volunteer_hours,
        pop.member_of, pop.core).T.astype(float), strict=True))
    good_ties, bridging_ties = net.strong_by_group(pop.nbh, k, p.good_tie_threshold)
    pro_hours = np.array([np.bincount(m.pro_nbh, m.pro_hours[:, j], minlength=k) for j in range(3)])
    hired_hours = np.bincount(m.pro_nbh, m.pro_hours.sum(axis=1) * m.pro_hired, minlength=k)
    c = m.counters
    return {
        "residents": m.nbh_size.astype(float), **counted, "ties_capped": total(np.minimum(pop.good_ties, 5) / 5),
        "good_tie_ends": 2 * good_ties.astype(float), "bridging_ends": 2 * bridging_ties.astype(float),
        "professionals": np.bincount(m.pro_nbh, minlength=k).astype(float),
        "fte": np.bincount(m.pro_nbh, m.pro_fte, minlength=k), "team_fte": m.team_fte,
        "hired_fte": np.bincount(m.pro_nbh, m.pro_fte * m.pro_hired, minlength=k),
        "hours_casework": pro_hours[0], "hours_admin": pro_hours[1], "hours_community": pro_hours[2],
        "hours_connecting": m.community_hours[:, 0], "hours_initiative_support": m.community_hours[:, 1],
        "hours_talent_spotting": m.community_hours[:, 2], "hours_outreach": m.community_hours[:, 3],
        "care_hours": total(pop.care_given), "volunteer_hours": total(pop.volunteer_hours),
        "engagement": total(pop.engagement),
        "initiatives_active": count(ini.alive & ~ini.taken_over, ini.nbh),
        "initiatives_taken_over_active": count(ini.alive & ini.taken_over, ini.nbh),
        "places_open": count(m.places.open, m.places.nbh), "places": count(np.ones(len(m.places)), m.places.nbh),
        "trust": total(pop.trust), "motivation": total(pop.motivation), "autonomy": total(pop.autonomy),
        "competence": total(pop.competence), "relatedness": total(pop.relatedness),
        "places_taken_over_active": count(m.places.open & m.places.taken_over, m.places.nbh),
        "places_self_managed": count(m.places.open & m.places.self_managed, m.places.nbh),
        "professional_cost": (pro_hours.sum(axis=0) - hired_hours) * p.hourly_cost_eur
        + hired_hours * p.flex_hourly_cost_eur,
        "crisis_cost": c.crises * p.crisis_cost_eur,
        "community_cost": c.place_cost + c.grant_cost + c.takeover_cost
        + m.levers.citizen_budget_eur * m.nbh_size / WEEKS_PER_YEAR,
        **{f"n_{f.name}": getattr(c, f.name) for f in fields(c) if not f.name.endswith("cost")},
    }


def _outputs_table_with_numpy(m: CommunityModel) -> np.ndarray:
    """The outputs as ``Recorder.collect`` computed them before round 9: the formulas over a dict of the sums."""
    s = _sums_with_numpy(m)
    sums = np.array(list(s.values()), dtype=float)
    s = dict(zip(s, np.column_stack([sums, sums.sum(axis=1)]), strict=True))
    s["hours"] = s["hours_casework"] + s["hours_admin"] + s["hours_community"]
    numerator = np.array([s[a] for a, _ in _RATIOS.values()], dtype=float)
    denominator = np.array([s[b] for _, b in _RATIOS.values()], dtype=float)
    out = dict(zip(_RATIOS, np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0),
                   strict=True))
    out["community_strength"] = 100 * sum(out[name] for name in _CSI_PARTS) / len(_CSI_PARTS)
    out["not_lonely_share"] = 1 - out["lonely_share"]
    out["casework_load"] = s["open_cases"] + s["waiting"]
    out["total_cost_eur"] = s["professional_cost"] + s["community_cost"] + s["crisis_cost"]
    out.update({name: s[key] for name, key in _SUMS.items() if key not in ("casework_load", "total_cost")})
    return np.column_stack([out[name] for name in OUTPUTS])


@pytest.mark.parametrize("mode", ["framing", "layered"])
def test_outputs_table_is_the_numpy_formulation(mode: str) -> None:
    params = Parameters(n_residents=1200, burn_in_years=0.5, neighbourhoods_per_archetype=3, steering_mode=mode)
    m = CommunityModel(params, seed=7)
    for week in range(12):
        if week == 4:
            m.pro_fte[m.hired_post] = 0.4  # temporary staff at the flex rate
            m.levers.citizen_budget_eur[:] = np.arange(m.n_nbh) * 1.7
        np.testing.assert_array_equal(outputs_table(m), _outputs_table_with_numpy(m))
        m.step()
    assert m.n_nbh >= 8 and np.count_nonzero(outputs_table(m)) > len(OUTPUTS), "a real city's outputs were compared"


def test_outputs_table_on_edge_cases() -> None:
    m = CommunityModel(Parameters(n_residents=800, burn_in_years=0.3), seed=1)
    m.run_weeks(2)
    # A neighbourhood without residents (its rows given to the one before): numpy summed with bincount then.
    lo, hi = m.nbh_start[1], m.nbh_start[2]
    m.pop.nbh[lo:hi] = 0
    m.nbh_size[0] += hi - lo
    m.nbh_size[1] = 0
    m.nbh_start[1] = hi
    np.testing.assert_array_equal(outputs_table(m), _outputs_table_with_numpy(m))
    # Nothing to divide by: no initiatives, places, carers, waiting or staff; every ratio 0 where its divisor is.
    m.inits.alive[:] = False
    m.places.open[:] = False
    m.pop.care_given[:] = 0
    m.pop.case_state[:] = CASE_NONE
    m.pro_hours[:] = 0
    table = outputs_table(m)
    np.testing.assert_array_equal(table, _outputs_table_with_numpy(m))
    assert (table[:, list(OUTPUTS).index("care_hours_per_carer")] == 0).all()
    assert (table[:, list(OUTPUTS).index("mean_wait_weeks")] == 0).all()
