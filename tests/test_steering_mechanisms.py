"""Direction checks of the rules that give each steering mode its benefits and its costs (issue 13).

As in ``test_mechanisms.py``: two arms over the same seeds, a minimum effect in the expected
direction of the mean paired difference, and most seeds agreeing. Each test turns one rule's
parameter from off (or low) to on (or high) in a city where the rule is exercised: a queue (a
demand shock), initiatives (a higher founding rate), a budget cut for the meeting places.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from paired import SEEDS, P, arm, check, window

from model import CommunityModel, Parameters, make_intervention, run_many
from model.api import RunResult
from model.core.submodels.professionals import reach_chances

#: Founds many initiatives, so that rules acting through initiatives are exercised within two years.
BUSY = P.replace(n_residents=1200, founding_rate=0.003)
def shock() -> list:
    """A year of three times the life events: a queue builds up."""
    return [make_intervention("demand_shock", start_week=0, end_week=52, multiplier=3.0)]


def framing(**levers: object) -> Parameters:
    """The baseline with some of framing's levers changed."""
    return P.replace(steering={"framing": levers})


@pytest.fixture(scope="module")
def shocked() -> RunResult:
    return arm(interventions=shock)


# ---------------------------------------------------------------------- the waiting list's balancing loops
def test_residents_give_up_waiting(shocked: RunResult) -> None:
    """Reneging: a queue loses those who give up, so it stays shorter."""
    patient = arm(P.replace(renege_rate=0.0), interventions=shock)
    b, p = window(shocked, 26, 78), window(patient, 26, 78)
    check(b["reneged"] - p["reneged"], 0.2)
    check(b["waiting_list"] - p["waiting_list"], 2.0, direction=-1)


def test_the_municipality_hires_when_waits_pass_the_legal_term() -> None:
    """Extra staff arrives while the mean wait exceeds the Wmo term, and the queue is shorter for it."""
    none = arm(framing(capacity_response=0.0), interventions=shock)
    quick = arm(framing(capacity_response=1.0, capacity_lag_weeks=4.0), interventions=shock)
    n, q = window(none, 26, 104), window(quick, 26, 104)
    assert (n["hired_fte"] == 0).all()
    check(q["hired_fte"] - n["hired_fte"], 0.1)
    check(q["waiting_list"] - n["waiting_list"], 2.0, direction=-1)
    check(q["professional_cost_eur"] - n["professional_cost_eur"], 100.0)


def test_the_front_desk_refers_to_volunteers() -> None:
    """The voorliggend veld: with volunteers of initiatives to match, fewer needs join the waiting list."""
    none, full = arm(BUSY.replace(steering={"framing": {"diversion": 0.0}})), arm(
        BUSY.replace(steering={"framing": {"diversion": 1.0}}))
    n, f = window(none, 52, 104), window(full, 52, 104)
    assert (n["diverted"] == 0).all()
    check(f["diverted"] - n["diverted"], 0.3)
    check(f["referrals"] - n["referrals"], 0.2, direction=-1)


def test_loneliness_raises_individual_problems() -> None:
    """The less community strength, the more individual need: lonely residents meet more life events."""
    b, s = window(arm(P.replace(lonely_shock_factor=1.0))), window(arm(P.replace(lonely_shock_factor=2.5)))
    check(s["formal_support_share"] - b["formal_support_share"], 0.003)


# ---------------------------------------------------------------------- what taking over is for, and what it costs
def test_bemoeizorg_reaches_those_who_do_not_ask() -> None:
    """Casework time spent seeking out heavy needs finds residents and prevents crises (made frequent here)."""
    city = P.replace(n_residents=1500, crisis_rate=0.1)
    b = window(arm(city.replace(steering={"framing": {"bemoeizorg_share": 0.0}})))
    o = window(arm(city.replace(steering={"framing": {"bemoeizorg_share": 0.3}})))
    assert (b["bemoeizorg_found"] == 0).all()
    check(o["bemoeizorg_found"] - b["bemoeizorg_found"], 0.3)
    check(o["crises"] - b["crises"], 0.005, direction=-1)


