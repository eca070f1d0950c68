"""The community-vitality model: a Dutch city of residents, professionals and a municipality."""

from __future__ import annotations

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
from model.state import CASE_NONE, CASE_OPEN, CASE_WAITING, NO, Initiatives, Places, Population
from model.steering import SteeringMode, make_steering

WEEKS_PER_YEAR = 52


class CommunityModel(mesa.Model):
    """Agent-based model of community strength, loneliness and casework load.

    One step is one week. The order of one step, each a submodel named in
    ``docs/ODD.md`` (section 7) and defined in :mod:`model.submodels` unless noted:

    1. ``steer`` - the municipality's steering mode sets this week's levers
       (:meth:`agents.Municipality.step`).
    2. ``apply_interventions`` - active interventions adjust levers and state.
    3. ``life_events`` - turnover, partner loss and gain, ZRM shocks, own recovery.
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

    Levers (steering mode, meeting-place funding, the professionals' time rule) live
    in model state and can change mid-run: see :meth:`set_steering_mode` and
    :meth:`add_intervention`.
    """

    def __init__(self, params: Parameters | None = None, seed: int = 0,
                 interventions: list[Intervention] | None = None) -> None:
        """Build the city.

        Args:
            params: The parameters; the schema defaults when omitted.
            seed: Seed of the random number generator (same seed, same run).
            interventions: Timed interventions to apply during the run.
        """
        super().__init__(rng=seed)
        self.p = params or Parameters()
        self.seed = seed
        self.week = 0
        self._build_neighbourhoods()
        self.pop = self._build_population()
        self.net = self._build_network()
        self.places = self._build_places()
        self.inits = Initiatives.empty(max(8, int(self.p.max_initiatives_per_1000 * self.p.n_residents / 1000)))
        self.inits.place[:] = NO
        self.levers = Levers.empty(self.n_nbh)
        self.counters = metrics.WeeklyCounters.zeros(self.n_nbh)
        self.community_hours = np.zeros((self.n_nbh, 4))

        Resident.create_agents(self, len(self.pop), idx=np.arange(len(self.pop)))
        MeetingPlace.create_agents(self, len(self.places), idx=np.arange(len(self.places)))
        Initiative.create_agents(self, len(self.inits), idx=np.arange(len(self.inits)))
        self.professionals = self._build_professionals()
        self.municipality = Municipality(self)
        self.steering: SteeringMode = make_steering(self.p.steering_mode)
        self.steering.start(self)
        self.interventions: list[Intervention] = []
        for iv in interventions or []:
            self.add_intervention(iv)

        submodels.steer(self)
        submodels.update_loneliness(self, settle=True)
        self._initial_cases()
        self.counters.reset()
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

    def _build_population(self) -> Population:
        nbh = np.repeat(np.arange(self.n_nbh), self.nbh_size)
        return Population(nbh=nbh, **self._build_population_rows(nbh))

    def _build_population_rows(self, nbh: np.ndarray) -> dict[str, np.ndarray]:
        """Draw residents living in neighbourhoods ``nbh`` (initial population and newcomers alike)."""
        p, rng = self.p, self.rng
        n = len(nbh)
        arch = [p.archetypes[a] for a in self.nbh_archetype]
        age_cdf = np.cumsum(np.array([a.age_shares for a in arch]), axis=1)[nbh]
        age = (rng.random(n)[:, None] > age_cdf).sum(axis=1).clip(0, 3).astype(np.int8)
        alone_p = np.array([a.alone_share for a in arch])[nbh]
        # Living alone rises with age (CBS households): scale the archetype share by age group.
        alone = rng.random(n) < np.clip(alone_p * np.array([1.1, 0.7, 0.9, 1.7])[age], 0, 0.95)
        low_income = rng.random(n) < np.array([a.low_income_share for a in arch])[nbh]
        vulnerability = np.clip(rng.beta(2, 6, n) + 0.25 * low_income + 0.1 * (age == 3), 0, 1)
        chronic = (age == 3) & (rng.random(n) < p.chronic_share_75plus)
        # Talent prevalence is an assumption (every resident has something to offer in some domain).
        talents = rng.random((n, len(TALENTS))) < np.array([0.35, 0.45, 0.15, 0.25, 0.25])
        zrm = np.full((n, len(ZRM_DOMAINS)), 5, dtype=np.int8)
        # Initial problems: some life domains below 5, more for the vulnerable.
        for level, base in ((4, 0.25), (3, 0.05), (2, 0.015), (1, 0.004)):
            hit = rng.random((n, 9)) < base * (0.5 + 2 * vulnerability[:, None])
            zrm[:, :9] = np.where(hit, np.minimum(zrm[:, :9], level), zrm[:, :9])
        zrm[chronic, 7] = np.minimum(zrm[chronic, 7], 2)
        z = np.zeros(n)
        never = np.iinfo(np.int64).min // 2
        return dict(
            age=age, partner=~alone, low_income=low_income, vulnerability=vulnerability,
            chronic=chronic, talents=talents, zrm=zrm,
            reluctance=np.clip(rng.normal(p.reluctance_mean, 0.2, n), 0, 1),
            disp_s=rng.normal(0, p.disposition_sd, n), disp_e=rng.normal(0, p.disposition_sd, n),
            lon_s=z.copy(), lon_e=z.copy(), score=np.zeros(n, dtype=np.int8),
            autonomy=np.full(n, 0.7), competence=np.clip(rng.normal(0.6, 0.1, n), 0, 1),
            relatedness=np.full(n, 0.6), trust=np.clip(rng.normal(0.5, 0.15, n), 0, 1),
            civic=rng.beta(0.35, 0.65, n),
            member_of=np.full(n, NO), core=np.zeros(n, bool),
            helper=np.full(n, NO), care_given=z.copy(), strain=z.copy(), unmet_weeks=np.zeros(n, np.int64),
            case_state=np.zeros(n, np.int8), case_prof=np.full(n, NO), case_since=np.zeros(n, np.int64),
            # Some residents volunteered in the year before they enter the model.
            last_volunteered=np.where(rng.random(n) < 0.4, self.week - rng.integers(1, 52, n), never),
            volunteer_hours=z.copy(), visited=np.full(n, NO), engagement=z.copy(),
            prompted=np.zeros(n, bool), spotted=np.zeros(n, bool), good_ties=np.zeros(n, np.int64),
        )

    def _build_network(self) -> TieNetwork:
        """Homophilous initial ties: near neighbours in (neighbourhood, age, income) order, plus random bridges."""
        p, rng, pop = self.p, self.rng, self.pop
        n = len(pop)
        net = TieNetwork(n)
        order = np.lexsort((rng.random(n), pop.low_income, pop.age, pop.nbh))
        pos = np.empty(n, dtype=np.int64)
        pos[order] = np.arange(n)
        starts = np.concatenate([[0], np.cumsum(self.nbh_size)])
        lo, hi = starts[pop.nbh], starts[pop.nbh + 1]
        k = rng.poisson(p.initial_ties / 2, n)
        src = np.repeat(np.arange(n), k)
        m = len(src)
        span = np.maximum(hi[src] - lo[src], 1)
        near = rng.geometric(0.06, m) * rng.choice((-1, 1), m)
        target_pos = np.where(rng.random(m) < 0.7,
                              lo[src] + (pos[src] - lo[src] + near) % span,
                              lo[src] + rng.integers(0, span))
        # A few ties reach other neighbourhoods (family and friends elsewhere in the city).
        cross = rng.random(m) < 0.08
        target_pos[cross] = rng.integers(0, n, cross.sum())
        dst = order[target_pos]
        kin = rng.random(m) < p.kin_share
        w = np.where(kin, rng.uniform(0.55, 1.0, m), rng.uniform(0.15, 0.85, m))
        net.add(src, dst, w, kin, self.is_bridging(src, dst))
        return net

    def _build_places(self) -> Places:
        counts = [max(1, round(self.p.archetypes[a].places_per_10k * s / 10_000))
                  for a, s in zip(self.nbh_archetype, self.nbh_size, strict=True)]
        nbh = np.repeat(np.arange(self.n_nbh), counts)
        k = len(nbh)
        return Places(nbh=nbh, capacity=np.full(k, self.p.place_capacity, dtype=np.int64),
                      subsidy_share=np.ones(k), funding=np.ones(k), underfunded_weeks=np.zeros(k, np.int64),
                      open=np.ones(k, bool), visits=np.zeros(k, np.int64))

    def _build_professionals(self) -> list[Professional]:
        pros = []
        for b in range(self.n_nbh):
            size = self.nbh_size[b]
            team = max(1, round(self.p.team_per_1000 * size / 1000))
            builders = max(1, round(self.p.builders_per_1000 * size / 1000))
            pros += [Professional(self, nbh=b, role="district_team") for _ in range(team)]
            pros += [Professional(self, nbh=b, role="community_builder") for _ in range(builders)]
        for i, pro in enumerate(pros):
            pro.idx = i
        self.pro_nbh = np.array([pro.nbh for pro in pros])
        return pros

    def _initial_cases(self) -> None:
        """Residents with moderate or heavy needs start as open cases, as far as the teams have room."""
        pop = self.pop
        need = np.flatnonzero((pop.need_level >= 2) & (self.rng.random(len(pop)) < 0.6))
        pop.case_state[need] = CASE_WAITING
        pop.case_since[need] = -self.rng.integers(0, 26, len(need))
        submodels.allocate_professional_time(self)
        pop.case_state[pop.case_state == CASE_WAITING] = CASE_NONE

    # ------------------------------------------------------------------ helpers of the submodels
    def is_bridging(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """True for pairs that differ in age group or income, or live in different neighbourhoods."""
        pop = self.pop
        return (pop.age[i] != pop.age[j]) | (pop.low_income[i] != pop.low_income[j]) | (pop.nbh[i] != pop.nbh[j])

    def refer(self, who: np.ndarray) -> None:
        """Put residents without a case on the waiting list of their neighbourhood's team."""
        who = who[self.pop.case_state[who] == CASE_NONE]
        self.pop.case_state[who] = CASE_WAITING
        self.pop.case_since[who] = self.week
        self.counters.referrals += np.bincount(self.pop.nbh[who], minlength=self.n_nbh)

    def replace_residents(self, who: np.ndarray) -> None:
        """Residents who left (moved or died) are replaced by newcomers with fresh state and no ties.

        A newcomer keeps the neighbourhood and is drawn like the initial population there.
        """
        pop = self.pop
        fresh = self._build_population_rows(pop.nbh[who])
        self.net.remove_residents(who)
        pop.helper[np.isin(pop.helper, who)] = NO
        for name, values in fresh.items():
            getattr(pop, name)[who] = values

    def grow_initiative_agents(self) -> None:
        """Create Initiative agents for slots added by :meth:`model.state.Initiatives.grow`."""
        have = len(self.agents_by_type[Initiative])
        new = np.arange(have, len(self.inits))
        self.inits.place[new] = NO
        Initiative.create_agents(self, len(new), idx=new)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one week, in the order given in the class docstring."""
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
        self.recorder.collect(self)

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
        """Switch the municipality's steering mode now (takes effect at the next step)."""
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
        """What the municipality sees per neighbourhood (used by the layered mode)."""
        return metrics.observe(self)

    def city_frame(self) -> pd.DataFrame:
        """City-wide outputs, one row per week (week 0 is the initial state)."""
        return self.recorder.city_frame()

    def neighbourhood_frame(self) -> pd.DataFrame:
        """Outputs per neighbourhood, one row per week and neighbourhood."""
        return self.recorder.neighbourhood_frame()

    def network_graph(self, residents: np.ndarray | None = None) -> nx.Graph:
        """The social network (or the part among ``residents``) as a networkx graph."""
        g = self.net.to_networkx(residents)
        pop = self.pop
        for node in g.nodes:
            g.nodes[node].update(neighbourhood=self.nbh_names[pop.nbh[node]], age_group=AGE_GROUPS[pop.age[node]],
                                 loneliness=int(pop.score[node]))
        return g


__all__ = ["CASE_OPEN", "WEEKS_PER_YEAR", "CommunityModel"]
