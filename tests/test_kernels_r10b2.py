"""Round 10 wave 2, helper B: the needs kernels against the formulations they replace (issue 19).

Each kernel changed in this wave is compared, bit for bit, with what it replaces on random inputs and on
the edge cases: nobody, one resident, no ties. The submodels as a whole are compared with their rules on a
running city in ``tests/test_kernels_r8c.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_kernels_r10b import _network

from model.core.network import _directed, lower_starts
from model.core.tie_lookups import _asking_pairs, _leavers_ties


@pytest.mark.parametrize(("n", "ties"), [(1, 0), (2, 1), (5, 0), (50, 3), (200, 600), (3000, 9000)])
@pytest.mark.parametrize("ask_share", [0.0, 0.05, 0.5, 1.0])
def test_asking_pairs_are_the_directed_pairs_in_their_order(n: int, ties: int, ask_share: float) -> None:
    net = _network(n, ties, 3 * n + ties)
    rng = np.random.default_rng(n + int(100 * ask_share))
    asking = rng.random(n) < ask_share
    for free in (rng.random(n) < 0.6, np.ones(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_), ~asking):
        tie, frm, to = _directed(net.a, net.b, asking, free)
        got, asker, carer, n_up = _asking_pairs(lower_starts(n, net.a), np.flatnonzero(asking), free, net.a, net.b)
        np.testing.assert_array_equal(got, tie)
        np.testing.assert_array_equal(frm, np.r_[net.a[got[:n_up]], net.b[got[n_up:]]])
        np.testing.assert_array_equal(to, np.r_[net.b[got[:n_up]], net.a[got[n_up:]]])
        np.testing.assert_array_equal(asker, frm)  # the askers and carers returned are the pairs' ends
        np.testing.assert_array_equal(carer, to)


@pytest.mark.parametrize(("n", "ties"), [(1, 0), (2, 1), (5, 0), (50, 3), (200, 600), (3000, 9000)])
@pytest.mark.parametrize("share", [0.0, 0.01, 0.3, 1.0])
def test_leavers_ties_are_the_ties_of_them(n: int, ties: int, share: float) -> None:
    """The ties ``ties_of`` lists (a tie between two leavers twice), in any order; nobody, one, everyone leaving."""
    net = _network(n, ties, 5 * n + ties)
    rng = np.random.default_rng(n + int(1000 * share))
    for who in (np.flatnonzero(rng.random(n) < share), np.arange(min(n, 1)), np.arange(n - 1, n)):
        expected = net.ties_of(who)[1]
        got = _leavers_ties(n, who, net.a, net.b)
        np.testing.assert_array_equal(np.sort(got), np.sort(expected))
