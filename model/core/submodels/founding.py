"""Submodel 13, step 1: founding resident initiatives (``docs/ODD.md``, 7.13), and the initiative log.

The founders are drawn in one compiled pass over the residents (:func:`_founders`) and found their
initiatives in one compiled call (:func:`_found`) that draws its own numbers (``model/core/draws.py``);
only growing the slots (with their Mesa agents) and the log entries are Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.categories import INITIATIVE_KINDS
from model.core.city import grow_initiative_agents
from model.core.draws import draw_key, integer, subkey, uniform
from model.core.state import NO, ORGANISING_TALENT
from model.core.submodels.helpers import MEETING

if TYPE_CHECKING:
    from model.core.community import CommunityModel


def found_initiatives(m: CommunityModel, motivation: np.ndarray, level: np.ndarray) -> None:
    """This week's founders (:func:`_founders`) found their initiatives in resident order (:func:`_found`)."""
    p, pop, ini, lev = m.p, m.pop, m.inits, m.levers
    alive_per_nbh = np.bincount(ini.nbh[ini.alive], minlength=m.n_nbh)
    room = alive_per_nbh < p.max_initiatives_per_1000 * m.nbh_size / 1000
    support = 1 + m.community_hours[:, 1] / p.support_founding_hours
    key = draw_key(m.rng)
    # Where no neighbourhood has room, every chance is 0 and nobody founds: the pass over the residents is skipped
    # (2.2 ms a week at 1,000,000 residents, whose neighbourhoods are full after the burn-in).
    if not room.any():
        return
    founders = _founders(key, p.founding_rate, p.spotted_founding_factor, p.low_income_civic_factor, pop.member_of,
                         level, pop.talents[:, ORGANISING_TALENT], motivation, pop.spotted, pop.low_income,
                         m.nbh_start, support, room)
    if not len(founders):  # most weeks in a small city
        return
    _make_free_slots(m, len(founders))
    # Neither the network nor the meeting places change while initiatives are founded.
    net = m.net
    start, ties = net.ties_of(founders)
    open_places = np.flatnonzero(m.places.open)  # places are stored by neighbourhood
    bounds = np.searchsorted(m.places.nbh[open_places], np.arange(m.n_nbh + 1))
    slots, cores = _found(
        draw_key(m.rng), founders, start, ties, net.a, net.b, net.w, p.good_tie_threshold, p.founder_crew,
        kind_cdf(p.kind_shares), open_places, bounds, m.next_initiative, m.week, p.citizen_funded_share, pop.nbh,
        pop.age, pop.low_income, pop.member_of, pop.core, pop.spotted, lev.citizen_budget_eur, lev.grant_prob,
        lev.grant_weeks, m.counters.initiatives_founded, ini.alive, ini.kind, ini.nbh, ini.uid, ini.place,
        ini.group_age, ini.group_income, ini.founded, ini.struggling_weeks, ini.citizen_funded, ini.taken_over,
        ini.support_weight, ini.grant_weeks_left)
    m.next_initiative += len(founders)
    append_log(m, slots, "founded", pop.pid[founders], cores)


