"""The workshop session: a city with the room's live decisions and a baseline branch, and snapshots of it.

* :class:`WorkshopModel` is a :class:`~model.core.community.CommunityModel` started from a shipped
  scenario that also keeps the room's live *decisions* (steering switches and interventions at
  the current week, through the model's public levers ``set_steering_mode`` and
  ``add_intervention``) and a *baseline*: a deep copy of the city taken at the first decision
  and stepped alongside with the same random-number state, so the difference between the two
  is the effect of the decisions in this city. A lock serialises stepping, deciding and
  reading, because Play steps in a thread while the page handles clicks.
* :func:`snapshot` copies what the page shows (tables, a sample of the network) under that lock.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from model.core.community import CommunityModel
from model.core.interventions import INTERVENTION_REGISTRY, make_intervention
from model.core.steering import STEERING_REGISTRY
from model.experiments.scenarios import load_scenario
from model.experiments.settled import default_settled
from model.i18n import intervention_name, neighbourhood_name, steering_name, t
from model.opendata import load_city
from model.opendata.commands import CityRun
from model.workshop.sliders import DEFAULT_SCENARIO

STEERING_MODES: tuple[str, ...] = tuple(STEERING_REGISTRY)
NETWORK_SAMPLE = 300


@dataclass(frozen=True)
class Decision:
    """A decision taken in the room.

    Attributes:
        week: The week it acts from.
        kind: ``"steering"``, an intervention name or ``"compare"`` (a new baseline).
        settings: Its settings (``mode`` for steering; ``neighbourhoods`` when not city-wide).

    """

    week: int
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        """Return a short label for chart markers and the decision log."""
        if self.kind == "steering":
            return t("decision_steering", lang, mode=steering_name(self.settings["mode"], lang))
        if self.kind == "compare":
            return t("decision_compare", lang)
        shown = {k: v for k, v in self.settings.items() if k != "neighbourhoods"}
        live = INTERVENTION_REGISTRY[self.kind].live
        text = live.decision[lang].format(**shown) if live else intervention_name(self.kind, lang)
        where = self.settings.get("neighbourhoods")
        return text + (f" ({', '.join(neighbourhood_name(n, lang) for n in where)})" if where else "")


class WorkshopModel(CommunityModel):
    """A city started from a shipped scenario, with the room's decisions and a baseline branch.

    Mesa's ``ModelController`` re-creates it on Reset with the keyword arguments of
    :func:`start_settings` (none is called ``scenario``: that name is Mesa's).
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int = 1,
                 overrides: dict[str, Any] | None = None, city: str | None = None,
                 boundaries: str | None = None) -> None:
        """Build the city of a scenario.

        Args:
            scenario_name: A shipped scenario (see :func:`model.experiments.scenarios.list_scenarios`).
            seed: Seed of the random number generator (same seed, same city).
            overrides: Parameter overrides on top of the scenario (validated by the schema).
            city: A city file (``vitality city import``): its neighbourhoods replace the model's
                types, and ``n_residents`` of the overrides becomes a proportional sample of its adults.
            boundaries: With a city, the CBS/PDOK GeoPackage for the map of its neighbourhoods.

        """
        sc = load_scenario(scenario_name)
        overrides = dict(overrides or {})
        run = None
        if city is not None:
            loaded = load_city(city)
            run = CityRun(loaded, loaded.scale_for(int(overrides.pop("n_residents", 2000))), city)
        if overrides:
            sc = sc.with_parameters(overrides)
        if run is not None:
            sc = run.scenario(sc)
        super().__init__(sc.params, seed=int(seed), interventions=sc.make_interventions(), settled=default_settled())
        self.city_run = run
        self.boundaries = boundaries if run is not None else None
        self.scenario_name = sc.name
        self.decisions: list[Decision] = []
        self.baseline: WorkshopModel | None = None
        self.baseline_start: int | None = None
        self._lock = threading.RLock()
        self._sample: np.ndarray | None = None
        self._layout: np.ndarray | None = None

    def _advance_time(self, until: float) -> None:
        """Mesa's time advance (``step``, ``run_for``), under the lock: no decision or copy lands mid-step."""
        with self._lock:
            super()._advance_time(until)

    def step(self) -> None:
        """Advance the live city (and the baseline, if any) by one week."""
        super().step()
        if self.baseline is not None:
            self.baseline.step()

    def _branch(self) -> WorkshopModel:
        """Copy the city now deeply (same random-number state), without lock, decisions or baseline."""
        memo: dict[int, Any] = {id(self._lock): threading.RLock()}
        if self.baseline is not None:
            memo[id(self.baseline)] = None
        twin = copy.deepcopy(self, memo)
        twin.decisions = []
        twin.baseline_start = None
        return twin

    def _start_baseline(self) -> None:
        """Continue a copy of the city from now on without further decisions."""
        self.baseline = self._branch()
        self.baseline_start = self.week

    def compare_from_now(self) -> Decision:
        """Start a new baseline: a copy of the city now, continued without further decisions."""
        with self._lock:
            self._start_baseline()
            decision = Decision(self.week, "compare")
            self.decisions.append(decision)
            return decision

    def decide(self, kind: str, **settings: Any) -> Decision:
        """Take a decision now, at the current week; the first one starts the baseline.

        A steering switch goes through :meth:`CommunityModel.set_steering_mode` (it re-steers at
        once); an intervention is made by :func:`model.core.interventions.make_intervention` with
        ``start_week`` the current week and added with :meth:`CommunityModel.add_intervention`.

        Args:
            kind: ``"steering"`` (setting ``mode``) or an intervention name (its settings).
            **settings: The decision's settings; ``neighbourhoods`` (names) limits an intervention.

        Returns:
            The recorded decision.

        Raises:
            KeyError: Unknown steering mode or intervention.
            TypeError: A setting the intervention does not have.
            ValueError: An unknown neighbourhood, or a setting the intervention rejects.

        """
        with self._lock:
            if kind == "steering":
                mode = settings.get("mode")
                if mode not in STEERING_REGISTRY:
                    raise KeyError(f"unknown steering mode {mode!r}; known: {', '.join(STEERING_MODES)}")
                action = None
            else:
                live = INTERVENTION_REGISTRY[kind].live if kind in INTERVENTION_REGISTRY else None
                fixed = live.fixed if live else {}
                action = make_intervention(kind, start_week=self.week, **(fixed | settings))
                action.where(self)  # an unknown neighbourhood is rejected now, before anything changes
            if self.baseline is None:
                self._start_baseline()
            if action is None:
                self.set_steering_mode(settings["mode"])
            else:
                self.add_intervention(action)
            decision = Decision(self.week, kind, dict(settings))
            self.decisions.append(decision)
            return decision

    @property
    def steering_mode(self) -> str:
        """Return the name of the current steering mode."""
        return self.steering.name

    # ------------------------------------------------------------------ network sample
    def network_sample(self, size: int = NETWORK_SAMPLE) -> tuple[np.ndarray, np.ndarray]:
        """Return a fixed sample of residents and their layout, computed once per city.

        The sample snowballs along ties within each neighbourhood (so that structure shows),
        in proportion to neighbourhood size; the layout places each neighbourhood in its own
        cell and runs a spring layout on its sampled residents. It uses its own random
        generator, never the model's, so that drawing does not change the run.

        Returns:
            Resident indices (k,) and positions (k, 2).

        """
        if self._sample is None:
            self._sample, self._layout = _sample_and_layout(self, size)
        return self._sample, self._layout


