"""The one table of names in Dutch and English, numbers written for each language, and the dashboard's texts.

Every shell (the command line, the report, the workbook, the dashboard, the notebooks) names things
through here, so a Dutch user never meets a code such as ``facilitating`` or ``urban_young``:

* outputs: their label, short name and unit, declared with the output in :mod:`model.core.outputs`
  (adding an output's Dutch and English label is its one declaration line there);
* steering modes and interventions: declared by the plug-ins themselves (:mod:`model.core.steering`,
  :mod:`model.core.interventions`): :func:`steering_name`, :func:`intervention_name`;
* scenarios: the ``title``/``title_nl`` of their file (:func:`scenario_title`, :func:`scenario_description`);
* neighbourhoods: their archetype, :data:`ARCHETYPE_NAMES` (:func:`neighbourhood_name`).

Numbers: :class:`Style` writes an output's values for a language (Babel: decimal comma and thousands
point in Dutch), shares as percentages and differences of shares in percentage points; :func:`interval`
writes a value with its 95% confidence interval; :func:`formatted` keeps a sentence's format spec (``.2f``,
``+.0%``) and writes the language's decimal sign.

Messages (errors, notes, headings) are not names: they are in :mod:`model.messages`. The dashboard's
texts are below (``t("week", "nl")``); every key exists in both languages, with the same placeholders
(``tests/test_dashboard.py`` checks it).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from babel.numbers import format_decimal

from model.core.interventions import INTERVENTION_REGISTRY
from model.core.outputs import OUTPUTS
from model.core.steering import STEERING_REGISTRY
from model.messages import DEFAULT_LANGUAGE, LANGUAGES, render

if TYPE_CHECKING:
    from model.experiments.scenarios import Scenario

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES"]  # re-exported: the shells take the languages from here or messages
#: Babel locale of each language: how numbers and dates are written.
LOCALES = {"en": "en_GB", "nl": "nl_NL"}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Community vitality - workshop",
        "controls": "Run",
        "reset": "Reset",
        "play": "▶ Play",
        "pause": "❚❚ Pause",
        "step": "Step",
        "controls_help": "Play runs update after update, Step runs one, Reset starts the chosen scenario again "
                         "with the start settings below.",
        "weeks_per_update": "Weeks per update",
        "pause_ms": "Pause between updates (ms)",
        "live_levers": "Decide now",
        "live_help": "These act on the running city at the current week and are marked on the charts. "
                     "The first decision starts a baseline: the same city and seed, continued without your decisions.",
        "steering_now": "Steering mode (switches now)",
        "where": "Where",
        "whole_city": "Whole city",
        "compare_from_now": "New baseline from now",
        "start_settings": "Start settings",
        "start_help": "Choosing a scenario starts it at once. The seed and the sliders take effect on Reset.",
        "scenario": "Scenario",
        "seed": "Seed (same seed, same city)",
        "export": "Export",
        "download_png": "Charts (PNG)",
        "download_csv": "Data (CSV)",
        "tab_dashboard": "Dashboard",
        "tab_info": "About the model",
        "week": "Week",
        "year": "year",
        "vs_baseline": "vs baseline",
        "no_baseline": "No decision yet: the charts show the live run only.",
        "baseline_since": "Dashed lines: baseline continued from week {week} without the room's decisions.",
        "decisions": "Decisions",
        "decision_at": "week {week}: {what}",
        "chart_network": "Social network ({n} of {total} residents)",
        "chart_network_help": "Dot colour: loneliness (De Jong Gierveld scale); dot size: engagement; squares: "
                              "resident initiatives, linked to their members; diamonds: initiatives taken over by "
                              "the municipality.",
        "chart_timeseries": "Over time",
        "chart_hours": "Professionals' hours per week by activity",
        "chart_map": "{city}, week {week}: lonely residents per neighbourhood",
        "chart_map_diff": "{city}, week {week}: lonely residents, live minus baseline",
        "chart_map_unit": "lonely (%)",
        "chart_map_diff_unit": "lonely, live minus baseline (percentage points)",
        "chart_map_help": "Each neighbourhood of the city coloured by its share of lonely residents (De Jong "
                          "Gierveld score 3 or more); after the first decision, by the difference from the "
                          "baseline. Grey: too few inhabitants to simulate.",
        "live": "live",
        "baseline": "baseline",
        "now": "this week",
        "places_open_label": "{open}/{total} meeting places open",
        "scheduled": "scenario: {what}",
        "decision_steering": "steering: {mode}",
        "decision_compare": "new baseline",
        "loneliness_legend": "Loneliness (score 0-11)",
        "not_lonely": "not lonely (0-2)",
        "moderately_lonely": "moderately (3-8)",
        "severely_lonely": "severely (9-10)",
        "very_severely_lonely": "very severely (11)",
        "initiatives_legend": "Resident initiatives",
        "taken_over": "taken over",
        "export_title": "{scenario} | seed {seed} | week {week} | steering: {mode}",
        "from_odd": "From the model description (docs/ODD.md)",
        "odd_purpose": "Purpose",
        "odd_process": "One week, step by step",
        "odd_steering": "Steering modes",
        "odd_limits": "What the model leaves out",
        "error": "Not done",
    },
    "nl": {
        "title": "Vitale gemeenschap - werksessie",
        "controls": "Afspelen",
        "reset": "Opnieuw",
        "play": "▶ Speel",
        "pause": "❚❚ Pauze",
        "step": "Stap",
        "controls_help": "Speel rekent update na update door, Stap één update, Opnieuw start het gekozen scenario "
                         "opnieuw met de startinstellingen hieronder.",
        "weeks_per_update": "Weken per update",
        "pause_ms": "Pauze tussen updates (ms)",
        "live_levers": "Nu besluiten",
        "live_help": "Deze knoppen werken direct op de lopende stad, in de huidige week, en worden in de grafieken "
                     "gemarkeerd. Het eerste besluit start een basislijn: dezelfde stad en seed, doorgerekend zonder "
                     "uw besluiten.",
        "steering_now": "Sturingsstijl (wisselt direct)",
        "where": "Waar",
        "whole_city": "Hele stad",
        "compare_from_now": "Nieuwe basislijn vanaf nu",
        "start_settings": "Startinstellingen",
        "start_help": "Een scenario kiezen start het direct. De seed en de schuifjes gelden na Reset.",
        "scenario": "Scenario",
        "seed": "Seed (zelfde seed, zelfde stad)",
        "export": "Exporteren",
        "download_png": "Grafieken (PNG)",
        "download_csv": "Gegevens (CSV)",
        "tab_dashboard": "Dashboard",
        "tab_info": "Over het model",
        "week": "Week",
        "year": "jaar",
        "vs_baseline": "t.o.v. basislijn",
        "no_baseline": "Nog geen besluit: de grafieken tonen alleen de lopende stad.",
        "baseline_since": "Stippellijnen: basislijn vanaf week {week}, doorgerekend zonder de besluiten van de zaal.",
        "decisions": "Besluiten",
        "decision_at": "week {week}: {what}",
        "chart_network": "Sociaal netwerk ({n} van {total} bewoners)",
        "chart_network_help": "Kleur van de stip: eenzaamheid (De Jong Gierveld-schaal); grootte: betrokkenheid; "
                              "vierkantjes: bewonersinitiatieven, verbonden met hun leden; ruitjes: initiatieven die "
                              "de gemeente heeft overgenomen.",
        "chart_timeseries": "In de tijd",
        "chart_hours": "Uren van professionals per week, per activiteit",
        "chart_map": "{city}, week {week}: eenzame bewoners per wijk",
        "chart_map_diff": "{city}, week {week}: eenzame bewoners, lopend min basislijn",
        "chart_map_unit": "eenzaam (%)",
        "chart_map_diff_unit": "eenzaam, lopend min basislijn (procentpunten)",
        "chart_map_help": "Elke wijk van de gemeente gekleurd naar het aandeel eenzame bewoners (De Jong "
                          "Gierveld-score 3 of meer); na het eerste besluit naar het verschil met de basislijn. "
                          "Grijs: te weinig inwoners om te simuleren.",
        "live": "lopend",
        "baseline": "basislijn",
        "now": "deze week",
        "places_open_label": "{open}/{total} ontmoetingsplekken open",
        "scheduled": "scenario: {what}",
        "decision_steering": "sturing: {mode}",
        "decision_compare": "nieuwe basislijn",
        "loneliness_legend": "Eenzaamheid (score 0-11)",
        "not_lonely": "niet eenzaam (0-2)",
        "moderately_lonely": "matig (3-8)",
        "severely_lonely": "ernstig (9-10)",
        "very_severely_lonely": "zeer ernstig (11)",
        "initiatives_legend": "Bewonersinitiatieven",
        "taken_over": "overgenomen",
        "export_title": "{scenario} | seed {seed} | week {week} | sturing: {mode}",
        "from_odd": "Uit de modelbeschrijving (docs/ODD.md, in het Engels)",
        "odd_purpose": "Doel",
        "odd_process": "Eén week, stap voor stap",
        "odd_steering": "Sturingsstijlen",
        "odd_limits": "Wat het model weglaat",
        "error": "Niet uitgevoerd",
    },
}

#: Neighbourhood archetypes (names of neighbourhoods start with these).
ARCHETYPE_NAMES: dict[str, dict[str, str]] = {
    "en": {"urban_young": "urban young", "urban_deprived": "urban deprived", "suburban_family": "suburban family",
           "village_ageing": "ageing village"},
    "nl": {"urban_young": "jong stedelijk", "urban_deprived": "stedelijk kwetsbaar", "suburban_family": "gezinswijk",
           "village_ageing": "vergrijzend dorp"},
}

#: Resident-initiative kinds (``model.core.parameters.INITIATIVE_KINDS``).
INITIATIVE_KIND_NAMES: dict[str, dict[str, str]] = {
    "en": {"meeting_activity": "meeting activity", "care_circle": "care circle", "broodfonds": "broodfonds",
           "energy_cooperative": "energy cooperative", "festival": "festival"},
    "nl": {"meeting_activity": "ontmoetingsactiviteit", "care_circle": "zorgcirkel", "broodfonds": "broodfonds",
           "energy_cooperative": "energiecoöperatie", "festival": "festival"},
}

#: Labels of the start-setting sliders of ``model.workshop.sliders.KEY_LEVERS`` (schema field -> label; the
#: steering modes label their own sliders).
PARAMETER_LABELS: dict[str, dict[str, str]] = {
    "en": {"n_residents": "Residents", "team_per_1000": "District-team members per 1,000",
           "builders_per_1000": "Community builders per 1,000", "admin_base_hours": "Admin hours per week",
           "citizen_budget_eur": "Citizen budget (EUR/adult/year)",
           "reluctance_mean": "Reluctance to ask for help", "homophily": "Preference for similar others"},
    "nl": {"n_residents": "Bewoners", "team_per_1000": "Wijkteamleden per 1.000",
           "builders_per_1000": "Opbouwwerkers per 1.000", "admin_base_hours": "Administratie-uren per week",
           "citizen_budget_eur": "Burgerbegroting (€/volwassene/jaar)",
           "reluctance_mean": "Vraagverlegenheid", "homophily": "Voorkeur voor gelijken"},
}

#: Dutch help texts of the start-setting sliders (in English the schema's own meaning and unit are shown).
PARAMETER_HELP_NL: dict[str, str] = {
    "n_residents": "Volwassen inwoners van de stad (meer bewoners: trager).",
    "team_per_1000": "Omvang van het sociaal wijkteam (leden per 1.000 volwassenen).",
    "builders_per_1000": "Opbouwwerkers en andere gemeenschapsbouwers (per 1.000 volwassenen).",
    "admin_base_hours": "Vaste administratie per professional bij gewone verantwoordingslast (uren per week).",
    "citizen_budget_eur": "Budget dat bewoners zelf verdelen (burgerbegroting, euro per volwassene per jaar).",
    "reluctance_mean": "Gemiddelde terughoudendheid om hulp te vragen (vraagverlegenheid, 0-1).",
    "homophily": "Hoe sterk mensen banden zoeken met wie op hen lijkt (leeftijd, inkomen; odds ratio).",
}

INFO: dict[str, str] = {
    "en": """
