"""Policy levers: the model state that steering modes and interventions set.

Levers live in the running model (not in the parameters) so that they can change
mid-run: each week the steering mode writes them per neighbourhood from its
profile, then active interventions adjust them. Agents only read levers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.core.parameters import SteeringProfile


@dataclass
class Levers:
    """Lever values per neighbourhood (arrays of length ``n_neighbourhoods``)."""

    mode: np.ndarray
    accountability: np.ndarray
    initiative_accountability: np.ndarray
    control: np.ndarray
    grant_prob: np.ndarray
    place_funding: np.ndarray
    protected_share: np.ndarray
    builders_do_casework: np.ndarray
    takeover_rate: np.ndarray
    inclusion_demand: np.ndarray
    community_split: np.ndarray
    targeting: np.ndarray
    grant_weeks: np.ndarray
    place_self_managed: np.ndarray
    diversion: np.ndarray
    bemoeizorg_share: np.ndarray
    capacity_response: np.ndarray
    capacity_lag_weeks: np.ndarray
    citizen_budget_eur: np.ndarray
    demand_multiplier: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Levers:
        """Levers for ``n`` neighbourhoods, all zero until a steering mode sets them."""
        z = np.zeros(n)
        return cls(mode=np.full(n, "", dtype=object), accountability=z.copy(), initiative_accountability=z.copy(),
                   control=z.copy(), grant_prob=z.copy(), place_funding=z.copy(), protected_share=z.copy(),
                   builders_do_casework=np.zeros(n, dtype=bool), takeover_rate=z.copy(),
                   inclusion_demand=z.copy(), community_split=np.zeros((n, 4)), targeting=z.copy(),
                   grant_weeks=np.zeros(n, dtype=np.int64), place_self_managed=z.copy(), diversion=z.copy(),
                   bemoeizorg_share=z.copy(), capacity_response=z.copy(), capacity_lag_weeks=np.ones(n),
                   citizen_budget_eur=z.copy(), demand_multiplier=np.ones(n))

    def set_profile(self, where: np.ndarray | slice, name: str, profile: SteeringProfile) -> None:
        """Write one steering profile's lever values into the selected neighbourhoods."""
        self.mode[where] = name
        self.accountability[where] = profile.accountability
        self.initiative_accountability[where] = profile.accountability
        self.control[where] = profile.control
        self.grant_prob[where] = profile.grant_prob
        self.place_funding[where] = profile.place_funding
        self.protected_share[where] = profile.protected_share
        self.builders_do_casework[where] = profile.builders_do_casework
        self.takeover_rate[where] = profile.takeover_rate
        self.inclusion_demand[where] = profile.inclusion_demand
        self.community_split[where] = profile.community_split
        self.targeting[where] = profile.targeting
        self.grant_weeks[where] = profile.grant_weeks
        self.place_self_managed[where] = profile.place_self_managed
        self.diversion[where] = profile.diversion
        self.bemoeizorg_share[where] = profile.bemoeizorg_share
        self.capacity_response[where] = profile.capacity_response
        self.capacity_lag_weeks[where] = profile.capacity_lag_weeks
