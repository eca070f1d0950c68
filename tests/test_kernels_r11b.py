"""Round 11, helper B: building the city and the needs submodels against what they replace (issue 19).

Each change is compared with what it replaces: the residents' agents made in bulk with ``Resident(m, i)`` a
row, the kernels bit for bit on random inputs and the edge cases (nobody, one resident, no ties).
"""

from __future__ import annotations

import gc

import mesa
import numba
import numpy as np
import pytest
from mesa.model import ModelSignals

from agents import Resident
from model.core.agent_rows import resident_agents
from model.core.draws import uniform
from model.core.memory import paused_collector
from model.core.state import CASE_OPEN, DAILY_LIVING, PHYSICAL
from model.core.submodels.helpers import _case_hours, _least_loaded, _open_at_once
from model.core.submodels.needs import _LEAVE, _leaving


def _agents_made(n: int, bulk: bool, before: int = 0) -> mesa.Model:
    model = mesa.Model(rng=0)
    for _ in range(before):  # agents of another kind made first: the ids go on from theirs
        mesa.Agent(model)
    if bulk:
        resident_agents(model, n)
    else:
        for i in range(n):
            Resident(model, i)
    return model


@pytest.mark.parametrize("n", [0, 1, 7, 1000])
@pytest.mark.parametrize("before", [0, 3])
def test_resident_agents_are_those_resident_makes(n: int, before: int) -> None:
    """The same agents, attributes in the same order, ids, registries (their order) and id counter."""
    bulk, plain = _agents_made(n, True, before), _agents_made(n, False, before)
    assert bulk.agent_id_counter == plain.agent_id_counter
    assert list(bulk.agents_by_type) == list(plain.agents_by_type)
    for kind in plain.agents_by_type:
        got, expected = list(bulk.agents_by_type[kind]), list(plain.agents_by_type[kind])
        assert [type(a) for a in got] == [type(a) for a in expected]
        assert [list(vars(a)) for a in got] == [list(vars(a)) for a in expected]
        assert [(a.unique_id, a.pos, getattr(a, "idx", None)) for a in got] == [
            (a.unique_id, a.pos, getattr(a, "idx", None)) for a in expected]
        assert all(a.model is bulk for a in got)
    assert [a.unique_id for a in bulk.agents] == [a.unique_id for a in plain.agents]


def test_paused_collector_leaves_the_collector_as_it_was() -> None:
    """Off inside, as it was after, an error raised inside too; the agents made in bulk likewise."""
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            with paused_collector():
                assert not gc.isenabled()
            assert gc.isenabled() == enabled
            with pytest.raises(KeyError), paused_collector():
                raise KeyError
            assert gc.isenabled() == enabled
            _agents_made(10, True)
            assert gc.isenabled() == enabled
        finally:
            gc.enable()


def test_resident_agents_tell_observers_as_mesa_does() -> None:
    """With an observer of the model's agents, each agent is made by ``Resident(m, i)``, which tells it."""
    model = mesa.Model(rng=0)
    seen = []

    def handler(signal: object) -> None:  # held by a weak reference: a function, not a list's method
        seen.append(signal)

    model.observe("agents", ModelSignals.AGENT_ADDED, handler)
    resident_agents(model, 5)
    assert len(seen) == 5 and len(model.agents) == 5


def _zrm(n: int, rng: np.random.Generator) -> np.ndarray:
    zrm = np.asfortranarray(rng.integers(1, 6, (n, 11)).astype(np.int8))
    well = rng.random(n) < 0.5  # half with no problem below 3: chronic floors decide their hours
    zrm[well, :9] = np.maximum(zrm[well, :9], 3)
    zrm[well & (rng.random(n) < 0.5), DAILY_LIVING] = 2  # a chronic problem only
    return zrm


def _case_hours_numpy(zrm: np.ndarray, who: np.ndarray, chronic: np.ndarray, case_hours: np.ndarray,
                      chronic_hours: float) -> np.ndarray:
    """``helpers.case_hours_of`` of round 10: numpy, the recoverable domains as a copy of the rows."""
    level = np.clip(4 - zrm[who, :9].min(axis=1), 0, 3)
    hours = case_hours[np.maximum(level - 1, 0)]
    rows = zrm[who, :9].astype(np.int64)
    for col in (DAILY_LIVING, PHYSICAL):
        rows[:, col] = np.where(chronic[who] & (zrm[who, col] >= 2), 6, rows[:, col])
    sel = np.flatnonzero(chronic[who] & (level >= 2))
    hours[sel[rows[sel].min(axis=1) >= 3]] = chronic_hours
    return hours


