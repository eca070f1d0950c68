"""The needs submodels drawing their own numbers (issue 19, round 8) against plain formulations of their rules.

Each reference below is the numpy formulation the submodel had before, given the numbers the kernel
draws (``draws.uniform`` and friends at the same positions of the same key): state, counters and the
model's generator must come out equal, bit for bit, on a real city and on edge cases.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from model import CommunityModel, Parameters
from model.core.city import is_bridging
from model.core.draws import draw_key, integer, poisson, uniform, weighted_sample
from model.core.state import CARE_TALENT, CASE_NONE, CASE_OPEN, CASE_WAITING, NO, need_level_of
from model.core.submodels.helpers import free_to_help, open_at_once, recover
from model.core.submodels.needs import (
    _ASK,
    _CASE_RECOVER,
    _CHOOSE,
    _CRISIS,
    _DESK,
    _DIVERT,
    _HELPED_RECOVER,
    _RENEGE,
    _SEEK,
    _VISITS,
    _VOLUNTEER,
    _WORSEN,
    _casework_and_visits,
    casework,
    escalate_needs,
    informal_help,
    refer,
)


def _stream(key: np.uint64, stream: int, n: int) -> np.ndarray:
    """The numbers of one stream of a kernel's key, as the kernel reads them (:mod:`model.core.draws`)."""
    return np.array([uniform(key, stream * n + i) for i in range(n)])


def _numpy_refer(m: CommunityModel, who: np.ndarray) -> None:
    """``refer`` as numpy wrote it before it was compiled."""
    who = who[m.pop.case_state[who] == CASE_NONE]
    m.pop.case_state[who] = CASE_WAITING
    m.pop.case_since[who] = m.week
    m.counters.referrals += np.bincount(m.pop.nbh[who], minlength=m.n_nbh)


def _informal_help_reference(m: CommunityModel) -> None:
    p, pop, net = m.p, m.pop, m.net
    n, key = len(pop), draw_key(m.rng)
    level = need_level_of(pop.zrm)
    idx = np.flatnonzero(pop.helper >= 0)
    tie = net.find(idx, pop.helper[idx])
    pop.helper[idx[~((level[idx] >= 1) & (tie >= 0) & (pop.strain[pop.helper[idx]] < 1))]] = NO
    ask_p = p.ask_rate * (1 - pop.reluctance) + p.prompted_ask * pop.prompted
    asking = (level >= 1) & (pop.helper < 0) & (_stream(key, _ASK, n) < ask_p)
    pop.prompted[:] = False
    if asking.any() and len(net):
        tie, ea, eb = net.directed(asking, free_to_help(m, level))
        u = np.array([uniform(key, _CHOOSE * n + 2 * t + (x != net.a[t])) for t, x in zip(tie, ea, strict=True)])
        score = net.w[tie] * (1 + p.care_talent_preference * pop.talents[eb, CARE_TALENT]) * u
        order = np.lexsort((-score, ea))
        first = np.r_[True, ea[order][1:] != ea[order][:-1]]
        pop.helper[ea[order][first]] = eb[order][first]
    helped = np.flatnonzero(pop.helper >= 0)
    care = np.bincount(pop.helper[helped], np.array(p.help_hours)[np.maximum(level[helped] - 1, 0)], minlength=n)
    pop.strain = np.clip(pop.strain + p.carer_strain_rate * care - p.strain_recovery_rate * pop.strain, 0, 1)
    unmet = (level >= 1) & (pop.helper < 0) & (pop.case_state != CASE_OPEN)
    pop.unmet_weeks = np.where(unmet, pop.unmet_weeks + 1, 0)
    pop.care_given = care
    recover(m, helped[_stream(key, _HELPED_RECOVER, n)[helped] < p.informal_recovery_rate])