## What this is

An agent-based model of a synthetic Dutch city of four neighbourhoods (young urban, deprived urban,
suburban families, an ageing village). It explores how the way a municipality **steers** its social
domain affects **community strength**, **loneliness** and the **casework load** of professionals.
It compares steering modes and interventions within one city under the same random seed;
its outputs are comparisons and mechanisms, **not forecasts** for a real municipality.

## How it works (one step is one week)

* **Residents** have talents to offer and needs to ask (Zelfredzaamheidsmatrix), a network of
  strong and weak ties, loneliness on the De Jong Gierveld scale (0-11; 3 or more is lonely) and
  motivation after self-determination theory.
* They meet at **meeting places** and in **resident initiatives** (meeting activities, care circles,
  broodfondsen, energy cooperatives, festivals), which are founded, recruit similar others, burn out
  and end. Encounters make ties; ties give informal help and protect against loneliness.
* Unmet needs worsen and reach the front desk: the **waiting list** and **open cases** of the social
  district team. **Professionals** split one weekly time budget over casework, administration and
  community work (connecting, initiative support, talent spotting, outreach). Casework crowds out
  community work: the *casework trap*.
* The **municipality** sets levers each week through its steering mode:
  **facilitating** (light rules, grants, protected community time), **framing** (conditions, goals and
  inclusion demands), **enforcing** (casework first, heavy accountability, taking over initiatives) or
  **layered** (per neighbourhood, depending on the situation). No mode has its result written in:
  outcomes emerge from the residents' and professionals' rules.
