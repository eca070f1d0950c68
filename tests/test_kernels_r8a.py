"""Round 8's community-work kernel (issue 19) realises its rule with the numbers a plain formulation takes.

The reference below is ``community_work`` as a loop over neighbourhoods in numpy, as before round 8, with
each of its numpy draws replaced by the draw of ``model.core.draws`` at the kernel's position (computed
here one by one in Python; the weighted samples by numpy's ``choice`` algorithm in numpy with those
numbers): given the same key, the kernel must give the same state, bit for bit. The kernel's weighted
sample is checked on its own for the distribution of successive sampling.
"""

from __future__ import annotations

import copy

import numpy as np

from model import CommunityModel, Parameters
from model.core.city import _similar_neighbour, is_bridging
from model.core.draws import draw_key, integer, poisson, subkey, uniform
from model.core.state import LONELY, need_level_of
from model.core.submodels.needs import refer
from model.core.submodels.professionals import (
    _INVITE,
    _JOIN,
    _PER_NBH,
    _SIMILAR,
    _hidden_demand,
    _outreach_chances,
    _successive_sample,
    community_work,
    reach_chances,
)


def _sample(key: np.uint64, k: int, items: np.ndarray, size: int, weight: np.ndarray) -> np.ndarray:
    """numpy's ``choice(items, size, replace=False, p=weight)`` algorithm with the numbers of ``subkey(key, k)``."""
    sub, p, found, t = np.uint64(subkey(key, k)), weight.astype(float), [], 0
    size = min(size, np.count_nonzero(weight > 0))
    while len(found) < size:
        cdf = np.cumsum(p)
        cdf /= cdf[-1]
        x = np.array([uniform(sub, t + j) for j in range(size - len(found))])  # the numbers one after another
        t += len(x)
        for i in cdf.searchsorted(x, side="right"):
            if i not in found:
                found.append(i)
        p[found] = 0
    return items[np.array(found, dtype=np.int64)]


def _community_work_reference(m: CommunityModel) -> None:
    p, pop, ini = m.p, m.pop, m.inits
    key, n = draw_key(m.rng), len(pop)
    hours = np.bincount(m.pro_nbh, m.pro_hours[:, 2], minlength=m.n_nbh)[:, None] * m.levers.community_split
    m.community_hours = hours
    disrupted = m.week - m.municipality.switched_week < p.switch_disruption_weeks
    effective = hours * np.where(disrupted, 1 - p.switch_disruption, 1.0)[:, None]
    living = np.flatnonzero(ini.alive & ~ini.taken_over)
    ini.support_hours[:] = 0
    introduced = []
    for b in range(m.n_nbh):
        lo, hi = m.nbh_start[b], m.nbh_start[b + 1]
        residents = np.arange(lo, hi)
        inits_b = living[ini.nbh[living] == b]
        target = m.levers.targeting[b]
        at = _PER_NBH * n + 6 * b  # the neighbourhood's numbers: three counts, then three samples
        k = poisson(key, at, effective[b, 0] * p.introductions_per_hour)
        lonely = residents[pop.score[lo:hi] >= LONELY]
        if k and len(lonely):
            weight = reach_chances(pop.engagement[lonely], 1 / (1 + pop.good_ties[lonely]), target)
            who = _sample(key, at + 3, lonely, k, weight)
            if len(inits_b):
                for i in who[pop.member_of[who] < 0]:
                    pop.member_of[i] = inits_b[integer(key, _JOIN * n + i, len(inits_b))]
            else:
                introduced.append(who)
            pop.prompted[who] = True
        parts = ini.support_weight[inits_b]
        if parts.sum() > 0:
            ini.support_hours[inits_b] = effective[b, 1] * parts / parts.sum()
        k = poisson(key, at + 1, effective[b, 2] * p.spotting_per_hour)
        if k:
            weight = reach_chances(pop.engagement[lo:hi], pop.vulnerability[lo:hi], target)
            who = _sample(key, at + 4, residents, k, weight)
            who = who[pop.talents[who].any(axis=1)]
            pop.spotted[who] = True
            pop.competence[who] = np.minimum(1, pop.competence[who] + p.spotting_competence_gain)
            if len(inits_b):
                for i in who[pop.member_of[who] < 0]:
                    pop.member_of[i] = inits_b[integer(key, _INVITE * n + i, len(inits_b))]
        k = poisson(key, at + 2, effective[b, 3] * p.outreach_per_hour)
        if k:
            weight = _outreach_chances(pop.vulnerability[lo:hi], p.outreach_targeting)
            who = _sample(key, at + 5, residents, k, weight)
            hidden, referred = _hidden_demand(who, need_level_of(pop.zrm, who), pop.case_state, pop.helper)
            refer(m, referred)
            pop.prompted[hidden] = True
            m.counters.outreach_found[b] += len(hidden)
    if introduced:
        who = np.concatenate(introduced)
        subkeys = [np.uint64(subkey(key, _SIMILAR * n + i)) for i in who]
        u = np.array([[uniform(sub, y) for y in range(p.similar_search)] for sub in subkeys])
        other = _similar_neighbour(who, u, m.nbh_start, m.nbh_size, pop.nbh, pop.age, pop.low_income)
        m.net.add(who, other, p.introduction_strength, False, is_bridging(m, who, other))


