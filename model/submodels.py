"""The submodels of one weekly step, in the order of ``CommunityModel._simulate_week``.

Each function is one submodel of ``docs/ODD.md`` (section 7), under the same name.
They update the model-owned arrays in place, vectorised over all residents (or ties,
places, initiatives); only professionals and the municipality step one by one. Every
number they use is a parameter of :class:`model.parameters.Parameters`.

Where a profile of a 100,000-resident city showed a submodel's many numpy passes over all
residents to cost more than its rules warrant, the per-resident arithmetic is one compiled
loop (numba) next to the submodel, written as the numpy formulation was and giving identical
results (``docs/performance.md``); random numbers are still drawn by the submodel, in the same
order, and exponentials computed by numpy (its ``exp`` rounds differently from numba's).
"""

from __future__ import annotations

from collections import deque, namedtuple
from typing import TYPE_CHECKING

import numba
import numpy as np

from model.network import TieNetwork
from model.parameters import INITIATIVE_KINDS
from model.state import CASE_NONE, CASE_OPEN, CASE_WAITING, NO, need_level_of

if TYPE_CHECKING:
    from model.community import CommunityModel
    from model.parameters import Parameters

MEETING = INITIATIVE_KINDS.index("meeting_activity")
CARE_TALENT, ORGANISING_TALENT = 0, 2
PHYSICAL, DAILY_LIVING, SOCIAL_NETWORK, PARTICIPATION = 5, 7, 9, 10
LONELY = 3  # De Jong Gierveld score from which a resident counts as lonely (0-2 not lonely)
SEVERE = 9  # De Jong Gierveld score from which loneliness is severe (9-10; 11 is very severe)


def _parameters(kind: type, p: Parameters) -> tuple:
    """The parameters a compiled kernel reads, as the named tuple ``kind`` (numba takes tuples, not dataclasses)."""
    return kind(*(getattr(p, name) for name in kind._fields))


_MotivationParameters = namedtuple("_MotivationParameters", [
    "control_felt_outside", "autonomy_base", "crowding", "support_autonomy", "contribution_memory_weeks",
    "competence_base", "competence_contributing", "competence_per_talent", "competence_problem_penalty"])
_LonelinessParameters = namedtuple("_LonelinessParameters", [
    "emotional_alone", "emotional_together", "confidant_protection", "contagion"])
_HelpParameters = namedtuple("_HelpParameters", [
    "ask_rate", "prompted_ask", "carer_strain_limit", "carer_capacity_hours", "carer_strain_rate",
    "strain_recovery_rate"])
_LifeParameters = namedtuple("_LifeParameters", [
    "becoming_alone_rate", "zrm_shock_rate", "vulnerability_shock_factor", "shock_factor_75plus"])
_EscalationParameters = namedtuple("_EscalationParameters", [
    "escalation_weeks", "formal_ask_rate", "formal_reluctance", "heavy_need_ask_factor"])
_VolunteeringParameters = namedtuple("_VolunteeringParameters", [
    "core_hours", "member_help_rate", "member_help_hours", "volunteer_rate", "volunteer_hours_elsewhere"])
_TrustParameters = namedtuple("_TrustParameters", [
    "long_wait_weeks", "trust_base", "trust_helped", "trust_waiting", "trust_control", "trust_own_budget"])


def _recoverable_domains(m: CommunityModel, who: np.ndarray) -> np.ndarray:
    """The nine life-domain scores of ``who``, a chronic resident's floor read as 6.

    Chronic residents' daily-living and physical domains do not recover above 2 (long-term support).
    """
    z = m.pop.zrm[who, :9].copy()
    cols = [DAILY_LIVING, PHYSICAL]
    z[:, cols] = np.where(m.pop.chronic[who][:, None] & (z[:, cols] >= 2), 6, z[:, cols])
    return z


def _recover(m: CommunityModel, who: np.ndarray) -> None:
    """Raise the lowest recoverable life domain of ``who`` by one ZRM point.

    Chronic residents' daily-living and physical domains do not recover above 2
    (long-term support); their other domains recover as anyone's.
    """
    z = _recoverable_domains(m, who)
    dom = z.argmin(axis=1)
    can = z[np.arange(len(who)), dom] < 5
    who, dom = who[can], dom[can]
    m.pop.zrm[who, dom] += 1


def case_hours_of(m: CommunityModel) -> np.ndarray:
    """Weekly casework each resident's case asks: ``p.case_hours`` by need level.

    A chronic resident whose only problems are the chronic ones asks ``p.chronic_case_hours``:
    the long-term support itself comes from providers (home care, Wmo maatwerk), the team
    reassesses now and then.
    """
    pop, p = m.pop, m.p
    level = need_level_of(pop.zrm)
    hours = np.array(p.case_hours)[np.maximum(level - 1, 0)]
    chronic = np.flatnonzero(pop.chronic & (level >= 2))
    hours[chronic[_recoverable_domains(m, chronic).min(axis=1) >= 3]] = p.chronic_case_hours
    return hours


def _worsen(m: CommunityModel, who: np.ndarray, dom: np.ndarray) -> None:
    m.pop.zrm[who, dom] = np.maximum(m.pop.zrm[who, dom] - 1, 1)


def _activity(m: CommunityModel) -> np.ndarray:
    """How much a resident goes out: lonely residents withdraw, poor health keeps people in."""
    return _activity_of(m.p.withdrawal, m.p.poor_health_activity, m.pop.score, m.pop.zrm)


@numba.njit(cache=True)
def _activity_of(withdrawal: float, poor_health: float, score: np.ndarray, zrm: np.ndarray) -> np.ndarray:
    act = np.empty(len(score))
    for i in range(len(score)):
        health = poor_health if min(zrm[i, PHYSICAL], zrm[i, DAILY_LIVING]) <= 2 else 1.0
        act[i] = (1 - withdrawal * score[i] / 11) * health
    return act


def _members_without_place(m: CommunityModel, k: np.ndarray) -> np.ndarray:
    """Tell which of the initiatives ``k`` are meeting activities without an open meeting place."""
    ini = m.inits
    return (ini.kind[k] == MEETING) & ((ini.place[k] < 0) | ~m.places.open[np.maximum(ini.place[k], 0)])


