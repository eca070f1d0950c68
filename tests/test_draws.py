"""The kernel draws of ``model/core/draws.py`` beyond uniform numbers: their distributions (fixed keys)."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.draws import POISSON_NORMAL_MEAN, draw_key, integer, poisson, weighted_sample

KEY = np.uint64(0x5EED)


@pytest.mark.parametrize("mean", [0.3, 4.0, 60.0, POISSON_NORMAL_MEAN * 1.5])
def test_poisson_has_the_mean_and_variance_of_its_distribution(mean: float) -> None:
    n = 100_000
    x = np.array([poisson(KEY, k, mean) for k in range(n)])
    # standard errors of the mean and of the variance (4 of them: a false alarm about once in 16,000)
    assert abs(x.mean() - mean) < 4 * np.sqrt(mean / n)
    assert abs(x.var() - mean) < 4 * mean * np.sqrt((2 + 1 / mean) / n)
    assert x.min() >= 0


def test_poisson_of_nothing_is_zero() -> None:
    assert poisson(KEY, 0, 0.0) == 0


def test_integer_takes_every_value_equally_often() -> None:
    counts = np.bincount([integer(KEY, k, 7) for k in range(70_000)], minlength=7)
    assert len(counts) == 7
    assert np.all(np.abs(counts - 10_000) < 4 * np.sqrt(10_000))


def test_weighted_sample_draws_one_by_one_in_proportion_to_the_weights_left() -> None:
    """First draws in proportion to the weights; the second in proportion to those left (successive sampling)."""
    w = np.array([1.0, 2.0, 3.0, 0.0, 4.0])
    n = 60_000
    first, second_after_4 = np.zeros(5), np.zeros(5)
    for t in range(n):
        s = weighted_sample(np.uint64(t), 0, w, 2)
        assert len(s) == 2 and s[0] != s[1] and 3 not in s
        first[s[0]] += 1
        if s[0] == 4:
            second_after_4[s[1]] += 1
    p = w / w.sum()
    assert np.all(np.abs(first / n - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-12)
    m = second_after_4.sum()
    q = np.array([1.0, 2.0, 3.0, 0.0, 0.0]) / 6
    assert np.all(np.abs(second_after_4 / m - q) < 4 * np.sqrt(q * (1 - q) / m) + 1e-12)


def test_weighted_sample_returns_at_most_the_positive_weights() -> None:
    assert sorted(weighted_sample(KEY, 3, np.array([0.0, 1.0, 0.0, 2.0]), 5)) == [1, 3]
    assert len(weighted_sample(KEY, 3, np.array([1.0, 1.0]), 0)) == 0


def test_a_key_is_the_generator_s_full_range_integer_and_leaves_it_the_same() -> None:
    """``draw_key`` gives what ``integers(0, 2**64, uint64)`` gave, and the generator goes on the same."""
    ours, numpy_s = np.random.default_rng(11), np.random.default_rng(11)
    for _ in range(10_000):
        key = draw_key(ours)
        assert isinstance(key, np.uint64) and key == numpy_s.integers(0, 2**64, dtype=np.uint64)
    assert ours.bit_generator.state == numpy_s.bit_generator.state
    assert ours.random() == numpy_s.random()
