"""Compiled loops that replace numpy calls give what those calls gave (``docs/performance.md``)."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile

import numba
import numpy as np

from model import CommunityModel, Parameters
from model.core.city import share_disposition_with_kin
from model.core.draws import draw_key, uniform
from model.core.metrics import _COUNTS, _resident_counts
from model.core.state import (
    CASE_OPEN,
    CASE_WAITING,
    DAILY_LIVING,
    LONELY,
    PHYSICAL,
    SEVERE,
    _mean_of_three,
    need_level_of,
)
from model.core.submodels.helpers import _least_loaded, _take_distinct, recover, recoverable_value
from model.core.submodels.needs import (
    _DOMAIN,
    _HOUSEHOLD,
    _LEAVE,
    _RECOVER,
    _SHOCK,
    _ask_best,
    _households_and_shocks,
    _leaving,
    _LifeParameters,
    _self_recovery,
)
from model.core.submodels.professionals import _outreach_chances, pairwise_sum, reach_chances
from model.core.submodels.venues import fund_meeting_places
from model.core.submodels.wellbeing import confidant_table
from model.core.time import WEEKS_PER_YEAR


def _choice(rng: np.random.Generator, items: np.ndarray, size: int, weight: np.ndarray) -> np.ndarray:
    """``rng.choice(items, size, False, weight)`` by :func:`_take_distinct`, drawing again for repeats."""
    cdf, chosen, seen = np.empty(len(weight)), np.empty(size, dtype=np.int64), np.zeros(len(weight), dtype=np.bool_)
    n = 0
    while n < size:
        n = _take_distinct(weight, rng.random(size - n), cdf, chosen, seen, n)
    return items[chosen]


def test_take_distinct_draws_what_generator_choice_draws() -> None:
    cases = np.random.default_rng(0)
    for _ in range(300):
        n = int(cases.integers(1, 40))
        weight = cases.random(n) ** 4
        weight[cases.random(n) < 0.2] = 0  # zero weights are never drawn
        if not weight.any():
            continue
        weight /= weight.sum()
        size = int(cases.integers(1, np.count_nonzero(weight) + 1))
        items = cases.permutation(1000)[:n]
        seed = int(cases.integers(2**32))
        ours, numpy = np.random.default_rng(seed), np.random.default_rng(seed)
        expected = numpy.choice(items, size=size, replace=False, p=weight)
        np.testing.assert_array_equal(_choice(ours, items, size, weight), expected)
        assert ours.random() == numpy.random(), "and the generator is left in the same state"


def test_resident_counts_match_the_numpy_formulation() -> None:
    m = CommunityModel(Parameters(n_residents=600, burn_in_years=1, neighbourhoods_per_archetype=2), seed=5)
    m.run_weeks(20)
    pop, k, week = m.pop, m.n_nbh, m.week
    pop.lon_s[:3] = 2.5, 3.5, np.nextafter(2.5, 3)  # numpy's rint rounds halves to even
    level, waiting, old, score = need_level_of(pop.zrm), pop.case_state == CASE_WAITING, pop.age == 3, pop.score
    numpy = {
        "lonely": score >= LONELY, "moderate": (score >= LONELY) & (score <= 8),
        "severe": (score >= SEVERE) & (score <= 10), "very_severe": score == 11,
        "social_lonely": np.rint(pop.lon_s) >= LONELY, "emotional_lonely": np.rint(pop.lon_e) >= LONELY,
        "score": score, "residents_75": old, "lonely_75": old & (score >= LONELY), "severe_75": old & (score >= SEVERE),
        "good_ties": pop.good_ties, "needy": level >= 1, "needy_helped": (level >= 1) & (pop.helper >= 0),
        "open_cases": pop.case_state == CASE_OPEN, "waiting": waiting, "wait_weeks": waiting * (week - pop.case_since),
        "carers": pop.care_given > 0, "volunteers_year": week - pop.last_volunteered < 52,
        "volunteers_week": pop.volunteer_hours > 0, "volunteers_month": week - pop.last_volunteered < 4,
        "members": pop.member_of >= 0, "core": pop.core,
    }
    got = _resident_counts(m.nbh_start, week, score, pop.lon_s, pop.lon_e, pop.age, pop.good_ties, level, pop.helper,
                           pop.case_state, pop.case_since, pop.care_given, pop.last_volunteered, pop.volunteer_hours,
                           pop.member_of, pop.core)
    assert set(numpy) == set(_COUNTS)
    for j, name in enumerate(_COUNTS):
        np.testing.assert_array_equal(got[:, j], np.bincount(pop.nbh, numpy[name].astype(np.int64), minlength=k),
                                      err_msg=name)
    assert got[:, _COUNTS.index("lonely")].sum() > 0 and got[:, _COUNTS.index("waiting")].sum() > 0


def test_need_levels_of_some_residents_are_theirs_among_everyones() -> None:
    zrm = np.asfortranarray(np.random.default_rng(2).integers(1, 6, size=(500, 11)).astype(np.int8))
    zrm[:5, :9] = np.arange(1, 6)[:, None]  # lowest domain 1 to 5: need levels 3, 2, 1, 0, 0
    who = np.array([0, 1, 2, 3, 4, 7, 7, 499])
    level = need_level_of(zrm, who)
    assert level.dtype == zrm.dtype and list(level[:5]) == [3, 2, 1, 0, 0]
    np.testing.assert_array_equal(level, need_level_of(zrm)[who])
    np.testing.assert_array_equal(level, np.clip(4 - zrm[who, :9].min(axis=1), 0, 3))


def _numpy_recoverable(zrm: np.ndarray, chronic: np.ndarray, who: np.ndarray) -> np.ndarray:
    """The nine life domains of ``who`` as recovery sees them, by numpy: a chronic floor (2 or more) reads as 6."""
    z = zrm[who, :9].copy()
    cols = [DAILY_LIVING, PHYSICAL]
    z[:, cols] = np.where(chronic[who][:, None] & (z[:, cols] >= 2), 6, z[:, cols])
    return z


def test_recoverable_value_reads_a_chronic_floor_as_6() -> None:
    rng = np.random.default_rng(3)
    zrm, chronic = np.asfortranarray(rng.integers(1, 6, size=(200, 11)).astype(np.int8)), rng.random(200) < 0.5
    who = np.array([5, 0, 199, 5, 42])
    got = np.array([[recoverable_value(zrm, i, j, chronic) for j in range(9)] for i in who])
    assert (got == 6).any()
    np.testing.assert_array_equal(got, _numpy_recoverable(zrm, chronic, who))


def test_ask_best_takes_what_lexsort_took() -> None:
    rng = np.random.default_rng(4)
    for _ in range(50):
        n, k = 30, int(rng.integers(0, 80))
        asker, carer = rng.integers(0, n, k), rng.integers(0, n, k)
        score = rng.integers(0, 4, k) * rng.choice([0.5, 1.0], k)  # many equal scores, zeros among them
        helper = np.full(n, -1)
        helper[::7] = 99  # residents who do not ask keep their helper
        order = np.lexsort((-score, asker))  # the numpy formulation
        first = np.unique(asker[order], return_index=True)[1]
        expected = helper.copy()
        expected[asker[order][first]] = carer[order][first]
        _ask_best(asker, carer, score, helper)
        np.testing.assert_array_equal(helper, expected)


def test_confidant_table_is_numpys_exponential_of_each_count() -> None:
    close = np.random.default_rng(5).integers(0, 300, 10_001)  # an odd length: numpy's vector loop has a tail
    for scale in (1.0, 2.5, 3.7):
        np.testing.assert_array_equal(confidant_table(close.max(), scale)[close], np.exp(-close / scale))
    assert len(confidant_table(0, 2.0)) == 1  # a city without close ties still looks up a count of 0


def test_pairwise_sum_is_numpys_sum_bit_for_bit() -> None:
    rng = np.random.default_rng(8)
    lengths = [*range(300), 1_000, 8_191, 8_193, 25_000, 100_003]  # numpy's block edges (8, 128) and buffer size
    for n in lengths:
        x = rng.random(n) ** 6 * rng.choice([1e-9, 1.0, 1e6])  # magnitudes that round differently by order
        assert pairwise_sum(x, 0, n) == x.sum(), n
        lo, hi = n // 3, n - n // 5
        assert pairwise_sum(x, lo, hi - lo) == x[lo:hi].sum(), n  # a slice: numpy sums its own run alike


def test_reach_and_outreach_chances_match_the_numpy_formulation() -> None:
    rng = np.random.default_rng(9)
    for n in (1, 7, 130, 2_000, 25_001):
        engagement, need = rng.random(n), rng.random(n) * rng.choice([0.0, 1.0, 3.0])  # all zeros too
        for targeting in (0.0, 0.37, 1.0):
            def share(x: np.ndarray) -> np.ndarray:
                return x / x.sum()

            expected = (1 - targeting) * share(engagement + 0.05) + targeting * share(need + 1e-9)
            np.testing.assert_array_equal(reach_chances(engagement, need, np.float64(targeting)), expected)
        weight = 1 + (20.0 - 1) * engagement
        np.testing.assert_array_equal(_outreach_chances(engagement, 20.0), weight / weight.sum())


def test_uniform_integers_are_what_generator_choice_draws_with_replacement() -> None:
    for seed in range(50):  # community work picks initiatives with ``rng.integers``, not ``rng.choice``
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        items, size = np.arange(seed % 7 + 1) * 3, (seed * 13) % 40
        np.testing.assert_array_equal(items[a.integers(0, len(items), size)], b.choice(items, size))
        assert a.random() == b.random()  # the generator is left in the same state


def _fund_meeting_places_with_numpy(m: CommunityModel) -> None:
    """``fund_meeting_places`` as numpy calls (the code before its compiled pass)."""
    p, pl, ini = m.p, m.places, m.inits
    lev = m.levers
    open_per_nbh = np.bincount(pl.nbh, pl.open, minlength=m.n_nbh)
    # Residents give part of a citizen budget to their meeting places, shared by the open ones.
    budget = lev.citizen_budget_eur * m.nbh_size * p.citizen_budget_place_share
    top_up = np.where(open_per_nbh > 0, budget / np.maximum(open_per_nbh, 1), 0) / max(p.place_subsidy_eur, 1)
    pl.funding = np.where(pl.taken_over, 1.0, pl.subsidy_share * lev.place_funding[pl.nbh]) + top_up[pl.nbh]
    first = np.searchsorted(pl.nbh, pl.nbh)  # places are stored by neighbourhood
    count = np.bincount(pl.nbh, minlength=m.n_nbh)
    pl.self_managed = (np.arange(len(pl)) - first < np.round(lev.place_self_managed * count)[pl.nbh]) & ~pl.taken_over
    # Core volunteers of the neighbourhood's resident-run initiatives run its self-managed places, in order.
    run_by_residents = ini.alive & ~ini.taken_over
    core = np.bincount(ini.nbh[run_by_residents], ini.n_core[run_by_residents], minlength=m.n_nbh)
    managed = np.cumsum(pl.self_managed & pl.open)
    rank = managed - np.where(first > 0, managed[np.maximum(first - 1, 0)], 0)  # 1 for the first one, ...
    short = pl.open & pl.self_managed & (rank * p.place_volunteers > core[pl.nbh])
    pl.unstaffed_weeks = np.where(short, pl.unstaffed_weeks + 1, 0)
    under = pl.open & ~pl.taken_over & (pl.funding < p.place_closure_funding)
    pl.underfunded_weeks = np.where(under, pl.underfunded_weeks + 1, 0)
    key = draw_key(m.rng)  # round 8: the kernel's number per place, draws.uniform(key, place)
    take = (under | short) & (np.array([uniform(key, i) for i in range(len(pl))]) < lev.takeover_rate[pl.nbh])
    pl.taken_over |= take
    pl.self_managed &= ~take
    pl.funding[take] = 1.0 + top_up[pl.nbh[take]]
    m.counters.places_taken_over += np.bincount(pl.nbh[take], minlength=m.n_nbh)
    closing = pl.open & ~pl.taken_over & ((pl.underfunded_weeks >= p.place_closure_weeks)
                                          | (pl.unstaffed_weeks >= p.place_closure_weeks))
    pl.open[closing] = False
    m.counters.places_closed += np.bincount(pl.nbh[closing], minlength=m.n_nbh)
    # The municipality's part; the citizen budget is counted whole (metrics). A place's subsidy scales with
    # its capacity (a small neighbourhood's share of a place costs that share).
    share = np.where(pl.taken_over, 1.0, pl.subsidy_share * lev.place_funding[pl.nbh]
                     * np.where(pl.self_managed, p.self_managed_cost_share, 1.0))
    municipal = share * pl.open * pl.capacity / p.place_capacity
    m.counters.place_cost += np.bincount(pl.nbh, municipal * p.place_subsidy_eur / WEEKS_PER_YEAR, minlength=m.n_nbh)


def test_funding_meeting_places_matches_the_numpy_formulation() -> None:
    rng = np.random.default_rng(10)
    taken = closed = 0
    for seed in range(4):
        m = CommunityModel(Parameters(n_residents=1_200, burn_in_years=0.5, neighbourhoods_per_archetype=2), seed=seed)
        pl, lev = m.places, m.levers
        # Every branch: self-managed shares, takeovers, places near closure, some closed or taken over.
        lev.place_self_managed[:] = rng.choice([0.0, 0.5, 0.75, 1.0], m.n_nbh)
        lev.place_funding[:] = rng.choice([0.3, 0.8, 1.0], m.n_nbh)
        lev.takeover_rate[:] = rng.choice([0.0, 0.3, 1.0], m.n_nbh)
        lev.citizen_budget_eur[:] = rng.choice([0.0, 2.0], m.n_nbh)
        pl.underfunded_weeks[:] = rng.integers(20, 27, len(pl))
        pl.unstaffed_weeks[:] = rng.integers(20, 27, len(pl))
        pl.open[:] = rng.random(len(pl)) < 0.9
        pl.taken_over[:] = rng.random(len(pl)) < 0.2
        twin = copy.deepcopy(m)
        for _ in range(3):
            fund_meeting_places(m)
            _fund_meeting_places_with_numpy(twin)
        for name in ("open", "taken_over", "self_managed", "funding", "underfunded_weeks", "unstaffed_weeks"):
            np.testing.assert_array_equal(getattr(pl, name), getattr(twin.places, name), err_msg=name)
        for name in ("places_taken_over", "places_closed", "place_cost"):
            np.testing.assert_array_equal(getattr(m.counters, name), getattr(twin.counters, name), err_msg=name)
        assert m.rng.random() == twin.rng.random()
        taken, closed = taken + m.counters.places_taken_over.sum(), closed + m.counters.places_closed.sum()
    assert taken > 0 and closed > 0


def test_least_loaded_professional_is_the_numpy_argmin_one_case_at_a_time() -> None:
    rng = np.random.default_rng(6)
    pro_nbh, pro_fte = rng.integers(0, 4, 12), rng.choice([0.5, 0.8, 1.0], 12)
    does = rng.random(12) < 0.8
    does[pro_nbh == 3] = False  # a neighbourhood where nobody may open a case
    demand = rng.choice([0.0, 4.0, 8.0], 12)  # equal loads: the first professional is taken
    nbh, hours = rng.integers(0, 4, 40), rng.choice([2.0, 3.5], 40)
    expected, expected_demand = [], demand.copy()
    for b, h in zip(nbh, hours, strict=True):  # the numpy formulation, one case after another
        staff = np.flatnonzero(does & (pro_nbh == b))
        pro = staff[np.argmin(expected_demand[staff] / pro_fte[staff])] if len(staff) else -1
        expected_demand[pro] += h if pro >= 0 else 0
        expected.append(pro)
    got = _least_loaded(nbh, hours, does, pro_nbh, pro_fte, demand)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(demand, expected_demand)
    assert (got == -1).any() and len(set(got[got >= 0])) > 3


def _stream(key: np.uint64, stream: int, n: int) -> np.ndarray:
    """The numbers of one stream of a kernel's key, as the kernel reads them (:mod:`model.core.draws`)."""
    return np.array([uniform(key, stream * n + i) for i in range(n)])


