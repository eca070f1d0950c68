"""Round 13, helper C: the needs' kernels against the simple numpy formulation (issue 19).

Each changed kernel is compared bit for bit with numpy's rule (or the kernel it replaced, copied here) on random
inputs and the edge cases: no residents, one, every domain at either end.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.core.draws import integer, uniform
from model.core.state import _need_levels_of_all, need_level_of
from model.core.submodels.needs import _DIVERT, _VOLUNTEER, _EscalationParameters, divert_to_volunteers


def _numpy_need_levels(zrm: np.ndarray) -> np.ndarray:
    """``Population.need_level``'s rule in numpy: 4 minus the lowest of the nine life domains, within 0-3."""
    return np.clip(4 - zrm[:, :9].min(axis=1), 0, 3).astype(zrm.dtype)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 63, 64, 65, 1000, 100_003])
@pytest.mark.parametrize("order", ["F", "C"])
def test_need_levels_of_all_match_numpy(n: int, order: str) -> None:
    rng = np.random.default_rng(n)
    zrm = np.array(rng.integers(1, 6, (n, 11)), dtype=np.int8, order=order)
    zrm[rng.random((n, 11)) < 0.6] = 5  # most domains self-reliant, as in a city
    level = _need_levels_of_all(zrm)
    assert level.dtype == zrm.dtype
    np.testing.assert_array_equal(level, _numpy_need_levels(zrm))
    np.testing.assert_array_equal(need_level_of(zrm), _numpy_need_levels(zrm))


def test_need_levels_read_the_nine_domains_only() -> None:
    # Columns 9 and 10 (social network, participation) do not count; a domain at 1 is level 3, all at 5 level 0.
    zrm = np.full((4, 11), 5, dtype=np.int8, order="F")
    zrm[0, 9] = zrm[0, 10] = 1
    zrm[1, 8] = 1
    zrm[2, 0] = 3
    zrm[3, :9] = 4
    np.testing.assert_array_equal(_need_levels_of_all(zrm), [0, 3, 1, 0])


def _numpy_divert(p: tuple, key: np.uint64, who: np.ndarray, level: np.ndarray, diversion: np.ndarray,
                  nbh: np.ndarray, member_of: np.ndarray, strain: np.ndarray, care_given: np.ndarray,
                  helper: np.ndarray, diverted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``divert_to_volunteers``' rule in numpy (``tests/test_kernels_r8c.py``'s reference, on its own)."""
    n = len(level)
    ask = who[(level[who] <= 2) & (np.array([uniform(key, _DIVERT * n + i) for i in who]) < diversion[nbh[who]])]
    ask = ask.astype(np.int64)
    if not len(ask):
        return ask, ask
    free = (level <= 1) & (strain < p.carer_strain_limit) & (care_given < p.carer_capacity_hours)
    volunteers = np.flatnonzero((member_of >= 0) & free)
    bounds = np.searchsorted(nbh[volunteers], np.arange(len(diversion) + 1))
    lo, hi = bounds[nbh[ask]], bounds[nbh[ask] + 1]
    ask, lo, hi = ask[hi > lo], lo[hi > lo], hi[hi > lo]
    pick = np.array([integer(key, _VOLUNTEER * n + i, h - low) for i, low, h in zip(ask, lo, hi, strict=True)],
                    dtype=np.int64)
    chosen = volunteers[lo + pick]
    helper[ask] = chosen
    np.add.at(diverted, nbh[ask], 1)
    return ask, chosen


@pytest.mark.parametrize("case", ["city", "nobody_asks", "no_members", "nobody_free", "empty_neighbourhood",
                                  "one_resident", "everyone"])
def test_divert_to_volunteers_matches_numpy(case: str) -> None:
    rng = np.random.default_rng(len(case))
    sizes = {"one_resident": [1], "empty_neighbourhood": [300, 0, 500, 200]}.get(case, [400, 250, 350])
    n = sum(sizes)
    nbh = np.repeat(np.arange(len(sizes)), sizes).astype(np.int64)
    nbh_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    p = _EscalationParameters(0.1, 0.1, 0.1, 4, 0.5, 0.5, 2.0, 0.8, 10.0)
    level = rng.integers(0, 4, n).astype(np.int8)
    member_of = np.where(rng.random(n) < (0.0 if case == "no_members" else 0.3), rng.integers(0, 20, n), -1)
    strain = rng.random(n) * (2.0 if case == "nobody_free" else 1.0) + (1.0 if case == "nobody_free" else 0.0)
    care_given = rng.random(n) * 15
    diversion = rng.random(len(sizes)) if case != "everyone" else np.ones(len(sizes))
    who = np.flatnonzero(rng.random(n) < (0.0 if case == "nobody_asks" else 1.0 if case == "everyone" else 0.2))
    helper = np.where(rng.random(n) < 0.2, rng.integers(0, n, n), -1)
    for _ in range(3):
        key = np.uint64(rng.integers(0, 2 ** 63))
        expected_helper, helper_ = helper.copy(), helper.copy()
        expected_diverted, diverted = np.zeros(len(sizes)), np.zeros(len(sizes))
        expected = _numpy_divert(p, key, who, level, diversion, nbh, member_of, strain, care_given, expected_helper,
                                 expected_diverted)
        got = divert_to_volunteers(p, key, who, level, diversion, nbh, nbh_start, member_of, strain, care_given,
                                   helper_, diverted)
        for x, y in zip(got, expected, strict=True):
            np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(helper_, expected_helper)
        np.testing.assert_array_equal(diverted, expected_diverted)
    if case == "city":
        assert len(got[0]) > 10