* **Community strength** (0-100) is the mean of six shares: good ties, volunteering, mutual help,
  participation in initiatives, engagement and bridging ties.

## How to use it

1. Pick a **scenario** (left). It starts at once. Press **▶ Play** to run, **Step** for one update, **Reset**
   to start again (with the start settings).
2. While it runs, **decide now**: switch the steering mode, close meeting places, protect community time
   or add a citizen budget, in the whole city or in one neighbourhood (**Where**). Each decision acts from
   the current week and is marked with a vertical line on the charts.
3. The first decision also starts a **baseline**: an exact copy of the city at that moment, continued with
   the same random numbers but without your decisions (dashed lines). The difference is the effect of
   the decision in this city; other seeds give other cities.
4. **Export** the charts (PNG) and the weekly data of the session (CSV) at any time.

## Things to try

* Run the baseline for two years, then switch to **enforcing**: watch casework hours crowd out community
  work, and what happens to initiatives and loneliness a year later.
* **Close meeting places** in year 2 and compare with the baseline: does loneliness run away?
* Start from *enforcing* and switch to **facilitating** in year 3 (also a shipped scenario).
* **Protect community time** during a demand shock (scenario *demand_shock*).
* Add a **citizen budget** in the deprived neighbourhood and look at initiatives and community strength.
* Repeat a decision with another **seed**: is the difference robust, or noise?

