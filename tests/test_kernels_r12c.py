"""Round 12, helper C: the kernels changed this round give the same bits as the formulations before.

``ties._start_ties`` now tests and reads only the pairs whose number is below the highest chance; it is compared
with the formulation before (the bridging test and the chances of every pair, copied here) on random pairs and
numbers, with the default and other odds ratios (below 1 and NaN: no bound), numbers at the bound, no pairs and one.
Community work's samples search the running sums without dividing them all (``_first_shares_above``): compared with
``np.searchsorted`` of the cumulative shares, numbers at and next to every share included. The waiting lists of
``allocate_professional_time`` (``_waiting_order``) are compared with the ``np.lexsort`` they replace.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.core.city import _is_bridging
from model.core.submodels.helpers import _first_shares_above
from model.core.submodels.professionals import _waiting_order
from model.core.submodels.ties import _ChanceParameters, _new_tie_chance, _start_ties


def _start_ties_before(p: tuple, a: np.ndarray, b: np.ndarray, age: np.ndarray, low_income: np.ndarray,
                       good_ties: np.ndarray, score: np.ndarray, u: np.ndarray, nbh: np.ndarray,
                       formed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strangers who start a tie as the code before (29db26a) found them: every pair tested."""
    bridging = _is_bridging(a, b, age, low_income, nbh)
    new = u < _new_tie_chance(p, a, b, bridging, good_ties, score)
    np.add.at(formed, nbh[a[new]], 1)
    return a[new], b[new], bridging[new]


def _residents(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Age groups, low income, neighbourhoods, good ties and loneliness scores of ``n`` residents."""
    return (rng.integers(0, 4, n), rng.random(n) < 0.3, np.sort(rng.integers(0, 3, n)),
            rng.integers(0, 6, n).astype(float), rng.random(n) * 10)


@pytest.mark.parametrize("odds", [(0.1, 2.5, 2.0, 3.0), (0.1, 1.0, 1.0, 3.0), (0.3, 0.5, 2.0, 3.0),
                                  (0.1, 2.5, 0.7, 0.5), (0.2, np.nan, 2.0, 3.0), (0.0, 2.5, 2.0, 3.0),
                                  (1.0, 1.0, 1.0, 0.1)])
@pytest.mark.parametrize("pairs", [0, 1, 2, 5000])
def test_start_ties_gives_the_pairs_of_the_formulation_before(odds: tuple, pairs: int) -> None:
    rng = np.random.default_rng(pairs)
    n = 400
    age, low_income, nbh, good_ties, score = _residents(rng, n)
    p = _ChanceParameters(*odds)
    a, b = rng.integers(0, n, (2, pairs))
    u = rng.random(pairs) * min(2 * odds[0], 1.0)
    u[:pairs // 10] = odds[0]  # at the bound (new_tie_prob): never below a chance
    u[pairs // 10:pairs // 5] = np.nextafter(odds[0], 0)  # just below it
    formed, formed_before = np.zeros(3), np.zeros(3)
    got = _start_ties(p, a, b, age, low_income, good_ties, score, u, nbh, formed)
    want = _start_ties_before(p, a, b, age, low_income, good_ties, score, u, nbh, formed_before)
    assert all(np.array_equal(x, y) for x, y in zip(got, want, strict=True))
    assert got[0].dtype == a.dtype and got[2].dtype == np.bool_
    assert np.array_equal(formed, formed_before)
    if pairs == 5000 and odds[0] > 0 and not np.isnan(odds[1]):
        assert 0 < len(got[0]) < pairs


def test_start_ties_with_32_bit_ends_keeps_them() -> None:
    rng = np.random.default_rng(3)
    age, low_income, nbh, good_ties, score = _residents(rng, 50)
    a, b = rng.integers(0, 50, (2, 200)).astype(np.int32)
    p = _ChanceParameters(0.5, 2.5, 2.0, 3.0)
    u = rng.random(200)
    got = _start_ties(p, a, b, age, low_income, good_ties, score, u, nbh, np.zeros(3))
    want = _start_ties_before(p, a, b, age, low_income, good_ties, score, u, nbh, np.zeros(3))
    assert all(np.array_equal(x, y) for x, y in zip(got, want, strict=True)) and got[0].dtype == np.int32


@pytest.mark.parametrize("n", [1, 2, 3, 50, 25_000])
@pytest.mark.parametrize("zeros", [0.0, 0.5, 0.95])
def test_first_shares_above_is_the_search_of_the_cumulative_shares(n: int, zeros: float) -> None:
    rng = np.random.default_rng(n)
    for scale in (1.0, 1e-12, 1e9):
        w = rng.random(n) * (rng.random(n) >= zeros) * scale
        w[rng.integers(0, n)] = scale  # at least one positive chance (else never sampled)
        sums = np.cumsum(w)
        shares = sums / sums[-1]
        # random numbers, every share itself and its neighbours (the numbers are in [0, 1))
        x = np.concatenate([rng.random(500), [0.0, np.nextafter(1.0, 0)], shares[shares < 1],
                            np.nextafter(shares, 0), np.nextafter(shares[shares < 1], 1)])
        x = x[(x >= 0) & (x < 1)]
        assert np.array_equal(_first_shares_above(sums, x), np.searchsorted(shares, x, side="right"))
        assert np.array_equal(_first_shares_above(sums, x[:1]), np.searchsorted(shares, x[:1], side="right"))
        assert len(_first_shares_above(sums, x[:0])) == 0


def test_first_shares_above_with_equal_sums_and_a_share_rounding_to_a_number() -> None:
    # long runs of equal sums (zero chances) and shares that round onto the numbers searched
    sums = np.cumsum(np.array([0.1] * 3 + [0.0] * 1000 + [0.2] + [0.0] * 500 + [1e-17] + [0.3]))
    shares = sums / sums[-1]
    x = np.unique(np.concatenate([shares, np.nextafter(shares, 0), np.nextafter(shares, 1)]))
    x = x[x < 1]
    assert np.array_equal(_first_shares_above(sums, x), np.searchsorted(shares, x, side="right"))


@pytest.mark.parametrize("n_waiting", [0, 1, 2, 300, 20_000])
@pytest.mark.parametrize("weeks", [(0, 1), (-5, 40), (100, 700), (0, 2**40)])
@pytest.mark.parametrize("n_nbh", [1, 4, 97])
def test_waiting_lists_are_the_lexsort_by_neighbourhood_and_week(n_waiting: int, weeks: tuple, n_nbh: int) -> None:
    rng = np.random.default_rng(n_waiting + n_nbh)
    n = 2 * n_waiting + 3
    case_since = rng.integers(*weeks, n)
    nbh = rng.integers(0, n_nbh, n)  # in no order: the sort does not rely on residents stored by neighbourhood
    for stored in (False, True):
        if stored:
            nbh = np.sort(nbh)
        waiting = np.sort(rng.choice(n, n_waiting, replace=False)).astype(np.int64)
        order = _waiting_order(waiting, case_since, nbh, n_nbh)
        np.testing.assert_array_equal(order, np.lexsort((case_since[waiting], nbh[waiting])))
        assert order.dtype == np.int64
