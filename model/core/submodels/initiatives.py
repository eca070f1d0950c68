"""Submodel 13: the life cycle of resident initiatives, and volunteering (``docs/ODD.md``, 7.13)."""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.categories import INITIATIVE_KINDS
from model.core.city import grow_initiative_agents
from model.core.state import NO, ORGANISING_TALENT, need_level_of
from model.core.submodels.helpers import MEETING, kernel_parameters, members_without_place
from model.core.time import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from model.core.community import CommunityModel


_VolunteeringParameters = namedtuple("_VolunteeringParameters", [
    "core_hours", "member_help_rate", "member_help_hours", "volunteer_rate", "volunteer_hours_elsewhere"])


# 13 ------------------------------------------------------------------------------
def initiative_lifecycle(m: CommunityModel) -> None:
    """Founding, recruiting (homophily, open invitations), core burnout, grants, takeover and ending; volunteering.

    Under an inclusion demand an initiative also invites residents of its neighbourhood beyond its
    members' ties (``open_recruit_rate`` a week at full demand, fewer as it fills up); an invited
    resident with at most a moderate need joins with a chance equal to their motivation.
    """
    p, rng, pop, ini, lev = m.p, m.rng, m.pop, m.inits, m.levers
    motivation = pop.motivation
    level = need_level_of(pop.zrm)
    _found_initiatives(m, motivation, level)
    _count_members(m)
    # Members and core members per initiative from here on, kept up to date by the kernels that let residents
    # join, leave, burn out and step up: the same counts as counting again after each step, without its passes.
    # ``ini.n_members`` stays this first count until the end (the room of an initiative is read from it).
    members, cores = ini.n_members.copy(), ini.n_core.copy()
    without_place = members_without_place(m, np.arange(len(ini)))  # kind, place and open places change no more
    # Recruiting along members' ties; without an inclusion demand similar residents are preferred.
    # Both directions of every tie (a recruits b, then b recruits a), kept where a member meets a non-member
    # with at most a moderate need.
    member = pop.member_of >= 0
    _, ea, eb = m.net.directed(member, ~member & (level <= 2))
    _recruit(rng.random(len(eb)), ea, eb, pop.member_of, pop.core, members, cores, p.recruit_rate, p.homophily,
             np.array(p.initiative_size), motivation, pop.age, pop.low_income, ini.group_age, ini.group_income,
             ini.nbh, ini.kind, ini.n_members, lev.inclusion_demand)
    live = np.flatnonzero(ini.alive & ~ini.taken_over)
    invites = rng.poisson(p.open_recruit_rate * lev.inclusion_demand[ini.nbh[live]] * _room(m, live))
    if invites.any():
        k = np.repeat(live, invites)
        # Whom each invitation reaches, then whether they accept: nothing is drawn in between.
        reach, accept = rng.random(len(k)), rng.random(len(k))
        _invite(reach, accept, k, ini.nbh, m.nbh_start, m.nbh_size, pop.member_of, pop.core, level, motivation,
                members, cores)
    # Members leave: low motivation, dissimilarity (forced contact does not work), no place to meet.
    # A group mixed by demand rather than choice is less comfortable for all its members (Movisie 2022).
    _leave(rng.random(int((members - cores).sum())), p.member_leave_rate, pop.member_of, pop.core, motivation,
           pop.age, pop.low_income, ini.group_age, ini.group_income, without_place, members)
    # Core volunteers burn out with their weekly load: the initiative's administration (unless
    # professionals take it off their hands) and its core work, shared by fewer hands when the core is small.
    # Inclusion conditions add duties (proving the initiative reaches everyone) to the reporting load.
    core = np.flatnonzero(pop.core)
    burnt = _burn_out(rng.random(len(core)), core, kernel_parameters(_BurnoutParameters, p), pop.member_of,
                      pop.core, pop.competence, pop.nbh, lev.initiative_accountability, lev.inclusion_demand, ini.nbh,
                      ini.grant_weeks_left, ini.citizen_funded, ini.support_hours, cores, m.counters.burnouts)
    gone = burnt[rng.random(len(burnt)) < p.burnout_leave]
    np.subtract.at(members, pop.member_of[gone], 1)
    pop.member_of[gone] = NO
    # Members step up to the core when it is short (organisers first).
    short = (cores < p.core_target) & ini.alive & ~ini.taken_over
    _step_up(rng.random(int((members - cores).sum())), p.step_up_rate, p.organiser_step_up_factor, short,
             pop.member_of, pop.core, motivation, pop.talents[:, ORGANISING_TALENT], cores)
    ini.n_members, ini.n_core = members, cores
    _end_or_take_over(m, without_place)
    _volunteering(m, motivation, level)