def test_life_events_kernels_match_the_numpy_formulation() -> None:
    m = CommunityModel(Parameters(n_residents=3000, burn_in_years=0, neighbourhoods_per_archetype=2), seed=4)
    pop, n, key = m.pop, len(m.pop), np.uint64(2**63 + 12345)
    m.levers.demand_multiplier[:] = np.linspace(1, 2, m.n_nbh)
    # Rates far above the calibrated ones, so that many residents change household, are hit and recover.
    params = _LifeParameters(zrm_shock_rate=0.05, vulnerability_shock_factor=3.0, shock_factor_75plus=1.5,
                             lonely_shock_factor=2.0)
    recovery_rate = 0.3
    becoming_alone = np.array([0.02, 0.03, 0.04, 0.05])
    turnover = np.array([0.01, 0.02, 0.005, 0.03])
    np.testing.assert_array_equal(_leaving(key, turnover, pop.age),
                                  np.flatnonzero(_stream(key, _LEAVE, n) < turnover[pop.age]))
    r, u = _stream(key, _HOUSEHOLD, n), _stream(key, _SHOCK, n)
    rate, a = becoming_alone[pop.age], m.alone_p[pop.nbh, pop.age]
    alone = (pop.alone | (~pop.alone & (r < rate))) & ~(pop.alone & (r < rate * (1 - a) / a))
    shock = (params.zrm_shock_rate * m.levers.demand_multiplier[pop.nbh]
             * (1 + (params.vulnerability_shock_factor - 1) * pop.vulnerability)
             * np.where(pop.age == 3, params.shock_factor_75plus, 1.0)
             * np.where(pop.score >= LONELY, params.lonely_shock_factor, 1.0))
    zrm = pop.zrm.copy()
    hit = np.flatnonzero(u < shock)
    dom = (_stream(key, _DOMAIN, n)[hit] * 9).astype(np.int64)
    zrm[hit, dom] = np.maximum(zrm[hit, dom] - 1, 1)  # all life events, then all recoveries, as the rule reads
    problem = np.flatnonzero(need_level_of(zrm) >= 1)
    recovering = problem[_stream(key, _RECOVER, n)[problem] < recovery_rate]
    _numpy_recover(zrm, pop.chronic, recovering)
    before = pop.alone.copy()
    _households_and_shocks(params, key, becoming_alone, m.alone_p, m.levers.demand_multiplier, m.nbh_start, pop.age,
                           pop.vulnerability, pop.score, pop.alone, pop.zrm)
    _self_recovery(key, recovery_rate, pop.zrm, pop.chronic)
    np.testing.assert_array_equal(pop.alone, alone)
    np.testing.assert_array_equal(pop.zrm, zrm)
    assert (pop.alone & ~before).any() and (before & ~pop.alone).any() and len(hit) > 100 and len(recovering) > 100


