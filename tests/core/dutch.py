"""Find English in what a Dutch reader gets: pages, PDFs (their HTML source), CSV headers, e-mails.

Three detectors, each catching what the others cannot:

- ``CatalogueWatch``: every ``gettext``/``ngettext``/``pgettext`` call while Dutch is active whose
  message is not in the Dutch catalogue (ours, Django's, the third-party apps'): the English source
  text is what gets shown. A miss counts only when that English text really ends up in the output,
  so a message that is looked up but never shown (a lazy label of a form not on the page) is not
  reported.
- ``english_in``: text that was never marked for translation (a hard-coded label, a field's default
  ``verbose_name`` made from its name, such as "Given name"): whole words that are English and not
  Dutch (``ENGLISH_WORDS``), English month and day names of an ``strftime`` date ("10 Nov 2026"),
  and the raw codes of the access log (``portal.diary.add``) that a person should never read.
- ``visible_text``: what a person reads on an HTML page (text, titles, labels in attributes, the
  options of a select), not the markup, scripts, URLs or ids.
"""

import html
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils.translation import trans_real

#: English words that are not Dutch words: one of them in Dutch text is an untranslated string.
#: Words that are both ("is", "in", "of", "at", "was", "team", "module", "status", "intake", "open",
#: "filter", "log") are left out.
ENGLISH_WORDS = frozenset(
    [
        "the",
        "and",
        "your",
        "you",
        "with",
        "please",
        "select",
        "this",
        "that",
        "these",
        "those",
        "which",
        "there",
        "their",
        "they",
        "from",
        "for",
        "to",
        "are",
        "has",
        "have",
        "been",
        "will",
        "would",
        "should",
        "could",
        "can't",
        "don't",
        "not",
        "yes",
        "none",
        "nothing",
        "something",
        "name",
        "given",
        "who",
        "when",
        "what",
        "where",
        "why",
        "how",
        "action",
        "role",
        "situation",
        "final",
        "about",
        "above",
        "after",
        "again",
        "all",
        "any",
        "because",
        "before",
        "below",
        "between",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "than",
        "too",
        "very",
        "just",
        "only",
        "own",
        "same",
        "so",
        "until",
        "while",
        "into",
        "through",
        "during",
        "add",
        "added",
        "change",
        "changed",
        "delete",
        "deleted",
        "save",
        "cancel",
        "search",
        "show",
        "hide",
        "view",
        "back",
        "next",
        "previous",
        "first",
        "last",
        "new",
        "edit",
        "remove",
        "choose",
        "option",
        "options",
        "required",
        "field",
        "password",
        "username",
        "user",
        "users",
        "group",
        "groups",
        "home",
        "page",
        "date",
        "time",
        "today",
        "yesterday",
        "tomorrow",
        "history",
        "by",
        "were",
        "our",
        "logged",
        "created",
        "updated",
        "public",
        "clients",
        "table",
        "total",
        "outcomes",
        "waiting",
    ]
)

#: An ``strftime``-style English date or day: "10 Nov 2026", "November 10", "Monday".
ENGLISH_DATE = re.compile(
    r"\b(?:\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b"
    r"|(?:January|February|March|May|June|July|August|October)\b"
    r"|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
)
#: A date or month in ISO form shown as text (machine format: people read "10 november 2026",
#: "december 2025").
ISO_DATE = re.compile(r"(?<![\w/-])\d{4}-\d{2}(?:-\d{2})?(?![\w/-])")

