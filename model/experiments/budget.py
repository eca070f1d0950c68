"""What a batch will cost on this machine, estimated and checked before any work starts.

A batch that cannot fit in this machine's memory is refused in one line that says what to make
smaller; one that fits is described by its estimated time, so a long batch is never a silent one.
The figures are rough (a factor of two either way): the time and memory of one run scale with its
residents and simulated weeks, as measured for docs/performance.md on a 2-core machine at 2.6 GHz.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from model.core.parameters import Parameters
from model.core.time import WEEKS_PER_YEAR
from model.messages import Message, msg

MIB = 2**20
#: A process with numpy, pandas, numba and Mesa loaded (docs/performance.md: about 250 MiB, 271 MiB at
#: 1,000 residents), with room for the tables it builds.
PROCESS_BYTES = 300 * MIB
#: Memory per resident of a run (docs/performance.md: 271 MiB at 1,000 and 352 MiB at 100,000 residents,
#: 0.8 KiB each, rounded up).
RESIDENT_BYTES = 1024
#: Resident-weeks one core simulates per second (docs/performance.md: 1.4 million at 10,000 and 2.2 million
#: at 100,000 residents; fewer at small sizes, which the fixed cost below covers).
RESIDENT_WEEKS_PER_SECOND = 1.5e6
#: Fixed seconds per run: building the city and its tables (docs/performance.md: 2.7 s for 1,000 residents).
RUN_SECONDS = 2.0
#: Bytes of a run's weekly tables per simulated week: a city row and a row per neighbourhood (measured:
#: 540 and 595 bytes with pandas' deep memory use), which a comparison keeps until it is written.
CITY_ROW_BYTES = 550
NEIGHBOURHOOD_ROW_BYTES = 600
#: Bookkeeping per run while the batch runs: its task, key and stored files' names (measured: 8 KiB for a
#: scenario's run, 30 KiB for a sweep's point with its parameter values).
TASK_BYTES = 32 * 1024
#: Share of the memory now available that a batch may plan to use (the rest is for everything else).
MEMORY_SHARE = 0.8


class BudgetError(ValueError):
    """A batch that does not fit on this machine; the message is one line and says what to make smaller."""


@dataclass(frozen=True)
class Cost:
    """The estimated cost of a batch.

    Attributes:
        runs: Number of runs.
        jobs: Worker processes (1: runs in this process).
        seconds: Wall-clock time on this machine's cores.
        run_bytes: Memory of one run.
        kept_bytes: Memory of what this process keeps while the batch runs and until it is written.

    """

    runs: int
    jobs: int
    seconds: float
    run_bytes: int
    kept_bytes: int

    @property
    def memory_bytes(self) -> int:
        """Memory of the whole batch: this process, its workers each doing one run, and what is kept."""
        workers = self.jobs * (PROCESS_BYTES + self.run_bytes) if self.jobs > 1 else self.run_bytes
        return PROCESS_BYTES + workers + self.kept_bytes

    def describe(self) -> Message:
        """One line: the estimated time and memory."""
        return msg("budget.estimate", duration=duration(self.seconds), size=size(self.memory_bytes),
                   cores=msg("count.cores", n=self.jobs))


def duration(seconds: float) -> Message:
    """A duration for people: seconds, minutes, hours or days."""
    for unit, length in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 1.5 * length:
            return msg(f"budget.{unit}", n=round(seconds / length))
    return msg("budget.under_a_minute" if seconds >= 20 else "budget.few_seconds")


def size(n_bytes: float) -> str:
    """A memory size for people, in MiB, GiB or TiB."""
    for unit, length in (("TiB", 2**40), ("GiB", 2**30)):
        if n_bytes >= length:
            return f"{n_bytes / length:.1f} {unit}"
    return f"{n_bytes / MIB:.0f} MiB"


def available_memory() -> int:
    """Bytes of memory available to new work now (Linux: ``MemAvailable``; elsewhere the free pages)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def batch_cost(params: Parameters, runs: int, jobs: int, weekly_tables: bool) -> Cost:
    """Estimate a batch of ``runs`` runs of this size on ``jobs`` workers.

    Args:
        params: The parameters of its runs (their size: residents, years, burn-in, neighbourhoods).
        runs: Number of runs.
        jobs: Worker processes.
        weekly_tables: Whether every run's weekly tables are kept until the batch is written
            (comparisons); a sweep keeps one row per run.

    """
    weeks = math.ceil((params.years + params.burn_in_years) * WEEKS_PER_YEAR)
    per_run = RUN_SECONDS + params.n_residents * weeks / RESIDENT_WEEKS_PER_SECOND
    recorded = round(params.years * WEEKS_PER_YEAR)
    kept = TASK_BYTES + (recorded * (CITY_ROW_BYTES + params.n_neighbourhoods * NEIGHBOURHOOD_ROW_BYTES)
                         if weekly_tables
                         else CITY_ROW_BYTES)
    return Cost(runs=runs, jobs=jobs, seconds=math.ceil(runs / jobs) * per_run,
                run_bytes=params.n_residents * RESIDENT_BYTES, kept_bytes=runs * kept)


def check_memory(cost: Cost, what: str, fewer: str) -> None:
    """Refuse a batch that needs more memory than this machine has available.

    Args:
        cost: The batch's estimate.
        what: The batch in words, for the message (e.g. ``5 runs of 2000 residents``).
        fewer: The options that make what is kept smaller (e.g. ``--seeds or --years``).

    Raises:
        BudgetError: It does not fit; the message says what takes the memory and what to make smaller.

    """
    available = available_memory()
    if cost.memory_bytes <= MEMORY_SHARE * available:
        return
    workers = cost.memory_bytes - cost.kept_bytes
    fix = (msg("budget.fewer", options=fewer) if cost.kept_bytes > workers
           else msg("budget.fewer_jobs") if cost.jobs > 1 else msg("budget.fewer_residents"))
    raise BudgetError(msg("budget.too_big", what=what, size=size(cost.memory_bytes), available=size(available),
                          fix=fix))
