"""Round 13 wave 2, helper A2: informal help's asking pairs with who asks as bits (issue 19).

``tie_lookups._asking_pairs`` finds the ties whose higher end asks by a set of bits (32 residents a word) instead of
``asking`` itself. Its ties, askers, carers and count seen from the lower end must be those of their definition
(numpy, :func:`_asking_pairs_numpy`) on random networks, with the residents at the words' edges, nobody asking,
everyone asking, one resident and no ties.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_kernels_r10b import _network

from model.core.network import lower_starts
from model.core.tie_lookups import _asking_pairs


def _asking_pairs_numpy(asking: np.ndarray, free: np.ndarray, a: np.ndarray,
                        b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """What the kernel finds, by its definition: the ties seen from an asking lower end to a free higher end, in
    order, then from an asking higher end to a free lower end, in order; their askers, carers, and the first's count.
    """
    up, down = np.flatnonzero(asking[a] & free[b]), np.flatnonzero(asking[b] & free[a])
    return (np.concatenate([up, down]), np.concatenate([a[up], b[down]]).astype(np.int64),
            np.concatenate([b[up], a[down]]).astype(np.int64), len(up))


@pytest.mark.parametrize(("n", "ties"), [(1, 0), (2, 1), (31, 40), (32, 60), (33, 0), (33, 90), (65, 200),
                                         (1000, 3000), (4097, 12000)])
@pytest.mark.parametrize("ask_share", [0.0, 0.04, 0.5, 1.0])
def test_asking_pairs_are_those_of_the_definition(n: int, ties: int, ask_share: float) -> None:
    net = _network(n, ties, 7 * n + ties)
    rng = np.random.default_rng(n + int(100 * ask_share))
    start = lower_starts(n, net.a)
    for asking in (rng.random(n) < ask_share, np.arange(n) == n - 1, np.arange(n) % 32 == 31):
        for free in (rng.random(n) < 0.4, np.ones(n, dtype=np.bool_), ~asking):
            askers = np.flatnonzero(asking)
            expected = _asking_pairs_numpy(asking, free, net.a, net.b)
            got = _asking_pairs(start, askers, free, net.a, net.b)
            for x, y in zip(got[:3], expected[:3], strict=True):
                np.testing.assert_array_equal(x, y)
            assert got[3] == expected[3]
            if ties >= 200 and asking.sum() > 2 and free.sum() > 2:
                assert len(got[0])  # the cases are not all empty


def test_asking_pairs_without_residents() -> None:
    none = np.empty(0, dtype=np.int32)
    got = _asking_pairs(np.zeros(1, dtype=np.int32), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.bool_), none,
                        none)
    assert [len(x) for x in got[:3]] == [0, 0, 0] and got[3] == 0
