"""Building the city: neighbourhoods, residents, their ties, meeting places and professionals (``docs/ODD.md``, 5).

:func:`build_city` lays out a new :class:`~model.core.community.CommunityModel` from its
parameters and random generator; :func:`replace_residents` draws newcomers for leavers
during the run, like the initial population. :func:`is_bridging` and
:func:`_similar_neighbour` are the rules of who is alike that building and the submodels share.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np

from agents import Initiative, MeetingPlace, Municipality, Professional
from model.core.agent_rows import resident_agents
from model.core.archetypes import neighbourhoods
from model.core.categories import TALENTS, ZRM_DOMAINS
from model.core.draws import beta, draw_key, integer, normal, poisson, subkey, uniform
from model.core.network import TieNetwork
from model.core.state import DAILY_LIVING, NO, Initiatives, Places, Population
from model.core.tie_lookups import _leavers_ties

if TYPE_CHECKING:
    from model.core.community import CommunityModel


def build_city(m: CommunityModel) -> None:
    """Lay out the city of ``m.p`` with ``m.rng``: neighbourhoods, residents, ties, places, initiative slots, agents.

    Residents, meeting places and initiative slots become Mesa agents over the model-owned
    arrays; professionals staff each neighbourhood; the municipality steers.
    """
    build_neighbourhoods(m)
    m.pop = build_population(m)
    m.net = build_network(m)
    share_disposition_with_kin(m, np.arange(len(m.pop)), initial=True)
    m.places = build_places(m)
    m.inits = Initiatives.empty(max(8, int(m.p.max_initiatives_per_1000 * m.p.n_residents / 1000)))
    m.next_initiative = 0
    m.initiative_log = []  # (initiative, week, event, kind, neighbourhood, founder, core): see CommunityModel
    resident_agents(m, len(m.pop))  # one agent a row, registered in row order
    MeetingPlace.create_agents(m, len(m.places), idx=np.arange(len(m.places)))
    Initiative.create_agents(m, len(m.inits), idx=np.arange(len(m.inits)))
    m.professionals = build_professionals(m)
    m.municipality = Municipality(m)


def build_neighbourhoods(m: CommunityModel) -> None:
    """Name the neighbourhoods, size them by their archetypes' shares and set their tie decay."""
    m.nbh_archetype, m.nbh_names = neighbourhoods(m.p)
    m.n_nbh = len(m.nbh_names)
    shares = np.array([m.p.archetypes[n].share for n in m.nbh_archetype])
    sizes = np.floor(shares / shares.sum() * m.p.n_residents).astype(int)
    sizes[: m.p.n_residents - sizes.sum()] += 1
    m.nbh_size = sizes
    density = np.array([m.p.archetypes[a].density for a in m.nbh_archetype])
    m.tie_decay = m.p.tie_decay * density ** m.p.density_decay  # non-kin, per neighbourhood
    # Residents are stored by neighbourhood and keep it (a newcomer takes a leaver's place).
    m.nbh_start = np.concatenate([[0], np.cumsum(sizes)])


def build_population(m: CommunityModel) -> Population:
    """Draw the initial residents, and the chances of living alone and the age mix that newcomers follow."""
    p = m.p
    nbh = np.repeat(np.arange(m.n_nbh), m.nbh_size)
    arch = [p.archetypes[a] for a in m.nbh_archetype]
    # Chance of living alone per neighbourhood and age group; household changes keep it
    # stationary (life_events), because the model has no ageing.
    m.alone_p = np.clip(np.array([a.alone_share for a in arch])[:, None]
                        * np.array(p.alone_age_factor)[None, :], 0.01, 0.99)
    shares = np.array([a.age_shares for a in arch])
    # Newcomers replace leavers of their age, so the age structure stays the archetype's (no ageing):
    # ages of newcomers are in proportion to age share x turnover rate.
    inflow = shares * np.array(p.turnover_rate)[None, :]
    m.age_cdf = {False: np.cumsum(shares, axis=1),
                 True: np.cumsum(inflow / np.maximum(inflow.sum(axis=1, keepdims=True), 1e-300), axis=1)}
    m.next_pid = 0
    pop = Population.empty(len(nbh), len(TALENTS), len(ZRM_DOMAINS))
    pop.nbh[:] = nbh
    draw_residents(m, pop, np.arange(len(nbh)), newcomers=False)
    return pop


