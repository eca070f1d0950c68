"""Round 9's tie submodels (issue 19, helper E) realise their rules with the numbers a plain formulation takes.

``form_ties`` (one compiled call an encounter) and ``maintain_ties`` (its contact coin flips) draw their own
numbers (:mod:`model.core.draws`). Each reference below is the numpy formulation of the rule before round 9,
given the numbers the kernel draws at the same positions of the same key: the tie network, the counters and
the model's generator must come out equal, bit for bit, on a running city and on edge cases. The order in
which attendees meet is checked to be a uniform permutation, and the contacts to come at their chances.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from itertools import permutations

import numpy as np
import pytest

from model import CommunityModel, Parameters
from model.core.city import is_bridging
from model.core.draws import draw_key, uniform
from model.core.network import TieNetwork
from model.core.state import LONELY
from model.core.submodels.helpers import activity
from model.core.submodels.ties import _ORDER, _START, _ChanceParameters, _encounter, form_ties, maintain_ties
from model.core.submodels.venues import visit_venues
from model.core.tie_passes import _aligned_rows, _count_at_least, _reach_and_decay

NAMES = ("a", "b", "key", "w", "kin", "bridging")


@pytest.fixture(scope="module")
def city() -> CommunityModel:
    return CommunityModel(Parameters(n_residents=1500, burn_in_years=0.5, neighbourhoods_per_archetype=2), seed=3)


def _stream(key: np.uint64, start: int, count: int) -> np.ndarray:
    """The numbers ``start`` to ``start + count - 1`` of ``key``, one by one (:mod:`model.core.draws`)."""
    return np.array([uniform(key, start + k) for k in range(count)], dtype=float)


def _numpy_find(net: TieNetwork, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``TieNetwork.find`` as numpy's binary search of each pair's key."""
    key = np.minimum(i, j) * net.n + np.maximum(i, j)
    pos = np.searchsorted(net.key, key)
    at = net.key[np.minimum(pos, len(net.key) - 1)] == key if len(net.key) else np.zeros(len(key), dtype=bool)
    return np.where(at, pos, -1)


def _form_ties_reference(m: CommunityModel, venues: tuple[np.ndarray, np.ndarray]) -> None:
    """``form_ties`` as numpy wrote it before round 9, with the numbers of the kernel's keys."""
    p, pop, net = m.p, m.pop, m.net
    who, venue = venues
    started = TieNetwork(net.n)
    for _ in range(p.encounters_per_visit):
        key, size = draw_key(m.rng), len(who)
        order = np.lexsort((_stream(key, _ORDER * size, size), venue))
        half = len(order) // 2
        a, b = who[order][0:2 * half:2], who[order][1:2 * half:2]
        same = venue[order][0:2 * half:2] == venue[order][1:2 * half:2]
        a, b = a[same], b[same]
        known = np.zeros(len(a), dtype=bool)
        for ties in (net, started):  # pairs already tied grow stronger (numpy's ``+=``: a repeated pair once)
            tie = _numpy_find(ties, a, b)
            found = tie >= 0
            ties.w[tie[found]] += p.tie_gain * (1 - ties.w[tie[found]])
            known |= found
        a, b = a[~known], b[~known]
        bridging = is_bridging(m, a, b)
        base = np.minimum(1, np.minimum(pop.good_ties[a], pop.good_ties[b]) / p.bridging_base)
        unlike = (pop.score[a] >= LONELY) != (pop.score[b] >= LONELY)
        chance = (p.new_tie_prob * np.where(bridging, base / p.homophily, 1.0)
                  / np.where(unlike, p.loneliness_homophily, 1.0))
        new = _stream(key, _START * size, len(a)) < chance
        a, b, bridging = a[new], b[new], bridging[new]
        m.counters.ties_formed += np.bincount(pop.nbh[a], minlength=m.n_nbh)
        started.add(a, b, p.new_tie_strength, False, bridging)
    net.add_ties_of(started)


