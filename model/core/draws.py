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
    """One 64-bit key for a kernel call: a single draw of the model's generator."""
    return rng.integers(0, 2**64, dtype=np.uint64)


@numba.njit(cache=True, inline="always")
def uniform(key: np.uint64, k: int) -> float:
    """The ``k``-th uniform number in [0, 1) of ``key``: SplitMix64 at position ``k`` of its sequence."""
    z = key + np.uint64(k + 1) * _GAMMA
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return float(z >> _S11) * _TO_UNIT