def draw_residents(m: CommunityModel, pop: Population, who: np.ndarray, newcomers: bool) -> None:
    """Draw the residents of rows ``who`` of ``pop`` anew in their neighbourhoods: the initial population, or newcomers.

    Each gets a new id and fresh state from its random numbers in one compiled pass (:func:`_fresh_residents`).
    The initial population's numbers come from numpy in the order they always did (:func:`_initial_numbers`:
    a seed builds the same city as before); a week's newcomers' from one compiled call that draws them from
    one key of the model's generator (:func:`_newcomers_numbers`), with the same distributions.
    """
    p = m.p
    who = np.asarray(who, dtype=np.int64)
    nbh = pop.nbh[who]
    if newcomers:
        numbers = _newcomers_numbers(draw_key(m.rng), who, len(p.talent_prevalence), p.vulnerability_beta,
                                     p.civic_beta, p.reluctance_mean, p.reluctance_sd, p.desired_ties_spread)
    else:
        numbers = _initial_numbers(m, len(who))
    rho = p.disposition_correlation
    low_income_share = np.array([p.archetypes[a].low_income_share for a in m.nbh_archetype])
    _fresh_residents(
        who, nbh, m.next_pid, *numbers,
        m.age_cdf[newcomers][nbh], m.alone_p, low_income_share, np.array(p.talent_prevalence),
        np.array(p.initial_problem_rates),
        (p.vulnerability_low_income, p.vulnerability_75plus, p.chronic_share_75plus,
         p.vulnerability_shock_factor - 1, math.sqrt(rho), math.sqrt(1 - rho), p.disposition_sd,
         p.desired_ties_mean, p.low_income_civic_factor),
        pop.pid, pop.age, pop.alone, pop.low_income, pop.vulnerability, pop.chronic, pop.talents, pop.zrm,
        pop.reluctance, pop.disp_s, pop.disp_e, pop.desired, pop.lon_s, pop.lon_e, pop.score, pop.autonomy,
        pop.competence, pop.relatedness, pop.trust, pop.civic, pop.member_of, pop.core, pop.helper,
        pop.care_given, pop.strain, pop.unmet_weeks, pop.case_state, pop.case_prof, pop.case_since,
        pop.last_volunteered, pop.volunteer_hours, pop.visited, pop.engagement, pop.prompted, pop.spotted,
        pop.good_ties, pop.ties_lost)
    m.next_pid += len(who)


def _initial_numbers(m: CommunityModel, n: int) -> tuple[np.ndarray, ...]:
    """The random numbers of ``n`` residents of the initial city, from numpy in the order they always were drawn.

    Consecutive draws of one kind as one call (the same numbers); the lognormal's ``np.exp`` is numpy's, so
    that its bits do not depend on numba's maths library. In :func:`_fresh_residents`' layout: uniform numbers
    for age, living alone and low income (``3n``); vulnerability before income and age; uniform numbers for
    chronic problems, talents and the initial problems at levels 4, 3, 2, 1 (each level ``n`` x 9 domains);
    standard normals for the shared and own dispositions (social, emotional) and the relationship standard
    (``4n``); reluctance; civic propensity; the relationship standard.
    """
    p, rng = m.p, m.rng
    u = rng.random(3 * n)
    vulnerable = rng.beta(*p.vulnerability_beta, n)
    v = rng.random(n * (1 + len(TALENTS) + 4 * 9))
    g = rng.normal(0, 1, 4 * n)
    reluctance = rng.normal(p.reluctance_mean, p.reluctance_sd, n)
    civic = rng.beta(*p.civic_beta, n)
    # Wanted good relationships, lognormal with mean desired_ties_mean (relationship standards differ).
    spread = p.desired_ties_spread
    standard = np.exp(spread * g[3 * n:] - spread ** 2 / 2)
    return u, vulnerable, v, g, reluctance, civic, standard


# The places of a newcomer's numbers in its subkey: one each, then its talents, then 4 x 9 initial problems.
_AGE, _ALONE, _POOR, _VULNERABLE, _CHRONIC, _SHARED, _OWN_S, _OWN_E, _STANDARD, _RELUCTANT, _CIVIC = range(11)
_TALENTS = 11