def test_acute_needs_left_alone_become_crises_that_cost() -> None:
    none, some = window(arm(P.replace(crisis_rate=0.0))), window(arm(P.replace(crisis_rate=0.2)))
    assert (none["crises"] == 0).all() and (none["crisis_cost_eur"] == 0).all()
    check(some["crises"] - none["crises"], 0.05)
    check(some["total_cost_eur"] - none["total_cost_eur"], 100.0)


def test_taking_over_keeps_meeting_places_open_at_a_cost() -> None:
    """After a budget cut, a municipality that takes over keeps the places open, and pays for them."""
    def cut() -> list:
        return [make_intervention("close_meeting_places", start_week=0, share=1.0)]

    left = window(arm(interventions=cut), 52, 104)
    taken = window(arm(framing(takeover_rate=0.2), interventions=cut), 52, 104)
    assert (left["meeting_places_taken_over"] == 0).all()
    check(taken["meeting_places_open"] - left["meeting_places_open"], 1.0)
    check(taken["community_cost_eur"] - left["community_cost_eur"], 50.0)


# ---------------------------------------------------------------------- what facilitating is for, and what it costs
def test_self_managed_places_are_cheaper_but_close_without_volunteers() -> None:
    own = window(arm(framing(place_self_managed=0.0)))
    handed = window(arm(framing(place_self_managed=1.0)))
    check(handed["community_cost_eur"] - own["community_cost_eur"], 50.0, direction=-1)
    check(handed["meeting_places_open"] - own["meeting_places_open"], 0.5, direction=-1)


def test_targeting_decides_whom_community_work_reaches() -> None:
    engagement = np.array([0.0, 0.0, 1.0, 1.0])
    isolation = np.array([1.0, 1.0, 0.1, 0.1])
    responsive, targeted = reach_chances(engagement, isolation, 0.0), reach_chances(engagement, isolation, 1.0)
    np.testing.assert_allclose([responsive.sum(), targeted.sum()], 1.0)
    assert responsive[2] > responsive[0] and targeted[0] > targeted[2]
    assert (responsive > 0).all(), "everyone can be reached"


def test_targeting_the_isolated_brings_them_into_initiatives() -> None:
    def isolated_members(targeting: float) -> pd.Series:
        shares = []
        for seed in SEEDS:
            m = CommunityModel(BUSY.replace(steering={"framing": {"targeting": targeting}}), seed=seed).run_years(1.5)
            r = m.resident_frame()
            shares.append(r.loc[(r.good_ties <= 1) & (r.loneliness >= 3), "member"].mean())
        return pd.Series(shares)

    check(isolated_members(1.0) - isolated_members(0.0), 0.005)


def test_the_participation_gap_lowers_volunteering() -> None:
    """In a city where most residents have a low income, so that the gap shows in the city's figure."""
    poor = P.replace(archetypes={name: {"low_income_share": 0.7} for name in P.archetypes})
    equal, gap = window(arm(poor.replace(low_income_civic_factor=1.0))), window(
        arm(poor.replace(low_income_civic_factor=0.2)))
    check(gap["volunteering_share_year"] - equal["volunteering_share_year"], 0.005, direction=-1)


