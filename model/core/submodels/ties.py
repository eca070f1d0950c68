"""Submodels of the tie network: ties formed at venues, and kept up or lost (``docs/ODD.md``, 7.6-7.7)."""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.city import _is_bridging
from model.core.draws import draw_key, uniform
from model.core.network import TieNetwork, find_in_starts, find_ties
from model.core.state import LONELY
from model.core.submodels.helpers import activity, kernel_parameters
from model.core.tie_passes import AHEAD, _prefetch

if TYPE_CHECKING:
    from model.core.community import CommunityModel


# 6 -------------------------------------------------------------------------------
def form_ties(m: CommunityModel, venues: tuple[np.ndarray, np.ndarray]) -> None:
    """Attendees of the same venue meet in random pairs; strangers may start a tie (homophily).

    Dissimilar pairs start ties less often (``homophily``), and a bridging tie needs a
    secure base of good bonding ties (``bridging_base``, Putnam). A lonely and a not lonely
    resident start a tie less often than two alike in loneliness (``loneliness_homophily``).
    """
    p, pop, net = m.p, m.pop, m.net
    who, venue = venues
    chance_parameters = kernel_parameters(_ChanceParameters, p)
    # This week's new ties join the network after the last encounter, in one merge; until then they are
    # known, and strengthened by a new meeting, as ties of their own small network.
    started = TieNetwork(net.n)
    # In a large city the network's ties are found among those of each pair's lower end (``network.find_in_starts``);
    # the index serves every encounter (the strengths change, not the ties). Built once a week, it and the lookups
    # of two encounters took 8.6 ms at 1,000,000 residents against 17.3 ms for two binary searches of all keys
    # (then ``find_keys``, now ``find_ties``; 2.9 ms to build, 3.2 a lookup), 0.89 against 1.21 ms at 100,000
    # (280,000 ties); where the ties fit in the core's cache the searches are cheaper (0.038 against 0.050 ms at
    # 10,000), so no index there.
    start = net.lower_starts() if len(net.a) > _INDEXED_FROM else np.empty(0, dtype=np.int32)
    for _ in range(p.encounters_per_visit):  # one compiled call and one key of the model's generator each
        a, b, bridging = _encounter(draw_key(m.rng), who, venue, net.a, start, net.b, net.w, started.a, started.b,
                                    started.w, p.tie_gain, chance_parameters, pop.good_ties, pop.score, pop.age,
                                    pop.low_income, pop.nbh, m.counters.ties_formed)
        started.add(a, b, p.new_tie_strength, False, bridging)
    net.add_ties_of(started)


#: From how many ties :func:`form_ties` finds them by ``network.lower_starts`` (1 MiB of keys, the core's cache).
_INDEXED_FROM = 2**17


# The streams of an encounter's key (``draws.uniform(key, stream * len(who) + k)``): a number per attendee
# (``who[k]``) for the order in which they meet at their venue, and one per pair of strangers (the ``k``-th
# of the pairs :func:`_meet` returns) for whether they start a tie.
_ORDER, _START = range(2)


