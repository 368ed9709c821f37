"""Synthetic Dutch texts for the generated country, and pools of them encrypted once.

Free text in the app is clinical content and encrypted at rest (``core.fields``). Encrypting tens
of millions of messages one by one would take hours, so the generator encrypts a small pool of
texts once, with the app's own ``encrypt_text``, and gives every row one of those tokens: the app
decrypts every generated message, diary entry, note and goal as usual. (Equal texts then have
equal ciphertexts, which only matters for synthetic data.) Nothing here is about a real person.
"""

import dataclasses
import json
import random

from django.utils.translation import gettext as _

from coachcare.core.fields import encrypt_text

COACH_OPENINGS = ["Hoi!", "Hee,", "Hoi hoi,", "Goedemiddag,", "Hallo,", ""]
COACH_BODIES = [
    "hoe ging het deze week op school?",
    "vergeet je de opdracht van deze week niet?",
    "ik zag je dagboek, fijn dat het wat beter gaat.",
    "zullen we donderdag om vier uur afspreken?",
    "goed gedaan met je dagritme deze week!",
    "hoe ging het gesprek met je moeder?",
    "laat je even weten of de afspraak doorgaat?",
    "ik heb de nieuwe les voor je klaargezet in het portaal.",
    "lukt het om op tijd op te staan?",
    "wat ging er goed deze week, en wat was lastig?",
    "ik denk nog even na over wat je vertelde. We bespreken het volgende keer.",
    "de afspraak van dinsdag verschuift naar woensdag, is dat goed?",
    "top dat je de opdracht hebt ingeleverd, ik heb feedback gegeven.",
    "hoe gaat het met slapen?",
    "denk je aan de vragenlijst in het portaal?",
    "zullen we de volgende keer samen je planning maken?",
]
COACH_CLOSINGS = ["Groet, je coach", "Tot snel!", "Succes!", "Fijne dag!", ""]
YOUTH_MESSAGES = [
    "Ja is goed",
    "Het ging wel oké",
    "Ik ben het vergeten sorry",
    "Kan het ook vrijdag?",
    "School was zwaar vandaag",
    "Ik heb de opdracht gedaan",
    "Thuis was het weer gedoe",
    "Ik sliep beter deze week",
    "Oké top",
    "Ik kom iets later",
    "Lukt niet zo goed eerlijk gezegd",
    "Dank je!",
    "Welke les moet ik doen?",
    "Ik heb mijn rooster gemaakt",
    "Ben ziek vandaag",
    "Was een goede week",
    "Mijn moeder wil ook een keer mee",
    "Ik vond de opdracht lastig",
    "Ik ben om half acht opgestaan!",
    "Zie je donderdag",
]
YOUTH_ADDITIONS = ["", "", " :)", " haha", " 👍", " denk ik", " sorry"]
DIARY_TEXTS = [
    "Vandaag ging het goed op school.",
    "Moe, slecht geslapen.",
    "Leuke dag gehad met vrienden.",
    "Ruzie thuis, voel me rot.",
    "Huiswerk op tijd af!",
    "Vroeg opgestaan, dat lukte goed.",
    "Saaie dag.",
    "Veel stress voor de toets morgen.",
    "Gesport, voelde me daarna beter.",
    "Gesprek met mijn coach was fijn.",
    "Niet naar school gegaan.",
    "Met mijn vader gepraat, ging best goed.",
    "Weinig zin in alles.",
    "Op tijd naar bed gegaan.",
    "Eerste dag van mijn bijbaan.",
    "Mijn kamer opgeruimd.",
]
DIARY_ADDITIONS = ["", "Morgen weer.", "Ben trots.", "Hoop dat het beter wordt.", "Weekend!"]
NOTE_TEXTS = [
    "Gesprek gevoerd over dagritme; afspraken gemaakt over bedtijd.",
    "Jongere was gemotiveerd, opdracht van de module besproken.",
    "Thuissituatie besproken, moeder was aanwezig.",
    "Afspraak niet nagekomen, telefonisch contact gehad.",
    "Voortgang op doel 1 besproken, goede stappen gezet.",
    "School heeft contact opgenomen over verzuim.",
    "Jongere geeft aan dat het beter gaat met slapen.",
    "Evaluatie voorbereid; scores samen ingevuld.",
    "Planning voor de komende weken gemaakt.",
    "Gesprek over vrienden en vrije tijd.",
]
GOAL_TEXTS = [
    "Elke schooldag om half acht opstaan",
    "Minder ruzie met mijn ouders",
    "Mijn huiswerk zelf plannen",
    "Weer elke dag naar school gaan",
    "Een bijbaan vinden en houden",
    "Beter slapen",
    "Zeggen wat ik voel zonder boos te worden",
    "Zelf mijn afspraken bijhouden",
    "Meer contact met vrienden",
    "Mijn geld zelf beheren",
    "Rustig blijven als het thuis druk is",
    "Een opleiding kiezen",
]
PARENTING_GOAL_TEXTS = [
    "Als ouders vaste afspraken maken over schermtijd",
    "Rustig in gesprek blijven met onze zoon of dochter",
    "Samen een weekplanning maken",
]
DECISION_REASONS = [
    "Doelen nog niet bereikt; de volgende module sluit aan.",
    "Goede voortgang, doorgaan met de volgende module.",
    "Doelen bereikt, afsluiten in overleg met de jongere.",
    "Weinig vooruitgang; besproken met de jongere en ouders.",
    "Jongere wil zelfstandig verder.",
]
SCALES = [
    {"-2": "veel minder dan verwacht", "-1": "zoals bij de start", "0": "verwacht", "1": "beter", "2": "veel beter"},
    {"-2": "slechter dan bij de start", "-1": "zoals nu", "0": "doel bereikt", "1": "meer dan verwacht",
     "2": "veel meer dan verwacht"},
]  # fmt: skip
#: Administrative only (appointments may appear in a calendar file).
LOCATIONS = ["Kantoor Coach & Care", "Thuis", "School", "Wijkcentrum"]
TITLE_COACH = "Gesprek met je coach"
TITLE_PARENTS = "Gesprek met jou en je ouders"
REJECTION_REASONS = ["Aanvraag onvolledig: verwijzing ontbreekt.", "Jongere woont niet in deze gemeente."]