@numba.njit(cache=True)
def _newcomers_numbers(key: np.uint64, who: np.ndarray, n_talents: int, vulnerability_beta: tuple[float, float],
                       civic_beta: tuple[float, float], reluctance_mean: float, reluctance_sd: float,
                       spread: float) -> tuple[np.ndarray, ...]:
    """The random numbers of newcomers in rows ``who``, as :func:`_initial_numbers` gives them, drawn from ``key``.

    Row ``i``'s numbers are those of ``subkey(key, i)`` (:mod:`model.core.draws`), at the places above: a
    newcomer's numbers do not depend on who else arrives. numpy's draws become the same distributions:
    uniform numbers :func:`~model.core.draws.uniform`, standard normals :func:`~model.core.draws.normal`
    (reluctance ``mean + sd * z``), Beta :func:`~model.core.draws.beta`.
    """
    n = len(who)
    hit0 = n * (1 + n_talents)
    u, vulnerable, v = np.empty(3 * n), np.empty(n), np.empty(n * (1 + n_talents + 4 * 9))
    g, reluctance, civic, standard = np.empty(4 * n), np.empty(n), np.empty(n), np.empty(n)
    for k in range(n):
        r = subkey(key, who[k])
        u[k], u[n + k], u[2 * n + k] = uniform(r, _AGE), uniform(r, _ALONE), uniform(r, _POOR)
        vulnerable[k] = beta(r, _VULNERABLE, vulnerability_beta[0], vulnerability_beta[1])
        v[k] = uniform(r, _CHRONIC)
        for t in range(n_talents):
            v[n + k * n_talents + t] = uniform(r, _TALENTS + t)
        for level in range(4):
            for d in range(9):
                v[hit0 + (level * n + k) * 9 + d] = uniform(r, _TALENTS + n_talents + level * 9 + d)
        g[k], g[n + k], g[2 * n + k] = normal(r, _SHARED), normal(r, _OWN_S), normal(r, _OWN_E)
        g[3 * n + k] = normal(r, _STANDARD)
        reluctance[k] = reluctance_mean + reluctance_sd * normal(r, _RELUCTANT)
        civic[k] = beta(r, _CIVIC, civic_beta[0], civic_beta[1])
        standard[k] = np.exp(spread * g[3 * n + k] - spread ** 2 / 2)
    return u, vulnerable, v, g, reluctance, civic, standard


_LONG_AGO = np.iinfo(np.int64).min // 2  # the week of the last volunteering of one who never did


@numba.njit(cache=True)
def _fresh_residents(who, nbh, first_pid, u, vulnerable, v, g, reluctance, civic, standard, age_cdf, alone_p,
                     low_income_share, talent_prevalence, problem_rates, c, pid, age, alone, low_income,
                     vulnerability, chronic, talents, zrm, reluct, disp_s, disp_e, desired, lon_s, lon_e, score,
                     autonomy, competence, relatedness, trust, civ, member_of, core, helper, care_given, strain,
                     unmet_weeks, case_state, case_prof, case_since, last_volunteered, volunteer_hours, visited,
                     engagement, prompted, spotted, good_ties, ties_lost) -> None:
    """Fresh state of residents ``who`` from their random numbers (:func:`_initial_numbers`' layout), row by row.

    Each value is the numpy formulation's own arithmetic in its order (no fused operations), so the same bits.
    ``c``: the low-income and 75+ vulnerability terms, the 75+ chronic share, the shock factor minus one,
    the square roots of the disposition correlation and its complement, the disposition's spread, the
    mean relationship standard and the low-income civic factor.
    """
    n, n_talents = len(who), talent_prevalence.shape[0]
    for k in range(n):
        i = who[k]
        pid[i] = first_pid + k
        a = 0
        for x in range(age_cdf.shape[1]):
            a += u[k] > age_cdf[k, x]
        a = min(max(a, 0), 3)
        age[i] = a
        old = a == 3
        alone[i] = u[n + k] < alone_p[nbh[k], a]
        poor = u[2 * n + k] < low_income_share[nbh[k]]
        low_income[i] = poor
        vul = min(max(vulnerable[k] + c[0] * (1.0 if poor else 0.0) + c[1] * (1.0 if old else 0.0), 0.0), 1.0)
        vulnerability[i] = vul
        chronic[i] = old and v[k] < c[2]
        for t in range(n_talents):
            talents[i, t] = v[n + k * n_talents + t] < talent_prevalence[t]
        # Problems to start with, more for the vulnerable (as life events: life_events): levels 4, 3, 2, 1
        # at their rates; a domain hit at several levels is at the lowest.
        proneness = 1 + c[3] * vul
        hit0 = n * (1 + n_talents)
        for d in range(zrm.shape[1]):
            score_d = 5
            if d < 9:
                for level in range(4):
                    if v[hit0 + (level * n + k) * 9 + d] < problem_rates[level] * proneness:
                        score_d = min(score_d, 4 - level)
            zrm[i, d] = score_d
        if chronic[i]:
            zrm[i, DAILY_LIVING] = min(zrm[i, DAILY_LIVING], 2)
        # One disposition to loneliness shared by both subscales plus a part of each their own.
        disp_s[i] = c[6] * (c[4] * g[k] + c[5] * g[n + k])
        disp_e[i] = c[6] * (c[4] * g[k] + c[5] * g[2 * n + k])
        desired[i] = c[7] * standard[k]
        reluct[i] = min(max(reluctance[k], 0.0), 1.0)
        lon_s[i], lon_e[i], score[i] = 0.0, 0.0, 0
        # Motivation and trust start neutral and settle to their targets (``model.core.submodels.settle``).
        autonomy[i], competence[i], relatedness[i], trust[i] = 0.5, 0.5, 0.5, 0.5
        # Those with fewer resources volunteer and organise less (SCP 2014).
        civ[i] = civic[k] * (c[8] if poor else 1.0)
        member_of[i], core[i], helper[i] = NO, False, NO
        care_given[i], strain[i], unmet_weeks[i] = 0.0, 0.0, 0
        case_state[i], case_prof[i], case_since[i] = 0, NO, 0
        last_volunteered[i] = _LONG_AGO
        volunteer_hours[i], visited[i], engagement[i] = 0.0, NO, 0.0
        prompted[i], spotted[i], good_ties[i], ties_lost[i] = False, False, 0, 0


