"""Experimental designs over the parameter schema, and the sweeps that run them.

A design file (``scenarios/designs/*.toml``) names the base scenario(s), the parameters to vary
with their ranges or values, the method, the replications and the outputs of interest::

    name = "where_enforcing_wins"
    description = "Under which conditions does enforcing keep casework lower than facilitating?"
    method = "latin"                      # factorial, latin (Latin hypercube), sobol (Saltelli), morris
    scenarios = ["facilitating", "enforcing"]   # every point runs under each, on the same seeds
    samples = 64                          # latin: points; sobol: base samples N (a power of 2); morris: trajectories
    replications = 3                      # seeds per point and scenario (seed, seed + 1, ...)
    seed = 0                              # first seed of the runs, and the seed of the sampling
    residents = 1000                      # optional: run size, overriding the scenarios'
    years = 5.0
    outputs = ["casework_load", "lonely_share", "community_strength"]   # city outputs of interest
    final_weeks = 52                      # outputs are averaged over the last weeks of each run

    [parameters."steering.enforcing.control"]   # any schema parameter; nested ones with dots,
    range = [0.3, 1.0]                          # an element of a list with [i], e.g. "case_hours[2]"
    distribution = "uniform"                    # uniform, loguniform, triangular (peak), truncnormal (mean, sd)
    [parameters.steering_mode]                  # text and true/false parameters take values
    values = ["framing", "layered"]
    [parameters.zrm_shock_rate]                 # factorial designs: values, or levels over the range
    range = [0.001, 0.004]
    levels = 3

    [constants]                                 # optional: overrides every scenario gets, as in a scenario's
    [constants.archetypes.urban_young]          # [parameters] (e.g. a city of one neighbourhood)
    share = 0.0

    [[discovery]]                               # scenario discovery (PRIM) on the results
    label = "enforcing keeps casework load lower than facilitating"
    output = "casework_load"
    scenario = "enforcing"
    versus = "facilitating"                     # optional: the difference scenario - versus
    below = 0.0                                 # or above = ...

    [[discovery]]                               # which scenario is the best choice, and where?
    kind = "best"                               # one PRIM box per scenario: where it gives the best output
    output = "casework_load"
    better = "lower"                            # or "higher": which value of the output is better
    among = ["facilitating", "enforcing"]       # optional: the competing scenarios (default: all of them)

Everything is validated when the file is read, against the schema: parameter names, types
and ranges, methods and sizes; errors are one line naming the file and the key. Sampling
uses SALib; every run of a sweep is a :class:`model.experiments.store.Task`, so a sweep is stored as it
runs and resumes like any other batch.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from model.core.outputs import OUTPUTS
from model.core.schema import ParameterError
from model.core.time import WEEKS_PER_YEAR
from model.experiments.runner import MAX_SEED
from model.experiments.scenarios import (
    SCENARIO_DIR,
    Scenario,
    check_name,
    did_you_mean,
    load_scenario,
    read_toml,
    reject_unknown,
    scenario_path,
    shown_path,
)
from model.experiments.store import RunStore, Task
from model.experiments.sweep_parameters import SweepParameter, flatten_specs, overrides, sweep_parameter
from model.messages import msg, render

#: The shipped designs.
DESIGN_DIR = SCENARIO_DIR / "designs"
METHODS = ("factorial", "latin", "sobol", "morris")
#: The longest final period: the longest run (100 years, the schema's limit of ``years``).
MAX_FINAL_WEEKS = 100 * WEEKS_PER_YEAR
#: The finest Morris grid (SALib's levels; 4 to 10 are usual).
MAX_MORRIS_LEVELS = 100
TOP_LEVEL_KEYS = ("name", "description", "method", "scenarios", "samples", "replications", "seed", "residents",
                  "years", "outputs", "final_weeks", "morris_levels", "constants", "parameters", "discovery")
DISCOVERY_KEYS = ("kind", "label", "output", "scenario", "versus", "below", "above", "min_density")
BEST_KEYS = ("kind", "output", "better", "among", "min_density")
BETTER = ("lower", "higher")


class DesignError(ParameterError):
    """A design file that cannot be used; the message is one line naming the file and the key."""


# ---------------------------------------------------------------------- discovery questions
@dataclass(frozen=True)
class Discovery:
    """A case of interest for scenario discovery: an output of one scenario (or its difference) past a threshold.

    Attributes:
        label: The case in words, e.g. "enforcing keeps casework load lower than facilitating".
        output: A city output.
        scenario: The scenario whose output counts.
        versus: Another scenario: the case is about ``scenario - versus`` (paired on seeds).
        threshold: The threshold.
        below: True if the case is "below the threshold", False if "above".
        min_density: Density the chosen box should reach (share of its points that are cases).

    """

    kind: ClassVar[str] = "threshold"
    label: str
    output: str
    scenario: str
    versus: str | None
    threshold: float
    below: bool
    min_density: float = 0.8

    def cases(self, means: pd.DataFrame) -> pd.Series:
        """Whether the case happens at each point, from the outputs' seed means (columns: scenario, output)."""
        value = means[(self.scenario, self.output)]
        if self.versus:
            value = value - means[(self.versus, self.output)]
        return value < self.threshold if self.below else value > self.threshold


