"""The community-vitality model: a Dutch city of residents, professionals and a municipality.

:class:`CommunityModel` holds the order of one weekly step (its docstring), the levers that
change mid-run and what can be observed; building the city is :mod:`model.core.city`, the
submodels are :mod:`model.core.submodels`, the outputs :mod:`model.core.metrics`.
"""

from __future__ import annotations

import pickle

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from agents import Initiative, Resident
from model.core import metrics, submodels
from model.core.categories import AGE_GROUPS
from model.core.city import build_city
from model.core.interventions import Intervention
from model.core.levers import Levers
from model.core.memory import keep_freed_memory, paused_collector
from model.core.parameters import Parameters
from model.core.settling import SettledCities, burn_in_inputs, restore, save
from model.core.steering import SteeringMode, make_steering
from model.core.time import WEEKS_PER_YEAR


class CommunityModel(mesa.Model):
    """Agent-based model of community strength, loneliness and casework load.

    One step is one week. The order of one step, each a submodel named in
    ``docs/ODD.md`` (section 7) and defined in :mod:`model.core.submodels` unless noted:

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
        (one compiled pass over the professionals, ``professionals._split_weeks``).
    11. ``casework`` - open cases recover and close.
    12. ``community_work`` - connecting, initiative support, talent spotting, outreach.
    13. ``initiative_lifecycle`` - founding, recruiting, burnout, grants, takeover, ending;
        volunteering.
    14. ``update_motivation`` - autonomy, competence, relatedness; motivation crowding.
    15. ``update_loneliness`` - De Jong Gierveld score from the gap in good ties, contagion.
    16. ``update_trust`` - trust in the municipality.
    17. ``collect`` - the week's outputs per neighbourhood and city-wide
        (:func:`model.core.metrics.collect`).

    ``casework`` returns everyone's need level after it; no submodel from there to ``collect`` writes
    the nine life domains it is read from, so the step keeps it as ``need_levels`` for
    ``initiative_lifecycle``, ``update_motivation`` and ``collect`` (one pass over the residents a week
    instead of four) and sets it to ``None`` after ``collect``: a submodel called on its own computes it
    (:func:`model.core.state.handed_on_or_fresh`).

    The weekly event counters (foundings, referrals, costs, ...) start from zero at the beginning
    of each week. Before week 0 the city runs ``burn_in_years`` under ``burn_in_steering``
    (today's steering) without recording, so that week 0 is a settled city, not the synthetic
    start; week 0 shows the events of the last burn-in week.

    Levers (steering mode, meeting-place funding, the professionals' time rule) live
    in model state and can change mid-run: see :meth:`set_steering_mode` and
    :meth:`add_intervention`.
    """

    def __init__(self, params: Parameters | None = None, seed: int = 0,
                 interventions: list[Intervention] | None = None, settled: SettledCities | None = None) -> None:
        """Build the city and let it settle during the burn-in (or take the settled city from ``settled``).

        Args:
            params: The parameters; the schema defaults when omitted.
            seed: Seed of the random number generator (same seed, same run).
            interventions: Timed interventions to apply during the run (from week 0 on).
            settled: Where settled cities are kept (:mod:`model.core.settling`): a city whose build and
                burn-in read the same inputs is taken from there (the same bits as building it), and one
                built here is put there. ``None``: always build.
        """
        super().__init__(rng=seed)
        keep_freed_memory()  # the weekly arrays reuse freed memory instead of faulting in fresh pages
        mesa_attributes = set(vars(self))
        self.p = params or Parameters()
        self.seed = seed
        self.interventions: list[Intervention] = []
        for iv in interventions or []:
            self.add_intervention(iv)
        inputs = None if settled is None else burn_in_inputs(type(self), self.p, seed, self.interventions)
        if inputs is None or not self._restore_from(settled, inputs):
            self._build_and_settle()
            if inputs is not None:
                settled.keep(inputs, lambda file: save(self, mesa_attributes, file))
        if round(self.p.burn_in_years * WEEKS_PER_YEAR):  # a run after a burn-in adopts its own mode now
            self.set_steering_mode(self.p.steering_mode)
        self.recorder = metrics.Recorder(self)

    def _restore_from(self, settled: SettledCities, inputs: dict) -> bool:
        """Take the settled city kept for ``inputs``, if there is a whole one; say whether it was taken."""
        file = settled.reader(inputs)
        if file is None:
            return False
        with file:
            try:
                restore(self, file)
            except (pickle.UnpicklingError, EOFError):  # cut short (a full disk, a copy interrupted): build it
                return False
        return True

    def _build_and_settle(self) -> None:
        """Build the city and run the burn-in: ``burn_in_years`` of weeks under ``burn_in_steering``, unrecorded."""
        burn_in = round(self.p.burn_in_years * WEEKS_PER_YEAR)
        self.week = -burn_in
        # What is built (the agents; in a new process numba's registries, loading the kernels) is no garbage: the
        # collector paused, a new process's init of 100,000 spent 0.06 s in it, not 0.12 (no full collection).
        with paused_collector():
            build_city(self)
        self.levers = Levers.empty(self.n_nbh)
        self.counters = metrics.WeeklyCounters.zeros(self.n_nbh)
        self.community_hours = np.zeros((self.n_nbh, 4))
        self.recorder: metrics.Recorder | None = None
        self.need_levels: np.ndarray | None = None  # casework's, from there to collect within a step
        self.steering: SteeringMode = make_steering(self.p.burn_in_steering if burn_in else self.p.steering_mode)
        self.steering.start(self)
        submodels.steer(self)
        submodels.settle(self)
        for _ in range(burn_in):
            self._simulate_week()

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
        self.need_levels = submodels.casework(self)
        submodels.community_work(self)
        submodels.initiative_lifecycle(self)
        submodels.update_motivation(self)
        submodels.update_loneliness(self)
        submodels.update_trust(self)
        self.week += 1
        submodels.collect(self)
        self.need_levels = None

    # ------------------------------------------------------------------ running
    def run_weeks(self, weeks: int) -> CommunityModel:
        """Run ``weeks`` weekly steps and return the model."""
        self.run_for(weeks)
        return self

    def run_years(self, years: float) -> CommunityModel:
        """Run ``years`` years of weekly steps and return the model."""
        return self.run_weeks(round(years * WEEKS_PER_YEAR))

    # ------------------------------------------------------------------ levers
    def set_steering_mode(self, mode: str | SteeringMode) -> None:
        """Switch the municipality's steering mode now (its levers hold from the next step).

        Args:
            mode: A registered mode's name, or a mode (e.g. one that is adopted by an intervention, not by name).

        Raises:
            KeyError: No steering mode has that name.
        """
        self.steering = make_steering(mode) if isinstance(mode, str) else mode
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

    def initiative_frame(self) -> pd.DataFrame:
        """The initiatives' size over time: one row per week and living initiative (``initiative`` is its id)."""
        return self.recorder.initiative_frame()

    def initiative_events(self) -> pd.DataFrame:
        """Every founding, takeover and ending of an initiative since the city was built (burn-in weeks < 0).

        Columns: ``initiative`` (id), ``week`` (the week whose row of the outputs counts the event, as
        ``initiatives_founded`` and ``initiatives_ended`` do), ``event`` (``founded``, ``taken_over``,
        ``ended: ...`` with the reason), ``kind``, ``neighbourhood``, ``founder`` (the founder's person id,
        -1 for other events) and ``core`` (core volunteers at the event).
        """
        df = pd.DataFrame(self.initiative_log, columns=["initiative", "week", "event", "kind", "neighbourhood",
                                                         "founder", "core"])
        df["neighbourhood"] = self.nbh_names[df["neighbourhood"].to_numpy(dtype=np.int64)]
        return df

    def resident_frame(self) -> pd.DataFrame:
        """The residents now, one row each: person id, where and who they are, needs, ties, loneliness, motivation."""
        pop = self.pop
        return pd.DataFrame({
            "person": pop.pid, "neighbourhood": self.nbh_names[pop.nbh], "age_group": np.array(AGE_GROUPS)[pop.age],
            "alone": pop.alone, "low_income": pop.low_income, "need_level": pop.need_level,
            "case": np.array(["none", "waiting", "open"])[pop.case_state], "good_ties": pop.good_ties,
            "ties_lost": pop.ties_lost, "loneliness": pop.score.astype(np.int64), "social_loneliness": pop.lon_s,
            "emotional_loneliness": pop.lon_e, "autonomy": pop.autonomy, "competence": pop.competence,
            "relatedness": pop.relatedness, "trust": pop.trust, "member": pop.member_of >= 0, "core": pop.core,
        })

    def network_graph(self, residents: np.ndarray | None = None) -> nx.Graph:
        """Return the social network (or the part among ``residents``) as a networkx graph."""
        g = self.net.to_networkx(residents)
        pop = self.pop
        for node in g.nodes:
            g.nodes[node].update(neighbourhood=self.nbh_names[pop.nbh[node]], age_group=AGE_GROUPS[pop.age[node]],
                                 loneliness=int(pop.score[node]))
        return g


__all__ = ["CommunityModel"]