def _maintain_ties_reference(m: CommunityModel) -> None:
    """``maintain_ties`` as numpy wrote it, tie ``e`` in contact when number ``e`` of the key is below its chance."""
    p, pop, net = m.p, m.pop, m.net
    key = draw_key(m.rng)
    a, b, w, kin = net.a, net.b, net.w, net.kin
    reach = activity(m) * np.minimum(1.0, p.tie_capacity / np.maximum(net.count_at_least(p.tie_drop_threshold), 1))
    chance = p.tie_contact_prob * w * reach[a] * reach[b] * np.where(kin, p.kin_contact_factor, 1.0)
    decay = m.tie_decay[pop.nbh]
    missed = np.maximum(w - np.where(kin, p.tie_decay * p.kin_decay_factor, 0.5 * (decay[a] + decay[b])), 0.0)
    strength = np.where(_stream(key, 0, len(net)) < chance, w + p.tie_gain * (1 - w), missed)
    kept = kin | (strength >= p.tie_drop_threshold)
    pop.ties_lost += np.bincount(a[~kept], minlength=net.n) + np.bincount(b[~kept], minlength=net.n)
    ties = {name: getattr(net, name)[kept] for name in NAMES if name != "key"}  # the key is computed
    ties["w"] = strength[kept]
    for name, values in ties.items():
        setattr(net, name, values)
    pop.good_ties = net.count_at_least(p.good_tie_threshold)


def _same(m: CommunityModel, twin: CommunityModel) -> None:
    for name in NAMES:
        np.testing.assert_array_equal(getattr(m.net, name), getattr(twin.net, name), err_msg=name)
    for name, value in vars(m.pop).items():
        np.testing.assert_array_equal(value, getattr(twin.pop, name), err_msg=f"pop.{name}")
    np.testing.assert_array_equal(m.counters.ties_formed, twin.counters.ties_formed)
    assert m.rng.bit_generator.state == twin.rng.bit_generator.state


def _form_both(m: CommunityModel, venues: tuple[np.ndarray, np.ndarray]) -> CommunityModel:
    """Form ties on ``m`` and by the reference on a twin; both must agree. Returns the state before."""
    twin, before = copy.deepcopy(m), copy.deepcopy(m)
    form_ties(m, venues)
    _form_ties_reference(twin, copy.deepcopy(venues))
    _same(m, twin)
    return before