@numba.njit(cache=True)
def _found(key: np.uint64, founders: np.ndarray, start: np.ndarray, ties: np.ndarray, tie_a: np.ndarray,
           tie_b: np.ndarray, tie_w: np.ndarray, good_tie: float, crew_size: int, kinds: np.ndarray,
           open_places: np.ndarray, bounds: np.ndarray, uid: int, week: int, citizen_share: float, nbh: np.ndarray,
           age: np.ndarray, low_income: np.ndarray, member_of: np.ndarray, core: np.ndarray, spotted: np.ndarray,
           citizen_budget: np.ndarray, grant_prob: np.ndarray, grant_weeks: np.ndarray, founded_count: np.ndarray,
           alive: np.ndarray, kind: np.ndarray, initiative_nbh: np.ndarray, initiative_uid: np.ndarray,
           place: np.ndarray, group_age: np.ndarray, group_income: np.ndarray, founded: np.ndarray,
           struggling_weeks: np.ndarray, citizen_funded: np.ndarray, taken_over: np.ndarray,
           support_weight: np.ndarray, grant_weeks_left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each founder (ascending) founds an initiative in the first free slot (there is one for each), in place.

    Founder ``f`` draws from ``sub = subkey(key, f)``: the kind by ``uniform(sub, 0)`` with the cumulative
    shares ``kinds`` (:func:`kind_cdf`, as ``Generator.choice`` with ``p=shares``), the initiative's start by
    :func:`_start` with ``subkey(sub, 1)``, and its founding crew with ``subkey(sub, 2)``: up to ``crew_size``
    of the founder's friends who are no member (yet: the founders before may have seated some) along a good
    tie (strength at least ``good_tie``), a uniform random subset (a partial Fisher-Yates shuffle, ``integer``
    draws ``0, 1, ...``, as ``rng.permutation(friends)[:crew_size]`` chose one). The ties of ``founders[j]``
    are ``ties[start[j]:start[j + 1]]`` (``Network.ties_of``); the open places of neighbourhood ``b`` are
    ``open_places[bounds[b]:bounds[b + 1]]``. The initiatives get the ids ``uid, uid + 1, ...``. Returns
    the founders' slots and the sizes of their cores at the founding.
    """
    slots, cores = np.empty(len(founders), dtype=np.int64), np.empty(len(founders), dtype=np.int64)
    k = 0
    for j in range(len(founders)):
        f = founders[j]
        while alive[k]:  # slots only fill up during the founding: the first free one is after the last taken
            k += 1
        sub = subkey(key, f)
        u, new_kind = uniform(sub, 0), 0
        while kinds[new_kind] <= u:  # the last cumulative share is 1, above every uniform number
            new_kind += 1
        b = nbh[f]
        _start(subkey(sub, 1), k, f, new_kind, open_places[bounds[b]:bounds[b + 1]], uid + j, week, citizen_share,
               nbh, age, low_income, citizen_budget, grant_prob, grant_weeks, alive, kind, initiative_nbh,
               initiative_uid, place, group_age, group_income, founded, struggling_weeks, citizen_funded,
               taken_over, support_weight, grant_weeks_left)
        friends = np.empty(start[j + 1] - start[j], dtype=np.int64)
        n = 0
        for e in ties[start[j]:start[j + 1]]:
            other = tie_b[e] if tie_a[e] == f else tie_a[e]
            if member_of[other] < 0 and tie_w[e] >= good_tie:
                friends[n] = other
                n += 1
        crew_key = subkey(sub, 2)
        size = min(crew_size, n)
        for t in range(size):
            x = t + integer(crew_key, t, n - t)
            friends[t], friends[x] = friends[x], friends[t]
        _seat(k, f, friends[:size], b, member_of, core, spotted, founded_count)
        slots[j], cores[j] = k, size + 1
    return slots, cores


@numba.njit(cache=True)
def _founders(key: np.uint64, rate: float, spotted_factor: float, low_income_factor: float, member_of: np.ndarray,
              level: np.ndarray, organiser: np.ndarray, motivation: np.ndarray, spotted: np.ndarray,
              low_income: np.ndarray, nbh_start: np.ndarray, support: np.ndarray, room: np.ndarray) -> np.ndarray:
    """The residents who found an initiative this week (resident ``i`` by ``uniform(key, i)``), in one pass.

    Only organisers who are no member and have no more than a light need can found, with the chance
    ``rate x motivation x spotted factor x support x room x low-income factor`` of their neighbourhood,
    multiplied in the order of the numpy formulation, so the chances are the same to the last bit. Residents
    are stored by neighbourhood (``nbh_start``): those of a neighbourhood without room (a chance of 0, below
    every number) are not looked at: 0.29 -> 0.22 ms at 100,000 residents with two of four neighbourhoods with
    room (caches cold).
    """
    income_factor = np.array([1.0, low_income_factor])
    founders = np.empty(len(member_of), dtype=np.int64)
    n = 0
    for b in range(len(room)):
        if not room[b]:
            continue
        for i in range(nbh_start[b], nbh_start[b + 1]):
            # One branch, on who can found (about a tenth of the residents: mostly predicted right), so that the
            # chance and the number are worked out for them only.
            if (member_of[i] < 0) & (level[i] <= 1) & organiser[i]:
                chance = (rate * motivation[i] * (1 + (spotted_factor - 1) * spotted[i]) * support[b] * room[b]
                          * income_factor[np.int64(low_income[i])])
                founders[n] = i
                n += uniform(key, i) < chance
    return founders[:n]


def kind_cdf(shares: tuple[float, ...]) -> np.ndarray:
    """The cumulative shares, normalised, as ``Generator.choice(len(shares), p=shares)`` searches them.

    The first kind whose cumulative share is above a uniform number (:func:`_found`'s search) is what that
    call draws with the same number (numpy's own algorithm).
    """
    cdf = np.cumsum(np.asarray(shares, dtype=np.float64))
    cdf /= cdf[-1]
    return cdf


def free_slot(m: CommunityModel) -> int:
    """The first free initiative slot (the slots double when none is free)."""
    _make_free_slots(m, 1)
    return int(np.flatnonzero(~m.inits.alive)[0])


def _make_free_slots(m: CommunityModel, count: int) -> None:
    """At least ``count`` free initiative slots: the slots double (with their agents) while there are fewer."""
    while np.count_nonzero(~m.inits.alive) < count:
        m.inits.grow()
        grow_initiative_agents(m)


def start_initiative(m: CommunityModel, k: int, founder: int, kind: int, places: np.ndarray) -> None:
    """Found initiative ``k`` of ``kind`` in slot ``k`` (its founders join with :func:`seat_founders`).

    See :func:`_start`, which draws from one key of the model's generator.
    """
    p, pop, ini, lev = m.p, m.pop, m.inits, m.levers
    _start(draw_key(m.rng), k, founder, kind, np.asarray(places, dtype=np.int64), m.next_initiative, m.week,
           p.citizen_funded_share, pop.nbh, pop.age, pop.low_income, lev.citizen_budget_eur, lev.grant_prob,
           lev.grant_weeks, ini.alive, ini.kind, ini.nbh, ini.uid, ini.place, ini.group_age, ini.group_income,
           ini.founded, ini.struggling_weeks, ini.citizen_funded, ini.taken_over, ini.support_weight,
           ini.grant_weeks_left)
    m.next_initiative += 1


@numba.njit(cache=True)
def _start(key: np.uint64, k: int, founder: int, new_kind: int, places: np.ndarray, uid: int, week: int,
           citizen_share: float, nbh: np.ndarray, age: np.ndarray, low_income: np.ndarray,
           citizen_budget: np.ndarray, grant_prob: np.ndarray, grant_weeks: np.ndarray, alive: np.ndarray,
           kind: np.ndarray, initiative_nbh: np.ndarray, initiative_uid: np.ndarray, place: np.ndarray,
           group_age: np.ndarray, group_income: np.ndarray, founded: np.ndarray, struggling_weeks: np.ndarray,
           citizen_funded: np.ndarray, taken_over: np.ndarray, support_weight: np.ndarray,
           grant_weeks_left: np.ndarray) -> None:
    """Initiative ``uid`` of ``new_kind`` starts in slot ``k``, founded by ``founder``, drawing from ``key``.

    A meeting activity meets at one of ``places`` (the open meeting places of the founder's neighbourhood),
    each equally likely (``integer(key, 1, ...)``), if any. Where the neighbourhood has a citizen budget, a
    share ``citizen_share`` of new initiatives is funded from it (``uniform(key, 0)``); the others get a grant
    with the steering mode's chance ``grant_prob`` (``uniform(key, 2)``).
    """
    b = nbh[founder]
    citizen = citizen_budget[b] > 0 and uniform(key, 0) < citizen_share
    alive[k], kind[k], initiative_nbh[k], initiative_uid[k] = True, new_kind, b, uid
    place[k] = places[integer(key, 1, len(places))] if (new_kind == MEETING and len(places)) else NO
    group_age[k], group_income[k] = age[founder], low_income[founder]
    founded[k], struggling_weeks[k] = week, 0
    citizen_funded[k], taken_over[k], support_weight[k] = citizen, False, 1.0
    grant_weeks_left[k] = grant_weeks[b] if (citizen or uniform(key, 2) < grant_prob[b]) else 0


def seat_founders(m: CommunityModel, k: int, founder: int, crew: np.ndarray) -> None:
    """The founder and the founding ``crew`` form new initiative ``k``'s core; the founding is counted and logged."""
    pop, ini = m.pop, m.inits
    crew = np.asarray(crew, dtype=np.int64)
    _seat(k, founder, crew, ini.nbh[k], pop.member_of, pop.core, pop.spotted, m.counters.initiatives_founded)
    append_log(m, np.array([k]), "founded", pop.pid[[founder]], np.array([len(crew) + 1]))


@numba.njit(cache=True)
def _seat(k: int, founder: int, crew: np.ndarray, b: int, member_of: np.ndarray, core: np.ndarray,
          spotted: np.ndarray, founded_count: np.ndarray) -> None:
    """The founder and ``crew`` join initiative ``k`` (of neighbourhood ``b``) as its core, in place.

    The founder is no longer spotted; the founding is counted (``founded_count``).
    """
    member_of[founder], core[founder], spotted[founder] = k, True, False
    for i in crew:
        member_of[i], core[i] = k, True
    founded_count[b] += 1


def append_log(m: CommunityModel, slots: np.ndarray, event: str, founders: np.ndarray, cores: np.ndarray) -> None:
    """Append ``event`` for initiative ``slots``, with their founders' person ids (or -1) and core sizes.

    Events are logged in the week whose outputs count them: this step ends at week ``m.week + 1``, and
    its events are that week's row (``metrics.collect`` runs after the week advances).
    """
    ini, n = m.inits, len(slots)
    m.initiative_log.extend(zip(ini.uid[slots].tolist(), [m.week + 1] * n, [event] * n,
                                [INITIATIVE_KINDS[x] for x in ini.kind[slots].tolist()], ini.nbh[slots].tolist(),
                                np.asarray(founders).tolist(), np.asarray(cores).tolist(), strict=True))
