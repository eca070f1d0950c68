"""The residents' Mesa agents made in bulk when the city is built (``docs/ODD.md``, 5), and kept compactly.

A resident's agent is a view of its row of the model's arrays (:class:`agents.Resident`); a city of a million
residents makes a million of them once, which Mesa's ``Agent.__init__`` a row made the largest part of building
the city. A settled city's file (:mod:`model.core.settling`) holds them as their first unique id and number
(:func:`compact_registries`), not agent by agent. Split from ``model/core/city.py`` (600 lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from random import Random
from typing import TYPE_CHECKING, Any

from mesa import Agent
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
        first = m.agent_id_counter
        rows = _rows(m, first, n)
        register = m._all_agents.add
        for agent in rows:
            register(agent)
        m.agent_id_counter = first + n
        if Resident in m._agents_by_type:
            for agent in rows:
                m._agents_by_type[Resident].add(agent)
        elif rows:  # Mesa makes a kind's registry with its first agent
            m._agents_by_type[Resident] = _HardKeyAgentSet(rows, random=m.random)


def _rows(m: CommunityModel, first: int, n: int) -> list[Resident]:
    """``n`` residents' agents of model ``m``, rows 0 to ``n - 1``, their unique ids from ``first`` (not registered)."""
    make, rows = object.__new__, []
    for i in range(n):
        agent = make(Resident)
        agent.model, agent.unique_id, agent.pos, agent.idx = m, first + i, None, i
        rows.append(agent)
    return rows


@dataclass
class _Registry:
    """A registry of agents (Mesa's ``_HardKeyAgentSet``) as a settled city's file holds it.

    Its agents in order are ``before``, then the residents' agents of rows 0 to ``n - 1`` (unique ids from
    ``first``), then ``after``; ``random`` is the registry's generator (the model's, kept as one object).
    """

    before: list[Agent]
    first: int
    n: int
    after: list[Agent]
    random: Random | None


def compact_registries(m: CommunityModel) -> dict[str, Any] | None:
    """Mesa's two registries of ``m``'s agents with the residents' agents as one block, or ``None`` if they are not.

    Pickling the agents one by one took 0.6-0.8 s of the 0.8-1.2 s of keeping a settled city of 100,000
    residents, now 0.10-0.12 s in all (the other core busy), and unpickling them most of starting it again.
    The residents' agents are one block when they are what :func:`resident_agents` makes: ``Resident`` itself
    (not a subclass), rows in order, consecutive unique ids, no position, registered together; otherwise they
    are kept agent by agent.
    A settled city is kept at the end of the model's constructor, before a user's code can reach its agents, so
    their attributes are those :func:`_rows` sets.

    Returns:
        ``{"_all_agents": ..., "_agents_by_type": ...}`` to pickle in place of Mesa's, or ``None``.
    """
    rows = m._agents_by_type.get(Resident)
    if not rows:
        return None
    rows = list(rows._agents)
    first = rows[0].unique_id
    # Checked with C-level maps (a Python loop over the agents took half as long again). Their own attributes
    # are not read: ``vars`` would give each agent a dict of its own (30 ms and some 20 MB more at 100,000).
    if ({*map(type, rows)} != {Resident} or {*map(attrgetter("pos"), rows)} != {None}
            or [*map(attrgetter("idx"), rows)] != list(range(len(rows)))
            or [*map(attrgetter("unique_id"), rows)] != list(range(first, first + len(rows)))):
        return None
    by_type = {kind: (_block(registry, rows, first) if kind is Resident else registry)
               for kind, registry in m._agents_by_type.items()}
    every = _block(m._all_agents, rows, first)
    return None if every is None or by_type[Resident] is None else {"_all_agents": every, "_agents_by_type": by_type}


def _block(registry: _HardKeyAgentSet, rows: list[Resident], first: int) -> _Registry | None:
    """``registry`` as a :class:`_Registry` if ``rows`` are one block in it, else ``None``."""
    agents = list(registry._agents)
    at = next((k for k, agent in enumerate(agents) if agent is rows[0]), -1)
    if at < 0 or agents[at:at + len(rows)] != rows:  # the same objects (an agent equals only itself)
        return None
    return _Registry(agents[:at], first, len(rows), agents[at + len(rows):], getattr(registry, "random", None))


def expand_registries(m: CommunityModel, state: dict[str, Any]) -> None:
    """Turn the registries :func:`compact_registries` made, in a settled city's ``state``, into Mesa's again.

    The residents' agents are made once (:func:`_rows`) and are the same objects in both registries.
    """
    every = state["_all_agents"]
    if not isinstance(every, _Registry):
        return
    with paused_collector():
        rows = _rows(m, every.first, every.n)
        state["_all_agents"] = _registry(every, rows)
        state["_agents_by_type"] = {kind: (_registry(registry, rows) if isinstance(registry, _Registry) else registry)
                                    for kind, registry in state["_agents_by_type"].items()}


def _registry(kept: _Registry, rows: list[Resident]) -> _HardKeyAgentSet:
    """Mesa's registry of the agents ``kept`` names, with ``rows`` as its residents' block."""
    return _HardKeyAgentSet([*kept.before, *rows, *kept.after], random=kept.random)