def _room(m: CommunityModel, k: np.ndarray) -> np.ndarray:
    """Groups fill up: recruiting slows as initiative ``k`` nears its kind's typical size."""
    ini = m.inits
    return np.clip(1 - ini.n_members[k] / np.array(m.p.initiative_size)[ini.kind[k]], 0, 1)


@numba.njit(cache=True)
def _recruit_chance(rate: float, homophily: float, size: np.ndarray, who: np.ndarray, k: np.ndarray,
                    motivation: np.ndarray, age: np.ndarray, low_income: np.ndarray, group_age: np.ndarray,
                    group_income: np.ndarray, nbh: np.ndarray, kind: np.ndarray, n_members: np.ndarray,
                    inclusion_demand: np.ndarray) -> np.ndarray:
    """The chance that resident ``who[j]`` joins initiative ``k[j]`` this week, in one pass over the pairs.

    ``rate x motivation x similarity factor x room`` (similar: the founder's age group and income group;
    :func:`_room`), multiplied in that order as the numpy formulation did, so the chances are identical to
    the last bit. The similarity factors (for dissimilar and similar residents) and the room are worked out
    once per initiative slot.
    """
    factor, room = np.ones((len(nbh), 2)), np.empty(len(nbh))
    for g in range(len(nbh)):
        inclusion = inclusion_demand[nbh[g]]
        factor[g, 0] = inclusion + (1 - inclusion) / homophily
        room[g] = min(max(1 - n_members[g] / size[kind[g]], 0.0), 1.0)
    chance = np.empty(len(who))
    for j in range(len(who)):
        i, g = who[j], k[j]
        similar = (age[i] == group_age[g]) & (low_income[i] == group_income[g])
        # The factor looked up by ``similar``, not chosen by a branch: one would be mispredicted every few pairs.
        chance[j] = rate * motivation[i] * factor[g, np.int64(similar)] * room[g]
    return chance


@numba.njit(cache=True)
def _recruit(u: np.ndarray, ea: np.ndarray, eb: np.ndarray, member_of: np.ndarray, core: np.ndarray,
             members: np.ndarray, cores: np.ndarray, rate: float, homophily: float, size: np.ndarray,
             motivation: np.ndarray, age: np.ndarray, low_income: np.ndarray, group_age: np.ndarray,
             group_income: np.ndarray, nbh: np.ndarray, kind: np.ndarray, n_members: np.ndarray,
             inclusion_demand: np.ndarray) -> None:
    """Member ``ea[j]`` recruits non-member ``eb[j]`` when ``u[j]`` is below the chance (:func:`_recruit_chance`).

    A resident recruited along several ties joins the initiative of the first, as the numpy formulation
    (``np.unique``'s first occurrences) had it; ``members`` and ``cores`` count them in. Members' ties are only
    read: the recruits were no members, so no recruiter's initiative changes during the pass.
    """
    k = np.empty(len(ea), dtype=np.int64)
    for j in range(len(ea)):
        k[j] = member_of[ea[j]]
    chance = _recruit_chance(rate, homophily, size, eb, k, motivation, age, low_income, group_age, group_income,
                             nbh, kind, n_members, inclusion_demand)
    for j in range(len(eb)):
        i = eb[j]
        if u[j] < chance[j] and member_of[i] < 0:
            member_of[i] = k[j]
            members[k[j]] += 1
            cores[k[j]] += core[i]


