"""Submodels 1-2: the municipality steers, and timed interventions act (``docs/ODD.md``, 7.1-7.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.core.community import CommunityModel


# 1 -------------------------------------------------------------------------------
def steer(m: CommunityModel) -> None:
    """Let the municipality's steering mode set this week's levers (and the base levers from parameters)."""
    m.municipality.step()


# 2 -------------------------------------------------------------------------------
def apply_interventions(m: CommunityModel) -> None:
    """Start or end the interventions that are due; then let every active one adjust the levers."""
    for iv in m.interventions:
        iv.transition(m)
    for iv in m.interventions:
        if iv.active(m.week):
            iv.apply(m)
