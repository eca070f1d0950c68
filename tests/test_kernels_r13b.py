"""Round 13, helper B: work of one week done once, with the same bits (issue 19).

``maintain_ties`` takes the activity that ``visit_venues`` worked out in the same week (nothing between the two
changes what it depends on), and works it out itself when called on its own. The meeting activities without a place
are one compiled pass over the slots, as :func:`members_without_place` (numpy, the rule's formulation before) says.
The kernels changed this round are compared with the formulations they replace (given the same numbers) in the tests
of their earlier rounds and below.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from model import CommunityModel, Parameters
from model.core.draws import draw_key
from model.core.submodels.helpers import MEETING, activity
from model.core.submodels.ties import form_ties, maintain_ties
from model.core.submodels.venues import slots_without_place, visit_venues

TIES = ("a", "b", "w", "kin", "bridging")


def members_without_place(m: CommunityModel, k: np.ndarray) -> np.ndarray:
    """Which of the initiatives ``k`` are meeting activities without an open meeting place (numpy, as before)."""
    ini = m.inits
    return (ini.kind[k] == MEETING) & ((ini.place[k] < 0) | ~m.places.open[np.maximum(ini.place[k], 0)])


@pytest.fixture(scope="module")
def city() -> CommunityModel:
    return CommunityModel(Parameters(n_residents=1500, burn_in_years=0.5, neighbourhoods_per_archetype=2), seed=5)


def _same_ties(m: CommunityModel, twin: CommunityModel) -> None:
    for name in TIES:
        np.testing.assert_array_equal(getattr(m.net, name), getattr(twin.net, name), err_msg=name)
    np.testing.assert_array_equal(m.pop.good_ties, twin.pop.good_ties)
    np.testing.assert_array_equal(m.pop.ties_lost, twin.pop.ties_lost)
    assert m.rng.bit_generator.state == twin.rng.bit_generator.state


def test_maintain_ties_takes_the_weeks_activity_from_visit_venues_once(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    venues = visit_venues(m)
    np.testing.assert_array_equal(m.venue_activity, activity(m))
    form_ties(m, venues)
    np.testing.assert_array_equal(m.venue_activity, activity(m))  # form_ties changes none of its inputs
    twin = copy.deepcopy(m)
    del twin.venue_activity  # the twin works it out afresh
    maintain_ties(m)
    maintain_ties(twin)
    _same_ties(m, twin)
    assert not hasattr(m, "venue_activity")  # taken: a second call works it out again


def test_maintain_ties_on_its_own_works_the_activity_out(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    assert not hasattr(m, "venue_activity")  # the last week's maintain_ties took it
    m.pop.score[:] = 11  # everyone lonely: less activity than the last visit saw
    twin = copy.deepcopy(m)
    maintain_ties(m)
    p = twin.p
    twin.pop.good_ties = twin.net.contact_and_decay(
        draw_key(twin.rng), activity(twin), p.tie_capacity, p.tie_contact_prob, p.kin_contact_factor, p.tie_gain,
        twin.pop.nbh, twin.tie_decay, p.tie_decay * p.kin_decay_factor, p.tie_drop_threshold, p.good_tie_threshold,
        twin.pop.ties_lost)
    _same_ties(m, twin)


def test_a_stale_activity_would_show(city: CommunityModel) -> None:
    """The test above can fail: maintain_ties given another activity ends other ties."""
    m = copy.deepcopy(city)
    twin = copy.deepcopy(m)
    m.venue_activity = np.zeros(len(m.pop))
    maintain_ties(m)
    maintain_ties(twin)
    assert not np.array_equal(m.net.w, twin.net.w) or len(m.net) != len(twin.net)


@pytest.mark.parametrize("slots", [0, 1, 7, 300])
def test_slots_without_a_place_are_the_numpy_formulation(slots: int) -> None:
    rng = np.random.default_rng(slots)
    kind = rng.integers(0, 5, slots)
    kind[::3] = MEETING
    place = rng.integers(-1, 6, slots)
    place_open = rng.random(6) < 0.5
    expected = (kind == MEETING) & ((place < 0) | ~place_open[np.maximum(place, 0)])
    np.testing.assert_array_equal(slots_without_place(kind, place, place_open), expected)


def test_slots_without_a_place_in_a_city_are_helpers(city: CommunityModel) -> None:
    m = copy.deepcopy(city)
    m.places.open[::2] = False  # some meeting activities lose their place
    got = slots_without_place(m.inits.kind, m.inits.place, m.places.open)
    np.testing.assert_array_equal(got, members_without_place(m, np.arange(len(m.inits))))
    assert got.any() and not got.all()
