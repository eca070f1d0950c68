"""The model's numba kernels, compiled once per machine: at set-up (``make setup``) or, saying so, at the first run.

numba compiles each kernel the first time it runs and caches the machine code beside the source
(``__pycache__``, ``cache=True``); later processes load it in well under a second. Compiling all of
them takes about a minute, which a first ``vitality run`` would otherwise spend silently at "0/5 runs",
and with several worker processes every worker would compile them at once. :func:`compile_kernels`
runs a tiny city for a few weeks (which calls every kernel with the types of a real run) in this process
first: later workers load the cache. ``python -m model.experiments.kernels`` does it for ``make setup``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

#: Seconds after which loading from the cache has surely become compiling: loading the kernels and running the tiny
#: city takes 0.5-2 s of CPU, several times that on a machine busy with other work; compiling them takes about 25 s
#: of CPU, a minute or more of waiting (docs/performance.md).
NOTICE_AFTER = 10.0
_loaded: list[bool] = []  # once per process (and its forked workers): the kernels stay loaded


def compile_kernels(notice: Callable[[], None] | None = None, after: float = NOTICE_AFTER) -> None:
    """Compile (or load from numba's cache) every kernel of the model in this process.

    Args:
        notice: Called once if it takes longer than ``after`` seconds, i.e. when the kernels are really
            being compiled (to say "compiling the model once").
        after: Seconds to wait before ``notice``.

    """
    if _loaded:
        return
    from model.core.community import CommunityModel
    from model.core.parameters import Parameters

    # started after the imports, which take seconds on a busy machine: only the kernels' time tells
    timer = threading.Timer(after, notice) if notice else None
    if timer:
        timer.daemon = True
        timer.start()
    try:
        # 50 residents (the schema's minimum) over 6 weeks reach every kernel, with every type it is called with.
        CommunityModel(Parameters(n_residents=50, years=1), seed=0).run_years(6 / 52)
    finally:
        if timer:
            timer.cancel()
    _loaded.append(True)


def main() -> int:
    """Compile the kernels, saying so in the default language (``make setup`` runs this once)."""
    from model.messages import DEFAULT_LANGUAGE, msg, say

    print(say(msg("kernels.compiling"), DEFAULT_LANGUAGE), file=sys.stderr, flush=True)
    compile_kernels()
    print(say(msg("kernels.done"), DEFAULT_LANGUAGE), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
