"""The allocator setting of :mod:`model.core.memory`: freed large arrays are reused, not faulted in afresh."""

from __future__ import annotations

import subprocess
import sys

import pytest

# In a fresh process: twelve 8 MiB arrays held at once (as a week's arrays are), freed, four times; the page
# faults of each round. glibc's own thresholds return the freed heap to the system, so every round faults its
# 96 MiB in again (about 6,000 faults); with the setting the second and later rounds reuse it.
ROUNDS = """
import resource, sys
import numpy as np
from model.core.memory import keep_freed_memory
if sys.argv[1] == "set":
    assert keep_freed_memory()
def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.ones(2**20) for _ in range(12)]
    del arrays
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(*(faults() for _ in range(4)))
"""


def _faults(setting: str) -> list[int]:
    out = subprocess.run([sys.executable, "-c", ROUNDS, setting], check=True, capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_large_arrays_are_reused_without_page_faults() -> None:
    without, with_setting = _faults("unset"), _faults("set")
    assert min(without[1:]) > 3000, f"the pattern should fault without the setting: {without}"
    assert max(with_setting[1:]) < 300, f"the freed arrays should be reused: {with_setting}"


def test_the_model_sets_it_on_its_own() -> None:
    from model import CommunityModel, Parameters
    from model.core.memory import keep_freed_memory

    keep_freed_memory.cache_clear()
    CommunityModel(Parameters(n_residents=200, burn_in_years=0.0), seed=1)
    assert keep_freed_memory.cache_info().currsize == 1
