"""Compiled passes of the needs submodels give, bit for bit, what their numpy formulations gave (issue 19, round 7)."""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import numpy as np
import pytest

from agents import Initiative, MeetingPlace, Resident
from model import CommunityModel, Parameters
from model.core import city as city_module
from model.core.city import _similar_neighbour
from model.core.state import CASE_OPEN, NO, need_level_of
from model.core.submodels.helpers import kernel_parameters
from model.core.submodels.needs import (
    _alone_with,
    _care_and_strain,
    _end_help,
    _HelpParameters,
)


def _numpy_need_level(zrm: np.ndarray) -> np.ndarray:
    """The need level of everyone as numpy computed it before it was one compiled call."""
    low = np.minimum(zrm[:, 0], zrm[:, 1])
    for j in range(2, 9):
        np.minimum(low, zrm[:, j], out=low)
    return np.clip(4 - low, 0, 3)


def test_everyones_need_level_is_the_numpy_formulation() -> None:
    rng = np.random.default_rng(7)
    for n, order in ((0, "F"), (1, "F"), (3000, "F"), (3000, "C")):
        # Scores 0-7 (outside ZRM's 1-5 too, so the clip at both ends counts), domains 10-11 lower still:
        # they are not life domains and must not count.
        zrm = np.asarray(rng.integers(0, 7, size=(n, 1)) + rng.integers(0, 2, size=(n, 11)), dtype=np.int8,
                         order=order)
        zrm[:, 9:] = 0
        got, numpy = need_level_of(zrm), _numpy_need_level(zrm)
        assert got.dtype == numpy.dtype == np.int8
        np.testing.assert_array_equal(got, numpy)
        assert n < 3000 or set(got) == {0, 1, 2, 3}


@pytest.fixture(scope="module")
def city() -> CommunityModel:
    """A small city after a year, with help, waiting lists and open cases."""
    return CommunityModel(Parameters(n_residents=2000, burn_in_years=1, neighbourhoods_per_archetype=2), seed=6)


def test_the_unhelped_with_a_need_are_the_numpy_formulation(city: CommunityModel) -> None:
    pop = city.pop
    level = need_level_of(pop.zrm)
    for least in (2, 3):
        got = _alone_with(least, level, pop.case_state, pop.helper)
        numpy = np.flatnonzero((level >= least) & (pop.case_state != CASE_OPEN) & (pop.helper < 0))
        assert got.dtype == np.int64 and len(numpy) > 0
        np.testing.assert_array_equal(got, numpy)


def test_informal_help_kernels_match_the_numpy_formulation(city: CommunityModel) -> None:
    m, rng = copy.deepcopy(city), np.random.default_rng(8)
    pop, net, n = m.pop, m.net, len(m.pop)
    level = need_level_of(pop.zrm)
    # Ending help: no tie to some helpers, strains of 1 and NaN among the carers.
    helper = pop.helper.copy()
    idx = np.flatnonzero(helper >= 0)
    tie = np.where(rng.random(len(idx)) < 0.2, -1, net.find(idx, helper[idx]))
    strain = pop.strain.copy()
    strain[helper[idx[::5]]] = 1.0
    strain[helper[idx[1::7]]] = np.nan
    keep = (level[idx] >= 1) & (tie >= 0) & (strain[helper[idx]] < 1)
    expected = helper.copy()
    expected[idx[~keep]] = NO
    _end_help(idx, tie, level, strain, helper)
    np.testing.assert_array_equal(helper, expected)
    assert keep.any() and not keep.all()
    # Care and strain: the residents helped come back with the hours.
    params = kernel_parameters(_HelpParameters, m.p)
    care, helped = _care_and_strain(params, np.array(m.p.help_hours, dtype=np.float64), level, pop.helper,
                                    pop.case_state, pop.strain, pop.unmet_weeks)
    np.testing.assert_array_equal(helped, np.flatnonzero(pop.helper >= 0))
    hours = np.array(m.p.help_hours)[np.maximum(level[helped] - 1, 0)]
    np.testing.assert_array_equal(care, np.bincount(pop.helper[helped], hours, minlength=n))
    assert len(helped) > 10