def build_network(m: CommunityModel) -> TieNetwork:
    """Homophilous initial ties: near neighbours in (neighbourhood, age, income) order, plus random ones."""
    p, rng, pop = m.p, m.rng, m.pop
    n = len(pop)
    net = TieNetwork(n)
    order = np.lexsort((rng.random(n), pop.low_income, pop.age, pop.nbh))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    lo, hi = m.nbh_start[pop.nbh], m.nbh_start[pop.nbh + 1]
    src = np.repeat(np.arange(n), rng.poisson(p.initial_ties / 2, n))
    k = len(src)
    span = np.maximum(hi[src] - lo[src], 1)
    # Similar residents sit close together in this order, so near ranks make clustered, homophilous ties.
    near = rng.geometric(1 / p.similar_tie_span, k) * rng.choice((-1, 1), k)
    target_pos = np.where(rng.random(k) < p.similar_tie_share,
                          lo[src] + (pos[src] - lo[src] + near) % span,
                          lo[src] + rng.integers(0, span))
    cross = rng.random(k) < p.cross_neighbourhood_share
    target_pos[cross] = rng.integers(0, n, cross.sum())
    dst = order[target_pos]
    kin = rng.random(k) < p.kin_share
    w = np.where(kin, rng.uniform(*p.kin_strength, k), rng.uniform(*p.friend_strength, k))
    # Stably in key order (the same ties): the merge then sorts them in 0.15 s at 1,000,000 residents, not 1.5 s.
    order = np.argsort(np.minimum(src, dst) * n + np.maximum(src, dst), kind="stable")
    src, dst, w, kin = src[order], dst[order], w[order], kin[order]
    net.add(src, dst, w, kin, is_bridging(m, src, dst))
    return net


