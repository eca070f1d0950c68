"""Round 10 wave 2, helper A: the changed kernels against their simple formulations (or the kernels before)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from model.core.network import TieNetwork, find_in_starts, find_keys, lower_starts
from model.core.state import PARTICIPATION, need_level_of
from model.core.submodels.helpers import relational_shortfall
from model.core.submodels.wellbeing import _motivation_step, _MotivationParameters
from model.core.tie_passes import _strong_by_group
from model.core.time import WEEKS_PER_YEAR


def _random_network(n: int, ties: int, rng: np.random.Generator) -> TieNetwork:
    net = TieNetwork(n)
    if n > 1 and ties:
        i, j = rng.integers(0, n, (2, ties))
        net.add(i, j, rng.random(ties), rng.random(ties) < 0.2, rng.random(ties) < 0.3)
    return net


@pytest.mark.parametrize(("n", "ties"), [(1, 0), (2, 1), (5, 0), (50, 3), (300, 1_000), (5_000, 20_000)])
def test_lower_starts_is_searchsorted_and_finds_what_find_keys_finds(n: int, ties: int) -> None:
    rng = np.random.default_rng(n + ties)
    net = _random_network(n, ties, rng)
    start = lower_starts(n, net.a)
    assert start.dtype == np.int32
    np.testing.assert_array_equal(start, np.searchsorted(net.a, np.arange(n + 1)))
    pairs = 3 * ties + 7
    i, j = rng.integers(0, n, (2, pairs))
    tied = rng.integers(0, max(len(net.a), 1), pairs)
    if len(net.a):  # a third of the pairs are ties, either way round; some are self-loops
        i[::3], j[::3] = net.b[tied[::3]], net.a[tied[::3]]
        i[1::3], j[1::3] = net.a[tied[1::3]], net.b[tied[1::3]]
    i[5::11] = j[5::11]
    np.testing.assert_array_equal(find_in_starts(i, j, start, net.b), find_keys(n, i, j, net.key))
    empty = np.empty(0, dtype=np.int64)
    assert len(find_in_starts(empty, empty, start, net.b)) == 0


def test_find_in_starts_in_an_empty_network() -> None:
    start = lower_starts(4, np.empty(0, dtype=np.int32))
    np.testing.assert_array_equal(start, np.zeros(5))
    got = find_in_starts(np.array([0, 1, 3]), np.array([1, 1, 2]), start, np.empty(0, dtype=np.int32))
    np.testing.assert_array_equal(got, [-1, -1, -1])


@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize(("n", "ties"), [(1, 0), (2, 1), (40, 100), (2_000, 9_000)])
def test_strong_by_group_is_the_numpy_count(n: int, ties: int, contiguous: bool) -> None:
    rng = np.random.default_rng(n + ties + contiguous)
    net = _random_network(n, ties, rng)
    n_groups = 4
    group = np.sort(rng.integers(0, n_groups, n)) if contiguous else rng.integers(0, n_groups, n)
    strong = net.w >= 0.5
    expected = (np.bincount(group[net.a[strong]], minlength=n_groups),
                np.bincount(group[net.a[strong & net.bridging]], minlength=n_groups))
    got = _strong_by_group(group, n_groups, net.a, net.w, net.bridging, 0.5)
    for x, y in zip(got, expected, strict=True):
        np.testing.assert_array_equal(x, y)


@numba.njit(cache=True)
def _motivation_step_before(p: tuple, rate: float, week: int, nbh: np.ndarray, member_of: np.ndarray,
                            core: np.ndarray, last_volunteered: np.ndarray, care_given: np.ndarray,
                            talents: np.ndarray, need: np.ndarray, strain: np.ndarray, good_ties: np.ndarray,
                            desired: np.ndarray, control: np.ndarray, taken_over: np.ndarray,
                            support_hours: np.ndarray, citizen_funded: np.ndarray, autonomy: np.ndarray,
                            competence: np.ndarray, relatedness: np.ndarray, zrm: np.ndarray) -> None:
    """``wellbeing._motivation_step`` before wave 2: with the need levels (``need_level_of``) passed in."""
    for i in range(len(nbh)):
        k = member_of[i]
        active = k >= 0
        g = max(k, 0)
        outside = control[nbh[i]] * (1.0 if active else p.control_felt_outside)
        felt = 1.0 if active & taken_over[g] else outside
        backed = active & ((support_hours[g] > 0) | citizen_funded[g])
        autonomy_t = p.autonomy_base - p.crowding * felt + p.support_autonomy * backed
        contributing = (week - last_volunteered[i] <= p.contribution_memory_weeks) | (care_given[i] > 0)
        n_talents = 0
        for j in range(talents.shape[1]):
            n_talents += talents[i, j]
        competence_t = (p.competence_base + p.competence_contributing * contributing
                        + p.competence_per_talent * n_talents
                        - p.competence_problem_penalty * ((need[i] >= 2) + strain[i]))
        autonomy[i] += rate * (min(max(autonomy_t, 0.0), 1.0) - autonomy[i])
        competence[i] += rate * (min(max(competence_t, 0.0), 1.0) - competence[i])
        lacking = relational_shortfall(good_ties[i], p.relatedness_membership * active, desired[i])
        relatedness[i] += rate * (1 - lacking - relatedness[i])
        zrm[i, PARTICIPATION] = 2 + (week - last_volunteered[i] < WEEKS_PER_YEAR) + active + core[i]


@pytest.mark.parametrize("n", [0, 1, 7, 3_000])
def test_motivation_step_reads_the_need_level_from_zrm_as_before(n: int) -> None:
    rng = np.random.default_rng(n)
    p = _MotivationParameters(relatedness_membership=1.0, control_felt_outside=0.3, autonomy_base=0.6, crowding=0.4,
                              support_autonomy=0.2, contribution_memory_weeks=26, competence_base=0.4,
                              competence_contributing=0.2, competence_per_talent=0.05,
                              competence_problem_penalty=0.15)
    slots = 5
    member_of = rng.integers(-1, slots, n)
    zrm = np.asfortranarray(rng.integers(1, 6, (n, 12)).astype(np.int8))
    inputs = (rng.integers(0, 3, n), member_of, rng.random(n) < 0.2, rng.integers(-60, 100, n),
              rng.random(n) * (rng.random(n) < 0.3), rng.random((n, 4)) < 0.3)
    rest = (rng.random(n), rng.integers(0, 9, n), rng.random(n) * 6, rng.random(3), rng.random(slots) < 0.3,
            rng.random(slots) * (rng.random(slots) < 0.5), rng.random(slots) < 0.3)
    state = (rng.random(n), rng.random(n), rng.random(n), zrm)
    before, after = [x.copy(order="K") for x in state], [x.copy(order="K") for x in state]
    _motivation_step_before(p, 0.1, 100, *inputs, need_level_of(zrm), *rest, *before)
    _motivation_step(p, 0.1, 100, *inputs, *rest, *after)
    for x, y in zip(after, before, strict=True):
        np.testing.assert_array_equal(x, y)
