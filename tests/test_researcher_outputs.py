"""What a researcher needs to measure the model: stable ids, the initiatives' history, ties lost, hours."""

from __future__ import annotations

import numpy as np
import pytest

from model import CommunityModel, Parameters, make_intervention

#: Many initiatives and much turnover, so that founding, ending and replacement all happen in a short run.
BUSY = Parameters(n_residents=600, burn_in_years=0.5, founding_rate=0.004, burnout_rate=0.03, struggle_weeks=4,
                  turnover_rate=(0.01, 0.01, 0.01, 0.01))


@pytest.fixture(scope="module")
def model() -> CommunityModel:
    return CommunityModel(BUSY, seed=7).run_weeks(52)


def test_person_ids_are_stable_and_newcomers_get_new_ones() -> None:
    m = CommunityModel(BUSY, seed=3)
    before = m.pop.pid.copy()
    m.run_weeks(26)
    after = m.pop.pid
    stayed = before == after
    assert 0 < stayed.mean() < 1, "some residents left, most stayed"
    assert len(np.unique(after)) == len(after)
    assert (after[~stayed] > before.max()).all(), "a newcomer in a leaver's row has a new id"
    assert m.resident_frame()["person"].tolist() == after.tolist()


def test_the_initiative_log_agrees_with_the_counts(model: CommunityModel) -> None:
    events, city = model.initiative_events(), model.city_frame()
    run = events[events.week >= 1]
    assert (run.event == "founded").sum() == city.loc[city.week >= 1, "initiatives_founded"].sum()
    ended = run.event.str.startswith("ended")
    assert ended.sum() == city.loc[city.week >= 1, "initiatives_ended"].sum()
    assert set(run.event[ended]) <= {"ended: too few core volunteers", "ended: taken over, too few members"}
    founded = events[events.event == "founded"]
    assert founded.initiative.is_unique and (founded.founder >= 0).all()
    # Every initiative alive in the size table was founded first, and none after it ended.
    sizes = model.initiative_frame()
    assert set(sizes.initiative) <= set(founded.initiative)
    end_week = events[events.event.str.startswith("ended")].set_index("initiative").week
    alive_after = sizes[sizes.initiative.isin(end_week.index)]
    assert (alive_after.week < alive_after.initiative.map(end_week) + 1).all()


def test_ties_lost_count_dissolved_ties_and_ties_to_leavers(model: CommunityModel) -> None:
    r = model.resident_frame()
    assert (r.ties_lost >= 0).all() and r.ties_lost.sum() > 0
    assert {"autonomy", "competence", "relatedness"} <= set(r.columns)
    city = model.city_frame()
    for part in ("autonomy", "competence", "relatedness"):
        assert city[f"mean_{part}"].between(0, 1).all()


def test_hours_add_up_with_temporary_staff_and_bemoeizorg() -> None:
    p = BUSY.replace(steering={"framing": {"capacity_response": 1.0, "capacity_lag_weeks": 2.0,
                                            "bemoeizorg_share": 0.2}})
    m = CommunityModel(p, seed=1, interventions=[make_intervention("demand_shock", start_week=0, multiplier=4.0)])
    hired = []
    for _ in range(30):
        m.step()
        hours = np.array([[pro.casework, pro.admin, pro.community] for pro in m.professionals])
        budget = np.array([pro.fte * m.p.hours_per_week for pro in m.professionals])
        np.testing.assert_allclose(hours.sum(axis=1), budget, atol=1e-9)
        assert (hours >= 0).all()
        assert all(pro.bemoeizorg <= pro.casework + 1e-12 for pro in m.professionals)
        hired.append(m.pro_fte[m.hired_post].sum())
    assert max(hired) > 0, "waits passed the term under a fourfold shock, so staff was hired"