@dataclass(frozen=True)
class BestChoice:
    """Is a scenario the best choice for an output: the lowest (or highest) of the competing scenarios?

    A ``[[discovery]]`` table of ``kind = "best"`` asks this for every scenario it names in ``among``;
    scenarios that tie for the best value all count as the best choice.

    Attributes:
        output: A city output.
        scenario: The scenario asked about.
        among: The competing scenarios (``scenario`` among them).
        better: ``lower`` or ``higher``: which value of the output is the better choice.
        min_density: Density the chosen box should reach (share of its points where the scenario is best).

    """

    kind: ClassVar[str] = "best"
    output: str
    scenario: str
    among: tuple[str, ...]
    better: str
    min_density: float = 0.8

    @property
    def label(self) -> str:
        """The case in words, e.g. "facilitating gives the lowest casework_load (of facilitating, enforcing)"."""
        return self.phrase()

    def phrase(self, adverb: str = "", lang: str = "en") -> str:
        """The case in words in ``lang``, with an adverb (``never``, ``always``) or none."""
        extreme = render("findings.lowest" if self.better == "lower" else "findings.highest", lang)
        return render(f"findings.best_{adverb}" if adverb else "findings.best", lang, {
            "scenario": self.scenario, "extreme": extreme, "output": self.output, "among": ", ".join(self.among)})

    def cases(self, means: pd.DataFrame) -> pd.Series:
        """Whether the scenario's seed mean is the best of ``among`` at each point (ties count for each)."""
        values = pd.DataFrame({name: means[(name, self.output)] for name in self.among})
        best = values.min(axis=1) if self.better == "lower" else values.max(axis=1)
        return values[self.scenario] == best


#: The kinds of ``[[discovery]]`` question, by the value of their ``kind`` key.
QUESTIONS: dict[str, type[Discovery] | type[BestChoice]] = {"threshold": Discovery, "best": BestChoice}


def question_from_dict(entry: dict[str, Any]) -> Discovery | BestChoice:
    """A discovery question from the plain data :meth:`Design.to_dict` wrote (older manifests have no kind)."""
    entry = dict(entry)
    cls = QUESTIONS[entry.pop("kind", "threshold")]
    if cls is BestChoice:
        entry["among"] = tuple(entry["among"])
    return cls(**entry)


def question_to_dict(question: Discovery | BestChoice) -> dict[str, Any]:
    """A discovery question as plain data, with its kind."""
    return {"kind": question.kind, **dataclasses.asdict(question)}


