"""The model as an EMA Workbench model, built from a design file.

A shell over :mod:`model.api`, as the command line is: EMA Workbench (Kwakkel 2017) separates
*uncertainties* (context), *levers* (policy choices) and *outcomes*, and :func:`ema_model` maps a
design (:mod:`model.experiments.sweeps`) onto them:

* uncertainties: the design's parameters, with their ranges and distributions (EMA parameter
  names are Python identifiers, e.g. ``steering_facilitating_accountability``; each carries the
  schema name as its ``variable_name``);
* lever: ``base_scenario``, the design's scenarios (when it has more than one);
* outcomes: the design's outputs, each a run's mean over its last ``final_weeks`` weeks,
  averaged over the design's seeds (EMA replications with a ``seed`` each), to be maximised or
  minimised as :data:`model.core.outputs.OUTPUTS` says which way is better (or for information).

Use it with any EMA evaluator and sampler::

    from ema_workbench import SequentialEvaluator, perform_experiments
    from model.ema import ema_model

    model = ema_model("where_enforcing_wins")
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=100, policies=2, evaluator=evaluator)
"""

from __future__ import annotations

import functools
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from model.api import OUTPUTS, Design, load_design, run_design_point

if TYPE_CHECKING:
    from model.experiments.sweep_parameters import SweepParameter

with warnings.catch_warnings():  # EMA warns about optional parallel back ends that are not installed
    warnings.simplefilter("ignore", UserWarning)
    from ema_workbench import (
        CategoricalParameter,
        IntegerParameter,
        RealParameter,
        ReplicatorModel,
        ScalarOutcome,
    )

LEVER = "base_scenario"


def ema_name(name: str) -> str:
    """The EMA name (a Python identifier) of a design parameter, e.g. ``case_hours_2`` for ``case_hours[2]``."""
    return re.sub(r"\W+", "_", name).strip("_")


def _uncertainty(p: SweepParameter) -> Any:
    name, variable = ema_name(p.name), p.name
    if p.kind == "categorical":
        return CategoricalParameter(name, list(p.values), variable_name=variable)
    if p.kind == "integer":
        return IntegerParameter(name, int(p.low), int(p.high), variable_name=variable)
    shape = dict(p.shape)
    width = p.high - p.low
    dist = {
        "uniform": None,
        "loguniform": lambda: stats.loguniform(p.low, p.high),
        "triangular": lambda: stats.triang((shape["peak"] - p.low) / width, loc=p.low, scale=width),
        "truncnormal": lambda: stats.truncnorm((p.low - shape["mean"]) / shape["sd"],
                                               (p.high - shape["mean"]) / shape["sd"],
                                               loc=shape["mean"], scale=shape["sd"]),
    }[p.distribution]
    if dist is None:
        return RealParameter(name, p.low, p.high, variable_name=variable)
    return RealParameter.from_dist(name, dist(), variable_name=variable)


def evaluate(design: Design, seed: int = 0, **values: Any) -> dict[str, float]:
    """One run of the design's model: the outputs for parameter values by schema name.

    Args:
        design: The design (scenarios, run size, outputs).
        seed: The run's seed.
        **values: Parameter values by schema name, and optionally ``base_scenario`` (a scenario's name).

    Returns:
        The design's outputs of the run.

    """
    scenario = values.pop(LEVER, None)
    return run_design_point(design, values, seed, scenario)


def ema_model(design: Design | str | Path, name: str = "vitality") -> ReplicatorModel:
    """An EMA Workbench model of a design (a :class:`Design`, a shipped design's name or a file).

    Args:
        design: The design: its parameters become uncertainties, its scenarios the lever, its outputs outcomes.
        name: The EMA model's name (a Python identifier).

    Returns:
        A ``ReplicatorModel`` with one replication per seed of the design.

    """
    design = design if isinstance(design, Design) else load_design(design)
    model = ReplicatorModel(name, function=functools.partial(evaluate, design))
    model.uncertainties = [_uncertainty(p) for p in design.parameters]
    if len(design.scenarios) > 1:
        model.levers = [CategoricalParameter(LEVER, [sc.name for sc in design.scenarios])]
    kinds = {"higher": ScalarOutcome.MAXIMIZE, "lower": ScalarOutcome.MINIMIZE, "neutral": ScalarOutcome.INFO}
    model.outcomes = [ScalarOutcome(output, kind=kinds[OUTPUTS[output].better], function=np.mean)
                      for output in design.outputs]
    model.replications = [{"seed": seed} for seed in design.seeds]
    return model
