"""Round 10, helper C: the kernels rewritten for speed give the same bits as the formulations they replace.

Each kernel is compared with the simple formulation (numpy, or the code before as plain Python) on random
inputs, edge cases included (nothing, one element), bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import CommunityModel, Parameters
from model.core.draws import uniform
from model.core.metrics import _resident_counts, pairwise_sum
from model.core.network import _directed
from model.core.state import NO
from model.core.submodels.helpers import kernel_parameters
from model.core.submodels.initiatives import (
    _RECRUITABLE,
    _RECRUITER,
    _burn_out,
    _recruit,
    _recruiting_ties,
    _step_up,
    _volunteer_hours,
    _WeekParameters,
)
from model.core.submodels.venues import _WANT, _engage, _want_to_visit


def _uniforms(key: np.uint64, positions: np.ndarray) -> np.ndarray:
    """``uniform(key, k)`` for every position ``k`` of ``positions``."""
    return np.array([uniform(key, int(k)) for k in positions], dtype=float)


def _random_ties(rng: np.random.Generator, n: int, ties: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs ``a < b`` of ``n`` residents, sorted by ``a`` then ``b`` (as the network keeps them)."""
    if n < 2 or ties == 0:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int32)
    a, b = rng.integers(0, n, ties), rng.integers(0, n, ties)
    keep = a != b
    pairs = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)])[:, keep], axis=1)
    return pairs[0].astype(np.int32), pairs[1].astype(np.int32)


def random_sides(rng: np.random.Generator, n: int, ties: int) -> tuple[np.ndarray, ...]:
    """Random ties (one between the two residents when ``n`` is 2) and who recruits or may be recruited.

    Returns:
        The ties' ends ``a`` and ``b``, the members, those open to recruiting, and each resident's side.
    """
    a, b = _random_ties(rng, n, ties)
    if n == 2:
        a, b = np.array([0], dtype=np.int32), np.array([1], dtype=np.int32)
    member = rng.random(n) < 0.3
    open_to = ~member & (rng.random(n) < 0.7)
    side = np.where(member, _RECRUITER, np.where(open_to, _RECRUITABLE, 0)).astype(np.uint8)
    return a, b, member, open_to, side


@pytest.mark.parametrize(("n", "ties"), [(0, 0), (1, 0), (2, 1), (5, 3), (50, 120), (400, 2000)])
def test_recruiting_ties_are_the_directed_pairs_in_their_order(n: int, ties: int) -> None:
    rng = np.random.default_rng(n + ties)
    for _ in range(5):
        a, b, member, open_to, side = random_sides(rng, n, ties)
        tie, frm, to = _directed(a, b, member, open_to)
        up, down = _recruiting_ties(a, b, side)
        np.testing.assert_array_equal(np.concatenate([up, down]), tie)
        np.testing.assert_array_equal(np.concatenate([a[up], b[down]]), frm)
        np.testing.assert_array_equal(np.concatenate([b[up], a[down]]), to)


def _recruit_before(key: np.uint64, ea: np.ndarray, eb: np.ndarray, member_of: np.ndarray, core: np.ndarray,
                    members: np.ndarray, cores: np.ndarray, rate: float, homophily: float, size: np.ndarray,
                    motivation: np.ndarray, age: np.ndarray, low_income: np.ndarray, group_age: np.ndarray,
                    group_income: np.ndarray, nbh: np.ndarray, kind: np.ndarray, n_members: np.ndarray,
                    inclusion_demand: np.ndarray) -> None:
    """The recruiting of the code before, over ``network._directed``'s pairs, in plain Python."""
    for j in range(len(ea)):
        g, i = member_of[ea[j]], eb[j]
        inclusion = inclusion_demand[nbh[g]]
        similar = (age[i] == group_age[g]) & (low_income[i] == group_income[g])
        factor = 1.0 if similar else inclusion + (1 - inclusion) / homophily
        room = min(max(1 - n_members[g] / size[kind[g]], 0.0), 1.0)
        if uniform(key, j) < rate * motivation[i] * factor * room and member_of[i] < 0:
            member_of[i] = g
            members[g] += 1
            cores[g] += core[i]