def _same_state(m: CommunityModel, twin: CommunityModel) -> None:
    for part in ("pop", "inits"):
        for name, value in vars(getattr(m, part)).items():
            np.testing.assert_array_equal(value, getattr(getattr(twin, part), name), err_msg=f"{part}.{name}")
    for name, value in vars(m.counters).items():
        np.testing.assert_array_equal(value, getattr(twin.counters, name), err_msg=f"counters.{name}")
    np.testing.assert_array_equal(m.community_hours, twin.community_hours)
    np.testing.assert_array_equal(m.net.key, twin.net.key)
    np.testing.assert_array_equal(m.net.w, twin.net.w)
    np.testing.assert_array_equal(m.net.bridging, twin.net.bridging)
    assert m.rng.bit_generator.state == twin.rng.bit_generator.state, "one draw of the model's generator"


def _check(m: CommunityModel) -> tuple[int, int]:
    """Community work on ``m`` and on a copy by the reference: the same state. Returns referrals and new ties."""
    twin, ties, referrals = copy.deepcopy(m), len(m.net), int(m.counters.referrals.sum())
    community_work(m)
    _community_work_reference(twin)
    _same_state(m, twin)
    return int(m.counters.referrals.sum()) - referrals, len(m.net) - ties


def _city(seed: int, **changes: float) -> CommunityModel:
    return CommunityModel(Parameters(n_residents=1500, burn_in_years=0.3, neighbourhoods_per_archetype=2,
                                     outreach_per_hour=0.5, introductions_per_hour=1.0, **changes), seed=seed)


def test_community_work_is_the_reference_rule_on_a_running_city() -> None:
    referred = joined = 0
    for seed in range(2):
        m = _city(seed, founding_rate=0.0015)  # ten times the default: initiatives to join within the short burn-in
        for _ in range(4):
            members = int((m.pop.member_of >= 0).sum())
            referred += _check(m)[0]
            joined += int((m.pop.member_of >= 0).sum()) - members
            m.step()
    assert referred and joined, "referrals and joining initiatives were exercised"


def test_community_work_without_initiatives_introduces_similar_neighbours() -> None:
    m = _city(2)
    m.inits.alive[:] = False
    assert _check(m)[1] > 0, "introductions to neighbours were exercised"


def test_community_work_with_nobody_lonely_and_zero_outreach_weights() -> None:
    m = _city(3, outreach_targeting=0.0)
    m.pop.score[:] = 0
    m.pop.vulnerability[::2] = 1.0  # outreach weight 1 + (0 - 1) * 1 = 0: never visited
    prompted = m.pop.prompted.copy()
    _check(m)
    assert not (m.pop.prompted & ~prompted)[::2].any()


def test_community_work_in_an_empty_neighbourhood() -> None:
    m = _city(4)
    lo, hi = m.nbh_start[0], m.nbh_start[1]
    m.pop.nbh[lo:hi] = 1  # neighbourhood 1 takes neighbourhood 0's residents; 0 keeps its initiatives
    m.nbh_start[1] = lo
    m.nbh_size = np.diff(m.nbh_start)
    _check(m)
    assert m.counters.outreach_found[0] == 0


def test_successive_sample_draws_one_by_one_in_proportion_to_the_weights_left() -> None:
    """First draws in proportion to the weights; the second in proportion to those left; zero weights never."""
    w = np.array([1.0, 2.0, 3.0, 0.0, 4.0])
    n = 40_000
    first, second_after_4 = np.zeros(5), np.zeros(5)
    for t in range(n):
        s = _successive_sample(np.uint64(t), 7, w, 3)
        assert len(s) == 3 and len(set(s)) == 3 and 3 not in s
        first[s[0]] += 1
        if s[0] == 4:
            second_after_4[s[1]] += 1
    expected = w / w.sum()
    # 4 standard errors of a share (a false alarm about once in 16,000 per share)
    assert np.all(np.abs(first / n - expected) <= 4 * np.sqrt(expected * (1 - expected) / n))
    m = second_after_4.sum()
    left = np.array([1.0, 2.0, 3.0, 0.0, 0.0]) / 6
    assert np.all(np.abs(second_after_4 / m - left) <= 4 * np.sqrt(left * (1 - left) / m))
    assert sorted(_successive_sample(np.uint64(1), 0, w, 9)) == [0, 1, 2, 4]  # at most the positive weights
    assert len(_successive_sample(np.uint64(1), 0, w, 0)) == 0
