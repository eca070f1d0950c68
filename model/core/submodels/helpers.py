"""Helper rules used by several submodels (``docs/ODD.md``, section 7, "Helper rules").

Recovery and worsening of life domains, the casework a case asks, how much a resident goes out,
meeting activities without a place, and the parameters a compiled kernel reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.parameters import INITIATIVE_KINDS
from model.core.state import DAILY_LIVING, PHYSICAL, need_level_of

if TYPE_CHECKING:
    from model.core.community import CommunityModel
    from model.core.parameters import Parameters

MEETING = INITIATIVE_KINDS.index("meeting_activity")


def kernel_parameters(kind: type, p: Parameters) -> tuple:
    """The parameters a compiled kernel reads, as the named tuple ``kind`` (numba takes tuples, not dataclasses)."""
    return kind(*(getattr(p, name) for name in kind._fields))


def recoverable_domains(m: CommunityModel, who: np.ndarray) -> np.ndarray:
    """The nine life-domain scores of ``who``, a chronic resident's floor read as 6.

    Chronic residents' daily-living and physical domains do not recover above 2 (long-term support).
    """
    z = m.pop.zrm[who, :9].copy()
    cols = [DAILY_LIVING, PHYSICAL]
    z[:, cols] = np.where(m.pop.chronic[who][:, None] & (z[:, cols] >= 2), 6, z[:, cols])
    return z


def recover(m: CommunityModel, who: np.ndarray) -> None:
    """Raise the lowest recoverable life domain of ``who`` by one ZRM point.

    Chronic residents' daily-living and physical domains do not recover above 2
    (long-term support); their other domains recover as anyone's.
    """
    z = recoverable_domains(m, who)
    dom = z.argmin(axis=1)
    can = z[np.arange(len(who)), dom] < 5
    who, dom = who[can], dom[can]
    m.pop.zrm[who, dom] += 1


def case_hours_of(m: CommunityModel) -> np.ndarray:
    """Weekly casework each resident's case asks: ``p.case_hours`` by need level.

    A chronic resident whose only problems are the chronic ones asks ``p.chronic_case_hours``:
    the long-term support itself comes from providers (home care, Wmo maatwerk), the team
    reassesses now and then.
    """
    pop, p = m.pop, m.p
    level = need_level_of(pop.zrm)
    hours = np.array(p.case_hours)[np.maximum(level - 1, 0)]
    chronic = np.flatnonzero(pop.chronic & (level >= 2))
    hours[chronic[recoverable_domains(m, chronic).min(axis=1) >= 3]] = p.chronic_case_hours
    return hours


def worsen(m: CommunityModel, who: np.ndarray, dom: np.ndarray) -> None:
    """Lower life domain ``dom`` of each resident in ``who`` by one ZRM point (not below 1)."""
    m.pop.zrm[who, dom] = np.maximum(m.pop.zrm[who, dom] - 1, 1)


def activity(m: CommunityModel) -> np.ndarray:
    """How much a resident goes out: lonely residents withdraw, poor health keeps people in."""
    return _activity_of(m.p.withdrawal, m.p.poor_health_activity, m.pop.score, m.pop.zrm)


@numba.njit(cache=True)
def _activity_of(withdrawal: float, poor_health: float, score: np.ndarray, zrm: np.ndarray) -> np.ndarray:
    act = np.empty(len(score))
    for i in range(len(score)):
        health = poor_health if min(zrm[i, PHYSICAL], zrm[i, DAILY_LIVING]) <= 2 else 1.0
        act[i] = (1 - withdrawal * score[i] / 11) * health
    return act


def members_without_place(m: CommunityModel, k: np.ndarray) -> np.ndarray:
    """Tell which of the initiatives ``k`` are meeting activities without an open meeting place."""
    ini = m.inits
    return (ini.kind[k] == MEETING) & ((ini.place[k] < 0) | ~m.places.open[np.maximum(ini.place[k], 0)])