The full description (ODD protocol, sources, every parameter) is in `docs/ODD.md`; excerpts follow.
""",
    "nl": """
## Wat is dit

Een agentgebaseerd model van een denkbeeldige Nederlandse stad met vier wijken (jong stedelijk,
stedelijk achterstand, gezinswijk, vergrijzend dorp). Het verkent hoe de manier waarop een gemeente
het sociaal domein **stuurt** doorwerkt in **gemeenschapskracht**, **eenzaamheid** en de **casuslast**
van professionals. Het vergelijkt sturingsstijlen en interventies binnen één stad met dezelfde
toevalsgetallen; de uitkomsten zijn vergelijkingen en mechanismen, **geen voorspellingen** voor een
echte gemeente.

## Hoe het werkt (één stap is één week)

* **Bewoners** hebben talenten om te bieden en vragen om te stellen (Zelfredzaamheidsmatrix), een netwerk
  van sterke en zwakke banden, eenzaamheid op de De Jong Gierveld-schaal (0-11; 3 of meer is eenzaam)
  en motivatie volgens de zelfdeterminatietheorie.
* Ze ontmoeten elkaar in **ontmoetingsplekken** en **bewonersinitiatieven** (ontmoetingsactiviteiten,
  zorgcirkels, broodfondsen, energiecoöperaties, festivals), die ontstaan, gelijkgestemden werven,
  opbranden en stoppen. Ontmoetingen leveren banden op; banden geven informele hulp en beschermen tegen
  eenzaamheid.
* Onvervulde hulpvragen verergeren en komen bij de voordeur: de **wachtlijst** en **open casussen** van het
  sociaal wijkteam. **Professionals** verdelen één weekbudget aan tijd over casuswerk, administratie en
  gemeenschapswerk (verbinden, initiatieven ondersteunen, talenten spotten, outreach). Casuswerk verdringt
  gemeenschapswerk: de *casusval*.
* De **gemeente** zet elke week de knoppen via haar sturingsstijl: **faciliterend** (lichte regels,
  subsidies, beschermde tijd), **kaderstellend** (voorwaarden, doelen, inclusie-eisen), **dwingend en
  overnemend** (casuswerk eerst, zware verantwoording, initiatieven overnemen) of **gelaagd** (per wijk,
  afhankelijk van de situatie). Geen stijl heeft een vooraf ingebouwde uitkomst: die ontstaat uit de
  regels van bewoners en professionals.
* **Gemeenschapskracht** (0-100) is het gemiddelde van zes aandelen: goede banden, vrijwilligerswerk,
  onderlinge hulp, deelname aan initiatieven, betrokkenheid en overbruggende banden.

