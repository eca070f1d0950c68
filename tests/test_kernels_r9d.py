"""Round 9, helper D (issue 19): the professionals' week and the outputs as compiled passes, the same bits."""

from __future__ import annotations

import copy
from collections import deque

import numpy as np
import pytest

from model import CommunityModel, Parameters
from model.core.state import CASE_OPEN, CASE_WAITING
from model.core.submodels.professionals import _split_weeks, allocate_professional_time


def _split_weeks_per_agent(m: CommunityModel, open_: np.ndarray, waiting: np.ndarray) -> None:
    """The professionals' rule as the per-agent loop it was (``Professional.step`` before round 9), in plain Python.

    Each professional in order reads its neighbourhood's levers as Python floats and takes residents from the
    head of its neighbourhood's waiting list (a deque); the results go to the model's arrays.
    """
    pop, p, lev = m.pop, m.p, m.levers
    # As floats also without open cases (numpy's bincount of no weights gives integers: before round 9 a
    # city without an open case rounded its professionals' new demand down to whole hours).
    demand_of = np.bincount(pop.case_prof[open_], m.case_hours_now[open_], minlength=len(m.professionals)) + 0.0
    count = np.bincount(pop.case_prof[open_], minlength=len(m.professionals))
    queues = [deque(waiting[pop.nbh[waiting] == b].tolist()) for b in range(m.n_nbh)]
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
                case = float(m.case_hours_now[r])
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


def _prepared(m: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
    """Run ``allocate_professional_time`` up to the professionals' rule; the open and the ordered waiting residents.

    Done by calling it with the rule replaced by one that records its inputs and changes nothing.
    """
    import model.core.submodels.professionals as professionals

    seen = {}

    def record(open_: np.ndarray, waiting: np.ndarray, *args: object) -> tuple:
        seen["open"], seen["waiting"] = open_.copy(), waiting.copy()
        return m.case_demand, m.pro_hours, m.pro_bemoeizorg

    real, professionals._split_weeks = professionals._split_weeks, record
    try:
        allocate_professional_time(m)
    finally:
        professionals._split_weeks = real
    return seen["open"], seen["waiting"]


def _kernel(m: CommunityModel, open_: np.ndarray, waiting: np.ndarray) -> None:
    pop, lev, p = m.pop, m.levers, m.p
    m.case_demand, m.pro_hours, m.pro_bemoeizorg = _split_weeks(
        open_, waiting, m.case_hours_now, pop.case_state, pop.case_prof, pop.nbh, m.pro_nbh, m.pro_fte,
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
        open_, waiting = _prepared(m)
        twin = copy.deepcopy(m)
        _kernel(m, open_, waiting)
        _split_weeks_per_agent(twin, open_, waiting)
        _same(m, twin)
        opened += int(m.counters.cases_opened.sum())
        waited += len(waiting)
        m.step()
    assert opened and waited, "cases were opened from waiting lists"


def test_split_weeks_on_edge_cases() -> None:
    m = CommunityModel(Parameters(n_residents=600, burn_in_years=0.2), seed=5)
    open_, waiting = _prepared(m)
    none = np.empty(0, dtype=np.int64)
    cases = [(none, none), (open_, none), (none, waiting), (open_, waiting)]
    fte = m.pro_fte.copy()
    # No budget at all, a tiny one with much administration (nobody fits), no administration.
    for scale, accountability in [(1.0, 1.0), (0.0, 1.0), (1e-3, 5.0), (1.0, 0.0)]:
        for o, w in cases:
            m.pro_fte[:] = fte * scale
            m.levers.accountability[:] = accountability
            twin = copy.deepcopy(m)
            _kernel(m, o, w)
            _split_weeks_per_agent(twin, o, w)
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
