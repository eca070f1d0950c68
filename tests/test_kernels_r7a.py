"""The tie kernels of round 7 (issue 19) give what their numpy formulations gave, bit for bit."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from model import CommunityModel, Parameters
from model.core.city import is_bridging
from model.core.draws import draw_key
from model.core.metrics import observe
from model.core.network import TieNetwork, lower_starts
from model.core.state import CASE_WAITING, LONELY
from model.core.submodels.helpers import kernel_parameters, relational_shortfall
from model.core.submodels.ties import (
    _by_venue_at_random,
    _ChanceParameters,
    _meet,
    _new_tie_chance,
    _start_ties,
    _strengthen,
    _venue_pairs,
)
from model.core.submodels.wellbeing import update_motivation


@pytest.fixture(scope="module")
def city() -> CommunityModel:
    return CommunityModel(Parameters(n_residents=1500, burn_in_years=0.5, neighbourhoods_per_archetype=2), seed=2)


def numpy_find(net: TieNetwork, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The formulation ``TieNetwork.find`` had: a binary search of each pair's key."""
    key = np.minimum(i, j) * net.n + np.maximum(i, j)
    pos = np.searchsorted(net.key, key)
    at = net.key[np.minimum(pos, len(net.key) - 1)] == key if len(net.key) else np.zeros(len(key), dtype=bool)
    return np.where(at, pos, -1)