@numba.njit(cache=True)
def _encounter(key: np.uint64, who: np.ndarray, venue: np.ndarray, tie_a: np.ndarray, start: np.ndarray,
               tie_b: np.ndarray, w: np.ndarray, started_a: np.ndarray, started_b: np.ndarray, started_w: np.ndarray,
               gain: float, p: tuple,
               good_ties: np.ndarray, score: np.ndarray, age: np.ndarray, low_income: np.ndarray, nbh: np.ndarray,
               formed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One encounter of :func:`form_ties` in one call, drawing its numbers from ``key``.

    Attendees ``who`` meet in random pairs at their ``venue`` (:func:`_by_venue_at_random`, :func:`_meet`: the
    ties between pairs already tied, in the network (its ends ``tie_a`` and ``tie_b``, searched, or, unless empty,
    its ``network.lower_starts`` ``start`` and higher ends; strengths ``w``) or among this week's
    started ties, grow stronger); the strangers start a tie at their chance (:func:`_start_ties`), which the
    bridging test (``city._is_bridging``) sets. Returns the new ties' two ends and bridging flags.
    """
    size = len(who)
    who, venue = _by_venue_at_random(venue, _stream(key, _ORDER * size, size), who)
    a, b = _meet(who, venue, tie_a, start, tie_b, w, started_a, started_b, started_w, gain)
    return _start_ties(p, a, b, age, low_income, good_ties, score, _stream(key, _START * size, len(a)), nbh, formed)


@numba.njit(cache=True)
def _stream(key: np.uint64, start: int, count: int) -> np.ndarray:
    """The numbers ``start`` to ``start + count - 1`` of ``key`` (``draws.uniform``), as an array."""
    u = np.empty(count)
    for k in range(count):
        u[k] = uniform(key, start + k)
    return u


_ChanceParameters = namedtuple("_ChanceParameters", [
    "new_tie_prob", "bridging_base", "homophily", "loneliness_homophily"])


@numba.njit(cache=True)
def _meet(who: np.ndarray, venue: np.ndarray, tie_a: np.ndarray, start: np.ndarray, tie_b: np.ndarray,
          w: np.ndarray, started_a: np.ndarray, started_b: np.ndarray, started_w: np.ndarray,
          gain: float) -> tuple[np.ndarray, np.ndarray]:
    """One encounter in one call: the pairs met at one venue that are not tied yet.

    The pairs are :func:`_venue_pairs`' of the attendees ``who`` at ``venue`` (in the order they meet); the ties
    between them are strengthened (:func:`_strengthen`: those of the network, then those started this week). One
    call instead of some ten, twice a week, which is what an encounter cost in a small city.
    """
    a, b = _venue_pairs(who, venue)
    known = np.zeros(len(a), dtype=np.bool_)
    _strengthen(w, find_in_starts(a, b, start, tie_b) if len(start) else find_ties(a, b, tie_a, tie_b), gain, known)
    _strengthen(started_w, _find_started(a, b, started_a, started_b), gain, known)
    return a[~known], b[~known]


@numba.njit(cache=True)
def _find_started(i: np.ndarray, j: np.ndarray, started_a: np.ndarray, started_b: np.ndarray) -> np.ndarray:
    """``find_ties(i, j, started_a, started_b)``, searched only for the pairs whose lower end has a started tie.

    The others have none (-1). A bit per resident (``n / 8`` bytes, in the core's cache) marks the started ties'
    lower ends; a pair's bit is read branch-free. In the second encounter at 1,000,000 residents some 3,500
    started ties and 98,000 pairs, of which 2,500 are searched: 1.45 -> 0.30 ms (0.12 -> 0.05 at 100,000).
    """
    tie = np.full(len(i), -1, dtype=np.int64)
    if len(started_a) == 0:  # the first encounter
        return tie
    top = started_a[-1]  # the highest lower end (the ties are in ``(a, b)`` order)
    mark = np.zeros(top // 8 + 1, dtype=np.uint8)
    for x in started_a:
        mark[x >> 3] |= 1 << (x & 7)
    chosen = np.empty(len(i), dtype=np.int64)
    n = 0
    for k in range(len(i)):
        lo = min(i[k], j[k])
        q = min(lo, top)  # a lower end past ``top`` reads ``top``'s byte and is ruled out by the comparison
        chosen[n] = k
        n += (lo <= top) & ((mark[q >> 3] >> (q & 7)) & 1)
    chosen = chosen[:n]
    tie[chosen] = find_ties(i[chosen], j[chosen], started_a, started_b)
    return tie


@numba.njit(cache=True)
def _venue_pairs(who: np.ndarray, venue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The attendees ``who`` (at ``venue``) met in turn (first with second, third with fourth, ...), where at one venue.

    Both in the order of :func:`_by_venue_at_random`, so read in turn (before, ``who`` and ``venue`` at that order's
    scattered places: 0.4-0.8 ms an encounter at 1,000,000 residents).
    """
    a, b = np.empty(len(who) // 2, dtype=who.dtype), np.empty(len(who) // 2, dtype=who.dtype)
    k = 0
    for t in range(len(a)):
        a[k], b[k] = who[2 * t], who[2 * t + 1]
        k += venue[2 * t] == venue[2 * t + 1]  # every pair written, the next place advances for those at one venue
    return a[:k], b[:k]


@numba.njit(cache=True)
def _strengthen(w: np.ndarray, tie: np.ndarray, gain: float, known: np.ndarray) -> None:
    """Strengthen the ties ``tie`` (-1: none) by ``gain`` of the gap to 1, and mark their pairs ``known``.

    As ``w[tie[found]] += gain * (1 - w[tie[found]])``: all new strengths from the old ones, then written.
    """
    found = np.flatnonzero(tie >= 0)
    stronger = np.empty(len(found))
    for k in range(len(found)):
        stronger[k] = w[tie[found[k]]] + gain * (1 - w[tie[found[k]]])
    for k in range(len(found)):
        w[tie[found[k]]] = stronger[k]
        known[found[k]] = True


@numba.njit(cache=True)
def _new_tie_chance(p: tuple, a: np.ndarray, b: np.ndarray, bridging: np.ndarray, good_ties: np.ndarray,
                    score: np.ndarray) -> np.ndarray:
    """The chance that strangers ``a[k]`` and ``b[k]`` start a tie (see :func:`form_ties`), in one pass.

    The pairs are in no order, and at 1,000,000 residents ``good_ties`` (8 MB) is out of the cache: the two ends'
    counts are asked for ``AHEAD`` pairs early (``tie_passes._prefetch``), as the tie passes do.
    """
    chance = np.empty(len(a))
    for k in range(len(a)):
        ahead = min(k + AHEAD, len(a) - 1)
        _prefetch(good_ties, a[ahead])
        _prefetch(good_ties, b[ahead])
        base = min(1.0, min(good_ties[a[k]], good_ties[b[k]]) / p.bridging_base)
        unlike = (score[a[k]] >= LONELY) != (score[b[k]] >= LONELY)
        chance[k] = (p.new_tie_prob * (base / p.homophily if bridging[k] else 1.0)
                     / (p.loneliness_homophily if unlike else 1.0))
    return chance


@numba.njit(cache=True)
def _start_ties(p: tuple, a: np.ndarray, b: np.ndarray, age: np.ndarray, low_income: np.ndarray,
                good_ties: np.ndarray, score: np.ndarray, u: np.ndarray, nbh: np.ndarray,
                formed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strangers ``a[k]``, ``b[k]`` who start a tie (``u[k]`` below :func:`_new_tie_chance`), counted in ``formed``.

    Counted by neighbourhood; the bridging test is ``city._is_bridging``. Returns their two ends and bridging
    flags, in order: one call for what were some ten numpy calls. Most numbers are above every chance (at most
    ``new_tie_prob``, :func:`_highest_chance`): only the pairs whose number is below it are tested and read
    (their ends' age, income, neighbourhood, good ties and score lie at random places in memory), a tenth of
    them with the default parameters. The others never start a tie, so the new ties are the same.
    """
    top = _highest_chance(p)
    few = np.empty(len(a), dtype=np.int64)
    n = 0
    for k in range(len(a)):  # branch-free: whether a number is below cannot be predicted
        few[n] = k
        n += u[k] < top
    a_few, b_few, u_few = np.empty(n, dtype=a.dtype), np.empty(n, dtype=b.dtype), np.empty(n)
    for t in range(n):
        k = few[t]
        a_few[t], b_few[t], u_few[t] = a[k], b[k], u[k]
    bridging = _is_bridging(a_few, b_few, age, low_income, nbh)
    new = u_few < _new_tie_chance(p, a_few, b_few, bridging, good_ties, score)
    a_few, b_few, bridging = a_few[new], b_few[new], bridging[new]
    for x in a_few:
        formed[nbh[x]] += 1
    return a_few, b_few, bridging


@numba.njit(cache=True)
def _highest_chance(p: tuple) -> float:
    """A bound on every chance of :func:`_new_tie_chance`: ``new_tie_prob`` (if at least 0, both odds ratios 1).

    Then the bridging factor ``min(1, good ties / bridging_base) / homophily`` is at most 1 and the division by
    ``loneliness_homophily`` does not raise it; rounding keeps both inequalities (it is monotone), so no chance
    is above ``new_tie_prob``. Other values (outside the parameters' bounds, or NaN) give no bound (infinity).
    """
    if p.new_tie_prob >= 0.0 and p.homophily >= 1.0 and p.loneliness_homophily >= 1.0:
        return p.new_tie_prob
    return np.inf


@numba.njit(cache=True)
def _by_venue_at_random(venue: np.ndarray, u: np.ndarray, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Attendees ``who`` and their ``venue`` ordered by venue and, within a venue, by ``u``.

    That is ``who[order]`` and ``venue[order]`` for ``order = np.lexsort((u, venue))``, several times faster. A
    bucket sort of all attendees at once, in expected linear time: a venue of ``k`` attendees has ``2 k`` buckets
    that rise with ``u`` (random, uniform on [0, 1)), after those of the venues before; the attendees are counted
    into them and placed in attendee order, so that only attendees of one bucket can be out of order, which an
    insertion sort over the whole order puts right (strictly larger: equal ``u`` keep their order, as in
    ``np.lexsort``). Within a venue a larger ``u`` never has a lower bucket, so two neighbours out of order are in one.
    A bucket sort and an insertion sort per venue took 4.2-4.4 ms at 1,000,000 residents (213,000 attendees at
    16,000 venues, caches cold) and 0.35 ms at 100,000, their loops of a few iterations mispredicted; now 3.2-3.6 and
    0.26 ms (at 1,000,000, alternating: two buckets per attendee 3.0-3.3, one 3.2-3.7, four 3.3-3.6). The places
    are written with the attendees themselves, not their numbers (which the pairs then read at scattered places),
    and the venues in order from their counts, not with each attendee's bucket: an encounter 0.8 ms less at
    1,000,000.
    """
    size = len(venue)
    # Attendees of the venues before each venue: its buckets start at twice that.
    first = np.zeros(venue.max() + 2 if size else 1, dtype=np.int32)
    for v in venue:
        first[v + 1] += 1
    for v in range(len(first) - 1):
        first[v + 1] += first[v]
    bucket = np.empty(size, dtype=np.int32)
    start = np.zeros(2 * size + 1, dtype=np.int32)
    for i in range(size):
        lo, k = 2 * first[venue[i]], 2 * (first[venue[i] + 1] - first[venue[i]])
        q = lo + min(max(np.int32(u[i] * k), 0), k - 1)
        bucket[i] = q
        start[q + 1] += 1
    for q in range(2 * size):
        start[q + 1] += start[q]
    ordered_who, ordered_u, ordered_venue = np.empty(size, dtype=who.dtype), np.empty(size), np.empty_like(venue)
    for i in range(size):
        q = bucket[i]
        t = start[q]
        ordered_who[t], ordered_u[t] = who[i], u[i]
        start[q] = t + 1
    for v in range(len(first) - 1):
        ordered_venue[first[v]:first[v + 1]] = v
    for t in range(1, size):
        if ordered_u[t - 1] > ordered_u[t] and ordered_venue[t - 1] == ordered_venue[t]:  # rarely (a bucket's few)
            i, x, v, s = ordered_who[t], ordered_u[t], ordered_venue[t], t
            while s > 0 and ordered_venue[s - 1] == v and ordered_u[s - 1] > x:
                ordered_who[s], ordered_u[s] = ordered_who[s - 1], ordered_u[s - 1]
                s -= 1
            ordered_who[s], ordered_u[s] = i, x
    return ordered_who, ordered_venue


# 7 -------------------------------------------------------------------------------
def maintain_ties(m: CommunityModel) -> None:
    """Contact along ties strengthens them; without contact they weaken, and weak non-kin ties dissolve.

    Strong ties are in touch more often than weak ones (contact in proportion to strength),
    and a resident with more ties than ``tie_capacity`` has less time for each (Dunbar).
    So a tie either grows strong or fades: weak ties that are not renewed at a venue
    dissolve, and networks stay near the size people can keep up. Lonely residents
    withdraw (``activity``), so their ties fade. Non-kin ties fade faster in dense
    neighbourhoods (``density_decay``).
    """
    p, net = m.p, m.net
    # The activity visit_venues worked out this week, taken (used once): form_ties, between the two, changes none of
    # what it depends on (loneliness scores, life domains, relationships wanted), so it is the same array. One pass
    # over the residents and numpy's three less (``activity`` with cold caches: 0.32-0.36 ms at 100,000 residents,
    # 2.0-2.6 ms at 1,000,000). Called on its own (no visit since the last call), the submodel works it out.
    act = m.__dict__.pop("venue_activity", None)
    act = activity(m) if act is None else act
    m.pop.good_ties = net.contact_and_decay(draw_key(m.rng), act, p.tie_capacity, p.tie_contact_prob,
                                            p.kin_contact_factor, p.tie_gain, m.pop.nbh, m.tie_decay,
                                            p.tie_decay * p.kin_decay_factor, p.tie_drop_threshold,
                                            p.good_tie_threshold, m.pop.ties_lost)