def test_structural_grants_keep_members_that_temporary_grants_lose() -> None:
    """When every grant ends after a year, the members who came for it leave; structural grants keep them.

    All of them leave at a grant's end (``grant_end_leave`` 1), after a year: after a quarter an
    initiative has recruited few members to lose, and the difference was smaller than the seeds' spread.
    Without the extra reporting a grant brings (``grant_admin_factor`` 1), which would burn out more core
    volunteers the longer a grant runs: the other side of the trade-off. Twelve seeds, because how many
    members a city keeps varies between seeds as much as the effect does (see the tolerances below).
    """
    city = BUSY.replace(grant_end_leave=1.0, grant_admin_factor=1.0)
    seeds = range(12)
    short, long = (window(run_many(city.replace(steering={"framing": {"grant_prob": 1.0, "grant_weeks": weeks}}),
                                   seeds=seeds), 26, 104) for weeks in (52, 520))
    more = long["initiative_members"] - short["initiative_members"]
    # Structural grants kept 24.3 more members over seeds 0-35 (sd 13 between seeds) with this code's
    # draws, 16.8 (sd 12) over seeds 0-23 with other draws (maintain_ties' in a kernel, round 6 of issue
    # 19), and -3.9 (sd 11.5, seeds 0-23) and 5.6 (sd 10, seeds 0-11) when nobody leaves at a grant's
    # end (grant_end_leave 0): about 20 members, against about 0 without the mechanism. With 12 seeds a
    # mean has a standard error of about 3.5: 10 lies about 3 standard errors from both, so the check
    # fails about once in 500 whatever the draws, and fails without the members who leave.
    assert more.mean() > 10, f"{more.mean():+.1f} members on average (per seed: {more.round(1).tolist()})"
    # A grant that runs ten times longer costs more in every week of the window: 1,244 EUR more on
    # average (sd 130); half of that is a margin of over 20 standard errors.
    extra = long["community_cost_eur"] - short["community_cost_eur"]
    assert extra.mean() > 600, f"{extra.mean():+.0f} EUR on average (per seed: {extra.round(0).tolist()})"


def test_an_inclusion_demand_brings_in_residents_beyond_members_ties() -> None:
    closed = window(arm(BUSY.replace(open_recruit_rate=0.0)), 52, 104)
    open_ = window(arm(BUSY.replace(open_recruit_rate=3.0)), 52, 104)
    check(open_["initiative_members"] - closed["initiative_members"], 2.0)


# ---------------------------------------------------------------------- a queue that outgrows its team
@pytest.mark.slow
def test_the_balancing_loops_keep_a_growing_queue_bounded() -> None:
    """Thirty per cent protected community time takes hours from casework for ten years (issue 13).

    With reneging and hiring (the defaults) the queue is shorter than without them in the last three
    years and grows by at most 40% from years 1-3 to years 7-9 (about a quarter when this test was
    written; without the loops the queue stood about twice as high and was still rising).
    """
    city = P.replace(years=10.0)
    def queue_by_year(params: Parameters) -> pd.DataFrame:
        c = arm(params, interventions=lambda: [
            make_intervention("protect_community_time", start_week=0, share=0.3)]).city
        return c.assign(year=c.week // 52).pivot_table(index="seed", columns="year", values="waiting_list")

    balanced = queue_by_year(city)
    unbalanced = queue_by_year(city.replace(renege_rate=0.0, steering={"framing": {"capacity_response": 0.0}}))
    late, early = list(range(7, 10)), list(range(1, 4))
    check(unbalanced[late].mean(axis=1) - balanced[late].mean(axis=1), 10.0)
    growth = balanced[late].to_numpy().mean() / balanced[early].to_numpy().mean()
    assert growth < 1.4, f"the queue grew {growth:.2f}x from years 1-3 to years 7-9 despite the balancing loops"


# ---------------------------------------------------------------------- what switching costs
def test_switching_mode_disrupts_community_work_for_a_while() -> None:
    def switch(disruption: float) -> RunResult:
        return arm(P.replace(switch_disruption=disruption, switch_disruption_weeks=26),
                   interventions=lambda: [make_intervention("switch_steering", start_week=10, mode="facilitating")])

    smooth, rough = window(switch(0.0), 10, 36), window(switch(1.0), 10, 36)
    check(smooth["outreach_found"] - rough["outreach_found"], 0.2)
