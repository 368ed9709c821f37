"""No professional or administrative term on a page for the young person or the parent.

Every URL pattern (from the URL conf, through the URL walker) is opened as the young person and as
the parent, in Dutch and in English; every HTML page they can open is read as a person reads it
(the visible text, ``title``/``aria-label``/``alt`` texts too) and must not contain a term of
``FORBIDDEN``: the allocation (toewijzing), the names of the outcome measures (GAS, Goal Attainment
Scaling, GBO), iJw message codes, the method package's version, or the coach's way of writing about
"de jongere". A page added later is checked without editing this file.
"""

import re
from html.parser import HTMLParser

import pytest
from django.utils import translation

from coachcare.method.models import MethodVersion
from tests.core.url_walk import WalkData, body, url_for, url_patterns

#: (what, pattern): each must not match the text of a youth or parent page.
FORBIDDEN: list[tuple[str, re.Pattern[str]]] = [
    ("toewijzing / allocation", re.compile(r"toewijzing|\ballocation", re.I)),
    ("Goal Attainment Scaling", re.compile(r"goal attainment", re.I)),
    ("GAS", re.compile(r"\bGAS\b")),
    ("GBO", re.compile(r"\bGBO\b")),
    ("iJw message code", re.compile(r"\bJW3\d\d\b", re.I)),
    ("de jongere / the young person", re.compile(r"\bde jongere\b|\bthe young person\b", re.I)),
]

#: Attributes a screen reader or a tooltip reads out.
READ_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder", "aria-description"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        self.parts.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def readable_text(html: str) -> str:
    """What a person reads (or hears) on the page: text and the read-out attributes."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def forbidden_terms(text: str, *, versions: list[str]) -> list[str]:
    found = [what for what, pattern in FORBIDDEN if pattern.search(text)]
    found += [f"method version {version}" for version in versions if version in text]
    return found


def test_the_check_finds_each_term() -> None:
    """The check can fail: each term in a page's text, a title or an aria-label is found."""
    html = (
        '<p>Toewijzing aanvragen (uiterlijk 3 maart)</p><span title="Goal Attainment Scaling">x</span>'
        '<p aria-label="GBO-scores">y</p><p>GAS -1</p><p>JW301</p><p>De jongere en de coach</p>'
        "<p>coach-and-care 2026.1</p>"
    )
    found = forbidden_terms(readable_text(html), versions=["2026.1"])
    assert len(found) == len(FORBIDDEN) + 1
    assert forbidden_terms(readable_text("<p>Je doelen en je cijfer van 0 tot 10</p>"), versions=["2026.1"]) == []
    assert forbidden_terms(readable_text("<script>var GAS = 1</script><p>ok</p>"), versions=[]) == []


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("role", ["jongere", "ouder"])
def test_no_professional_term_on_a_youth_or_parent_page(walk: WalkData, role: str, language: str) -> None:
    http = walk.http(role)
    versions = list(MethodVersion.objects.values_list("version", flat=True))
    assert versions
    opened: list[str] = []
    problems: list[str] = []
    with translation.override(language):
        for pattern in url_patterns():
            if pattern.is_api:
                continue
            url = url_for(pattern, walk)
            response = http.get(url, headers={"Accept-Language": language}, follow=True)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                continue
            final = response.request["PATH_INFO"]
            if final.startswith(("/accounts/login", "/admin/")):
                continue
            opened.append(final)
            found = forbidden_terms(readable_text(body(response)), versions=versions)
            if found:
                problems.append(f"{final} ({pattern.route}): {', '.join(found)}")
    # The walk reached the pages that matter (else this test could pass without reading them).
    for page in ("/portal/", "/portal/module/", "/portal/traject/", f"/clients/{walk.world.own.public_id}/"):
        if role == "jongere":
            assert page in opened, f"{page} was not opened as {role}"
    if role == "ouder":
        assert "/portal/" in opened
    assert problems == [], f"Professional terms on pages for {role} ({language}):\n" + "\n".join(sorted(set(problems)))