def share_disposition_with_kin(m: CommunityModel, who: np.ndarray, initial: bool,
                               ties_of_who: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Mix the dispositions of ``who`` with their relatives', so that relatives resemble each other.

    Each of the two dispositions (social, emotional) of a resident becomes ``(own + b x sum of the
    relatives') / sqrt(1 + b**2 x relatives)``: its spread stays ``disposition_sd`` and two
    relatives' dispositions correlate by ``kin_disposition_correlation`` (``r``; Boomsma et al. 2005).
    For the initial population everyone is drawn at once and mixed with the relatives' own draws,
    so ``b = (1 - sqrt(1 - r**2)) / r`` gives a pair of relatives ``2b / (1 + b**2) = r``. A
    newcomer joins relatives who are already there (the newcomers of the same week do not count)
    and takes ``b = r / sqrt(1 - r**2)``, which gives ``r`` with one relative.

    Args:
        m: The model; its kin ties of ``who`` are in place.
        who: The residents to mix (ascending and distinct where ``ties_of_who`` is given).
        initial: All residents at once (the initial city) rather than newcomers.
        ties_of_who: ``m.net.ties_of(who)`` where the caller has it (as ``replace_residents`` does).
    """
    r = m.p.kin_disposition_correlation
    if r <= 0 or not len(who):
        return
    b = (1 - math.sqrt(1 - r * r)) / r if initial else r / math.sqrt(1 - r * r)
    pop, net = m.pop, m.net
    if ties_of_who is None and not np.all(who[1:] > who[:-1]):  # a caller with the ties passes ``who`` as
        who = np.unique(who)  # ``ties_of`` wants it; np.unique of everyone, already so, took 16 ms at 100,000
    if initial and len(who) == net.n:  # everyone (the initial city): two passes over the ties, not ties_of
        _mix_all_with_kin(net.a, net.b, net.kin, b, pop.disp_s, pop.disp_e)
        return
    # Only the ties of ``who`` are looked at (a few newcomers a week: not a pass over every kin tie).
    start, ties = net.ties_of(who) if ties_of_who is None else ties_of_who
    _mix_with_kin(who, start, ties, net.a, net.b, net.kin, initial, b, pop.disp_s, pop.disp_e)


@numba.njit(cache=True)
def _mix_with_kin(who: np.ndarray, start: np.ndarray, ties: np.ndarray, a: np.ndarray, b: np.ndarray,
                  kin: np.ndarray, initial: bool, weight: float, disp_s: np.ndarray, disp_e: np.ndarray) -> None:
    """The mixing of :func:`share_disposition_with_kin` over ``ties_of(who)``, in place, in one compiled pass.

    Relatives among ``who`` count only for the ``initial`` city. Each sum adds the relatives in the
    order of ``ties_of``, from zero, as ``np.bincount`` with weights did (the same bits; about twenty
    numpy calls a week fewer).
    """
    fresh = np.zeros(len(disp_s), dtype=np.bool_)
    if not initial:
        fresh[who] = True
    mixed_s, mixed_e = np.zeros(len(who)), np.zeros(len(who))
    relatives = np.zeros(len(who), dtype=np.int64)
    for k in range(len(who)):
        for e in ties[start[k]:start[k + 1]]:
            other = b[e] if a[e] == who[k] else a[e]
            if kin[e] and not fresh[other]:
                mixed_s[k] += disp_s[other]
                mixed_e[k] += disp_e[other]
                relatives[k] += 1
    for k in range(len(who)):  # after all sums: in the initial city relatives are mixed too
        scale = np.sqrt(1 + weight * weight * relatives[k])
        disp_s[who[k]] = (disp_s[who[k]] + weight * mixed_s[k]) / scale
        disp_e[who[k]] = (disp_e[who[k]] + weight * mixed_e[k]) / scale


@numba.njit(cache=True)
def _mix_all_with_kin(a: np.ndarray, b: np.ndarray, kin: np.ndarray, weight: float, disp_s: np.ndarray,
                      disp_e: np.ndarray) -> None:
    """:func:`_mix_with_kin` of every resident of the initial city at once, in place, the same bits.

    ``ties_of`` lists a resident's ties where it is the lower end first, then those where it is the higher
    end, each in tie order: a pass over the ties adding at their lower ends and then one adding at their
    higher ends adds each resident's relatives in that order. With ``ties_of`` of everyone (every tie listed
    twice, by resident) and ``np.unique`` of everyone, the mixing took 64 ms at 100,000 residents and 1.4 s
    at 1,000,000; now 3.5 and 49 ms.
    """
    n = len(disp_s)
    mixed_s, mixed_e = np.zeros(n), np.zeros(n)
    relatives = np.zeros(n, dtype=np.int64)
    for e in range(len(a)):
        if kin[e]:
            mixed_s[a[e]] += disp_s[b[e]]
            mixed_e[a[e]] += disp_e[b[e]]
            relatives[a[e]] += 1
    for e in range(len(a)):
        if kin[e]:
            mixed_s[b[e]] += disp_s[a[e]]
            mixed_e[b[e]] += disp_e[a[e]]
            relatives[b[e]] += 1
    for i in range(n):  # after all sums: relatives are mixed too
        scale = np.sqrt(1 + weight * weight * relatives[i])
        disp_s[i] = (disp_s[i] + weight * mixed_s[i]) / scale
        disp_e[i] = (disp_e[i] + weight * mixed_e[i]) / scale


def build_places(m: CommunityModel) -> Places:
    """Whole meeting places per neighbourhood whose capacity together is exactly what ``places_per_10k`` gives.

    A small neighbourhood gets one place with part of the capacity, so a city of any size has the
    same capacity per resident.
    """
    exact = np.array([m.p.archetypes[a].places_per_10k * s / 10_000
                      for a, s in zip(m.nbh_archetype, m.nbh_size, strict=True)])
    counts = np.where(exact > 0, np.maximum(1, np.round(exact)), 0).astype(int)
    nbh = np.repeat(np.arange(m.n_nbh), counts)
    k = len(nbh)
    capacity = np.repeat(m.p.place_capacity * exact / np.maximum(counts, 1), counts)
    return Places(nbh=nbh, capacity=capacity,
                  subsidy_share=np.ones(k), funding=np.ones(k), underfunded_weeks=np.zeros(k, np.int64),
                  open=np.ones(k, bool), visits=np.zeros(k, np.int64), self_managed=np.zeros(k, bool),
                  unstaffed_weeks=np.zeros(k, np.int64), taken_over=np.zeros(k, bool))


def build_professionals(m: CommunityModel) -> list[Professional]:
    """Staff each neighbourhood with its exact FTE: whole-time professionals and one part-timer.

    Each neighbourhood also has one post for temporarily hired district-team staff, empty (0 FTE)
    until the municipality hires (``agents.Municipality.hire_when_waits_are_long``).
    """
    pros = []
    for b in range(m.n_nbh):
        for role, per_1000 in (("district_team", m.p.team_per_1000),
                               ("community_builder", m.p.builders_per_1000)):
            fte = per_1000 * m.nbh_size[b] / 1000
            whole = int(fte)
            parts = [1.0] * whole + ([fte - whole] if fte - whole > 1e-9 else [])
            pros += [Professional(m, nbh=b, role=role, fte=f) for f in parts]
        pros.append(Professional(m, nbh=b, role="district_team", fte=0.0, hired=True))
    for i, pro in enumerate(pros):
        pro.idx = i
    m.pro_nbh = np.array([pro.nbh for pro in pros], dtype=np.int64)
    m.pro_team = np.array([pro.role == "district_team" for pro in pros], dtype=bool)
    m.pro_hired = np.array([pro.hired for pro in pros], dtype=bool)
    m.hired_post = np.flatnonzero(m.pro_hired)  # per neighbourhood, in order
    count_fte(m, pros)
    m.pro_hours = np.zeros((len(pros), 3))
    m.pro_bemoeizorg = np.zeros(len(pros))
    m.case_demand = np.zeros(len(pros))  # casework asked per professional (allocate_professional_time)
    return pros


def count_fte(m: CommunityModel, pros: list[Professional]) -> None:
    """Each professional's FTE as an array, and the permanent district team's FTE per neighbourhood.

    Called when the city is built and when the team is resized (``team_size``); temporary staff on the
    hired posts are not part of the permanent team.
    """
    m.pro_fte = np.array([pro.fte for pro in pros])
    m.team_fte = np.bincount(m.pro_nbh, m.pro_fte * (m.pro_team & ~m.pro_hired), minlength=m.n_nbh)


def is_bridging(m: CommunityModel, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Tell which pairs differ in age group or income, or live in different neighbourhoods."""
    pop = m.pop
    return _is_bridging(np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64), pop.age, pop.low_income,
                        pop.nbh)


