"""Professionals: social district team members and community builders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from model.core.community import CommunityModel


class Professional(mesa.Agent):
    """One professional with one weekly hour budget (submodel ``allocate_professional_time``).

    The week's split of the budget over casework, administration and community work is computed
    for all professionals at once, in one compiled pass over their arrays
    (:func:`model.core.submodels.professionals._split_weeks`, where the rule is written); an agent
    reads its own hours from those arrays (``m.pro_hours``, ``m.pro_bemoeizorg``) by its ``idx``.
    A ``hired`` professional is the neighbourhood's post for temporary staff, whose ``fte``
    the municipality sets (0 while it hires nobody).
    """

    model: CommunityModel

    def __init__(self, model: CommunityModel, nbh: int, role: str, fte: float = 1.0, hired: bool = False) -> None:
        """Create a professional of ``role`` ("district_team" or "community_builder") in neighbourhood ``nbh``.

        ``fte`` is the share of a full-time week (``hours_per_week``) the professional works; ``hired``
        marks the post for temporary staff.
        """
        super().__init__(model)
        self.nbh = nbh
        self.role = role
        self.fte = fte
        self.hired = hired
        self.idx = -1

    @property
    def does_casework(self) -> bool:
        """District team members do casework; community builders only when redeployed by the steering mode."""
        return self.role == "district_team" or bool(self.model.levers.builders_do_casework[self.nbh])

    @property
    def casework(self) -> float:
        """This week's casework hours, bemoeizorg included."""
        return float(self.model.pro_hours[self.idx, 0])

    @property
    def admin(self) -> float:
        """This week's administration hours."""
        return float(self.model.pro_hours[self.idx, 1])

    @property
    def community(self) -> float:
        """This week's community-work hours."""
        return float(self.model.pro_hours[self.idx, 2])

    @property
    def bemoeizorg(self) -> float:
        """This week's hours spent seeking out residents who do not ask (part of :attr:`casework`)."""
        return float(self.model.pro_bemoeizorg[self.idx])
