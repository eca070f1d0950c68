"""Round 13, helper C: the needs' kernels against the simple numpy formulation (issue 19).

Each changed kernel is compared bit for bit with numpy's rule (or the kernel it replaced, copied here) on random
inputs and the edge cases: no residents, one, every domain at either end.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.core.state import _need_levels_of_all, need_level_of


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
