"""Round 14, helper B: the kernels changed for speed give the same bits as the formulations they replace.

Recruiting lists the few pairs whose number is below every bound with a branch and reads their ties, recruiters and
recruits with the reads asked for early (:func:`_pair_ends`); compared with the plain-Python recruiting of the code
before (``test_kernels_r10c``) on random inputs at a small rate (few pairs below, far apart, as in a city) and a
large one (most pairs), edge cases included.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_kernels_r10c import _random_ties, random_sides, recruited_as_before

from model.core.network import _directed
from model.core.state import NO
from model.core.submodels.initiatives import _pair_ends, _recruiting_ties


@pytest.mark.parametrize(("n", "ties"), [(0, 0), (2, 1), (9, 20), (300, 900), (3000, 9000)])
def test_pair_ends_are_the_directed_pairs_ends(n: int, ties: int) -> None:
    rng = np.random.default_rng(3 * n + ties)
    a, b, member, open_to, side = random_sides(rng, n, ties)
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
        recruited += recruited_as_before(rng, a, b, member_of, core, slots, np.uint64(77 + week), rate)
    assert n < 4000 or recruited > 0, "recruiting was exercised"
