"""The municipality: steers through a pluggable steering mode, and hires staff when waits are long."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from model.core.community import CommunityModel

NEVER = np.iinfo(np.int64).min // 2


class Municipality(mesa.Agent):
    """Sets the week's levers through the model's current steering mode (submodel ``steer``).

    Attributes:
        switched_week: Per neighbourhood, the week its steering mode last changed (community work is
            disrupted for a while after a switch, ``model.core.submodels.community_work``).
        hiring: Per neighbourhood, whether the municipality is hiring temporary staff.
    """

    model: CommunityModel

    def __init__(self, model: CommunityModel) -> None:
        """The municipality of ``model``'s city; no mode switched yet, nobody hired."""
        super().__init__(model)
        self.switched_week = np.full(model.n_nbh, NEVER, dtype=np.int64)
        self.hiring = np.zeros(model.n_nbh, dtype=bool)
        self._hired_in_week = NEVER

    def step(self) -> None:
        """Reset the levers that come from parameters, let the steering mode set the rest, then hire or release."""
        m = self.model
        before = m.levers.mode.copy()
        m.levers.citizen_budget_eur[:] = m.p.citizen_budget_eur
        m.levers.demand_multiplier[:] = m.p.demand_multiplier
        m.steering.set_levers(m)
        self.switched_week[(before != "") & (before != m.levers.mode)] = m.week
        if self._hired_in_week != m.week:  # once a week, also when the mode is switched mid-week
            self._hired_in_week = m.week
            self.hire_when_waits_are_long()

    def hire_when_waits_are_long(self) -> None:
        """Temporary district-team staff while the mean wait exceeds the legal term (``wait_norm_weeks``).

        Hiring starts when the mean wait of those on a neighbourhood's waiting list passes the term
        and stops when it falls below half of it. Staff then moves towards the ``capacity_response``
        lever's share of the permanent team (or towards none) as a first-order delay with the
        ``capacity_lag_weeks`` lever as time constant; below 0.05 FTE the last of it leaves.
        """
        m = self.model
        lev = m.levers
        wait = m.observe_neighbourhoods()["mean_wait_weeks"]
        norm = m.p.wait_norm_weeks
        self.hiring = np.where(wait > norm, True, np.where(wait < norm / 2, False, self.hiring))
        target = self.hiring * lev.capacity_response * m.team_fte
        post = m.hired_post
        fte = m.pro_fte[post] + (target - m.pro_fte[post]) / lev.capacity_lag_weeks
        fte[(target == 0) & (fte < 0.05)] = 0.0
        m.pro_fte[post] = fte
        for i, f in zip(post, fte, strict=True):
            m.professionals[i].fte = float(f)
