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

from agents import Municipality, Professional
from model.core import submodels
from model.core.community import CommunityModel
from model.core.interventions import Intervention
from model.core.metrics import WeeklyCounters
from model.core.parameters import Parameters
from model.core.state import (
    CARE_TALENT,
    CASE_NONE,
    CASE_OPEN,
    CASE_WAITING,
    DAILY_LIVING,
    LONELY,
    NO,
    ORGANISING_TALENT,
    PARTICIPATION,
    PHYSICAL,
    SOCIAL_NETWORK,
)
from model.core.steering import make_steering
from model.core.submodels.helpers import MEETING
from model.core.time import WEEKS_PER_YEAR

NEVER = -(2**62)  # week of the last volunteering of someone who never volunteered

#: Outputs the reference records every week (names as in :meth:`model.core.community.CommunityModel.city_frame`).
OUTPUTS = (
    "community_strength", "csi_ties", "csi_volunteering", "csi_mutual_help", "csi_participation",
    "csi_engagement", "csi_bridging", "lonely_share", "severe_share", "very_severe_share", "mean_loneliness",
    "mean_good_ties", "volunteering_share_year", "informal_carer_share", "informal_help_hours",
    "needy_helped_share", "open_cases", "waiting_list", "initiatives_active", "initiative_members",
    "core_volunteers", "mean_trust", "mean_motivation", "meeting_places_open",
)


class Tie:
    """A tie between two residents, shared by both ends' ``ties`` dicts."""

    __slots__ = ("bridging", "kin", "w")

    def __init__(self, w: float, kin: bool, bridging: bool) -> None:
        self.w, self.kin, self.bridging = w, kin, bridging


