"""Compiled passes of the needs submodels give, bit for bit, what their numpy formulations gave (issue 19, round 7)."""

from __future__ import annotations

import numpy as np

from model.core.state import need_level_of


def _numpy_need_level(zrm: np.ndarray) -> np.ndarray:
    """The need level of everyone as numpy computed it before it was one compiled call."""
    low = np.minimum(zrm[:, 0], zrm[:, 1])
    for j in range(2, 9):
        np.minimum(low, zrm[:, j], out=low)
    return np.clip(4 - low, 0, 3)


def test_everyones_need_level_is_the_numpy_formulation() -> None:
    rng = np.random.default_rng(7)
    for n, order in ((0, "F"), (1, "F"), (3000, "F"), (3000, "C")):
        # Scores 0-7 (outside ZRM's 1-5 too, so the clip at both ends counts), domains 10-11 lower still:
        # they are not life domains and must not count.
        zrm = np.asarray(rng.integers(0, 7, size=(n, 1)) + rng.integers(0, 2, size=(n, 11)), dtype=np.int8,
                         order=order)
        zrm[:, 9:] = 0
        got, numpy = need_level_of(zrm), _numpy_need_level(zrm)
        assert got.dtype == numpy.dtype == np.int8
        np.testing.assert_array_equal(got, numpy)
        assert n < 3000 or set(got) == {0, 1, 2, 3}
