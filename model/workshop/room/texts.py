"""Dutch and English texts of the workshop room (pages, errors, decisions).

``t(key, lang, **values)`` looks a key up here first and then among the dashboard's texts
(:data:`model.i18n.TEXTS`), so the names of outputs, steering modes and neighbourhoods are the same on
the projector as on the dashboard. Every key exists in both languages with the same placeholders
(``tests/test_room.py`` checks it).
"""

from __future__ import annotations

from typing import Any

from model.core.steering import ChosenPerNeighbourhood
from model.i18n import INITIATIVE_KIND_NAMES, TEXTS, neighbourhood_name, steering_name

ROOM_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "room_title": "Vitale gemeenschap - werkruimte",
        "join_title": "Doe mee",
        "join_help": "Vul de code van het scherm in en uw naam. Met dezelfde naam komt u later terug in uw rol, "
                     "ook op een ander apparaat.",
        "name": "Uw naam",
        "code": "Code van de ruimte",
        "join": "Doe mee",
        "signed_out": "U bent op een ander apparaat binnengekomen met deze naam. Kom hier opnieuw binnen om "
                      "verder te gaan.",
        "language": "Taal",
        "phase_lobby": "Wacht op de facilitator: de eerste ronde begint zo.",
        "phase_open": "Ronde {round} is open: kies en bewaar.",
        "phase_closing": "Ronde {round} sluit: de stad rekent door ...",
        "phase_results": "Uitkomst van ronde {round}. Wacht op de volgende ronde.",
        "status": "Ronde {round} · week {week}",
        "choose_role": "Kies een rol",
        "role_administrator": "Bestuurder (wethouder)",
        "role_professional": "Professional (wijkteam, opbouwwerk)",
        "role_resident": "Bewoner",
        "role_desc_administrator": "Kiest de sturingsstijl en de budgetten: burgerbegroting, ontmoetingsplekken, "
                                   "omvang van het wijkteam, beschermde tijd voor gemeenschapswerk.",
        "role_desc_professional": "Verdeelt de tijd voor gemeenschapswerk: verbinden, initiatieven ondersteunen, "
                                  "talenten spotten en outreach naar bewoners die zelf niet vragen; kiest welke "
                                  "initiatieven steun krijgen.",
        "role_desc_resident": "Spreekt voor een groep buurtbewoners: begint of steunt een initiatief, geeft tijd, "
                              "vraagt hulp en stemt over de burgerbegroting.",
        "seats": "{taken}/{total} bezet",
        "take_role": "Neem deze rol",
        "role_full": "Vol",
        "leave_role": "Geef mijn rol terug",
        "seat": "zetel {seat}",
        "group_note": "U spreekt voor {n} bewoners van {where}: wat u kiest, doen zij deze ronde.",
        "shared_note": "Gezamenlijk besluit van alle {role}: {voted} van {seats} hebben gestemd.",
        "personal_note": "Uw eigen keuze, voor uw groep; geldt voor deze ronde.",
        "now": "nu",
        "save": "Bewaar mijn keuze",
        "saved": "Bewaard. Tot het sluiten van de ronde kunt u nog wijzigen.",
        "not_saved": "Nog niet bewaard.",
        "wait_open": "Besluiten kan zodra de facilitator een ronde opent.",
        "your_neighbourhood": "Uw wijk: {where}",
        "the_city": "De hele stad",
        "nothing_decided": "Niets veranderd.",
        "item_steering": "Sturingsstijl",
        "item_citizen_budget": "Burgerbegroting (€ per volwassene per jaar)",
        "item_places_funded": "Ontmoetingsplekken gefinancierd (%)",
        "item_team_size": "Wijkteam (fte per 1.000 volwassenen)",
        "item_protected_time": "Beschermde tijd voor gemeenschapswerk (% van de uren)",
        "item_split_connecting": "Verbinden: eenzame bewoners in contact brengen (%)",
        "item_split_initiative_support": "Initiatieven ondersteunen (%)",
        "item_split_talent_spotting": "Talenten spotten en uitnodigen (%)",
        "item_split_outreach": "Outreach: bewoners opzoeken die zelf niet vragen (%)",
        "split_help": "Verdeling van de uren voor gemeenschapswerk; de delen worden naar 100% geschaald.",
        "item_initiative": "Initiatief",
        "item_volunteer": "Tijd geven",
        "item_help": "Hulp vragen",
        "item_budget_vote": "Stem: waar gaat de burgerbegroting van de wijk heen?",
        "opt_none": "Niets",
        "opt_found": "Begin een nieuw initiatief: {kind}",
        "opt_all": "alle initiatieven evenveel",
        "item_support": "Welke initiatieven ondersteunen we? (geen keuze: alle evenveel)",
        "did_found": "groep {seat} begint een {kind}",
        "did_support": "ondersteuning naar {n} gekozen initiatief/initiatieven",
        "did_support_all": "ondersteuning weer voor alle initiatieven",
        "opt_join": "Sluit aan bij: {kind} ({members} leden)",
        "opt_initiative": "{kind} ({members} leden)",
        "opt_as_now": "Zoals nu (af en toe een handje helpen)",
        "opt_core": "Vaste kern (ongeveer {hours} uur per week)",
        "opt_step_back": "Stap uit de kern",
        "opt_ties": "Aan buren, familie en vrienden",
        "opt_district_team": "Aan het wijkteam",
        "did_steering": "sturing: {value}",
        "did_steer_neighbourhood": "sturing: {value}",
        "did_citizen_budget": "burgerbegroting € {value:g}",
        "did_places_funded": "{value:g}% ontmoetingsplekken gefinancierd",
        "did_team_size": "wijkteam {value:g} fte per 1.000",
        "did_protected_time": "{value:g}% beschermde tijd",
        "did_split": "tijd: verbinden {a:g}% · ondersteunen {b:g}% · talenten {c:g}% · outreach {d:g}%",
        "did_initiative": "groep {seat} sluit aan bij een initiatief",
        "did_volunteer_core": "groep {seat} gaat in de kern",
        "did_volunteer_step_back": "groep {seat} stapt uit de kern",
        "did_help_ties": "groep {seat} vraagt hulp aan buren en familie",
        "did_help_district_team": "groep {seat} vraagt hulp aan het wijkteam",
        "did_budget_vote": "burgerbegroting naar een initiatief",
        "join_here": "Doe mee",
        "room_code": "Code",
        "participants": "Deelnemers: {n}",
        "decided": "{n} van {m} met een rol hebben gekozen",
        "roles_taken": "Rollen",
        "open_round": "Open ronde {round}",
        "close_round": "Sluit ronde {round} en reken",
        "weeks": "weken",
        "undo_round": "Maak ronde {round} ongedaan",
        "new_baseline": "Nieuwe basislijn vanaf nu",
        "facilitator": "Facilitator",
        "decisions_round": "Besluiten van ronde {round} (week {start}-{end})",
        "no_rounds": "Nog geen ronde gespeeld: de lijnen tonen de stad zonder besluiten.",
        "per_neighbourhood": "Per wijk (verschil met basislijn)",
        "chart_city": "De stad, week voor week",
        "legend_live": "met de besluiten van de zaal",
        "legend_baseline": "basislijn (zonder besluiten, vanaf week {week})",
        "legend_earlier": "eerdere basislijn (vanaf week {week})",
        "round_marker": "R{round}",
        "round_markers": "R1, R2, ...: het einde van elke ronde.",
        "bad_code": "Deze code klopt niet. Kijk op het scherm.",
        "bad_name": "Vul een naam in van hoogstens {max} tekens.",
        "room_full": "De ruimte is vol.",
        "unknown_role": "Deze rol bestaat niet.",
        "has_role": "U heeft al een rol. Geef die eerst terug.",
        "busy": "De stad rekent; probeer het zo opnieuw.",
        "role_taken": "Deze rol is al bezet. Kies een andere.",
        "not_open": "Er is nu geen ronde open.",
        "no_role": "Kies eerst een rol.",
        "not_your_item": "Dat besluit hoort niet bij uw rol ({item}).",
        "vote_not_option": "Deze keuze kan niet: {value!r} is geen van de opties.",
        "vote_not_number": "Deze keuze kan niet: {value!r} is geen getal.",
        "vote_off_grid": "Deze keuze kan niet: kies van {lo:g} tot {hi:g} in stappen van {step:g} "
                         "({value:g} kan niet).",
        "already_open": "Er is al een ronde open.",
        "round_running": "Sluit eerst de open ronde.",
        "nothing_to_undo": "Er is geen ronde om ongedaan te maken.",
        "bad_weeks": "Kies 1 tot {max} weken per ronde.",
        "replay_differs": "Ronde {round} komt bij het opnieuw doorrekenen anders uit: het model is sinds de "
                          "opname veranderd.",
        "no_room_file": "{path} bestaat niet.",
        "bad_room_file": "{path} is geen bruikbaar room.json: {detail}",
        "not_facilitator": "Alleen de facilitator kan dit (open het facilitatoradres uit de terminal).",
        "unknown_scenario": "onbekend scenario {name!r}; bekend: {known}",
        "room_exists": "{path} bestaat al; ga verder met --resume {path} of kies een andere --out",
        "port_in_use": "kan niet luisteren op {host}:{port} ({detail}); kies een andere --port of --host",
        "story_title": "Werksessie: het verhaal van de ruimte",
        "story_made": "Verslag gemaakt op {date} uit room.json.",
        "story_caveat": "Een gesimuleerde stad, geen voorspelling: de werksessie laat zien hoe besluiten in het model "
                        "doorwerken, onder de aannames die verderop staan.",
        "story_intro": "{participants} deelnemers ({seated} met een rol) speelden {rounds} ronde(s) op een "
                       "gesimuleerde stad van {residents} volwassenen (scenario {scenario}, seed {seed}), "
                       "tot week {week}.",
        "story_roles": "Rollen",
        "story_undone": "De facilitator maakte {n} ronde(s) ongedaan; die staan hieronder, gemarkeerd.",
        "story_undone_mark": "ongedaan gemaakt",
        "story_voters": "{n} deelnemer(s) stemden.",
        "story_after": "Na de ronde: {values}.",
        "story_end": "Aan het eind (week {week}), vergeleken met dezelfde stad zonder de besluiten van de zaal "
                     "(basislijn vanaf week {start}): {values}.",
        "story_no_rounds": "Er is nog geen ronde gespeeld.",
        "story_chance": "Dit is één doorrekening van één stad: een deel van elk verschil met de basislijn is toeval. "
                        "Toets een besluit over meer seeds met vitality compare voordat u er conclusies aan verbindt.",
        "story_rounds": "Rondes",
        "story_over_time": "Week voor week",
        "story_model": "Wat het model aanneemt en weglaat",
        "story_model_missing": "De modelbeschrijving (docs/ODD.md) is niet beschikbaar.",
        "story_record": "Herkomst",
        "story_created": "Ruimte gestart",
        "story_saved": "Laatst opgeslagen",
        "story_settings": "Instellingen",
    },
    "en": {
        "room_title": "Community vitality - workshop room",
        "join_title": "Join",
        "join_help": "Enter the code shown on the screen and your name. With the same name you return to your "
                     "role later, on any device.",
        "name": "Your name",
        "code": "Room code",
        "join": "Join",
        "signed_out": "You joined on another device with this name. Join here again to continue.",
        "language": "Language",
        "phase_lobby": "Waiting for the facilitator: the first round starts soon.",
        "phase_open": "Round {round} is open: choose and save.",
        "phase_closing": "Round {round} is closing: the city runs on ...",
        "phase_results": "Outcome of round {round}. Waiting for the next round.",
        "status": "Round {round} · week {week}",
        "choose_role": "Choose a role",
        "role_administrator": "Administrator (alderman)",
        "role_professional": "Professional (district team, community work)",
        "role_resident": "Resident",
        "role_desc_administrator": "Chooses the steering mode and the budgets: citizen budget, meeting places, "
                                   "size of the district team, protected time for community work.",
        "role_desc_professional": "Splits the time for community work: connecting, supporting initiatives, spotting "
                                  "talents, and outreach to residents who do not ask; chooses which initiatives get "
                                  "support.",
        "role_desc_resident": "Speaks for a group of residents: starts or joins an initiative, gives time, asks for "
                              "help and votes on the citizen budget.",
        "seats": "{taken}/{total} taken",
        "take_role": "Take this role",
        "role_full": "Full",
        "leave_role": "Give up my role",
        "seat": "seat {seat}",
        "group_note": "You speak for {n} residents of {where}: what you choose, they do this round.",
        "shared_note": "Decided together by all {role}: {voted} of {seats} have voted.",
        "personal_note": "Your own choice, for your group; it holds for this round.",
        "now": "now",
        "save": "Save my choice",
        "saved": "Saved. You can still change it until the round closes.",
        "not_saved": "Not saved yet.",
        "wait_open": "You can decide as soon as the facilitator opens a round.",
        "your_neighbourhood": "Your neighbourhood: {where}",
        "the_city": "The whole city",
        "nothing_decided": "Nothing changed.",
        "item_steering": "Steering mode",
        "item_citizen_budget": "Citizen budget (EUR per adult per year)",
        "item_places_funded": "Meeting places funded (%)",
        "item_team_size": "District team (FTE per 1,000 adults)",
        "item_protected_time": "Protected time for community work (% of hours)",
        "item_split_connecting": "Connecting: introducing lonely residents (%)",
        "item_split_initiative_support": "Supporting initiatives (%)",
        "item_split_talent_spotting": "Spotting and inviting talents (%)",
        "item_split_outreach": "Outreach: visiting residents who do not ask (%)",
        "split_help": "How the hours for community work are split; the parts are scaled to 100%.",
        "item_initiative": "Initiative",
        "item_volunteer": "Giving time",
        "item_help": "Asking for help",
        "item_budget_vote": "Vote: where does the neighbourhood's citizen budget go?",
        "opt_none": "Nothing",
        "opt_found": "Start a new initiative: {kind}",
        "opt_all": "all initiatives alike",
        "item_support": "Which initiatives do we support? (none chosen: all alike)",
        "did_found": "group {seat} starts a {kind}",
        "did_support": "support to {n} chosen initiative(s)",
        "did_support_all": "support for all initiatives again",
        "opt_join": "Join: {kind} ({members} members)",
        "opt_initiative": "{kind} ({members} members)",
        "opt_as_now": "As now (lending a hand now and then)",
        "opt_core": "Core team (about {hours} hours a week)",
        "opt_step_back": "Step out of the core",
        "opt_ties": "Neighbours, family and friends",
        "opt_district_team": "The district team",
        "did_steering": "steering: {value}",
        "did_steer_neighbourhood": "steering: {value}",
        "did_citizen_budget": "citizen budget EUR {value:g}",
        "did_places_funded": "{value:g}% of meeting places funded",
        "did_team_size": "district team {value:g} FTE per 1,000",
        "did_protected_time": "{value:g}% protected time",
        "did_split": "time: connecting {a:g}% · support {b:g}% · talents {c:g}% · outreach {d:g}%",
        "did_initiative": "group {seat} joins an initiative",
        "did_volunteer_core": "group {seat} steps into the core",
        "did_volunteer_step_back": "group {seat} steps out of the core",
        "did_help_ties": "group {seat} asks neighbours and family for help",
        "did_help_district_team": "group {seat} asks the district team for help",
        "did_budget_vote": "citizen budget to an initiative",
        "join_here": "Join",
        "room_code": "Code",
        "participants": "Participants: {n}",
        "decided": "{n} of {m} with a role have chosen",
        "roles_taken": "Roles",
        "open_round": "Open round {round}",
        "close_round": "Close round {round} and run",
        "weeks": "weeks",
        "undo_round": "Undo round {round}",
        "new_baseline": "New baseline from now",
        "facilitator": "Facilitator",
        "decisions_round": "Decisions of round {round} (week {start}-{end})",
        "no_rounds": "No round played yet: the lines show the city without decisions.",
        "per_neighbourhood": "Per neighbourhood (difference from baseline)",
        "chart_city": "The city, week by week",
        "legend_live": "with the room's decisions",
        "legend_baseline": "baseline (without decisions, from week {week})",
        "legend_earlier": "earlier baseline (from week {week})",
        "round_marker": "R{round}",
        "round_markers": "R1, R2, ...: the end of each round.",
        "bad_code": "This code is not right. Look at the screen.",
        "bad_name": "Enter a name of at most {max} characters.",
        "room_full": "The room is full.",
        "unknown_role": "There is no such role.",
        "has_role": "You already have a role. Give it up first.",
        "busy": "The city is running; try again in a moment.",
        "role_taken": "This role is taken. Choose another one.",
        "not_open": "No round is open now.",
        "no_role": "Choose a role first.",
        "not_your_item": "That decision is not your role's ({item}).",
        "vote_not_option": "This choice is not possible: {value!r} is not one of the options.",
        "vote_not_number": "This choice is not possible: {value!r} is not a number.",
        "vote_off_grid": "This choice is not possible: choose from {lo:g} to {hi:g} in steps of {step:g} "
                         "({value:g} is not).",
        "already_open": "A round is already open.",
        "round_running": "Close the open round first.",
        "nothing_to_undo": "There is no round to undo.",
        "bad_weeks": "Choose 1 to {max} weeks per round.",
        "replay_differs": "Round {round} comes out differently when run again: the model changed since the room "
                          "was recorded.",
        "no_room_file": "{path} does not exist.",
        "bad_room_file": "{path} is not a usable room.json: {detail}",
        "not_facilitator": "Only the facilitator can do this (open the facilitator's address from the terminal).",
        "unknown_scenario": "unknown scenario {name!r}; known: {known}",
        "room_exists": "{path} exists already; continue it with --resume {path} or choose another --out",
        "port_in_use": "cannot listen on {host}:{port} ({detail}); choose another --port or --host",
        "story_title": "Workshop: the story of the room",
        "story_made": "Report made on {date} from room.json.",
        "story_caveat": "A simulated city, not a forecast: the workshop shows how decisions work out in the model, "
                        "under the assumptions listed below.",
        "story_intro": "{participants} participants ({seated} with a role) played {rounds} round(s) on a simulated "
                       "city of {residents} adults (scenario {scenario}, seed {seed}), up to week {week}.",
        "story_roles": "Roles",
        "story_undone": "The facilitator undid {n} round(s); they are listed below, marked.",
        "story_undone_mark": "undone",
        "story_voters": "{n} participant(s) voted.",
        "story_after": "After the round: {values}.",
        "story_end": "At the end (week {week}), compared with the same city without the room's decisions "
                     "(baseline from week {start}): {values}.",
        "story_no_rounds": "No round has been played yet.",
        "story_chance": "This is one run of one city: part of any difference from the baseline is chance. Test a "
                        "decision over more seeds with vitality compare before drawing conclusions from it.",
        "story_rounds": "Rounds",
        "story_over_time": "Week by week",
        "story_model": "What the model assumes and leaves out",
        "story_model_missing": "The model description (docs/ODD.md) is not available.",
        "story_record": "Provenance",
        "story_created": "Room started",
        "story_saved": "Last saved",
        "story_settings": "Settings",
    },
}


