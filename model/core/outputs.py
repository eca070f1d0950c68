"""Every output of the model, declared once: name, Dutch and English labels, unit, which way is better, aggregation.

The weekly city and neighbourhood frames (:class:`model.core.metrics.Recorder`) have one column
per output, in the order of :data:`OUTPUTS`; their formulas are in :mod:`model.core.metrics` and
``docs/ODD.md`` (section 8). Tables, figures, the report, the dashboard, designs and the EMA
adapter take names, labels, units and directions from here.

Aggregation: every output is recorded per week and neighbourhood and for the whole city. A
``"sum"`` output (people, hours, euros, events) is the sum of its neighbourhoods' values; a
``"ratio"`` output (shares, means per resident, indices) is the same formula over the
neighbourhoods' summed parts, so the city value weights each neighbourhood by its share of the
denominator. Over weeks and seeds every output is averaged: a run's summary is its mean over its
last weeks (:meth:`model.experiments.runner.RunResult.final`), a scenario's the mean over seeds
with a 95% confidence interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from model.core.schema import Text


@dataclass(frozen=True)
class Unit:
    """What an output's numbers count, as words after a number (``"12 residents"``).

    Attributes:
        text: The unit in Dutch and English; empty for shares (a difference of shares is in percentage points).
        share: A share of residents (0-1), shown as a percentage.
        ratio: A ratio (a share, a mean per resident, per carer or per FTE, an index): over neighbourhoods it is
            the ratio of the summed parts, not a sum.
        decimals: Decimals a single value is shown with on the dashboard's monitors.
        high: The largest value it can take (``None``: no upper bound); the smallest is 0 for every output.

    """

    text: Text
    share: bool = False
    ratio: bool = False
    decimals: int = 0
    high: float | None = None


SHARE = Unit({"nl": "", "en": ""}, share=True, decimals=1, ratio=True, high=1.0)
POINTS = Unit({"nl": "punten", "en": "points"}, decimals=1, ratio=True, high=100.0)  # the community-strength index
SCORE = Unit({"nl": "punten op de De Jong Gierveld-schaal", "en": "points on the De Jong Gierveld scale"}, decimals=2,
             ratio=True, high=11.0)
INDEX = Unit({"nl": "op een schaal van 0 tot 1", "en": "on a scale of 0 to 1"}, decimals=2, ratio=True, high=1.0)
RESIDENTS = Unit({"nl": "inwoners", "en": "residents"})
RESIDENTS_PER_WEEK = Unit({"nl": "inwoners per week", "en": "residents per week"})
TIES = Unit({"nl": "banden per inwoner", "en": "ties per resident"}, decimals=2, ratio=True)
TIES_PER_WEEK = Unit({"nl": "banden per week", "en": "ties per week"})
CASES_PER_FTE = Unit({"nl": "zaken per fte", "en": "cases per FTE"}, decimals=1, ratio=True)
WEEKS = Unit({"nl": "weken", "en": "weeks"}, decimals=1, ratio=True)
PEOPLE = Unit({"nl": "personen", "en": "people"})
FTE = Unit({"nl": "fte", "en": "FTE"}, decimals=1)
HOURS = Unit({"nl": "uur per week", "en": "hours per week"})
HOURS_PER_CARER = Unit({"nl": "uur per week per mantelzorger", "en": "hours per week per carer"}, decimals=1,
                       ratio=True)
INITIATIVES = Unit({"nl": "initiatieven", "en": "initiatives"})
INITIATIVES_PER_WEEK = Unit({"nl": "initiatieven per week", "en": "initiatives per week"}, decimals=2)
EVENTS_PER_WEEK = Unit({"nl": "per week", "en": "per week"}, decimals=2)
PLACES = Unit({"nl": "ontmoetingsplekken", "en": "meeting places"})
EUR_PER_WEEK = Unit({"nl": "euro per week", "en": "EUR per week"})


@dataclass(frozen=True)
class Output:
    """One output of the weekly frames.

    Attributes:
        name: The column name.
        label: What it is, in Dutch and English, for tables and axes (e.g. "lonely (De Jong Gierveld score 3
            or more)").
        short: A short name for sentences and small spaces (e.g. "loneliness").
        unit: Its :class:`Unit`.
        better: ``"higher"``, ``"lower"`` or ``"neutral"``: which way is better for the city, as the model's
            questions see it (more open cases is not worse in itself: more residents are helped).
        aggregation: ``"sum"`` or ``"ratio"`` over neighbourhoods (see the module docstring).

    """

    name: str
    label: Text
    short: Text
    unit: Unit
    better: Literal["higher", "lower", "neutral"] = "neutral"
    aggregation: Literal["sum", "ratio"] = "sum"

    @property
    def bounds(self) -> tuple[float, float | None]:
        """The range of its values, ``(0, high)``: confidence intervals and the invariant tests keep to it."""
        return 0.0, self.unit.high


def _out(name: str, en: str, nl: str, unit: Unit, short: tuple[str, str] | None = None,
         better: str = "neutral") -> Output:
    """Declare an output: English and Dutch label, unit, optionally a short name (English, Dutch) and direction.

    Its aggregation follows from its unit: a ratio for shares and values per resident, else a sum.
    """
    en_short, nl_short = short or (en, nl)
    return Output(name, {"nl": nl, "en": en}, {"nl": nl_short, "en": en_short}, unit,
                  better, "ratio" if unit.ratio else "sum")  # type: ignore[arg-type]


_DECLARED = (
    # --- community strength (ODD 8.1)
    _out("community_strength", "community strength (index 0-100)", "gemeenschapskracht (index 0-100)", POINTS,
         ("community strength", "gemeenschapskracht"), "higher"),
    _out("csi_ties", "good ties, part of community strength (0-1)",
         "goede banden, deel van de gemeenschapskracht (0-1)", INDEX, ("good ties", "goede banden"), "higher"),
    _out("csi_volunteering", "volunteered in the past year, part of community strength",
         "vrijwilligerswerk in het afgelopen jaar, deel van de gemeenschapskracht", SHARE,
         ("volunteering", "vrijwilligerswerk"), "higher"),
    _out("csi_mutual_help", "residents in need helped by a tie, part of community strength",
         "inwoners met een hulpvraag die hulp krijgen van een band, deel van de gemeenschapskracht", SHARE,
         ("mutual help", "onderlinge hulp"), "higher"),
    _out("csi_participation", "members of an initiative, part of community strength",
         "leden van een initiatief, deel van de gemeenschapskracht", SHARE,
         ("participation", "deelname"), "higher"),
    _out("csi_engagement", "engagement at meeting places and initiatives, part of community strength (0-1)",
         "betrokkenheid bij ontmoetingsplekken en initiatieven, deel van de gemeenschapskracht (0-1)", INDEX,
         ("engagement", "betrokkenheid"), "higher"),
    _out("csi_bridging", "bridging ties among good ties, part of community strength",
         "overbruggende banden onder de goede banden, deel van de gemeenschapskracht", SHARE,
         ("bridging ties", "overbruggende banden"), "higher"),
    # --- loneliness and ties (ODD 8.2)
    _out("lonely_share", "lonely (De Jong Gierveld score 3 or more)", "eenzaam (De Jong Gierveld-score 3 of hoger)",
         SHARE, ("loneliness", "eenzaamheid"), "lower"),
    _out("moderate_share", "moderately lonely (score 3-8)", "matig eenzaam (score 3-8)", SHARE,
         ("moderate loneliness", "matige eenzaamheid"), "lower"),
    _out("severe_share", "severely lonely (score 9-10)", "ernstig eenzaam (score 9-10)", SHARE,
         ("severe loneliness", "ernstige eenzaamheid"), "lower"),
    _out("very_severe_share", "very severely lonely (score 11)", "zeer ernstig eenzaam (score 11)", SHARE,
         ("very severe loneliness", "zeer ernstige eenzaamheid"), "lower"),
    _out("not_lonely_share", "not lonely (score 0-2)", "niet eenzaam (score 0-2)", SHARE,
         ("not lonely", "niet eenzaam"), "higher"),
    _out("social_lonely_share", "socially lonely (subscale 3 or more)", "sociaal eenzaam (subschaal 3 of hoger)",
         SHARE, ("social loneliness", "sociale eenzaamheid"), "lower"),
    _out("emotional_lonely_share", "emotionally lonely (subscale 3 or more)",
         "emotioneel eenzaam (subschaal 3 of hoger)", SHARE, ("emotional loneliness", "emotionele eenzaamheid"),
         "lower"),
    _out("mean_loneliness", "mean De Jong Gierveld score (0-11)", "gemiddelde De Jong Gierveld-score (0-11)", SCORE,
         ("loneliness score", "eenzaamheidsscore"), "lower"),
    _out("lonely_share_75plus", "lonely among residents of 75 and over", "eenzaam onder inwoners van 75 en ouder",
         SHARE, ("loneliness at 75+", "eenzaamheid bij 75+"), "lower"),
    _out("severe_share_75plus", "severely lonely among residents of 75 and over (score 9 or more)",
         "ernstig eenzaam onder inwoners van 75 en ouder (score 9 of hoger)", SHARE,
         ("severe loneliness at 75+", "ernstige eenzaamheid bij 75+"), "lower"),
    _out("mean_good_ties", "good ties per resident", "goede banden per inwoner", TIES,
         ("good ties", "goede banden"), "higher"),
    # --- needs, cases and professionals (ODD 8.3)
    _out("open_cases", "open cases", "lopende zaken", RESIDENTS),
    _out("waiting_list", "waiting list", "wachtlijst", RESIDENTS, better="lower"),
    _out("casework_load", "casework load (open cases + waiting list)",
         "werklast casuïstiek (lopende zaken + wachtlijst)", RESIDENTS, ("casework load", "werklast casuïstiek"),
         "lower"),
    _out("mean_wait_weeks", "weeks waited so far on the waiting list", "weken tot nu toe gewacht op de wachtlijst",
         WEEKS, ("waiting time", "wachttijd"), "lower"),
    _out("formal_support_share", "residents with an open case", "inwoners met een lopende zaak", SHARE,
         ("formal support", "formele ondersteuning")),
    _out("cases_per_professional", "open cases per district-team FTE", "lopende zaken per fte van het wijkteam",
         CASES_PER_FTE, ("caseload", "caseload"), "lower"),
    _out("professionals", "professionals (heads)", "professionals (personen)", PEOPLE),
    _out("professional_fte", "professionals' FTE", "fte van professionals", FTE),
    _out("hired_fte", "temporarily hired district-team FTE", "fte tijdelijk ingehuurd wijkteampersoneel", FTE,
         ("hired staff", "ingehuurd personeel")),
    _out("hours_casework", "professionals' hours of casework", "uren casuswerk van professionals", HOURS,
         ("casework", "casuswerk")),
    _out("hours_admin", "professionals' hours of administration", "uren administratie van professionals", HOURS,
         ("administration", "administratie")),
    _out("hours_community", "professionals' hours of community work", "uren gemeenschapswerk van professionals",
         HOURS, ("community work", "gemeenschapswerk")),
    _out("hours_connecting", "community-work hours connecting residents",
         "uren gemeenschapswerk aan verbinden van inwoners", HOURS, ("connecting", "verbinden")),
    _out("hours_initiative_support", "community-work hours supporting initiatives",
         "uren gemeenschapswerk aan ondersteunen van initiatieven", HOURS,
         ("initiative support", "initiatieven ondersteunen")),
    _out("hours_talent_spotting", "community-work hours spotting talents", "uren gemeenschapswerk aan talenten spotten",
         HOURS, ("talent spotting", "talenten spotten")),
    _out("hours_outreach", "community-work hours of outreach", "uren gemeenschapswerk aan outreach", HOURS,
         ("outreach", "outreach")),
    _out("admin_share", "professionals' time on administration", "tijd van professionals aan administratie", SHARE,
         ("administration share", "administratiedeel"), "lower"),
    _out("community_share", "professionals' time on community work", "tijd van professionals aan gemeenschapswerk",
         SHARE, ("community-work share", "deel gemeenschapswerk"), "higher"),
    # --- informal help and volunteering (ODD 8.4)
    _out("informal_help_hours", "hours of informal help", "uren informele hulp", HOURS,
         ("informal help", "informele hulp")),
    _out("informal_carer_share", "informal carers", "mantelzorgers", SHARE, ("informal carers", "mantelzorgers")),
    _out("care_hours_per_carer", "hours of help per informal carer", "uren hulp per mantelzorger", HOURS_PER_CARER,
         ("care per carer", "zorg per mantelzorger")),
    _out("needy_helped_share", "residents in need helped by a tie", "inwoners met een hulpvraag die hulp krijgen",
         SHARE, ("mutual help", "onderlinge hulp"), "higher"),
    _out("volunteering_share_year", "volunteered in the past year", "vrijwilligerswerk in het afgelopen jaar", SHARE,
         ("volunteering", "vrijwilligerswerk"), "higher"),
    _out("volunteering_share_week", "volunteered this week", "vrijwilligerswerk deze week", SHARE,
         ("weekly volunteering", "wekelijks vrijwilligerswerk"), "higher"),
    _out("volunteering_share_month", "volunteered in the past four weeks",
         "vrijwilligerswerk in de afgelopen vier weken", SHARE,
         ("monthly volunteering", "maandelijks vrijwilligerswerk"), "higher"),
    _out("volunteer_hours", "hours of volunteering", "uren vrijwilligerswerk", HOURS,
         ("volunteering hours", "vrijwilligersuren"), "higher"),
    # --- initiatives and meeting places (ODD 8.5)
    _out("initiative_members", "members of initiatives", "leden van initiatieven", RESIDENTS,
         ("members", "leden"), "higher"),
    _out("core_volunteers", "core volunteers of initiatives", "kernvrijwilligers van initiatieven", RESIDENTS,
         ("core volunteers", "kernvrijwilligers"), "higher"),
    _out("initiatives_active", "active resident initiatives", "actieve bewonersinitiatieven", INITIATIVES,
         ("initiatives", "initiatieven"), "higher"),
    _out("initiatives_taken_over", "initiatives run by the municipality", "initiatieven die de gemeente runt",
         INITIATIVES, ("taken-over initiatives", "overgenomen initiatieven")),
    _out("initiatives_founded", "initiatives founded", "opgerichte initiatieven", INITIATIVES_PER_WEEK,
         ("foundings", "oprichtingen"), "higher"),
    _out("initiatives_ended", "initiatives ended", "gestopte initiatieven", INITIATIVES_PER_WEEK,
         ("endings", "beëindigingen"), "lower"),
    _out("takeovers", "initiatives taken over by the municipality", "initiatieven overgenomen door de gemeente",
         INITIATIVES_PER_WEEK, ("takeovers", "overnames"), "neutral"),
    _out("burnouts", "core volunteers burnt out", "opgebrande kernvrijwilligers", EVENTS_PER_WEEK,
         ("burnouts", "opbranden"), "lower"),
    _out("meeting_places_open", "meeting places open", "ontmoetingsplekken open", PLACES,
         ("meeting places", "ontmoetingsplekken"), "higher"),
    _out("meeting_places_closed", "meeting places closed", "gesloten ontmoetingsplekken", EVENTS_PER_WEEK,
         ("closures", "sluitingen"), "lower"),
    _out("meeting_places_self_managed", "meeting places run by residents (zelfbeheer)",
         "ontmoetingsplekken in zelfbeheer", PLACES, ("self-managed places", "plekken in zelfbeheer")),
    _out("meeting_places_taken_over", "meeting places taken over by the municipality",
         "ontmoetingsplekken overgenomen door de gemeente", PLACES, ("taken-over places", "overgenomen plekken")),
    _out("ties_formed", "new ties", "nieuwe banden", TIES_PER_WEEK, ("new ties", "nieuwe banden"), "higher"),
    _out("referrals", "residents referred to the waiting list", "inwoners doorverwezen naar de wachtlijst",
         RESIDENTS_PER_WEEK, ("referrals", "doorverwijzingen")),
    _out("reneged", "residents who gave up waiting", "inwoners die het wachten opgaven", RESIDENTS_PER_WEEK,
         ("gave up waiting", "wachten opgegeven"), "lower"),
    _out("diverted", "residents referred to a volunteer (voorliggend veld)",
         "inwoners doorverwezen naar een vrijwilliger (voorliggend veld)", RESIDENTS_PER_WEEK,
         ("referred to volunteers", "naar vrijwilligers verwezen")),
    _out("crises", "crises of acute needs left alone", "crises door acute problemen zonder hulp", EVENTS_PER_WEEK,
         ("crises", "crises"), "lower"),
    _out("bemoeizorg_found", "residents reached by bemoeizorg", "inwoners bereikt met bemoeizorg",
         RESIDENTS_PER_WEEK, ("reached by bemoeizorg", "bereikt met bemoeizorg")),
    _out("outreach_found", "hidden needs found by outreach", "verborgen hulpvragen gevonden door outreach",
         RESIDENTS_PER_WEEK, ("found by outreach", "gevonden door outreach")),
    _out("cases_opened", "cases opened", "geopende zaken", RESIDENTS_PER_WEEK, ("cases opened", "geopende zaken")),
    _out("cases_closed", "cases closed", "gesloten zaken", RESIDENTS_PER_WEEK, ("cases closed", "gesloten zaken")),
    # --- motivation, trust, cost, size (ODD 8.6)
    _out("mean_trust", "trust in the municipality (0-1)", "vertrouwen in de gemeente (0-1)", INDEX,
         ("trust", "vertrouwen"), "higher"),
    _out("mean_motivation", "motivation (0-1)", "motivatie (0-1)", INDEX, ("motivation", "motivatie"), "higher"),
    _out("mean_autonomy", "autonomy (0-1)", "autonomie (0-1)", INDEX, ("autonomy", "autonomie"), "higher"),
    _out("mean_competence", "competence (0-1)", "competentie (0-1)", INDEX, ("competence", "competentie"), "higher"),
    _out("mean_relatedness", "relatedness (0-1)", "verbondenheid (0-1)", INDEX, ("relatedness", "verbondenheid"),
         "higher"),
    _out("professional_cost_eur", "cost of professionals per week (EUR)", "kosten van professionals per week (euro)",
         EUR_PER_WEEK, ("cost of professionals", "kosten van professionals"), "lower"),
    _out("community_cost_eur", "cost of places, grants, takeovers and citizen budget per week (EUR)",
         "kosten van plekken, subsidies, overnames en burgerbegroting per week (euro)", EUR_PER_WEEK,
         ("community cost", "gemeenschapskosten"), "lower"),
    _out("crisis_cost_eur", "cost of crises per week (EUR)", "kosten van crises per week (euro)", EUR_PER_WEEK,
         ("cost of crises", "kosten van crises"), "lower"),
    _out("total_cost_eur", "cost per week (EUR)", "kosten per week (euro)", EUR_PER_WEEK, ("cost", "kosten"),
         "lower"),
    _out("residents", "adult residents", "volwassen inwoners", RESIDENTS),
)

#: Every output by name, in the order of the frames' columns.
OUTPUTS: dict[str, Output] = {o.name: o for o in _DECLARED}