@numba.njit(cache=True)
def _invite(reach: np.ndarray, accept: np.ndarray, k: np.ndarray, nbh: np.ndarray, nbh_start: np.ndarray,
            nbh_size: np.ndarray, member_of: np.ndarray, core: np.ndarray, level: np.ndarray, motivation: np.ndarray,
            members: np.ndarray, cores: np.ndarray) -> None:
    """Initiative ``k[j]`` invites a random resident of its neighbourhood (``reach[j]``), in place.

    A non-member with at most a moderate need accepts with a chance equal to their motivation (``accept[j]``);
    a resident invited by several joins the first, as the numpy formulation (``np.unique``'s first
    occurrences) had it, and ``members`` and ``cores`` count them in.
    """
    for j in range(len(k)):
        b = nbh[k[j]]
        i = nbh_start[b] + np.int64(reach[j] * nbh_size[b])
        if member_of[i] < 0 and level[i] <= 2 and accept[j] < motivation[i]:
            member_of[i] = k[j]
            members[k[j]] += 1
            cores[k[j]] += core[i]


@numba.njit(cache=True)
def _non_core_members(member_of: np.ndarray, core: np.ndarray) -> np.ndarray:
    """The members who are not in the core, in resident order (the numpy formulation's ``flatnonzero``)."""
    # No branch (it would be mispredicted): every resident written, those kept advance the place.
    who = np.empty(len(member_of), dtype=np.int64)
    n = 0
    for i in range(len(member_of)):
        who[n] = i
        n += (member_of[i] >= 0) & ~core[i]
    return who[:n]


@numba.njit(cache=True)
def _leave(u: np.ndarray, rate: float, member_of: np.ndarray, core: np.ndarray, motivation: np.ndarray,
           age: np.ndarray, low_income: np.ndarray, group_age: np.ndarray, group_income: np.ndarray,
           without_place: np.ndarray, members: np.ndarray) -> None:
    """Members who are not in the core leave (``u``: one uniform number each, in resident order), in place.

    The chance is ``rate x (2 - motivation) x (1 + dissimilar) x (1 + the initiative's dissimilar share)
    x (1 + no place to meet)``, multiplied in the order of the numpy formulation; a member is dissimilar
    when age group or income differs from the initiative's group. ``members`` counts those who leave out.
    """
    who = _non_core_members(member_of, core)
    slots = len(members)
    unlike, dissimilar, count = np.empty(len(who)), np.zeros(slots), np.zeros(slots, dtype=np.int64)
    for j in range(len(who)):
        i, g = who[j], member_of[who[j]]
        unlike[j] = 1.0 - ((age[i] == group_age[g]) & (low_income[i] == group_income[g]))
        dissimilar[g] += unlike[j]
        count[g] += 1
    mixed = np.empty(slots)
    for g in range(slots):
        mixed[g] = dissimilar[g] / max(count[g], 1)
    for j in range(len(who)):
        i, g = who[j], member_of[who[j]]
        chance = rate * (2 - motivation[i]) * (1 + unlike[j]) * (1 + mixed[g]) * (1 + 1.0 * without_place[g])
        if u[j] < chance:  # rarely: well predicted
            member_of[i] = NO
            members[g] -= 1


@numba.njit(cache=True)
def _step_up(u: np.ndarray, rate: float, organiser_factor: float, short: np.ndarray, member_of: np.ndarray,
             core: np.ndarray, motivation: np.ndarray, organiser: np.ndarray, cores: np.ndarray) -> None:
    """Members of an initiative whose core is ``short`` step up to it (``u``: one number per non-core member).

    With the chance ``rate x motivation x (1 + (organiser_factor - 1) x organiser)``, in place; ``short`` is
    read as it was before anyone stepped up this week.
    """
    who = _non_core_members(member_of, core)
    for j in range(len(who)):
        i, g = who[j], member_of[who[j]]
        if short[g] & (u[j] < rate * motivation[i] * (1 + (organiser_factor - 1) * (1.0 * organiser[i]))):
            core[i] = True
            cores[g] += 1


_BurnoutParameters = namedtuple("_BurnoutParameters", [
    "initiative_admin_hours", "grant_admin_factor", "inclusion_admin_hours", "support_relief", "core_hours",
    "core_target", "burnout_rate", "burnout_competence_loss"])


