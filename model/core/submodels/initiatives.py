"""Submodel 13: the life cycle of resident initiatives, and volunteering (``docs/ODD.md``, 7.13)."""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.draws import draw_key, integer, poisson, subkey, uniform
from model.core.state import NO, ORGANISING_TALENT, handed_on_or_fresh
from model.core.submodels.founding import append_log, found_initiatives
from model.core.submodels.helpers import kernel_parameters
from model.core.submodels.venues import slots_without_place
from model.core.tie_passes import AHEAD, _prefetch
from model.core.time import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from model.core.community import CommunityModel


_WeekParameters = namedtuple("_WeekParameters", [
    "recruit_rate", "homophily", "open_recruit_rate", "member_leave_rate", "initiative_admin_hours",
    "grant_admin_factor", "inclusion_admin_hours", "support_relief", "core_hours", "core_target", "burnout_rate",
    "burnout_competence_loss", "burnout_leave", "step_up_rate", "organiser_step_up_factor", "grant_end_leave",
    "core_min", "struggle_weeks", "takeover_min_members", "takeover_cost_eur", "grant_eur", "member_help_rate",
    "member_help_hours", "volunteer_rate", "volunteer_hours_elsewhere"])

# The kinds of draw of :func:`_members_week`, each from its own key (``subkey(key, stream)``), numbered by
# resident, directed tie or initiative slot, so that nobody's numbers depend on the order of the loops.
_RECRUIT, _INVITES, _INVITE, _LEAVE, _BURN_OUT, _BURNT_LEAVE, _STEP_UP, _GRANT_END, _TAKE_OVER, _PLACE, _LEND, \
    _ELSEWHERE = range(12)


# 13 ------------------------------------------------------------------------------
def initiative_lifecycle(m: CommunityModel) -> None:
    """Founding, recruiting (homophily, open invitations), core burnout, grants, takeover and ending; volunteering.

    Under an inclusion demand an initiative also invites residents of its neighbourhood beyond its
    members' ties (``open_recruit_rate`` a week at full demand, fewer as it fills up); an invited
    resident with at most a moderate need joins with a chance equal to their motivation. Everything after
    the founding is one compiled call that draws its own numbers (:func:`_members_week`, ``model/core/draws.py``).
    """
    p, pop, ini, lev, c = m.p, m.pop, m.inits, m.levers, m.counters
    motivation = pop.motivation
    level = handed_on_or_fresh(m.need_levels, pop.zrm)  # casework's, handed on by the step
    found_initiatives(m, motivation, level)
    pl = m.places
    ini.n_members, ini.n_core, pop.volunteer_hours, take, core_lost, members_lost = _members_week(
        draw_key(m.rng), kernel_parameters(_WeekParameters, p), np.array(p.initiative_size), WEEKS_PER_YEAR, m.week,
        m.net.a, m.net.b, pop.member_of, pop.core, motivation, level, pop.age, pop.low_income, pop.competence,
        pop.talents[:, ORGANISING_TALENT], pop.nbh, pop.civic, pop.last_volunteered, ini.alive, ini.taken_over,
        ini.kind, ini.nbh, ini.place, ini.group_age, ini.group_income, ini.grant_weeks_left, ini.citizen_funded,
        ini.support_hours, ini.struggling_weeks, lev.inclusion_demand, lev.initiative_accountability,
        lev.takeover_rate, m.nbh_start, m.nbh_size, pl.open, pl.nbh, c.burnouts, c.initiatives_taken_over,
        c.initiatives_ended, c.takeover_cost, c.grant_cost)
    _log(m, take, "taken_over")
    _log(m, core_lost, "ended: too few core volunteers")
    _log(m, members_lost, "ended: taken over, too few members")


