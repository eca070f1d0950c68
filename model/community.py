"""The community-vitality model: a Dutch city of residents, professionals and a municipality."""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from agents import Initiative, MeetingPlace, Municipality, Professional, Resident
from model import metrics, submodels
from model.interventions import Intervention
from model.levers import Levers
from model.network import TieNetwork
from model.parameters import AGE_GROUPS, TALENTS, ZRM_DOMAINS, Parameters
from model.state import CASE_NONE, CASE_WAITING, NO, Initiatives, Places, Population
from model.steering import SteeringMode, make_steering

WEEKS_PER_YEAR = 52


class CommunityModel(mesa.Model):
    """Agent-based model of community strength, loneliness and casework load.

    One step is one week. The order of one step, each a submodel named in
    ``docs/ODD.md`` (section 7) and defined in :mod:`model.submodels` unless noted:

    1. ``steer`` - the municipality's steering mode sets this week's levers
       (:meth:`agents.Municipality.step`).
    2. ``apply_interventions`` - active interventions adjust levers and state.
    3. ``life_events`` - turnover, household changes, ZRM shocks, own recovery.
    4. ``fund_meeting_places`` - funding and closure of meeting places.
    5. ``visit_venues`` - who visits a meeting place or attends an initiative.
    6. ``form_ties`` - encounters at venues start and strengthen ties (homophily).
    7. ``maintain_ties`` - contact along ties; decay, dissolution, withdrawal.
    8. ``informal_help`` - people in need ask their own ties; carers help and strain.
    9. ``escalate_needs`` - unmet needs worsen and reach the front desk.
    10. ``allocate_professional_time`` - each professional splits the week's hours
        over casework, administration and community work and takes new cases
        (:meth:`agents.Professional.step`).
    11. ``casework`` - open cases recover and close.
    12. ``community_work`` - connecting, initiative support, talent spotting, outreach.
    13. ``initiative_lifecycle`` - founding, recruiting, burnout, grants, takeover, ending;
        volunteering.
    14. ``update_motivation`` - autonomy, competence, relatedness; motivation crowding.
    15. ``update_loneliness`` - De Jong Gierveld score from the gap in good ties, contagion.
    16. ``update_trust`` - trust in the municipality.
    17. ``collect`` - the week's outputs per neighbourhood and city-wide.

    The weekly event counters (foundings, referrals, costs, ...) start from zero at the beginning
    of each week. Before week 0 the city runs ``burn_in_years`` under ``burn_in_steering``
    (today's steering) without recording, so that week 0 is a settled city, not the synthetic
    start; week 0 shows the events of the last burn-in week.

    Levers (steering mode, meeting-place funding, the professionals' time rule) live
    in model state and can change mid-run: see :meth:`set_steering_mode` and
    :meth:`add_intervention`.
    """

    def __init__(self, params: Parameters | None = None, seed: int = 0,
                 interventions: list[Intervention] | None = None) -> None:
        """Build the city and let it settle during the burn-in.

        Args:
            params: The parameters; the schema defaults when omitted.
            seed: Seed of the random number generator (same seed, same run).
            interventions: Timed interventions to apply during the run (from week 0 on).
        """
        super().__init__(rng=seed)
        self.p = params or Parameters()
        self.seed = seed
        burn_in = round(self.p.burn_in_years * WEEKS_PER_YEAR)
        self.week = -burn_in
        self._build_neighbourhoods()
        self.pop = self._build_population()
        self.net = self._build_network()
        self.places = self._build_places()
        self.inits = Initiatives.empty(max(8, int(self.p.max_initiatives_per_1000 * self.p.n_residents / 1000)))
        self.levers = Levers.empty(self.n_nbh)
        self.counters = metrics.WeeklyCounters.zeros(self.n_nbh)
        self.community_hours = np.zeros((self.n_nbh, 4))
        self.recorder: metrics.Recorder | None = None

        Resident.create_agents(self, len(self.pop), idx=np.arange(len(self.pop)))
        MeetingPlace.create_agents(self, len(self.places), idx=np.arange(len(self.places)))
        Initiative.create_agents(self, len(self.inits), idx=np.arange(len(self.inits)))
        self.professionals = self._build_professionals()
        self.municipality = Municipality(self)
        self.interventions: list[Intervention] = []
        for iv in interventions or []:
            self.add_intervention(iv)

        self.steering: SteeringMode = make_steering(self.p.burn_in_steering if burn_in else self.p.steering_mode)
        self.steering.start(self)
        submodels.steer(self)
        submodels.settle(self)
        for _ in range(burn_in):
            self._simulate_week()
        if burn_in:
            self.set_steering_mode(self.p.steering_mode)
        self.recorder = metrics.Recorder(self)

    # ------------------------------------------------------------------ set-up
    def _build_neighbourhoods(self) -> None:
        names = [n for n, a in self.p.archetypes.items() if a.share > 0]
        k = self.p.neighbourhoods_per_archetype
        self.nbh_archetype = np.array([n for n in names for _ in range(k)], dtype=object)
        self.nbh_names = np.array([f"{n}_{i + 1}" if k > 1 else n for n in names for i in range(k)], dtype=object)
        self.n_nbh = len(self.nbh_names)
        shares = np.array([self.p.archetypes[n].share for n in self.nbh_archetype])
        sizes = np.floor(shares / shares.sum() * self.p.n_residents).astype(int)
        sizes[: self.p.n_residents - sizes.sum()] += 1
        self.nbh_size = sizes
        density = np.array([self.p.archetypes[a].density for a in self.nbh_archetype])
        self.tie_decay = self.p.tie_decay * density ** self.p.density_decay  # non-kin, per neighbourhood
        # Residents are stored by neighbourhood and keep it (a newcomer takes a leaver's place).
        self.nbh_start = np.concatenate([[0], np.cumsum(sizes)])

    def _build_population(self) -> Population:
        p = self.p
        nbh = np.repeat(np.arange(self.n_nbh), self.nbh_size)
        arch = [p.archetypes[a] for a in self.nbh_archetype]
        # Chance of living alone per neighbourhood and age group; household changes keep it
        # stationary (life_events), because the model has no ageing.
        self.alone_p = np.clip(np.array([a.alone_share for a in arch])[:, None]
                               * np.array(p.alone_age_factor)[None, :], 0.01, 0.99)
        shares = np.array([a.age_shares for a in arch])
        # Newcomers replace leavers of their age, so the age structure stays the archetype's (no ageing):
        # ages of newcomers are in proportion to age share x turnover rate.
        inflow = shares * np.array(p.turnover_rate)[None, :]
        self.age_cdf = {False: np.cumsum(shares, axis=1),
                        True: np.cumsum(inflow / np.maximum(inflow.sum(axis=1, keepdims=True), 1e-300), axis=1)}
        return Population(nbh=nbh, **self._draw_residents(nbh, newcomers=False))

    def _draw_residents(self, nbh: np.ndarray, newcomers: bool) -> dict[str, np.ndarray]:
        """Draw residents living in neighbourhoods ``nbh``: the initial population, or newcomers."""
        p, rng = self.p, self.rng
        n = len(nbh)
        arch = [p.archetypes[a] for a in self.nbh_archetype]
        age = (rng.random(n)[:, None] > self.age_cdf[newcomers][nbh]).sum(axis=1).clip(0, 3).astype(np.int8)
        alone = rng.random(n) < self.alone_p[nbh, age]
        low_income = rng.random(n) < np.array([a.low_income_share for a in arch])[nbh]
        vulnerability = np.clip(rng.beta(*p.vulnerability_beta, n) + p.vulnerability_low_income * low_income
                                + p.vulnerability_75plus * (age == 3), 0, 1)
        chronic = (age == 3) & (rng.random(n) < p.chronic_share_75plus)
        talents = rng.random((n, len(TALENTS))) < np.array(p.talent_prevalence)
        zrm = np.full((n, len(ZRM_DOMAINS)), 5, dtype=np.int8, order="F")  # column-major: see Population.zrm
        # Problems to start with, more for the vulnerable (as life events: life_events).
        proneness = 1 + (p.vulnerability_shock_factor - 1) * vulnerability
        for level, base in zip((4, 3, 2, 1), p.initial_problem_rates, strict=True):
            hit = rng.random((n, 9)) < base * proneness[:, None]
            zrm[:, :9] = np.where(hit, np.minimum(zrm[:, :9], level), zrm[:, :9])
        zrm[chronic, submodels.DAILY_LIVING] = np.minimum(zrm[chronic, submodels.DAILY_LIVING], 2)
        # One disposition to loneliness shared by both subscales plus a part of each their own.
        shared = rng.normal(0, 1, n)
        rho = p.disposition_correlation
        disp_s = p.disposition_sd * (math.sqrt(rho) * shared + math.sqrt(1 - rho) * rng.normal(0, 1, n))
        disp_e = p.disposition_sd * (math.sqrt(rho) * shared + math.sqrt(1 - rho) * rng.normal(0, 1, n))
        z = np.zeros(n)
        half = np.full(n, 0.5)
        return dict(
            age=age, alone=alone, low_income=low_income, vulnerability=vulnerability,
            chronic=chronic, talents=talents, zrm=zrm,
            reluctance=np.clip(rng.normal(p.reluctance_mean, p.reluctance_sd, n), 0, 1),
            disp_s=disp_s, disp_e=disp_e,
            lon_s=z.copy(), lon_e=z.copy(), score=np.zeros(n, dtype=np.int8),
            # Motivation and trust start neutral and settle to their targets (submodels.settle).
            autonomy=half.copy(), competence=half.copy(), relatedness=half.copy(), trust=half.copy(),
            civic=rng.beta(*p.civic_beta, n),
            member_of=np.full(n, NO), core=np.zeros(n, bool),
            helper=np.full(n, NO), care_given=z.copy(), strain=z.copy(), unmet_weeks=np.zeros(n, np.int64),
            case_state=np.zeros(n, np.int8), case_prof=np.full(n, NO), case_since=np.zeros(n, np.int64),
            last_volunteered=np.full(n, np.iinfo(np.int64).min // 2),
            volunteer_hours=z.copy(), visited=np.full(n, NO), engagement=z.copy(),
            prompted=np.zeros(n, bool), spotted=np.zeros(n, bool), good_ties=np.zeros(n, np.int64),
        )

    def _build_network(self) -> TieNetwork:
        """Homophilous initial ties: near neighbours in (neighbourhood, age, income) order, plus random ones."""
        p, rng, pop = self.p, self.rng, self.pop
        n = len(pop)
        net = TieNetwork(n)
        order = np.lexsort((rng.random(n), pop.low_income, pop.age, pop.nbh))
        pos = np.empty(n, dtype=np.int64)
        pos[order] = np.arange(n)
        lo, hi = self.nbh_start[pop.nbh], self.nbh_start[pop.nbh + 1]
        src = np.repeat(np.arange(n), rng.poisson(p.initial_ties / 2, n))
        m = len(src)
        span = np.maximum(hi[src] - lo[src], 1)
        # Similar residents sit close together in this order, so near ranks make clustered, homophilous ties.
        near = rng.geometric(1 / p.similar_tie_span, m) * rng.choice((-1, 1), m)
        target_pos = np.where(rng.random(m) < p.similar_tie_share,
                              lo[src] + (pos[src] - lo[src] + near) % span,
                              lo[src] + rng.integers(0, span))
        cross = rng.random(m) < p.cross_neighbourhood_share
        target_pos[cross] = rng.integers(0, n, cross.sum())
        dst = order[target_pos]
        kin = rng.random(m) < p.kin_share
        w = np.where(kin, rng.uniform(*p.kin_strength, m), rng.uniform(*p.friend_strength, m))
        net.add(src, dst, w, kin, self.is_bridging(src, dst))
        return net

    def _build_places(self) -> Places:
        """Whole meeting places per neighbourhood whose capacity together is exactly what ``places_per_10k`` gives.

        A small neighbourhood gets one place with part of the capacity, so a city of any size has the
        same capacity per resident.
        """
        exact = np.array([self.p.archetypes[a].places_per_10k * s / 10_000
                          for a, s in zip(self.nbh_archetype, self.nbh_size, strict=True)])
        counts = np.where(exact > 0, np.maximum(1, np.round(exact)), 0).astype(int)
        nbh = np.repeat(np.arange(self.n_nbh), counts)
        k = len(nbh)
        capacity = np.repeat(self.p.place_capacity * exact / np.maximum(counts, 1), counts)
        return Places(nbh=nbh, capacity=capacity,
                      subsidy_share=np.ones(k), funding=np.ones(k), underfunded_weeks=np.zeros(k, np.int64),
                      open=np.ones(k, bool), visits=np.zeros(k, np.int64))

    def _build_professionals(self) -> list[Professional]:
        """Staff each neighbourhood with its exact FTE: whole-time professionals and one part-timer."""
        pros = []
        for b in range(self.n_nbh):
            for role, per_1000 in (("district_team", self.p.team_per_1000),
                                   ("community_builder", self.p.builders_per_1000)):
                fte = per_1000 * self.nbh_size[b] / 1000
                whole = int(fte)
                parts = [1.0] * whole + ([fte - whole] if fte - whole > 1e-9 else [])
                pros += [Professional(self, nbh=b, role=role, fte=f) for f in parts]
        for i, pro in enumerate(pros):
            pro.idx = i
        self.pro_nbh = np.array([pro.nbh for pro in pros], dtype=np.int64)
        self.pro_fte = np.array([pro.fte for pro in pros])
        self.pro_team = np.array([pro.role == "district_team" for pro in pros], dtype=bool)
        self.team_fte = np.bincount(self.pro_nbh, self.pro_fte * self.pro_team, minlength=self.n_nbh)
        self.pro_hours = np.zeros((len(pros), 3))
        return pros

    # ------------------------------------------------------------------ helpers of the submodels
    def is_bridging(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Tell which pairs differ in age group or income, or live in different neighbourhoods."""
        pop = self.pop
        return (pop.age[i] != pop.age[j]) | (pop.low_income[i] != pop.low_income[j]) | (pop.nbh[i] != pop.nbh[j])

    def similar_neighbour(self, who: np.ndarray) -> np.ndarray:
        """For each resident in ``who``, a neighbour of the same age group and income, if one is found quickly.

        Looks at ``similar_search`` random residents of the same neighbourhood and takes the first
        who matches both, else the first of the same age group, else the first one looked at.
        """
        pop = self.pop
        lo = self.nbh_start[pop.nbh[who]]
        size = self.nbh_size[pop.nbh[who]]
        cand = lo[:, None] + (self.rng.random((len(who), self.p.similar_search)) * size[:, None]).astype(np.int64)
        same_age = pop.age[cand] == pop.age[who][:, None]
        same = same_age & (pop.low_income[cand] == pop.low_income[who][:, None])
        pick = np.where(same.any(axis=1), same.argmax(axis=1), same_age.argmax(axis=1))
        return cand[np.arange(len(who)), pick]

    def refer(self, who: np.ndarray) -> None:
        """Put residents without a case on the waiting list of their neighbourhood's team."""
        who = who[self.pop.case_state[who] == CASE_NONE]
        self.pop.case_state[who] = CASE_WAITING
        self.pop.case_since[who] = self.week
        self.counters.referrals += np.bincount(self.pop.nbh[who], minlength=self.n_nbh)

    def replace_residents(self, who: np.ndarray) -> None:
        """Residents who left (moved or died) are replaced by newcomers with fresh state.

        A newcomer keeps the neighbourhood, is drawn like the initial population there (its age
        in proportion to leavers', so the age structure holds) and arrives with ``newcomer_ties``
        ties: kin elsewhere in the city and similar neighbours.
        """
        p, rng, pop = self.p, self.rng, self.pop
        fresh = self._draw_residents(pop.nbh[who], newcomers=True)
        left = np.zeros(len(pop), dtype=bool)
        left[who] = True
        pop.helper[(pop.helper >= 0) & left[pop.helper]] = NO  # helper NO (-1) reads left[-1], masked out
        for name, values in fresh.items():
            getattr(pop, name)[who] = values
        src = np.repeat(who, rng.poisson(p.newcomer_ties, len(who)))
        kin = rng.random(len(src)) < p.kin_share
        dst = np.where(kin, rng.integers(0, len(pop), len(src)), self.similar_neighbour(src))
        w = np.where(kin, rng.uniform(*p.kin_strength, len(src)), rng.uniform(*p.friend_strength, len(src)))
        self.net.replace(who, src, dst, w, kin, self.is_bridging(src, dst))  # leavers' ties end, newcomers' start

    def grow_initiative_agents(self) -> None:
        """Create Initiative agents for slots added by :meth:`model.state.Initiatives.grow`."""
        have = len(self.agents_by_type[Initiative])
        new = np.arange(have, len(self.inits))
        Initiative.create_agents(self, len(new), idx=new)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one week (Mesa's step; the burn-in runs the same week without Mesa's clock)."""
        self._simulate_week()

    def _simulate_week(self) -> None:
        """One week, in the order given in the class docstring."""
        self.counters.reset()
        submodels.steer(self)
        submodels.apply_interventions(self)
        submodels.life_events(self)
        submodels.fund_meeting_places(self)
        venues = submodels.visit_venues(self)
        submodels.form_ties(self, venues)
        submodels.maintain_ties(self)
        submodels.informal_help(self)
        submodels.escalate_needs(self)
        submodels.allocate_professional_time(self)
        submodels.casework(self)
        submodels.community_work(self)
        submodels.initiative_lifecycle(self)
        submodels.update_motivation(self)
        submodels.update_loneliness(self)
        submodels.update_trust(self)
        self.week += 1
        submodels.collect(self)

    # ------------------------------------------------------------------ running
    def run_weeks(self, weeks: int) -> CommunityModel:
        """Run ``weeks`` weekly steps and return the model."""
        self.run_for(weeks)
        return self

    def run_years(self, years: float) -> CommunityModel:
        """Run ``years`` years of weekly steps and return the model."""
        return self.run_weeks(round(years * WEEKS_PER_YEAR))

    # ------------------------------------------------------------------ levers
    def set_steering_mode(self, name: str) -> None:
        """Switch the municipality's steering mode now (its levers hold from the next step).

        Raises:
            KeyError: No steering mode has that name.
        """
        self.steering = make_steering(name)
        self.steering.start(self)
        submodels.steer(self)

    def add_intervention(self, intervention: Intervention) -> None:
        """Add a timed intervention (its start week may be the current week)."""
        self.interventions.append(intervention)

    # ------------------------------------------------------------------ observing
    @property
    def residents(self) -> mesa.agent.AgentSet:
        """The residents as Mesa agents."""
        return self.agents_by_type[Resident]

    @property
    def initiatives(self) -> list[Initiative]:
        """The initiatives alive now, as Mesa agents."""
        return [a for a in self.agents_by_type.get(Initiative, []) if self.inits.alive[a.idx]]

    def observe_neighbourhoods(self) -> dict[str, np.ndarray]:
        """Return what the municipality sees per neighbourhood (used by the layered mode)."""
        return metrics.observe(self)

    def city_frame(self) -> pd.DataFrame:
        """City-wide outputs, one row per week (week 0 is the state after the burn-in)."""
        return self.recorder.city_frame()

    def neighbourhood_frame(self) -> pd.DataFrame:
        """Return the outputs per neighbourhood, one row per week and neighbourhood."""
        return self.recorder.neighbourhood_frame()

    def network_graph(self, residents: np.ndarray | None = None) -> nx.Graph:
        """Return the social network (or the part among ``residents``) as a networkx graph."""
        g = self.net.to_networkx(residents)
        pop = self.pop
        for node in g.nodes:
            g.nodes[node].update(neighbourhood=self.nbh_names[pop.nbh[node]], age_group=AGE_GROUPS[pop.age[node]],
                                 loneliness=int(pop.score[node]))
        return g


__all__ = ["WEEKS_PER_YEAR", "CommunityModel"]