def test_form_ties_is_its_rule_with_the_kernels_numbers_on_a_running_city(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    strengthened = started = 0
    for _ in range(4):
        m.counters.reset()
        before = _form_both(m, visit_venues(m))
        started += len(m.net) - len(before.net)
        strengthened += np.count_nonzero(m.net.w[np.isin(m.net.key, before.net.key)] > before.net.w)
        assert m.counters.ties_formed.sum() == len(m.net) - len(before.net)
        m.step()
    assert started > 5 and strengthened > 5, (started, strengthened)


def test_form_ties_with_nobody_there_everyone_apart_or_no_chance(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    empty = np.empty(0, dtype=np.int64)
    for venues in ((empty, empty), (np.array([4]), np.array([0])), (np.arange(50), np.arange(50))):
        before = _form_both(m, venues)  # a key an encounter, and no tie changes
        assert all(np.array_equal(getattr(m.net, x), getattr(before.net, x)) for x in NAMES)
    m.p = replace(m.p, new_tie_prob=0.0)
    who, venue = visit_venues(m)
    before = _form_both(m, (who, venue))
    assert len(m.net) == len(before.net) and (m.net.w >= before.net.w).all() and (m.net.w > before.net.w).any()


def test_form_ties_strengthens_pairs_tied_already_and_those_started_in_the_week(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    net = m.net
    # The ends of 200 ties, each pair alone at a venue; and a crowd at one venue, who meet strangers mostly.
    pairs = np.column_stack([net.a[:200], net.b[:200]]).ravel().astype(np.int64)
    crowd = np.random.default_rng(11).permutation(net.n)[:400]
    m.p = replace(m.p, new_tie_prob=0.9)
    before = _form_both(m, (np.concatenate([pairs, crowd]), np.concatenate([np.repeat(np.arange(200), 2),
                                                                             np.full(400, 200)])))
    tie = m.net.find(before.net.a[:200], before.net.b[:200])
    assert (m.net.w[tie] > before.net.w[:200]).all() and len(m.net) > len(before.net)


def test_attendees_meet_in_a_uniformly_random_order() -> None:
    # Four attendees, alike in everything, at one venue; every stranger pair starts a tie (chance 1): the new
    # ties' ends are the order in which they met, and each of the 24 orders must come a 24th of the time.
    n, calls = 4, 24_000
    p = _ChanceParameters(new_tie_prob=1.0, bridging_base=2.0, homophily=2.0, loneliness_homophily=2.0)
    same = np.zeros(n, dtype=np.int64)
    who, venue, no_ties = np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.empty(0, dtype=np.int64)
    rng = np.random.default_rng(12)
    seen = {order: 0 for order in permutations(range(n))}
    for _ in range(calls):
        a, b, bridging = _encounter(draw_key(rng), who, venue, no_ties, np.empty(0, dtype=np.int32),
                                    no_ties.astype(np.int32), np.empty(0), no_ties, no_ties, np.empty(0), 0.1, p,
                                    np.zeros(n), np.zeros(n), same, same.astype(bool), same, np.zeros(1))
        assert len(a) == 2 and not bridging.any()
        seen[(a[0], b[0], a[1], b[1])] += 1
    expected = calls / len(seen)
    se = np.sqrt(expected * (1 - 1 / len(seen)))
    assert max(abs(count - expected) for count in seen.values()) < 4 * se, seen


def test_maintain_ties_is_its_rule_with_the_kernels_numbers_on_a_running_city(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    dissolved = renewed = 0
    for _ in range(4):
        twin, before = copy.deepcopy(m), copy.deepcopy(m)
        maintain_ties(m)
        _maintain_ties_reference(twin)
        _same(m, twin)
        dissolved += len(before.net) - len(m.net)
        renewed += np.count_nonzero(m.net.w[np.isin(m.net.key, before.net.key)]
                                    > before.net.w[np.isin(before.net.key, m.net.key)])
        m.step()
    assert dissolved > 20 and renewed > 20, (dissolved, renewed)


def test_maintain_ties_without_ties_draws_its_key(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    m.net = TieNetwork(m.net.n)
    twin = copy.deepcopy(m)
    maintain_ties(m)
    _maintain_ties_reference(twin)
    _same(m, twin)
    assert len(m.net) == 0 and not m.pop.good_ties.any()


def test_reach_and_decay_are_activity_times_the_room_per_tie_and_the_group_s_decay(city: CommunityModel) -> None:
    net, rng = city.net, np.random.default_rng(6)
    activity = rng.random(net.n) * 1.5
    group = city.pop.nbh
    decay = rng.uniform(0.01, 0.05, city.n_nbh)
    for capacity, threshold in ((12.0, 0.05), (3.0, 0.3), (1.0, 0.0), (2.0, 1.1)):
        room = np.minimum(1.0, capacity / np.maximum(net.count_at_least(threshold), 1))
        terms = _aligned_rows(net.n, 4)
        count = _count_at_least(net.n, net.a, net.b, net.w, threshold)
        _reach_and_decay(count, threshold, capacity, activity, group, decay, terms)
        assert np.array_equal(terms[:, 0], activity * room) and np.array_equal(terms[:, 1], decay[group])
    crowded = net.count_at_least(0.05) > 3
    assert crowded.any() and not crowded.all()


def test_ties_are_in_contact_at_their_chance() -> None:
    # 20,000 ties of chances from 0 to 0.8, 30 weeks' keys: contacts per fifth of the chances within 4 standard
    # errors of their expected number (a contact raises the strength; without one it falls).
    n, size, weeks = 4000, 20_000, 30
    rng = np.random.default_rng(13)
    net = TieNetwork(n)
    net.add(rng.integers(0, n, size), rng.integers(0, n, size), 1.0, False, False)
    a, b = net.a.copy(), net.b.copy()
    reach = rng.uniform(0.3, 1.0, n)
    chance = 0.8 * reach[a] * reach[b]
    contacts = np.zeros(len(a))
    for _ in range(weeks):
        week = copy.deepcopy(net)
        week.contact_and_decay(draw_key(rng), reach, float(n), 0.8, 1.0, 0.0, np.zeros(n, dtype=np.int64),
                               np.array([0.5]), 0.5, 0.0, 0.0, np.zeros(n, dtype=np.int64))  # room for every tie
        contacts += week.w == 1.0  # no gain: a tie in contact keeps full strength; one without falls to 0.5
    fifth = np.minimum((chance / chance.max() * 5).astype(int), 4)
    for f in range(5):
        expected = weeks * chance[fifth == f].sum()
        se = np.sqrt(weeks * (chance[fifth == f] * (1 - chance[fifth == f])).sum())
        assert abs(contacts[fifth == f].sum() - expected) < 4 * se, (f, contacts[fifth == f].sum(), expected, se)