def t(key: str, lang: str, **values: Any) -> str:
    """Look up a room text (or a dashboard text) in ``lang`` and fill in ``values``.

    Raises:
        KeyError: No such key in either table.

    """
    table = ROOM_TEXTS[lang]
    text = table[key] if key in table else TEXTS[lang][key]
    return text.format(**values) if values else text


class RoomError(ValueError):
    """A request the room refuses, in one line; ``key`` names the text (:data:`ROOM_TEXTS`).

    The message is the English text (the command line's language); pages show it in the page's language.
    """

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(t(key, "en", **values))
        self.key = key
        self.values = values


def place_name(neighbourhood: str, lang: str) -> str:
    """A neighbourhood's name in ``lang``, or "the whole city" for the city."""
    return t("the_city", lang) if neighbourhood == "city" else neighbourhood_name(neighbourhood, lang)


def mode_name(mode: str, lang: str) -> str:
    """A steering mode's name in ``lang`` (including the per-neighbourhood mode, which is not in the registry)."""
    chosen = ChosenPerNeighbourhood
    return chosen.label[lang] if mode == chosen.name else steering_name(mode, lang)


def kind_name(kind: str, lang: str) -> str:
    """An initiative kind's name in ``lang``."""
    return INITIATIVE_KIND_NAMES[lang][kind]