def test_mixing_dispositions_with_kin_matches_the_numpy_formulation() -> None:
    m = CommunityModel(Parameters(n_residents=2000, burn_in_years=0, neighbourhoods_per_archetype=2), seed=5)
    pop, net, r = m.pop, m.net, m.p.kin_disposition_correlation
    for initial, who in ((True, np.arange(len(pop))), (False, np.random.default_rng(1).choice(len(pop), 300))):
        b = (1 - np.sqrt(1 - r * r)) / r if initial else r / np.sqrt(1 - r * r)
        who = np.unique(who)
        fresh = np.zeros(len(pop), dtype=bool)
        fresh[who] = not initial
        start, ties = net.ties_of(who)
        owner = np.repeat(np.arange(len(who)), np.diff(start))
        other = np.where(net.a[ties] == who[owner], net.b[ties], net.a[ties])
        counted = net.kin[ties] & ~fresh[other]
        left_out = (net.kin[ties] & fresh[other]).any()  # newcomers' relatives among the newcomers do not count
        owner, other = owner[counted], other[counted]
        relatives = np.bincount(owner, minlength=len(who))
        expected = {}
        for name in ("disp_s", "disp_e"):
            own = getattr(pop, name).copy()
            mixed = np.bincount(owner, weights=own[other], minlength=len(who))
            own[who] = (own[who] + b * mixed) / np.sqrt(1 + b * b * relatives)
            expected[name] = own
        share_disposition_with_kin(m, who, initial)
        for name, own in expected.items():
            np.testing.assert_array_equal(getattr(pop, name), own)
        assert relatives.max() >= 2 and (initial or left_out)