@pytest.mark.parametrize("n", [0, 1, 5, 400])
def test_case_hours_are_those_of_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    zrm, chronic = _zrm(n, rng), rng.random(n) < 0.4
    for who in (np.arange(n), np.flatnonzero(rng.random(n) < 0.3), np.arange(min(n, 1))):
        for case_hours, chronic_hours in ((np.array([0.5, 1.25, 3.0]), 0.3), (np.array([1, 2, 4]), 0.7)):
            expected = _case_hours_numpy(zrm, who, chronic, case_hours, chronic_hours)
            got = _case_hours(zrm, who, chronic, case_hours, chronic_hours)
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected)
            if n == 400 and len(who) == n:
                assert (got == case_hours[0]).any() and (got == case_hours[2]).any()
                assert (np.asarray(chronic_hours, dtype=got.dtype) == got).any()


@pytest.mark.parametrize("n", [1, 5, 400])
def test_open_at_once_is_the_numpy_rule(n: int) -> None:
    """Those without an open case get the least loaded professional who does casework; counted; in place."""
    rng = np.random.default_rng(10 + n)
    n_nbh = 3
    nbh = np.sort(rng.integers(0, n_nbh, n))
    pro_nbh = np.repeat(np.arange(n_nbh), 4)
    pro_team = rng.random(len(pro_nbh)) < 0.5
    pro_fte = np.where(rng.random(len(pro_nbh)) < 0.2, 0.0, rng.uniform(0.2, 1.0, len(pro_nbh)))
    builders = np.array([False, True, False])
    zrm, chronic = _zrm(n, rng), rng.random(n) < 0.3
    case_hours = np.array([0.5, 1.25, 3.0])
    for who in (np.flatnonzero(rng.random(n) < 0.4), np.arange(n), np.arange(0), np.arange(min(n, 1))):
        state = rng.choice(np.array([0, 1, CASE_OPEN], dtype=np.int8), n)
        prof, since, demand = rng.integers(-1, 5, n), rng.integers(0, 9, n), rng.uniform(0, 5, len(pro_nbh))
        opened = np.zeros(n_nbh, dtype=np.int64)
        # round 10's open_at_once on the arrays
        e_state, e_prof, e_since, e_demand, e_opened = state.copy(), prof.copy(), since.copy(), demand.copy(), \
            opened.copy()
        new = who[e_state[who] != CASE_OPEN]
        if len(new):
            does = (pro_team | builders[pro_nbh]) & (pro_fte > 0)
            pro = _least_loaded(nbh[new], _case_hours_numpy(zrm, new, chronic, case_hours, 0.3), does, pro_nbh,
                                pro_fte, e_demand)
            new, pro = new[pro >= 0], pro[pro >= 0]
            e_state[new], e_prof[new], e_since[new] = CASE_OPEN, pro, 7
            np.add.at(e_opened, nbh[new], 1)
        _open_at_once(who, 7, zrm, chronic, case_hours, 0.3, pro_team, builders, pro_nbh, pro_fte, demand, nbh,
                      state, prof, since, opened)
        for got, expected in ((state, e_state), (prof, e_prof), (since, e_since), (demand, e_demand),
                              (opened, e_opened)):
            np.testing.assert_array_equal(got, expected)


@numba.njit(cache=True)
def _leaving_round10(key: np.uint64, turnover_rate: np.ndarray, age: np.ndarray) -> np.ndarray:
    n = len(age)
    leave = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        leave[k] = i
        k += uniform(key, _LEAVE * n + i) < turnover_rate[age[i]]
    return leave[:k]


@pytest.mark.parametrize("n", [0, 1, 1023, 1024, 1025, 5000])
def test_leaving_is_round_10s(n: int) -> None:
    """Block by block with the rate chosen among four: the same leavers, at block edges too."""
    rng = np.random.default_rng(n)
    age = rng.integers(0, 4, n).astype(np.int8)
    for rate in (np.array([0.003, 0.0015, 0.001, 0.002]), np.array([0.5, 0.0, 1.0, 0.25]), np.zeros(4), np.ones(4)):
        for key in (np.uint64(0), np.uint64(2**63 + 17), np.uint64(12345)):
            np.testing.assert_array_equal(_leaving(key, rate, age), _leaving_round10(key, rate, age))
