"""Round 9's newcomers (issue 19): their numbers drawn inside kernels realise the rule a plain formulation gives.

The reference is ``replace_residents`` as numpy wrote it before round 9 (``_numpy_draw_residents`` of
``tests/test_kernels_r7b.py`` for the residents, numpy for the pairs and ``_numpy_similar_neighbour``
for similar neighbours), run with a stand-in for numpy's generator that hands out, call by call, the
numbers the kernels take from their keys (:class:`_KernelNumbers`): given the same numbers, the same
city, bit for bit. The new draws of ``model.core.draws`` (normal, beta) are checked for their
distributions.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats
from test_kernels_r7b import _numpy_draw_residents, _numpy_similar_neighbour

from model import CommunityModel, Parameters
from model.core import city as city_module
from model.core.city import (
    _AGE,
    _ALONE,
    _CHRONIC,
    _CIVIC,
    _COUNT,
    _OWN_E,
    _OWN_S,
    _PAIRS,
    _POOR,
    _RELUCTANT,
    _SHARED,
    _STANDARD,
    _TALENTS,
    _VULNERABLE,
    _undo_leavers,
    share_disposition_with_kin,
)
from model.core.draws import beta, draw_key, integer, normal, poisson, subkey, uniform


class _KernelNumbers:
    """numpy's generator as the reference calls it, handing out the kernels' numbers of one week's newcomers.

    Each method checks that the reference asks for the kind and size of draw the kernels replaced, in
    the order it always drew them, and returns the numbers the kernels drew for it from their keys.
    """

    def __init__(self, who: np.ndarray, key: np.uint64, pairs_key: np.uint64, m: CommunityModel) -> None:
        p, n = m.p, len(m.pop)
        subs = [np.uint64(subkey(key, i)) for i in who]

        def each(place: int, draw=uniform, *args: float) -> np.ndarray:
            return np.array([draw(r, place, *args) for r in subs], dtype=float).reshape(len(who))

        talents = np.array([[uniform(r, _TALENTS + t) for t in range(5)] for r in subs]).reshape(len(who), 5)
        problems = np.array([[[uniform(r, _TALENTS + 5 + level * 9 + d) for d in range(9)] for r in subs]
                             for level in range(4)]).reshape(4, len(who), 9)
        counts = np.array([poisson(pairs_key, _COUNT * n + i, p.newcomer_ties) for i in who], dtype=np.int64)
        pair_subs = [(np.uint64(subkey(pairs_key, _PAIRS * n + i)), t) for i, c in zip(who, counts, strict=True)
                     for t in range(c)]
        stride = 3 + p.similar_search

        def pair(offset: int) -> np.ndarray:
            return np.array([uniform(r, t * stride + offset) for r, t in pair_subs])

        relatives = np.array([integer(r, t * stride + 2, n) for r, t in pair_subs], dtype=np.int64)
        candidates = np.array([[uniform(r, t * stride + 3 + x) for x in range(p.similar_search)]
                               for r, t in pair_subs]).reshape(len(pair_subs), p.similar_search)
        strength = pair(1)
        self.calls = [
            ("random", each(_AGE)), ("random", each(_ALONE)), ("random", each(_POOR)),
            ("beta", each(_VULNERABLE, beta, *p.vulnerability_beta)), ("random", each(_CHRONIC)),
            ("random", talents), ("random", problems),
            ("normal", each(_SHARED, normal)), ("normal", each(_OWN_S, normal)), ("normal", each(_OWN_E, normal)),
            ("normal", each(_STANDARD, normal)), ("normal", each(_RELUCTANT, normal)),
            ("beta", each(_CIVIC, beta, *p.civic_beta)),
            ("poisson", counts), ("random", pair(0)), ("integers", relatives), ("random", candidates),
            ("uniform", strength), ("uniform", strength),
        ]

    def _next(self, kind: str, size: int | tuple) -> np.ndarray:
        asked, numbers = self.calls.pop(0)
        assert asked == kind and numbers.shape == np.empty(size).shape, (kind, size, asked, numbers.shape)
        return numbers

    def random(self, size: int | tuple) -> np.ndarray:
        return self._next("random", size)

    def beta(self, a: float, b: float, size: int) -> np.ndarray:
        return self._next("beta", size)

    def normal(self, mean: float, sd: float, size: int) -> np.ndarray:
        z = self._next("normal", size)
        return z if (mean, sd) == (0, 1) else mean + sd * z

    def poisson(self, mean: float, size: int) -> np.ndarray:
        return self._next("poisson", size)

    def integers(self, low: int, high: int, size: int) -> np.ndarray:
        return self._next("integers", size)

    def uniform(self, low: float, high: float, size: int) -> np.ndarray:
        return low + (high - low) * self._next("uniform", size)


def _replace_residents_reference(m: CommunityModel, who: np.ndarray) -> None:
    """``replace_residents`` as numpy wrote it (commit d7762f7), with the kernels' numbers."""
    p, pop, net = m.p, m.pop, m.net
    key, pairs_key = draw_key(m.rng), draw_key(m.rng)
    numbers = _KernelNumbers(who, key, pairs_key, m)
    as_drawn = SimpleNamespace(p=p, rng=numbers, next_pid=m.next_pid, nbh_archetype=m.nbh_archetype,
                               age_cdf=m.age_cdf, alone_p=m.alone_p)
    drawn = _numpy_draw_residents(as_drawn, pop.nbh[who], True)
    for name, values in drawn.items():
        getattr(pop, name)[who] = values
    m.next_pid += len(who)
    gone, ties = _undo_leavers(who, net.a, net.b, pop.ties_lost, pop.helper)  # its own test: test_kernels_r7b.py
    rng = numbers
    src = np.repeat(who, rng.poisson(p.newcomer_ties, len(who)))
    kin = rng.random(len(src)) < p.kin_share
    relative = rng.integers(0, len(pop), len(src))
    similar = _numpy_similar_neighbour(m, src, rng.random((len(src), p.similar_search)))
    dst = np.where(kin, relative, similar)
    w = np.where(kin, rng.uniform(*p.kin_strength, len(src)), rng.uniform(*p.friend_strength, len(src)))
    bridging = (pop.age[src] != pop.age[dst]) | (pop.low_income[src] != pop.low_income[dst]) | (pop.nbh[src]
                                                                                              != pop.nbh[dst])
    net.replace(who, src, dst, w, kin, bridging, ties)
    share_disposition_with_kin(m, gone, initial=False)
    assert not numbers.calls, "every number the kernels drew was used"