@dataclasses.dataclass(frozen=True, kw_only=True)
class TokenPools:
    """Encrypted tokens (each decrypts with the app's keys) for every kind of generated free text."""

    coach_messages: list[str]
    youth_messages: list[str]
    diary: list[str]
    notes: list[str]
    goals: list[str]
    parenting_goals: list[str]
    scales: list[str]
    decision_reasons: list[str]
    #: Recorded transition reasons as ``transition_apply`` writes them, by key ("module:<code>", ...).
    reasons: dict[str, str]


def _combinations(rng: random.Random, count: int, *parts: list[str]) -> list[str]:
    """``count`` distinct texts made of one fragment of each part (fewer when there are not as many)."""
    seen: dict[str, None] = {}
    possible = 1
    for part in parts:
        possible *= len(set(part))
    while len(seen) < min(count, possible):
        text = " ".join(fragment for fragment in (rng.choice(part) for part in parts) if fragment)
        seen.setdefault(text.replace(" ,", ","), None)
    return list(seen)


def _youth(rng: random.Random, count: int) -> list[str]:
    seen: dict[str, None] = {}
    possible = len(YOUTH_MESSAGES) * len(set(YOUTH_ADDITIONS))
    while len(seen) < min(count, possible):
        seen.setdefault(rng.choice(YOUTH_MESSAGES) + rng.choice(YOUTH_ADDITIONS), None)
    return list(seen)


def token_pools(*, seed: int, size: int, module_codes: list[str], end_reasons: list[str]) -> TokenPools:
    """Encrypt the pools once. ``size`` bounds the message pools (the other pools are their lists)."""
    rng = random.Random(seed)
    coach = _combinations(rng, size, COACH_OPENINGS, COACH_BODIES, COACH_CLOSINGS)
    youth = _youth(rng, size)
    diary = _combinations(rng, size, DIARY_TEXTS, DIARY_ADDITIONS)
    # The texts ``state_machine.transition_apply`` records when nobody gives a reason.
    reasons = {f"module:{code}": _("module %(code)s") % {"code": code} for code in module_codes}
    reasons |= {f"end:{code}": _("end reason %(code)s (JZ588)") % {"code": code} for code in end_reasons}
    reasons["follow_up"] = _("a follow-up contact fell due")
    return TokenPools(
        coach_messages=[encrypt_text(text) for text in coach],
        youth_messages=[encrypt_text(text) for text in youth],
        diary=[encrypt_text(text) for text in diary],
        notes=[encrypt_text(text) for text in NOTE_TEXTS],
        goals=[encrypt_text(text) for text in GOAL_TEXTS],
        parenting_goals=[encrypt_text(text) for text in PARENTING_GOAL_TEXTS],
        scales=[encrypt_text(json.dumps(scale)) for scale in SCALES],
        decision_reasons=[encrypt_text(text) for text in DECISION_REASONS],
        reasons={key: encrypt_text(text) for key, text in reasons.items()},
    )
