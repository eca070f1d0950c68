"""The named categories of the model: life domains, talents, age groups, initiative kinds, community activities.

Arrays of the state (``model.core.state``) and tuples of the schema (``model.core.parameters``) are
indexed in these orders.
"""

ZRM_DOMAINS = (
    "finances",
    "daytime_activities",
    "housing",
    "domestic_relations",
    "mental_health",
    "physical_health",
    "addiction",
    "daily_living",
    "justice",
    "social_network",
    "community_participation",
)
#: ZRM domains shocked by life events; the last two are derived from ties and engagement.
LIFE_DOMAINS = ZRM_DOMAINS[:9]
TALENTS = ("care", "practical", "organising", "connecting", "creative")
AGE_GROUPS = ("18-34", "35-54", "55-74", "75+")
INITIATIVE_KINDS = (
    "meeting_activity",
    "care_circle",
    "broodfonds",
    "energy_cooperative",
    "festival",
)
COMMUNITY_ACTIVITIES = ("connecting", "initiative_support", "talent_spotting", "outreach")
