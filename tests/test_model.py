"""The community model: reproducibility, invariants, levers and the public API.

Direction checks of mechanisms live in ``tests/test_mechanisms.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agents import Initiative, MeetingPlace, Professional, Resident
from model import CommunityModel, Parameters, make_intervention, run
from model.core.parameters import ParameterError, parameters_from_dict
from model.core.state import CASE_NONE, CASE_OPEN, CASE_WAITING, NO
from model.core.steering import STEERING_REGISTRY

SMALL = Parameters(n_residents=400, burn_in_years=0.5)


@pytest.fixture(scope="module")
def stepped() -> list[dict]:
    """Snapshots of a small city over 40 weeks, taken after every step."""
    m = CommunityModel(SMALL, seed=11)
    snaps = []
    for _ in range(40):
        m.step()
        snaps.append(_snapshot(m))
    return snaps


def _snapshot(m: CommunityModel) -> dict:
    pop, net = m.pop, m.net
    return {
        "week": m.week, "score": pop.score.copy(), "lon_s": pop.lon_s.copy(), "lon_e": pop.lon_e.copy(),
        "zrm": pop.zrm.copy(), "w": net.w.copy(), "a": net.a.copy(), "b": net.b.copy(), "kin": net.kin.copy(),
        "nbh": pop.nbh.copy(), "motivation": np.stack([pop.autonomy, pop.competence, pop.relatedness]),
        "trust": pop.trust.copy(), "strain": pop.strain.copy(), "engagement": pop.engagement.copy(),
        "hours": np.array([[pro.casework, pro.admin, pro.community] for pro in m.professionals]),
        "budget": np.array([pro.fte * m.p.hours_per_week for pro in m.professionals]),
        "case_state": pop.case_state.copy(), "case_prof": pop.case_prof.copy(),
        "member_of": pop.member_of.copy(), "core": pop.core.copy(), "alive": m.inits.alive.copy(),
        "helper": pop.helper.copy(), "n_pros": len(m.professionals),
    }


# ---------------------------------------------------------------------- reproducibility
def test_same_seed_same_frames_and_different_seeds_differ() -> None:
    a, b = run(SMALL, seed=3, years=0.5), run(SMALL, seed=3, years=0.5)
    pd.testing.assert_frame_equal(a.city, b.city)
    pd.testing.assert_frame_equal(a.neighbourhoods, b.neighbourhoods)
    c = run(SMALL, seed=4, years=0.5)
    assert not a.city.drop(columns="seed").equals(c.city.drop(columns="seed"))


def test_frames_are_tidy_and_complete() -> None:
    res = run(SMALL, seed=1, years=0.25)
    weeks = round(0.25 * 52)
    assert list(res.city["week"]) == list(range(weeks + 1))
    n_nbh = SMALL.n_neighbourhoods
    assert len(res.neighbourhoods) == (weeks + 1) * n_nbh
    assert not res.city.isna().any().any() and not res.neighbourhoods.isna().any().any()
    for col in ("community_strength", "lonely_share", "moderate_share", "severe_share", "very_severe_share",
                "social_lonely_share", "emotional_lonely_share", "open_cases", "waiting_list",
                "cases_per_professional", "hours_casework", "hours_admin", "hours_community",
                "informal_help_hours", "volunteering_share_year", "initiatives_active", "initiatives_founded",
                "initiatives_ended", "meeting_places_open", "professional_cost_eur", "total_cost_eur"):
        assert col in res.city and col in res.neighbourhoods, col
    assert set(res.neighbourhoods["steering_mode"]) == {"framing"}


def test_city_values_are_the_neighbourhood_sums_and_weighted_shares() -> None:
    res = run(SMALL, seed=2, years=0.2)
    nbh = res.neighbourhoods.groupby("week")
    city = res.city.set_index("week")
    for col in ("open_cases", "waiting_list", "hours_casework", "informal_help_hours", "residents"):
        np.testing.assert_allclose(nbh[col].sum(), city[col])
    weighted = (res.neighbourhoods["lonely_share"] * res.neighbourhoods["residents"]).groupby(
        res.neighbourhoods["week"]).sum() / city["residents"]
    np.testing.assert_allclose(weighted, city["lonely_share"])
    prevalence = city[["not_lonely_share", "moderate_share", "severe_share", "very_severe_share"]].sum(axis=1)
    np.testing.assert_allclose(prevalence, 1.0)


# ---------------------------------------------------------------------- invariants
def test_loneliness_and_state_bounds(stepped: list[dict]) -> None:
    for s in stepped:
        assert s["score"].min() >= 0 and s["score"].max() <= 11
        assert np.all((s["lon_s"] >= 0) & (s["lon_s"] <= 5)) and np.all((s["lon_e"] >= 0) & (s["lon_e"] <= 6))
        np.testing.assert_array_equal(s["score"], np.rint(s["lon_s"]) + np.rint(s["lon_e"]))
        assert s["zrm"].min() >= 1 and s["zrm"].max() <= 5
        assert np.all((s["w"] >= 0) & (s["w"] <= 1))
        for arr in (s["motivation"], s["trust"], s["strain"], s["engagement"]):
            assert np.all((arr >= 0) & (arr <= 1)) and np.isfinite(arr).all()


def test_professional_hours_add_up_to_the_budget(stepped: list[dict]) -> None:
    for s in stepped:
        assert np.all(s["hours"] >= -1e-9)
        np.testing.assert_allclose(s["hours"].sum(axis=1), s["budget"])


def test_staffing_is_the_exact_fte() -> None:
    m = CommunityModel(Parameters(n_residents=1234, burn_in_years=0), seed=0)
    for b in range(m.n_nbh):
        here = m.pro_nbh == b
        assert m.pro_fte[here & m.pro_team].sum() == pytest.approx(m.p.team_per_1000 * m.nbh_size[b] / 1000)
        assert m.pro_fte[here & ~m.pro_team].sum() == pytest.approx(m.p.builders_per_1000 * m.nbh_size[b] / 1000)
        assert (here & m.pro_hired).sum() == 1, "one post for temporary staff per neighbourhood"
    permanent = ~m.pro_hired
    assert np.all((m.pro_fte[permanent] > 0) & (m.pro_fte[permanent] <= 1))
    assert np.all(m.pro_fte[m.pro_hired] == 0), "nobody is hired before waits are long"


def test_network_and_membership_consistency(stepped: list[dict]) -> None:
    for s in stepped:
        a, b = s["a"], s["b"]
        assert np.all(a < b), "ties are stored once, as (a, b) with a < b"
        assert len(np.unique(a * len(s["score"]) + b)) == len(a), "no duplicate ties"
        members = s["member_of"] >= 0
        assert np.all(s["alive"][s["member_of"][members]]), "members belong to living initiatives"
        assert not np.any(s["core"] & ~members), "core volunteers are members"
        open_ = s["case_state"] == CASE_OPEN
        assert np.all(s["case_prof"][open_] >= 0) and np.all(s["case_prof"][open_] < s["n_pros"])
        assert np.all(s["case_prof"][~open_] == NO)
        assert np.all(s["helper"] != np.arange(len(s["helper"]))), "nobody helps themselves"


def test_residents_keep_their_neighbourhood_and_the_city_its_size(stepped: list[dict]) -> None:
    first = stepped[0]
    for s in stepped:
        np.testing.assert_array_equal(s["nbh"], first["nbh"])
    assert np.all(np.diff(first["nbh"]) >= 0), "residents are stored by neighbourhood"


def test_households_and_ages_are_stationary() -> None:
    """No ageing: newcomers replace leavers of their age, and moving in with others balances starting to
    live alone, so the age structure and the share living alone hold."""
    p = Parameters(n_residents=4000, burn_in_years=0)
    m = CommunityModel(p, seed=5)
    ages = np.bincount(m.pop.age, minlength=4) / len(m.pop)
    alone = [m.pop.alone[m.pop.age == g].mean() for g in range(4)]
    m.run_years(10)
    np.testing.assert_allclose(np.bincount(m.pop.age, minlength=4) / len(m.pop), ages, atol=0.025)
    np.testing.assert_allclose([m.pop.alone[m.pop.age == g].mean() for g in range(4)], alone, atol=0.05)


# ---------------------------------------------------------------------- burn-in and levers
def test_burn_in_runs_before_week_zero_and_is_not_recorded() -> None:
    m = CommunityModel(Parameters(n_residents=300, burn_in_years=1.0, steering_mode="enforcing"), seed=1)
    assert m.week == 0 and m.time == 0
    assert list(m.city_frame()["week"]) == [0]
    assert m.pop.engagement.mean() > 0, "a year of venue visits happened before week 0"
    assert CommunityModel(Parameters(n_residents=300, burn_in_years=0), seed=1).pop.engagement.max() == 0
    assert set(m.levers.mode) == {"enforcing"}
    m.run_weeks(3)
    assert m.week == 3 and m.time == 3


def test_no_burn_in_starts_from_the_synthetic_city() -> None:
    m = CommunityModel(Parameters(n_residents=300, burn_in_years=0), seed=1)
    assert m.week == 0 and not m.inits.alive.any() and not (m.pop.case_state != CASE_NONE).any()


@pytest.mark.parametrize("mode", ["facilitating", "framing", "enforcing"])
def test_fixed_modes_set_the_levers_of_their_profile(mode: str) -> None:
    m = CommunityModel(Parameters(n_residents=200, burn_in_years=0, steering_mode=mode), seed=0)
    prof = m.p.steering[mode]
    lev = m.levers
    assert set(lev.mode) == {mode}
    np.testing.assert_allclose(lev.accountability, prof.accountability)
    np.testing.assert_allclose(lev.control, prof.control)
    np.testing.assert_allclose(lev.grant_prob, prof.grant_prob)
    np.testing.assert_allclose(lev.place_funding, prof.place_funding)
    np.testing.assert_allclose(lev.protected_share, prof.protected_share)
    np.testing.assert_allclose(lev.takeover_rate, prof.takeover_rate)
    np.testing.assert_allclose(lev.inclusion_demand, prof.inclusion_demand)
    assert np.all(lev.builders_do_casework == prof.builders_do_casework)
    np.testing.assert_allclose(lev.community_split, np.tile(prof.community_split, (m.n_nbh, 1)))


def test_modes_differ_where_the_issue_says() -> None:
    prof = Parameters().steering
    fac, fra, enf = prof["facilitating"], prof["framing"], prof["enforcing"]
    assert fac.accountability < fra.accountability < enf.accountability
    assert fac.control < fra.control < enf.control
    assert fac.protected_share > fra.protected_share > enf.protected_share
    assert enf.takeover_rate > 0 == fac.takeover_rate == fra.takeover_rate
    assert enf.builders_do_casework and not fra.builders_do_casework
    assert fra.inclusion_demand > fac.inclusion_demand


def test_layered_mode_switches_per_neighbourhood_from_what_it_observes() -> None:
    p = Parameters(n_residents=800, burn_in_years=0, steering_mode="layered", layered_review_weeks=4,
                   layered_energy_initiatives=0.0, layered_crisis_waiting=50.0)
    m = CommunityModel(p, seed=2)
    assert set(m.levers.mode) == {"facilitating"}  # initiatives per 1,000 >= 0 everywhere: energy
    crisis = m.nbh_start[1] + np.arange(150)  # heavy needs and a long waiting list in the second neighbourhood
    m.pop.zrm[crisis, 0] = 1
    m.pop.case_state[crisis] = CASE_WAITING
    m.run_weeks(5)  # the review is due in the step of week 4
    assert m.levers.mode[1] == "enforcing"
    assert all(mode == "facilitating" for i, mode in enumerate(m.levers.mode) if i != 1)
    nbh = m.neighbourhood_frame()
    assert set(nbh.loc[nbh["week"] == 4, "steering_mode"]) == {"facilitating"}
    assert set(nbh.loc[nbh["week"] == 5, "steering_mode"]) == {"enforcing", "facilitating"}


def test_every_registered_mode_runs() -> None:
    for mode in STEERING_REGISTRY:
        res = run(Parameters(n_residents=200, burn_in_years=0.2, steering_mode=mode), seed=0, years=0.2)
        assert len(res.city) == round(0.2 * 52) + 1


def test_steering_switch_mid_run_acts_from_the_next_step_only() -> None:
    a = CommunityModel(SMALL, seed=7).run_weeks(6)
    b = CommunityModel(SMALL, seed=7).run_weeks(6)
    b.set_steering_mode("enforcing")
    assert set(b.levers.mode) == {"enforcing"}
    a.run_weeks(4)
    b.run_weeks(4)
    ca, cb = a.city_frame(), b.city_frame()
    pd.testing.assert_frame_equal(ca[ca.week <= 6], cb[cb.week <= 6])
    assert not ca[ca.week > 6].equals(cb[cb.week > 6])
    assert cb.loc[cb.week > 6, "admin_share"].mean() > ca.loc[ca.week > 6, "admin_share"].mean()


def test_intervention_added_mid_run_changes_levers_now() -> None:
    m = CommunityModel(SMALL, seed=1).run_weeks(3)
    twin = CommunityModel(SMALL, seed=1).run_weeks(4)
    m.add_intervention(make_intervention("time_rule", start_week=m.week, protected_share=0.5,
                                         builders_do_casework=False))
    m.add_intervention(make_intervention("close_meeting_places", start_week=m.week, share=1.0, immediate=True))
    m.step()
    assert np.all(m.levers.protected_share == 0.5) and not m.places.open.any() and twin.places.open.all()
    assert m.pro_hours[:, 2].sum() > twin.pro_hours[:, 2].sum()


def test_cases_of_redeployed_builders_return_to_the_queue_when_redeployment_ends() -> None:
    m = CommunityModel(Parameters(n_residents=800, burn_in_years=0.5, steering_mode="enforcing"), seed=3)
    m.run_weeks(20)
    builders = np.flatnonzero(~m.pro_team)
    held = np.isin(m.pop.case_prof, builders) & (m.pop.case_state == CASE_OPEN)
    assert held.any(), "builders took cases while redeployed"
    m.set_steering_mode("framing")
    m.step()
    assert not (np.isin(m.pop.case_prof, builders) & (m.pop.case_state == CASE_OPEN)).any()
    reopened = held & (m.pop.case_state == CASE_OPEN)
    assert np.all(m.pro_team[m.pop.case_prof[reopened]]), "taken over by district-team members"
    assert np.any(held & (m.pop.case_state == CASE_WAITING)) or reopened.any()


def test_citizen_budget_is_counted_once() -> None:
    # Without initiatives, so that grants (which citizen funding replaces) do not differ between the runs.
    p = Parameters(n_residents=600, burn_in_years=0.2, founding_rate=0.0)
    plain = CommunityModel(p, seed=2).run_weeks(1)
    budget = CommunityModel(p.replace(citizen_budget_eur=52.0), seed=2).run_weeks(1)
    extra = budget.city_frame()["community_cost_eur"].iloc[-1] - plain.city_frame()["community_cost_eur"].iloc[-1]
    assert extra == pytest.approx(52.0 * p.n_residents / 52, rel=0.05)


# ---------------------------------------------------------------------- parameters and agents
def test_parameters_reject_unknown_and_out_of_range_keys() -> None:
    with pytest.raises(ParameterError, match="n_residnets: unknown parameter"):
        Parameters().replace(n_residnets=10)
    with pytest.raises(ParameterError, match=r"tie_capacity: 0\.5 is out of range"):
        Parameters().replace(tie_capacity=0.5)
    with pytest.raises(ParameterError, match="burn_in_steering"):
        parameters_from_dict({"burn_in_steering": "anarchy"})
    with pytest.raises(ParameterError, match="kind_shares: must add up to 1"):
        Parameters().replace(kind_shares=(0.5, 0.5, 0.5, 0.0, 0.0))


def test_agents_are_mesa_agents_over_the_arrays() -> None:
    m = CommunityModel(SMALL, seed=0).run_weeks(2)
    assert len(m.residents) == SMALL.n_residents
    assert len(m.agents_by_type[MeetingPlace]) == len(m.places)
    assert len(m.agents_by_type[Professional]) == len(m.professionals)
    r: Resident = m.residents.to_list()[5]
    d = r.describe()
    assert d["loneliness"] == m.pop.score[r.idx] and d["neighbourhood"] == r.neighbourhood
    assert d["loneliness_category"] in ("not lonely", "moderately lonely", "severely lonely", "very severely lonely")
    assert {o for o, _ in r.ties()} == set(m.network_graph().neighbors(r.idx))
    for ini in m.initiatives:
        assert isinstance(ini, Initiative) and ini.describe()["alive"]


def test_network_graph_carries_attributes() -> None:
    m = CommunityModel(SMALL, seed=0)
    g = m.network_graph(np.arange(50))
    assert g.number_of_nodes() == 50
    assert all({"neighbourhood", "age_group", "loneliness"} <= set(g.nodes[n]) for n in g.nodes)
    assert all({"weight", "kin", "bridging"} <= set(e) for _, _, e in g.edges(data=True))