def recruited_as_before(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, member_of: np.ndarray,
                        core: np.ndarray, slots: int, key: np.uint64, rate: float) -> int:
    """Draw the rest of a week's inputs, recruit with ``_recruit`` and with the rule before; assert the same outcome.

    Returns:
        How many residents were recruited (so that a test can show recruiting was exercised).
    """
    n = len(member_of)
    level = rng.integers(0, 4, n).astype(np.int8)
    motivation, age, low_income = rng.random(n), rng.integers(0, 4, n).astype(np.int8), rng.random(n) < 0.3
    group_age, group_income = rng.integers(0, 4, slots).astype(np.int8), rng.random(slots) < 0.3
    nbh, kind = rng.integers(0, 2, slots), rng.integers(0, 3, slots)
    size, inclusion = np.array([8, 15, 30]), np.array([0.0, 0.6])
    n_members = np.bincount(member_of[member_of >= 0], minlength=slots)
    member = member_of >= 0
    open_to = ~member & (level <= 2)
    side = np.where(member, _RECRUITER, np.where(open_to, _RECRUITABLE, 0)).astype(np.uint8)
    expected = [member_of.copy(), n_members.copy(), n_members * 0 + 1]
    _, ea, eb = _directed(a, b, member, open_to)
    _recruit_before(key, ea, eb, expected[0], core, expected[1], expected[2], rate, 2.0, size, motivation, age,
                    low_income, group_age, group_income, nbh, kind, n_members, inclusion)
    got = [member_of.copy(), n_members.copy(), n_members * 0 + 1]
    up, down = _recruiting_ties(a, b, side)
    _recruit(key, up, down, a, b, got[0], core, got[1], got[2], rate, 2.0, size, motivation, age, low_income,
             group_age, group_income, nbh, kind, n_members, inclusion)
    for x, y in zip(got, expected, strict=True):
        np.testing.assert_array_equal(x, y)
    return int(np.count_nonzero(got[0] != member_of))


@pytest.mark.parametrize("n", [0, 1, 3, 60, 500])
def test_recruiting_along_the_tie_lists_is_the_recruiting_before(n: int) -> None:
    rng = np.random.default_rng(7 + n)
    slots = 6
    recruited = 0
    for week in range(6):
        a, b = _random_ties(rng, n, 6 * n)
        member_of = np.where(rng.random(n) < 0.3, rng.integers(0, slots, n), NO).astype(np.int64)
        core = (member_of >= 0) & (rng.random(n) < 0.3) | (rng.random(n) < 0.05)  # some non-members flagged
        # a high rate, so that many pairs recruit and several reach the same resident
        recruited += recruited_as_before(rng, a, b, member_of, core, slots, np.uint64(1000 + week), 0.9)
    assert n < 60 or recruited > 0, "recruiting was exercised"


def _p(**overrides: float) -> tuple:
    return kernel_parameters(_WeekParameters, Parameters(**overrides))