@numba.njit(cache=True)
def _is_bridging(i: np.ndarray, j: np.ndarray, age: np.ndarray, low_income: np.ndarray,
                 nbh: np.ndarray) -> np.ndarray:
    """The rule of :func:`is_bridging` in one call (eleven numpy calls before; some six calls a week)."""
    bridging = np.empty(len(i), dtype=np.bool_)
    for k in range(len(i)):
        bridging[k] = (age[i[k]] != age[j[k]]) | (low_income[i[k]] != low_income[j[k]]) | (nbh[i[k]] != nbh[j[k]])
    return bridging


@numba.njit(cache=True)
def _similar_neighbour(who: np.ndarray, u: np.ndarray, nbh_start: np.ndarray, nbh_size: np.ndarray, nbh: np.ndarray,
                       age: np.ndarray, low_income: np.ndarray) -> np.ndarray:
    """For each resident in ``who``, a neighbour of the same age group and income, if one is found quickly.

    Looks at ``similar_search`` random residents of the same neighbourhood (``u``: a row of numbers per
    resident) and takes the first who matches both, else the first of the same age group, else the first
    one looked at. The candidates are ``start + int(u * size)`` of the resident's neighbourhood, as numpy's
    ``astype`` cut them; one call instead of some fifteen numpy calls a week.
    """
    found = np.empty(len(who), dtype=np.int64)
    for k in range(len(who)):
        i = who[k]
        lo, size = nbh_start[nbh[i]], nbh_size[nbh[i]]
        first_age, first_both = -1, -1
        for x in range(u.shape[1]):
            c = lo + np.int64(u[k, x] * size)
            if first_both < 0 and age[c] == age[i] and low_income[c] == low_income[i]:
                first_both = c
            if first_age < 0 and age[c] == age[i]:
                first_age = c
        first = lo + np.int64(u[k, 0] * size)
        found[k] = first_both if first_both >= 0 else (first_age if first_age >= 0 else first)
    return found