@numba.njit(cache=True)
def _burn_out(u: np.ndarray, core: np.ndarray, p: tuple, member_of: np.ndarray, is_core: np.ndarray,
              competence: np.ndarray, nbh: np.ndarray, accountability: np.ndarray, inclusion: np.ndarray,
              initiative_nbh: np.ndarray, grant_weeks_left: np.ndarray, citizen_funded: np.ndarray,
              support_hours: np.ndarray, cores: np.ndarray, burnouts: np.ndarray) -> np.ndarray:
    """Core volunteers ``core`` burn out with their weekly load (``u``: one uniform number each); returns who did.

    The load is the initiative's administration (``initiative_admin_hours`` x accountability, x
    ``grant_admin_factor`` under a grant, none when citizen-funded; plus the inclusion duties, less the
    professionals' support, not below 0) and its core work, over its core members (``cores``, at least 1),
    worked out as the numpy formulation did, to the last bit. The burnt-out leave the core (``cores``
    counts them out), lose competence and are counted per neighbourhood (``burnouts``), in place. Core
    volunteers are members (only members are made core; whoever leaves an initiative leaves its core).
    """
    core_work = p.core_hours * p.core_target
    kept = 1 - p.burnout_competence_loss
    burnt = np.empty(len(core), dtype=np.int64)
    n = 0
    for j in range(len(core)):
        g = member_of[core[j]]
        b = initiative_nbh[g]
        grant = p.grant_admin_factor if grant_weeks_left[g] > 0 else 1.0
        admin = ((p.initiative_admin_hours * accountability[b] * grant * (1.0 - citizen_funded[g]))
                 + p.inclusion_admin_hours * inclusion[b] - p.support_relief * support_hours[g])
        load = (max(admin, 0.0) + core_work) / max(cores[g], 1)
        burnt[n] = core[j]
        n += u[j] < p.burnout_rate * load
    for i in burnt[:n]:
        is_core[i] = False
        cores[member_of[i]] -= 1
        competence[i] *= kept
        burnouts[nbh[i]] += 1
    return burnt[:n]


def _count_members(m: CommunityModel) -> None:
    ini, pop = m.inits, m.pop
    ini.n_members, ini.n_core = _member_counts(pop.member_of, pop.core, len(ini))


@numba.njit(cache=True)
def _member_counts(member_of: np.ndarray, core: np.ndarray, slots: int) -> tuple[np.ndarray, np.ndarray]:
    """Members and core members per initiative slot, in one pass over the residents (four times a week)."""
    # Non-members (NO = -1, most residents) are counted in eight dropped bins taken in turn, not all in one:
    # increments of one bin wait for each other, those of eight bins do not (a third faster at 100,000).
    members, cores = np.zeros(slots + 8, dtype=np.int64), np.zeros(slots + 8, dtype=np.int64)
    for i in range(len(member_of)):
        g = member_of[i] + 8 if member_of[i] >= 0 else i & 7
        members[g] += 1
        cores[g] += core[i]
    return members[8:], cores[8:]


def _found_initiatives(m: CommunityModel, motivation: np.ndarray, level: np.ndarray) -> None:
    p, rng, pop, ini = m.p, m.rng, m.pop, m.inits
    alive_per_nbh = np.bincount(ini.nbh[ini.alive], minlength=m.n_nbh)
    room = alive_per_nbh < p.max_initiatives_per_1000 * m.nbh_size / 1000
    support = 1 + m.community_hours[:, 1] / p.support_founding_hours
    u = rng.random(len(pop))
    founders = _founders(p.founding_rate, p.spotted_founding_factor, p.low_income_civic_factor, u, pop.member_of,
                         level, pop.talents[:, ORGANISING_TALENT], motivation, pop.spotted, pop.low_income, pop.nbh,
                         support, room)
    if not len(founders):  # most weeks in a small city
        return
    # Neither the network nor the meeting places change while initiatives are founded.
    net = m.net
    kinds = kind_cdf(p.kind_shares)
    start, ties = net.ties_of(founders)
    open_places = np.flatnonzero(m.places.open)  # places are stored by neighbourhood
    bounds = np.searchsorted(m.places.nbh[open_places], np.arange(m.n_nbh + 1))
    for f, first, last in zip(founders, start[:-1], start[1:], strict=True):
        k = free_slot(m)
        b = pop.nbh[f]
        kind = np.searchsorted(kinds, rng.random(), side="right")
        start_initiative(m, k, f, kind, open_places[bounds[b]:bounds[b + 1]])
        # The founder brings people who already knew each other (prior ties aid durability).
        own = ties[first:last]
        friends = np.where(net.a[own] == f, net.b[own], net.a[own])
        friends = friends[(pop.member_of[friends] < 0) & (net.w[own] >= p.good_tie_threshold)]
        seat_founders(m, k, f, rng.permutation(friends)[: p.founder_crew])


