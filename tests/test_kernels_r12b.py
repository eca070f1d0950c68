"""Round 12 (issue 19, helper B): the strength rows kept between calls; the trust pass without branches.

``TieNetwork.strength_rows`` hands out the same rows (``tie_passes.kept_rows``) at each call: every column it
fills must be filled anew each time, whatever the rows held before, and the rows must go with their network.
"""

from __future__ import annotations

import gc
import pickle
import weakref

import numpy as np
import pytest
from test_kernels_r10a import _network  # a random network of n residents, some kin, some bridging

from model.core.state import CASE_OPEN, CASE_WAITING
from model.core.submodels.wellbeing import _trust_step, _TrustParameters
from model.core.tie_passes import _KEPT, kept_rows


class _Owner:
    """Something to keep rows for (any object that a weak reference can name)."""


@pytest.mark.parametrize("width", [4, 8])
@pytest.mark.parametrize("n", [0, 1, 3, 1000])
def test_kept_rows_are_the_same_aligned_rows_for_one_owner(n: int, width: int) -> None:
    owner, other = _Owner(), _Owner()
    rows = kept_rows(owner, n, width)
    assert rows.shape == (n, width) and rows.dtype == np.float64 and rows.flags.c_contiguous
    assert n == 0 or rows.ctypes.data % (8 * width) == 0
    assert kept_rows(owner, n, width) is rows
    assert kept_rows(other, n, width) is not rows
    assert kept_rows(owner, n + 1, width).shape == (n + 1, width)  # another shape: new rows, kept from then on
    assert kept_rows(owner, n + 1, width) is kept_rows(owner, n + 1, width)


def test_kept_rows_go_with_their_owner() -> None:
    owner = _Owner()
    rows = weakref.ref(kept_rows(owner, 10, 8))
    assert rows() is not None and owner in _KEPT
    del owner
    gc.collect()
    assert rows() is None


@pytest.mark.parametrize(("n", "size", "seed"), [(0, 0, 1), (1, 0, 2), (2, 1, 3), (50, 400, 5), (3000, 9000, 6)])
def test_strength_rows_are_written_anew_at_each_call(n: int, size: int, seed: int) -> None:
    net = _network(n, size, seed)
    rng = np.random.default_rng(seed + 100)
    values, more = rng.uniform(0, 5, n), rng.uniform(0, 6, n)
    first, most_first = net.strength_rows(values, 0.5, 0.8, 0.3, more=more)
    expected = [x.copy() for x in first]
    for x in first:
        x[:] = np.nan  # what the last call left must not leak into the next
    second, most_second = net.strength_rows(values, 0.5, 0.8, 0.3, more=more)
    assert all(x is y for x, y in zip(second, first, strict=True)) and most_second == most_first
    assert all(np.array_equal(x, y) for x, y in zip(second, expected, strict=True))
    fresh, most_fresh = _network(n, size, seed).strength_rows(values, 0.5, 0.8, 0.3, more=more)
    assert most_fresh == most_first and all(np.array_equal(x, y) for x, y in zip(fresh, expected, strict=True))


def test_a_network_pickles_without_its_kept_rows() -> None:
    net = _network(3000, 9000, 6)
    values = np.random.default_rng(6).uniform(0, 11, 3000)
    len(net)  # the pending additions merged, as strength_rows merges them
    size = len(pickle.dumps(net))
    net.strength_rows(values, 0.5, 0.8)
    assert len(pickle.dumps(net)) == size  # not the 192 kB of rows besides
    copy = pickle.loads(pickle.dumps(net))
    assert np.array_equal(copy.strength_profile(values, 0.5, 0.8)[3], net.strength_profile(values, 0.5, 0.8)[3])


def _trust_reference(p: tuple, rate: float, week: int, nbh: np.ndarray, case_state: np.ndarray,
                     case_since: np.ndarray, member_of: np.ndarray, control: np.ndarray, citizen_funded: np.ndarray,
                     trust: np.ndarray) -> np.ndarray:
    """``wellbeing._trust_step`` in numpy: the new trust."""
    waiting_long = (case_state == CASE_WAITING) & (week - case_since > p.long_wait_weeks)
    active = member_of >= 0
    own_budget = active & citizen_funded[np.maximum(member_of, 0)]
    signal = (p.trust_base + p.trust_helped * (case_state == CASE_OPEN) - p.trust_waiting * waiting_long
              - p.trust_control * control[nbh] * active + p.trust_own_budget * own_budget)
    return trust + rate * (np.minimum(np.maximum(signal, 0.0), 1.0) - trust)


@pytest.mark.parametrize(("n", "seed"), [(0, 1), (1, 2), (1, 3), (5000, 4)])
def test_trust_step_is_its_numpy_formulation(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = _TrustParameters(long_wait_weeks=12, trust_base=0.5, trust_helped=0.2, trust_waiting=0.3, trust_control=0.25,
                         trust_own_budget=0.15)
    nbh, control = rng.integers(0, 4, n), rng.random(4) * 1.5  # the signal goes below 0 and above 1
    case_state = rng.integers(0, 3, n).astype(np.int8)
    case_since = rng.integers(-40, 60, n)
    member_of = np.where(rng.random(n) < 0.4, rng.integers(0, 7, n), -1)
    citizen_funded = rng.random(7) < 0.5
    trust = rng.random(n)
    args = (p, 0.3, 60, nbh, case_state, case_since, member_of, control, citizen_funded)
    expected = _trust_reference(*args, trust.copy())
    _trust_step(*args, trust)
    assert np.array_equal(trust, expected)
