"""The levers of people in a workshop room (``model/core/interventions/participation.py``) in the model itself:
per-neighbourhood steering, team size, the community-time split, support for chosen initiatives, resident
groups that found, join, volunteer and ask for help, and the citizen-budget vote."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.core import submodels
from model.core.interventions import INTERVENTION_REGISTRY, make_intervention
from model.core.parameters import INITIATIVE_KINDS
from model.core.state import CASE_NONE, CASE_WAITING, need_level_of
from model.workshop.session import WorkshopModel

SMALL = {"n_residents": 400}


def model(weeks: int = 4, **overrides: float) -> WorkshopModel:
    return WorkshopModel("baseline", seed=3, overrides=SMALL | overrides).run_weeks(weeks)


#: A founding rate at which a small city has initiatives for a group to join or a budget to fund (at the
#: default rate a 400-resident city may have none alive: seed 3 had two before round 8's draws, none after).
WITH_INITIATIVES = {"founding_rate": 0.001}


def test_steer_neighbourhood_sets_only_that_neighbourhood_and_holds() -> None:
    m = model()
    m.decide("steer_neighbourhood", mode="enforcing", neighbourhoods=("urban_young",))
    m.run_weeks(3)
    here = m.nbh_names == "urban_young"
    assert set(m.levers.mode[here]) == {"enforcing"} and set(m.levers.mode[~here]) == {"framing"}
    assert m.levers.builders_do_casework[here].all() and not m.levers.builders_do_casework[~here].any()


def test_team_size_sets_the_team_and_gives_the_hours_back_at_its_end() -> None:
    m = model()
    before = m.team_fte.copy()
    m.decide("team_size", per_1000=6.0, neighbourhoods=("urban_deprived",), end_week=m.week + 2)
    m.step()
    here = m.nbh_names == "urban_deprived"
    np.testing.assert_allclose(m.team_fte[here], 6.0 * m.nbh_size[here] / 1000)
    np.testing.assert_array_equal(m.team_fte[~here], before[~here])
    assert m.city_frame()["professional_fte"].iloc[-1] > m.baseline.city_frame()["professional_fte"].iloc[-1]
    m.run_weeks(2)
    np.testing.assert_allclose(m.team_fte, before)
    assert [pro.fte for pro in m.professionals] == list(m.pro_fte)


def test_team_size_leaves_the_temporary_staff_to_the_hiring_rule() -> None:
    m = model()
    post = m.hired_post
    m.pro_fte[post] = 0.5  # as if the municipality had hired
    for i in post:
        m.professionals[i].fte = 0.5
    permanent = m.team_fte.copy()
    m.add_intervention(make_intervention("team_size", per_1000=6.0, start_week=m.week, end_week=m.week + 1))
    submodels.apply_interventions(m)
    np.testing.assert_allclose(m.team_fte, 6.0 * m.nbh_size / 1000)  # the permanent team only
    assert (m.pro_fte[post] == 0.5).all()
    m.pro_fte[post] = 0.7  # hired more meanwhile: the end of the resize keeps that
    for i in post:
        m.professionals[i].fte = 0.7
    m.week += 1  # the end week, without a step (whose hiring rule would move the posts)
    submodels.apply_interventions(m)
    np.testing.assert_allclose(m.team_fte, permanent)
    assert (m.pro_fte[post] == 0.7).all()


def test_community_time_split_is_normalised() -> None:
    m = model()
    m.decide("community_time_split", connecting=1, initiative_support=1, talent_spotting=0, outreach=2)
    m.step()
    np.testing.assert_allclose(m.levers.community_split, np.tile([0.25, 0.25, 0, 0.5], (m.n_nbh, 1)))
    with pytest.raises(ValueError, match="not all zero"):
        make_intervention("community_time_split", connecting=0, initiative_support=0, talent_spotting=0, outreach=0)


def test_a_resident_group_is_drawn_without_touching_the_models_random_numbers() -> None:
    m = model()
    state = m.rng.bit_generator.state
    iv = make_intervention("group_asks_for_help", group_size=12, group_seed=5, neighbourhoods=("urban_young",))
    group = iv.group(m)
    assert m.rng.bit_generator.state == state
    assert len(group) == 12 and set(m.nbh_names[m.pop.nbh[group]]) == {"urban_young"}
    np.testing.assert_array_equal(group, iv.group(m))  # the same households every time


def test_a_group_joins_volunteers_and_asks_for_help() -> None:
    m = model(8, **WITH_INITIATIVES)
    pop, ini = m.pop, m.inits
    b = int(np.flatnonzero(np.bincount(ini.nbh[ini.alive], minlength=m.n_nbh))[0])
    where = (str(m.nbh_names[b]),)
    k = int(np.flatnonzero(ini.alive & (ini.nbh == b))[0])
    group = dict(group_size=40, group_seed=2, neighbourhoods=where)
    who = make_intervention("group_joins_initiative", initiative=k, **group).group(m)
    free = who[(pop.member_of[who] < 0) & (need_level_of(pop.zrm, who) <= 2)]
    others = pop.member_of.copy()
    m.add_intervention(make_intervention("group_joins_initiative", initiative=k, start_week=m.week, **group))
    m.add_intervention(make_intervention("group_volunteers", commitment="core", start_week=m.week, **group))
    m.add_intervention(make_intervention("group_asks_for_help", whom="district_team", start_week=m.week, **group))
    in_need = who[(need_level_of(pop.zrm, who) >= 1) & (pop.case_state[who] == CASE_NONE)]
    submodels.apply_interventions(m)  # what the next step does first
    assert len(free) and (pop.member_of[free] == k).all() and pop.core[free].all()
    outside = np.setdiff1d(np.arange(len(pop)), who)
    np.testing.assert_array_equal(pop.member_of[outside], others[outside])
    assert len(in_need) and (pop.case_state[in_need] == CASE_WAITING).all()
    with pytest.raises(ValueError, match="commitment"):
        make_intervention("group_volunteers", commitment="always")


def test_support_goes_to_the_chosen_initiatives_and_back_to_all_at_the_end() -> None:
    m = WorkshopModel("baseline", seed=1, overrides={"n_residents": 2000})  # two initiatives in a neighbourhood
    ini = m.inits
    b = int(np.argmax(np.bincount(ini.nbh[ini.alive & ~ini.taken_over], minlength=m.n_nbh)))
    here = np.flatnonzero(ini.alive & ~ini.taken_over & (ini.nbh == b))
    assert len(here) >= 2
    m.decide("support_initiatives", initiatives=(int(here[0]),), neighbourhoods=(str(m.nbh_names[b]),),
             end_week=m.week + 2)
    m.step()
    hours = ini.support_hours[here]
    assert hours[0] > 0 and (hours[1:] == 0).all()
    assert hours[0] == pytest.approx(m.community_hours[b, 1])  # all the support hours, none lost
    m.run_weeks(2)
    assert (ini.support_weight == 1).all()


def test_a_group_founds_an_initiative_of_its_kind_with_its_free_members_as_core() -> None:
    m = model(4)
    pop, ini = m.pop, m.inits
    iv = make_intervention("group_founds_initiative", kind="broodfonds", group_size=30, group_seed=9,
                           neighbourhoods=("village_ageing",), start_week=m.week)
    who = iv.group(m)
    free = who[(pop.member_of[who] < 0) & (need_level_of(pop.zrm, who) <= 2)]
    alive = ini.alive.copy()
    m.add_intervention(iv)
    submodels.apply_interventions(m)
    new = np.flatnonzero(ini.alive & ~alive)
    assert len(new) == 1
    k = int(new[0])
    assert ini.kind[k] == INITIATIVE_KINDS.index("broodfonds") and m.nbh_names[ini.nbh[k]] == "village_ageing"
    assert (pop.member_of[free] == k).all() and pop.core[free].all() and ini.founded[k] == m.week
    with pytest.raises(ValueError, match="kind"):
        make_intervention("group_founds_initiative", kind="rave")


def test_the_citizen_budget_vote_funds_an_initiative_only_where_there_is_a_budget() -> None:
    for budget, funded in ((0.0, False), (20.0, True)):
        m = model(8, **WITH_INITIATIVES)
        ini = m.inits
        k = int(np.flatnonzero(ini.alive & ~ini.citizen_funded)[0])
        where = (str(m.nbh_names[ini.nbh[k]]),)
        if budget:
            m.decide("citizen_budget", eur_per_resident=budget, neighbourhoods=where)
        m.decide("award_citizen_budget", initiative=k, neighbourhoods=where, end_week=m.week + 1)
        m.step()
        assert bool(ini.citizen_funded[k]) is funded


CHOSEN = [(name, f.name) for name, cls in INTERVENTION_REGISTRY.items() for f in dataclasses.fields(cls)
          if f.metadata.get("choices") is not None]


@pytest.mark.parametrize(("name", "setting"), CHOSEN)
def test_every_setting_with_choices_is_checked_when_the_intervention_is_made(name: str, setting: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}: {setting} 'nonsense'; use one of "):
        make_intervention(name, **{setting: "nonsense"})
    with pytest.raises(ValueError, match=f"^{name}: {setting} 3; use one of "):  # a number from a file is no choice
        make_intervention(name, **{setting: 3})
    declared = next(f for f in dataclasses.fields(INTERVENTION_REGISTRY[name]) if f.name == setting)
    first = next(iter(declared.metadata["choices"]))
    assert getattr(make_intervention(name, **{setting: first}), setting) == first


def test_the_choice_check_covers_switch_steering_and_steer_neighbourhood() -> None:
    assert {("switch_steering", "mode"), ("steer_neighbourhood", "mode")} <= set(CHOSEN)