def _numpy_similar_neighbour(m: CommunityModel, who: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``city.similar_neighbour`` as numpy computed it, with its numbers ``u``."""
    pop = m.pop
    lo = m.nbh_start[pop.nbh[who]]
    size = m.nbh_size[pop.nbh[who]]
    cand = lo[:, None] + (u * size[:, None]).astype(np.int64)
    same_age = pop.age[cand] == pop.age[who][:, None]
    same = same_age & (pop.low_income[cand] == pop.low_income[who][:, None])
    pick = np.where(same.any(axis=1), same.argmax(axis=1), same_age.argmax(axis=1))
    return cand[np.arange(len(who)), pick]


def test_similar_neighbours_are_the_numpy_formulations(city: CommunityModel) -> None:
    pop, rng = city.pop, np.random.default_rng(10)
    who = rng.integers(0, len(pop), 400)
    for search in (1, 2, 5):  # with few looked at, many find nobody alike: the first of the same age, or the first
        u = rng.random((len(who), search))
        got = _similar_neighbour(who, u, city.nbh_start, city.nbh_size, pop.nbh, pop.age, pop.low_income)
        expected = _numpy_similar_neighbour(city, who, u)
        np.testing.assert_array_equal(got, expected)
        same_age = pop.age[got] == pop.age[who]
        assert same_age.any() and (search > 2 or not same_age.all())


def test_newcomers_ties_are_what_ties_of_finds(city: CommunityModel, monkeypatch: pytest.MonkeyPatch) -> None:
    m = copy.deepcopy(city)
    m.p = replace(m.p, newcomer_ties=6.0, kin_share=0.5)  # many ties a newcomer, kin among them, repeated pairs too
    seen, group = [], city_module._group_new_ties

    def compare(who: np.ndarray, tie: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        got = group(who, tie, a, b)
        for x, y in zip(got, m.net.ties_of(who), strict=True):
            np.testing.assert_array_equal(x, y)
        seen.append((len(who), len(got[1])))
        return got

    monkeypatch.setattr(city_module, "_group_new_ties", compare)
    rng = np.random.default_rng(11)
    for _ in range(5):
        # Leavers next to each other and tied to each other too, so newcomers are tied to newcomers.
        who = np.unique(np.concatenate([rng.integers(0, len(m.pop), 30), np.arange(100, 110)]))
        city_module.replace_residents(m, who)
    assert len(seen) == 5 and all(ties > 2 * who for who, ties in seen)


def _numpy_draw_residents(m: CommunityModel, nbh: np.ndarray, newcomers: bool) -> dict[str, np.ndarray]:
    """Residents as ``draw_residents`` drew them before its arithmetic was one compiled pass (commit 2926e3b)."""
    p, rng = m.p, m.rng
    n = len(nbh)
    pid = np.arange(m.next_pid, m.next_pid + n, dtype=np.int64)
    arch = [p.archetypes[a] for a in m.nbh_archetype]
    age = (rng.random(n)[:, None] > m.age_cdf[newcomers][nbh]).sum(axis=1).clip(0, 3).astype(np.int8)
    alone = rng.random(n) < m.alone_p[nbh, age]
    low_income = rng.random(n) < np.array([a.low_income_share for a in arch])[nbh]
    vulnerability = np.clip(rng.beta(*p.vulnerability_beta, n) + p.vulnerability_low_income * low_income
                            + p.vulnerability_75plus * (age == 3), 0, 1)
    chronic = (age == 3) & (rng.random(n) < p.chronic_share_75plus)
    talents = rng.random((n, 5)) < np.array(p.talent_prevalence)
    zrm = np.full((n, 11), 5, dtype=np.int8, order="F")
    proneness = 1 + (p.vulnerability_shock_factor - 1) * vulnerability
    hit = rng.random((4, n, 9)) < np.array(p.initial_problem_rates)[:, None, None] * proneness[None, :, None]
    zrm[:, :9] = np.where(hit, np.arange(4, 0, -1)[:, None, None], 5).min(axis=0)
    zrm[chronic, 7] = np.minimum(zrm[chronic, 7], 2)
    shared = rng.normal(0, 1, n)
    rho = p.disposition_correlation
    disp_s = p.disposition_sd * (math.sqrt(rho) * shared + math.sqrt(1 - rho) * rng.normal(0, 1, n))
    disp_e = p.disposition_sd * (math.sqrt(rho) * shared + math.sqrt(1 - rho) * rng.normal(0, 1, n))
    spread = p.desired_ties_spread
    desired = p.desired_ties_mean * np.exp(spread * rng.normal(0, 1, n) - spread ** 2 / 2)
    z, half = np.zeros(n), np.full(n, 0.5)
    return dict(
        pid=pid, nbh=nbh, age=age, alone=alone, low_income=low_income, vulnerability=vulnerability,
        chronic=chronic, talents=talents, zrm=zrm, reluctance=np.clip(rng.normal(p.reluctance_mean, p.reluctance_sd, n),
                                                                      0, 1),
        disp_s=disp_s, disp_e=disp_e, desired=desired, lon_s=z, lon_e=z, score=np.zeros(n, dtype=np.int8),
        autonomy=half, competence=half, relatedness=half, trust=half,
        civic=rng.beta(*p.civic_beta, n) * np.where(low_income, p.low_income_civic_factor, 1.0),
        member_of=np.full(n, NO), core=np.zeros(n, bool), helper=np.full(n, NO), care_given=z, strain=z,
        unmet_weeks=np.zeros(n, np.int64), case_state=np.zeros(n, np.int8), case_prof=np.full(n, NO),
        case_since=np.zeros(n, np.int64), last_volunteered=np.full(n, np.iinfo(np.int64).min // 2),
        volunteer_hours=z, visited=np.full(n, NO), engagement=z, prompted=np.zeros(n, bool),
        spotted=np.zeros(n, bool), good_ties=np.zeros(n, np.int64), ties_lost=np.zeros(n, np.int64),
    )


def test_drawn_residents_are_the_numpy_formulation(city: CommunityModel) -> None:
    """The initial city's residents (newcomers draw their numbers in a kernel: ``tests/test_kernels_r9f.py``)."""
    newcomers = False
    # Residents of every age and neighbourhood (chronic, poor, the 75+ among them), a repeated row too:
    # the last draw for a row stays, as numpy's assignment left it.
    m = copy.deepcopy(city)
    m.p = replace(m.p, vulnerability_low_income=0.6)  # vulnerabilities clipped at 1 too
    for who in (np.arange(len(m.pop)), np.array([5]), np.array([3, 9, 9, 1500]), np.array([], dtype=np.int64)):
        old, new = copy.deepcopy(m), copy.deepcopy(m)
        expected = _numpy_draw_residents(old, old.pop.nbh[who], newcomers)
        city_module.draw_residents(new, new.pop, who, newcomers)
        assert new.rng.bit_generator.state == old.rng.bit_generator.state
        assert new.next_pid == m.next_pid + len(who)
        for name, values in expected.items():
            got = getattr(new.pop, name)
            assert got.dtype == values.dtype, name
            # The last of a repeated row: numpy's fancy assignment writes in order.
            last = {row: k for k, row in enumerate(who)}
            np.testing.assert_array_equal(got[list(last)], values[list(last.values())], err_msg=name)
        if len(who) == len(m.pop):  # the edge cases were there
            assert (new.pop.vulnerability == 1).any() and new.pop.chronic.any() and (new.pop.zrm[:, 7] == 2).any()


def test_bridging_is_the_numpy_formulation(city: CommunityModel) -> None:
    pop, rng = city.pop, np.random.default_rng(5)
    for k in (0, 1, 5000):
        i, j = rng.integers(0, len(pop), k), rng.integers(0, len(pop), k)
        expected = (pop.age[i] != pop.age[j]) | (pop.low_income[i] != pop.low_income[j]) | (pop.nbh[i] != pop.nbh[j])
        got = city_module.is_bridging(city, i, j)
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == bool and (k < 5000 or 0 < got.sum() < k)


def test_undoing_leavers_is_the_numpy_formulation(city: CommunityModel) -> None:
    # Leavers tied to each other and helping each other too: those ties and that help are not counted.
    pop, net = city.pop, city.net
    gone = np.unique(np.concatenate([np.flatnonzero(pop.helper >= 0)[:20], pop.helper[pop.helper >= 0][:40],
                                     np.arange(100, 140)]))
    _, ties = net.ties_of(gone)
    lost, helper = pop.ties_lost.copy(), pop.helper.copy()
    found, found_ties = city_module._undo_leavers(gone[::-1], net.a, net.b, lost, helper)  # in any order
    np.testing.assert_array_equal(found, gone)
    np.testing.assert_array_equal(np.sort(found_ties), np.sort(ties))  # the same ties, in another order since r10
    left = np.zeros(len(pop), dtype=bool)
    left[gone] = True
    ends = np.concatenate([net.a[ties], net.b[ties]])
    expected_lost, expected_helper = pop.ties_lost.copy(), pop.helper.copy()
    np.add.at(expected_lost, ends[~left[ends]], 1)
    expected_helper[(expected_helper >= 0) & left[expected_helper]] = NO
    np.testing.assert_array_equal(lost, expected_lost)
    np.testing.assert_array_equal(helper, expected_helper)
    assert (lost > pop.ties_lost).any() and (helper != pop.helper).any() and left[ends].sum() > len(ties)


def test_resident_agents_are_registered_in_row_order(city: CommunityModel) -> None:
    residents = list(city.agents_by_type[Resident])
    assert [r.idx for r in residents] == list(range(len(city.pop)))
    # The first agents of the model, their ids in row order; meeting places and initiative slots after them.
    assert [r.unique_id for r in residents] == [a.unique_id for a in list(city.agents)[:len(city.pop)]]
    assert residents[-1].unique_id + 1 == min(a.unique_id for a in city.agents_by_type[MeetingPlace])
    assert len(city.agents_by_type[Initiative]) == len(city.inits)