def _volunteer_hours_numpy(lend: np.uint64, elsewhere: np.uint64, p: tuple, week: int, taken: np.ndarray,
                           end: np.ndarray, member_of: np.ndarray, core: np.ndarray, civic: np.ndarray,
                           motivation: np.ndarray, level: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The volunteering pass as numpy, in place as the kernel (``taken``/``end`` with one more slot, False)."""
    everyone = np.arange(len(core))
    g = member_of.copy()
    core &= ~(taken[g] | end[g])
    member_of[end[g]] = NO
    hours = p.core_hours * core
    hours = hours + p.member_help_hours * ((member_of >= 0) & ~core & (_uniforms(lend, everyone) < p.member_help_rate))
    chance = p.volunteer_rate * civic * motivation * (level <= 1)
    hours = hours + p.volunteer_hours_elsewhere * (_uniforms(elsewhere, everyone) < chance)
    last[hours > 0] = week
    return hours


@pytest.mark.parametrize("n", [0, 1, 7, 300])
@pytest.mark.parametrize("ending", [False, True])
def test_volunteering_hours_are_the_numpy_formulation(n: int, ending: bool) -> None:
    rng = np.random.default_rng(n + 11 * ending)
    p = _p(member_help_rate=0.4, volunteer_rate=0.5)
    slots = 5
    member_of = np.where(rng.random(n) < 0.4, rng.integers(0, slots, n), NO).astype(np.int64)
    core = (member_of >= 0) & (rng.random(n) < 0.4)
    civic, motivation, level = rng.random(n), rng.random(n), rng.integers(0, 4, n).astype(np.int8)
    last = rng.integers(-60, 3, n)
    taken, end = np.zeros(slots + 1, dtype=bool), np.zeros(slots + 1, dtype=bool)
    if ending:
        taken[1], end[3] = True, True
    a = [member_of.copy(), core.copy(), last.copy()]
    b = [member_of.copy(), core.copy(), last.copy()]
    got = _volunteer_hours(np.uint64(3), np.uint64(4), p, 5, taken, end, a[0], a[1], civic, motivation, level, a[2])
    expected = _volunteer_hours_numpy(np.uint64(3), np.uint64(4), p, 5, taken, end, b[0], b[1], civic, motivation,
                                      level, b[2])
    np.testing.assert_array_equal(got, expected)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    if ending and n >= 300:
        assert not (a[0] == 3).any() and not a[1][member_of == 1].any() and (a[0] == 1).any()


def _step_up_before(key: np.uint64, grant_key: np.uint64, rate: float, organiser_factor: float, leave: float,
                    short: np.ndarray, ending_grant: np.ndarray, member_of: np.ndarray, core: np.ndarray,
                    motivation: np.ndarray, organiser: np.ndarray, cores: np.ndarray) -> None:
    """Stepping up and leaving at a grant's end as the code before: one pass over every resident."""
    for i in range(len(member_of)):
        g = member_of[i]
        if short[g] and not core[i] and (
                uniform(key, i) < rate * motivation[i] * (1 + (organiser_factor - 1) * (1.0 * organiser[i]))):
            core[i] = True
            cores[g] += 1
        if ending_grant[g] and not core[i] and uniform(grant_key, i) < leave:
            member_of[i] = NO


@pytest.mark.parametrize("n", [0, 1, 9, 400])
def test_burning_out_then_stepping_up_over_the_ordinary_and_burnt_is_the_pass_over_everyone(n: int) -> None:
    rng = np.random.default_rng(50 + n)
    p = _p(burnout_rate=0.3, burnout_leave=0.5)
    slots = 6
    exercised = 0
    for week in range(4):
        member_of = np.where(rng.random(n) < 0.5, rng.integers(0, slots, n), NO).astype(np.int64)
        core = (member_of >= 0) & (rng.random(n) < 0.4)
        competence, nbh, motivation = rng.random(n), rng.integers(0, 2, n), rng.random(n)
        organiser = rng.random(n) < 0.3
        cores = np.bincount(member_of[core], minlength=slots)
        members = np.bincount(member_of[member_of >= 0], minlength=slots)
        ini_nbh, weeks_left = rng.integers(0, 2, slots), rng.integers(0, 3, slots)
        state = [member_of, core, competence, cores, members, np.zeros(2)]
        state = [x.copy() for x in state]
        ordinary, burnt = _burn_out(np.uint64(week), np.uint64(week + 100), p, state[0], state[1], state[2], nbh,
                                    np.array([1.0, 2.0]), np.array([0.0, 0.5]), ini_nbh, weeks_left,
                                    rng.random(slots) < 0.2, rng.random(slots), state[3], state[4], state[5])
        np.testing.assert_array_equal(ordinary, np.flatnonzero((member_of >= 0) & ~core))
        np.testing.assert_array_equal(burnt, np.flatnonzero(core & ~state[1]))
        short = np.append(rng.random(slots) < 0.7, False)
        ending = np.append(rng.random(slots) < 0.5, False)
        before = [state[0].copy(), state[1].copy(), state[3].copy()]
        _step_up_before(np.uint64(7), np.uint64(8), 0.5, 3.0, 0.6, short, ending, before[0], before[1], motivation,
                        organiser, before[2])
        _step_up(np.uint64(7), np.uint64(8), 0.5, 3.0, 0.6, short, ending, ordinary, burnt, state[0], state[1],
                 motivation, organiser, state[3])
        for x, y in zip((state[0], state[1], state[3]), before, strict=True):
            np.testing.assert_array_equal(x, y)
        exercised += len(burnt) + int(np.count_nonzero(state[1] & ~core))
    assert n < 400 or exercised > 0, "burning out and stepping up happened"


def test_resident_counts_on_small_and_empty_neighbourhoods() -> None:
    m = CommunityModel(Parameters(n_residents=500, burn_in_years=0.2), seed=3)
    pop = m.pop
    level = np.random.default_rng(1).integers(0, 4, len(pop.nbh)).astype(np.int8)
    arrays = (pop.score, pop.lon_s, pop.lon_e, pop.age, pop.good_ties, level, pop.helper, pop.case_state,
              pop.case_since, pop.care_given, pop.last_volunteered, pop.volunteer_hours, pop.member_of, pop.core)
    n = len(pop.nbh)
    # Neighbourhoods of 0, 1, 0, 8, 1 and the rest of the residents, in order.
    starts = np.array([0, 0, 1, 1, 9, 10, n])
    nbh = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    got = _resident_counts(starts, m.week, *arrays)
    whole = _resident_counts(np.array([0, n]), m.week, *arrays)
    assert got.shape == (6, whole.shape[1])
    np.testing.assert_array_equal(got.sum(axis=0), whole[0])
    for b in range(6):
        part = _resident_counts(np.array([0, starts[b + 1] - starts[b]]), m.week,
                                *(x[nbh == b] for x in arrays))
        np.testing.assert_array_equal(got[b], part[0])
    assert not got[0].any() and not got[2].any()
    empty = _resident_counts(np.array([0]), m.week, *(x[:0] for x in arrays))
    assert empty.shape == (0, whole.shape[1])


def test_pairwise_sum_is_numpys_sum_at_every_size_and_offset() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal(1200) * 10.0 ** rng.integers(-8, 9, 1200)
    for n in [*range(0, 40), 127, 128, 129, 135, 255, 256, 257, 263, 520, 1000, 1193]:
        for start in (0, 1, 5, 7):
            assert pairwise_sum(x, start, n) == x[start:start + n].sum(), (n, start)


@pytest.mark.parametrize("n", [0, 1, 10, 2000])
def test_who_wants_to_visit_is_the_numpy_formulation(n: int) -> None:
    rng = np.random.default_rng(n)
    nbh = np.sort(rng.integers(0, 4, n))
    has_place = np.array([True, False, True, True])
    act, autonomy, competence, relatedness = rng.random(n), rng.random(n), rng.random(n), rng.random(n)
    key = np.uint64(77)
    nbh_start = np.searchsorted(nbh, np.arange(5))
    visited = rng.integers(-1, 5, n)  # last week's places: all cleared
    got = _want_to_visit(key, 0.6, has_place, nbh_start, act, autonomy, competence, relatedness, visited)
    np.testing.assert_array_equal(visited, np.full(n, NO))
    motivation = (autonomy + competence + relatedness) / 3.0
    numbers = _uniforms(key, _WANT * n + np.arange(n))
    np.testing.assert_array_equal(got, np.flatnonzero(has_place[nbh] & (numbers < 0.6 * act * (0.5 + motivation))))
    assert got.dtype == np.int64


@pytest.mark.parametrize("n", [0, 1, 500])
def test_engagement_follows_attendance_as_before(n: int) -> None:
    rng = np.random.default_rng(n + 3)
    engagement = rng.random(n)
    place_att = np.sort(rng.choice(n, n // 5, replace=False)).astype(np.int64)
    init_att = np.sort(rng.choice(n, n // 4, replace=False)).astype(np.int64)  # some at both
    engaged = np.zeros(n)
    engaged[place_att] = 1.0
    engaged[init_att] = 1.0
    expected = engagement + 0.07 * (engaged - engagement)
    _engage(0.07, place_att, init_att, engagement)
    np.testing.assert_array_equal(engagement, expected)