def _discovery(entry: Any, where: str, scenarios: list[str], outputs: tuple[str, ...]) -> list[Discovery | BestChoice]:
    if not isinstance(entry, dict):
        raise ParameterError(msg("param.expected_table", path=where, value=entry))
    kind = entry.get("kind", "threshold")
    if kind not in QUESTIONS:
        raise ParameterError(msg("design.not_one_of", path=f"{where}.kind", value=kind, choices=", ".join(QUESTIONS),
                                 close=did_you_mean(str(kind), QUESTIONS)))
    if kind == "best":
        unused = sorted(set(entry) - set(BEST_KEYS))
        if unused:
            raise ParameterError(msg("design.best_keys", path=f"{where}.{unused[0]}", keys=", ".join(BEST_KEYS)))
    else:
        reject_unknown(entry, DISCOVERY_KEYS, f"{where}.")
    output = entry.get("output")
    if output not in outputs:
        raise ParameterError(msg("design.not_an_output", path=f"{where}.output", value=output,
                                 close=did_you_mean(str(output), outputs), outputs=", ".join(outputs)))
    density = entry.get("min_density", 0.8)
    if isinstance(density, bool) or not isinstance(density, int | float) or not 0 < density <= 1:
        raise ParameterError(msg("design.density", path=f"{where}.min_density", value=density))
    if kind == "best":
        return _best_choice(entry, where, scenarios, output, float(density))
    scenario = entry.get("scenario", scenarios[0])
    versus = entry.get("versus")
    for key, name in (("scenario", scenario), ("versus", versus)):
        if name is not None and name not in scenarios:
            raise ParameterError(msg("design.not_a_scenario", path=f"{where}.{key}", value=name,
                                     scenarios=", ".join(scenarios)))
    if versus == scenario:
        raise ParameterError(msg("design.versus_itself", path=f"{where}.versus", scenario=scenario))
    if ("below" in entry) == ("above" in entry):
        raise ParameterError(msg("design.below_or_above", path=where))
    key = "below" if "below" in entry else "above"
    threshold = entry[key]
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not math.isfinite(threshold):
        raise ParameterError(msg("design.finite", path=f"{where}.{key}", value=threshold))
    difference = f"{output} of {scenario} minus {versus}" if versus else f"{output} under {scenario}"
    label = entry.get("label", f"{difference} is {key} {threshold:g}")
    if not isinstance(label, str):
        raise ParameterError(msg("param.expected_text", path=f"{where}.label", value=label))
    return [Discovery(label, output, scenario, versus, float(threshold), key == "below", float(density))]


def _best_choice(entry: dict[str, Any], where: str, scenarios: list[str], output: str,
                 density: float) -> list[BestChoice]:
    """One best-choice question per competing scenario."""
    better = entry.get("better")
    if better not in BETTER:
        raise ParameterError(msg("design.better", path=f"{where}.better", output=output, value=better))
    among = entry.get("among", scenarios)
    if not isinstance(among, list) or not all(isinstance(n, str) for n in among):
        raise ParameterError(msg("design.among", path=f"{where}.among", value=among))
    for name in among:
        if name not in scenarios:
            raise ParameterError(msg("design.not_a_scenario", path=f"{where}.among", value=name,
                                     scenarios=", ".join(scenarios)))
    if len(set(among)) != len(among) or len(among) < 2:
        raise ParameterError(msg("design.among_two", path=f"{where}.among"))
    return [BestChoice(output, name, tuple(among), better, density) for name in among]