def _same_city(m: CommunityModel, twin: CommunityModel) -> None:
    for name, value in vars(m.pop).items():
        if name == "desired":
            # The kernel's lognormal takes numba's exp (the C library's), the reference numpy's, whose vectorised
            # exp numpy picks by the CPU (with AVX-512 it rounds some last bits differently). Each is within a
            # unit in the last place of the exact value, so the two are within two units of each other.
            np.testing.assert_array_max_ulp(value, getattr(twin.pop, name), maxulp=2)
            continue
        np.testing.assert_array_equal(value, getattr(twin.pop, name), err_msg=f"pop.{name}")
    for name in ("a", "b", "key", "w", "kin", "bridging"):
        np.testing.assert_array_equal(getattr(m.net, name), getattr(twin.net, name), err_msg=f"net.{name}")
    assert m.next_pid == twin.next_pid
    assert m.rng.bit_generator.state == twin.rng.bit_generator.state, "two draws of the model's generator"


def _check(m: CommunityModel, who: np.ndarray) -> None:
    twin = copy.deepcopy(m)
    city_module.replace_residents(m, who)
    _replace_residents_reference(twin, who)
    _same_city(m, twin)


@pytest.fixture(scope="module")
def city() -> CommunityModel:
    """A small city after half a year, with help to undo and kin to resemble."""
    return CommunityModel(Parameters(n_residents=2000, burn_in_years=0.5, neighbourhoods_per_archetype=2), seed=9)


def test_newcomers_are_the_reference_rule_on_a_running_city(city: CommunityModel) -> None:
    """A year of weeks as life_events replaces leavers, then many at once, of every age and neighbourhood."""
    m = copy.deepcopy(city)
    leavers = []
    for _ in range(52):
        leaving = np.flatnonzero(np.random.default_rng(len(leavers)).random(len(m.pop)) < 0.003)
        leavers.append(len(leaving))
        _check(m, leaving)
        m.step()
    assert sum(leavers) > 200
    many = np.unique(np.concatenate([np.arange(0, 2000, 7), np.flatnonzero(m.pop.helper >= 0)[:30]]))
    _check(m, many)
    assert (m.pop.age[many] == 3).any() and m.pop.chronic[many].any() and m.pop.low_income[many].any()


@pytest.mark.parametrize("changes", [dict(newcomer_ties=0.0), dict(kin_share=0.0), dict(kin_share=1.0),
                                     dict(similar_search=1, newcomer_ties=9.0), dict(vulnerability_low_income=0.9)])
def test_newcomers_at_the_edges_of_their_parameters(city: CommunityModel, changes: dict) -> None:
    m = copy.deepcopy(city)
    m.p = replace(m.p, **changes)
    _check(m, np.arange(3, 2000, 11))


def test_nobody_leaving_and_one_leaver(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    _check(m, np.array([], dtype=np.int64))
    _check(m, np.array([1999]))


def test_normal_draws_are_standard_normal() -> None:
    """Mean 0, variance 1 and the share below each of five points, each within 4 standard errors."""
    n = 40_000
    z = np.array([normal(np.uint64(11), k) for k in range(n)])
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.var() - 1) < 4 * np.sqrt(2 / n)
    for x in (-2.0, -1.0, 0.0, 0.5, 1.5):
        share, expected = (z < x).mean(), stats.norm.cdf(x)
        assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / n)


@pytest.mark.parametrize("a, b", [(2.0, 6.0), (0.028, 0.052), (0.5, 3.0), (1.0, 1.0)])
def test_beta_draws_have_the_beta_distribution(a: float, b: float) -> None:
    """vulnerability_beta, civic_beta (both shapes below 1, much mass within 1e-16 of 0 and 1) and two others:
    the mean and the share below five quantiles of the Beta distribution, within 4 standard errors."""
    n = 40_000
    x = np.array([beta(np.uint64(5), k, a, b) for k in range(n)])
    assert np.all((x >= 0) & (x <= 1))
    mean, var = a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    assert abs(x.mean() - mean) < 4 * np.sqrt(var / n)
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        assert abs((x < stats.beta.ppf(q, a, b)).mean() - q) < 4 * np.sqrt(q * (1 - q) / n)
