"""Round 11, helper B: building the city and the needs submodels against what they replace (issue 19).

Each change is compared with what it replaces: the residents' agents made in bulk with ``Resident(m, i)`` a
row, the kernels bit for bit on random inputs and the edge cases (nobody, one resident, no ties).
"""

from __future__ import annotations

import gc

import mesa
import pytest
from mesa.model import ModelSignals

from agents import Resident
from model.core.agent_rows import resident_agents


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


def test_resident_agents_leave_the_collector_as_it_was() -> None:
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
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