def replace_residents(m: CommunityModel, who: np.ndarray) -> None:
    """Residents who left (moved or died) are replaced by newcomers with fresh state.

    A newcomer keeps the neighbourhood, is drawn like the initial population there (its age
    in proportion to leavers', so the age structure holds) and arrives with ``newcomer_ties``
    ties: kin elsewhere in the city and similar neighbours (:func:`_newcomers_pairs`).
    """
    p, pop, net = m.p, m.pop, m.net
    who = np.asarray(who, dtype=np.int64)
    draw_residents(m, pop, who, newcomers=True)  # before the leavers' ties and helpers are undone below
    # Those who stay lose their ties to the leavers, and the help the leavers gave.
    gone, ties = _undo_leavers(who, net.a, net.b, pop.ties_lost, pop.helper)  # ties: ended by the splice below
    src, dst, w, kin, bridging = _newcomers_pairs(
        draw_key(m.rng), who, p.newcomer_ties, p.kin_share, p.kin_strength, p.friend_strength, p.similar_search,
        m.nbh_start, m.nbh_size, pop.nbh, pop.age, pop.low_income)
    new = net.replace(who, src, dst, w, kin, bridging, ties)  # leavers' ties end, newcomers' start
    # The newcomers' ties are exactly the new ties: where the splice put them, not a pass over every tie.
    share_disposition_with_kin(m, gone, initial=False, ties_of_who=_group_new_ties(gone, new, net.a, net.b))


# The streams of the newcomers' ties' key: a count per newcomer, then a subkey per newcomer for its pairs.
_COUNT, _PAIRS = range(2)


