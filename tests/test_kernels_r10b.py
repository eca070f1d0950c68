"""Round 10, helper B: the needs kernels with their branches taken out, against plain formulations (issue 19).

Each kernel changed in this round is compared, bit for bit, with the simple numpy (or plain Python)
formulation of what it did before, on random inputs and on the edge cases: nobody, one resident, no ties.
The submodels as a whole are compared with their rules on a running city in ``tests/test_kernels_r8c.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import Parameters
from model.core.city import _mix_all_with_kin, _mix_with_kin
from model.core.draws import uniform
from model.core.network import TieNetwork, find_in_starts, find_ties, lower_starts
from model.core.state import CASE_OPEN, NO, need_level_of
from model.core.submodels.helpers import kernel_parameters, recover_one
from model.core.submodels.needs import (
    _RECOVER,
    _care_and_strain,
    _HelpParameters,
    _self_recovery,
)


def _network(n: int, ties: int, seed: int) -> TieNetwork:
    """A random network of ``n`` residents with about ``ties`` ties (some residents with none)."""
    rng = np.random.default_rng(seed)
    net = TieNetwork(n)
    if n > 1 and ties:
        net.add(rng.integers(0, n, ties), rng.integers(0, n, ties), rng.random(ties), False, False)
    return net


@pytest.mark.parametrize(("n", "ties"), [(1, 0), (2, 1), (5, 0), (50, 3), (200, 600), (3000, 9000)])
def test_help_ties_are_find_ties(n: int, ties: int) -> None:
    """The ties of ongoing help by ``network.find_in_starts``, as ``informal_help`` finds them: helpers who are
    tied, not tied, and a resident's only or last tie; nobody helped; one helped."""
    net = _network(n, ties, 7 * n + ties)
    rng = np.random.default_rng(n)
    helper = np.full(n, NO, dtype=np.int64)
    if len(net.a):  # half the ties carry help (from either end), the others' ends are helped by strangers
        e = rng.choice(len(net.a), len(net.a) // 2 + 1, replace=False)
        flip = rng.random(len(e)) < 0.5
        helper[np.where(flip, net.a[e], net.b[e])] = np.where(flip, net.b[e], net.a[e])
    stranger = rng.random(n) < 0.2
    helper[stranger] = rng.integers(0, n, stranger.sum())
    helper[helper == np.arange(n)] = NO
    for helped in (np.flatnonzero(helper >= 0), np.empty(0, dtype=np.int64), np.flatnonzero(helper >= 0)[:1]):
        np.testing.assert_array_equal(find_in_starts(helped, helper[helped], lower_starts(n, net.a), net.b),
                                      find_ties(helped, helper[helped], net.a, net.b))


def _random_zrm(n: int, rng: np.random.Generator) -> np.ndarray:
    zrm = np.asfortranarray(rng.integers(1, 6, (n, 11)).astype(np.int8))
    zrm[rng.random(n) < 0.5, :9] = 5  # half without a problem
    return zrm


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0])
def test_self_recovery_is_one_pass_with_and(n: int, rate: float) -> None:
    rng = np.random.default_rng(n)
    zrm, chronic = _random_zrm(n, rng), rng.random(n) < 0.3
    key = np.uint64(12345 + n)
    level = need_level_of(zrm)
    expected = zrm.copy()
    for i in range(n):  # the formulation before
        if level[i] >= 1 and uniform(key, _RECOVER * n + i) < rate:
            recover_one(expected, i, chronic)
    _self_recovery(key, rate, zrm, chronic)
    np.testing.assert_array_equal(zrm, expected)


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
def test_care_and_strain_is_the_numpy_formulation(n: int) -> None:
    rng = np.random.default_rng(n + 1)
    p = kernel_parameters(_HelpParameters, Parameters())
    help_hours = np.array(Parameters().help_hours, dtype=np.float64)
    level = need_level_of(_random_zrm(n, rng))
    helper = np.where(rng.random(n) < 0.3, rng.integers(0, max(n, 1), n), NO)
    case_state = rng.integers(0, 3, n).astype(np.int8)
    strain, unmet = rng.random(n), rng.integers(0, 5, n)
    helped = np.flatnonzero(helper >= 0)
    care = np.bincount(helper[helped], help_hours[np.maximum(level[helped] - 1, 0)], minlength=n)
    new_strain = np.clip(strain + p.carer_strain_rate * care - p.strain_recovery_rate * strain, 0.0, 1.0)
    new_unmet = np.where((level >= 1) & (helper < 0) & (case_state != CASE_OPEN), unmet + 1, 0)
    got_care, got_helped = _care_and_strain(p, help_hours, level, helper, case_state, strain, unmet)
    np.testing.assert_array_equal(got_care, care)
    np.testing.assert_array_equal(got_helped, helped)
    np.testing.assert_array_equal(strain, new_strain)
    np.testing.assert_array_equal(unmet, new_unmet)


@pytest.mark.parametrize(("n", "ties", "kin_share"), [(1, 0, 0.5), (2, 1, 1.0), (50, 0, 0.5), (300, 900, 0.0),
                                                      (300, 900, 0.4), (2000, 6000, 1.0)])
def test_mixing_everyone_with_kin_is_the_mixing_over_ties_of(n: int, ties: int, kin_share: float) -> None:
    """The initial city's pass over the ties against :func:`_mix_with_kin` over ``ties_of`` everyone."""
    rng = np.random.default_rng(n + ties)
    net = TieNetwork(n)
    if ties:
        net.add(rng.integers(0, n, ties), rng.integers(0, n, ties), rng.random(ties), rng.random(ties) < kin_share,
                False)
    disp_s, disp_e = rng.normal(0, 1, n), rng.normal(0, 1, n)
    expected_s, expected_e = disp_s.copy(), disp_e.copy()
    everyone = np.arange(n)
    start, tie = net.ties_of(everyone)
    _mix_with_kin(everyone, start, tie, net.a, net.b, net.kin, True, 0.3, expected_s, expected_e)
    _mix_all_with_kin(net.a, net.b, net.kin, 0.3, disp_s, disp_e)
    np.testing.assert_array_equal(disp_s, expected_s)
    np.testing.assert_array_equal(disp_e, expected_e)