# 1 -------------------------------------------------------------------------------
def steer(m: CommunityModel) -> None:
    """Let the municipality's steering mode set this week's levers (and the base levers from parameters)."""
    m.municipality.step()


# 2 -------------------------------------------------------------------------------
def apply_interventions(m: CommunityModel) -> None:
    """Start or end the interventions that are due; then let every active one adjust the levers."""
    for iv in m.interventions:
        iv.transition(m)
    for iv in m.interventions:
        if iv.active(m.week):
            iv.apply(m)


# 3 -------------------------------------------------------------------------------
def life_events(m: CommunityModel) -> None:
    """Turnover, household changes, ZRM shocks and own recovery.

    Moving in with others balances starting to live alone: the rate ``rate * (1 - a) / a``
    for the share ``a`` living alone in the resident's neighbourhood and age group keeps
    households stationary (the model has no ageing; newcomers are drawn with the same share).
    """
    p, rng, pop = m.p, m.rng, m.pop
    n = len(pop)
    leaving = np.flatnonzero(rng.random(n) < np.array(p.turnover_rate)[pop.age])
    if len(leaving):
        m.replace_residents(leaving)
    # Households change, and life events hit: their rate rises with vulnerability and age, and with a demand shock.
    r, u = rng.random(n), rng.random(n)
    hit = np.flatnonzero(_households_and_shocks(_parameters(_LifeParameters, p), m.alone_p, m.levers.demand_multiplier,
                                                pop.nbh, pop.age, pop.vulnerability, r, u, pop.alone))
    _worsen(m, hit, rng.integers(0, 9, len(hit)))
    problem = np.flatnonzero(need_level_of(pop.zrm) >= 1)  # a life domain at 3 or below
    _recover(m, problem[rng.random(len(problem)) < p.self_recovery_rate])


@numba.njit(cache=True)
def _households_and_shocks(p: tuple, alone_p: np.ndarray, demand: np.ndarray, nbh: np.ndarray, age: np.ndarray,
                           vulnerability: np.ndarray, r: np.ndarray, u: np.ndarray, alone: np.ndarray) -> np.ndarray:
    """Household changes (``r``) in place, and who is hit by a life event (``u``): one uniform number each."""
    hit = np.empty(len(nbh), dtype=np.bool_)
    for i in range(len(nbh)):
        rate = p.becoming_alone_rate[age[i]]
        a = alone_p[nbh[i], age[i]]
        if not alone[i] and r[i] < rate:
            alone[i] = True
        elif alone[i] and r[i] < rate * (1 - a) / a:
            alone[i] = False
        shock = (p.zrm_shock_rate * demand[nbh[i]] * (1 + (p.vulnerability_shock_factor - 1) * vulnerability[i])
                 * (p.shock_factor_75plus if age[i] == 3 else 1.0))
        hit[i] = u[i] < shock
    return hit


# 4 -------------------------------------------------------------------------------
def fund_meeting_places(m: CommunityModel) -> None:
    """Funding from the municipality and the citizen budget; long underfunding closes a place."""
    p, pl = m.p, m.places
    open_per_nbh = np.bincount(pl.nbh, pl.open, minlength=m.n_nbh)
    # Residents give part of a citizen budget to their meeting places, shared by the open ones.
    budget = m.levers.citizen_budget_eur * m.nbh_size * p.citizen_budget_place_share
    top_up = np.where(open_per_nbh > 0, budget / np.maximum(open_per_nbh, 1), 0) / max(p.place_subsidy_eur, 1)
    pl.funding = pl.subsidy_share * m.levers.place_funding[pl.nbh] + top_up[pl.nbh]
    under = pl.open & (pl.funding < p.place_closure_funding)
    pl.underfunded_weeks = np.where(under, pl.underfunded_weeks + 1, 0)
    closing = pl.open & (pl.underfunded_weeks >= p.place_closure_weeks)
    pl.open[closing] = False
    m.counters.places_closed += np.bincount(pl.nbh[closing], minlength=m.n_nbh)
    # The municipality's part; the citizen budget is counted whole (metrics). A place's subsidy scales with
    # its capacity (a small neighbourhood's share of a place costs that share).
    municipal = pl.subsidy_share * m.levers.place_funding[pl.nbh] * pl.open * pl.capacity / p.place_capacity
    m.counters.place_cost += np.bincount(pl.nbh, municipal * p.place_subsidy_eur / 52, minlength=m.n_nbh)