class Resident(mesa.Agent):
    """An adult resident with its own state and ties; ``step`` is its week."""

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, idx: int, **state: object) -> None:
        """Create resident ``idx`` with the given state (names as in :class:`model.core.state.Population`)."""
        super().__init__(model)
        self.idx = idx
        self.__dict__.update(state)
        self.ties: dict[Resident, Tie] = {}
        self.helper: Resident | None = None
        self.helpees: dict[Resident, None] = {}  # not a set: its order would follow memory addresses
        self.case_prof: ReferenceProfessional | None = None
        self.reach_week, self.reach_now = None, 0.0

    # -------------------------------------------------------------- helpers
    @property
    def need_level(self) -> int:
        """0 none, 1 light, 2 moderate, 3 heavy: from the lowest life-domain ZRM score."""
        return min(max(4 - min(self.zrm[:9]), 0), 3)

    @property
    def case_hours(self) -> float:
        """Weekly casework this resident's case asks (``submodels.case_hours_of``)."""
        p, level = self.model.p, self.need_level
        if self.chronic and level >= 2 and min(self.recoverable_domains()) >= 3:
            return p.chronic_case_hours
        return p.case_hours[max(level - 1, 0)]

    def recoverable_domains(self) -> list[int]:
        """The nine life-domain scores, a chronic floor read as 6 (``submodels._recoverable_domains``)."""
        z = self.zrm[:9]
        if self.chronic:
            z = [6 if (d in (DAILY_LIVING, PHYSICAL) and v >= 2) else v for d, v in enumerate(z)]
        return list(z)

    @property
    def motivation(self) -> float:
        """Mean of autonomy, competence and relatedness."""
        return (self.autonomy + self.competence + self.relatedness) / 3.0

    def activity(self) -> float:
        """How much the resident goes out (``submodels.helpers.activity``)."""
        p = self.model.p
        health = p.poor_health_activity if min(self.zrm[PHYSICAL], self.zrm[DAILY_LIVING]) <= 2 else 1.0
        s, spread = p.sociability, p.desired_ties_spread
        seeking = (self.desired / p.desired_ties_mean) ** s / math.exp(s * (s - 1) * spread ** 2 / 2)
        return (1 - p.withdrawal * self.score / 11) * health * seeking

    def lacking(self, belonging: float) -> float:
        """Share of the wanted good relationships this resident lacks (``submodels.helpers.relational_shortfall``)."""
        return min(max(1 - (self.good_ties + belonging) / self.desired, 0.0), 1.0)

    def reach(self) -> float:
        """Availability for contact along a tie: activity, less with more ties than ``tie_capacity``.

        Worked out once a week, when first needed (by this resident or one of its ties).
        """
        m, p = self.model, self.model.p
        if self.reach_week != m.week:
            ties = sum(1 for tie in self.ties.values() if tie.w >= p.tie_drop_threshold)
            self.reach_now, self.reach_week = self.activity() * min(1.0, p.tie_capacity / max(ties, 1)), m.week
        return self.reach_now

    def recover(self) -> None:
        """Raise the lowest recoverable life domain by one point (``submodels._recover``)."""
        z = self.recoverable_domains()
        dom = min(range(9), key=z.__getitem__)
        if z[dom] < 5:
            self.zrm[dom] += 1

    def worsen(self, dom: int) -> None:
        """Lower life domain ``dom`` by one point (not below 1)."""
        self.zrm[dom] = max(self.zrm[dom] - 1, 1)

    def bridges_to(self, other: Resident) -> bool:
        """A tie to ``other`` bridges age group, income or neighbourhood."""
        return self.age != other.age or self.low_income != other.low_income or self.nbh != other.nbh

    def tie_to(self, other: Resident, w: float, kin: bool) -> bool:
        """Start a tie to ``other`` unless it is oneself or already tied; tell whether it was started."""
        if other is self or other in self.ties:
            return False
        tie = Tie(w, kin, self.bridges_to(other))
        self.ties[other] = tie
        other.ties[self] = tie
        return True

    def similar_to(self, k: int) -> bool:
        """Same age group and income as the founder of initiative ``k``."""
        ini = self.model.inits
        return self.age == ini.group_age[k] and self.low_income == ini.group_income[k]

    # -------------------------------------------------------------- the week
    def step(self) -> None:
        """This resident's part of every resident submodel, in the order of the model's step."""
        self.life_events()
        for venue in self.visit_venues():
            self.meet(venue)
        self.maintain_ties()
        self.informal_help()
        self.escalate_needs()
        self.initiatives()
        self.update_motivation()
        self.update_loneliness()
        self.update_trust()

    def life_events(self) -> None:
        """Moving away (a newcomer takes the place), household changes, ZRM shocks and own recovery."""
        m, p, r = self.model, self.model.p, self.random
        if r.random() < p.turnover_rate[self.age]:
            m.move(self)
        alone_p = m.alone_p[self.nbh][self.age]
        rate = p.becoming_alone_rate[self.age]
        u = r.random()
        if not self.alone and u < rate:
            self.alone = True
        elif self.alone and u < rate * (1 - alone_p) / alone_p:
            self.alone = False
        shock = (p.zrm_shock_rate * m.levers.demand_multiplier[self.nbh]
                 * (1 + (p.vulnerability_shock_factor - 1) * self.vulnerability)
                 * (p.shock_factor_75plus if self.age == 3 else 1.0))
        if r.random() < shock:
            self.worsen(r.randrange(9))
        if self.need_level >= 1 and r.random() < p.self_recovery_rate:
            self.recover()

    def visit_venues(self) -> list[int]:
        """Visit an open meeting place of the neighbourhood and attend one's initiative; return the venues."""
        m, p, r = self.model, self.model.p, self.random
        act = self.activity()
        venues = []
        places = m.open_places[self.nbh]
        if places and r.random() < p.place_visit_rate * act * (0.5 + self.motivation):
            place = places[int(r.random() * len(places))]
            room = max(m.places.capacity[place], 1) - m.place_visits[place]
            if room >= 1 or r.random() < room:  # a full place turns visitors away
                venues.append(place)
            m.place_visits[place] += 1
        k = self.member_of
        if k >= 0:
            attend = (p.attend_core if self.core else p.attend_member) * act
            if m.without_place(k):
                attend *= p.no_place_attendance
            if r.random() < attend:
                venues.append(len(m.places) + k)
        self.engagement += p.engagement_rate * ((1.0 if venues else 0.0) - self.engagement)
        return venues

    def meet(self, venue: int) -> None:
        """Meet visitors who came earlier; strangers may start a tie (homophily, secure base for bridging)."""
        m, p, r = self.model, self.model.p, self.random
        here = m.visitors.setdefault(venue, [])
        meetings = p.encounters_per_visit / 2
        for _ in range(int(meetings) + (r.random() < meetings % 1)):
            if not here:
                break
            other = here[int(r.random() * len(here))]
            tie = self.ties.get(other)
            if tie is not None:
                tie.w += p.tie_gain * (1 - tie.w)
            elif other is not self:
                base = min(1.0, min(self.good_ties, other.good_ties) / p.bridging_base)
                bridging = self.bridges_to(other)
                unlike = (self.score >= LONELY) != (other.score >= LONELY)
                if r.random() < (p.new_tie_prob * (base / p.homophily if bridging else 1.0)
                                 / (p.loneliness_homophily if unlike else 1.0)):
                    self.tie_to(other, p.new_tie_strength, False)
                    m.counters.ties_formed[self.nbh] += 1
        here.append(self)

    def maintain_ties(self) -> None:
        """Contact along the ties this resident is the lower end of; weak non-kin ties dissolve."""
        m, p, r = self.model, self.model.p, self.random
        mine = self.reach()
        for other, tie in list(self.ties.items()):
            if other.idx < self.idx:
                continue
            contact = p.tie_contact_prob * tie.w * mine * other.reach() * (p.kin_contact_factor if tie.kin else 1.0)
            if r.random() < contact:
                tie.w += p.tie_gain * (1 - tie.w)
            else:
                loss = p.tie_decay * p.kin_decay_factor if tie.kin else 0.5 * (m.tie_decay[self.nbh]
                                                                               + m.tie_decay[other.nbh])
                tie.w = max(tie.w - loss, 0.0)
                if not tie.kin and tie.w < p.tie_drop_threshold:
                    del self.ties[other], other.ties[self]

    def informal_help(self) -> None:
        """Ask a tie for help (reluctance); as a carer, give the hours one's helpees need, and strain."""
        p, r = self.model.p, self.random
        level = self.need_level
        h = self.helper
        if h is not None and not (level >= 1 and h in self.ties and h.strain < 1):
            self.stop_being_helped()
        ask = p.ask_rate * (1 - self.reluctance) + p.prompted_ask * self.prompted
        if level >= 1 and self.helper is None and r.random() < ask:
            best, best_score = None, -1.0
            for other, tie in self.ties.items():
                if (other.need_level <= 1 and other.strain < p.carer_strain_limit
                        and other.care_given < p.carer_capacity_hours):
                    score = tie.w * (1 + p.care_talent_preference * other.talents[CARE_TALENT]) * r.random()
                    if score > best_score:
                        best, best_score = other, score
            if best is not None:
                self.helper = best
                best.helpees[self] = None
        self.prompted = False
        self.care_given = sum(p.help_hours[max(h.need_level - 1, 0)] for h in self.helpees)
        self.strain = min(max(self.strain + p.carer_strain_rate * self.care_given
                              - p.strain_recovery_rate * self.strain, 0.0), 1.0)
        if self.helper is not None and r.random() < p.informal_recovery_rate:
            self.recover()
        unmet = level >= 1 and self.helper is None and self.case_state != CASE_OPEN
        self.unmet_weeks = self.unmet_weeks + 1 if unmet else 0

    def stop_being_helped(self) -> None:
        """End the help this resident gets."""
        if self.helper is not None:
            self.helper.helpees.pop(self, None)
            self.helper = None

    def escalate_needs(self) -> None:
        """Unmet needs worsen; escalated needs reach the front desk (waiting list)."""
        p, r = self.model.p, self.random
        if self.unmet_weeks > 0 and r.random() < p.deterioration_rate:
            self.worsen(min(range(9), key=self.zrm.__getitem__))
        level = self.need_level
        if self.case_state == CASE_WAITING and level == 0:
            self.model.unlist(self)
        escalated = self.case_state == CASE_NONE and (
            (level >= 2 and self.unmet_weeks >= p.escalation_weeks) or level == 3)
        if escalated:
            ask = (p.formal_ask_rate * (1 - p.formal_reluctance * self.reluctance) * (0.5 + self.trust)
                   * (p.heavy_need_ask_factor if level == 3 else 1.0))
            if r.random() < ask:
                self.model.refer(self)

    def initiatives(self) -> None:
        """Found, join, leave, burn out, step up; volunteer (the resident part of ``initiative_lifecycle``)."""
        m, p, r = self.model, self.model.p, self.random
        ini, lev = m.inits, m.levers
        motivation, level = self.motivation, self.need_level
        if self.member_of < 0 and level <= 1 and self.talents[ORGANISING_TALENT]:
            chance = (p.founding_rate * motivation * (1 + (p.spotted_founding_factor - 1) * self.spotted)
                      * m.founding_support[self.nbh] * m.founding_room[self.nbh])
            if r.random() < chance:
                m.found(self)
        if self.member_of < 0 and level <= 2:
            recruiters = [other.member_of for other in self.ties if other.member_of >= 0]
            r.shuffle(recruiters)
            for k in recruiters:
                inclusion = lev.inclusion_demand[ini.nbh[k]]
                similar = 1.0 if self.similar_to(k) else inclusion + (1 - inclusion) / p.homophily
                room = min(max(1 - ini.n_members[k] / p.initiative_size[ini.kind[k]], 0.0), 1.0)
                if r.random() < p.recruit_rate * motivation * similar * room:
                    m.join(self, k)
                    break
        k = self.member_of
        if k >= 0 and not self.core:
            leave = (p.member_leave_rate * (2 - motivation) * (1 + (not self.similar_to(k)))
                     * (1 + m.mixed_share(k)) * (1 + m.without_place(k)))
            if r.random() < leave:
                m.leave(self)
        k = self.member_of
        if self.core:
            b = ini.nbh[k]
            admin = (p.initiative_admin_hours * lev.initiative_accountability[b]
                     * (p.grant_admin_factor if ini.grant_weeks_left[k] > 0 else 1.0) * (not ini.citizen_funded[k])
                     + p.inclusion_admin_hours * lev.inclusion_demand[b] - p.support_relief * ini.support_hours[k])
            load = (max(admin, 0.0) + p.core_hours * p.core_target) / max(ini.n_core[k], 1)
            if r.random() < p.burnout_rate * load:
                m.set_core(self, False)
                self.competence *= 1 - p.burnout_competence_loss
                m.counters.burnouts[self.nbh] += 1
                if r.random() < p.burnout_leave:
                    m.leave(self)
        k = self.member_of
        if k >= 0 and not self.core and ini.n_core[k] < p.core_target and ini.alive[k] and not ini.taken_over[k]:
            organiser = self.talents[ORGANISING_TALENT]
            if r.random() < p.step_up_rate * motivation * (1 + (p.organiser_step_up_factor - 1) * organiser):
                m.set_core(self, True)
        hours = p.core_hours if self.core else 0.0
        if self.member_of >= 0 and not self.core and r.random() < p.member_help_rate:
            hours += p.member_help_hours
        if r.random() < p.volunteer_rate * self.civic * motivation * (level <= 1):
            hours += p.volunteer_hours_elsewhere
        self.volunteer_hours = hours
        if hours > 0:
            self.last_volunteered = m.week

    def update_motivation(self) -> None:
        """Autonomy, competence and relatedness follow their targets; control crowds autonomy out."""
        m, p = self.model, self.model.p
        ini, lev = m.inits, m.levers
        k = self.member_of
        active = k >= 0
        control = 1.0 if active and ini.taken_over[k] else lev.control[self.nbh] * (1.0 if active else
                                                                                   p.control_felt_outside)
        supported = active and ini.support_hours[k] > 0
        self_funded = active and ini.citizen_funded[k]
        autonomy_t = p.autonomy_base - p.crowding * control + p.support_autonomy * (supported + self_funded)
        contributing = m.week - self.last_volunteered <= p.contribution_memory_weeks or self.care_given > 0
        competence_t = (p.competence_base + p.competence_contributing * contributing
                        + p.competence_per_talent * sum(self.talents)
                        - p.competence_problem_penalty * ((self.need_level >= 2) + self.strain))
        relatedness_t = 1 - self.lacking(p.relatedness_membership * active)
        rate = p.motivation_rate
        self.autonomy += rate * (min(max(autonomy_t, 0.0), 1.0) - self.autonomy)
        self.competence += rate * (min(max(competence_t, 0.0), 1.0) - self.competence)
        self.relatedness += rate * (min(max(relatedness_t, 0.0), 1.0) - self.relatedness)
        self.zrm[PARTICIPATION] = 2 + (m.week - self.last_volunteered < WEEKS_PER_YEAR) + active + self.core

    def update_loneliness(self) -> None:
        """De Jong Gierveld loneliness from the gap in good ties, living alone, and ties' loneliness."""
        p = self.model.p
        self.good_ties = sum(1 for tie in self.ties.values() if tie.w >= p.good_tie_threshold)
        close = sum(1 for tie in self.ties.values() if tie.w >= p.close_tie_threshold)
        belonging = p.belonging_engagement * self.engagement + p.belonging_membership * (self.member_of >= 0)
        social_t = 5 * self.lacking(belonging) + self.disp_s
        base = p.emotional_alone if self.alone else p.emotional_together
        emotional_t = base * (1 - p.confidant_protection * (1 - math.exp(-close / p.confidant_scale))) + self.disp_e
        total = self.lon_s + self.lon_e
        weight = {other: tie.w * (p.kin_contagion if tie.kin else 1.0) for other, tie in self.ties.items()}
        wsum = sum(weight.values())
        wtotal = sum((other.lon_s + other.lon_e) * w for other, w in weight.items())
        pull = p.contagion * ((wtotal / max(wsum, 1e-9) if wsum > 0 else total) - total)
        social_t = min(max(social_t + pull * 5 / 11, 0.0), 5.0)
        emotional_t = min(max(emotional_t + pull * 6 / 11, 0.0), 6.0)
        self.lon_s += p.loneliness_rate * (social_t - self.lon_s)
        self.lon_e += p.loneliness_rate * (emotional_t - self.lon_e)
        self.score = round(self.lon_s) + round(self.lon_e)
        self.zrm[SOCIAL_NETWORK] = min(max(1 + self.good_ties // 2, 1), 5)

    def update_trust(self) -> None:
        """Trust in the municipality follows experience: timely help, long waits, control, own budgets."""
        m, p = self.model, self.model.p
        active = self.member_of >= 0
        waiting_long = self.case_state == CASE_WAITING and m.week - self.case_since > p.long_wait_weeks
        own_budget = active and m.inits.citizen_funded[self.member_of]
        signal = (p.trust_base + p.trust_helped * (self.case_state == CASE_OPEN) - p.trust_waiting * waiting_long
                  - p.trust_control * m.levers.control[self.nbh] * active + p.trust_own_budget * own_budget)
        self.trust += p.trust_rate * (min(max(signal, 0.0), 1.0) - self.trust)


class ReferenceProfessional(Professional):
    """A professional whose clients are resident agents (the model's rules, see :class:`agents.Professional`)."""

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, nbh: int, role: str, fte: float) -> None:
        """Create a professional of ``role`` in neighbourhood ``nbh`` working ``fte``."""
        super().__init__(model, nbh=nbh, role=role, fte=fte)
        self.clients: dict[Resident, None] = {}
        self.demand = 0.0

    def step(self) -> None:
        """Split this week's hours and take new cases from the neighbourhood's waiting list."""
        m = self.model
        p, lev = m.p, m.levers
        budget = self.fte * p.hours_per_week
        acc = lev.accountability[self.nbh]
        protected = lev.protected_share[self.nbh] * budget
        demand = sum(c.case_hours for c in self.clients)
        admin = min(budget, acc * (self.fte * p.admin_base_hours + p.admin_per_case_hours * len(self.clients)))
        if self.does_casework:
            queue = m.queue[self.nbh]
            while queue:
                hours = queue[0].case_hours
                extra_admin = acc * p.admin_per_case_hours
                if demand + hours + admin + extra_admin + protected > budget:
                    break
                m.open_case(queue.popleft(), self)
                demand += hours
                admin += extra_admin
            self.casework = max(0.0, min(demand, budget - admin - protected))
        else:
            self.casework = 0.0
        self.demand = demand
        self.admin = admin
        self.community = budget - admin - self.casework

    def do_casework(self) -> None:
        """Clients recover in proportion to the casework they get; recovered cases close."""
        m, p = self.model, self.model.p
        adequacy = min(1.0, self.casework / max(self.demand, 1e-9))
        for client in list(self.clients):
            if self.random.random() < p.casework_recovery_rate * adequacy:
                client.recover()
            if client.need_level <= 1:
                m.close_case(client)


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
        self.p, self.week = city.p, city.week
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
            ref = ReferenceProfessional(self, nbh=pro.nbh, role=pro.role, fte=pro.fte)
            ref.idx, ref.casework, ref.admin, ref.community = pro.idx, pro.casework, pro.admin, pro.community
            self.professionals.append(ref)
        for res, prof in zip(self.residents_list, city.pop.case_prof.tolist(), strict=True):
            if res.case_state == CASE_OPEN:
                res.case_prof = self.professionals[prof]
                res.case_prof.clients[res] = None
        self.pro_nbh = city.pro_nbh.copy()
        self.team_fte = city.team_fte.copy()

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
        self._community_work()
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
            if not pro.does_casework:
                for client in list(pro.clients):  # a redeployment ended: cases go back to the waiting list
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
        ini.support_hours[:] = 0
        for b in range(self.n_nbh):
            residents = self.by_nbh[b]
            inits_b = np.flatnonzero(ini.alive & ~ini.taken_over & (ini.nbh == b)).tolist()
            lonely = [res for res in residents if res.score >= LONELY]
            k = rng.poisson(hours[b, 0] * p.introductions_per_hour)
            if k and lonely:
                for res in r.sample(lonely, min(k, len(lonely))):
                    if inits_b and res.member_of < 0:
                        self.join(res, r.choice(inits_b))
                    elif not inits_b:
                        res.tie_to(self.similar_neighbour(res), p.introduction_strength, False)
                    res.prompted = True
            if inits_b:
                ini.support_hours[inits_b] = hours[b, 1] / len(inits_b)
            k = rng.poisson(hours[b, 2] * p.spotting_per_hour)
            for res in r.sample(residents, min(k, len(residents))):
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
        res.civic = r.betavariate(*p.civic_beta)
        res.lon_s = res.lon_e = res.care_given = res.strain = res.volunteer_hours = res.engagement = 0.0
        res.score = res.unmet_weeks = res.case_since = res.good_ties = 0
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
        ini.grant_weeks_left[k] = p.grant_weeks if (citizen or r.random() < lev.grant_prob[b]) else 0
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
        return {"waiting_per_team_fte": np.divide(waiting, fte, out=np.zeros(self.n_nbh), where=fte > 0),
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
