"""The agents of the idiomatic-Mesa reference (``benchmarks/reference.py``): residents that hold their own state.

A :class:`Resident` keeps its state and its ties (a dict from the other resident to a shared
:class:`Tie`) and does its part of every resident submodel in :meth:`Resident.step`;
:class:`ReferenceProfessional` splits its week and works its cases with the model's rules.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from agents import Professional
from model.core.state import (
    CARE_TALENT,
    CASE_NONE,
    CASE_OPEN,
    CASE_WAITING,
    DAILY_LIVING,
    LONELY,
    ORGANISING_TALENT,
    PARTICIPATION,
    PHYSICAL,
    SOCIAL_NETWORK,
)
from model.core.time import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from reference import ReferenceModel

NEVER = -(2**62)  # week of the last volunteering of someone who never volunteered


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
        """The nine life-domain scores, a chronic floor read as 6 (``submodels.helpers.recoverable_value``)."""
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
                 * (p.shock_factor_75plus if self.age == 3 else 1.0)
                 * (p.lonely_shock_factor if self.score >= LONELY else 1.0))
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
                    self.ties_lost += 1
                    other.ties_lost += 1

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
                if other.free_to_help():
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
        """Unmet needs worsen, waits are given up, acute needs left alone become crises, needs reach the front desk."""
        m, p, r = self.model, self.model.p, self.random
        if self.unmet_weeks > 0 and r.random() < p.deterioration_rate:
            self.worsen(min(range(9), key=self.zrm.__getitem__))
        level = self.need_level
        if self.case_state == CASE_WAITING and r.random() < p.renege_rate * (1.5 - self.trust):
            m.unlist(self)
            self.unmet_weeks = 0
            m.counters.reneged[self.nbh] += 1
        if level == 3 and self.case_state != CASE_OPEN and self.helper is None and r.random() < p.crisis_rate:
            m.open_at_once(self)
            m.counters.crises[self.nbh] += 1
        if self.case_state == CASE_WAITING and level == 0:
            m.unlist(self)
        escalated = self.case_state == CASE_NONE and (
            (level >= 2 and self.unmet_weeks >= p.escalation_weeks) or level == 3)
        if escalated:
            ask = (p.formal_ask_rate * (1 - p.formal_reluctance * self.reluctance) * (0.5 + self.trust)
                   * (p.heavy_need_ask_factor if level == 3 else 1.0))
            if r.random() < ask and not m.divert(self, level):
                m.refer(self)

    def free_to_help(self) -> bool:
        """A light need at most, strength left and hours to spare (``submodels.helpers.free_to_help``)."""
        p = self.model.p
        return (self.need_level <= 1 and self.strain < p.carer_strain_limit
                and self.care_given < p.carer_capacity_hours)

    def initiatives(self) -> None:
        """Found, join, leave, burn out, step up; volunteer (the resident part of ``initiative_lifecycle``)."""
        m, p, r = self.model, self.model.p, self.random
        ini, lev = m.inits, m.levers
        motivation, level = self.motivation, self.need_level
        if self.member_of < 0 and level <= 1 and self.talents[ORGANISING_TALENT]:
            chance = (p.founding_rate * motivation * (1 + (p.spotted_founding_factor - 1) * self.spotted)
                      * m.founding_support[self.nbh] * m.founding_room[self.nbh]
                      * (p.low_income_civic_factor if self.low_income else 1.0))
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
    """A professional whose clients are resident agents (the model's rules, see :class:`agents.Professional`).

    It keeps its week's hours as its own attributes (the model's agents read theirs from the model's arrays).
    """

    model: ReferenceModel
    casework = admin = community = bemoeizorg = 0.0

    def __init__(self, model: ReferenceModel, nbh: int, role: str, fte: float, hired: bool) -> None:
        """Create a professional of ``role`` in neighbourhood ``nbh`` working ``fte`` (``hired``: temporary post)."""
        super().__init__(model, nbh=nbh, role=role, fte=fte, hired=hired)
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
            outreach = lev.bemoeizorg_share[self.nbh] * max(0.0, budget - admin - protected)
            queue = m.queue[self.nbh]
            while queue:
                hours = queue[0].case_hours
                extra_admin = acc * p.admin_per_case_hours
                if demand + hours + admin + extra_admin + protected + outreach > budget:
                    break
                m.open_case(queue.popleft(), self)
                demand += hours
                admin += extra_admin
            self.bemoeizorg = min(outreach, max(0.0, budget - admin - protected))
            self.casework = max(0.0, min(demand, budget - admin - protected - self.bemoeizorg)) + self.bemoeizorg
        else:
            self.bemoeizorg = self.casework = 0.0
        self.demand = demand
        self.admin = admin
        self.community = max(0.0, budget - admin - self.casework)

    def do_casework(self) -> None:
        """Clients recover in proportion to the casework they get; recovered cases close."""
        m, p = self.model, self.model.p
        adequacy = min(1.0, (self.casework - self.bemoeizorg) / max(self.demand, 1e-9))
        for client in list(self.clients):
            if self.random.random() < p.casework_recovery_rate * adequacy:
                client.recover()
            if client.need_level <= 1:
                m.close_case(client)
