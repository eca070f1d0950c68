"""Timed interventions, as plug-ins found by name (``docs/ODD.md``, section 9.2).

* :mod:`.base`: the lifecycle (``on_start``, ``apply``, ``on_end``), the registry and :func:`make_intervention`;
* :mod:`.policies`: the municipality's policies (steering switches, budgets, time rules, shocks);
* :mod:`.participation`: what people in a workshop room do where no lever existed yet (ODD 9.3).

An intervention carries what the rest of the program needs to know about it: its name in Dutch
and English (``label``), a description, and its settings as dataclass fields declared with
:func:`~model.core.schema.setting` (unit, allowed range, Dutch and English label, and the dashboard
slider of one that the workshop room sets live); ``live`` says how the room applies it now.
Scenario files, the dashboard and the translations read all of it from here. Add one by
subclassing :class:`Intervention` (a dataclass) in one of these modules and decorating it with
:func:`register_intervention` (and describe it in ``docs/ODD.md``, section 9.2). Importing this
package registers them all.
"""

from model.core.interventions import policies  # noqa: F401 (importing the module registers its plug-ins)
from model.core.interventions.base import (
    INTERVENTION_REGISTRY,
    Intervention,
    LiveLever,
    make_intervention,
    register_intervention,
)
from model.core.interventions.participation import COMMITMENTS, HELP_SOURCES

__all__ = ["COMMITMENTS", "HELP_SOURCES", "INTERVENTION_REGISTRY", "Intervention", "LiveLever", "make_intervention",
           "register_intervention"]