def _escalate_needs_reference(m: CommunityModel) -> None:
    p, pop, counters = m.p, m.pop, m.counters
    n, key = len(pop), draw_key(m.rng)
    unmet = np.flatnonzero(pop.unmet_weeks > 0)
    worse = unmet[_stream(key, _WORSEN, n)[unmet] < p.deterioration_rate]
    dom = pop.zrm[worse, :9].argmin(axis=1)
    pop.zrm[worse, dom] = np.maximum(pop.zrm[worse, dom] - 1, 1)
    level = need_level_of(pop.zrm)
    waiting = np.flatnonzero(pop.case_state == CASE_WAITING)
    give_up = waiting[_stream(key, _RENEGE, n)[waiting] < p.renege_rate * (1.5 - pop.trust[waiting])]
    pop.case_state[give_up] = CASE_NONE
    pop.unmet_weeks[give_up] = 0
    counters.reneged += np.bincount(pop.nbh[give_up], minlength=m.n_nbh)
    acute = np.flatnonzero((level >= 3) & (pop.case_state != CASE_OPEN) & (pop.helper < 0))
    crisis = acute[_stream(key, _CRISIS, n)[acute] < p.crisis_rate]
    open_at_once(m, crisis)
    counters.crises += np.bincount(pop.nbh[crisis], minlength=m.n_nbh)
    pop.case_state[(pop.case_state == CASE_WAITING) & (level == 0)] = CASE_NONE
    escalated = (pop.case_state == CASE_NONE) & (((level >= 2) & (pop.unmet_weeks >= p.escalation_weeks))
                                                 | (level == 3))
    ask = (p.formal_ask_rate * (1 - p.formal_reluctance * pop.reluctance) * (0.5 + pop.trust)
           * np.where(level == 3, p.heavy_need_ask_factor, 1.0))
    asking = np.flatnonzero(escalated & (_stream(key, _DESK, n) < ask))
    # divert_to_volunteers
    diverted = asking[(level[asking] <= 2) & (_stream(key, _DIVERT, n)[asking] < m.levers.diversion[pop.nbh[asking]])]
    if len(diverted):
        volunteers = np.flatnonzero((pop.member_of >= 0) & free_to_help(m, level))
        bounds = np.searchsorted(pop.nbh[volunteers], np.arange(m.n_nbh + 1))
        lo, hi = bounds[pop.nbh[diverted]], bounds[pop.nbh[diverted] + 1]
        diverted, lo, hi = diverted[hi > lo], lo[hi > lo], hi[hi > lo]
        pick = np.array([integer(key, _VOLUNTEER * n + i, h - low) for i, low, h in zip(diverted, lo, hi, strict=True)],
                        dtype=np.int64)
        helper = volunteers[lo + pick]
        pop.helper[diverted] = helper
        m.net.add(diverted, helper, p.introduction_strength, False, is_bridging(m, diverted, helper))
        counters.diverted += np.bincount(pop.nbh[diverted], minlength=m.n_nbh)
    _numpy_refer(m, asking[~np.isin(asking, diverted)])


def _casework_reference(m: CommunityModel) -> None:
    p, pop, counters = m.p, m.pop, m.counters
    n, key = len(pop), draw_key(m.rng)
    open_ = np.flatnonzero(pop.case_state == CASE_OPEN)
    adequacy = np.minimum(1, (m.pro_hours[:, 0] - m.pro_bemoeizorg) / np.maximum(m.case_demand, 1e-9))
    chance = p.casework_recovery_rate * adequacy[pop.case_prof[open_]]
    recover(m, open_[_stream(key, _CASE_RECOVER, n)[open_] < chance])
    done = open_[need_level_of(pop.zrm, open_) <= 1]
    pop.case_state[done] = CASE_NONE
    pop.case_prof[done] = NO
    counters.cases_closed += np.bincount(pop.nbh[done], minlength=m.n_nbh)
    mean = np.bincount(m.pro_nbh, m.pro_bemoeizorg, minlength=m.n_nbh) / p.bemoeizorg_visit_hours
    visits = np.array([poisson(key, _VISITS * n + b, mean[b]) for b in range(m.n_nbh)])
    level = need_level_of(pop.zrm)
    hidden = np.flatnonzero((level >= 2) & (pop.case_state != CASE_OPEN) & (pop.helper < 0))
    found = []
    for b in np.flatnonzero(visits):
        in_b = hidden[pop.nbh[hidden] == b]
        if len(in_b):
            first = np.searchsorted(hidden, in_b[0])  # the place of the neighbourhood's first in ``hidden``
            found += list(in_b[weighted_sample(key, _SEEK * n + first, pop.reluctance[in_b] + 0.05, visits[b])])
    found = np.array(found, dtype=np.int64)
    open_at_once(m, found)
    counters.bemoeizorg_found += np.bincount(pop.nbh[found], minlength=m.n_nbh)


def _same_state(m: CommunityModel, twin: CommunityModel) -> None:
    for name, value in vars(m.pop).items():
        np.testing.assert_array_equal(value, getattr(twin.pop, name), err_msg=f"pop.{name}")
    for name, value in vars(m.counters).items():
        np.testing.assert_array_equal(value, getattr(twin.counters, name), err_msg=f"counters.{name}")
    for name in ("a", "b", "w", "kin", "bridging"):
        np.testing.assert_array_equal(getattr(m.net, name), getattr(twin.net, name), err_msg=f"net.{name}")
    np.testing.assert_array_equal(m.case_demand, twin.case_demand)
    assert m.rng.bit_generator.state == twin.rng.bit_generator.state, "one key a week from the model's generator"


