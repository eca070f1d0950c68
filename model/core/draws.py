"""Random numbers drawn inside compiled kernels, reproducibly from the model's generator (issue 19).

A submodel that hands its kernel arrays of numpy draws pays for making the arrays and for the numpy
calls; a kernel that draws its own numbers pays for neither. Such a kernel gets one **key** per call
from the model's numpy generator (:func:`draw_key`: one 64-bit integer, so the model's generator
advances by exactly one draw per kernel call whatever the kernel draws), and its *k*-th number of
the call is :func:`uniform` ``(key, k)``: SplitMix64 (Steele, Lea and Flood 2014, "Fast splittable
pseudorandom number generators"; the generator of Java's ``SplittableRandom`` and the seeder of the
xoshiro generators) evaluated at position ``k`` of the Weyl sequence that starts at ``key``.

Why this design:

- *Same seed, same results*: the key comes from the model's generator, and a number depends on the
  key and its position only: not on the process, the thread, numba's cache, or what ran before. A
  kernel writes its positions as ``k = stream * n + i`` (its ``stream``-th kind of draw for resident
  ``i`` of ``n``), so each resident's numbers do not depend on the order of the loop either.
- *Not numba's own generator* (``np.random.seed`` in a kernel): its state is one Mersenne Twister per
  thread shared by every compiled function that draws, so any other kernel drawing between seeding and
  use would change the numbers; and its seed is 32 bits (``numba_rnd_init`` takes an unsigned int), so
  a 64-bit key would be cut to 4 billion streams. A key here is all 64 bits.
- *Quality*: SplitMix64's output passes BigCrush; its sequences for two keys overlap only if the keys
  lie within the length of a call on the Weyl sequence, a chance of about ``2 n / 2**64`` per pair of
  calls (below one in a million over a thousand runs of a million-resident city), and an overlap would
  only reuse numbers for other residents in another week.
- A uniform number is the top 53 bits of the output over ``2**53``: in [0, 1), as numpy's ``random``.

These draws differ from numpy's, so a submodel moved here changes the model's results: the golden runs
(``tests/test_golden.py``) are re-pinned with it, and ``tests/test_same_statistics.py`` checks that the
statistics stay those of the code before (``docs/performance_issue19.md``, third round).
"""

from __future__ import annotations

import numba
import numpy as np

_GAMMA = np.uint64(0x9E3779B97F4A7C15)  # the golden-ratio increment of SplitMix64's Weyl sequence
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / 2.0**53


def draw_key(rng: np.random.Generator) -> np.uint64:
    """One 64-bit key for a kernel call: a single draw of the model's generator.

    The bit generator's next raw 64 bits: what ``rng.integers(0, 2**64, dtype=np.uint64)`` returns (numpy
    takes the full range as one raw draw), leaving the generator in the same state, at a seventh of its
    call's cost (about 1 against 6 us; a kernel call draws one key).
    """
    return np.uint64(rng.bit_generator.random_raw())


@numba.njit(cache=True, inline="always")
def uniform(key: np.uint64, k: int) -> float:
    """The ``k``-th uniform number in [0, 1) of ``key``: SplitMix64 at position ``k`` of its sequence."""
    z = key + np.uint64(k + 1) * _GAMMA
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return float(z >> _S11) * _TO_UNIT



@numba.njit(cache=True, inline="always")
def subkey(key: np.uint64, k: int) -> np.uint64:
    """A key of its own for the ``k``-th draw of ``key`` that needs several numbers (SplitMix64's output there)."""
    z = key + np.uint64(k + 1) * _GAMMA
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@numba.njit(cache=True, inline="always")
def integer(key: np.uint64, k: int, n: int) -> int:
    """The ``k``-th draw of ``key`` as a whole number in [0, n), each equally likely (``n`` below 2**53)."""
    return min(int(uniform(key, k) * n), n - 1)


