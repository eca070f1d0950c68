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
    ``casework + admin + community == fte * hours_per_week`` every week. Where casework is
    served first and protection is zero, community work is what casework leaves over
    (the casework trap). Those who do casework reserve the ``bemoeizorg_share`` lever's share
    of their casework time for seeking out residents who do not ask (counted as casework).
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
        self.casework = 0.0
        self.admin = 0.0
        self.community = 0.0
        self.bemoeizorg = 0.0

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
            outreach = float(lev.bemoeizorg_share[self.nbh]) * max(0.0, budget - admin - protected)
            queue = m.waiting_by_nbh[self.nbh]
            case_hours, case_state, case_prof = m.case_hours_now, m.pop.case_state, m.pop.case_prof
            extra_admin = acc * p.admin_per_case_hours
            opened = 0
            while queue:
                r = queue[0]
                hours = float(case_hours[r])
                if demand + hours + admin + extra_admin + protected + outreach > budget:
                    break
                queue.popleft()
                case_state[r] = CASE_OPEN
                case_prof[r] = self.idx
                demand += hours
                opened += 1
                admin += extra_admin
            if opened:  # a numpy element's update costs a microsecond; most weeks most open none
                m.counters.cases_opened[self.nbh] += opened
            self.bemoeizorg = min(outreach, max(0.0, budget - admin - protected))
            self.casework = max(0.0, min(demand, budget - admin - protected - self.bemoeizorg)) + self.bemoeizorg
        else:
            self.bemoeizorg = 0.0
            self.casework = 0.0
        m.case_demand[self.idx] = demand
        self.admin = admin
        self.community = max(0.0, budget - admin - self.casework)  # not below 0 by rounding