@pytest.fixture(scope="module")
def city() -> CommunityModel:
    """A small city after a year, with help, waiting lists and open cases."""
    return CommunityModel(Parameters(n_residents=2000, burn_in_years=1, neighbourhoods_per_archetype=2), seed=6)


def _run_both(city: CommunityModel, submodel: object, reference: object, weeks: int = 6,
              p: Parameters | None = None, prepare: object = None) -> list[tuple[CommunityModel, CommunityModel]]:
    """Run the submodel and its reference on twins of ``city`` for some weeks (each after the model's own week)."""
    m = copy.deepcopy(city)
    m.p = p or m.p
    seen = []
    for _ in range(weeks):
        if prepare:
            prepare(m)  # every week: the model's steering sets the levers again
        m.counters.reset()  # this submodel's counts only
        twin, before = copy.deepcopy(m), copy.deepcopy(m)
        submodel(m)
        reference(twin)
        _same_state(m, twin)
        seen.append((before, copy.deepcopy(m)))
        m.step()
    return seen


def test_informal_help_is_its_rule_with_the_kernels_numbers(city: CommunityModel) -> None:
    asked = ended = recovered = 0
    for before, after in _run_both(city, informal_help, _informal_help_reference):
        asked += np.count_nonzero((before.pop.helper < 0) & (after.pop.helper >= 0))
        ended += np.count_nonzero((before.pop.helper >= 0) & (after.pop.helper < 0))
        recovered += np.count_nonzero((after.pop.zrm > before.pop.zrm).any(axis=1))
    assert min(asked, ended, recovered) > 5, (asked, ended, recovered)


def test_informal_help_with_nobody_asking_or_no_ties(city: CommunityModel) -> None:
    _run_both(city, informal_help, _informal_help_reference, weeks=1, p=replace(city.p, ask_rate=0.0, prompted_ask=0.0))

    def cut_ties(m: CommunityModel) -> None:
        m.net.replace(np.arange(len(m.pop)), *(np.empty(0, dtype=t) for t in (np.int64, np.int64, float, bool, bool)))

    (_, after), = _run_both(city, informal_help, _informal_help_reference, weeks=1, prepare=cut_ties)
    assert len(after.net) == 0 and not (after.pop.helper >= 0).any()


def test_escalate_needs_is_its_rule_with_the_kernels_numbers(city: CommunityModel) -> None:
    # Much diversion in some neighbourhoods, none in others, with many volunteers; many crises and give-ups.
    p = replace(city.p, crisis_rate=0.2, renege_rate=0.1, formal_ask_rate=0.5)

    def divert(m: CommunityModel) -> None:
        m.levers.diversion[:] = np.linspace(0, 1, m.n_nbh)
        m.pop.member_of[::4] = np.maximum(m.pop.member_of[::4], 0)

    counted = dict.fromkeys(("reneged", "crises", "diverted", "referrals"), 0.0)
    for _, after in _run_both(city, escalate_needs, _escalate_needs_reference, p=p, prepare=divert):
        for name in counted:
            counted[name] += getattr(after.counters, name).sum()
    assert min(counted.values()) > 5, counted


def test_escalate_needs_without_volunteers_or_anyone_at_the_desk(city: CommunityModel) -> None:
    def no_volunteers(m: CommunityModel) -> None:
        m.levers.diversion[:] = 1.0
        m.pop.member_of[:] = NO

    (_, after), = _run_both(city, escalate_needs, _escalate_needs_reference, weeks=1, prepare=no_volunteers)
    assert after.counters.diverted.sum() == 0 and after.counters.referrals.sum() > 0
    (_, after), = _run_both(city, escalate_needs, _escalate_needs_reference, weeks=1,
                            p=replace(city.p, formal_ask_rate=0.0, crisis_rate=0.0))
    assert after.counters.referrals.sum() == after.counters.crises.sum() == 0


def test_casework_is_its_rule_with_the_kernels_numbers(city: CommunityModel) -> None:
    # More bemoeizorg hours than usual, so that several neighbourhoods are visited each week.
    p = replace(city.p, bemoeizorg_visit_hours=0.5)
    found = closed = 0.0
    for _, after in _run_both(city, casework, _casework_reference, p=p):
        found += after.counters.bemoeizorg_found.sum()
        closed += after.counters.cases_closed.sum()
    assert found > 5 and closed > 5, (found, closed)