@numba.njit(cache=True)
def normal(key: np.uint64, k: int) -> float:
    """The ``k``-th draw of ``key`` from the standard normal distribution.

    Box-Muller (the cosine) on the two numbers of :func:`subkey`.
    """
    sub = subkey(key, k)
    u1, u2 = 1.0 - uniform(sub, 0), uniform(sub, 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


#: Above this mean :func:`poisson` uses the normal approximation (its skewness ``mean**-0.5`` is below 0.045).
POISSON_NORMAL_MEAN = 500.0


@numba.njit(cache=True)
def poisson(key: np.uint64, k: int, mean: float) -> int:
    """The ``k``-th draw of ``key`` from a Poisson distribution with ``mean``.

    By inversion of one uniform number (the cumulative probabilities summed from 0) up to
    :data:`POISSON_NORMAL_MEAN`; above it, the normal approximation (:func:`normal`) rounded, where the
    inversion's first probability ``exp(-mean)`` would underflow.
    """
    if mean <= 0:
        return 0
    if mean > POISSON_NORMAL_MEAN:
        return max(0, int(np.floor(mean + np.sqrt(mean) * normal(key, k) + 0.5)))
    u = uniform(key, k)
    x, p = 0, np.exp(-mean)
    cdf = p
    while u >= cdf and p > 0:
        x += 1
        p *= mean / x
        cdf += p
    return x


@numba.njit(cache=True)
def weighted_sample(key: np.uint64, k0: int, weight: np.ndarray, size: int) -> np.ndarray:
    """``size`` distinct positions of ``weight``, drawn one after another in proportion to the weights left.

    Efraimidis and Spirakis (2006, "Weighted random sampling with a reservoir"): position ``i`` gets the
    score ``log(u_i) / w_i`` (ordered as ``u_i ** (1 / w_i)``; ``u_i`` the draw ``k0 + i`` of ``key``), and
    the ``size`` highest win, in descending order (equal scores in the order of their positions): the
    same distribution, order included, as drawing one by one without replacement (numpy's ``choice(...,
    replace=False, p=...)``). Zero weights are never chosen; at most as many positions as have a positive
    weight are returned. The ``size`` best are kept in order as the scores come, instead of sorting them all:
    made for a few among many (bemoeizorg's visits among thousands of a neighbourhood at 100,000 residents,
    where a sort cost 0.37 ms a neighbourhood); its cost grows with ``len(weight) * size`` at worst.
    """
    best = np.empty(max(size, 0), dtype=np.int64)
    best_score = np.empty(max(size, 0))
    kept = 0
    if size <= 0:
        return best
    for i in range(len(weight)):
        if weight[i] > 0:
            score = np.log(1.0 - uniform(key, k0 + i)) / weight[i]
            if kept < size or score > best_score[kept - 1]:
                x = min(kept, size - 1)  # the last place, dropping what was there once all places are full
                while x > 0 and best_score[x - 1] < score:
                    best[x], best_score[x] = best[x - 1], best_score[x - 1]
                    x -= 1
                best[x], best_score[x] = i, score
                kept = min(kept + 1, size)
    return best[:kept]


@numba.njit(cache=True)
def _log_gamma(key: np.uint64, t: int, shape: float) -> tuple[float, int]:
    """The logarithm of a Gamma(``shape``, 1) draw from the numbers of ``key`` at ``t`` on, and the next free place.

    Marsaglia and Tsang (2000, "A simple method for generating gamma variables"): a normal ``z`` and a
    uniform ``u`` a try, accepted where ``log(u) < z**2 / 2 + d - d v + d log(v)``; below shape 1 the
    draw of shape + 1 times ``u ** (1 / shape)`` (their section 6), added in logarithms: civic_beta's
    shapes of 0.03-0.05 give draws below 1e-300, which would round to 0 and make a beta draw 0 / 0.
    """
    boosted = shape + 1.0 if shape < 1.0 else shape
    d = boosted - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    while True:
        z, u = normal(key, t), 1.0 - uniform(key, t + 1)
        t += 2
        v = 1.0 + c * z
        if v > 0.0:
            v = v * v * v
            if np.log(u) < 0.5 * z * z + d - d * v + d * np.log(v):
                break
    log_x = np.log(d * v)
    if shape < 1.0:
        log_x += np.log(1.0 - uniform(key, t)) / shape
        t += 1
    return log_x, t


@numba.njit(cache=True)
def beta(key: np.uint64, k: int, a: float, b: float) -> float:
    """The ``k``-th draw of ``key`` from the Beta(``a``, ``b``) distribution (``a``, ``b`` positive).

    ``X / (X + Y)`` for independent ``X ~ Gamma(a)`` and ``Y ~ Gamma(b)`` (:func:`_log_gamma`, drawn one
    after the other from the numbers of :func:`subkey`), computed from their logarithms as
    ``1 / (1 + exp(log Y - log X))``. numpy draws Beta by Joehnk's method below shapes 1 and by this
    ratio above; both give the Beta distribution.
    """
    sub = subkey(key, k)
    log_x, t = _log_gamma(sub, 0, a)
    log_y, _ = _log_gamma(sub, t, b)
    return 1.0 / (1.0 + np.exp(log_y - log_x))