# 5 -------------------------------------------------------------------------------
def visit_venues(m: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
    """Residents visit an open meeting place in their neighbourhood, members attend their initiative.

    Returns:
        Attendee indices and venue ids (places ``0..P-1``, initiative ``k`` as ``P + k``).
    """
    p, rng, pop, pl = m.p, m.rng, m.pop, m.places
    n = len(pop)
    act = _activity(m)
    # Meeting places: pick one open place of the neighbourhood at random.
    open_idx = np.flatnonzero(pl.open)
    pop.visited[:] = NO
    place_att = np.empty(0, dtype=np.int64)
    place_of = np.empty(0, dtype=np.int64)
    if len(open_idx):
        per_nbh = np.bincount(pl.nbh[open_idx], minlength=m.n_nbh)
        first = np.concatenate([[0], np.cumsum(per_nbh)])
        sorted_open = open_idx[np.argsort(pl.nbh[open_idx], kind="stable")]
        # Motivation scales the wish to go out from half (0) to one and a half (1) times the base rate.
        place_att = np.flatnonzero(_want_to_visit(p.place_visit_rate, per_nbh > 0, pop.nbh, act, pop.autonomy,
                                                  pop.competence, pop.relatedness, rng.random(n)))
        pick = first[pop.nbh[place_att]] + (rng.random(len(place_att)) * per_nbh[pop.nbh[place_att]]).astype(int)
        place_of = sorted_open[pick]
        # Capacity: a full place turns visitors away at random.
        load = np.bincount(place_of, minlength=len(pl)) / np.maximum(pl.capacity, 1)
        admitted = rng.random(len(place_att)) < np.minimum(1, 1 / np.maximum(load[place_of], 1e-9))
        place_att, place_of = place_att[admitted], place_of[admitted]
        pop.visited[place_att] = place_of
    pl.visits = np.bincount(place_of, minlength=len(pl))
    # Initiative activities; meeting activities without an open place are hampered.
    members = np.flatnonzero(pop.member_of >= 0)
    k = pop.member_of[members]
    p_attend = (np.where(pop.core[members], p.attend_core, p.attend_member) * act[members]
                * np.where(_members_without_place(m, k), p.no_place_attendance, 1.0))
    attend = rng.random(len(members)) < p_attend
    init_att, init_of = members[attend], len(pl) + k[attend]
    engaged = np.zeros(n, dtype=bool)
    engaged[place_att] = True
    engaged[init_att] = True
    _engage(p.engagement_rate, engaged, pop.engagement)
    return np.concatenate([place_att, init_att]), np.concatenate([place_of, init_of])


@numba.njit(cache=True)
def _want_to_visit(rate: float, has_place: np.ndarray, nbh: np.ndarray, act: np.ndarray, autonomy: np.ndarray,
                   competence: np.ndarray, relatedness: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Who goes to a meeting place this week (``u``: one uniform number each)."""
    want = np.empty(len(nbh), dtype=np.bool_)
    for i in range(len(nbh)):
        motivation = (autonomy[i] + competence[i] + relatedness[i]) / 3.0
        want[i] = has_place[nbh[i]] and u[i] < rate * act[i] * (0.5 + motivation)
    return want


@numba.njit(cache=True)
def _engage(rate: float, engaged: np.ndarray, engagement: np.ndarray) -> None:
    """Smoothed attendance follows this week's (``engaged``)."""
    for i in range(len(engaged)):
        engagement[i] += rate * ((1.0 if engaged[i] else 0.0) - engagement[i])


# 6 -------------------------------------------------------------------------------
def form_ties(m: CommunityModel, venues: tuple[np.ndarray, np.ndarray]) -> None:
    """Attendees of the same venue meet in random pairs; strangers may start a tie (homophily).

    Dissimilar pairs start ties less often (``homophily``), and a bridging tie needs a
    secure base of good bonding ties (``bridging_base``, Putnam).
    """
    p, rng, pop, net = m.p, m.rng, m.pop, m.net
    who, venue = venues
    # This week's new ties join the network after the last encounter, in one merge; until then they are
    # known, and strengthened by a new meeting, as ties of their own small network.
    started = TieNetwork(net.n)
    for _ in range(p.encounters_per_visit):
        order = _by_venue_at_random(venue, rng.random(len(who)))
        a, va = who[order][0::2], venue[order][0::2]
        b, vb = who[order][1::2], venue[order][1::2]
        k = min(len(a), len(b))
        a, b, same = a[:k], b[:k], va[:k] == vb[:k]
        a, b = a[same], b[same]
        known = np.zeros(len(a), dtype=bool)
        for ties in (net, started):
            tie = ties.find(a, b)
            found = tie >= 0
            ties.w[tie[found]] += p.tie_gain * (1 - ties.w[tie[found]])
            known |= found
        a, b = a[~known], b[~known]
        bridging = m.is_bridging(a, b)
        base = np.minimum(1, np.minimum(pop.good_ties[a], pop.good_ties[b]) / p.bridging_base)
        prob = p.new_tie_prob * np.where(bridging, base / p.homophily, 1.0)
        new = rng.random(len(a)) < prob
        started.add(a[new], b[new], p.new_tie_strength, False, bridging[new])
        m.counters.ties_formed += np.bincount(pop.nbh[a[new]], minlength=m.n_nbh)
    net.add(started.a, started.b, started.w, started.kin, started.bridging)


@numba.njit(cache=True)
def _by_venue_at_random(venue: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Attendees ordered by venue and, within a venue, by ``u``: ``np.lexsort((u, venue))``, several times faster.

    A stable counting sort by venue, then a stable sort of each venue's (few) attendees by ``u``.
    """
    start = np.zeros(venue.max() + 2 if len(venue) else 1, dtype=np.int64)
    for v in venue:
        start[v + 1] += 1
    start = np.cumsum(start)
    fill = start[:-1].copy()
    order = np.empty(len(venue), dtype=np.int64)
    for i in range(len(venue)):
        order[fill[venue[i]]] = i
        fill[venue[i]] += 1
    for v in range(len(start) - 1):
        group = order[start[v]:start[v + 1]]
        if len(group) > 1:
            order[start[v]:start[v + 1]] = group[np.argsort(u[group], kind="mergesort")]
    return order


# 7 -------------------------------------------------------------------------------
def maintain_ties(m: CommunityModel) -> None:
    """Contact along ties strengthens them; without contact they weaken, and weak non-kin ties dissolve.

    Strong ties are in touch more often than weak ones (contact in proportion to strength),
    and a resident with more ties than ``tie_capacity`` has less time for each (Dunbar).
    So a tie either grows strong or fades: weak ties that are not renewed at a venue
    dissolve, and networks stay near the size people can keep up. Lonely residents
    withdraw (``_activity``), so their ties fade. Non-kin ties fade faster in dense
    neighbourhoods (``density_decay``).
    """
    p, rng, net = m.p, m.rng, m.net
    # Kin one has lost touch with (strength below the dissolution threshold) take no time.
    room = np.minimum(1.0, p.tie_capacity / np.maximum(net.count_at_least(p.tie_drop_threshold), 1))
    m.pop.good_ties = net.contact_and_decay(rng.random(len(net)), _activity(m) * room, p.tie_contact_prob,
                                            p.kin_contact_factor, p.tie_gain, m.tie_decay[m.pop.nbh],
                                            p.tie_decay * p.kin_decay_factor, p.tie_drop_threshold,
                                            p.good_tie_threshold)


# 8 -------------------------------------------------------------------------------
def informal_help(m: CommunityModel) -> None:
    """Help follows personal ties: people in need ask a tie (reluctance), carers help and strain."""
    p, rng, pop, net = m.p, m.rng, m.pop, m.net
    n = len(pop)
    level = need_level_of(pop.zrm)
    # Existing help continues while the need, the tie and the carer's strength last.
    h = pop.helper
    idx = np.flatnonzero(h >= 0)
    tie_ok = net.find(idx, h[idx]) >= 0
    keep = (level[idx] >= 1) & tie_ok & (pop.strain[h[idx]] < 1)
    pop.helper[idx[~keep]] = NO
    # New requests: reluctance holds many back (vraagverlegenheid, Linders 2010). Carers are free with
    # a light need at most, strength left and hours to spare.
    asking, free = _requests(_parameters(_HelpParameters, p), level, pop.helper, pop.reluctance, pop.prompted,
                             pop.strain, pop.care_given, rng.random(n))
    if asking.any() and len(net):
        # Both directions of every tie (a asks b, then b asks a), kept where one asks and the other is free.
        tie, ea, eb = net.directed(asking, free)
        ew = net.w[tie]
        score = ew * (1 + p.care_talent_preference * pop.talents[eb, CARE_TALENT]) * rng.random(len(ea))
        order = np.lexsort((-score, ea))
        first = np.unique(ea[order], return_index=True)[1]
        pop.helper[ea[order][first]] = eb[order][first]
    helped = np.flatnonzero(pop.helper >= 0)
    pop.care_given = _care_and_strain(_parameters(_HelpParameters, p), np.array(p.help_hours, dtype=np.float64),
                                      level, pop.helper, pop.case_state, pop.strain, pop.unmet_weeks)
    _recover(m, helped[rng.random(len(helped)) < p.informal_recovery_rate])


@numba.njit(cache=True)
def _requests(p: tuple, level: np.ndarray, helper: np.ndarray, reluctance: np.ndarray, prompted: np.ndarray,
              strain: np.ndarray, care_given: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who asks a tie for help this week (``u``: one uniform number each), and who is free to help."""
    asking, free = np.empty(len(level), dtype=np.bool_), np.empty(len(level), dtype=np.bool_)
    for i in range(len(level)):
        ask_p = p.ask_rate * (1 - reluctance[i]) + p.prompted_ask * prompted[i]
        asking[i] = level[i] >= 1 and helper[i] < 0 and u[i] < ask_p
        free[i] = level[i] <= 1 and strain[i] < p.carer_strain_limit and care_given[i] < p.carer_capacity_hours
        prompted[i] = False
    return asking, free


@numba.njit(cache=True)
def _care_and_strain(p: tuple, help_hours: np.ndarray, level: np.ndarray, helper: np.ndarray, case_state: np.ndarray,
                     strain: np.ndarray, unmet_weeks: np.ndarray) -> np.ndarray:
    """Carers' hours this week (returned) and strain; weeks of unmet need (no help, no open case)."""
    care = np.zeros(len(level))
    for i in range(len(level)):  # in residents' order, as np.bincount sums
        if helper[i] >= 0:
            care[helper[i]] += help_hours[max(level[i] - 1, 0)]
    for i in range(len(level)):
        strain[i] = min(max(strain[i] + p.carer_strain_rate * care[i] - p.strain_recovery_rate * strain[i], 0.0), 1.0)
        unmet = level[i] >= 1 and helper[i] < 0 and case_state[i] != CASE_OPEN
        unmet_weeks[i] = unmet_weeks[i] + 1 if unmet else 0
    return care


# 9 -------------------------------------------------------------------------------
def escalate_needs(m: CommunityModel) -> None:
    """Unmet needs worsen; escalated needs reach the front desk and join the waiting list."""
    p, rng, pop = m.p, m.rng, m.pop
    unmet = np.flatnonzero(pop.unmet_weeks > 0)
    worse = unmet[rng.random(len(unmet)) < p.deterioration_rate]
    _worsen(m, worse, pop.zrm[worse, :9].argmin(axis=1))
    # Residents whose need resolved while waiting leave the waiting list; needs escalate after weeks unmet
    # (or at once when heavy); trust in the municipality scales the step to the front desk from half (0)
    # to one and a half (1) times.
    m.refer(np.flatnonzero(_front_desk(_parameters(_EscalationParameters, p), need_level_of(pop.zrm), pop.unmet_weeks,
                                       pop.reluctance, pop.trust, rng.random(len(pop)), pop.case_state)))


@numba.njit(cache=True)
def _front_desk(p: tuple, level: np.ndarray, unmet_weeks: np.ndarray, reluctance: np.ndarray, trust: np.ndarray,
                u: np.ndarray, case_state: np.ndarray) -> np.ndarray:
    """Who goes to the front desk this week (``u``: one uniform number each); resolved waits end in place."""
    go = np.empty(len(level), dtype=np.bool_)
    for i in range(len(level)):
        if case_state[i] == CASE_WAITING and level[i] == 0:
            case_state[i] = CASE_NONE
        escalated = case_state[i] == CASE_NONE and ((level[i] >= 2 and unmet_weeks[i] >= p.escalation_weeks)
                                                     or level[i] == 3)
        ask = (p.formal_ask_rate * (1 - p.formal_reluctance * reluctance[i]) * (0.5 + trust[i])
               * (p.heavy_need_ask_factor if level[i] == 3 else 1.0))
        go[i] = escalated and u[i] < ask
    return go


# 10 ------------------------------------------------------------------------------
def allocate_professional_time(m: CommunityModel) -> None:
    """Open-case demand per professional, then each professional splits the week and takes cases.

    Cases of professionals who no longer do casework (community builders after a redeployment
    ends) go back to the head of their neighbourhood's waiting list.
    """
    pop = m.pop
    does_casework = m.pro_team | m.levers.builders_do_casework[m.pro_nbh]
    orphaned = (pop.case_state == CASE_OPEN) & ~does_casework[np.maximum(pop.case_prof, 0)]
    pop.case_state[orphaned] = CASE_WAITING
    pop.case_prof[orphaned] = NO
    m.case_hours_now = case_hours_of(m)  # read by the professionals (life domains do not change here)
    open_ = np.flatnonzero(pop.case_state == CASE_OPEN)
    m.case_demand = np.bincount(pop.case_prof[open_], m.case_hours_now[open_], minlength=len(m.professionals))
    m.case_count = np.bincount(pop.case_prof[open_], minlength=len(m.professionals))
    waiting = np.flatnonzero(pop.case_state == CASE_WAITING)
    waiting = waiting[np.argsort(pop.case_since[waiting], kind="stable")]
    m.waiting_by_nbh = [deque(waiting[pop.nbh[waiting] == b]) for b in range(m.n_nbh)]
    for pro in m.professionals:
        pro.step()
    m.pro_hours = np.array([[pro.casework, pro.admin, pro.community] for pro in m.professionals]).reshape(-1, 3)


# 11 ------------------------------------------------------------------------------
def casework(m: CommunityModel) -> None:
    """Open cases recover in proportion to the casework they get; recovered cases close."""
    p, rng, pop = m.p, m.rng, m.pop
    open_ = np.flatnonzero(pop.case_state == CASE_OPEN)
    adequacy = np.minimum(1, m.pro_hours[:, 0] / np.maximum(m.case_demand, 1e-9))
    chance = p.casework_recovery_rate * adequacy[pop.case_prof[open_]]
    _recover(m, open_[rng.random(len(open_)) < chance])
    done = open_[need_level_of(pop.zrm, open_) <= 1]
    pop.case_state[done] = CASE_NONE
    pop.case_prof[done] = NO
    m.counters.cases_closed += np.bincount(pop.nbh[done], minlength=m.n_nbh)


# 12 ------------------------------------------------------------------------------
def community_work(m: CommunityModel) -> None:
    """Professionals' community hours: connecting, initiative support, talent spotting, outreach."""
    p, rng, pop, ini = m.p, m.rng, m.pop, m.inits
    hours = np.bincount(m.pro_nbh, m.pro_hours[:, 2], minlength=m.n_nbh)[:, None] * m.levers.community_split
    m.community_hours = hours
    alive = ini.alive & ~ini.taken_over
    ini.support_hours[:] = 0
    for b in range(m.n_nbh):
        residents = np.arange(m.nbh_start[b], m.nbh_start[b + 1])
        inits_b = np.flatnonzero(alive & (ini.nbh == b))
        # Connecting: lonely residents are introduced to an initiative or to a similar neighbour.
        k = rng.poisson(hours[b, 0] * p.introductions_per_hour)
        lonely = residents[pop.score[residents] >= LONELY]
        if k and len(lonely):
            who = rng.choice(lonely, size=min(k, len(lonely)), replace=False)
            if len(inits_b):
                j = who[pop.member_of[who] < 0]
                pop.member_of[j] = rng.choice(inits_b, len(j))
            else:
                other = m.similar_neighbour(who)
                m.net.add(who, other, p.introduction_strength, False, m.is_bridging(who, other))
            pop.prompted[who] = True
        # Initiative support: hours shared by the neighbourhood's resident-run initiatives.
        if len(inits_b):
            ini.support_hours[inits_b] = hours[b, 1] / len(inits_b)
        # Talent spotting: residents with talents are seen and invited to contribute.
        k = rng.poisson(hours[b, 2] * p.spotting_per_hour)
        if k:
            who = rng.choice(residents, size=min(k, len(residents)), replace=False)
            who = who[pop.talents[who].any(axis=1)]
            pop.spotted[who] = True
            pop.competence[who] = np.minimum(1, pop.competence[who] + p.spotting_competence_gain)
            free = who[pop.member_of[who] < 0]
            if len(inits_b) and len(free):
                pop.member_of[free] = rng.choice(inits_b, len(free))
        # Outreach: visits uncover hidden demand (CPB, Magnee & Benda): registered demand rises first.
        k = rng.poisson(hours[b, 3] * p.outreach_per_hour)
        if k:
            weight = 1 + (p.outreach_targeting - 1) * pop.vulnerability[residents]
            who = rng.choice(residents, size=min(k, len(residents)), replace=False, p=weight / weight.sum())
            need = need_level_of(pop.zrm, who)
            found = (need >= 1) & (pop.case_state[who] == CASE_NONE) & (pop.helper[who] < 0)
            hidden = who[found]
            m.refer(hidden[need[found] >= 2])
            pop.prompted[hidden] = True
            m.counters.outreach_found += np.bincount(pop.nbh[hidden], minlength=m.n_nbh)


# 13 ------------------------------------------------------------------------------
def initiative_lifecycle(m: CommunityModel) -> None:
    """Founding, recruiting (homophily), core burnout, grants, takeover and ending; volunteering."""
    p, rng, pop, ini, lev = m.p, m.rng, m.pop, m.inits, m.levers
    motivation = pop.motivation
    level = need_level_of(pop.zrm)
    _found_initiatives(m, motivation, level)
    _count_members(m)
    # Recruiting along members' ties; without an inclusion demand similar residents are preferred.
    net = m.net
    # Both directions of every tie (a recruits b, then b recruits a), kept where a member meets a non-member.
    member = pop.member_of >= 0
    _, ea, eb = net.directed(member, ~member)
    k = pop.member_of[ea]
    ok = level[eb] <= 2
    eb, k = eb[ok], k[ok]
    similar = _similar(m, eb, k)
    inclusion = lev.inclusion_demand[ini.nbh[k]]
    sim_factor = np.where(similar, 1.0, inclusion + (1 - inclusion) / p.homophily)
    # Groups fill up: recruiting slows as an initiative nears its kind's typical size.
    room = np.clip(1 - ini.n_members[k] / np.array(p.initiative_size)[ini.kind[k]], 0, 1)
    join = rng.random(len(eb)) < p.recruit_rate * motivation[eb] * sim_factor * room
    eb, k = eb[join], k[join]
    eb, first = np.unique(eb, return_index=True)
    pop.member_of[eb] = k[first]
    # Members leave: low motivation, dissimilarity (forced contact does not work), no place to meet.
    members = np.flatnonzero((pop.member_of >= 0) & ~pop.core)
    km = pop.member_of[members]
    dissimilar = ~_similar(m, members, km)
    # A group mixed by demand rather than choice is less comfortable for all its members (Movisie 2022).
    mixed = np.bincount(km, dissimilar, minlength=len(ini)) / np.maximum(np.bincount(km, minlength=len(ini)), 1)
    leave_p = (p.member_leave_rate * (2 - motivation[members]) * (1 + dissimilar) * (1 + mixed[km])
               * (1 + _members_without_place(m, km)))
    pop.member_of[members[rng.random(len(members)) < leave_p]] = NO
    # Core volunteers burn out with their weekly load: the initiative's administration (unless
    # professionals take it off their hands) and its core work, shared by fewer hands when the core is small.
    _count_members(m)
    core = np.flatnonzero(pop.core)
    kc = pop.member_of[core]
    # Inclusion conditions add duties (proving the initiative reaches everyone) to the reporting load.
    admin = ((p.initiative_admin_hours * lev.initiative_accountability[ini.nbh[kc]]
              * np.where(ini.grant_weeks_left[kc] > 0, p.grant_admin_factor, 1.0) * ~ini.citizen_funded[kc])
             + p.inclusion_admin_hours * lev.inclusion_demand[ini.nbh[kc]]
             - p.support_relief * ini.support_hours[kc])
    load = (np.maximum(admin, 0) + p.core_hours * p.core_target) / np.maximum(ini.n_core[kc], 1)
    burnt = core[rng.random(len(core)) < p.burnout_rate * load]
    pop.core[burnt] = False
    pop.competence[burnt] *= 1 - p.burnout_competence_loss
    pop.member_of[burnt[rng.random(len(burnt)) < p.burnout_leave]] = NO
    m.counters.burnouts += np.bincount(pop.nbh[burnt], minlength=m.n_nbh)
    # Members step up to the core when it is short (organisers first).
    _count_members(m)
    short = (ini.n_core < p.core_target) & ini.alive & ~ini.taken_over
    cand = np.flatnonzero((pop.member_of >= 0) & ~pop.core)
    organiser = pop.talents[cand, ORGANISING_TALENT]
    up = short[pop.member_of[cand]] & (rng.random(len(cand)) < p.step_up_rate * motivation[cand]
                                       * (1 + (p.organiser_step_up_factor - 1) * organiser))
    pop.core[cand[up]] = True
    _count_members(m)
    _end_or_take_over(m)
    _volunteering(m, motivation, level)


def _similar(m: CommunityModel, who: np.ndarray, k: np.ndarray) -> np.ndarray:
    ini, pop = m.inits, m.pop
    return (pop.age[who] == ini.group_age[k]) & (pop.low_income[who] == ini.group_income[k])


def _count_members(m: CommunityModel) -> None:
    ini, pop = m.inits, m.pop
    ini.n_members, ini.n_core = _member_counts(pop.member_of, pop.core, len(ini))


@numba.njit(cache=True)
def _member_counts(member_of: np.ndarray, core: np.ndarray, slots: int) -> tuple[np.ndarray, np.ndarray]:
    """Members and core members per initiative slot, in one pass over the residents (four times a week)."""
    # Counted at slot + 1, so that non-members (NO = -1) fall in the first bin, which is dropped: no branch.
    members, cores = np.zeros(slots + 1, dtype=np.int64), np.zeros(slots + 1, dtype=np.int64)
    for i in range(len(member_of)):
        members[member_of[i] + 1] += 1
        cores[member_of[i] + 1] += core[i]
    return members[1:], cores[1:]


def _found_initiatives(m: CommunityModel, motivation: np.ndarray, level: np.ndarray) -> None:
    p, rng, pop, ini, lev = m.p, m.rng, m.pop, m.inits, m.levers
    alive_per_nbh = np.bincount(ini.nbh[ini.alive], minlength=m.n_nbh)
    room = alive_per_nbh < p.max_initiatives_per_1000 * m.nbh_size / 1000
    support = 1 + m.community_hours[:, 1] / p.support_founding_hours
    u = rng.random(len(pop))
    # Only organisers who are no member and have no more than a light need can found.
    cand = np.flatnonzero((pop.member_of < 0) & (level <= 1) & pop.talents[:, ORGANISING_TALENT])
    home = pop.nbh[cand]
    chance = (p.founding_rate * motivation[cand] * (1 + (p.spotted_founding_factor - 1) * pop.spotted[cand])
              * support[home] * room[home])
    founders = cand[u[cand] < chance]
    # Neither the network nor the meeting places change while initiatives are founded.
    net = m.net
    start, ties = net.ties_of(founders)
    open_places = np.flatnonzero(m.places.open)  # places are stored by neighbourhood
    bounds = np.searchsorted(m.places.nbh[open_places], np.arange(m.n_nbh + 1))
    free = np.flatnonzero(~ini.alive)
    for f, first, last in zip(founders, start[:-1], start[1:], strict=True):
        if not len(free):
            ini.grow()
            m.grow_initiative_agents()
            free = np.flatnonzero(~ini.alive)
        k, free = free[0], free[1:]
        b = pop.nbh[f]
        kind = rng.choice(len(INITIATIVE_KINDS), p=p.kind_shares)
        places = open_places[bounds[b]:bounds[b + 1]]
        citizen = lev.citizen_budget_eur[b] > 0 and rng.random() < p.citizen_funded_share
        ini.alive[k], ini.kind[k], ini.nbh[k] = True, kind, b
        ini.place[k] = rng.choice(places) if (kind == MEETING and len(places)) else NO
        ini.group_age[k], ini.group_income[k] = pop.age[f], pop.low_income[f]
        ini.founded[k], ini.struggling_weeks[k] = m.week, 0
        ini.citizen_funded[k], ini.taken_over[k] = citizen, False
        ini.grant_weeks_left[k] = p.grant_weeks if (citizen or rng.random() < lev.grant_prob[b]) else 0
        # The founder brings people who already knew each other (prior ties aid durability).
        own = ties[first:last]
        friends = np.where(net.a[own] == f, net.b[own], net.a[own])
        friends = friends[(pop.member_of[friends] < 0) & (net.w[own] >= p.good_tie_threshold)]
        crew = np.concatenate([[f], rng.permutation(friends)[: p.founder_crew]])
        pop.member_of[crew], pop.core[crew] = k, True
        pop.spotted[f] = False
        m.counters.initiatives_founded[b] += 1


def _end_or_take_over(m: CommunityModel) -> None:
    p, rng, pop, ini, lev = m.p, m.rng, m.pop, m.inits, m.levers
    # Grants run out; members who came for the subsidised activity partly leave.
    ending_grant = ini.alive & (ini.grant_weeks_left == 1)
    ini.grant_weeks_left = np.maximum(ini.grant_weeks_left - 1, 0)
    if ending_grant.any():
        mem = np.flatnonzero((pop.member_of >= 0) & ~pop.core)
        lose = mem[ending_grant[pop.member_of[mem]] & (rng.random(len(mem)) < p.grant_end_leave)]
        pop.member_of[lose] = NO
    resident_run = ini.alive & ~ini.taken_over
    struggling = resident_run & (ini.n_core < p.core_min)
    ini.struggling_weeks = np.where(struggling, ini.struggling_weeks + 1, 0)
    # Enforcing municipalities take struggling initiatives over instead of letting them end.
    take = struggling & (rng.random(len(ini)) < lev.takeover_rate[ini.nbh])
    ini.taken_over[take] = True
    pop.core[take[np.maximum(pop.member_of, 0)] & (pop.member_of >= 0)] = False
    m.counters.initiatives_taken_over += np.bincount(ini.nbh[take], minlength=m.n_nbh)
    end = (resident_run & ~take & (ini.struggling_weeks >= p.struggle_weeks)) | (
        ini.alive & ini.taken_over & (ini.n_members < p.takeover_min_members))
    if end.any():
        gone = (pop.member_of >= 0) & end[np.maximum(pop.member_of, 0)]
        pop.member_of[gone] = NO
        pop.core[gone] = False
        ini.alive[end] = False
        ini.taken_over[end] = False
        m.counters.initiatives_ended += np.bincount(ini.nbh[end], minlength=m.n_nbh)
    # Meeting activities whose place closed look for another open place in the neighbourhood.
    for k in np.flatnonzero(ini.alive & _members_without_place(m, np.arange(len(ini)))):
        places = np.flatnonzero(m.places.open & (m.places.nbh == ini.nbh[k]))
        ini.place[k] = rng.choice(places) if len(places) else NO
    m.counters.takeover_cost += np.bincount(ini.nbh[ini.alive & ini.taken_over],
                                            minlength=m.n_nbh) * p.takeover_cost_eur / 52
    # Citizen-funded initiatives are paid from the citizen budget, which is counted as a whole.
    m.counters.grant_cost += np.bincount(ini.nbh[ini.alive & (ini.grant_weeks_left > 0) & ~ini.citizen_funded],
                                         minlength=m.n_nbh) * p.grant_eur / 52


def _volunteering(m: CommunityModel, motivation: np.ndarray, level: np.ndarray) -> None:
    p, rng, pop = m.p, m.rng, m.pop
    n = len(pop)
    # Core members put in their hours; ordinary members lend a hand now and then (setting up, cooking,
    # driving); residents volunteer elsewhere too (sports clubs, schools, church): CBS counts it.
    lend, elsewhere = rng.random(n), rng.random(n)
    pop.volunteer_hours = _volunteer_hours(_parameters(_VolunteeringParameters, p), m.week, pop.member_of, pop.core,
                                           pop.civic, motivation, level, lend, elsewhere, pop.last_volunteered)


@numba.njit(cache=True)
def _volunteer_hours(p: tuple, week: int, member_of: np.ndarray, core: np.ndarray, civic: np.ndarray,
                     motivation: np.ndarray, level: np.ndarray, lend: np.ndarray, elsewhere: np.ndarray,
                     last_volunteered: np.ndarray) -> np.ndarray:
    """This week's volunteering hours (``lend``, ``elsewhere``: one uniform number each); who volunteered, when."""
    hours = np.empty(len(core))
    for i in range(len(core)):
        h = p.core_hours if core[i] else 0.0
        if member_of[i] >= 0 and not core[i] and lend[i] < p.member_help_rate:
            h += p.member_help_hours
        if elsewhere[i] < p.volunteer_rate * civic[i] * motivation[i] * (level[i] <= 1):
            h += p.volunteer_hours_elsewhere
        hours[i] = h
        if h > 0:
            last_volunteered[i] = week
    return hours


# 14 ------------------------------------------------------------------------------
def update_motivation(m: CommunityModel, settle: bool = False) -> None:
    """Autonomy, competence and relatedness follow their targets; control crowds autonomy out.

    Autonomy falls with felt control (full in an initiative the municipality took over, less
    outside initiatives) and rises with professional support or an own budget; competence rises
    with contributing (recent volunteering or care) and talents and falls with problems and
    strain; relatedness saturates with good ties and membership. The ZRM domain community
    participation is 2 for nothing, 3 for volunteering this year, 4 for a member, 5 for core.
    With ``settle`` the state jumps to its targets (initialisation).
    """
    p, pop, ini, lev = m.p, m.pop, m.inits, m.levers
    active = pop.member_of >= 0
    saturation = np.exp(-(pop.good_ties + p.relatedness_membership * active) / p.saturation_ties)
    _motivation_step(_parameters(_MotivationParameters, p), 1.0 if settle else p.motivation_rate, m.week,
                     pop.nbh, pop.member_of, pop.core, pop.last_volunteered, pop.care_given, pop.talents,
                     need_level_of(pop.zrm), pop.strain, saturation, lev.control, ini.taken_over, ini.support_hours,
                     ini.citizen_funded, pop.autonomy, pop.competence, pop.relatedness, pop.zrm)


@numba.njit(cache=True)
def _motivation_step(p: tuple, rate: float, week: int, nbh: np.ndarray, member_of: np.ndarray,
                     core: np.ndarray, last_volunteered: np.ndarray, care_given: np.ndarray, talents: np.ndarray,
                     need: np.ndarray, strain: np.ndarray, saturation: np.ndarray, control: np.ndarray,
                     taken_over: np.ndarray, support_hours: np.ndarray, citizen_funded: np.ndarray,
                     autonomy: np.ndarray, competence: np.ndarray, relatedness: np.ndarray, zrm: np.ndarray) -> None:
    """The per-resident part of :func:`update_motivation`, in one pass (``saturation``: the exponential term)."""
    for i in range(len(nbh)):
        k = member_of[i]
        active = k >= 0
        felt = 1.0 if active and taken_over[k] else control[nbh[i]] * (1.0 if active else p.control_felt_outside)
        backed = active and (support_hours[k] > 0 or citizen_funded[k])  # supported or own budget
        autonomy_t = p.autonomy_base - p.crowding * felt + p.support_autonomy * backed
        contributing = week - last_volunteered[i] <= p.contribution_memory_weeks or care_given[i] > 0
        n_talents = 0
        for j in range(talents.shape[1]):
            n_talents += talents[i, j]
        competence_t = (p.competence_base + p.competence_contributing * contributing
                        + p.competence_per_talent * n_talents
                        - p.competence_problem_penalty * ((need[i] >= 2) + strain[i]))
        autonomy[i] += rate * (min(max(autonomy_t, 0.0), 1.0) - autonomy[i])
        competence[i] += rate * (min(max(competence_t, 0.0), 1.0) - competence[i])
        relatedness[i] += rate * (min(max(1 - saturation[i], 0.0), 1.0) - relatedness[i])
        zrm[i, PARTICIPATION] = 2 + (week - last_volunteered[i] < 52) + active + core[i]


# 15 ------------------------------------------------------------------------------
def update_loneliness(m: CommunityModel, settle: bool = False) -> None:
    """De Jong Gierveld loneliness from the gap in good ties, living alone, and ties' loneliness.

    Social loneliness (0-5) falls with good ties and belonging, saturating at about
    4-5 good ties; emotional loneliness (0-6) depends on living alone and on close ties.
    Loneliness spreads through ties (``contagion``): each resident is pulled toward the
    tie-weighted loneliness of its ties. The ZRM domain social network goes from 1 with no
    good tie up to 5 with eight or more. With ``settle`` the state jumps to its target
    (initialisation).
    """
    p, pop, net = m.p, m.pop, m.net
    pop.good_ties, close, wsum, wtotal = net.strength_profile(pop.lon_s + pop.lon_e, p.good_tie_threshold,
                                                             p.close_tie_threshold)
    belonging = p.belonging_engagement * pop.engagement + p.belonging_membership * (pop.member_of >= 0)
    social_gap = np.exp(-(pop.good_ties + belonging) / p.saturation_ties)
    no_confidant = np.exp(-close / p.confidant_scale)
    pop.score = _loneliness_step(_parameters(_LonelinessParameters, p), 1.0 if settle else p.loneliness_rate,
                                 pop.alone, pop.disp_s, pop.disp_e, social_gap, no_confidant, wsum, wtotal,
                                 pop.good_ties, pop.lon_s, pop.lon_e, pop.zrm)


@numba.njit(cache=True)
def _loneliness_step(p: tuple, rate: float, alone: np.ndarray, disp_s: np.ndarray, disp_e: np.ndarray,
                     social_gap: np.ndarray, no_confidant: np.ndarray, wsum: np.ndarray, wtotal: np.ndarray,
                     good_ties: np.ndarray, lon_s: np.ndarray, lon_e: np.ndarray, zrm: np.ndarray) -> np.ndarray:
    """The per-resident part of :func:`update_loneliness`, in one pass; returns the scores.

    ``social_gap`` and ``no_confidant`` are the exponential terms (computed by numpy, whose
    ``exp`` rounds differently from numba's in the last bit).
    """
    score = np.empty(len(alone), dtype=np.int8)
    for i in range(len(alone)):
        social_t = 5 * social_gap[i] + disp_s[i]
        base = p.emotional_alone if alone[i] else p.emotional_together
        emotional_t = base * (1 - p.confidant_protection * (1 - no_confidant[i])) + disp_e[i]
        total = lon_s[i] + lon_e[i]
        ties_total = wtotal[i] / max(wsum[i], 1e-9) if wsum[i] > 0 else total
        pull = p.contagion * (ties_total - total)
        social_t = min(max(social_t + pull * 5 / 11, 0.0), 5.0)
        emotional_t = min(max(emotional_t + pull * 6 / 11, 0.0), 6.0)
        lon_s[i] += rate * (social_t - lon_s[i])
        lon_e[i] += rate * (emotional_t - lon_e[i])
        score[i] = np.rint(lon_s[i]) + np.rint(lon_e[i])
        zrm[i, SOCIAL_NETWORK] = min(max(1 + good_ties[i] // 2, 1), 5)
    return score


# 16 ------------------------------------------------------------------------------
def update_trust(m: CommunityModel, settle: bool = False) -> None:
    """Trust in the municipality follows experience: timely help, long waits, control, own budgets."""
    p, pop = m.p, m.pop
    _trust_step(_parameters(_TrustParameters, p), 1.0 if settle else p.trust_rate, m.week, pop.nbh, pop.case_state,
                pop.case_since, pop.member_of, m.levers.control, m.inits.citizen_funded, pop.trust)


@numba.njit(cache=True)
def _trust_step(p: tuple, rate: float, week: int, nbh: np.ndarray, case_state: np.ndarray,
                case_since: np.ndarray, member_of: np.ndarray, control: np.ndarray, citizen_funded: np.ndarray,
                trust: np.ndarray) -> None:
    """The per-resident part of :func:`update_trust`, in one pass."""
    for i in range(len(nbh)):
        waiting_long = case_state[i] == CASE_WAITING and week - case_since[i] > p.long_wait_weeks
        active = member_of[i] >= 0
        own_budget = active and citizen_funded[member_of[i]]
        signal = (p.trust_base + p.trust_helped * (case_state[i] == CASE_OPEN) - p.trust_waiting * waiting_long
                  - p.trust_control * control[nbh[i]] * active + p.trust_own_budget * own_budget)
        trust[i] += rate * (min(max(signal, 0.0), 1.0) - trust[i])


# 17 ------------------------------------------------------------------------------
def collect(m: CommunityModel) -> None:
    """Record the week's outputs (not during the burn-in)."""
    if m.recorder is not None:
        m.recorder.collect(m)


def settle(m: CommunityModel) -> None:
    """Set loneliness, motivation and trust to their targets for the initial city (before the burn-in)."""
    update_loneliness(m, settle=True)
    update_motivation(m, settle=True)
    update_trust(m, settle=True)