# ---------------------------------------------------------------------- designs
@dataclass(frozen=True)
class Design:
    """A validated design: what varies, how it is sampled, which runs it needs.

    Attributes:
        name: Short name.
        description: One line.
        method: One of :data:`METHODS`.
        scenarios: The base scenarios (run size applied); every point runs under each.
        parameters: The varied parameters.
        samples: Sample size (``None`` for factorial designs).
        replications: Seeds per point and scenario.
        seed: First seed of the runs and seed of the sampling.
        outputs: City outputs of interest.
        final_weeks: The outputs of a run are its means over this many last weeks.
        morris_levels: Grid levels of the Morris method.
        discovery: Scenario-discovery questions (a best-choice table gives one per competing scenario).
        path: The file it was read from.
        source: The file's text.

    """

    name: str
    description: str
    method: str
    scenarios: tuple[Scenario, ...]
    parameters: tuple[SweepParameter, ...]
    samples: int | None
    replications: int
    seed: int
    outputs: tuple[str, ...]
    final_weeks: int = 52
    morris_levels: int = 4
    discovery: tuple[Discovery | BestChoice, ...] = ()
    path: Path | None = None
    source: str = ""

    @property
    def seeds(self) -> list[int]:
        """The seeds of every point and scenario (paired)."""
        return list(range(self.seed, self.seed + self.replications))

    def problem(self) -> dict[str, Any]:
        """The SALib problem: names, bounds and distributions."""
        bounds, dists = zip(*(p.salib_bounds() for p in self.parameters), strict=True)
        return {"num_vars": len(self.parameters), "names": [p.name for p in self.parameters],
                "bounds": [list(b) for b in bounds], "dists": list(dists)}

    @property
    def n_points(self) -> int:
        """Number of points, known before they are sampled (SALib's sizes for each method)."""
        k = len(self.parameters)
        if self.method == "factorial":
            return math.prod(len(p.factorial_levels()) for p in self.parameters)
        # Sobol (Saltelli) without second-order indices: N (k + 2); Morris: k + 1 points per trajectory.
        return {"latin": 1, "sobol": k + 2, "morris": k + 1}[self.method] * (self.samples or 0)

    def sample(self) -> pd.DataFrame:
        """The design's points on SALib's scale (one row per point, one column per parameter)."""
        from SALib.sample import latin, morris, sobol

        names = [p.name for p in self.parameters]
        if self.method == "factorial":
            x = np.array(list(itertools.product(*(p.factorial_levels() for p in self.parameters))), dtype=float)
        elif self.method == "latin":
            x = latin.sample(self.problem(), self.samples, seed=self.seed)
        elif self.method == "sobol":
            x = sobol.sample(self.problem(), self.samples, calc_second_order=False, seed=self.seed)
        else:
            x = morris.sample(self.problem(), self.samples, num_levels=self.morris_levels, seed=self.seed)
        return pd.DataFrame(x, columns=names).rename_axis("point")

    def points(self, sample: pd.DataFrame | None = None) -> pd.DataFrame:
        """The parameter values of every point (whole numbers rounded, categories by name)."""
        sample = self.sample() if sample is None else sample
        return pd.DataFrame({p.name: [p.value(x) for x in sample[p.name]] for p in self.parameters},
                            index=sample.index)

    def tasks(self, points: pd.DataFrame | None = None) -> list[Task]:
        """One run per point, scenario and seed, keyed ``p<point>--<scenario>--seed-<seed>``.

        Args:
            points: The design's :meth:`points` (computed when omitted).

        Raises:
            DesignError: A point's values do not form valid parameters (e.g. ``core_min`` above ``core_target``).

        """
        tasks = []
        points = self.points() if points is None else points
        for point, values in zip(points.index, points.to_dict("records"), strict=True):  # records keep int columns
            for sc in self.scenarios:
                try:
                    varied = self.at_point(sc, values)
                except ParameterError as exc:
                    raise DesignError(msg("design.point_refused", path=_where(self.path), point=point,
                                          values=_describe(values), scenario=sc.name, problem=exc.args[0])) from None
                for seed in self.seeds:
                    tasks.append(Task(f"p{point:05d}--{sc.name}--seed-{seed}", sweep_run,
                                      (varied, seed, self.final_weeks),
                                      {"point": point, "values": values, "scenario": varied.to_dict(), "seed": seed,
                                       "final_weeks": self.final_weeks}, varied.settled_group(seed)))
        return tasks

    def at_point(self, scenario: Scenario, values: dict[str, Any]) -> Scenario:
        """One of the design's scenarios with the varied parameters set to ``values`` (by design name).

        Raises:
            ParameterError: The values do not form valid parameters.

        """
        return scenario.with_parameters(overrides(values, scenario.params))

    def to_dict(self) -> dict[str, Any]:
        """What the analysis needs to know about the design (written into the results' manifest)."""
        return {
            "name": self.name, "description": self.description, "method": self.method,
            "scenarios": [sc.name for sc in self.scenarios], "samples": self.samples,
            "replications": self.replications, "seed": self.seed, "seeds": self.seeds,
            "outputs": list(self.outputs), "final_weeks": self.final_weeks, "morris_levels": self.morris_levels,
            "parameters": [dataclasses.asdict(p) for p in self.parameters], "problem": self.problem(),
            "discovery": [question_to_dict(d) for d in self.discovery],
        }

    def with_overrides(self, residents: int | None = None, years: float | None = None,
                       replications: int | None = None, samples: int | None = None) -> Design:
        """Return a copy with another run size, number of replications or sample size (validated)."""
        data = tomllib.loads(self.source)
        for key, value in (("residents", residents), ("years", years), ("replications", replications),
                           ("samples", samples)):
            if value is not None:
                data[key] = value
        return _parse(data, self.path, self.source)