@numba.njit(cache=True)
def _founders(rate: float, spotted_factor: float, low_income_factor: float, u: np.ndarray, member_of: np.ndarray,
              level: np.ndarray, organiser: np.ndarray, motivation: np.ndarray, spotted: np.ndarray,
              low_income: np.ndarray, nbh: np.ndarray, support: np.ndarray, room: np.ndarray) -> np.ndarray:
    """The residents who found an initiative this week (``u``: one uniform number each), in one pass.

    Only organisers who are no member and have no more than a light need can found, with the chance
    ``rate x motivation x spotted factor x support x room x low-income factor`` of their neighbourhood,
    multiplied in the order of the numpy formulation, so the founders are the same to the last bit.
    """
    income_factor = np.array([1.0, low_income_factor])
    founders = np.empty(len(u), dtype=np.int64)
    n = 0
    for i in range(len(u)):
        # One branch, on who can found (about a tenth of the residents: mostly predicted right), so that the
        # chance is worked out for them only: 0.29 instead of 0.79 ms at 100,000 residents without the branch.
        if (member_of[i] < 0) & (level[i] <= 1) & organiser[i]:
            b = nbh[i]
            chance = (rate * motivation[i] * (1 + (spotted_factor - 1) * spotted[i]) * support[b] * room[b]
                      * income_factor[np.int64(low_income[i])])
            founders[n] = i
            n += u[i] < chance
    return founders[:n]


def kind_cdf(shares: tuple[float, ...]) -> np.ndarray:
    """The cumulative shares, normalised, as ``Generator.choice(len(shares), p=shares)`` searches them.

    ``searchsorted(kind_cdf(shares), rng.random(), side="right")`` draws what that call drew (numpy's own
    algorithm, one uniform number) without its checks, which cost 40 us a call (the shares are checked once,
    by the parameter schema).
    """
    cdf = np.cumsum(np.asarray(shares, dtype=np.float64))
    cdf /= cdf[-1]
    return cdf


def free_slot(m: CommunityModel) -> int:
    """The first free initiative slot (the slots double when none is free)."""
    free = np.flatnonzero(~m.inits.alive)
    if not len(free):
        m.inits.grow()
        grow_initiative_agents(m)
        free = np.flatnonzero(~m.inits.alive)
    return int(free[0])


def start_initiative(m: CommunityModel, k: int, founder: int, kind: int, places: np.ndarray) -> None:
    """Found initiative ``k`` of ``kind`` in slot ``k`` (its founders join with :func:`seat_founders`).

    A meeting activity meets at one of ``places`` (the open meeting places of the founder's
    neighbourhood), if any. Where the neighbourhood has a citizen budget, a share
    ``citizen_funded_share`` of new initiatives is funded from it; the others get a grant with the
    steering mode's chance ``grant_prob``.
    """
    p, rng, pop, ini, lev = m.p, m.rng, m.pop, m.inits, m.levers
    b = pop.nbh[founder]
    citizen = lev.citizen_budget_eur[b] > 0 and rng.random() < p.citizen_funded_share
    ini.alive[k], ini.kind[k], ini.nbh[k], ini.uid[k] = True, kind, b, m.next_initiative
    m.next_initiative += 1
    ini.place[k] = rng.choice(places) if (kind == MEETING and len(places)) else NO
    ini.group_age[k], ini.group_income[k] = pop.age[founder], pop.low_income[founder]
    ini.founded[k], ini.struggling_weeks[k] = m.week, 0
    ini.citizen_funded[k], ini.taken_over[k], ini.support_weight[k] = citizen, False, 1.0
    ini.grant_weeks_left[k] = lev.grant_weeks[b] if (citizen or rng.random() < lev.grant_prob[b]) else 0


