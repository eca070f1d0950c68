"""Settled cities (issue 19): a run that starts from a kept settled city gives the same bits as one that
settles its own; what the burn-in reads decides which runs share one; the folder they are kept in."""

from __future__ import annotations

import io
import os
from pathlib import Path

import mesa
import pandas as pd
import pytest

from agents import Resident
from model.core.agent_rows import compact_registries
from model.core.community import CommunityModel
from model.core.interventions import make_intervention
from model.core.parameters import Parameters, parameters_from_dict
from model.core.settling import burn_in_inputs, restore, save
from model.experiments.settled import SUFFIX, SettledFolder, default_folder, settled_key
from model.experiments.store import Task, in_group_order
from model.workshop.session import WorkshopModel

SMALL = {"n_residents": 600, "burn_in_years": 0.5}
#: Other modes' levers, which a burn-in under framing does not read.
OTHER_LEVERS = {"steering": {"facilitating": {"accountability": 2.0}, "enforcing": {"control": 0.7}}}


def _params(**overrides: object) -> Parameters:
    return parameters_from_dict(SMALL | overrides)


def _same_run(a: CommunityModel, b: CommunityModel, weeks: int = 16) -> None:
    a.run_weeks(weeks)
    b.run_weeks(weeks)
    pd.testing.assert_frame_equal(a.city_frame(), b.city_frame())
    pd.testing.assert_frame_equal(a.neighbourhood_frame(), b.neighbourhood_frame())
    pd.testing.assert_frame_equal(a.resident_frame(), b.resident_frame())


def _interventions() -> list:
    return [make_intervention("demand_shock", start_week=0, end_week=8),
            make_intervention("outreach_campaign", start_week=5)]


@pytest.fixture
def folder(tmp_path: Path) -> SettledFolder:
    return SettledFolder(tmp_path / "settled")


@pytest.mark.parametrize("mode", ["framing", "facilitating", "enforcing", "layered"])
def test_a_run_from_a_settled_city_gives_the_same_bits_as_one_that_settles_its_own(
        folder: SettledFolder, mode: str) -> None:
    """One settled city, kept by a framing run, serves every mode, other levers and interventions."""
    CommunityModel(_params(), seed=4, settled=folder)
    assert len(list(folder.folder.glob(f"*{SUFFIX}"))) == 1
    params = _params(steering_mode=mode, years=2.0, **OTHER_LEVERS)
    fresh = CommunityModel(params, seed=4, interventions=_interventions())
    restored = CommunityModel(params, seed=4, interventions=_interventions(), settled=folder)
    assert len(list(folder.folder.glob(f"*{SUFFIX}"))) == 1  # taken, not settled again
    _same_run(fresh, restored)


def test_a_run_that_kept_its_settled_city_runs_on_as_if_it_had_not(folder: SettledFolder) -> None:
    _same_run(CommunityModel(_params(), seed=2), CommunityModel(_params(), seed=2, settled=folder))


def _registries(m: CommunityModel) -> list[list[tuple]]:
    """Mesa's registries of ``m``: every agent's kind, unique id and row (if any), in registry order."""
    def rows(agents: object) -> list[tuple]:
        return [(type(a).__name__, a.unique_id, getattr(a, "idx", None)) for a in agents]
    return [rows(m.agents)] + [rows(m.agents_by_type[kind]) for kind in m.agent_types]


def test_a_restored_city_has_the_agents_and_registries_of_a_built_one(folder: SettledFolder) -> None:
    """The residents' agents are kept as one block (``agent_rows.compact_registries``) and made again in place."""
    built = CommunityModel(_params(), seed=6, settled=folder)
    restored = CommunityModel(_params(), seed=6, settled=folder)
    assert _registries(restored) == _registries(built)
    assert restored.agent_types == built.agent_types and restored.agent_id_counter == built.agent_id_counter
    residents = list(restored.residents)
    assert residents == [a for a in restored.agents if type(a) is Resident]  # the same objects in both registries
    assert all(a.model is restored for a in restored.agents)
    assert restored.agents.random is restored.random and restored.residents.random is restored.random
    assert residents[3].loneliness == built.residents[3].loneliness  # a view of its row


def test_residents_that_are_not_one_block_are_kept_agent_by_agent(folder: SettledFolder) -> None:
    m = CommunityModel(_params(burn_in_years=0.1), seed=7)
    assert compact_registries(m) is not None
    first = next(iter(m.residents))
    first.pos = (1, 1)  # placed on a grid
    assert compact_registries(m) is None
    first.pos = None
    assert compact_registries(m) is not None
    m.residents.remove(first)  # registered out of row order
    m.residents.add(first)
    assert compact_registries(m) is None
    copy = CommunityModel.__new__(CommunityModel)
    mesa.Model.__init__(copy, rng=0)
    buffer = io.BytesIO()
    save(m, set(vars(mesa.Model(rng=0))), buffer)
    buffer.seek(0)
    restore(copy, buffer)
    assert _registries(copy) == _registries(m)


def test_a_layered_burn_in_reads_every_mode_s_levers() -> None:
    layered = {"burn_in_steering": "layered"}
    one = burn_in_inputs(CommunityModel, _params(**layered), 1, [])
    other = burn_in_inputs(CommunityModel, _params(**layered, **OTHER_LEVERS), 1, [])
    assert one is not None and one != other


