"""Non-UI support of the workshop dashboard (``dashboard.py``), by concern.

The dashboard only lays out widgets; everything it shows comes from here, and nothing here
changes a model rule:

* :mod:`~model.workshop.session`: :class:`WorkshopModel` (the city with the room's decisions and
  a baseline branch) and :func:`snapshot` (a consistent copy of what the page shows);
* :mod:`~model.workshop.figures`: the big numbers (:func:`monitors`) and the charts (``draw_*``,
  :func:`figure`);
* :mod:`~model.workshop.exports`: :func:`charts_png` and :func:`session_csv`;
* :mod:`~model.workshop.info`: the info tab, quoting ``docs/ODD.md``;
* :mod:`~model.workshop.sliders`: the sliders, generated from the schema and the plug-ins (steering modes
  and interventions declare their own sliders, labels and how the room applies them).
"""

from model.reporting.odd import ODD_PATH
from model.workshop.exports import charts_png, export_name, session_csv
from model.workshop.figures import DECISION_COLOUR, Monitor, figure, monitors, png
from model.workshop.info import info_html, info_markdown, odd_section
from model.workshop.session import STEERING_MODES, Decision, Snapshot, WorkshopModel, snapshot
from model.workshop.sliders import (
    DEFAULT_SCENARIO,
    KEY_LEVERS,
    SliderSpec,
    decimals,
    lever_specs,
    place_problem,
    slider_specs,
    snap,
    start_settings,
    start_values,
)

__all__ = [
    "DECISION_COLOUR", "DEFAULT_SCENARIO", "KEY_LEVERS", "ODD_PATH", "STEERING_MODES", "Decision", "Monitor",
    "SliderSpec", "Snapshot", "WorkshopModel", "charts_png", "decimals", "export_name", "figure", "info_html",
    "info_markdown", "lever_specs", "monitors", "odd_section", "place_problem", "png", "session_csv", "slider_specs",
    "snap", "snapshot", "start_settings", "start_values",
]