@numba.njit(cache=True)
def _members_week(key: np.uint64, p: tuple, size: np.ndarray, weeks: int, week: int, tie_a: np.ndarray,
                  tie_b: np.ndarray, member_of: np.ndarray, core: np.ndarray, motivation: np.ndarray,
                  level: np.ndarray, age: np.ndarray, low_income: np.ndarray, competence: np.ndarray,
                  organiser: np.ndarray, nbh: np.ndarray, civic: np.ndarray, last_volunteered: np.ndarray,
                  alive: np.ndarray, taken_over: np.ndarray, kind: np.ndarray, initiative_nbh: np.ndarray,
                  place: np.ndarray, group_age: np.ndarray, group_income: np.ndarray, grant_weeks_left: np.ndarray,
                  citizen_funded: np.ndarray, support_hours: np.ndarray, struggling_weeks: np.ndarray,
                  inclusion: np.ndarray, accountability: np.ndarray, takeover_rate: np.ndarray,
                  nbh_start: np.ndarray, nbh_size: np.ndarray, place_open: np.ndarray, place_nbh: np.ndarray,
                  burnouts: np.ndarray, taken_count: np.ndarray, ended_count: np.ndarray, takeover_cost: np.ndarray,
                  grant_cost: np.ndarray) -> tuple:
    """The week of the initiatives after the founding, in place, drawing its numbers from ``key``.

    In order: the members counted; recruiting along members' ties (:func:`_recruit`) and open invitations
    (:func:`_invite`); core volunteers burning out, a share ``burnout_leave`` of them leaving
    (:func:`_burn_out`), and ordinary members leaving (:func:`_leave`; other residents: either order);
    members stepping up to a short core and leaving one whose grant ends (:func:`_step_up`, after
    :func:`_count_down_grants`); struggling initiatives taken over or ending (:func:`_take_over_or_end`),
    meeting activities without a place looking for one (:func:`_find_places`); the members of ended
    initiatives leaving, and this week's volunteering hours (:func:`_volunteer_hours`).
    Returns the members and core members per slot (the counts after stepping up, as the ending read them),
    the volunteering hours, and the slots taken over, ended for want of a core and ended for want of members.
    """
    slots = len(alive)
    first, cores = _member_counts(member_of, core, slots)
    # Members and core members per initiative from here on, kept up to date by the steps that let residents
    # join, leave, burn out and step up: the same counts as counting again after each step, without its passes.
    # ``first`` stays the first count (the room of an initiative is read from it).
    members = first.copy()
    without_place = slots_without_place(kind, place, place_open)  # kind, place and open places change no more
    # Recruiting along members' ties; without an inclusion demand similar residents are preferred. Both
    # directions of every tie (a recruits b, then b recruits a), kept where a member meets a non-member with
    # at most a moderate need (:func:`_recruiting_ties`).
    side = np.empty(len(member_of), dtype=np.uint8)
    for i in range(len(member_of)):
        side[i] = _RECRUITER if member_of[i] >= 0 else (_RECRUITABLE if level[i] <= 2 else 0)
    up, down = _recruiting_ties(tie_a, tie_b, side)
    _recruit(subkey(key, _RECRUIT), up, down, tie_a, tie_b, member_of, core, members, cores, p.recruit_rate,
             p.homophily, size, motivation, age, low_income, group_age, group_income, initiative_nbh, kind, first,
             inclusion)
    _invite(subkey(key, _INVITES), subkey(key, _INVITE), p.open_recruit_rate, size, alive, taken_over, kind, first,
            initiative_nbh, inclusion, nbh_start, nbh_size, member_of, core, level, motivation, members, cores)
    # Core volunteers burn out with their weekly load: the initiative's administration (unless
    # professionals take it off their hands) and its core work, shared by fewer hands when the core is small.
    # Inclusion conditions add duties (proving the initiative reaches everyone) to the reporting load. The same
    # pass notes the ordinary members (before anyone burnt out), who may leave next: the two steps concern
    # different residents and read nothing the other changes, so burning out first changes nothing.
    ordinary, burnt = _burn_out(subkey(key, _BURN_OUT), subkey(key, _BURNT_LEAVE), p, member_of, core, competence,
                                nbh, accountability, inclusion, initiative_nbh, grant_weeks_left, citizen_funded,
                                support_hours, cores, members, burnouts)
    # Members leave: low motivation, dissimilarity (forced contact does not work), no place to meet.
    # A group mixed by demand rather than choice is less comfortable for all its members (Movisie 2022).
    _leave(subkey(key, _LEAVE), p.member_leave_rate, ordinary, member_of, motivation, age, low_income, group_age,
           group_income, without_place, members)
    # Members step up to the core when it is short (organisers first); members leave one whose grant ends.
    # Only those not in the core can: the ordinary members and the burnt out (some of them have left since).
    short = np.zeros(slots + 1, dtype=np.bool_)  # per slot and one more, False, for no initiative
    for g in range(slots):
        short[g] = cores[g] < p.core_target and alive[g] and not taken_over[g]
    ending_grant = _count_down_grants(alive, grant_weeks_left)
    _step_up(subkey(key, _STEP_UP), subkey(key, _GRANT_END), p.step_up_rate, p.organiser_step_up_factor,
             p.grant_end_leave, short, ending_grant, ordinary, burnt, member_of, core, motivation, organiser, cores)
    take, core_lost, members_lost, taken, end = _take_over_or_end(
        subkey(key, _TAKE_OVER), p, weeks, alive, taken_over, cores, members, struggling_weeks, initiative_nbh,
        grant_weeks_left, citizen_funded, takeover_rate, taken_count, ended_count, takeover_cost, grant_cost)
    _find_places(subkey(key, _PLACE), alive, without_place, initiative_nbh, place, place_open, place_nbh)
    hours = _volunteer_hours(subkey(key, _LEND), subkey(key, _ELSEWHERE), p, week, taken, end, member_of, core,
                             civic, motivation, level, last_volunteered)
    return members, cores, hours, take, core_lost, members_lost