def seat_founders(m: CommunityModel, k: int, founder: int, crew: np.ndarray) -> None:
    """The founder and the founding ``crew`` form new initiative ``k``'s core; the founding is counted and logged."""
    pop, ini = m.pop, m.inits
    core = np.concatenate([[founder], crew])
    pop.member_of[core], pop.core[core] = k, True
    pop.spotted[founder] = False
    b = int(ini.nbh[k])
    m.counters.initiatives_founded[b] += 1
    m.initiative_log.append((int(ini.uid[k]), m.week, "founded", INITIATIVE_KINDS[ini.kind[k]], b,
                             int(pop.pid[founder]), len(core)))


def _end_or_take_over(m: CommunityModel, without_place: np.ndarray) -> None:
    """Grants end, struggling initiatives are taken over or end; meeting activities without a place look for one."""
    p, rng, pop, ini, lev, c = m.p, m.rng, m.pop, m.inits, m.levers, m.counters
    # Grants run out; members who came for the subsidised activity partly leave.
    ending_grant = ini.alive & (ini.grant_weeks_left == 1)
    np.maximum(ini.grant_weeks_left - 1, 0, out=ini.grant_weeks_left)
    if ending_grant.any():
        mem = _non_core_members(pop.member_of, pop.core)
        lose = mem[ending_grant[pop.member_of[mem]] & (rng.random(len(mem)) < p.grant_end_leave)]
        pop.member_of[lose] = NO
    # Enforcing municipalities take struggling initiatives over instead of letting them end.
    take, core_lost, members_lost = _take_over_or_end(
        rng.random(len(ini)), kernel_parameters(_EndingParameters, p), WEEKS_PER_YEAR, ini.alive, ini.taken_over,
        ini.n_core, ini.n_members, ini.struggling_weeks, ini.nbh, ini.grant_weeks_left, ini.citizen_funded,
        lev.takeover_rate, pop.member_of, pop.core, c.initiatives_taken_over, c.initiatives_ended, c.takeover_cost,
        c.grant_cost)
    _log(m, take, "taken_over")
    _log(m, core_lost, "ended: too few core volunteers")
    _log(m, members_lost, "ended: taken over, too few members")
    # Meeting activities whose place closed look for another open place in the neighbourhood.
    for k in np.flatnonzero(ini.alive & without_place):
        places = np.flatnonzero(m.places.open & (m.places.nbh == ini.nbh[k]))
        ini.place[k] = rng.choice(places) if len(places) else NO


_EndingParameters = namedtuple("_EndingParameters", [
    "core_min", "struggle_weeks", "takeover_min_members", "takeover_cost_eur", "grant_eur"])


