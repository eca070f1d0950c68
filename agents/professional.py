"""Professionals: social district team members and community builders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from model.core.state import CASE_OPEN

if TYPE_CHECKING:
    from model.core.community import CommunityModel


class Professional(mesa.Agent):
    """One professional with one weekly hour budget (submodel ``allocate_professional_time``).

    The budget is split as: administration first (fixed plus per open case, scaled by
    the accountability lever), then the protected community-work share, then casework
    up to what is left; community work is whatever remains. So
    ``casework + admin + community == hours_per_week`` every week. Where casework is
    served first and protection is zero, community work is what casework leaves over
    (the casework trap).
    """

    model: CommunityModel

    def __init__(self, model: CommunityModel, nbh: int, role: str, fte: float = 1.0) -> None:
        """Create a professional of ``role`` ("district_team" or "community_builder") in neighbourhood ``nbh``.

        ``fte`` is the share of a full-time week (``hours_per_week``) the professional works.
        """
        super().__init__(model)
        self.nbh = nbh
        self.role = role
        self.fte = fte
        self.idx = -1
        self.casework = 0.0
        self.admin = 0.0
        self.community = 0.0

    @property
    def does_casework(self) -> bool:
        """District team members do casework; community builders only when redeployed by the steering mode."""
        return self.role == "district_team" or bool(self.model.levers.builders_do_casework[self.nbh])

    def step(self) -> None:
        """Split this week's hours and take new cases from the neighbourhood's waiting list."""
        m = self.model
        p, lev = m.p, m.levers
        budget = self.fte * p.hours_per_week
        # Python floats: the same arithmetic as with numpy scalars, several times faster in this loop.
        acc = float(lev.accountability[self.nbh])
        protected = float(lev.protected_share[self.nbh]) * budget
        demand = float(m.case_demand[self.idx])
        cases = int(m.case_count[self.idx])
        admin = min(budget, acc * (self.fte * p.admin_base_hours + p.admin_per_case_hours * cases))
        if self.does_casework:
            queue = m.waiting_by_nbh[self.nbh]
            case_hours = m.case_hours_now
            while queue:
                r = queue[0]
                hours = float(case_hours[r])
                extra_admin = acc * p.admin_per_case_hours
                if demand + hours + admin + extra_admin + protected > budget:
                    break
                queue.popleft()
                m.pop.case_state[r] = CASE_OPEN
                m.pop.case_prof[r] = self.idx
                demand += hours
                m.counters.cases_opened[self.nbh] += 1
                admin += extra_admin
            self.casework = max(0.0, min(demand, budget - admin - protected))
        else:
            self.casework = 0.0
        m.case_demand[self.idx] = demand
        self.admin = admin
        self.community = budget - admin - self.casework
