"""Dutch is the default language: every UI string must have a Dutch translation."""

from pathlib import Path

from django.conf import settings
from django.utils import translation

PO_FILE = Path(settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) per entry of a .po file, with continuation lines joined."""
    entries = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith(("msgid ", "msgid_plural ", "msgstr ", "msgstr[")):
                current, _, value = line.partition(" ")
                fields[current] = value.strip().strip('"')
            elif line.startswith('"') and current is not None:
                fields[current] += line.strip().strip('"')
        if "msgid" in fields:
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            entries.append((fields["msgid"], msgstr, fuzzy))
    return entries


def test_every_message_has_a_dutch_translation() -> None:
    entries = [entry for entry in _entries(PO_FILE.read_text(encoding="utf-8")) if entry[0]]
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, _fuzzy in entries if not msgstr]
    fuzzy = [msgid for msgid, _msgstr, is_fuzzy in entries if is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_is_used() -> None:
    with translation.override("nl"):
        assert translation.gettext("Download list (CSV)") == "Lijst downloaden (CSV)"
    with translation.override("en"):
        assert translation.gettext("Download list (CSV)") == "Download list (CSV)"
