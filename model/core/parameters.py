"""The parameter schema: the single source of every model parameter.

Every field has a default, a unit, a source and (for numbers) an allowed range.
Scenario files and the dashboard only *override* these defaults; unknown keys,
wrong types and out-of-range values are rejected with a :class:`ParameterError`
that names the key.

Sources marked ``assumption`` are free parameters; the calibration issue fits
some of them to the targets in ``docs/ODD.md`` (section "Input data").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.core.archetypes import Archetype as Archetype  # the neighbourhood archetype, also importable from here
from model.core.archetypes import default_archetypes
from model.core.categories import AGE_GROUPS as AGE_GROUPS  # the categories, also importable from here
from model.core.categories import COMMUNITY_ACTIVITIES as COMMUNITY_ACTIVITIES
from model.core.categories import INITIATIVE_KINDS as INITIATIVE_KINDS
from model.core.categories import LIFE_DOMAINS as LIFE_DOMAINS
from model.core.categories import TALENTS as TALENTS
from model.core.categories import ZRM_DOMAINS as ZRM_DOMAINS
from model.core.levers import SteeringProfile
from model.core.schema import ParameterError, apply_overrides, param, to_plain
from model.core.steering import STEERING_REGISTRY
from model.messages import msg


def _profiles() -> dict[str, SteeringProfile]:
    """The lever values of every fixed steering mode, as each mode declares them (``model.core.steering``)."""
    return {name: mode.profile for name, mode in STEERING_REGISTRY.items() if mode.profile is not None}


#: Provenance of the calibrated defaults (the fields declared with ``fitted=FIT``). The calibration
#: (``python -m model.experiments.calibration search``) rewrites those defaults and this line; its record,
#: with the model's values at the fit, is ``docs/calibration/fit.toml``.
FIT = (
    "calibrated 2026-12-06 (objective 2.96; from the defaults of the previous fit) to Gezondheidsmonitor 2020"
    " (loneliness), CBS (volunteering, mantelzorg, Wmo), Movisie 2023 (admin)"
)


@dataclass(frozen=True)
class Parameters:
    """All parameters of the community-vitality model (time step: one week)."""

    # --- scale, composition and start ------------------------------------------
    n_residents: int = param(2000, unit="adult residents", source="user choice", lo=50, hi=2_000_000,
                             doc="Adults (18+) living in the city.")
    years: float = param(10.0, unit="years", source="user choice", lo=0.02, hi=100,
                         doc="Default run length (after the burn-in).")
    neighbourhoods_per_archetype: int = param(1, unit="neighbourhoods", source="user choice", lo=1, hi=50,
                                              doc="How many neighbourhoods of each archetype the city has.")
    archetypes: dict[str, Archetype] = field(default_factory=default_archetypes, metadata={
        "unit": "", "source": "CBS Kerncijfers wijken en buurten 2023 (stylised)",
        "doc": "Neighbourhood archetypes by name."})
    burn_in_years: float = param(3.0, unit="years", source="assumption (time for ties, initiatives and caseloads "
                                 "to settle from the synthetic start)", lo=0, hi=50,
                                 doc="Weeks simulated before week 0 under `burn_in_steering`, not recorded.")
    burn_in_steering: str = param("framing", unit="mode", source="today's steering (DOMAIN: baseline = framing)",
                                  doc="Steering mode during the burn-in (a name in the steering registry).")

    # --- steering --------------------------------------------------------------
    steering_mode: str = param("framing", unit="mode", source="Van Ginkel & Verhaaren (layered steering)",
                               doc="The municipality's steering mode from week 0 (a name in the steering registry).")
    steering: dict[str, SteeringProfile] = field(default_factory=_profiles, metadata={
        "unit": "", "source": "assumption", "doc": "Lever values per fixed steering mode."})
    layered_review_weeks: int = param(13, unit="weeks", source="assumption", lo=1, hi=520,
                                      doc="How often the layered mode reviews each neighbourhood.")
    layered_crisis_waiting: float = param(5.0, unit="waiting residents per district-team FTE",
                                          source="assumption", lo=0, hi=1000,
                                          doc="Waiting list above which the layered mode enforces.")
    layered_energy_initiatives: float = param(4.0, unit="active initiatives per 1,000 adults",
                                              source="assumption", lo=0, hi=100,
                                              doc="Civic energy above which layered facilitates.")

    # --- residents: who they are ---------------------------------------------------
    alone_age_factor: tuple[float, float, float, float] = param(
        (0.8, 0.6, 1.0, 2.0), unit="x archetype alone_share, by age group (18-34, 35-54, 55-74, 75+)",
        source="CBS StatLine, persons by position in the household and age (recalled, rounded: about 17%, 13%, "
        "21% and 42% live alone)", lo=0, hi=5,
        doc="Living alone by age, relative to the neighbourhood's share.")
    vulnerability_beta: tuple[float, float] = param(
        (2.0, 6.0), unit="Beta(a, b) shape", source="assumption", lo=0.01, hi=100,
        doc="Spread of vulnerability (0-1) before income and age add to it.")
    vulnerability_low_income: float = param(0.25, unit="vulnerability points", source="assumption", lo=0, hi=1,
                                            doc="Added vulnerability of low-income residents.")
    vulnerability_75plus: float = param(0.1, unit="vulnerability points", source="assumption", lo=0, hi=1,
                                        doc="Added vulnerability at 75+.")
    chronic_share_75plus: float = param(0.25, unit="share of 75+", source="assumption", lo=0, hi=1,
                                        doc="Older residents whose daily-living problems do not recover.")
    talent_prevalence: tuple[float, float, float, float, float] = param(
        (0.35, 0.45, 0.15, 0.25, 0.25), unit="share with the talent (care, practical, organising, connecting, "
        "creative)", source="assumption (every resident has something to offer, seed 003)", lo=0, hi=1,
        doc="What residents can offer.")
    initial_problem_rates: tuple[float, float, float, float] = param(
        (0.25, 0.05, 0.015, 0.004), unit="chance per life domain of a score at most 4, 3, 2, 1 at the start",
        source="assumption (settles in the burn-in)", lo=0, hi=1,
        doc="Problems residents start with, raised by vulnerability as life events are.")
    reluctance_sd: float = param(0.2, unit="0-1", source="assumption", lo=0, hi=1,
                                 doc="Spread of reluctance to ask for help.")
    civic_beta: tuple[float, float] = param(
        (0.028, 0.052), unit="Beta(a, b) shape", source="assumption (regular volunteers are a minority; CBS)",
        lo=0.01, hi=100, doc="Propensity to volunteer (0-1).", fitted=FIT)

    # --- residents: needs (Zelfredzaamheidsmatrix) --------------------------------
    zrm_shock_rate: float = param(0.00701, unit="1/week per resident", source="assumption", lo=0, hi=1,
                                  doc="Life event lowering one life domain by one ZRM point.", fitted=FIT)
    vulnerability_shock_factor: float = param(3.0, unit="x shock rate at vulnerability 1", source="assumption",
                                              lo=0, hi=20, doc="Vulnerable residents meet more life events.")
    shock_factor_75plus: float = param(1.5, unit="x shock rate at 75+", source="assumption", lo=0, hi=10,
                                       doc="Older residents meet more life events (health, loss).")
    self_recovery_rate: float = param(0.012, unit="1/week", source="assumption", lo=0, hi=1,
                                      doc="A problem domain recovers one point on own strength.")
    informal_recovery_rate: float = param(0.02, unit="1/week", source="assumption", lo=0, hi=1,
                                          doc="Extra recovery when a tie helps.")
    casework_recovery_rate: float = param(0.0624, unit="1/week at full case hours", source="assumption", lo=0, hi=1,
                                          doc="Recovery while a professional works the case.", fitted=FIT)
    deterioration_rate: float = param(0.01, unit="1/week", source="assumption", lo=0, hi=1,
                                      doc="An unmet need worsens one point (escalation).")
    reluctance_mean: float = param(0.55, unit="0-1", source="Linders 2010 (vraagverlegenheid); assumption",
                                   lo=0, hi=1, doc="Mean reluctance to ask for help.")
    ask_rate: float = param(0.2848, unit="1/week", source="assumption", lo=0, hi=1,
                            doc="Chance per week that an unreluctant resident in need asks a tie.", fitted=FIT)
    prompted_ask: float = param(0.5, unit="added chance per week", source="assumption", lo=0, hi=1,
                                doc="A professional's encouragement to ask a tie for help.")
    escalation_weeks: int = param(8, unit="weeks", source="assumption", lo=0, hi=520,
                                  doc="Weeks of unmet moderate need before formal help is sought.")
    formal_ask_rate: float = param(0.2, unit="1/week", source="assumption", lo=0, hi=1,
                                   doc="Chance per week that an escalated need reaches the front desk.", fitted=FIT)
    formal_reluctance: float = param(0.5, unit="share of reluctance that holds back at the front desk",
                                     source="assumption", lo=0, hi=1,
                                     doc="Reluctance also keeps people from the front desk, less than from ties.")
    heavy_need_ask_factor: float = param(2.0, unit="x formal_ask_rate at heavy need", source="assumption",
                                         lo=1, hi=20, doc="Heavy needs reach the front desk sooner.")
    help_hours: tuple[float, float, float] = param(
        (9.119, 27.36, 63.83), unit="hours/week by need level (light, moderate, heavy)",
        source="CBS mantelzorg 2019 (~12-13 h/week among carers)", lo=0, hi=80,
        doc="Informal help one need takes.", fitted=FIT)
    carer_capacity_hours: float = param(24.0, unit="hours/week", source="assumption", lo=0, hi=80,
                                        doc="Most informal help one resident gives.")
    carer_strain_rate: float = param(0.007549, unit="per hour of care per week",
                                     source="CBS: 19% of carers heavily burdened; assumption",
                                     lo=0, hi=1, doc="Strain a carer builds up per hour of care.", fitted=FIT)
    strain_recovery_rate: float = param(0.02, unit="1/week", source="assumption", lo=0, hi=1,
                                        doc="Carers' strain fades.")
    carer_strain_limit: float = param(0.8, unit="strain 0-1", source="assumption", lo=0, hi=1,
                                      doc="Above this strain a carer takes on no new help.")
    care_talent_preference: float = param(1.0, unit="x added weight of a tie with a care talent",
                                          source="assumption", lo=0, hi=10,
                                          doc="People in need ask ties who are good at caring first.")

    # --- residents: network and loneliness ----------------------------------------
    initial_ties: float = param(7.0, unit="ties per resident", source="assumption (Dutch core networks ~ 8-12)",
                                lo=0, hi=50, doc="Mean initial number of ties.")
    kin_share: float = param(0.35, unit="share of initial ties", source="assumption", lo=0, hi=1,
                             doc="Initial ties that are kin (strong, slow to decay).")
    kin_strength: tuple[float, float] = param((0.55, 1.0), unit="uniform range of tie strength",
                                              source="assumption", lo=0, hi=1, doc="Strength of initial kin ties.")
    friend_strength: tuple[float, float] = param((0.15, 0.85), unit="uniform range of tie strength",
                                                 source="assumption", lo=0, hi=1,
                                                 doc="Strength of initial non-kin ties.")
    similar_tie_share: float = param(0.7, unit="share of initial ties", source="McPherson et al. 2001; assumption",
                                     lo=0, hi=1, doc="Initial ties to residents of similar age and income nearby.")
    similar_tie_span: float = param(17.0, unit="residents (mean rank distance in age-income order)",
                                    source="assumption", lo=1, hi=10_000,
                                    doc="How similar a similar tie is: smaller is more alike.")
    cross_neighbourhood_share: float = param(0.08, unit="share of initial ties", source="assumption", lo=0, hi=1,
                                             doc="Initial ties to residents elsewhere in the city.")
    similar_search: int = param(5, unit="residents looked at", source="assumption", lo=1, hi=100,
                                doc="Neighbours one looks among for a similar one (introductions, newcomers).")
    newcomer_ties: float = param(4.0, unit="ties per newcomer", source="assumption", lo=0, hi=50,
                                 doc="Ties a newcomer arrives with (kin in the city, a few neighbours).")
    good_tie_threshold: float = param(0.5, unit="tie strength 0-1", source="assumption", lo=0, hi=1,
                                      doc="Strength from which a tie counts as a good relationship.")
    close_tie_threshold: float = param(0.8, unit="tie strength 0-1", source="assumption", lo=0, hi=1,
                                       doc="Strength from which a tie is close (a confidant).")
    tie_contact_prob: float = param(0.45, unit="1/week at full strength", source="Granovetter 1973 (strength "
                                    "is time together); assumption", lo=0, hi=1,
                                    doc="Chance a tie has contact in a week, in proportion to its strength.")
    tie_capacity: float = param(12.0, unit="ties", source="Hill & Dunbar 2003 (sympathy group of 12-15)",
                                lo=1, hi=200, doc="Ties one can keep in touch with; beyond it each gets less time.")
    kin_contact_factor: float = param(1.2, unit="x tie_contact_prob", source="assumption", lo=0, hi=5,
                                      doc="Kin keep in touch more often.")
    tie_gain: float = param(0.15, unit="share of the gap to full strength per contact", source="assumption",
                            lo=0, hi=1, doc="Strengthening of a tie by one contact.")
    tie_decay: float = param(0.01, unit="strength lost per week without contact", source="assumption", lo=0, hi=1,
                             doc="Weakening of a tie without contact.")
    density_decay: float = param(0.3, unit="elasticity of non-kin tie decay to density",
                                 source="Veiligheidsmonitor (cohesion 5.9 highly urban vs 7.1 rural); assumption",
                                 lo=0, hi=3, doc="Ties weaken faster in dense neighbourhoods: decay x density ** this.")
    kin_decay_factor: float = param(0.8832, unit="x tie_decay", source="assumption", lo=0, hi=1,
                                    doc="Kin ties decay slower.", fitted=FIT)
    tie_drop_threshold: float = param(0.05, unit="tie strength", source="assumption", lo=0, hi=1,
                                      doc="Non-kin ties below this strength dissolve.")
    encounters_per_visit: int = param(2, unit="encounters", source="assumption", lo=0, hi=20,
                                      doc="Random pairings among the visitors of a venue in a week.")
    new_tie_prob: float = param(0.1, unit="probability per encounter", source="assumption", lo=0, hi=1,
                                doc="An encounter between strangers starts a tie.")
    new_tie_strength: float = param(0.2, unit="tie strength", source="assumption", lo=0, hi=1,
                                    doc="Strength of a tie that has just started.")
    homophily: float = param(2.5, unit="odds ratio for similar residents", source="McPherson et al. 2001; assumption",
                             lo=1, hi=20, doc="Preference for similar others (age group, income).")
    loneliness_homophily: float = param(
        2.0, unit="odds ratio of a new tie between residents alike in loneliness (both lonely or both not)",
        source="Distel et al. 2010 (partners resemble each other in loneliness: non-random mating); the size is "
        "contested, homophily and contagion being confounded in observed networks (Shalizi & Thomas 2011; "
        "VanderWeele 2011; set with Cacioppo et al.'s clustering at distance 1, docs/validation_notes.md)", lo=1, hi=5,
        doc="Residents alike in loneliness start ties more readily.")
    bridging_base: float = param(3.0, unit="good bonding ties for full bridging",
                                 source="Putnam 2000 (concept); assumption",
                                 lo=0.1, hi=20, doc="Bridging grows from a secure bonding base.")
    desired_ties_mean: float = param(
        4.5, unit="good relationships", source="De Jong Gierveld & Van Tilburg 2007 (4-5 people with good contact "
        "protect enough); the cognitive discrepancy model (Peplau & Perlman 1982; De Jong Gierveld 1987)",
        lo=1, hi=20, doc="Good relationships residents want, on average; loneliness is the shortfall.", fitted=FIT)
    desired_ties_spread: float = param(
        0.5, unit="sd of log wanted relationships", source="Dykstra & Fokkema 2007 (relationship standards differ "
        "between people and shape loneliness); assumption", lo=0, hi=1.5,
        doc="How much residents differ in the number of good relationships they want.")
    sociability: float = param(
        1.0, unit="elasticity of going out and keeping in touch to the relationships wanted",
        source="assumption (who wants more company seeks more of it; extraversion predicts network size, "
        "Asendorpf & Wilpers 1998)", lo=0, hi=2,
        doc="Residents who want more relationships go out and keep in touch more.")
    belonging_engagement: float = param(0.6, unit="good-tie equivalents at full engagement", source="assumption",
                                        lo=0, hi=10, doc="Taking part at venues protects like a good tie.")
    belonging_membership: float = param(0.4, unit="good-tie equivalents", source="assumption", lo=0, hi=10,
                                        doc="Membership of an initiative protects like a good tie.")
    disposition_sd: float = param(3.325, unit="DJG points", source="assumption", lo=0, hi=5,
                                  doc="Spread of personal disposition to loneliness.", fitted=FIT)
    kin_disposition_correlation: float = param(
        0.2, unit="correlation of relatives' dispositions", source="Boomsma et al. 2005 (heritability 48% in Dutch "
        "adult twins, no shared environment); Distel et al. 2010 (partly non-additive, so first-degree relatives "
        "share somewhat less than half)", lo=0, hi=0.5,
        doc="Relatives (kin ties) resemble each other in their disposition to loneliness.")
    disposition_correlation: float = param(
        0.8729, unit="correlation", source="De Jong Gierveld & Van Tilburg 2006 (social and emotional subscales "
        "correlate moderately); assumption", lo=0, hi=1,
        doc="Correlation of the social and emotional dispositions (a shared trait).", fitted=FIT)
    emotional_together: float = param(0.6637, unit="DJG emotional points", source="Dykstra & Fokkema 2007; assumption",
                                      lo=0, hi=6, doc="Emotional loneliness when living with a partner or family.",
                                      fitted=FIT)
    emotional_alone: float = param(1.249, unit="DJG emotional points living alone",
                                   source="Dykstra & Fokkema 2007; assumption",
                                   lo=0, hi=6, doc="Emotional loneliness living alone.", fitted=FIT)
    confidant_protection: float = param(0.2841, unit="share of emotional loneliness", source="assumption", lo=0, hi=1,
                                        doc="Most that close ties (confidants) take off emotional loneliness.",
                                        fitted=FIT)
    confidant_scale: float = param(1.5, unit="close ties (e-folding)", source="assumption", lo=0.1, hi=20,
                                   doc="Close ties needed for most of that protection.")
    contagion: float = param(0.25, unit="weight of ties' loneliness",
                             source="Cacioppo, Fowler & Christakis 2009 (loneliness spreads along ties; the size is "
                             "contested, VanderWeele 2011; set with their clustering at distance 1, "
                             "docs/validation_notes.md)", lo=0, hi=1, doc="Pull of ties' loneliness on one's own.")
    kin_contagion: float = param(0.25, unit="x contagion along kin ties",
                                 source="Cacioppo, Fowler & Christakis 2009 (loneliness spreads more between friends "
                                 "than between family members); assumption for the size", lo=0, hi=1,
                                 doc="Relatives pull on one's loneliness less than friends do.")
    withdrawal: float = param(0.1, unit="contact reduction at maximum loneliness",
                              source="Cacioppo et al. 2009 (lonely people lose ties and drift to the periphery; the "
                              "size set with their clustering by distance, docs/validation_notes.md)", lo=0, hi=1,
                              doc="Lonely residents have less contact.")
    poor_health_activity: float = param(0.4, unit="x activity at ZRM <= 2 in physical health or daily living",
                                        source="assumption", lo=0, hi=1,
                                        doc="Poor health keeps people at home.")
    loneliness_rate: float = param(0.08, unit="1/week", source="assumption", lo=0, hi=1,
                                   doc="Speed at which loneliness follows its target.")
    becoming_alone_rate: tuple[float, float, float, float] = param(
        (0.0006, 0.0002, 0.0002, 0.0008), unit="1/week by age group",
        source="CBS echtscheidingen en verweduwing (rounded)", lo=0, hi=1,
        doc="Starting to live alone (separation, widowhood); moving in with others balances it (ODD 7.3).")
    turnover_rate: tuple[float, float, float, float] = param(
        (0.0025, 0.0012, 0.0006, 0.0015), unit="1/week by age group (moving, death)",
        source="CBS verhuizingen en sterfte (rounded)", lo=0, hi=1,
        doc="Residents leaving; a newcomer takes their place.")

    # --- residents: motivation (self-determination theory) and trust ------------------
    motivation_rate: float = param(0.05, unit="1/week", source="assumption", lo=0, hi=1,
                                   doc="Speed at which autonomy, competence and relatedness follow their targets.")
    autonomy_base: float = param(0.85, unit="0-1", source="Ryan & Deci 2000; assumption", lo=0, hi=1,
                                 doc="Autonomy without control.")
    crowding: float = param(0.5, unit="autonomy lost at full control", source="Frey & Jegen 2001; assumption",
                            lo=0, hi=1, doc="Controlling steering crowds out intrinsic motivation.")
    control_felt_outside: float = param(0.3, unit="share of control felt by residents outside initiatives",
                                        source="assumption", lo=0, hi=1,
                                        doc="Conditions and duties weigh most on the active.")
    support_autonomy: float = param(0.05, unit="autonomy points", source="Frey & Jegen 2001 (crowding in)",
                                    lo=0, hi=1, doc="Supportive help and self-managed budgets crowd motivation in.")
    competence_base: float = param(0.45, unit="0-1", source="Ryan & Deci 2000; assumption", lo=0, hi=1,
                                   doc="Competence without contributions, talents or problems.")
    competence_contributing: float = param(0.25, unit="competence points", source="assumption", lo=0, hi=1,
                                           doc="Recent volunteering or care adds to competence.")
    contribution_memory_weeks: int = param(8, unit="weeks", source="assumption", lo=0, hi=520,
                                           doc="How long a contribution counts as recent.")
    competence_per_talent: float = param(0.05, unit="competence points per talent", source="assumption",
                                         lo=0, hi=1, doc="Talents add to competence.")
    competence_problem_penalty: float = param(0.2, unit="competence points", source="assumption", lo=0, hi=1,
                                              doc="A moderate or heavy need lowers competence, as does strain.")
    spotting_competence_gain: float = param(0.05, unit="competence points", source="seed 003 (talents seen); "
                                            "assumption", lo=0, hi=1,
                                            doc="Being seen for one's talent raises competence at once.")
    relatedness_membership: float = param(0.5, unit="good-tie equivalents", source="assumption", lo=0, hi=10,
                                          doc="Membership of an initiative adds to relatedness.")
    trust_rate: float = param(0.02, unit="1/week", source="assumption", lo=0, hi=1,
                              doc="Speed at which trust in the municipality follows experience.")
    trust_base: float = param(0.55, unit="0-1", source="assumption", lo=0, hi=1,
                              doc="Trust without experiences of the municipality.")
    trust_helped: float = param(0.15, unit="trust points", source="assumption", lo=0, hi=1,
                                doc="Being helped (an open case) raises trust.")
    trust_waiting: float = param(0.35, unit="trust points", source="assumption", lo=0, hi=1,
                                 doc="Waiting longer than `long_wait_weeks` lowers trust.")
    long_wait_weeks: int = param(8, unit="weeks", source="assumption", lo=0, hi=520,
                                 doc="Waiting this long for help is felt as neglect.")
    trust_control: float = param(0.2, unit="trust points at full control", source="assumption", lo=0, hi=1,
                                 doc="Control over their initiative lowers active residents' trust.")
    trust_own_budget: float = param(0.1, unit="trust points", source="seed 003 (residents hold budgets); assumption",
                                    lo=0, hi=1, doc="An initiative funded from the citizen budget raises trust.")
    volunteer_rate: float = param(0.5964, unit="1/week at full motivation and civic propensity",
                                  source="assumption", lo=0, hi=1,
                                  doc="Volunteering outside neighbourhood initiatives (clubs, schools).", fitted=FIT)
    volunteer_hours_elsewhere: float = param(3.0, unit="hours/week", source="CBS volunteering ~4 h/week",
                                             lo=0, hi=40, doc="Hours of a week of volunteering elsewhere.")

    # --- meeting places and venues ----------------------------------------------------
    place_capacity: int = param(400, unit="visits/week", source="assumption (a buurthuis with daily activities)",
                                lo=1, hi=10_000,
                                doc="Visits one meeting place hosts per week.")
    place_subsidy_eur: float = param(60_000.0, unit="EUR/year", source="assumption (buurthuis exploitation)",
                                     lo=0, hi=1e7, doc="Base subsidy of one meeting place.")
    place_visit_rate: float = param(0.12, unit="1/week at full motivation", source="assumption", lo=0, hi=1,
                                    doc="Chance a resident visits a meeting place in a week.")
    place_closure_funding: float = param(0.6, unit="share of base subsidy", source="assumption", lo=0, hi=2,
                                         doc="Funding below which a place is at risk of closing.")
    place_closure_weeks: int = param(26, unit="weeks", source="assumption", lo=1, hi=520,
                                     doc="Weeks of underfunding after which a place closes.")
    citizen_budget_place_share: float = param(
        0.33, unit="share of the citizen budget", source="assumption", lo=0, hi=1,
        doc="Part of a citizen budget residents give to meeting places (the rest funds initiatives).")
    attend_core: float = param(0.9, unit="1/week", source="assumption", lo=0, hi=1,
                               doc="Chance a core volunteer attends the initiative's activity in a week.")
    attend_member: float = param(0.5, unit="1/week", source="assumption", lo=0, hi=1,
                                 doc="Chance an ordinary member attends in a week.")
    no_place_attendance: float = param(0.4, unit="x attendance", source="Movisie 2022 (no connecting without a "
                                       "place); assumption", lo=0, hi=1,
                                       doc="Meeting activities without an open meeting place are hampered.")
    engagement_rate: float = param(0.1, unit="1/week", source="assumption", lo=0, hi=1,
                                   doc="Speed at which engagement follows attendance.")

    # --- resident initiatives --------------------------------------------------------
    founding_rate: float = param(0.00015, unit="1/week per motivated organiser", source="assumption",
                                 lo=0, hi=1, doc="Chance an organiser founds an initiative.")
    spotted_founding_factor: float = param(5.0, unit="x founding_rate", source="seed 003 (talent spotting); "
                                           "assumption", lo=1, hi=50,
                                           doc="An organiser whose talent was spotted founds more readily.")
    support_founding_hours: float = param(20.0, unit="hours/week of initiative support per neighbourhood",
                                          source="assumption", lo=0.1, hi=1000,
                                          doc="Support hours that double the founding rate.")
    founder_crew: int = param(2, unit="good ties", source="Denters et al. 2012 (prior contacts); assumption",
                              lo=0, hi=20, doc="Friends a founder brings into the core.")
    kind_shares: tuple[float, float, float, float, float] = param(
        (0.64, 0.12, 0.08, 0.06, 0.10), unit="share of new initiatives (meeting, care circle, broodfonds, "
        "energy coop, festival)", source="Movisie 2020 (64% organise meeting activities); rest assumption",
        lo=0, hi=1, doc="What kind of initiative is founded.")
    max_initiatives_per_1000: float = param(15.0, unit="per 1,000 adults", source="Movisie 2020 counts; assumption",
                                            lo=0, hi=1000, doc="Room for initiatives in a neighbourhood.")
    recruit_rate: float = param(0.01, unit="1/week per tie to a member", source="assumption", lo=0, hi=1,
                                doc="A member's tie joins the initiative.")
    initiative_size: tuple[float, float, float, float, float] = param(
        (25.0, 12.0, 30.0, 60.0, 20.0),
        unit="members by kind (meeting, care circle, broodfonds, energy coop, festival)",
        source="Movisie 2020 (avg 87 members); broodfonds 20-50 members", lo=1, hi=10_000,
        doc="Typical size at which recruiting stops.")
    member_help_rate: float = param(0.03, unit="1/week", source="assumption", lo=0, hi=1,
                                    doc="Chance an ordinary member volunteers in a week.")
    member_help_hours: float = param(2.0, unit="hours/week", source="assumption", lo=0, hi=40,
                                     doc="Hours of an ordinary member's helping hand.")
    member_leave_rate: float = param(0.02, unit="1/week", source="assumption", lo=0, hi=1,
                                     doc="Base chance a member leaves.")
    grant_end_leave: float = param(0.15, unit="share of ordinary members", source="assumption", lo=0, hi=1,
                                   doc="Members who leave when a grant ends (came for the subsidised activity).")
    core_target: int = param(5, unit="core volunteers", source="Denters et al. 2012; assumption", lo=1, hi=100,
                             doc="Core group an initiative tries to keep.")
    step_up_rate: float = param(0.003, unit="1/week per motivated member", source="assumption", lo=0, hi=1,
                                doc="A member joins a core that is short of volunteers.")
    organiser_step_up_factor: float = param(3.0, unit="x step_up_rate", source="assumption", lo=1, hi=20,
                                            doc="Members with an organising talent step up more readily.")
    core_min: int = param(2, unit="core volunteers", source="assumption", lo=1, hi=100,
                          doc="Below this an initiative is struggling.")
    struggle_weeks: int = param(12, unit="weeks", source="assumption", lo=1, hi=520,
                                doc="Weeks of struggling after which an initiative ends.")
    initiative_admin_hours: float = param(2.0, unit="hours/week at accountability 1",
                                          source="Movisie 2022 (accountability cramp); assumption",
                                          lo=0, hi=100, doc="Reporting work of one initiative.")
    grant_admin_factor: float = param(1.5, unit="x initiative_admin_hours while a grant runs",
                                      source="Movisie 2022 (accountability cramp); assumption", lo=1, hi=10,
                                      doc="A municipal grant brings extra reporting.")
    inclusion_admin_hours: float = param(1.0, unit="hours/week at full inclusion demand",
                                         source="Movisie 2022 (inclusion cramp); assumption", lo=0, hi=100,
                                         doc="Duties an inclusion demand adds to an initiative's core.")
    core_hours: float = param(3.0, unit="hours/week", source="CBS volunteering ~4 h/week", lo=0, hi=40,
                              doc="Volunteer hours of a core member, besides administration.")
    burnout_rate: float = param(0.001, unit="1/week per weekly hour of load per core member",
                                source="assumption (a core volunteer carrying 5 h/week burns out at about a quarter "
                                "a year)", lo=0, hi=1, doc="Burnout hazard of a core member per hour of load.")
    burnout_competence_loss: float = param(0.3, unit="share of competence", source="assumption", lo=0, hi=1,
                                           doc="Competence a burnt-out volunteer loses.")
    burnout_leave: float = param(0.5, unit="probability", source="assumption", lo=0, hi=1,
                                 doc="A burnt-out core volunteer leaves the initiative altogether.")
    grant_eur: float = param(5000.0, unit="EUR/year", source="assumption", lo=0, hi=1e6,
                             doc="Size of a grant to an initiative.")
    takeover_cost_eur: float = param(20_000.0, unit="EUR/year per taken-over activity", source="assumption",
                                     lo=0, hi=1e7, doc="Cost of running a taken-over initiative.")
    takeover_min_members: int = param(3, unit="members", source="assumption", lo=0, hi=1000,
                                      doc="A taken-over activity with fewer members is stopped.")
    citizen_budget_eur: float = param(0.0, unit="EUR per adult per year", source="assumption (burgerbegroting)",
                                      lo=0, hi=1000, doc="Budget residents allocate themselves.")
    citizen_funded_share: float = param(0.5, unit="share of new initiatives", source="assumption", lo=0, hi=1,
                                        doc="New initiatives funded from a citizen budget, where there is one.")

    # --- professionals ------------------------------------------------------------------
    team_per_1000: float = param(3.0, unit="district-team FTE per 1,000 adults", source="assumption",
                                 lo=0, hi=50, doc="Social district team size.")
    builders_per_1000: float = param(0.5, unit="community-builder FTE per 1,000 adults", source="assumption",
                                     lo=0, hi=50, doc="Community builders (opbouwwerkers).")
    hours_per_week: float = param(36.0, unit="hours/week per FTE", source="CAO Sociaal Werk (36-hour week)",
                                  lo=1, hi=60, doc="Time budget of one full-time professional.")
    admin_base_hours: float = param(8.58, unit="hours/week per FTE at accountability 1",
                                    source="Movisie 2023 (37% admin); assumption",
                                    lo=0, hi=60, doc="Fixed administration per professional.", fitted=FIT)
    admin_per_case_hours: float = param(0.2543, unit="hours/week per open case at accountability 1",
                                        source="assumption", lo=0, hi=10, doc="Case registration and reporting.",
                                        fitted=FIT)
    case_hours: tuple[float, float, float] = param(
        (0.395, 0.79, 1.58), unit="hours/week by need level (light, moderate, heavy)", source="assumption",
        lo=0, hi=40, doc="Casework a case needs.", fitted=FIT)
    chronic_case_hours: float = param(
        0.1, unit="hours/week per open case", source="assumption (a yearly reassessment and some coordination; "
        "the care itself comes from Wmo providers)", lo=0, hi=40,
        doc="Casework of a chronic client whose only problems are the chronic ones.")
    hourly_cost_eur: float = param(75.0, unit="EUR/hour", source="assumption (integral rate social work)",
                                   lo=0, hi=1000, doc="Cost of one professional hour.")
    introductions_per_hour: float = param(0.5, unit="residents/hour", source="assumption", lo=0, hi=20,
                                          doc="Lonely residents a community worker connects per hour.")
    introduction_strength: float = param(0.3, unit="tie strength", source="assumption", lo=0, hi=1,
                                         doc="Strength of a tie started by an introduction.")
    spotting_per_hour: float = param(0.5, unit="residents/hour", source="assumption", lo=0, hi=20,
                                     doc="Talents spotted and invited per hour.")
    outreach_per_hour: float = param(2.0, unit="residents/hour",
                                     source="CPB (Magnee & Benda): outreach uncovers demand; assumption",
                                     lo=0, hi=50, doc="Residents visited per hour of outreach.")
    outreach_targeting: float = param(20.0, unit="odds of a visit at vulnerability 1 vs 0", source="assumption",
                                      lo=1, hi=1000, doc="Outreach seeks out vulnerable residents.")
    support_relief: float = param(1.0, unit="admin hours taken off per support hour", source="assumption",
                                  lo=0, hi=5, doc="Initiative support relieves core volunteers.")
    demand_multiplier: float = param(1.0, unit="x zrm_shock_rate", source="lever (demand shock)", lo=0, hi=10,
                                     doc="Temporary extra need (a demand shock).")

    # --- the waiting list, extra staff and crises (balancing loops) ----------------------
    renege_rate: float = param(0.02, unit="1/week at trust 0.5", source="assumption (waiting lists lose people who "
                               "give up; Kassa 2023: 11 weeks on average until Wmo help arrives)", lo=0, hi=1,
                               doc="Residents on the waiting list give up and try again later, more so with low trust.")
    wait_norm_weeks: float = param(8.0, unit="weeks", source="Wmo 2015 art. 2.3.2 (investigation within six weeks) "
                                   "and 2.3.5 (decision within two weeks after the request)", lo=1, hi=104,
                                   doc="Legal term; a longer mean wait makes the municipality hire extra staff.")
    flex_hourly_cost_eur: float = param(105.0, unit="EUR/hour", source="assumption (hired and interim social "
                                        "workers cost more than own staff)", lo=0, hi=1000,
                                        doc="Cost of an hour of temporarily hired staff.")
    bemoeizorg_visit_hours: float = param(
        4.0, unit="hours per resident reached", source="assumption (care avoiders take repeated visits; "
        "wijk-GGD'ers 'soms wekenlang door een brievenbus praten', Sprank 2023)", lo=0.1, hi=100,
        doc="Outreaching casework it takes to reach one resident who does not ask.")
    crisis_rate: float = param(0.02, unit="1/week per resident with an acute need and neither help nor case",
                               source="assumption", lo=0, hi=1,
                               doc="An acute need (a life domain at 1) left alone becomes a crisis (eviction, crisis "
                               "service, police) that forces an emergency case.")
    crisis_cost_eur: float = param(10_000.0, unit="EUR per crisis",
                                   source="Aedes 2013 via Het Vierde Huis (an eviction costs at least EUR 10,000); "
                                   "Eropaf 2014 (EUR 5,000-10,000); Amsterdam (over EUR 100,000 with shelter)",
                                   lo=0, hi=1e6, doc="Cost of a crisis outside the social domain's own budget.")
    lonely_shock_factor: float = param(
        1.3, unit="x life-event rate of lonely residents (DJG >= 3)",
        source="Holt-Lunstad et al. 2015 (loneliness OR 1.26 for mortality); Valtorta et al. 2016 (RR 1.29 heart "
        "disease, 1.32 stroke); Cacioppo, Hawkley & Thisted 2010 (loneliness precedes depressive symptoms)",
        lo=1, hi=5, doc="Lonely residents meet more problems: the less community strength, the more individual need.")
    low_income_civic_factor: float = param(
        0.55, unit="x civic propensity and founding chance of low-income residents",
        source="SCP 2014, Burgermacht op eigen kracht?, table 3.1 (lower educated: odds ratio 0.53 for "
        "volunteering, 0.60 for collective action)", lo=0.05, hi=1,
        doc="Those with fewer resources take part less: energy that is followed is unevenly spread.")
    open_recruit_rate: float = param(0.5, unit="residents invited per week per initiative at full inclusion demand",
                                     source="Movisie 2020 (68% of initiatives are open to all residents); assumption",
                                     lo=0, hi=20, doc="Initiatives asked to include everyone invite residents "
                                     "beyond their members' ties (posters, door to door).")
    place_volunteers: float = param(4.0, unit="core volunteers per self-managed meeting place",
                                    source="Huygen 2014 (a small core group runs a buurthuis in zelfbeheer); "
                                    "assumption", lo=0, hi=100,
                                    doc="Core volunteers of the neighbourhood's initiatives a self-managed place "
                                    "needs.")
    self_managed_cost_share: float = param(0.5, unit="share of the base subsidy", source="assumption (residents "
                                           "run the place; the building still costs)", lo=0, hi=1,
                                           doc="What a self-managed meeting place costs the municipality.")
    switch_disruption: float = param(0.5, unit="share of community work's effect lost",
                                     source="Van der Steen et al. 2014, Leren door doen (switching between vertical "
                                     "and horizontal logic is hard); assumption", lo=0, hi=1,
                                     doc="After a neighbourhood's steering mode changes, relations are rebuilt.")
    switch_disruption_weeks: int = param(13, unit="weeks", source="assumption", lo=0, hi=520,
                                         doc="How long community work is disrupted after a switch of mode.")

    # ------------------------------------------------------------------------------------
    def replace(self, **overrides: Any) -> Parameters:
        """Return a copy with validated overrides (nested tables as dicts)."""
        return parameters_from_dict(overrides, base=self)

    def to_dict(self) -> dict[str, Any]:
        """All parameters as plain data (JSON/TOML friendly)."""
        return to_plain(self)

    @property
    def n_neighbourhoods(self) -> int:
        """Number of neighbourhoods in the city."""
        return self.neighbourhoods_per_archetype * sum(1 for a in self.archetypes.values() if a.share > 0)


def parameters_from_dict(overrides: dict[str, Any], base: Parameters | None = None) -> Parameters:
    """Build parameters from the defaults (or ``base``) and validated overrides.

    Args:
        overrides: Keys of :class:`Parameters`; tables (``archetypes``, ``steering``) as nested dicts.
        base: Parameters to start from; the schema defaults when omitted.

    Returns:
        The new parameters.

    Raises:
        ParameterError: A key is unknown, of the wrong type or out of range.
    """
    params = apply_overrides(base or Parameters(), overrides, "")
    _check_consistency(params)
    return params


def _check_consistency(p: Parameters) -> None:
    if p.core_min > p.core_target:
        raise ParameterError(msg("param.core_min", path="core_min", core_min=p.core_min, core_target=p.core_target))
    if abs(sum(p.kind_shares) - 1.0) > 1e-6:
        raise ParameterError(msg("param.sum_to_one", path="kind_shares", total=sum(p.kind_shares)))
    for key in ("kin_strength", "friend_strength"):
        lo, hi = getattr(p, key)
        if lo > hi:
            raise ParameterError(msg("param.ends", path=key, lo=lo, hi=hi))
    if not any(a.share > 0 for a in p.archetypes.values()):
        raise ParameterError(msg("param.no_archetype", path="archetypes"))
    for name, a in p.archetypes.items():
        if abs(sum(a.age_shares) - 1.0) > 1e-6:
            raise ParameterError(msg("param.sum_to_one", path=f"archetypes.{name}.age_shares", total=sum(a.age_shares)))
    for key in ("steering_mode", "burn_in_steering"):
        if getattr(p, key) not in STEERING_REGISTRY:
            raise ParameterError(msg("param.not_one_of", path=key, value=getattr(p, key),
                                     choices=", ".join(STEERING_REGISTRY)))
    for name, prof in p.steering.items():
        if name not in STEERING_REGISTRY:
            raise ParameterError(msg("param.unknown_mode", path=f"steering.{name}",
                                     choices=", ".join(STEERING_REGISTRY)))
        if abs(sum(prof.community_split) - 1.0) > 1e-6:
            raise ParameterError(msg("param.sum_to_one", path=f"steering.{name}.community_split",
                                     total=sum(prof.community_split)))