def pairs_to_look_up(net: TieNetwork, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Tied pairs in either order, random (mostly untied) pairs, the first and last residents, and self-pairs.

    The self-pairs of the first and last residents have keys below and above every tie's.
    """
    tied = rng.integers(0, len(net), 300)
    first_last = np.array([0, net.n - 1, 0, net.n - 1])
    i = np.concatenate([net.a[tied], net.b[tied[:100]], rng.integers(0, net.n, 500), first_last, [7, 0, net.n - 1]])
    j = np.concatenate([net.b[tied], net.a[tied[:100]], rng.integers(0, net.n, 500), first_last[::-1],
                        [7, 0, net.n - 1]])
    return i, j


def test_find_is_the_binary_search_of_keys_in_a_city_and_after_its_ties_change(city: CommunityModel) -> None:
    rng = np.random.default_rng(0)
    net = city.net
    for _ in range(3):
        i, j = pairs_to_look_up(net, rng)
        tie = net.find(i, j)
        assert np.array_equal(tie, numpy_find(net, i, j))
        assert (tie[:400] >= 0).all() and (tie[-3:] == -1).all() and (tie[400:900] == -1).any()
        # Every way the ties change: added, ended with leavers, and kept up or dissolved.
        net.add(rng.integers(0, net.n, 200), rng.integers(0, net.n, 200), 0.3, False, True)
        net.replace(np.arange(5, 60, 7), rng.integers(0, net.n, 50), rng.integers(0, net.n, 50), 0.2, True, False)
        net.contact_and_decay(draw_key(rng), np.ones(net.n), 12.0, 0.3, 1.5, 0.1, np.zeros(net.n, dtype=np.int64),
                              np.array([0.05]), 0.005, 0.1, 0.5, np.zeros(net.n, dtype=np.int64))


def test_find_in_small_networks_of_any_size_and_an_empty_one() -> None:
    rng = np.random.default_rng(1)
    small = TieNetwork(500)
    assert np.array_equal(small.find(np.array([1, 2]), np.array([2, 1])), [-1, -1])
    assert len(small.find(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))) == 0
    for size in (1, 2, 3, 7, 80):  # searches of every length, the smallest and largest keys among the pairs
        small.add(rng.integers(0, 500, size), rng.integers(0, 500, size), 0.5, False, False)
        i, j = pairs_to_look_up(small, rng)
        assert np.array_equal(small.find(i, j), numpy_find(small, i, j))


def test_strength_profile_is_bincount_over_the_ends_in_a_city(city: CommunityModel) -> None:
    net, pop = city.net, city.pop
    values = pop.lon_s + pop.lon_e
    good, close, wsum, wtotal = net.strength_profile(values, 0.5, 0.8, kin_weight=0.3)
    weight = net.w * np.where(net.kin, 0.3, 1.0)
    n = net.n

    def ends(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.bincount(net.a, x, minlength=n) + np.bincount(net.b, y, minlength=n)

    assert net.kin.any() and not net.kin.all()
    assert np.array_equal(wsum, ends(weight, weight))
    assert np.array_equal(wtotal, ends(values[net.b] * weight, values[net.a] * weight))
    assert np.array_equal(good, net.count_at_least(0.5)) and np.array_equal(close, net.count_at_least(0.8))


def test_venue_order_is_lexsort_with_ties_and_edge_values() -> None:
    rng = np.random.default_rng(2)
    for case in range(300):
        n = int(rng.integers(0, 400))
        venue = rng.integers(0, int(rng.integers(1, 30)), n)
        u = rng.random(n)
        if case % 3 == 0:
            u = np.round(u, 1)  # many equal numbers: kept in their order
        if case % 5 == 0 and n:
            u[rng.integers(0, n, 3)] = [0.0, 1.0, np.nextafter(1.0, 0)]  # the ends of the buckets
        order = np.lexsort((u, venue))
        who = rng.permutation(10 * n)[:n]
        got_who, got_venue = _by_venue_at_random(venue, u, who)
        assert np.array_equal(got_who, who[order]) and np.array_equal(got_venue, venue[order]), case
        assert np.array_equal(_by_venue_at_random(venue, u, np.arange(n))[0], order), case


def test_an_encounter_matches_the_numpy_formulation(city: CommunityModel) -> None:
    m, rng = city, np.random.default_rng(3)
    p, pop, net = m.p, m.pop, m.net
    who = rng.permutation(net.n)[:600]
    venue = rng.integers(0, 12, len(who))
    u = rng.random(len(who))
    order = np.lexsort((u, venue))
    got_who, got_venue = _by_venue_at_random(venue, u, who)
    assert np.array_equal(got_who, who[order]) and np.array_equal(got_venue, venue[order])
    # Pairs of attendees in turn, kept where at one venue.
    k = len(order) // 2
    a, b = who[order][0:2 * k:2], who[order][1:2 * k:2]
    same = venue[order][0:2 * k:2] == venue[order][1:2 * k:2]
    got_a, got_b = _venue_pairs(who[order], venue[order])
    assert np.array_equal(got_a, a[same]) and np.array_equal(got_b, b[same]) and got_a.dtype == who.dtype
    # Ties of pairs that are tied (a pair twice: strengthened once, as numpy's ``+=`` does) grow stronger.
    a = np.concatenate([a[same], net.a[:40], net.a[:1]])
    b = np.concatenate([b[same], net.b[:40], net.b[:1]])
    tie = net.find(a, b)
    found = tie >= 0
    w = net.w.copy()
    w[tie[found]] += p.tie_gain * (1 - w[tie[found]])
    known = np.zeros(len(a), dtype=bool)
    _strengthen(net.w, tie, p.tie_gain, known)
    assert np.array_equal(net.w, w) and np.array_equal(known, found) and found.sum() >= 41 and not found.all()
    # The chance that strangers start a tie.
    bridging = is_bridging(m, a, b)
    base = np.minimum(1, np.minimum(pop.good_ties[a], pop.good_ties[b]) / p.bridging_base)
    unlike = (pop.score[a] >= LONELY) != (pop.score[b] >= LONELY)
    chance = (p.new_tie_prob * np.where(bridging, base / p.homophily, 1.0)
              / np.where(unlike, p.loneliness_homophily, 1.0))
    got = _new_tie_chance(kernel_parameters(_ChanceParameters, p), a, b, bridging, pop.good_ties, pop.score)
    assert bridging.any() and not bridging.all() and unlike.any() and (base < 1).any()
    assert np.array_equal(got, chance)


def numpy_observe(m: CommunityModel) -> dict[str, np.ndarray]:
    """The formulation ``metrics.observe`` had: per-neighbourhood counts, then numpy's ratios (0 where none)."""
    pop, ini, k = m.pop, m.inits, m.n_nbh

    def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b > 0)

    residents = m.nbh_size.astype(float)
    waiting = np.bincount(pop.nbh, pop.case_state == CASE_WAITING, minlength=k)
    waited = np.bincount(pop.nbh, (m.week - pop.case_since) * (pop.case_state == CASE_WAITING), minlength=k)
    lonely = np.bincount(pop.nbh, pop.score >= LONELY, minlength=k)
    return {
        "waiting_per_team_fte": ratio(waiting, m.team_fte),
        "mean_wait_weeks": ratio(waited, waiting),
        "initiatives_per_1000": 1000 * ratio(np.bincount(ini.nbh, ini.alive & ~ini.taken_over, minlength=k),
                                             residents),
        "lonely_share": ratio(lonely, residents),
    }