def sweep_run(scenario: Scenario, seed: int, final_weeks: int) -> dict[str, pd.DataFrame]:
    """One run of a sweep (a task of the run store): every city output averaged over the last weeks.

    Only those weeks are recorded: collecting the outputs of the others would not change the means.
    """
    result = scenario.run(seed, final_weeks)
    final = result.final(final_weeks)
    return {"final": final.reset_index(drop=True)}


def collect_sweep(design: Design, store: RunStore) -> pd.DataFrame:
    """All runs of a finished sweep: one row per point, scenario and seed, its parameter values and outputs."""
    rows = []
    for task in store.tasks:
        final = store.load(task.key)["final"].iloc[0]
        rows.append({"point": task.spec["point"], "scenario": task.args[0].name, "seed": task.args[1],
                     **task.spec["values"], **final.to_dict()})
    return pd.DataFrame(rows)


def load_design(path_or_name: str | Path) -> Design:
    """Read and validate a design file.

    Args:
        path_or_name: A shipped design's name (``scenarios/designs/<name>.toml``) or a file's path.

    Raises:
        DesignError: The file is missing or not valid; the one-line message names the file and the key.

    """
    try:
        path = scenario_path(path_or_name, DESIGN_DIR, "design")
        data, source = read_toml(path)
    except ParameterError as exc:
        raise DesignError(str(exc)) from None
    return _parse(data, path, source)


def _where(path: Path | None) -> str:
    return shown_path(path) if path else "design"


def _describe(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())


def _parse(data: dict[str, Any], path: Path | None, source: str) -> Design:
    try:
        return dataclasses.replace(_parse_checked(data, path), source=source)
    except DesignError:
        raise
    except ParameterError as exc:
        raise DesignError(msg("file.problem", path=_where(path), problem=exc.args[0])) from None


def _integer(data: dict[str, Any], key: str, default: int | None, least: int, most: int = MAX_SEED) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ParameterError(msg("design.whole_number", path=key, least=least, most=most, value=value))
    return value


