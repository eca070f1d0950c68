"""Policy levers: the model state that steering modes and interventions set, and a steering mode's profile.

Levers live in the running model (not in the parameters) so that they can change
mid-run: each week the steering mode writes them per neighbourhood from its
profile, then active interventions adjust them. Agents only read levers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.core.schema import param


@dataclass(frozen=True)
class SteeringProfile:
    """The lever values one steering mode sets (per neighbourhood, weekly)."""

    accountability: float = param(1.0, unit="x baseline administrative load", source="assumption",
                                  lo=0, hi=5, doc="Reporting load on professionals and initiatives.")
    control: float = param(0.5, unit="0-1 controlling pressure", source="Frey & Jegen 2001 (concept); assumption",
                           lo=0, hi=1, doc="Conditions and duties felt by active residents (motivation crowding).")
    grant_prob: float = param(0.4, unit="probability per new initiative", source="assumption", lo=0, hi=1,
                              doc="Chance a new initiative receives a start grant.")
    place_funding: float = param(1.0, unit="share of meeting places' base subsidy", source="assumption",
                                 lo=0, hi=2, doc="Municipal funding of meeting places.")
    protected_share: float = param(0.1, unit="share of professional hours", source="assumption", lo=0, hi=0.8,
                                   doc="Community-work time protected from casework.")
    builders_do_casework: bool = param(False, unit="flag", source="assumption",
                                       doc="Community builders are redeployed to casework.")
    takeover_rate: float = param(0.0, unit="1/week per struggling initiative or meeting place at risk",
                                 source="Van Ginkel & Verhaaren (dwingend en overnemend); assumption", lo=0, hi=1,
                                 doc="Municipality takes over initiatives that lack core volunteers and meeting places "
                                 "about to close, and keeps them going at its own cost.")
    inclusion_demand: float = param(1.0, unit="0-1 strength", source="Movisie 2022 (inclusion cramp); assumption",
                                    lo=0, hi=1, doc="Demand that initiatives recruit everyone, not similar others.")
    community_split: tuple[float, float, float, float] = param(
        (0.35, 0.30, 0.15, 0.20), unit="shares of community hours (connecting, initiative support, "
        "talent spotting, outreach)", source="assumption", lo=0, hi=1,
        doc="How professionals spend community-work hours.")
    targeting: float = param(0.5, unit="0 follows who comes forward, 1 seeks out the isolated",
                             source="SCP 2014, Burgermacht op eigen kracht? (participation follows resources); "
                             "assumption", lo=0, hi=1,
                             doc="Whom connecting and talent spotting reach: those who already take part, or the "
                             "isolated and vulnerable.")
    grant_weeks: int = param(104, unit="weeks",
                             source="Movisie 2022 (temporary subsidies lower durability); assumption", lo=0,
                             hi=1040, doc="How long a grant to a new initiative runs: temporary start grants or "
                             "structural subsidies on conditions.")
    place_self_managed: float = param(
        0.0, unit="share of each neighbourhood's meeting places",
        source="LSA 2015 quickscan (resident-run buurthuizen in half of 20 large gemeenten); Huygen 2014 "
        "(buurthuizen in zelfbeheer); assumption", lo=0, hi=1,
        doc="Meeting places handed to residents (zelfbeheer): cheaper, but they close when too few volunteers "
        "run them.")
    diversion: float = param(0.4, unit="chance per request at the front desk",
                             source="Wmo 2015 art. 2.3.2 (own strength, network and general facilities first); "
                             "assumption", lo=0, hi=1,
                             doc="The front desk matches a light or moderate need with a free volunteer of a resident "
                             "initiative instead of the waiting list.")
    bemoeizorg_share: float = param(0.02, unit="share of the district team's casework time",
                                    source="OGGz bemoeizorg (outreaching care for residents who avoid care); "
                                    "assumption", lo=0, hi=0.5,
                                    doc="Casework time spent seeking out residents with heavy needs who do not ask.")
    capacity_response: float = param(
        0.25, unit="most extra district-team FTE, as a share of the team",
        source="Kassa 2023 (a quarter of gemeenten exceed the 8-week Wmo term and add staff); Rotterdam 2019 "
        "(extra Wmo advisers); assumption", lo=0, hi=2,
        doc="Temporary staff the municipality hires while the mean wait exceeds the legal term.")
    capacity_lag_weeks: float = param(13.0, unit="weeks (time constant of hiring and release)",
                                      source="Assen 2021 (a project team took about a year to clear a Wmo backlog); "
                                      "assumption", lo=1, hi=260, doc="How fast extra staff comes and goes.")


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
