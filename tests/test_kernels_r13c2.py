"""Round 13 wave 2, helper C2: the need levels handed on from casework to collect within a step (issue 19).

``casework`` returns everyone's need level after its recoveries and the step keeps it as
``CommunityModel.need_levels`` for ``initiative_lifecycle``, ``update_motivation`` and ``collect``. These tests
check, every week of a real run, that the level handed on is the one each of them would compute afresh (nothing
in between writes the nine domains), that the check sees a stale level, and that outside a step (or with a
submodel called on its own) the levels are computed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from model.core import submodels
from model.core.community import CommunityModel
from model.core.parameters import Parameters
from model.core.state import handed_on_or_fresh, need_level_of
from model.core.submodels.helpers import worsen

READERS = ("initiative_lifecycle", "update_motivation", "collect")


def _small_model() -> CommunityModel:
    return CommunityModel(Parameters(n_residents=1500, burn_in_years=0.1), seed=3)


def _checked_weeks(monkeypatch: pytest.MonkeyPatch, m: CommunityModel, weeks: int,
                   between: Callable[[CommunityModel], None] | None = None) -> list[str]:
    """Run ``weeks`` steps; at the entry of each reader compare the level handed on with a fresh one.

    Returns the readers (one entry per reader and week) that found the handed-on level stale; ``between``
    runs after ``community_work`` (between casework and the readers), e.g. to write a domain.
    """
    stale: list[str] = []
    seen: list[str] = []

    def checked(name: str, f: Callable) -> Callable:
        def run(model: CommunityModel, *args: object, **kwargs: object) -> object:
            assert model.need_levels is not None, f"{name} got no level from the step"
            seen.append(name)
            if not np.array_equal(model.need_levels, need_level_of(model.pop.zrm)):
                stale.append(name)
            return f(model, *args, **kwargs)
        return run

    for name in READERS:
        monkeypatch.setattr(submodels, name, checked(name, getattr(submodels, name)))
    if between is not None:
        work = submodels.community_work

        def work_then(model: CommunityModel) -> None:
            work(model)
            between(model)
        monkeypatch.setattr(submodels, "community_work", work_then)
    for _ in range(weeks):
        m.step()
        assert m.need_levels is None  # cleared after collect: nothing outside a step reads a kept level
    assert seen == list(READERS) * weeks
    return stale


def test_the_level_handed_on_is_fresh_at_every_reader_every_week(monkeypatch: pytest.MonkeyPatch) -> None:
    m = _small_model()
    assert _checked_weeks(monkeypatch, m, 60) == []


def test_a_stale_level_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    # A domain lowered between casework and the readers (as a new writer there would) makes the handed-on level
    # stale: the check of the test above sees it at every reader of that week.
    m = _small_model()

    def lower_the_healthiest(model: CommunityModel) -> None:
        who = np.flatnonzero(need_level_of(model.pop.zrm) == 0)[:5]
        for _ in range(4):
            worsen(model, who, np.zeros(len(who), dtype=np.int64))

    assert _checked_weeks(monkeypatch, m, 2, lower_the_healthiest) == list(READERS) * 2


def test_outside_a_step_the_levels_are_computed() -> None:
    m = _small_model()
    assert m.need_levels is None
    level = submodels.casework(m)  # called on its own: returns the levels, the model keeps none
    np.testing.assert_array_equal(level, need_level_of(m.pop.zrm))
    assert m.need_levels is None
    worsen(m, np.arange(10), np.zeros(10, dtype=np.int64))
    np.testing.assert_array_equal(handed_on_or_fresh(m.need_levels, m.pop.zrm), need_level_of(m.pop.zrm))
    handed = np.full(len(m.pop), 3, dtype=np.int8)
    assert handed_on_or_fresh(handed, m.pop.zrm) is handed
