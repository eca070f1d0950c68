"""Direction checks of mechanisms whose direction the literature is clear about.

Each check compares two arms over the same seeds (paired: common random numbers until the
arms differ) and states its tolerance: the mean paired difference must exceed a minimum
effect in the expected direction, and most seeds must agree. Sizes are small, so the
minimum effects are modest; they are far from zero relative to the seed-to-seed spread
seen when the checks were written.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from model import CommunityModel, Parameters, make_intervention, run_many
from model.experiments.runner import RunResult

P = Parameters(n_residents=800, burn_in_years=1.0, years=2.0)
SEEDS = range(6)
MOST = 5  # of 6 seeds must show the expected direction


def arm(params: Parameters = P, interventions: Callable[[], list] = list) -> RunResult:
    return run_many(params, seeds=SEEDS, interventions_for=interventions)


@pytest.fixture(scope="module")
def baseline() -> RunResult:
    return arm()


def final_means(res: RunResult, weeks: int = 52) -> pd.DataFrame:
    return res.final(weeks)


def window_means(res: RunResult, first: int, last: int) -> pd.DataFrame:
    c = res.city
    return c[(c.week > first) & (c.week <= last)].groupby("seed").mean(numeric_only=True)


def check(diff: pd.Series, min_effect: float, direction: int = 1) -> None:
    """Mean paired difference beyond ``min_effect`` in ``direction``, and most seeds agreeing."""
    d = direction * diff.to_numpy()
    assert d.mean() > min_effect, f"mean paired difference {direction * d.mean():+.4f}, expected beyond " \
                                  f"{direction * min_effect:+.4f} (per seed: {np.round(direction * d, 4)})"
    assert (d > 0).sum() >= MOST, f"only {(d > 0).sum()} of {len(d)} seeds in the expected direction: {d}"


def test_closing_all_meeting_places_raises_loneliness() -> None:
    """A larger city for longer: loneliness is largely dispositional in the calibrated baseline, so the
    situational effect of losing the places where people meet is small next to seed-to-seed noise."""
    city = P.replace(n_residents=3000, years=3.0)
    base = arm(city)
    closed = arm(city, interventions=lambda: [make_intervention("close_meeting_places", start_week=0, share=1.0,
                                                                immediate=True)])
    b, c = final_means(base), final_means(closed)
    check(c["mean_good_ties"] - b["mean_good_ties"], 0.05, direction=-1)
    check(c["social_lonely_share"] - b["social_lonely_share"], 0.003)
    check(c["lonely_share"] - b["lonely_share"], 0.002)
    check(c["community_strength"] - b["community_strength"], 0.5, direction=-1)


def test_more_administrative_load_ends_more_initiatives() -> None:
    """In a city that founds many initiatives, so that enough of them end within two years to compare."""
    busy = P.replace(n_residents=2000, founding_rate=0.003)

    def load(factor: float) -> RunResult:
        return arm(busy, interventions=lambda: [make_intervention("admin_load", start_week=0, factor=factor)])

    heavy, light = window_means(load(3.0), 0, 104), window_means(load(0.33), 0, 104)
    check(heavy["burnouts"] - light["burnouts"], 0.05)
    check(heavy["initiatives_ended"] - light["initiatives_ended"], 0.02)


def test_protected_community_time_is_taken_from_casework(baseline: RunResult) -> None:
    """The casework trap in reverse: hours are spent once, so protected community time lengthens the queue."""
    protected = arm(interventions=lambda: [make_intervention("protect_community_time", start_week=0, share=0.5)])
    b, p = window_means(baseline, 0, 104), window_means(protected, 0, 104)
    check(p["hours_community"] - b["hours_community"], 5.0)
    check(p["hours_casework"] - b["hours_casework"], 1.0, direction=-1)
    check(p["waiting_list"] - b["waiting_list"], 0.5)


def test_outreach_first_raises_registered_demand(baseline: RunResult) -> None:
    campaign = arm(interventions=lambda: [make_intervention("outreach_campaign", start_week=0, share=0.9)])
    b, c = window_means(baseline, 0, 26), window_means(campaign, 0, 26)
    check(c["outreach_found"] - b["outreach_found"], 0.1)
    check(c["referrals"] - b["referrals"], 0.02)


def test_a_demand_shock_raises_casework_while_it_lasts(baseline: RunResult) -> None:
    shock = arm(interventions=lambda: [make_intervention("demand_shock", start_week=0, end_week=52,
                                                         multiplier=3.0)])
    b, s = window_means(baseline, 26, 52), window_means(shock, 26, 52)
    check((s["open_cases"] + s["waiting_list"]) - (b["open_cases"] + b["waiting_list"]), 2.0)


def test_reluctance_to_ask_leaves_needs_unmet(baseline: RunResult) -> None:
    reluctant = arm(P.replace(reluctance_mean=0.95))
    check(final_means(reluctant)["needy_helped_share"] - final_means(baseline)["needy_helped_share"], 0.02,
          direction=-1)


def test_controlling_steering_crowds_out_motivation() -> None:
    def control(level: float) -> RunResult:
        return arm(P.replace(steering={"framing": {"control": level}}))

    check(final_means(control(0.95))["mean_motivation"] - final_means(control(0.05))["mean_motivation"], 0.01,
          direction=-1)


def test_loneliness_spreads_through_ties() -> None:
    """With contagion, scores of tied residents are more alike than without (Cacioppo et al. 2009)."""
    def assortativity(contagion: float, seed: int) -> float:
        m = CommunityModel(P.replace(contagion=contagion), seed=seed).run_years(1)
        s, a, b = m.pop.score.astype(float), m.net.a, m.net.b
        return float(np.corrcoef(np.concatenate([s[a], s[b]]), np.concatenate([s[b], s[a]]))[0, 1])

    diff = pd.Series([assortativity(0.5, s) - assortativity(0.0, s) for s in SEEDS])
    check(diff, 0.01)


def test_protection_by_good_ties_saturates() -> None:
    """Loneliness falls with good ties and levels off after about 4-5 (De Jong Gierveld & Van Tilburg 2007)."""
    m = CommunityModel(Parameters(n_residents=3000, burn_in_years=1.0), seed=0)
    score = pd.Series(m.pop.score.astype(float)).groupby(np.minimum(m.pop.good_ties, 9)).mean()
    few, some, many = score.loc[0:1].mean(), score.loc[4:5].mean(), score.loc[8:9].mean()
    assert few - some > 1.0, f"0-1 good ties {few:.2f} vs 4-5 {some:.2f}"
    assert some - many < (few - some) / 2, f"4-5 good ties {some:.2f} vs 8-9 {many:.2f}: no saturation"