def numpy_hire(m: CommunityModel, hiring: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The formulation the hiring rule had: hiring flags and the posts' FTE from ``metrics.observe``."""
    lev, norm, post = m.levers, m.p.wait_norm_weeks, m.hired_post
    wait = numpy_observe(m)["mean_wait_weeks"]
    hiring = np.where(wait > norm, True, np.where(wait < norm / 2, False, hiring))
    target = hiring * lev.capacity_response * m.team_fte
    fte = m.pro_fte[post] + (target - m.pro_fte[post]) / lev.capacity_lag_weeks
    fte[(target == 0) & (fte < 0.05)] = 0.0
    return hiring, fte


def test_observe_and_hiring_rule_match_the_numpy_formulation_when_waits_rise_and_fall(city: CommunityModel) -> None:
    m, rng = copy.deepcopy(city), np.random.default_rng(5)
    pop, mun = m.pop, m.municipality
    for _ in range(30):
        # Waits from none to far beyond the term, some neighbourhoods hiring already, some posts nearly empty.
        pop.case_state = np.where(rng.random(len(pop.nbh)) < rng.random() * 0.1, CASE_WAITING, pop.case_state)
        pop.case_since = m.week - rng.integers(0, rng.integers(1, 4 * int(m.p.wait_norm_weeks) + 2), len(pop.nbh))
        mun.hiring = rng.random(m.n_nbh) < 0.5
        m.pro_fte[m.hired_post] = rng.choice([0.0, 0.01, 0.5, 3.0], len(m.hired_post))
        if m.n_nbh > 1:  # a neighbourhood without team, or without anyone waiting: its ratios are 0
            m.team_fte[0] = 0.0 if m.team_fte[0] else 2.0
        want = numpy_observe(m)
        got = observe(m)
        assert list(got) == list(want) and all(np.array_equal(got[x], want[x]) for x in want)
        hiring, fte = numpy_hire(m, mun.hiring.copy())
        mun.hire_when_waits_are_long()
        assert np.array_equal(mun.hiring, hiring)
        assert np.array_equal(m.pro_fte[m.hired_post], fte)
        assert [m.professionals[i].fte for i in m.hired_post] == fte.tolist()


def test_meet_is_pairs_then_strengthening_in_the_network_and_in_the_started_ties(city: CommunityModel) -> None:
    m, rng = copy.deepcopy(city), np.random.default_rng(4)
    net, gain = m.net, m.p.tie_gain
    # Attendees who are tied (their pairs meet at one venue, so strengthen) and random ones.
    tied = rng.choice(len(net), 150, replace=False)
    who = np.concatenate([np.column_stack([net.a[tied], net.b[tied]]).ravel(), rng.permutation(net.n)[:500]])
    who = who.astype(np.int64)
    venue = np.concatenate([np.repeat(np.arange(150), 2), rng.integers(0, 8, 500) + 150])
    order = np.lexsort((np.concatenate([np.arange(300) / 300, rng.random(500)]), venue))
    who, venue = who[order], venue[order]
    a, b = _venue_pairs(who, venue)
    started = TieNetwork(net.n)
    started.add(a[-30:], b[-30:], 0.2, False, True)  # some pairs started a tie in an earlier encounter
    started.add(net.a[:5], net.b[:5], 0.2, False, True)  # and some that no pair of this encounter meets
    w, started_w = net.w.copy(), started.w.copy()
    known = np.zeros(len(a), dtype=bool)
    for ties, strengths in ((net, w), (started, started_w)):
        tie = numpy_find(ties, a, b)
        found = tie >= 0
        strengths[tie[found]] += gain * (1 - strengths[tie[found]])
        known |= found
    for start in (np.empty(0, dtype=np.int32), lower_starts(net.n, net.a)):  # by the keys, by the index
        net_w, new_w = net.w.copy(), started.w.copy()
        got_a, got_b = _meet(who, venue, net.a, start, net.b, net_w, started.a, started.b, new_w, gain)
        assert np.array_equal(got_a, a[~known]) and np.array_equal(got_b, b[~known])
        assert np.array_equal(net_w, w) and np.array_equal(new_w, started_w)
    assert (known[:150]).all() and known[-30:].all() and not known.all()


def test_start_ties_keeps_the_pairs_below_their_chance_and_counts_them(city: CommunityModel) -> None:
    m, rng = city, np.random.default_rng(7)
    p, pop = m.p, m.pop
    a, b = rng.integers(0, len(pop.nbh), (2, 3000))
    bridging = is_bridging(m, a, b)
    parameters = kernel_parameters(_ChanceParameters, p)
    chance = _new_tie_chance(parameters, a, b, bridging, pop.good_ties, pop.score)
    u = rng.random(len(a)) * 2 * chance.max()
    u[:5] = chance[:5]  # at the chance itself: not below it
    new = u < chance
    formed = np.arange(m.n_nbh, dtype=float)
    got = _start_ties(parameters, a, b, pop.age, pop.low_income, pop.good_ties, pop.score, u, pop.nbh, formed)
    assert all(np.array_equal(x, y) for x, y in zip(got, (a[new], b[new], bridging[new]), strict=True))
    assert np.array_equal(formed, np.arange(m.n_nbh) + np.bincount(pop.nbh[a[new]], minlength=m.n_nbh))
    assert new.any() and not new.all() and not new[:5].any()


@pytest.mark.parametrize("who", [[1, 3, 3], [4, 2], [0, 5, 9, 7]])
def test_ties_of_refuses_residents_out_of_order_or_twice(who: list[int]) -> None:
    with pytest.raises(ValueError, match="ascending order"):
        TieNetwork(10).ties_of(np.array(who))


def test_relational_shortfall_is_the_clipped_numpy_formulation() -> None:
    rng = np.random.default_rng(8)
    good = np.concatenate([rng.integers(0, 12, 500), [0, 0, 5, 3]])
    belonging = np.concatenate([rng.random(500) * 3, [0.0, 0.5, 0.0, 1.0]])
    desired = np.concatenate([rng.lognormal(1.5, 0.5, 500), [4.0, 0.5, 5.0, 4.0]])  # gaps of 1, below 0, 0 and 1/4
    want = np.clip(1 - (good + belonging) / desired, 0, 1)
    got = np.array([relational_shortfall(g, x, d) for g, x, d in zip(good, belonging, desired, strict=True)])
    assert np.array_equal(got, want) and (want == 0).any() and (want == 1).any() and ((want > 0) & (want < 1)).any()


def test_update_motivation_moves_relatedness_by_the_shortfall_as_numpy_did(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    p, pop = m.p, m.pop
    pop.relatedness = np.random.default_rng(9).random(len(pop.nbh))
    lacking = np.clip(1 - (pop.good_ties + p.relatedness_membership * (pop.member_of >= 0)) / pop.desired, 0, 1)
    want = pop.relatedness + p.motivation_rate * (1 - lacking - pop.relatedness)
    update_motivation(m)
    assert np.array_equal(pop.relatedness, want)


def test_add_ties_of_another_network_is_adding_its_merged_ties(city: CommunityModel) -> None:
    rng = np.random.default_rng(10)
    n = city.net.n
    other = TieNetwork(n)
    other.add(rng.integers(0, n, 200), rng.integers(0, n, 200), rng.random(200), rng.random(200) < 0.3, True)
    _ = other.a  # merged
    # Pending additions: new pairs, pairs tied in ``other`` already, self-loops and repeats.
    i = np.concatenate([rng.integers(0, n, 100), other.a[:20], [5, 7, 7]])
    j = np.concatenate([rng.integers(0, n, 100), other.b[:20], [5, 9, 9]])
    other.add(i, j, rng.random(len(i)), False, rng.random(len(i)) < 0.5)
    merged_first = copy.deepcopy(other)
    absorbed, eager = copy.deepcopy(city.net), copy.deepcopy(city.net)
    absorbed.add_ties_of(other)
    eager.add(merged_first.a, merged_first.b, merged_first.w, merged_first.kin, merged_first.bridging)
    assert other._pending  # not merged there
    for name in ("a", "b", "key", "w", "kin", "bridging"):
        assert np.array_equal(getattr(absorbed, name), getattr(eager, name)), name
    assert len(eager) > len(city.net)
