"""One voice (issue 16.10): professionals and municipality staff are addressed with "u", young
people with "je". This test reads every translatable text of the professional and municipality
templates and fails when its Dutch translation says "je", "jij", "jou", "jouw" or "jezelf".

Texts that quote or address the young person (shown to a professional as the young person sees
them) go on ALLOWED with the reason.
"""

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType
from django.utils import translation
from django.utils.translation import gettext, ngettext
from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "coachcare" / "templates"
#: The hot pages' Jinja templates (ADR 0008): their texts are read with Jinja's own extractor.
JINJA = TEMPLATES.parent / "jinja2"

#: Templates only professionals (coach, team lead, administrator) or municipality staff see.
PROFESSIONAL_TEMPLATES = [
    # _trajectory_family.html is the young person's and the parent's view of their trajectory.
    *sorted(path for path in TEMPLATES.glob("trajectories/*.html") if path.name != "_trajectory_family.html"),
    *sorted(TEMPLATES.glob("monitoring/*.html")),
    *sorted(TEMPLATES.glob("declarations/*.html")),
    *sorted(TEMPLATES.glob("ijw/*.html")),
    *sorted(TEMPLATES.glob("contracts/*.html")),
    *sorted(TEMPLATES.glob("coaching/coach_*.html")),
    *sorted(JINJA.glob("coaching/coach_*.html")),
    TEMPLATES / "home" / "home_residents.html",
    JINJA / "home" / "home_policy.html",
    JINJA / "home" / "home_caseload.html",
    TEMPLATES / "home" / "home_admin.html",
    TEMPLATES / "home" / "refer.html",
    TEMPLATES / "clients" / "family_form.html",
    TEMPLATES / "clients" / "_family.html",
    TEMPLATES / "safeguarding" / "case.html",
    TEMPLATES / "safeguarding" / "client_cases.html",
    TEMPLATES / "privacy" / "destruction_requests.html",
    TEMPLATES / "accounts" / "staff_list.html",
]

#: msgid -> why it may say "je" on a professional page.
ALLOWED: dict[str, str] = {
    "you": "_given_by.html: said only in the family view, to the young person or parent who gave the consent",
    "your child": "_given_by.html: said only in the family view, to a parent",
}

INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jezelf)\b", re.IGNORECASE)


def _messages(path: Path) -> list[tuple[str, str | None]]:
    """(singular, plural) of every {% translate %} and {% blocktranslate %} in a template, as
    makemessages extracts them (variables as %(name)s, ``trimmed`` applied); of a Jinja template,
    every ``_()``/``ngettext()`` as Jinja's extractor (the one makemessages uses for them) finds it."""
    found: list[tuple[str, str | None]] = []
    if JINJA in path.parents:
        environment = Environment(extensions=["jinja2.ext.i18n"])
        for _line, _function, message in environment.extract_translations(  # type: ignore[attr-defined]
            path.read_text()
        ):
            strings = message if isinstance(message, tuple) else (message,)
            found.append((str(strings[0]), str(strings[1]) if len(strings) > 1 and strings[1] else None))
        return found
    tokens = Lexer(path.read_text()).tokenize()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.token_type == TokenType.BLOCK:
            contents = token.contents
            simple = re.match(r"""translate\s+(["'])(.*?)\1""", contents)
            if simple:
                found.append((simple.group(2), None))
            elif contents.startswith("blocktranslate"):
                trimmed = "trimmed" in contents.split()
                singular: list[str] = []
                plural: list[str] = []
                current = singular
                index += 1
                while not tokens[index].contents.startswith("endblocktranslate"):
                    part = tokens[index]
                    if part.token_type == TokenType.TEXT:
                        current.append(part.contents)
                    elif part.token_type == TokenType.VAR:
                        current.append(f"%({part.contents.split('|')[0].strip()})s")
                    elif part.contents == "plural":
                        current = plural
                    index += 1

                def clean(parts: list[str], trimmed: bool = trimmed) -> str:
                    text = "".join(parts)
                    if trimmed:
                        text = " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
                    return text

                found.append((clean(singular), clean(plural) if plural else None))
        index += 1
    return found


def test_the_scan_finds_the_texts() -> None:
    """The extraction works: a known professional text is found and translated."""
    messages = dict(_messages(JINJA / "home" / "home_policy.html"))
    assert "Figures for your municipality" in messages
    with translation.override("nl"):
        assert gettext("Figures for your municipality") == "Cijfers voor uw gemeente"


@pytest.mark.parametrize("path", PROFESSIONAL_TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES.parent)))
def test_professional_pages_say_u(path: Path) -> None:
    assert path.exists(), path
    informal: list[str] = []
    with translation.override("nl"):
        for singular, plural in _messages(path):
            if singular in ALLOWED:
                continue
            texts = [gettext(singular)] if plural is None else [ngettext(singular, plural, n) for n in (1, 2)]
            informal.extend(f"{singular!r} -> {text!r}" for text in texts if INFORMAL.search(text))
    assert not informal, "Dutch text with 'je/jouw' on a professional page:\n" + "\n".join(informal)