#: A word; a name joined with hyphens, underscores or an at-sign ("coach-and-care",
#: "coach_other_team@example.invalid": a user name, an address) is one word, and not an English one.
WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:[-'_@.][A-Za-zÀ-ÿ]+)*")

URL = re.compile(r"https?://\S+")
#: A public id ("e36e867f-2689-4906-add1-…"): its hex groups can spell "add" or "bad", and are no words.
UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")

#: Attributes whose value a person reads (or hears from a screen reader).
READ_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "aria-description", "aria-roledescription"}
#: Elements whose content nobody reads.
SILENT = {"script", "style", "template", "code", "pre", "noscript"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.parts.append(str(values[name]))
        if tag == "input" and values.get("type") in {"submit", "button", "reset"} and values.get("value"):
            self.parts.append(str(values["value"]))
        if tag in SILENT:
            self.silent += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SILENT and self.silent:
            self.silent -= 1

    def handle_data(self, data: str) -> None:
        if not self.silent and data.strip():
            self.parts.append(data.strip())


def visible_text(markup: str) -> list[str]:
    """The pieces of text a person reads on an HTML page (or in the HTML source of a PDF)."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return parser.parts


def english_in(parts: Iterable[str], *, codes: Iterable[str] = (), data: Iterable[str] = ()) -> list[str]:
    """Each piece of text that holds an English word, an English date, an ISO date or a raw code.

    ``data``: names from the test data (a company name made up by Faker may hold "The"), left out.
    """
    code_pattern = _codes_pattern(codes)
    names = sorted({name for name in data if name}, key=len, reverse=True)
    found = []
    for part in parts:
        part = URL.sub("", part)  # a link is an address, not words
        part = UUID.sub("", part)  # nor is a public id
        for name in names:
            part = part.replace(name, "")
        words = sorted({word for word in WORD.findall(part) if word.lower() in ENGLISH_WORDS})
        reasons = []
        if words:
            reasons.append("English " + "/".join(words))
        if ENGLISH_DATE.search(part):
            reasons.append("English date")
        if ISO_DATE.search(part):
            reasons.append("ISO date")
        if code_pattern is not None and code_pattern.search(part):
            reasons.append("code")
        if reasons:
            found.append(f"{', '.join(reasons)}: {part[:140]!r}")
    return found


def _codes_pattern(codes: Iterable[str]) -> re.Pattern[str] | None:
    dotted = sorted({code for code in codes if "." in code}, key=len, reverse=True)
    if not dotted:
        return None
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(code) for code in dotted) + r")(?![\w])")


#: Looked up but never translated on purpose: a language's own name in the language menu.
OWN_NAMES = frozenset(str(LANG_INFO[code]["name_local"]) for code, _name in settings.LANGUAGES)


class CatalogueWatch:
    """Records the messages looked up while Dutch is active that the Dutch catalogue lacks."""

    def __init__(self) -> None:
        self.missed: set[str] = set()

    def shown_in(self, text: str) -> list[str]:
        """The missed messages that appear in ``text`` (as is, or HTML-escaped)."""
        escaped = html.unescape(text)
        return sorted(
            message
            for message in self.missed - OWN_NAMES
            if len(message) > 2 and any(c.isalpha() for c in message) and (message in text or message in escaped)
        )

    def reset(self) -> None:
        self.missed.clear()


def _in_catalogue(translation: Any, key: Any) -> bool:
    catalog = translation._catalog
    try:
        return key in catalog
    except TypeError:
        return False


@contextmanager
def catalogue_watch() -> Iterator[CatalogueWatch]:
    """Patch ``DjangoTranslation`` so that a Dutch lookup without a Dutch entry is recorded."""
    watch = CatalogueWatch()
    cls = trans_real.DjangoTranslation
    original_gettext: Callable[..., str] = cls.gettext
    original_ngettext: Callable[..., str] = cls.ngettext

    def gettext(self: Any, message: str) -> str:
        if self.language() == "nl" and message and not _in_catalogue(self, message):
            watch.missed.add(message.split("\x04")[-1])
        return original_gettext(self, message)

    def ngettext(self: Any, singular: str, plural: str, number: int) -> str:
        if self.language() == "nl" and not _in_catalogue(self, (singular, 0)):
            watch.missed.update({singular.split("\x04")[-1], plural})
        return original_ngettext(self, singular, plural, number)

    cls.gettext = gettext  # type: ignore[method-assign]
    cls.ngettext = ngettext  # type: ignore[method-assign,assignment]
    try:
        yield watch
    finally:
        cls.gettext = original_gettext  # type: ignore[method-assign]
        cls.ngettext = original_ngettext  # type: ignore[method-assign]