## Zo gebruikt u het

1. Kies links een **scenario**; het start direct. Druk op **▶ Speel** om door te rekenen, **Stap** voor één
   update, **Opnieuw** om opnieuw te beginnen (met de startinstellingen).
2. Besluit **nu**, terwijl het loopt: wissel van sturingsstijl, sluit ontmoetingsplekken, bescherm tijd
   voor gemeenschapswerk of voeg een burgerbegroting toe, in de hele stad of in één wijk (**Waar**). Elk
   besluit werkt vanaf de huidige week en krijgt een verticale lijn in de grafieken.
3. Het eerste besluit start ook een **basislijn**: een exacte kopie van de stad op dat moment, doorgerekend
   met dezelfde toevalsgetallen maar zonder uw besluiten (stippellijnen). Het verschil is het effect van
   het besluit in deze stad; een andere seed geeft een andere stad.
4. **Exporteer** op elk moment de grafieken (PNG) en de weekgegevens van de sessie (CSV).

## Om te proberen

* Laat de basislijn twee jaar lopen en wissel dan naar **dwingend**: zie hoe casuswerk het
  gemeenschapswerk verdringt, en wat er een jaar later met initiatieven en eenzaamheid gebeurt.
* **Sluit ontmoetingsplekken** in jaar 2 en vergelijk met de basislijn: loopt de eenzaamheid weg?
* Begin *dwingend* en wissel in jaar 3 naar **faciliterend** (ook een meegeleverd scenario).
* **Bescherm gemeenschapstijd** tijdens een vraagschok (scenario *demand_shock*).
* Voeg een **burgerbegroting** toe in de kwetsbare wijk en kijk naar initiatieven en gemeenschapskracht.
* Herhaal een besluit met een andere **seed**: is het verschil robuust, of toeval?

De volledige beschrijving (ODD-protocol, bronnen, alle parameters) staat in `docs/ODD.md` (Engels);
hieronder enkele delen daaruit.
""",
}


def t(key: str, lang: str, **values: object) -> str:
    """Look up the text ``key`` in ``lang`` and fill in ``values``.

    Args:
        key: Key of :data:`TEXTS`.
        lang: ``"nl"`` or ``"en"``.
        **values: Values for the ``{placeholders}`` of the text.

    Returns:
        The text.

    Raises:
        KeyError: No such language or key (the tests check that every key used exists in both).

    """
    text = TEXTS[lang][key]
    return text.format(**values) if values else text


def steering_name(mode: str, lang: str) -> str:
    """Return the name of a steering mode in ``lang``, as the mode declares it (its registry name otherwise)."""
    cls = STEERING_REGISTRY.get(mode)
    return cls.label.get(lang, mode) if cls else mode


def intervention_name(name: str, lang: str) -> str:
    """Return the name of an intervention in ``lang``, as the intervention declares it (its registry name otherwise)."""
    cls = INTERVENTION_REGISTRY.get(name)
    return cls.label.get(lang, name) if cls else name.replace("_", " ")


def setting_name(intervention: str, setting: str, lang: str) -> str:
    """Return the name of an intervention's setting in ``lang``, as the intervention declares it."""
    cls = INTERVENTION_REGISTRY.get(intervention)
    field = cls.__dataclass_fields__.get(setting) if cls else None
    label = (field.metadata.get("label") or {}) if field else {}
    return label.get(lang, setting.replace("_", " "))


def neighbourhood_name(name: str, lang: str) -> str:
    """Return the name of a neighbourhood in ``lang``: its archetype translated, its number kept (``urban_young_2``)."""
    names = ARCHETYPE_NAMES[lang]
    for key, label in names.items():
        if name == key or name.startswith(key + "_"):
            return label + name[len(key):].replace("_", " ")
    return name.replace("_", " ")


def _field(scenario: Scenario | Mapping[str, Any], key: str) -> str:
    value = scenario.get(key) if isinstance(scenario, Mapping) else getattr(scenario, key, "")
    return value or ""


def scenario_title(scenario: Scenario | Mapping[str, Any], lang: str) -> str:
    """Return a scenario's name in ``lang``: the ``title`` (``title_nl``) of its file, else its name.

    Takes a :class:`~model.experiments.scenarios.Scenario` or a scenario as a results manifest records it.
    """
    title = _field(scenario, "title") or _field(scenario, "name")
    return (_field(scenario, "title_nl") or title) if lang == "nl" else title