def _numpy_recover(zrm: np.ndarray, chronic: np.ndarray, who: np.ndarray) -> None:
    """The numpy formulation of ``recover``: the lowest recoverable domain (the first of equals) up one, below 5."""
    z = _numpy_recoverable(zrm, chronic, who)
    dom = z.argmin(axis=1)
    can = z[np.arange(len(who)), dom] < 5
    zrm[who[can], dom[can]] += 1


def test_recover_matches_the_numpy_formulation() -> None:
    m = CommunityModel(Parameters(n_residents=2000, burn_in_years=0.5), seed=6)
    pop = m.pop
    who = np.flatnonzero(np.random.default_rng(2).random(len(pop)) < 0.5)
    expected = pop.zrm.copy()
    _numpy_recover(expected, pop.chronic, who)
    recover(m, who)
    np.testing.assert_array_equal(pop.zrm, expected)
    assert pop.chronic[who].any()


@numba.njit
def _many(key: np.uint64, size: int) -> np.ndarray:
    out = np.empty(size)
    for k in range(size):
        out[k] = uniform(key, k)
    return out


def test_kernel_draws_are_splitmix64_and_look_uniform_and_independent() -> None:
    # SplitMix64's first outputs from state 0 (Vigna's reference implementation), top 53 bits.
    assert uniform(np.uint64(0), 0) == (0xE220A8397B1DCDAF >> 11) / 2**53
    assert uniform(np.uint64(0), 1) == (0x6E789E6AA1B965F4 >> 11) / 2**53
    x = _many(np.uint64(987654321), 1_000_000)
    assert x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 5 * np.sqrt(1 / 12 / len(x))
    counts = np.bincount((x * 100).astype(np.int64), minlength=100)
    expected = len(x) / 100
    assert ((counts - expected) ** 2 / expected).sum() < 170  # chi-square, 99 df: p below 1e-6 beyond 170
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < 5 / np.sqrt(len(x))  # neighbouring positions (streams)
    y = _many(np.uint64(987654322), 1_000_000)  # the next key: another sequence, not a shifted copy
    assert abs(np.corrcoef(x, y)[0, 1]) < 5 / np.sqrt(len(x)) and not np.isin(x[:1000], y).any()