def _parse_checked(data: dict[str, Any], path: Path | None) -> Design:
    reject_unknown(data, TOP_LEVEL_KEYS, "")
    name = check_name(data.get("name", path.stem if path else "design"))
    description = data.get("description")
    if not isinstance(description, str):
        raise ParameterError(msg("design.no_description", path="description"))
    method = data.get("method")
    if method not in METHODS:
        raise ParameterError(msg("design.not_one_of", path="method", value=method, choices=", ".join(METHODS),
                                 close=did_you_mean(str(method), METHODS)))
    samples = _integer(data, "samples", None, 1)
    if method == "factorial" and samples is not None:
        raise ParameterError(msg("design.factorial_samples", path="samples"))
    if method != "factorial" and samples is None:
        raise ParameterError(msg("design.samples_missing", path="samples", method=method))
    if method == "sobol" and samples & (samples - 1):
        raise ParameterError(msg("design.sobol_power_of_two", path="samples", value=samples))
    replications = _integer(data, "replications", 1, 1)
    seed = _integer(data, "seed", 0, 0, MAX_SEED - replications + 1)
    final_weeks = _integer(data, "final_weeks", 52, 1, MAX_FINAL_WEEKS)
    morris_levels = _integer(data, "morris_levels", 4, 2, MAX_MORRIS_LEVELS)

    names = data.get("scenarios", ["baseline"])
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ParameterError(msg("design.scenario_list", path="scenarios", value=names))
    size = {k: v for k, v in (("n_residents", data.get("residents")), ("years", data.get("years"))) if v is not None}
    constants = data.get("constants", {})
    if not isinstance(constants, dict):
        raise ParameterError(msg("design.constants", path="constants", value=constants))
    scenarios = []
    for n in names:
        file = Path(n) if (path is None or Path(n).is_absolute() or not (n.endswith(".toml") or "/" in n)) \
            else path.parent / n
        try:
            sc = load_scenario(file)
        except ParameterError as exc:
            raise ParameterError(msg("file.problem", path="scenarios", problem=exc.args[0])) from None
        try:
            sc = sc.with_parameters(constants)
        except ParameterError as exc:
            raise exc.at(f"constants.{exc.path}") from None
        try:
            scenarios.append(sc.with_parameters(size))
        except ParameterError as exc:  # name the design's key, not the schema's
            raise (exc.at("residents") if exc.path == "n_residents" else exc) from None
    if len({sc.name for sc in scenarios}) != len(scenarios):
        raise ParameterError(msg("design.scenario_twice", path="scenarios"))

    outputs = data.get("outputs", ["community_strength", "lonely_share", "casework_load"])
    known = tuple(OUTPUTS)
    if not isinstance(outputs, list) or not outputs:
        raise ParameterError(msg("design.output_list", path="outputs", value=outputs))
    for o in outputs:
        if o not in known:
            raise ParameterError(msg("design.not_a_city_output", path="outputs", value=o,
                                         close=did_you_mean(str(o), known)))

    table = data.get("parameters")
    if not isinstance(table, dict) or not table:
        raise ParameterError(msg("design.no_parameters", path="parameters"))
    specs = flatten_specs(table)
    parameters = tuple(sweep_parameter(n, spec, method, scenarios[0].params, f"parameters.{n}")
                       for n, spec in specs.items())
    for p in parameters:  # every scenario must accept the extreme values
        for sc in scenarios:
            for x in (p.factorial_levels() if method == "factorial" or p.kind == "categorical" else (p.low, p.high)):
                try:
                    sc.with_parameters(overrides({p.name: p.value(x)}, sc.params))
                except ParameterError as exc:
                    raise ParameterError(msg("design.under_scenario", path=f"parameters.{p.name}", scenario=sc.name,
                                             problem=exc.args[0])) from None

    entries = data.get("discovery", [])
    if not isinstance(entries, list):
        raise ParameterError(msg("design.discovery_tables", path="discovery"))
    discovery = tuple(q for i, e in enumerate(entries, 1)
                      for q in _discovery(e, f"discovery[{i}]", [sc.name for sc in scenarios], tuple(outputs)))
    return Design(name, description, method, tuple(scenarios), parameters, samples, replications, seed,
                  tuple(outputs), final_weeks, morris_levels, discovery, path)
