"""The municipality: steers through a pluggable steering mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from model.core.community import CommunityModel


class Municipality(mesa.Agent):
    """Sets the week's levers through the model's current steering mode (submodel ``steer``)."""

    model: CommunityModel

    def step(self) -> None:
        """Reset the levers that come from parameters, then let the steering mode set the rest."""
        m = self.model
        m.levers.citizen_budget_eur[:] = m.p.citizen_budget_eur
        m.levers.demand_multiplier[:] = m.p.demand_multiplier
        m.steering.set_levers(m)