@numba.njit(cache=True, inline="always")
def _room(n_members: int, size: int) -> float:
    """Groups fill up: an initiative of ``n_members`` recruits less as it nears its kind's typical ``size``."""
    return min(max(1 - n_members / size, 0.0), 1.0)


# A resident's side in recruiting: a member recruits, a non-member with at most a moderate need can be recruited.
_RECRUITER, _RECRUITABLE = 1, 2


@numba.njit(cache=True)
def _recruiting_ties(tie_a: np.ndarray, tie_b: np.ndarray, side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ties along which a member meets a resident who can be recruited, in one pass over all ties.

    Returns the ties whose lower end ``a`` recruits its higher end ``b`` and those whose ``b`` recruits ``a``,
    each in tie order: the pairs of ``network._directed(a, b, recruiter, recruitable)``, in its order (all
    ``a -> b`` first), without its second pass over the ties touching a member and its arrays of ends.
    """
    # Branch-free (which ends recruit cannot be predicted): every tie written to both lists, the next place
    # of a list advancing only for the ties kept. One lookup of ``side`` per end, not four of two masks. The
    # higher ends are in no order, and at 1,000,000 residents ``side`` (1 MB) is out of the core's cache: the side
    # of the tie ``AHEAD`` on is asked for early (``tie_passes._prefetch``): 8.0 -> 6.9 ms there (the same at 100,000).
    # The two sides as one code, compared once per list (four comparisons and two ands before): 0.65 -> 0.57 ms
    # at 100,000 residents, 6.8 -> 5.8 ms at 1,000,000.
    up, down = np.empty(len(tie_a), np.int64), np.empty(len(tie_a), np.int64)
    n_up = n_down = 0
    for e in range(len(tie_a)):
        _prefetch(side, tie_b[min(e + AHEAD, len(tie_a) - 1)])
        code = side[tie_a[e]] * 4 + side[tie_b[e]]  # sides are 0, 1 or 2
        up[n_up] = e
        n_up += code == _RECRUITER * 4 + _RECRUITABLE
        down[n_down] = e
        n_down += code == _RECRUITABLE * 4 + _RECRUITER
    return up[:n_up], down[:n_down]


@numba.njit(cache=True)
def _recruit(key: np.uint64, up: np.ndarray, down: np.ndarray, tie_a: np.ndarray, tie_b: np.ndarray,
             member_of: np.ndarray, core: np.ndarray, members: np.ndarray, cores: np.ndarray, rate: float,
             homophily: float, size: np.ndarray, motivation: np.ndarray, age: np.ndarray, low_income: np.ndarray,
             group_age: np.ndarray, group_income: np.ndarray, nbh: np.ndarray, kind: np.ndarray,
             n_members: np.ndarray, inclusion_demand: np.ndarray) -> None:
    """Members recruit along ties (:func:`_recruiting_ties`), pair ``j`` by ``uniform(key, j)``, in place.

    The pairs are numbered as ``network._directed`` lists them: the ties ``up`` (``a`` recruits ``b``) first,
    then ``down`` (``b`` recruits ``a``). Pair ``j`` recruits when ``uniform(key, j)`` is below the chance
    ``rate x motivation x similarity factor x room`` (similar: the founder's age group and income group, factor
    1; the factor of the dissimilar is ``inclusion + (1 - inclusion) / homophily``; room: groups fill up,
    recruiting slows as an initiative nears its kind's typical ``size``, :func:`_room` of the first count
    ``n_members``), multiplied in that order as the numpy formulation did. A resident recruited along several
    ties joins the initiative of the first; ``members`` and ``cores`` count them in. Members' ties are only
    read: the recruits were no members, so no recruiter's initiative changes.
    """
    factor, room, bound = np.ones((len(nbh), 2)), np.empty(len(nbh)), np.empty(len(nbh))
    # Most numbers are above the chance (the rate is small): a number above the initiative's ``bound`` (the
    # chance with the highest motivation and factor) is above every recruit's chance, as products of
    # non-negative floats grow with their factors (rounding keeps the order), so the recruit's traits, far
    # apart in memory, are read only for the few numbers below it.
    highest = max(motivation.max(), 0.0) if len(motivation) else 0.0
    for g in range(len(nbh)):
        inclusion = inclusion_demand[nbh[g]]
        factor[g, 0] = inclusion + (1 - inclusion) / homophily
        room[g] = _room(n_members[g], size[kind[g]])
        bound[g] = rate * highest * max(factor[g, 0], factor[g, 1]) * room[g]
    # And a number above the highest bound of all is above every chance: in a first loop, the numbers of all
    # pairs are compared with it alone (no lookup: vectorised), the few below it are listed, and only those are
    # looked at, in order. Reading every recruiter's initiative (at random in memory) cost more than all else; a
    # loop over all pairs that skipped the others with a branch was compiled into one that still read them (14
    # against 1.0 ms at 1,000,000 residents, synthetic ties). Recruiting alone: 0.45 -> 0.15 ms at 100,000
    # residents; with the tie pass 1.13 (the code before) -> 0.70 ms. The few listed by a branch (a store per pair
    # before) and their reads asked for early (:func:`_pair_ends`, the loop below): 3.1 -> 2.3 ms at 1,000,000
    # residents (8,200 of 915,000 pairs below), 0.29 -> 0.24 ms at 100,000 (caches cold, medians).
    top = 0.0  # numbers are at least 0: below no bound of 0 or less (and none is below a NaN bound)
    for g in range(len(bound)):
        if bound[g] > top:
            top = bound[g]
    pairs = len(up) + len(down)
    below = np.empty(pairs, dtype=np.bool_)
    for j in range(pairs):
        below[j] = uniform(key, j) < top
    few = np.empty(pairs, dtype=np.int64)
    n_few = 0
    for j in range(pairs):  # a branch, not a store per pair: about one pair in a hundred is below (predicted right)
        if below[j]:
            few[n_few] = j
            n_few += 1
    few = few[:n_few]
    recruiter, recruit = _pair_ends(few, up, down, tie_a, tie_b)
    for t in range(n_few):
        # The recruiters' initiatives and the recruits' traits lie at random places (at 1,000,000 residents out of the
        # cache): asked for ``AHEAD`` pairs early. A recruiter's initiative does not change in this loop (recruiters
        # were members already), a recruit's may (``member_of[i] < 0`` is read in turn).
        ahead = min(t + AHEAD, n_few - 1)
        _prefetch(member_of, recruiter[ahead])
        _prefetch(member_of, recruit[ahead])
        _prefetch(motivation, recruit[ahead])
        j, i = few[t], recruit[t]
        g, u = member_of[recruiter[t]], uniform(key, j)
        if u < bound[g]:
            similar = (age[i] == group_age[g]) & (low_income[i] == group_income[g])
            if u < rate * motivation[i] * factor[g, np.int64(similar)] * room[g] and member_of[i] < 0:
                member_of[i] = g
                members[g] += 1
                cores[g] += core[i]


@numba.njit(cache=True)
def _pair_ends(few: np.ndarray, up: np.ndarray, down: np.ndarray, tie_a: np.ndarray,
               tie_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The recruiter and the recruit of each pair ``few`` (ascending) numbered as :func:`_recruit` numbers them.

    Pair ``j`` is the tie ``up[j]`` (``a`` recruits ``b``) or, from ``len(up)`` on, ``down[j - len(up)]`` (``b``
    recruits ``a``). The few pairs are far apart in both lists and in the ties: each of the two loops asks for what
    it reads ``AHEAD`` pairs early (``tie_passes._prefetch``), so that the reads do not wait one after another.
    """
    tie = np.empty(len(few), dtype=np.int64)
    for t in range(len(few)):
        ahead = few[min(t + AHEAD, len(few) - 1)]
        if ahead < len(up):
            _prefetch(up, ahead)
        else:
            _prefetch(down, ahead - len(up))
        j = few[t]
        tie[t] = up[j] if j < len(up) else down[j - len(up)]
    recruiter, recruit = np.empty(len(few), dtype=np.int64), np.empty(len(few), dtype=np.int64)
    for t in range(len(few)):
        ahead = tie[min(t + AHEAD, len(few) - 1)]
        _prefetch(tie_a, ahead)
        _prefetch(tie_b, ahead)
        e = tie[t]
        recruiter[t], recruit[t] = (tie_a[e], tie_b[e]) if few[t] < len(up) else (tie_b[e], tie_a[e])
    return recruiter, recruit


@numba.njit(cache=True)
def _invite(count_key: np.uint64, invite_key: np.uint64, rate: float, size: np.ndarray, alive: np.ndarray,
            taken_over: np.ndarray, kind: np.ndarray, n_members: np.ndarray, nbh: np.ndarray, inclusion: np.ndarray,
            nbh_start: np.ndarray, nbh_size: np.ndarray, member_of: np.ndarray, core: np.ndarray,
            level: np.ndarray, motivation: np.ndarray, members: np.ndarray, cores: np.ndarray) -> None:
    """Resident-run initiatives invite random residents of their neighbourhood, in slot order, in place.

    Slot ``g`` sends a Poisson number of invitations (``poisson(count_key, g, ...)``) with the mean
    ``rate x inclusion demand x room`` (:func:`_room`, from the first count ``n_members``). Its ``t``-th
    reaches the resident ``uniform(sub, 2 t)`` of the way into its neighbourhood (``sub``:
    ``subkey(invite_key, g)``); a non-member with at most a moderate need accepts when
    ``uniform(sub, 2 t + 1)`` is below their motivation. A resident invited by several joins the first;
    ``members`` and ``cores`` count them in.
    """
    for g in range(len(alive)):
        if not alive[g] or taken_over[g]:
            continue
        b = nbh[g]
        invites = poisson(count_key, g, rate * inclusion[b] * _room(n_members[g], size[kind[g]]))
        sub = subkey(invite_key, g)
        for t in range(invites):
            i = nbh_start[b] + np.int64(uniform(sub, 2 * t) * nbh_size[b])
            if member_of[i] < 0 and level[i] <= 2 and uniform(sub, 2 * t + 1) < motivation[i]:
                member_of[i] = g
                members[g] += 1
                cores[g] += core[i]


@numba.njit(cache=True)
def _leave(key: np.uint64, rate: float, who: np.ndarray, member_of: np.ndarray, motivation: np.ndarray,
           age: np.ndarray, low_income: np.ndarray, group_age: np.ndarray, group_income: np.ndarray,
           without_place: np.ndarray, members: np.ndarray) -> None:
    """Members ``who`` are not in the core leave (member ``i`` when ``uniform(key, i)`` is below the chance), in place.

    The chance is ``rate x (2 - motivation) x (1 + dissimilar) x (1 + the initiative's dissimilar share)
    x (1 + no place to meet)``, multiplied in the order of the numpy formulation; a member is dissimilar
    when age group or income differs from the initiative's group. ``members`` counts those who leave out.
    """
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
        if uniform(key, i) < chance:  # rarely: well predicted
            member_of[i] = NO
            members[g] -= 1


@numba.njit(cache=True)
def _step_up(key: np.uint64, grant_key: np.uint64, rate: float, organiser_factor: float, grant_end_leave: float,
             short: np.ndarray, ending_grant: np.ndarray, ordinary: np.ndarray, burnt: np.ndarray,
             member_of: np.ndarray, core: np.ndarray, motivation: np.ndarray, organiser: np.ndarray,
             cores: np.ndarray) -> None:
    """Members step up to a ``short`` core; members leave an initiative whose grant ends; in one pass, in place.

    Member ``i`` of an initiative whose core is ``short`` (as it was before anyone stepped up this week; per
    slot and one more, False, for no initiative) steps up when ``uniform(key, i)`` is below
    ``rate x motivation x (1 + (organiser_factor - 1) x organiser)``.
    Grants run out: a member not in the core (after stepping up) who came for the subsidised activity leaves
    one whose grant ends this week (``ending_grant``, per slot and one more, False, for no initiative) when
    ``uniform(grant_key, i)`` is below ``grant_end_leave``. Each resident's steps read only their own state,
    so the residents are looked at in any order: those ``ordinary`` and ``burnt`` (out this week) are every
    member not in the core (and some who have left since, who read the last, False, of ``short`` and
    ``ending_grant``). A pass over all residents instead took 0.30 ms at 100,000 residents.
    """
    for j in range(len(ordinary) + len(burnt)):
        i = ordinary[j] if j < len(ordinary) else burnt[j - len(ordinary)]
        g = member_of[i]
        # Few residents are ordinary members of a short initiative: only theirs are the chance and the number.
        if short[g] and not core[i] and (
                uniform(key, i) < rate * motivation[i] * (1 + (organiser_factor - 1) * (1.0 * organiser[i]))):
            core[i] = True
            cores[g] += 1
        if ending_grant[g] and not core[i] and uniform(grant_key, i) < grant_end_leave:
            member_of[i] = NO


@numba.njit(cache=True)
def _count_down_grants(alive: np.ndarray, grant_weeks_left: np.ndarray) -> np.ndarray:
    """A week less of every grant, in place; returns the slots whose grant ends this week, and one more, False."""
    slots = len(alive)
    # Per slot and one more: a resident of no initiative (NO = -1) reads the last, False.
    ending_grant = np.zeros(slots + 1, dtype=np.bool_)
    for k in range(slots):
        ending_grant[k] = alive[k] and grant_weeks_left[k] == 1
        grant_weeks_left[k] = max(grant_weeks_left[k] - 1, 0)
    return ending_grant


@numba.njit(cache=True)
def _burn_out(key: np.uint64, leave_key: np.uint64, p: tuple, member_of: np.ndarray, is_core: np.ndarray,
              competence: np.ndarray, nbh: np.ndarray, accountability: np.ndarray, inclusion: np.ndarray,
              initiative_nbh: np.ndarray, grant_weeks_left: np.ndarray, citizen_funded: np.ndarray,
              support_hours: np.ndarray, cores: np.ndarray, members: np.ndarray, burnouts: np.ndarray) -> tuple:
    """Core volunteers burn out with their weekly load (core member ``i`` by ``uniform(key, i)``), in place.

    The load is the initiative's administration (``initiative_admin_hours`` x accountability, x
    ``grant_admin_factor`` under a grant, none when citizen-funded; plus the inclusion duties, less the
    professionals' support, not below 0) and its core work, over its core members (``cores``, at least 1),
    worked out per slot as the numpy formulation did, to the last bit, with the counts from before anyone
    burnt out. The burnt-out leave the core (``cores`` counts them out), lose competence, are counted per
    neighbourhood (``burnouts``) and leave the initiative when ``uniform(leave_key, i)`` is below
    ``burnout_leave`` (``members`` counts them out). Core volunteers are members (only members are made
    core; whoever leaves an initiative leaves its core). Returns the ordinary members (members not in the
    core before anyone burnt out) and the burnt out, each in resident order.
    """
    core_work = p.core_hours * p.core_target
    kept = 1 - p.burnout_competence_loss
    load = np.empty(len(cores))
    for g in range(len(cores)):
        b = initiative_nbh[g]
        grant = p.grant_admin_factor if grant_weeks_left[g] > 0 else 1.0
        admin = ((p.initiative_admin_hours * accountability[b] * grant * (1.0 - citizen_funded[g]))
                 + p.inclusion_admin_hours * inclusion[b] - p.support_relief * support_hours[g])
        load[g] = (max(admin, 0.0) + core_work) / max(cores[g], 1)
    ordinary = np.empty(len(member_of), dtype=np.int64)
    burnt = np.empty(len(member_of), dtype=np.int64)
    n = n_burnt = 0
    for i in range(len(member_of)):
        g = member_of[i]
        # No branch for the ordinary members (it would be mispredicted): every resident written, those kept
        # advance the place. Core members are few: that branch is mostly predicted right.
        ordinary[n] = i
        n += (g >= 0) & ~is_core[i]
        if is_core[i] and uniform(key, i) < p.burnout_rate * load[g]:
            is_core[i] = False
            cores[g] -= 1
            competence[i] *= kept
            burnouts[nbh[i]] += 1
            burnt[n_burnt] = i
            n_burnt += 1
            if uniform(leave_key, i) < p.burnout_leave:
                members[g] -= 1
                member_of[i] = NO
    return ordinary[:n], burnt[:n_burnt]


@numba.njit(cache=True)
def _member_counts(member_of: np.ndarray, core: np.ndarray, slots: int) -> tuple[np.ndarray, np.ndarray]:
    """Members and core members per initiative slot, in one pass over the residents."""
    # Non-members (NO = -1, most residents) are counted in eight dropped bins taken in turn, not all in one:
    # increments of one bin wait for each other, those of eight bins do not (a third faster at 100,000).
    members, cores = np.zeros(slots + 8, dtype=np.int64), np.zeros(slots + 8, dtype=np.int64)
    for i in range(len(member_of)):
        g = member_of[i] + 8 if member_of[i] >= 0 else i & 7
        members[g] += 1
        cores[g] += core[i]
    return members[8:], cores[8:]


@numba.njit(cache=True)
def _take_over_or_end(take_key: np.uint64, p: tuple, weeks: int, alive: np.ndarray, taken_over: np.ndarray,
                      n_core: np.ndarray, n_members: np.ndarray, struggling_weeks: np.ndarray, nbh: np.ndarray,
                      grant_weeks_left: np.ndarray, citizen_funded: np.ndarray, takeover_rate: np.ndarray,
                      taken_count: np.ndarray, ended_count: np.ndarray, takeover_cost: np.ndarray,
                      grant_cost: np.ndarray) -> tuple:
    """Struggling initiatives (too small a core) are taken over or, after a while, end.

    A resident-run initiative with fewer than ``core_min`` core members struggles; enforcing municipalities
    take it over with its neighbourhood's ``takeover_rate`` (slot ``k`` by ``uniform(take_key, k)``), else it
    ends after ``struggle_weeks`` weeks; a taken-over one ends with fewer than ``takeover_min_members``
    members. Counters and the week's takeover and grant costs (per live initiative) are added, in place.
    Returns the slots taken over, ended for want of a core and ended for want of members, and per slot and
    one more (False, for no initiative) those whose core members are core no more (taken over) and those
    whose members leave (ended): :func:`_volunteer_hours` lets them.
    """
    slots = len(alive)
    take, core_lost, members_lost = (np.zeros(slots, dtype=np.bool_), np.zeros(slots, dtype=np.bool_),
                                     np.zeros(slots, dtype=np.bool_))
    end, taken_members = np.zeros(slots + 1, dtype=np.bool_), np.zeros(slots + 1, dtype=np.bool_)
    for k in range(slots):
        resident_run = alive[k] and not taken_over[k]
        struggling = resident_run and n_core[k] < p.core_min
        struggling_weeks[k] = struggling_weeks[k] + 1 if struggling else 0
        take[k] = struggling and uniform(take_key, k) < takeover_rate[nbh[k]]
        if take[k]:
            taken_over[k] = taken_members[k] = True
            taken_count[nbh[k]] += 1
        core_lost[k] = resident_run and not take[k] and struggling_weeks[k] >= p.struggle_weeks
        members_lost[k] = alive[k] and taken_over[k] and n_members[k] < p.takeover_min_members
        end[k] = core_lost[k] or members_lost[k]
        if end[k]:
            alive[k] = taken_over[k] = False
            ended_count[nbh[k]] += 1
    taken, granted = np.zeros(len(taken_count), dtype=np.int64), np.zeros(len(taken_count), dtype=np.int64)
    for k in range(slots):
        taken[nbh[k]] += alive[k] and taken_over[k]
        granted[nbh[k]] += alive[k] and grant_weeks_left[k] > 0 and not citizen_funded[k]
    for b in range(len(taken_count)):
        takeover_cost[b] += taken[b] * p.takeover_cost_eur / weeks
        grant_cost[b] += granted[b] * p.grant_eur / weeks
    return take, core_lost, members_lost, taken_members, end


@numba.njit(cache=True)
def _find_places(key: np.uint64, alive: np.ndarray, without_place: np.ndarray, nbh: np.ndarray, place: np.ndarray,
                 place_open: np.ndarray, place_nbh: np.ndarray) -> None:
    """Live meeting activities whose place closed take another open place of their neighbourhood, if any.

    Each open place there equally likely (slot ``k`` by ``integer(key, k, ...)``), in place.
    """
    for k in range(len(alive)):
        if not (alive[k] and without_place[k]):
            continue
        count = 0
        for q in range(len(place_open)):
            count += place_open[q] and place_nbh[q] == nbh[k]
        place[k] = NO
        if count:
            pick = integer(key, k, count)
            for q in range(len(place_open)):
                if place_open[q] and place_nbh[q] == nbh[k]:
                    if pick == 0:
                        place[k] = q
                        break
                    pick -= 1


def _log(m: CommunityModel, which: np.ndarray, event: str) -> None:
    """Append ``event`` for the initiatives marked in ``which`` to the model's initiative log (no founder)."""
    slots = np.flatnonzero(which)
    if len(slots):  # most weeks nothing is taken over or ends
        append_log(m, slots, event, np.full(len(slots), -1), m.inits.n_core[slots])


@numba.njit(cache=True)
def _volunteer_hours(lend_key: np.uint64, elsewhere_key: np.uint64, p: tuple, week: int, taken: np.ndarray,
                     end: np.ndarray, member_of: np.ndarray, core: np.ndarray, civic: np.ndarray,
                     motivation: np.ndarray, level: np.ndarray, last_volunteered: np.ndarray) -> np.ndarray:
    """This week's volunteering hours, and who volunteered when (resident ``i`` by ``uniform(.._key, i)``).

    First (in a pass of its own, in a week with any), the core members of initiatives ``taken`` over are core
    no more and the members of those that ``end`` leave them (both per slot and one more, False, for no
    initiative; in place). Core members put in their hours; ordinary members lend a hand now and then
    (setting up, cooking, driving); residents volunteer elsewhere too (sports clubs, schools, church): CBS
    counts it.
    """
    hours = np.empty(len(core))
    # The endings first, in a pass of their own and only in a week with one (a small city has few): with its
    # lookups per slot and writes the pass of the hours below was not vectorised, 0.79 ms at 100,000 residents
    # against 0.13 now (0.25 in a week with an ending; 10,000 residents: 0.057 against 0.018 and 0.028).
    change = False
    for g in range(len(taken)):
        change |= taken[g] | end[g]
    if change:
        for i in range(len(core)):
            g = member_of[i]
            core[i] = core[i] and not (taken[g] or end[g])
            member_of[i] = NO if end[g] else g
    core_hours, help_hours, help_rate = p.core_hours, p.member_help_hours, p.member_help_rate
    elsewhere, rate = p.volunteer_hours_elsewhere, p.volunteer_rate
    # Without branches (they would be mispredicted): hours not put in are added as 0.0, which changes no sum.
    for i in range(len(core)):
        h = core_hours * core[i]
        h += help_hours * ((member_of[i] >= 0) & ~core[i] & (uniform(lend_key, i) < help_rate))
        able = level[i] <= 1
        h += elsewhere * (uniform(elsewhere_key, i) < rate * civic[i] * motivation[i] * able)
        hours[i] = h
        last_volunteered[i] = week if h > 0 else last_volunteered[i]
    return hours