def test_what_the_burn_in_reads_decides_which_runs_share_a_settled_city() -> None:
    base = burn_in_inputs(CommunityModel, _params(), 1, [])
    shares = [_params(steering_mode="enforcing"), _params(years=7.0), _params(**OTHER_LEVERS)]
    assert all(burn_in_inputs(CommunityModel, p, 1, _interventions()) == base for p in shares)
    differs = [(_params(reluctance_mean=0.6), 1), (_params(steering={"framing": {"control": 0.6}}), 1),
               (_params(n_residents=700), 1), (_params(), 2)]
    assert all(burn_in_inputs(CommunityModel, p, seed, []) != base for p, seed in differs)
    assert burn_in_inputs(WorkshopModel, _params(), 1, []) != base


def test_no_burn_in_or_an_intervention_before_week_0_shares_nothing(folder: SettledFolder) -> None:
    assert burn_in_inputs(CommunityModel, _params(burn_in_years=0.0), 1, []) is None
    early = [make_intervention("demand_shock", start_week=-3)]
    assert burn_in_inputs(CommunityModel, _params(), 1, early) is None
    CommunityModel(_params(), seed=1, interventions=early, settled=folder)
    assert not folder.folder.exists()


def test_a_workshop_city_restarts_from_its_settled_city_and_branches(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VITALITY_CACHE", str(tmp_path))
    first = WorkshopModel(seed=3, overrides={"n_residents": 500})
    second = WorkshopModel(seed=3, overrides={"n_residents": 500})  # Reset: the kept city
    assert len(list(tmp_path.glob(f"*{SUFFIX}"))) == 1
    second.compare_from_now()
    for m in (first, second):
        m.run_for(6)
    pd.testing.assert_frame_equal(first.city_frame(), second.city_frame())
    pd.testing.assert_frame_equal(second.baseline.city_frame(), second.city_frame())


def _keep(folder: SettledFolder, inputs: dict, state: bytes) -> None:
    folder.keep(inputs, lambda file: file.write(state))


def _read(folder: SettledFolder, inputs: dict) -> bytes | None:
    file = folder.reader(inputs)
    if file is None:
        return None
    with file:
        return file.read()


def test_a_damaged_settled_city_counts_as_missing_and_goes(folder: SettledFolder) -> None:
    inputs = {"seed": 1}
    _keep(folder, inputs, b"state")
    assert _read(folder, inputs) == b"state"
    (path,) = folder.folder.glob(f"*{SUFFIX}")
    path.write_bytes(b"not a settled city")
    assert _read(folder, inputs) is None
    assert not path.exists()


def test_a_settled_city_cut_short_is_built_again(folder: SettledFolder) -> None:
    CommunityModel(_params(), seed=5, settled=folder)
    (path,) = folder.folder.glob(f"*{SUFFIX}")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _same_run(CommunityModel(_params(), seed=5), CommunityModel(_params(), seed=5, settled=folder), weeks=4)


def test_a_city_that_fails_to_write_leaves_nothing_behind(folder: SettledFolder) -> None:
    def full_disk(file: object) -> None:
        raise OSError(28, "No space left on device")

    folder.keep({"seed": 1}, full_disk)
    assert list(folder.folder.iterdir()) == []


def test_the_folder_keeps_the_most_recently_used_within_its_size(tmp_path: Path) -> None:
    folder = SettledFolder(tmp_path, max_bytes=2500)
    for seed in range(3):
        _keep(folder, {"seed": seed}, bytes(1000))
        os.utime(tmp_path / f"{settled_key({'seed': seed})}{SUFFIX}", (seed, seed))  # seed 0 used longest ago
    assert _read(folder, {"seed": 0}) is None
    assert _read(folder, {"seed": 1}) is not None and _read(folder, {"seed": 2}) is not None


def test_a_folder_that_cannot_be_written_only_keeps_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("in the way")
    folder = SettledFolder(blocked / "settled")
    _keep(folder, {"seed": 1}, b"state")
    assert _read(folder, {"seed": 1}) is None


def test_the_settled_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for off in ("off", "UIT", " 0 ", ""):
        monkeypatch.setenv("VITALITY_CACHE", off)
        assert default_folder() is None
    monkeypatch.setenv("VITALITY_CACHE", str(tmp_path))
    assert default_folder() == tmp_path
    monkeypatch.delenv("VITALITY_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_folder() == tmp_path / "vitality" / "settled"


def test_a_batch_runs_the_runs_of_a_settled_city_close_together_each_worker_its_own() -> None:
    groups = ["a", "b", "a", "", "c", "b", "a", "c", ""]
    tasks = [Task(f"t{i}", dict, (), {}, g) for i, g in enumerate(groups)]
    order = [t.key for t in in_group_order(tasks, 2)]
    assert sorted(order) == sorted(t.key for t in tasks)
    assert order[:5] == ["t0", "t1", "t2", "t5", "t6"]  # groups a and b in turn, then a's last
    assert [t.key for t in in_group_order(tasks, 1)][:3] == ["t0", "t2", "t6"]