@numba.njit(cache=True)
def _newcomers_pairs(key: np.uint64, who: np.ndarray, mean_ties: float, kin_share: float,
                     kin_strength: tuple[float, float], friend_strength: tuple[float, float], search: int,
                     nbh_start: np.ndarray, nbh_size: np.ndarray, nbh: np.ndarray, age: np.ndarray,
                     low_income: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs the newcomers ``who`` arrive with: their ends, strengths, kin and bridging flags.

    Newcomer ``i`` (of ``n`` residents) has a Poisson(``mean_ties``) number of pairs (draw ``_COUNT * n + i``
    of ``key``); its pair ``t`` takes the numbers ``t * (3 + search)`` on of ``subkey(key, _PAIRS * n + i)``:
    kin with chance ``kin_share`` (then a resident anywhere in the city, uniformly), else a similar
    neighbour (:func:`_similar_neighbour`, ``search`` numbers), and a strength uniform in its range.
    """
    n = len(nbh)
    stride = 3 + search
    count = np.empty(len(who), dtype=np.int64)
    for k in range(len(who)):
        count[k] = poisson(key, _COUNT * n + who[k], mean_ties)
    src = np.repeat(who, count)
    m = len(src)
    dst, kin, w = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.bool_), np.empty(m)
    # Only a neighbour's pair draws its search's numbers and looks (``_similar_neighbour``: reads far apart), only
    # kin draw a relative. Every pair searched (a third are kin) took 1.12, not 0.96 ms, at 1,000,000 residents.
    near, u, f = np.empty(m, dtype=np.int64), np.empty((m, search)), 0
    e = 0
    for k in range(len(who)):
        r = subkey(key, _PAIRS * n + who[k])
        for t in range(count[k]):
            at = t * stride
            kin[e] = uniform(r, at) < kin_share
            lo, hi = kin_strength if kin[e] else friend_strength
            w[e] = lo + (hi - lo) * uniform(r, at + 1)
            if kin[e]:
                dst[e] = integer(r, at + 2, n)
            else:
                for x in range(search):
                    u[f, x] = uniform(r, at + 3 + x)
                near[f] = e
                f += 1
            e += 1
    dst[near[:f]] = _similar_neighbour(src[near[:f]], u[:f], nbh_start, nbh_size, nbh, age, low_income)
    return src, dst, w, kin, _is_bridging(src, dst, age, low_income, nbh)


@numba.njit(cache=True)
def _undo_leavers(who: np.ndarray, a: np.ndarray, b: np.ndarray, ties_lost: np.ndarray,
                  helper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residents who stay count each of their ties to the leavers ``who`` as lost, and lose a leaver's help.

    In place, in one call (some fifteen numpy calls a week before, ``np.add.at`` among them; since round 9
    also the leavers made distinct and their ties found: three calls fewer).

    Returns:
        The leavers, ascending and distinct, and their ties (:func:`_leavers_ties`, for ``TieNetwork.replace``).
    """
    gone = np.unique(who)
    ties = _leavers_ties(len(helper), gone, a, b)
    left = np.zeros(len(helper), dtype=np.bool_)
    left[gone] = True
    for e in ties:
        if not left[a[e]]:
            ties_lost[a[e]] += 1
        if not left[b[e]]:
            ties_lost[b[e]] += 1
    for i in range(len(helper)):  # a choice, not a branch: who is helped is unpredictable (0.15 to 0.09 ms at 100,000)
        h = helper[i]
        helper[i] = NO if (h >= 0) & left[max(h, 0)] else h
    return gone, ties


@numba.njit(cache=True)
def _group_new_ties(who: np.ndarray, tie: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``TieNetwork.ties_of(who)`` just after newcomers ``who`` (ascending, distinct) came with the ties ``tie``.

    Their rows' old ties have ended, so their ties are exactly the new ones, whose places (ascending, as
    ``TieNetwork.replace`` returns them) the splice knows: no pass over every tie (0.8 ms at 100,000 residents),
    nor a search of the new pairs among the ties (``find_ties``; 1.12 -> 0.38 ms at 1,000,000 residents, 0.07 ->
    0.03 at 100,000). Each resident's ties where it is the lower end first, then those where it is the higher end,
    each in tie order.
    """
    lo, hi = a[tie].astype(np.int64), b[tie].astype(np.int64)
    lower, higher = np.empty(len(tie), dtype=np.int64), np.empty(len(tie), dtype=np.int64)
    count = np.zeros(len(who), dtype=np.int64)
    for e in range(len(tie)):
        x, y = np.searchsorted(who, lo[e]), np.searchsorted(who, hi[e])
        lower[e] = x if x < len(who) and who[x] == lo[e] else -1
        higher[e] = y if y < len(who) and who[y] == hi[e] else -1
        if lower[e] >= 0:
            count[lower[e]] += 1
        if higher[e] >= 0:
            count[higher[e]] += 1
    start = np.zeros(len(who) + 1, dtype=np.int64)
    start[1:] = np.cumsum(count)
    ties = np.empty(start[-1], dtype=np.int64)
    fill = start[:-1].copy()
    for e in range(len(tie)):  # lower ends first, for every resident
        if lower[e] >= 0:
            ties[fill[lower[e]]] = tie[e]
            fill[lower[e]] += 1
    for e in range(len(tie)):
        if higher[e] >= 0:
            ties[fill[higher[e]]] = tie[e]
            fill[higher[e]] += 1
    return start, ties


def grow_initiative_agents(m: CommunityModel) -> None:
    """Create Initiative agents for slots added by :meth:`model.core.state.Initiatives.grow`."""
    have = len(m.agents_by_type[Initiative])
    new = np.arange(have, len(m.inits))
    Initiative.create_agents(m, len(new), idx=new)