def test_casework_with_nobody_hidden_or_no_bemoeizorg(city: CommunityModel) -> None:
    def nobody_hidden(m: CommunityModel) -> None:
        m.pro_bemoeizorg[:] = 4.0
        m.pop.helper[:] = np.where(need_level_of(m.pop.zrm) >= 2, 0, m.pop.helper)  # everyone in need is helped

    (_, after), = _run_both(city, casework, _casework_reference, weeks=1, prepare=nobody_hidden)
    assert after.counters.bemoeizorg_found.sum() == 0

    def no_bemoeizorg(m: CommunityModel) -> None:
        m.pro_bemoeizorg[:] = 0.0

    (_, after), = _run_both(city, casework, _casework_reference, weeks=1, prepare=no_bemoeizorg)
    assert after.counters.bemoeizorg_found.sum() == 0


def test_bemoeizorg_finds_a_poisson_number_with_the_mean_of_its_hours() -> None:
    """With hidden residents to spare, the residents found a week are Poisson(hours / visit hours) per neighbourhood."""
    n, weeks = 200, 4000
    hours = np.array([3.0, 0.0, 7.5])  # three professionals: neighbourhoods 0, 0 and 1 (of two)
    pro_nbh = np.array([0, 0, 1])
    found = np.zeros((weeks, 2))
    for week in range(weeks):
        state = dict(case_state=np.zeros(n, np.int8), case_prof=np.full(n, NO), nbh=np.repeat([0, 1], n // 2),
                     helper=np.full(n, NO), closed=np.zeros(2), counted=np.zeros(2))
        got, _ = _casework_and_visits(np.uint64(week), 0.1, 2.0, np.zeros((3, 3)), hours, np.ones(3), pro_nbh,
                                      np.array([0, n // 2, n]), np.full((n, 11), 2, np.int8, order="F"),
                                      np.zeros(n, bool), state["case_state"], state["case_prof"], state["nbh"],
                                      state["helper"], np.linspace(0, 1, n), state["closed"], state["counted"])
        assert len(set(got)) == len(got)
        found[week] = state["counted"]
        np.testing.assert_array_equal(np.bincount(state["nbh"][got], minlength=2), state["counted"])
    mean = np.array([1.5, 3.75])
    # 4 standard errors of the mean and of the variance
    assert np.all(np.abs(found.mean(axis=0) - mean) < 4 * np.sqrt(mean / weeks))
    assert np.all(np.abs(found.var(axis=0) - mean) < 4 * mean * np.sqrt((2 + 1 / mean) / weeks))


@pytest.mark.parametrize("who", [[], [5], [3, 9, 9, 1500], list(range(0, 2000, 7))])
def test_refer_is_the_numpy_formulation(city: CommunityModel, who: list[int]) -> None:
    m, twin = copy.deepcopy(city), copy.deepcopy(city)
    who = np.array(who, dtype=np.int64)
    refer(m, who)
    _numpy_refer(twin, who)
    _same_state(m, twin)
    assert len(who) < 100 or 0 < m.counters.referrals.sum() < len(who)


def _sorted_sample(key: np.uint64, k0: int, weight: np.ndarray, size: int) -> np.ndarray:
    """Efraimidis-Spirakis by sorting every score (stably): what ``draws.weighted_sample`` keeps in order."""
    score = np.full(len(weight), -np.inf)
    for i in np.flatnonzero(weight > 0):
        score[i] = np.log(1.0 - uniform(key, k0 + i)) / weight[i]
    return np.argsort(-score, kind="mergesort")[:min(size, np.count_nonzero(weight > 0))]


def test_weighted_sample_is_the_sorted_scores() -> None:
    """The same positions in the same order, zero weights never, at most as many as weights are positive."""
    rng = np.random.default_rng(12)
    for t in range(400):
        n = int(rng.integers(0, 60))
        weight = rng.random(n) * (rng.random(n) < 0.7)  # zeros among them
        if t % 5 == 0:
            weight = np.round(weight, 1)  # equal weights
        size, k0 = int(rng.integers(0, 12)), int(rng.integers(0, 1000))
        np.testing.assert_array_equal(weighted_sample(np.uint64(t), k0, weight, size),
                                      _sorted_sample(np.uint64(t), k0, weight, size))
    assert len(weighted_sample(np.uint64(1), 0, np.zeros(5), 3)) == 0