@numba.njit(cache=True)
def _take_over_or_end(u: np.ndarray, p: tuple, weeks: int, alive: np.ndarray, taken_over: np.ndarray,
                      n_core: np.ndarray, n_members: np.ndarray, struggling_weeks: np.ndarray, nbh: np.ndarray,
                      grant_weeks_left: np.ndarray, citizen_funded: np.ndarray, takeover_rate: np.ndarray,
                      member_of: np.ndarray, core: np.ndarray, taken_count: np.ndarray, ended_count: np.ndarray,
                      takeover_cost: np.ndarray, grant_cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Struggling initiatives (too small a core) are taken over (``u``: one number per slot) or, after a while, end.

    A resident-run initiative with fewer than ``core_min`` core members struggles; it is taken over with its
    neighbourhood's ``takeover_rate`` (its core members are core no more), else it ends after ``struggle_weeks``
    weeks; a taken-over one ends with fewer than ``takeover_min_members`` members. The members of ended ones
    leave them. Counters and the week's takeover and grant costs (per live initiative) are added, in place.
    Returns the slots taken over, ended for want of a core and ended for want of members.
    """
    slots = len(alive)
    take, core_lost, members_lost = (np.zeros(slots, dtype=np.bool_), np.zeros(slots, dtype=np.bool_),
                                     np.zeros(slots, dtype=np.bool_))
    # Per slot and one more: a resident of no initiative (NO = -1) reads the last, False.
    end, taken_members = np.zeros(slots + 1, dtype=np.bool_), np.zeros(slots + 1, dtype=np.bool_)
    changed = False
    for k in range(slots):
        resident_run = alive[k] and not taken_over[k]
        struggling = resident_run and n_core[k] < p.core_min
        struggling_weeks[k] = struggling_weeks[k] + 1 if struggling else 0
        take[k] = struggling and u[k] < takeover_rate[nbh[k]]
        if take[k]:
            taken_over[k] = taken_members[k] = changed = True
            taken_count[nbh[k]] += 1
        core_lost[k] = resident_run and not take[k] and struggling_weeks[k] >= p.struggle_weeks
        members_lost[k] = alive[k] and taken_over[k] and n_members[k] < p.takeover_min_members
        end[k] = core_lost[k] or members_lost[k]
        if end[k]:
            alive[k] = taken_over[k] = False
            ended_count[nbh[k]] += 1
            changed = True
    if changed:
        for i in range(len(member_of)):
            g = member_of[i]
            if taken_members[g]:
                core[i] = False
            if end[g]:
                member_of[i] = NO
                core[i] = False
    taken, granted = np.zeros(len(taken_count), dtype=np.int64), np.zeros(len(taken_count), dtype=np.int64)
    for k in range(slots):
        taken[nbh[k]] += alive[k] and taken_over[k]
        granted[nbh[k]] += alive[k] and grant_weeks_left[k] > 0 and not citizen_funded[k]
    for b in range(len(taken_count)):
        takeover_cost[b] += taken[b] * p.takeover_cost_eur / weeks
        grant_cost[b] += granted[b] * p.grant_eur / weeks
    return take, core_lost, members_lost


def _log(m: CommunityModel, which: np.ndarray, event: str) -> None:
    """Append ``event`` for the initiatives marked in ``which`` to the model's initiative log."""
    ini = m.inits
    for k in np.flatnonzero(which):
        m.initiative_log.append((int(ini.uid[k]), m.week, event, INITIATIVE_KINDS[ini.kind[k]], int(ini.nbh[k]),
                                 -1, int(ini.n_core[k])))


def _volunteering(m: CommunityModel, motivation: np.ndarray, level: np.ndarray) -> None:
    p, rng, pop = m.p, m.rng, m.pop
    n = len(pop)
    # Core members put in their hours; ordinary members lend a hand now and then (setting up, cooking,
    # driving); residents volunteer elsewhere too (sports clubs, schools, church): CBS counts it.
    lend, elsewhere = rng.random(n), rng.random(n)
    pop.volunteer_hours = _volunteer_hours(kernel_parameters(_VolunteeringParameters, p), m.week, pop.member_of,
                                           pop.core, pop.civic, motivation, level, lend, elsewhere,
                                           pop.last_volunteered)


@numba.njit(cache=True)
def _volunteer_hours(p: tuple, week: int, member_of: np.ndarray, core: np.ndarray, civic: np.ndarray,
                     motivation: np.ndarray, level: np.ndarray, lend: np.ndarray, elsewhere: np.ndarray,
                     last_volunteered: np.ndarray) -> np.ndarray:
    """This week's volunteering hours (``lend``, ``elsewhere``: one uniform number each); who volunteered, when."""
    hours = np.empty(len(core))
    # Without branches (they would be mispredicted): hours not put in are added as 0.0, which changes no sum.
    for i in range(len(core)):
        h = p.core_hours * core[i]
        h += p.member_help_hours * ((member_of[i] >= 0) & ~core[i] & (lend[i] < p.member_help_rate))
        able = level[i] <= 1
        h += p.volunteer_hours_elsewhere * (elsewhere[i] < p.volunteer_rate * civic[i] * motivation[i] * able)
        hours[i] = h
        last_volunteered[i] = week if h > 0 else last_volunteered[i]
    return hours
