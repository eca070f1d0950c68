"""Resident initiatives and meeting places: Mesa agents over model-owned arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

from model.core.categories import INITIATIVE_KINDS

if TYPE_CHECKING:
    from model.core.community import CommunityModel


class Initiative(mesa.Agent):
    """A resident initiative (slot ``idx`` of :class:`model.core.state.Initiatives`).

    A slot is reused after its initiative ends; ``alive`` tells whether one occupies it.
    """

    model: CommunityModel

    def __init__(self, model: CommunityModel, idx: int) -> None:
        """Attach the agent to initiative slot ``idx``."""
        super().__init__(model)
        self.idx = int(idx)

    def describe(self) -> dict[str, Any]:
        """A snapshot of the initiative's state."""
        ini, k = self.model.inits, self.idx
        return {
            "idx": k, "alive": bool(ini.alive[k]), "kind": INITIATIVE_KINDS[ini.kind[k]],
            "neighbourhood": str(self.model.nbh_names[ini.nbh[k]]), "core": int(ini.n_core[k]),
            "members": int(ini.n_members[k]), "age_weeks": int(self.model.week - ini.founded[k]),
            "grant_weeks_left": int(ini.grant_weeks_left[k]), "taken_over": bool(ini.taken_over[k]),
            "meeting_place": int(ini.place[k]) if ini.place[k] >= 0 else None,
        }


class MeetingPlace(mesa.Agent):
    """A low-threshold meeting place (buurthuis), row ``idx`` of :class:`model.core.state.Places`."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, idx: int) -> None:
        """Attach the agent to place ``idx``."""
        super().__init__(model)
        self.idx = int(idx)

    def describe(self) -> dict[str, Any]:
        """A snapshot of the place's state."""
        pl, i = self.model.places, self.idx
        return {
            "idx": i, "neighbourhood": str(self.model.nbh_names[pl.nbh[i]]), "open": bool(pl.open[i]),
            "capacity": int(pl.capacity[i]), "funding_share": float(pl.funding[i]),
            "visits_this_week": int(pl.visits[i]),
        }
