"""A new process loads its compiled kernels on a second thread while it builds its first city.

How much that buys is measured by ``benchmarks/throughput.py`` (docs/performance_issue19.md, round 14); here:
the city is the same with and without it, no thread outlives the constructor, and the collector, paused while
both threads build, runs again afterwards.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import threading

from model.core.memory import paused_collector

#: A first city in a new process, described by its outputs, the threads left and the collector's state.
FIRST_CITY = """
import gc, hashlib, threading
from model.core import community
from model.core.parameters import Parameters
if {aside} is False:
    community._kernels_started.append(True)  # as if the kernels were loaded: no thread aside
m = community.CommunityModel(Parameters(n_residents=300, burn_in_years=0.5), seed=4).run_weeks(8)
frames = m.city_frame().to_csv() + m.neighbourhood_frame().to_csv()
print(hashlib.sha256(frames.encode()).hexdigest(), threading.active_count(), gc.isenabled())
"""


def first_city(aside: bool) -> list[str]:
    """Build and run a small city in a new process, with or without the kernels loaded aside."""
    done = subprocess.run([sys.executable, "-c", FIRST_CITY.format(aside=aside)], capture_output=True, text=True,
                          check=True, timeout=600)
    return done.stdout.split()


def test_the_first_city_is_the_same_with_the_kernels_loaded_aside() -> None:
    with_thread, without = first_city(True), first_city(False)
    assert with_thread == without
    assert with_thread[1:] == ["1", "True"]  # the loading thread was joined; the collector runs again


def test_the_collector_runs_again_when_the_last_pause_of_any_thread_ends() -> None:
    """Another thread's pause ending inside this one's does not start the collector under it."""
    entered, leave = threading.Event(), threading.Event()

    def other() -> None:
        with paused_collector():
            entered.set()
            leave.wait(10)

    assert gc.isenabled()
    thread = threading.Thread(target=other)
    thread.start()
    entered.wait(10)
    with paused_collector():
        leave.set()
        thread.join(10)
        assert not gc.isenabled()  # the other thread's pause, the first opened, has ended
    assert gc.isenabled()
