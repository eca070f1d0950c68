"""The submodels of one weekly step, by ``docs/ODD.md`` theme; the step order is in ``CommunityModel``'s docstring.

Each function is one submodel of ``docs/ODD.md`` (section 7), under the same name, in the module
of its theme:

==============  =====================================================================
``policy``      ``steer``, ``apply_interventions``
``needs``       ``life_events``, ``informal_help``, ``escalate_needs``, ``casework``
``venues``      ``fund_meeting_places``, ``visit_venues``
``ties``        ``form_ties``, ``maintain_ties``
``professionals``  ``allocate_professional_time``, ``community_work``
``initiatives``  ``initiative_lifecycle`` (its founding in ``founding``)
``wellbeing``   ``update_motivation``, ``update_loneliness``, ``update_trust`` (and ``settle``)
==============  =====================================================================

``collect`` is :func:`model.core.metrics.collect`; rules several submodels share are in
:mod:`model.core.submodels.helpers`. The submodels update the model-owned arrays in place,
vectorised over all residents (or ties, places, initiatives, professionals); only the
municipality steps as one agent. Every number they use is a parameter of
:class:`model.core.parameters.Parameters`.

Where a profile of a 100,000-resident city showed a submodel's many numpy passes over all
residents to cost more than its rules warrant, the per-resident arithmetic is one compiled
loop (numba) next to the submodel (``docs/performance.md``). Most such loops draw their own random
numbers from one key of the model's generator per call (:mod:`model.core.draws`); exponentials are
computed by numpy (its ``exp`` rounds differently from numba's).
"""

from model.core.metrics import collect
from model.core.submodels.initiatives import initiative_lifecycle
from model.core.submodels.needs import casework, escalate_needs, informal_help, life_events
from model.core.submodels.policy import apply_interventions, steer
from model.core.submodels.professionals import allocate_professional_time, community_work
from model.core.submodels.ties import form_ties, maintain_ties
from model.core.submodels.venues import fund_meeting_places, visit_venues
from model.core.submodels.wellbeing import settle, update_loneliness, update_motivation, update_trust

__all__ = [
    "allocate_professional_time", "apply_interventions", "casework", "collect", "community_work", "escalate_needs",
    "form_ties", "fund_meeting_places", "informal_help", "initiative_lifecycle", "life_events", "maintain_ties",
    "settle", "steer", "update_loneliness", "update_motivation", "update_trust", "visit_venues",
]
