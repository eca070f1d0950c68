"""Round 12, helper D: life_events' vectorised loops against the kernels they replace (issue 19).

Each kernel is compared bit for bit with the round-11 kernel (copied here as it was) on random inputs and the
edge cases: no residents, one, empty neighbourhoods, rates of 0 and 1, everyone or nobody in need. Informal
help's asking (drawn for everyone) is checked against its numpy rule by ``tests/test_kernels_r8c.py`` and its
asking pairs against ``network._directed`` by ``tests/test_kernels_r10b2.py``.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from model.core.draws import uniform
from model.core.state import LONELY, need_level_of
from model.core.submodels.helpers import recover_one
from model.core.submodels.needs import (
    _DOMAIN,
    _HOUSEHOLD,
    _RECOVER,
    _SHOCK,
    _households_and_shocks,
    _LifeParameters,
    _self_recovery,
)


@numba.njit(cache=True)
def _old_households_and_shocks(p: tuple, key: np.uint64, becoming_alone_rate: np.ndarray, alone_p: np.ndarray,
                               demand: np.ndarray, nbh: np.ndarray, age: np.ndarray, vulnerability: np.ndarray,
                               score: np.ndarray, alone: np.ndarray, zrm: np.ndarray) -> None:
    """Round 11's kernel: one loop per resident, the tables read at ``nbh[i], age[i]``."""
    n = len(nbh)
    oldest = np.array([1.0, p.shock_factor_75plus])
    lonely = np.array([1.0, p.lonely_shock_factor])
    start, end = np.empty(alone_p.shape), np.empty(alone_p.shape)
    for b in range(alone_p.shape[0]):
        for g in range(alone_p.shape[1]):
            a = alone_p[b, g]
            start[b, g], end[b, g] = becoming_alone_rate[g], becoming_alone_rate[g] * (1 - a) / a
    for i in range(n):
        r = uniform(key, _HOUSEHOLD * n + i)
        alone[i] = (alone[i] & ~(r < end[nbh[i], age[i]])) | (~alone[i] & (r < start[nbh[i], age[i]]))
        shock = (p.zrm_shock_rate * demand[nbh[i]] * (1 + (p.vulnerability_shock_factor - 1) * vulnerability[i])
                 * oldest[int(age[i] == 3)] * lonely[int(score[i] >= LONELY)])
        if uniform(key, _SHOCK * n + i) < shock:
            dom = int(uniform(key, _DOMAIN * n + i) * 9)
            zrm[i, dom] = max(zrm[i, dom] - 1, 1)


@numba.njit(cache=True)
def _old_self_recovery(key: np.uint64, level: np.ndarray, rate: float, zrm: np.ndarray, chronic: np.ndarray) -> None:
    """Round 11's kernel: those with a problem listed first, then only they draw."""
    n = len(level)
    found = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        found[k] = i
        k += level[i] >= 1
    recovering = 0
    for i in found[:k]:
        found[recovering] = i
        recovering += uniform(key, _RECOVER * n + i) < rate
    for i in found[:recovering]:
        recover_one(zrm, i, chronic)


def _residents(n: int, sizes: list[int], seed: int) -> dict[str, np.ndarray]:
    """Random residents stored by neighbourhood (``sizes`` a neighbourhood, some of them empty)."""
    rng = np.random.default_rng(seed)
    assert sum(sizes) == n
    zrm = np.asfortranarray(rng.integers(1, 6, size=(n, 11)).astype(np.int8))
    return {"nbh": np.repeat(np.arange(len(sizes)), sizes), "nbh_start": np.r_[0, np.cumsum(sizes)].astype(np.int64),
            "age": rng.integers(0, 4, n).astype(np.int8), "vulnerability": rng.random(n),
            "score": rng.integers(0, 12, n).astype(np.int8), "alone": rng.random(n) < 0.4, "zrm": zrm,
            "chronic": rng.random(n) < 0.2}


@pytest.mark.parametrize("sizes", [[0], [1], [0, 1, 0], [5, 0, 7], [1000, 1, 2500, 0, 1499], [3, 4, 2, 1]])
@pytest.mark.parametrize("shock_rate", [0.0, 0.05, 1.0])
def test_households_and_shocks_match_round_11(sizes: list[int], shock_rate: float) -> None:
    """Per neighbourhood in a vectorised loop: the same households and life domains, bit for bit."""
    n, k = sum(sizes), len(sizes)
    x = _residents(n, sizes, n + k)
    rng = np.random.default_rng(7)
    params = _LifeParameters(zrm_shock_rate=shock_rate, vulnerability_shock_factor=3.0, shock_factor_75plus=1.5,
                             lonely_shock_factor=2.0)
    becoming_alone, alone_p = rng.random(4) * 0.1, rng.uniform(0.05, 0.95, (k, 4))
    demand = rng.uniform(0.5, 2.0, k)
    for key in (np.uint64(3), np.uint64(2**63 + 11)):
        old_alone, old_zrm = x["alone"].copy(), x["zrm"].copy(order="F")
        new_alone, new_zrm = x["alone"].copy(), x["zrm"].copy(order="F")
        _old_households_and_shocks(params, key, becoming_alone, alone_p, demand, x["nbh"], x["age"],
                                   x["vulnerability"], x["score"], old_alone, old_zrm)
        _households_and_shocks(params, key, becoming_alone, alone_p, demand, x["nbh_start"], x["age"],
                               x["vulnerability"], x["score"], new_alone, new_zrm)
        np.testing.assert_array_equal(new_alone, old_alone)
        np.testing.assert_array_equal(new_zrm, old_zrm)
        if n >= 5000 and 0 < shock_rate < 1:  # exercised: households changed both ways, life events hit
            assert (new_alone != x["alone"]).any() and (new_zrm != x["zrm"]).any()


@pytest.mark.parametrize("n", [0, 1, 7, 1023, 5000])
@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0])
def test_self_recovery_matches_round_11(n: int, rate: float) -> None:
    """Everyone draws in a vectorised loop, those with a problem and the draw recover: the same life domains."""
    x = _residents(n, [n], n)
    for key, zrm in ((np.uint64(5), x["zrm"]), (np.uint64(99), np.asfortranarray(np.full((n, 11), 5, np.int8))),
                     (np.uint64(1), np.asfortranarray(np.ones((n, 11), np.int8)))):
        old, new = zrm.copy(order="F"), zrm.copy(order="F")
        _old_self_recovery(key, need_level_of(old), rate, old, x["chronic"])
        _self_recovery(key, rate, new, x["chronic"])
        np.testing.assert_array_equal(new, old)

