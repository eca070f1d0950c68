"""Residents: Mesa agents whose state lives in the model's :class:`model.core.state.Population` arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from model.core.categories import AGE_GROUPS, TALENTS, ZRM_DOMAINS
from model.core.state import need_level_of

if TYPE_CHECKING:
    from model.core.community import CommunityModel

LONELINESS_CATEGORIES = ("not lonely", "moderately lonely", "severely lonely", "very severely lonely")


def loneliness_category(score: int) -> str:
    """De Jong Gierveld category of an 11-item score: 0-2 not, 3-8 moderate, 9-10 severe, 11 very severe."""
    if score <= 2:
        return LONELINESS_CATEGORIES[0]
    if score <= 8:
        return LONELINESS_CATEGORIES[1]
    return LONELINESS_CATEGORIES[2] if score <= 10 else LONELINESS_CATEGORIES[3]


class Resident(mesa.Agent):
    """An adult resident. Read-only views of the model-owned arrays at index ``idx``.

    Residents have no ``step``: their weekly dynamics are the vectorised submodels
    of :class:`model.core.community.CommunityModel`.
    """

    model: CommunityModel

    def __init__(self, model: CommunityModel, idx: int) -> None:
        """Attach the agent to row ``idx`` of the population arrays."""
        super().__init__(model)
        self.idx = int(idx)

    @property
    def neighbourhood(self) -> str:
        """Name of the resident's neighbourhood."""
        return str(self.model.nbh_names[self.model.pop.nbh[self.idx]])

    @property
    def age_group(self) -> str:
        """Age group, e.g. ``"75+"``."""
        return AGE_GROUPS[self.model.pop.age[self.idx]]

    @property
    def lives_alone(self) -> bool:
        """True for a one-person household."""
        return bool(self.model.pop.alone[self.idx])

    @property
    def loneliness(self) -> int:
        """De Jong Gierveld score 0-11."""
        return int(self.model.pop.score[self.idx])

    @property
    def loneliness_category(self) -> str:
        """Not, moderately, severely or very severely lonely."""
        return loneliness_category(self.loneliness)

    @property
    def talents(self) -> list[str]:
        """What the resident can offer."""
        return [t for t, has in zip(TALENTS, self.model.pop.talents[self.idx], strict=True) if has]

    @property
    def zrm(self) -> dict[str, int]:
        """Zelfredzaamheidsmatrix scores per domain, 1 (acute) to 5 (self-reliant)."""
        return {d: int(v) for d, v in zip(ZRM_DOMAINS, self.model.pop.zrm[self.idx], strict=True)}

    @property
    def need_level(self) -> int:
        """What the resident asks: 0 none, 1 light, 2 moderate, 3 heavy."""
        return int(need_level_of(self.model.pop.zrm, np.array([self.idx]))[0])

    @property
    def motivation(self) -> float:
        """Mean of autonomy, competence and relatedness (0-1)."""
        return float(self.model.pop.motivation[self.idx])

    @property
    def engagement(self) -> float:
        """Smoothed attendance at meeting places and initiatives (0-1)."""
        return float(self.model.pop.engagement[self.idx])

    def ties(self) -> list[tuple[int, float]]:
        """The resident's ties as (other resident's idx, strength)."""
        net = self.model.net
        other = net.neighbours(self.idx)
        w = net.w[net.find([self.idx] * len(other), other)]
        return [(int(o), float(s)) for o, s in zip(other, w, strict=True)]

    def describe(self) -> dict[str, Any]:
        """A snapshot of the resident's state, for inspection in notebooks and the dashboard."""
        pop, i = self.model.pop, self.idx
        k = int(pop.member_of[i])
        return {
            "idx": i, "neighbourhood": self.neighbourhood, "age_group": self.age_group,
            "lives_alone": self.lives_alone, "low_income": bool(pop.low_income[i]),
            "vulnerability": float(pop.vulnerability[i]), "talents": self.talents, "zrm": self.zrm,
            "need_level": self.need_level, "loneliness": self.loneliness,
            "loneliness_social": round(pop.lon_s[i]), "loneliness_emotional": round(pop.lon_e[i]),
            "loneliness_category": self.loneliness_category, "good_ties": int(pop.good_ties[i]),
            "ties": len(self.ties()), "autonomy": float(pop.autonomy[i]), "competence": float(pop.competence[i]),
            "relatedness": float(pop.relatedness[i]), "motivation": self.motivation,
            "trust": float(pop.trust[i]), "initiative": k if k >= 0 else None, "core_volunteer": bool(pop.core[i]),
            "volunteer_hours": float(pop.volunteer_hours[i]), "informal_care_hours": float(pop.care_given[i]),
            "case_state": ("none", "waiting", "open")[int(pop.case_state[i])],
        }