def scenario_description(scenario: Scenario | Mapping[str, Any], lang: str) -> str:
    """Return the scenario's description in ``lang`` (``description_nl`` for Dutch)."""
    english = _field(scenario, "description")
    return (_field(scenario, "description_nl") or english) if lang == "nl" else english


def output_label(key: str, lang: str) -> str:
    """Return an output's label in ``lang`` (declared in :mod:`model.core.outputs`), or the column's name."""
    output = OUTPUTS.get(key)
    return output.label[lang] if output else key


# ---------------------------------------------------------------------- numbers
def number(value: float, lang: str, pattern: str = "#,##0.##") -> str:
    """Write a number as ``lang`` does (``0,3`` and ``2.000`` in Dutch), with a Babel ``pattern``."""
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def formatted(value: float, spec: str, lang: str) -> str:
    """Write a number as ``format(value, spec)`` does (``.2f``, ``.3g``, ``+.0%``, ``,.0f``), in ``lang``'s signs.

    English keeps Python's text exactly; Dutch swaps the decimal point and the thousands comma (``0,45``,
    ``1.234``), so that sentences keep the precision they were written with in both languages.
    """
    text = format(value, spec)
    return text.translate(str.maketrans(".,", ",.")) if lang == "nl" else text


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file separates fields and writes decimals, and its encoding."""

    sep: str
    decimal: str
    encoding: str


#: CSV dialects of ``--csv-dialect``: ``excel-nl`` is what Dutch Excel opens with a double click (its list
#: separator is ';' because ',' is the decimal sign; the byte-order mark tells it the file is UTF-8, so
#: "casuïstiek" survives); ``international`` is what pandas, R and English Excel expect.
CSV_DIALECTS = {"excel-nl": CsvDialect(";", ",", "utf-8-sig"), "international": CsvDialect(",", ".", "utf-8")}
#: The dialect each language writes unless ``--csv-dialect`` says otherwise.
DEFAULT_CSV_DIALECT = {"nl": "excel-nl", "en": "international"}


@dataclass(frozen=True)
class Style:
    """How one output's numbers are written in a language: scaled (shares as %), with decimals fitted to their size."""

    lang: str
    factor: float = 1.0
    decimals: int = 1
    suffix: str = ""
    diff_suffix: str = ""

    @classmethod
    def fitted(cls, lang: str, scale: float, share: bool = False) -> Style:
        """Show three significant digits of ``scale`` (e.g. the largest mean), between 0 and 3 decimals."""
        factor = 100.0 if share else 1.0
        size = abs(scale * factor)
        decimals = 1 if not size or math.isnan(size) else min(3, max(0, 2 - math.floor(math.log10(size))))
        return cls(lang, factor, decimals, "%" if share else "", " " + render("unit.pp", lang) if share else "")

    @classmethod
    def of(cls, key: str, lang: str, scale: float | None = None) -> Style:
        """The style of the output ``key`` (a share or not) for values around ``scale``.

        Without ``scale``: with the decimals the output declares (the dashboard's big numbers of one week).
        """
        output = OUTPUTS.get(key)
        style = cls.fitted(lang, 1.0 if scale is None else scale, bool(output and output.unit.share))
        return dataclasses.replace(style, decimals=output.unit.decimals) if scale is None and output else style

    def number(self, value: float, sign: bool = False, decimals: int | None = None) -> str:
        """Write a number as the language does (no scaling, no unit)."""
        places = self.decimals if decimals is None else decimals
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(value, format=f"+{pattern};-{pattern}" if sign else pattern, locale=LOCALES[self.lang])

    def level(self, value: float) -> str:
        """Write a level (e.g. a mean or a CI bound)."""
        return self.number(value * self.factor) + self.suffix

    def change(self, value: float) -> str:
        """Write a difference, with its sign (shares in percentage points)."""
        return self.number(value * self.factor, sign=True) + self.diff_suffix


def interval(style: Style, mean: float, low: float, high: float, change: bool = False) -> str:
    """Write a value with its 95% confidence interval (``12,3 (11,9 tot 12,7)``); the value alone without one."""
    if math.isnan(mean):
        return render("number.not_available", style.lang)
    write = style.change if change else style.level
    if math.isnan(low):
        return write(mean)
    if change:  # the unit (percentage points) once: "+1,2 %-punt (+0,4 tot +2,0)"
        bound = functools.partial(style.number, sign=True)
        low, high = low * style.factor, high * style.factor
    else:
        bound = write
    return render("number.ci", style.lang, {"mean": write(mean), "low": bound(low), "high": bound(high)})
