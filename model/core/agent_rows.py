"""The residents' Mesa agents made in bulk when the city is built (``docs/ODD.md``, 5).

A resident's agent is a view of its row of the model's arrays (:class:`agents.Resident`); a city of a million
residents makes a million of them once, which Mesa's ``Agent.__init__`` a row made the largest part of building
the city. Split from ``model/core/city.py`` (600 lines).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.agentset import _HardKeyAgentSet

from agents import Resident
from model.core.memory import paused_collector

if TYPE_CHECKING:
    from model.core.community import CommunityModel


def resident_agents(m: CommunityModel, n: int) -> None:
    """One :class:`~agents.Resident` a row of ``n``, registered in row order: what ``Resident(m, i)`` of each does.

    The same agents (attributes in the same order), unique ids, registries and id counter, made in one loop
    with the cyclic garbage collector paused: ``Agent.__init__`` a row (its signal wrapper, the debug message it
    formats, the registration's calls) and the collector's passes over the growing heap of agents took 0.33 s
    at 100,000 residents, this 0.05 s. Where Mesa would do more (a dataset tracks residents, something
    observes the model's agents) each is made by ``Resident(m, i)``; ``tests/test_kernels_r11b.py`` checks
    that both give the same.
    """
    with paused_collector():  # nothing made here is garbage: the collector's passes would find none
        if Resident._datasets or any(name == "agents" for name, _ in m.subscribers):
            for i in range(n):
                Resident(m, i)
            return
        first, make, register = m.agent_id_counter, object.__new__, m._all_agents.add
        rows = []
        for i in range(n):
            agent = make(Resident)
            agent.model, agent.unique_id, agent.pos, agent.idx = m, first + i, None, i
            register(agent)
            rows.append(agent)
        m.agent_id_counter = first + n
        if Resident in m._agents_by_type:
            for agent in rows:
                m._agents_by_type[Resident].add(agent)
        elif rows:  # Mesa makes a kind's registry with its first agent
            m._agents_by_type[Resident] = _HardKeyAgentSet(rows, random=m.random)