def test_kernel_draws_and_runs_are_the_same_in_another_process() -> None:
    """The same key gives the same numbers in a process that compiles afresh, and the same seed the same run."""
    def other(code: str, **env: str) -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600,
                              env={**os.environ, **env}).stdout

    positions = (0, 7, 10**6)
    with tempfile.TemporaryDirectory() as cache:  # an empty cache: uniform is compiled again
        numbers = other("import numpy as np; from model.core.draws import uniform; "
                        f"print([uniform(np.uint64(2**64 - 5), k) for k in {positions}])", NUMBA_CACHE_DIR=cache)
    assert numbers.strip() == str([uniform(np.uint64(2**64 - 5), k) for k in positions])
    a_run = ("import pandas as pd\nfrom model import Parameters, run\n"  # a digest of every value's bits
             "digest = int(pd.util.hash_pandas_object(run(Parameters(n_residents=300, burn_in_years=0.2), seed=7, "
             "years=0.1).city).sum())\n")
    here: dict = {}
    exec(a_run, here)
    assert int(other(a_run + "print(digest)")) == here["digest"]


def test_motivation_is_numpys_mean_of_the_three_needs_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    for n in (0, 1, 9, 10_000):
        x, y, z = rng.random(n), rng.random(n), rng.random(n)
        assert np.array_equal(_mean_of_three(x, y, z), (x + y + z) / 3.0)