def _grid_centres(n: int) -> np.ndarray:
    """Centres of ``n`` neighbourhood cells on a square grid (row by row, top first)."""
    cols = int(np.ceil(np.sqrt(n)))
    return np.array([[b % cols, -(b // cols)] for b in range(n)], dtype=float)


def _sample_and_layout(m: CommunityModel, size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(m.seed + 7919)
    n, net, nbh = len(m.pop), m.net, m.pop.nbh
    ends = np.concatenate([net.a, net.b])
    other = np.concatenate([net.b, net.a])
    order = np.argsort(ends, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=n))])
    nbrs = other[order]
    size = min(size, n)
    quota = np.maximum(1, np.round(size * m.nbh_size / n)).astype(int)
    centres = _grid_centres(m.n_nbh)
    chosen, pos = [], []
    for b in range(m.n_nbh):
        members = np.flatnonzero(nbh == b)
        take: list[int] = []
        seen = np.zeros(n, dtype=bool)
        queue: list[int] = []
        for start in rng.permutation(members):
            if len(take) >= quota[b]:
                break
            if seen[start]:
                continue
            queue.append(int(start))
            seen[start] = True
            while queue and len(take) < quota[b]:
                i = queue.pop(0)
                take.append(i)
                near = nbrs[starts[i]:starts[i + 1]]
                near = near[(nbh[near] == b) & ~seen[near]]
                near = rng.permutation(near)[:4]
                seen[near] = True
                queue.extend(int(j) for j in near)
        sel = np.array(sorted(take), dtype=np.int64)
        inside = np.zeros(n, dtype=bool)
        inside[sel] = True
        keep = inside[net.a] & inside[net.b]
        g = nx.Graph()
        g.add_nodes_from(sel.tolist())
        g.add_edges_from(zip(net.a[keep].tolist(), net.b[keep].tolist(), strict=True))
        lay = nx.spring_layout(g, seed=int(rng.integers(1 << 30)), iterations=60, k=1.6 / np.sqrt(max(len(sel), 1)))
        xy = np.array([lay[i] for i in sel]) if len(sel) else np.zeros((0, 2))
        if len(xy):
            xy = xy - xy.mean(axis=0)
            xy = xy / max(np.abs(xy).max(), 1e-9) * 0.40
        chosen.append(sel)
        pos.append(xy + centres[b])
    return np.concatenate(chosen), np.vstack(pos)


@dataclass(eq=False)
class NetworkView:
    """What the network chart draws: a sample of residents, their ties and initiatives."""

    pos: np.ndarray
    score: np.ndarray
    engagement: np.ndarray
    member_of: np.ndarray
    edges: np.ndarray
    weights: np.ndarray
    initiative_kind: dict[int, int]
    taken_over: dict[int, bool]
    nbh_names: list[str]
    nbh_centres: np.ndarray
    places_open: np.ndarray
    places_total: np.ndarray
    total_residents: int


@dataclass(eq=False)
class Snapshot:
    """A consistent copy of what the page shows, taken under the model's lock (equal only to itself)."""

    week: int
    scenario_name: str
    seed: int
    mode: str
    city: pd.DataFrame
    baseline: pd.DataFrame | None
    baseline_start: int | None
    decisions: list[Decision]
    scheduled: list[tuple[int, str]]
    network: NetworkView
    map_values: dict[str, float] | None = None
    map_source: tuple[str, str] | None = None


def snapshot(m: WorkshopModel) -> Snapshot:
    """Copy the tables and the network sample of the live city (and its baseline)."""
    with m._lock:
        sample, pos = m.network_sample()
        pop, net, ini = m.pop, m.net, m.inits
        inside = np.full(len(pop), -1, dtype=np.int64)
        inside[sample] = np.arange(len(sample))
        keep = (inside[net.a] >= 0) & (inside[net.b] >= 0)
        member = pop.member_of[sample].astype(np.int64)
        alive = np.flatnonzero(ini.alive)
        view = NetworkView(
            pos=pos, score=pop.score[sample].astype(float), engagement=pop.engagement[sample].copy(),
            member_of=np.where((member >= 0) & ini.alive[np.maximum(member, 0)], member, -1),
            edges=np.column_stack([inside[net.a[keep]], inside[net.b[keep]]]), weights=net.w[keep].copy(),
            initiative_kind={int(k): int(ini.kind[k]) for k in alive},
            taken_over={int(k): bool(ini.taken_over[k]) for k in alive},
            nbh_names=[str(x) for x in m.nbh_names], nbh_centres=_grid_centres(m.n_nbh),
            places_open=np.bincount(m.places.nbh, m.places.open, minlength=m.n_nbh).astype(int),
            places_total=np.bincount(m.places.nbh, minlength=m.n_nbh),
            total_residents=len(pop),
        )
        decided = {(d.week, d.kind) for d in m.decisions}
        scheduled = [(iv.start_week, iv.name) for iv in m.interventions if (iv.start_week, iv.name) not in decided]
        map_values = None
        if m.boundaries is not None:
            # Lonely share (%) per neighbourhood this week, or its difference from the baseline (pp).
            map_values = _lonely_now(m)
            if m.baseline is not None:
                base = _lonely_now(m.baseline)
                map_values = {k: v - base[k] for k, v in map_values.items()}
        return Snapshot(
            week=m.week, scenario_name=m.scenario_name, seed=m.seed, mode=m.steering_mode,
            city=m.city_frame(), baseline=None if m.baseline is None else m.baseline.city_frame(),
            baseline_start=m.baseline_start, decisions=list(m.decisions), scheduled=scheduled, network=view,
            map_values=map_values,
            map_source=None if m.boundaries is None else (m.city_run.file, m.boundaries),
        )


def _lonely_now(m: CommunityModel) -> dict[str, float]:
    """Each neighbourhood's lonely share this week, in percent."""
    frame = m.neighbourhood_frame()
    now = frame[frame["week"] == frame["week"].max()]
    return dict(zip(now["neighbourhood"], 100 * now["lonely_share"], strict=True))
