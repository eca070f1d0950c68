"""The model's resident rules written the idiomatic Mesa way: the reference of ``benchmarks/throughput.py``.

Every resident is a Mesa agent that holds its own state and its ties (a dict from the other resident
to a :class:`Tie` the two share). Once a week the model calls ``Resident.step`` on every resident
through the AgentSet, in random order (``shuffle_do``, as Mesa's examples do); a step does that
resident's part of every resident submodel of :mod:`model.core.submodels` (``docs/ODD.md`` section 7), in
the same order and with the same parameters and probabilities. The parts about few agents stay as
the model has them: the municipality and its steering modes, interventions and the funding of meeting
places are the model's own code; the professionals (time split, intake, casework, community work)
and the bookkeeping of initiatives (grants, takeover, ending) act on the agents with the model's rules,
and the model's arrays of places and initiatives hold their state.

The reference starts from the model's settled city (after its burn-in), so both begin equal. Updating
one resident's whole week after another (asynchronous) instead of one submodel for all at once
(synchronous) changes details, not rules; ``tests/test_reference.py`` checks that both give the same
statistics. Where order matters the reference does this:

* meeting at a venue: an arriving visitor meets a visitor who came earlier, ``encounters_per_visit / 2``
  times on average, so that each attendee has as many encounters as in the model's random pairing;
* a full meeting place turns later visitors away (the model turns away a random share of all visitors);
* a carer's hours are those of the residents it helps at the time of its own step;
* professionals, community work and the ending of initiatives follow the residents' steps, so founding
  uses last week's support hours and open cases recover in the week after intake at the earliest.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from collections.abc import Callable
from dataclasses import fields

import mesa
import numpy as np
import pandas as pd
from reference_agents import NEVER, ReferenceProfessional, Resident, Tie  # benchmarks/ is not a package

from agents import Municipality
from model.core import submodels
from model.core.community import CommunityModel
from model.core.interventions import Intervention
from model.core.metrics import WeeklyCounters
from model.core.parameters import Parameters
from model.core.state import (
    CASE_NONE,
    CASE_OPEN,
    CASE_WAITING,
    DAILY_LIVING,
    LONELY,
    NO,
)
from model.core.steering import make_steering
from model.core.submodels.helpers import MEETING
from model.core.submodels.professionals import reach_chances
from model.core.time import WEEKS_PER_YEAR

#: Outputs the reference records every week (names as in :meth:`model.core.community.CommunityModel.city_frame`).
OUTPUTS = (
    "community_strength", "csi_ties", "csi_volunteering", "csi_mutual_help", "csi_participation",
    "csi_engagement", "csi_bridging", "lonely_share", "severe_share", "very_severe_share", "mean_loneliness",
    "mean_good_ties", "volunteering_share_year", "informal_carer_share", "informal_help_hours",
    "needy_helped_share", "open_cases", "waiting_list", "initiatives_active", "initiative_members",
    "core_volunteers", "mean_trust", "mean_motivation", "meeting_places_open",
)


class ReferenceModel(mesa.Model):
    """The reference: the same city, each resident stepping on its own (see the module docstring)."""

    def __init__(self, params: Parameters | None = None, seed: int = 0,
                 interventions: list[Intervention] | None = None) -> None:
        """Start from the settled city that ``CommunityModel(params, seed)`` builds (the same city, week 0).

        Args:
            params: Parameters (the schema defaults when omitted).
            seed: Seed of the city and of this model's own random numbers.
            interventions: Timed interventions (from week 0).
        """
        super().__init__(rng=seed)
        city = CommunityModel(params or Parameters(), seed=seed)
        self.p, self.week, self.next_pid = city.p, city.week, city.next_pid
        for name in ("n_nbh", "nbh_names", "nbh_archetype", "nbh_size", "nbh_start", "tie_decay"):
            setattr(self, name, copy.deepcopy(getattr(city, name)))
        self.alone_p = city.alone_p.tolist()
        self.age_cdf = {newcomers: cdf.tolist() for newcomers, cdf in city.age_cdf.items()}
        self.low_income_share = [self.p.archetypes[a].low_income_share for a in self.nbh_archetype]
        self.places, self.inits, self.levers = (copy.deepcopy(x) for x in (city.places, city.inits, city.levers))
        self.community_hours = city.community_hours.copy()
        self.counters = WeeklyCounters.zeros(self.n_nbh)
        self.steering = copy.deepcopy(city.steering)
        self.municipality = Municipality(self)
        self.interventions = list(interventions or [])
        self._copy_residents(city)
        self._copy_professionals(city)
        self.visitors: dict[int, list[Resident]] = {}
        self.datacollector = mesa.DataCollector(model_reporters={name: self._reporter(name) for name in OUTPUTS})
        self._tally()
        self.datacollector.collect(self)

    def _copy_residents(self, city: CommunityModel) -> None:
        pop, net = city.pop, city.net
        skip = {"helper", "case_prof", "visited"}
        names = [f.name for f in fields(pop) if f.name not in skip]
        columns = {name: getattr(pop, name).tolist() for name in names}
        self.residents_list = [Resident(self, i, **{name: columns[name][i] for name in names})
                               for i in range(len(pop))]
        for res in self.residents_list:
            res.talents, res.zrm = tuple(res.talents), list(res.zrm)
        for i, h in enumerate(pop.helper.tolist()):
            if h >= 0:
                helpee, helper = self.residents_list[i], self.residents_list[h]
                helpee.helper = helper
                helper.helpees[helpee] = None
        for a, b, w, kin, bridging in zip(net.a.tolist(), net.b.tolist(), net.w.tolist(), net.kin.tolist(),
                                          net.bridging.tolist(), strict=True):
            tie = Tie(w, kin, bridging)
            self.residents_list[a].ties[self.residents_list[b]] = tie
            self.residents_list[b].ties[self.residents_list[a]] = tie
        self.by_nbh = [self.residents_list[lo:hi] for lo, hi in zip(self.nbh_start[:-1], self.nbh_start[1:],
                                                                    strict=True)]
        self.members: list[dict[Resident, None]] = [{} for _ in range(len(self.inits))]
        for res in self.residents_list:
            if res.member_of >= 0:
                self.members[res.member_of][res] = None
        self.waiting = [{res for res in group if res.case_state == CASE_WAITING} for group in self.by_nbh]

    def _copy_professionals(self, city: CommunityModel) -> None:
        self.professionals = []
        for pro in city.professionals:
            ref = ReferenceProfessional(self, nbh=pro.nbh, role=pro.role, fte=pro.fte, hired=pro.hired)
            ref.idx, ref.casework, ref.admin, ref.community = pro.idx, pro.casework, pro.admin, pro.community
            self.professionals.append(ref)
        for res, prof in zip(self.residents_list, city.pop.case_prof.tolist(), strict=True):
            if res.case_state == CASE_OPEN:
                res.case_prof = self.professionals[prof]
                res.case_prof.clients[res] = None
        for name in ("pro_nbh", "pro_fte", "pro_team", "pro_hired", "hired_post", "team_fte"):
            setattr(self, name, getattr(city, name).copy())
        self.municipality.hiring = city.municipality.hiring.copy()
        self.municipality.switched_week = city.municipality.switched_week.copy()

    # -------------------------------------------------------------- the week
    def step(self) -> None:
        """One week: levers and places, every resident's step, then professionals and initiatives."""
        self.counters.reset()
        submodels.steer(self)
        submodels.apply_interventions(self)
        submodels.fund_meeting_places(self)
        self._prepare_week()
        self.agents_by_type[Resident].shuffle_do("step")
        self._professionals()
        self._bemoeizorg()
        self._community_work()
        self._open_invitations()
        self._end_or_take_over()
        self.week += 1
        self._tally()
        self.datacollector.collect(self)

    def _prepare_week(self) -> None:
        """What residents read this week: open places, founding room and support; venues empty."""
        pl, ini, p = self.places, self.inits, self.p
        self.open_places = [np.flatnonzero(pl.open & (pl.nbh == b)).tolist() for b in range(self.n_nbh)]
        self.place_visits = [0.0] * len(pl)
        self.visitors.clear()
        alive = np.bincount(ini.nbh[ini.alive], minlength=self.n_nbh)
        self.founding_room = (alive < p.max_initiatives_per_1000 * self.nbh_size / 1000).tolist()
        self.founding_support = (1 + self.community_hours[:, 1] / p.support_founding_hours).tolist()

    def _professionals(self) -> None:
        """Professionals split their week and take cases (in the model's order), then do casework."""
        for pro in self.professionals:
            if not pro.does_casework or pro.fte <= 0:
                for client in list(pro.clients):  # a redeployment ended, staff left: back to the waiting list
                    pro.clients.pop(client, None)
                    client.case_prof, client.case_state = None, CASE_WAITING
                    self.waiting[client.nbh].add(client)
        self.queue = [deque(sorted(group, key=lambda res: (res.case_since, res.idx))) for group in self.waiting]
        for pro in self.professionals:
            pro.step()
        for pro in self.professionals:
            pro.do_casework()

    def _community_work(self) -> None:
        """Professionals' community hours: connecting, initiative support, talent spotting, outreach."""
        p, rng, ini, r = self.p, self.rng, self.inits, self.random
        hours_pro = np.array([pro.community for pro in self.professionals])
        hours = np.bincount(self.pro_nbh, hours_pro, minlength=self.n_nbh)[:, None] * self.levers.community_split
        self.community_hours = hours
        disrupted = self.week - self.municipality.switched_week < p.switch_disruption_weeks
        hours = hours * np.where(disrupted, 1 - p.switch_disruption, 1.0)[:, None]
        ini.support_hours[:] = 0
        for b in range(self.n_nbh):
            residents = self.by_nbh[b]
            target = self.levers.targeting[b]
            inits_b = np.flatnonzero(ini.alive & ~ini.taken_over & (ini.nbh == b)).tolist()
            lonely = [res for res in residents if res.score >= LONELY]
            k = rng.poisson(hours[b, 0] * p.introductions_per_hour)
            if k and lonely:
                weight = reach_chances(np.array([res.engagement for res in lonely]),
                                       np.array([1 / (1 + res.good_ties) for res in lonely]), target)
                for i in rng.choice(len(lonely), size=min(k, len(lonely)), replace=False, p=weight):
                    res = lonely[i]
                    if inits_b and res.member_of < 0:
                        self.join(res, r.choice(inits_b))
                    elif not inits_b:
                        res.tie_to(self.similar_neighbour(res), p.introduction_strength, False)
                    res.prompted = True
            if inits_b:
                ini.support_hours[inits_b] = hours[b, 1] / len(inits_b)
            k = rng.poisson(hours[b, 2] * p.spotting_per_hour)
            weight = reach_chances(np.array([res.engagement for res in residents]),
                                   np.array([res.vulnerability for res in residents]), target)
            for i in (rng.choice(len(residents), size=min(k, len(residents)), replace=False, p=weight) if k else []):
                res = residents[i]
                if any(res.talents):
                    res.spotted = True
                    res.competence = min(1.0, res.competence + p.spotting_competence_gain)
                    if inits_b and res.member_of < 0:
                        self.join(res, r.choice(inits_b))
            k = rng.poisson(hours[b, 3] * p.outreach_per_hour)
            if k:
                weight = np.array([1 + (p.outreach_targeting - 1) * res.vulnerability for res in residents])
                for i in rng.choice(len(residents), size=min(k, len(residents)), replace=False,
                                    p=weight / weight.sum()):
                    res = residents[i]
                    need = res.need_level
                    if need >= 1 and res.case_state == CASE_NONE and res.helper is None:
                        if need >= 2:
                            self.refer(res)
                        res.prompted = True
                        self.counters.outreach_found[b] += 1

    def _end_or_take_over(self) -> None:
        """Grants run out, struggling initiatives are taken over or end, places are found, costs counted."""
        p, ini, lev, r = self.p, self.inits, self.levers, self.random
        ending_grant = ini.alive & (ini.grant_weeks_left == 1)
        ini.grant_weeks_left = np.maximum(ini.grant_weeks_left - 1, 0)
        for k in np.flatnonzero(ending_grant):
            for res in list(self.members[k]):
                if not res.core and r.random() < p.grant_end_leave:
                    self.leave(res)
        resident_run = ini.alive & ~ini.taken_over
        struggling = resident_run & (ini.n_core < p.core_min)
        ini.struggling_weeks = np.where(struggling, ini.struggling_weeks + 1, 0)
        take = struggling & np.array([r.random() < lev.takeover_rate[b] for b in ini.nbh])
        for k in np.flatnonzero(take):
            ini.taken_over[k] = True
            for res in self.members[k]:
                if res.core:
                    self.set_core(res, False)
            self.counters.initiatives_taken_over[ini.nbh[k]] += 1
        end = (resident_run & ~take & (ini.struggling_weeks >= p.struggle_weeks)) | (
            ini.alive & ini.taken_over & (ini.n_members < p.takeover_min_members))
        for k in np.flatnonzero(end):
            for res in list(self.members[k]):
                self.leave(res)
            ini.alive[k] = ini.taken_over[k] = False
            self.counters.initiatives_ended[ini.nbh[k]] += 1
        for k in np.flatnonzero(ini.alive):
            if self.without_place(k):
                places = self.open_places[ini.nbh[k]]
                ini.place[k] = r.choice(places) if places else NO
        self.counters.takeover_cost += np.bincount(ini.nbh[ini.alive & ini.taken_over],
                                                   minlength=self.n_nbh) * p.takeover_cost_eur / WEEKS_PER_YEAR
        self.counters.grant_cost += np.bincount(ini.nbh[ini.alive & (ini.grant_weeks_left > 0) & ~ini.citizen_funded],
                                                minlength=self.n_nbh) * p.grant_eur / WEEKS_PER_YEAR

    # -------------------------------------------------------------- residents moving, cases, initiatives
    def move(self, res: Resident) -> None:
        """``res`` moves away; a newcomer (drawn like the model's) takes its place with new ties."""
        p, r = self.p, self.random
        for other in list(res.ties):
            del other.ties[res]
            other.ties_lost += 1
        res.ties.clear()
        for helpee in list(res.helpees):
            helpee.stop_being_helped()
        res.stop_being_helped()
        if res.member_of >= 0:
            self.leave(res)
        if res.case_state == CASE_OPEN:
            res.case_prof.clients.pop(res, None)
            res.case_prof = None
        self.unlist(res)
        self._draw_newcomer(res)
        for _ in range(self.rng.poisson(p.newcomer_ties)):
            if r.random() < p.kin_share:
                res.tie_to(self.residents_list[r.randrange(len(self.residents_list))], r.uniform(*p.kin_strength), True)
            else:
                res.tie_to(self.similar_neighbour(res), r.uniform(*p.friend_strength), False)
        # Relatives resemble each other in disposition (``city.share_disposition_with_kin``, a newcomer).
        relatives = [other for other, tie in res.ties.items() if tie.kin]
        rel = p.kin_disposition_correlation
        if rel > 0 and relatives:
            b = rel / math.sqrt(1 - rel * rel)
            norm = math.sqrt(1 + b * b * len(relatives))
            res.disp_s = (res.disp_s + b * sum(o.disp_s for o in relatives)) / norm
            res.disp_e = (res.disp_e + b * sum(o.disp_e for o in relatives)) / norm

    def _draw_newcomer(self, res: Resident) -> None:
        """Fresh state for a newcomer in ``res``'s neighbourhood (``CommunityModel._draw_residents``)."""
        p, r, b = self.p, self.random, res.nbh
        u = r.random()
        res.age = min(sum(u > c for c in self.age_cdf[True][b]), 3)
        res.alone = r.random() < self.alone_p[b][res.age]
        res.low_income = r.random() < self.low_income_share[b]
        res.vulnerability = min(max(r.betavariate(*p.vulnerability_beta) + p.vulnerability_low_income * res.low_income
                                    + p.vulnerability_75plus * (res.age == 3), 0.0), 1.0)
        res.chronic = res.age == 3 and r.random() < p.chronic_share_75plus
        res.talents = tuple(r.random() < share for share in p.talent_prevalence)
        res.zrm = [5] * 11
        proneness = 1 + (p.vulnerability_shock_factor - 1) * res.vulnerability
        for level, base in zip((4, 3, 2, 1), p.initial_problem_rates, strict=True):
            for d in range(9):
                if r.random() < base * proneness:
                    res.zrm[d] = min(res.zrm[d], level)
        if res.chronic:
            res.zrm[DAILY_LIVING] = min(res.zrm[DAILY_LIVING], 2)
        shared, rho = r.gauss(0, 1), p.disposition_correlation
        res.disp_s = p.disposition_sd * (math.sqrt(rho) * shared + math.sqrt(1 - rho) * r.gauss(0, 1))
        res.disp_e = p.disposition_sd * (math.sqrt(rho) * shared + math.sqrt(1 - rho) * r.gauss(0, 1))
        spread = p.desired_ties_spread
        res.desired = p.desired_ties_mean * math.exp(spread * r.gauss(0, 1) - spread ** 2 / 2)
        res.reluctance = min(max(r.gauss(p.reluctance_mean, p.reluctance_sd), 0.0), 1.0)
        res.civic = r.betavariate(*p.civic_beta) * (p.low_income_civic_factor if res.low_income else 1.0)
        res.pid, self.next_pid = self.next_pid, self.next_pid + 1
        res.lon_s = res.lon_e = res.care_given = res.strain = res.volunteer_hours = res.engagement = 0.0
        res.score = res.unmet_weeks = res.case_since = res.good_ties = res.ties_lost = 0
        res.autonomy = res.competence = res.relatedness = res.trust = 0.5
        res.member_of, res.core, res.case_state = NO, False, CASE_NONE
        res.prompted = res.spotted = False
        res.last_volunteered = NEVER

    def similar_neighbour(self, res: Resident) -> Resident:
        """A neighbour of the same age group and income among ``similar_search`` looked at, else of the same age."""
        group = self.by_nbh[res.nbh]
        candidates = [group[int(self.random.random() * len(group))] for _ in range(self.p.similar_search)]
        same_age = [c for c in candidates if c.age == res.age]
        same = [c for c in same_age if c.low_income == res.low_income]
        return (same or same_age or candidates)[0]

    def refer(self, res: Resident) -> None:
        """Put a resident without a case on the neighbourhood's waiting list."""
        if res.case_state == CASE_NONE:
            res.case_state, res.case_since = CASE_WAITING, self.week
            self.waiting[res.nbh].add(res)
            self.counters.referrals[res.nbh] += 1

    def unlist(self, res: Resident) -> None:
        """Take a resident off the waiting list."""
        if res.case_state == CASE_WAITING:
            res.case_state = CASE_NONE
            self.waiting[res.nbh].discard(res)

    def open_case(self, res: Resident, pro: ReferenceProfessional) -> None:
        """A professional takes ``res`` from the waiting list."""
        self.waiting[res.nbh].discard(res)
        res.case_state, res.case_prof = CASE_OPEN, pro
        pro.clients[res] = None
        self.counters.cases_opened[pro.nbh] += 1

    def close_case(self, res: Resident) -> None:
        """Close ``res``'s open case."""
        res.case_prof.clients.pop(res, None)
        res.case_state, res.case_prof = CASE_NONE, None
        self.counters.cases_closed[res.nbh] += 1

    def open_at_once(self, res: Resident) -> None:
        """A case now, past the waiting list, with the least busy professional (``submodels.helpers.open_at_once``)."""
        if res.case_state == CASE_OPEN:
            return
        staff = [pro for pro in self.professionals if pro.nbh == res.nbh and pro.does_casework and pro.fte > 0]
        if staff:
            pro = min(staff, key=lambda pro: sum(c.case_hours for c in pro.clients) / pro.fte)
            self.open_case(res, pro)
            res.case_since = self.week

    def divert(self, res: Resident, level: int) -> bool:
        """The voorliggend veld: a light or moderate need matched with a free volunteer (``divert_to_volunteers``)."""
        p, r = self.p, self.random
        if level > 2 or r.random() >= self.levers.diversion[res.nbh]:
            return False
        volunteers = [other for other in self.by_nbh[res.nbh] if other.member_of >= 0 and other.free_to_help()]
        if not volunteers:
            return False
        helper = r.choice(volunteers)
        res.helper = helper
        helper.helpees[res] = None
        res.tie_to(helper, p.introduction_strength, False)
        self.counters.diverted[res.nbh] += 1
        return True

    def _bemoeizorg(self) -> None:
        """Bemoeizorg hours reach residents with a moderate or heavy need who do not ask (``needs.casework``)."""
        p, rng = self.p, self.rng
        hours = np.bincount(self.pro_nbh, [pro.bemoeizorg for pro in self.professionals], minlength=self.n_nbh)
        for b, visits in enumerate(rng.poisson(hours / p.bemoeizorg_visit_hours)):
            hidden = [res for res in self.by_nbh[b] if res.need_level >= 2 and res.case_state != CASE_OPEN
                      and res.helper is None]
            if visits and hidden:
                weight = np.array([res.reluctance + 0.05 for res in hidden])
                for i in rng.choice(len(hidden), size=min(visits, len(hidden)), replace=False, p=weight / weight.sum()):
                    self.open_at_once(hidden[i])
                    self.counters.bemoeizorg_found[b] += 1

    def _open_invitations(self) -> None:
        """Under an inclusion demand, initiatives invite residents beyond members' ties (``initiative_lifecycle``)."""
        p, rng, r, ini = self.p, self.rng, self.random, self.inits
        for k in np.flatnonzero(ini.alive & ~ini.taken_over):
            room = min(max(1 - ini.n_members[k] / p.initiative_size[ini.kind[k]], 0.0), 1.0)
            for _ in range(rng.poisson(p.open_recruit_rate * self.levers.inclusion_demand[ini.nbh[k]] * room)):
                res = r.choice(self.by_nbh[ini.nbh[k]])
                if res.member_of < 0 and res.need_level <= 2 and r.random() < res.motivation:
                    self.join(res, int(k))

    def found(self, founder: Resident) -> None:
        """``founder`` starts an initiative with friends who are no member yet (``submodels._found_initiatives``)."""
        p, r, ini, lev, b = self.p, self.random, self.inits, self.levers, founder.nbh
        free = np.flatnonzero(~ini.alive)
        if not len(free):
            ini.grow()
            self.members += [{} for _ in range(len(ini) - len(self.members))]
            free = np.flatnonzero(~ini.alive)
        k = int(free[0])
        kind = self.rng.choice(len(p.kind_shares), p=p.kind_shares)
        places = self.open_places[b]
        citizen = lev.citizen_budget_eur[b] > 0 and r.random() < p.citizen_funded_share
        ini.alive[k], ini.kind[k], ini.nbh[k] = True, kind, b
        ini.place[k] = r.choice(places) if (kind == MEETING and places) else NO
        ini.group_age[k], ini.group_income[k] = founder.age, founder.low_income
        ini.founded[k], ini.struggling_weeks[k] = self.week, 0
        ini.citizen_funded[k], ini.taken_over[k] = citizen, False
        ini.grant_weeks_left[k] = lev.grant_weeks[b] if (citizen or r.random() < lev.grant_prob[b]) else 0
        ini.n_members[k] = ini.n_core[k] = 0
        friends = [other for other, tie in founder.ties.items()
                   if other.member_of < 0 and tie.w >= p.good_tie_threshold]
        r.shuffle(friends)
        for res in [founder, *friends[: p.founder_crew]]:
            self.join(res, k, core=True)
        founder.spotted = False
        self.counters.initiatives_founded[b] += 1

    def join(self, res: Resident, k: int, core: bool = False) -> None:
        """``res`` becomes a member (or core member) of initiative ``k``."""
        res.member_of, res.core = k, core
        self.members[k][res] = None
        self.inits.n_members[k] += 1
        self.inits.n_core[k] += core

    def leave(self, res: Resident) -> None:
        """``res`` leaves its initiative."""
        k = res.member_of
        self.members[k].pop(res, None)
        self.inits.n_members[k] -= 1
        self.inits.n_core[k] -= res.core
        res.member_of, res.core = NO, False

    def set_core(self, res: Resident, core: bool) -> None:
        """``res`` joins or leaves the core of its initiative."""
        self.inits.n_core[res.member_of] += core - res.core
        res.core = core

    def mixed_share(self, k: int) -> float:
        """Share of the ordinary members of ``k`` who differ from its founder (a group mixed by demand)."""
        ordinary = [res for res in self.members[k] if not res.core]
        return sum(not res.similar_to(k) for res in ordinary) / max(len(ordinary), 1)

    def without_place(self, k: int) -> bool:
        """A meeting activity without an open meeting place."""
        ini = self.inits
        return ini.kind[k] == MEETING and (ini.place[k] < 0 or not self.places.open[ini.place[k]])

    # -------------------------------------------------------------- levers and outputs
    def set_steering_mode(self, name: str) -> None:
        """Switch the steering mode now (as :meth:`model.core.community.CommunityModel.set_steering_mode`)."""
        self.steering = make_steering(name)
        self.steering.start(self)
        submodels.steer(self)

    def observe_neighbourhoods(self) -> dict[str, np.ndarray]:
        """What the municipality observes per neighbourhood (for the layered mode)."""
        ini = self.inits
        waiting = np.array([len(w) for w in self.waiting], dtype=float)
        lonely = np.array([sum(res.score >= LONELY for res in group) for group in self.by_nbh], dtype=float)
        active = np.bincount(ini.nbh, ini.alive & ~ini.taken_over, minlength=self.n_nbh)
        fte = self.team_fte
        waited = np.array([sum(self.week - res.case_since for res in w) for w in self.waiting], dtype=float)
        return {"waiting_per_team_fte": np.divide(waiting, fte, out=np.zeros(self.n_nbh), where=fte > 0),
                "mean_wait_weeks": np.divide(waited, waiting, out=np.zeros(self.n_nbh), where=waiting > 0),
                "initiatives_per_1000": 1000 * active / self.nbh_size,
                "lonely_share": lonely / self.nbh_size}

    def _tally(self) -> None:
        """This week's city-wide outputs, from one pass over the residents (read by the data collector)."""
        p, n = self.p, len(self.residents_list)
        s = dict.fromkeys(("lonely", "severe", "very_severe", "score", "good", "capped", "volunteers", "carers",
                           "care", "needy", "helped", "open", "waiting", "members", "core", "engagement", "trust",
                           "motivation", "good_ties", "bridging_ties"), 0.0)
        for res in self.residents_list:
            score, need = res.score, res.need_level
            s["lonely"] += score >= LONELY
            s["severe"] += 9 <= score <= 10
            s["very_severe"] += score == 11
            s["score"] += score
            s["good"] += res.good_ties
            s["capped"] += min(res.good_ties, 5) / 5
            s["volunteers"] += self.week - res.last_volunteered < WEEKS_PER_YEAR
            s["carers"] += res.care_given > 0
            s["care"] += res.care_given
            s["needy"] += need >= 1
            s["helped"] += need >= 1 and res.helper is not None
            s["open"] += res.case_state == CASE_OPEN
            s["waiting"] += res.case_state == CASE_WAITING
            s["members"] += res.member_of >= 0
            s["core"] += res.core
            s["engagement"] += res.engagement
            s["trust"] += res.trust
            s["motivation"] += res.motivation
            for other, tie in res.ties.items():
                if other.idx > res.idx and tie.w >= p.good_tie_threshold:
                    s["good_ties"] += 1
                    s["bridging_ties"] += tie.bridging
        parts = {
            "csi_ties": s["capped"] / n, "csi_volunteering": s["volunteers"] / n,
            "csi_mutual_help": s["helped"] / s["needy"] if s["needy"] else 0.0, "csi_participation": s["members"] / n,
            "csi_engagement": s["engagement"] / n,
            "csi_bridging": s["bridging_ties"] / s["good_ties"] if s["good_ties"] else 0.0,
        }
        ini = self.inits
        self.tally = {
            "community_strength": 100 * sum(parts.values()) / len(parts), **parts,
            "lonely_share": s["lonely"] / n, "severe_share": s["severe"] / n, "very_severe_share": s["very_severe"] / n,
            "mean_loneliness": s["score"] / n, "mean_good_ties": s["good"] / n,
            "volunteering_share_year": s["volunteers"] / n, "informal_carer_share": s["carers"] / n,
            "informal_help_hours": s["care"], "needy_helped_share": parts["csi_mutual_help"],
            "open_cases": s["open"], "waiting_list": s["waiting"],
            "initiatives_active": float(np.sum(ini.alive & ~ini.taken_over)), "initiative_members": s["members"],
            "core_volunteers": s["core"], "mean_trust": s["trust"] / n, "mean_motivation": s["motivation"] / n,
            "meeting_places_open": float(np.sum(self.places.open)),
        }

    @staticmethod
    def _reporter(name: str) -> Callable[[ReferenceModel], float]:
        return lambda model: model.tally[name]

    def run_weeks(self, weeks: int) -> ReferenceModel:
        """Run ``weeks`` weekly steps and return the model."""
        for _ in range(weeks):
            self.step()
        return self

    def city_frame(self) -> pd.DataFrame:
        """City-wide outputs, one row per week (week 0 is the copied city)."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "week", np.arange(len(df)) + self.week - len(df) + 1)
        return df

