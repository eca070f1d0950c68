"""Round 14, helper B: the kernels changed for speed give the same bits as the formulations they replace.

Recruiting lists the few pairs whose number is below every bound with a branch and reads their ties, recruiters and
recruits with the reads asked for early (:func:`_pair_ends`); compared with the plain-Python recruiting of the code
before (``test_kernels_r10c``) on random inputs at a small rate (few pairs below, far apart, as in a city) and a
large one (most pairs), edge cases included.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_kernels_r10c import _random_ties, _recruit_before

from model.core.network import _directed
from model.core.state import NO
from model.core.submodels.initiatives import _RECRUITABLE, _RECRUITER, _pair_ends, _recruit, _recruiting_ties


@pytest.mark.parametrize(("n", "ties"), [(0, 0), (2, 1), (9, 20), (300, 900), (3000, 9000)])
def test_pair_ends_are_the_directed_pairs_ends(n: int, ties: int) -> None:
    rng = np.random.default_rng(3 * n + ties)
    a, b = _random_ties(rng, n, ties)
    if n == 2:
        a, b = np.array([0], dtype=np.int32), np.array([1], dtype=np.int32)
    member = rng.random(n) < 0.3
    open_to = ~member & (rng.random(n) < 0.7)
    side = np.where(member, _RECRUITER, np.where(open_to, _RECRUITABLE, 0)).astype(np.uint8)
    _, frm, to = _directed(a, b, member, open_to)
    up, down = _recruiting_ties(a, b, side)
    for share in (0.0, 0.01, 0.5, 1.0):  # none, a few far apart, half, every pair
        few = np.flatnonzero(rng.random(len(frm)) < share)
        recruiter, recruit = _pair_ends(few, up, down, a, b)
        np.testing.assert_array_equal(recruiter, frm[few])
        np.testing.assert_array_equal(recruit, to[few])


@pytest.mark.parametrize("n", [0, 1, 2, 40, 4000])
@pytest.mark.parametrize("rate", [0.02, 0.9])
def test_recruiting_is_the_recruiting_before(n: int, rate: float) -> None:
    rng = np.random.default_rng(17 + n)
    slots = max(9, n // 10)  # initiatives with room to recruit
    recruited = 0
    for week in range(4):
        a, b = _random_ties(rng, n, 5 * n)
        member_of = np.where(rng.random(n) < 0.25, rng.integers(0, slots, n), NO).astype(np.int64)
        core = (member_of >= 0) & (rng.random(n) < 0.3)
        level = rng.integers(0, 4, n).astype(np.int8)
        motivation, age, low_income = rng.random(n), rng.integers(0, 4, n).astype(np.int8), rng.random(n) < 0.3
        group_age, group_income = rng.integers(0, 4, slots).astype(np.int8), rng.random(slots) < 0.3
        nbh, kind = rng.integers(0, 2, slots), rng.integers(0, 3, slots)
        size, inclusion = np.array([8, 15, 30]), np.array([0.0, 0.6])
        n_members = np.bincount(member_of[member_of >= 0], minlength=slots)
        member = member_of >= 0
        open_to = ~member & (level <= 2)
        side = np.where(member, _RECRUITER, np.where(open_to, _RECRUITABLE, 0)).astype(np.uint8)
        key = np.uint64(77 + week)
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
        recruited += int(np.count_nonzero(got[0] != member_of))
    assert n < 4000 or recruited > 0, "recruiting was exercised"
