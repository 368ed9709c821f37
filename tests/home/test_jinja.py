"""The Jinja2 environment of the hot pages (``coachcare.home.jinja_env``, ADR 0008): the same output
as the Django template language for dates, numbers and translations, autoescape on, one source
for the page layout, and the translations extracted by ``makemessages``."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.utils import timezone, translation

from coachcare.home.management.commands.makemessages import jinja_to_python

SRC = Path(__file__).resolve().parents[2] / "src" / "coachcare"


def jinja(source: str, **context: object) -> str:
    return str(engines["jinja2"].from_string(source).render(context))


def django(source: str, **context: object) -> str:
    return str(engines["django"].from_string(source).render(context))


@pytest.mark.parametrize(
    ("value", "fmt"),
    [
        *[
            (timezone.make_aware(datetime.datetime(2026, 3, 5, 23, 30), datetime.UTC), fmt)  # 6 March in Amsterdam
            for fmt in ("j F Y", "j F Y, H:i", "l j F Y", "c")
        ],
        *[(datetime.date(2026, 12, 1), fmt) for fmt in ("j F Y", "l j F Y", "c")],
        # The formats the filter writes itself, every month, both sides of DST, before midnight UTC:
        *[
            (timezone.make_aware(datetime.datetime(2026, month, day, hour, 5), datetime.UTC), fmt)
            for month in range(1, 13)
            for day, hour in ((1, 0), (28, 22))
            for fmt in ("j F Y, H:i", "l j F Y, H:i", "j F Y H:i", "j F Y", "c", "H:i")
        ],
        (datetime.datetime(1999, 7, 4, 9, 0, 0, 123, tzinfo=datetime.UTC), "c"),
        (datetime.date(2026, 7, 9), "Y-m-d"),
    ],
)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_date_filter_prints_as_django_does(value: object, language: str, fmt: str) -> None:
    with translation.override(language):
        expected = django("{{ value|date:fmt }}", value=value, fmt=fmt)
        assert jinja("{{ value|date(fmt) }}", value=value, fmt=fmt) == expected
    assert expected


@pytest.mark.parametrize("value", [3.5, Decimal("1234.50"), 12, datetime.date(2026, 1, 2), None, "tekst"])
def test_a_printed_value_is_localized_as_django_prints_it(value: object) -> None:
    with translation.override("nl"):
        assert jinja("{{ value }}", value=value) == django("{{ value }}", value=value)


def test_translations_follow_the_active_language_and_escape_their_values() -> None:
    source = '{{ _("Hi %(name)s! This is your file at Coach & Care. You can see what is written about you.", name=n) }}'
    with translation.override("nl"):
        dutch = jinja(source, n="<b>Sam</b>")
    with translation.override("en"):
        english = jinja(source, n="Sam")
    assert dutch.startswith("Hoi &lt;b&gt;Sam&lt;/b&gt;!")
    assert "<b>" not in dutch
    assert english.startswith("Hi Sam!")


def test_plural_translations() -> None:
    source = '{{ ngettext("%(counter)s new message", "%(counter)s new messages", n, counter=n) }}'
    with translation.override("nl"):
        assert jinja(source, n=1) == "1 nieuw bericht"
        assert jinja(source, n=3) == "3 nieuwe berichten"


def test_autoescape_is_on() -> None:
    assert jinja("{{ text }}", text="<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert jinja("{{ text|linebreaksbr }}", text="<i>a</i>\nb") == "&lt;i&gt;a&lt;/i&gt;<br>b"


def test_the_layout_has_one_source() -> None:
    """base.html and the Jinja layout include the same partials; neither writes the header,
    navigation or footer itself."""
    base = (SRC / "templates" / "base.html").read_text()
    layout = (SRC / "jinja2" / "layout.html").read_text()
    for part in ("head", "top", "header", "messages", "footer"):
        assert f'{{% jinja "layout/{part}.html" %}}' in base
        assert f'{{% include "layout/{part}.html" %}}' in layout
    for markup in ("<header", "<nav", "<footer", "<link", "utrecht-skip-link", "coachcare-messages"):
        assert markup not in base
        assert markup not in layout


def test_makemessages_reads_the_jinja_gettext_calls() -> None:
    source = '<p>\n{{ _("One %(x)s", x=1) }}</p>\n{{ ngettext("%(counter)s a", "%(counter)s b", n, counter=n) }}'
    assert jinja_to_python(source).splitlines() == [
        "",
        "gettext('One %(x)s')",
        "ngettext('%(counter)s a', '%(counter)s b', n)",
    ]


def test_the_catalogue_holds_the_jinja_texts() -> None:
    """``make messages`` extracted the Jinja templates: their references are in the Dutch catalogue."""
    po = (Path(settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "jinja2/messaging/thread.html" in po
    assert "jinja2/home/home_caseload.html" in po


@pytest.mark.parametrize(
    "text", ["<i>a</i>\nb", "a\r\nb\rc\n\nd", "\"quotes\" & 'apostrophes'", "", "regel<br>", 12, None]
)
def test_linebreaksbr_prints_as_django_does(text: object) -> None:
    assert jinja("{{ text|linebreaksbr }}", text=text) == django("{{ text|linebreaksbr }}", text=text)


class _Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_compiled_templates_print_what_jinja_prints(language: str) -> None:
    """``CoachcareEnvironment`` compiles output, calls and includes with fewer Python calls
    (``_CodeGenerator``, ``_Context``); the text is what Jinja's own code generator writes."""
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy
    from jinja2 import ChainableUndefined, DictLoader, Environment
    from markupsafe import Markup

    from coachcare.home.jinja_env import _finalize, environment

    templates = {
        "page.html": '{% extends "layout.html" %}{% block body %}<p a="{{ text }}">{{ values|length }} 100%'
        "{% for value in values %}<i>{{ value }}</i>|{{ value }}{% if loop.first %}!{% endif %}{% endfor %}"
        '{% set inner %}<b>{{ text }}</b>{% endset %}{{ inner }}{{ macro(text) }}{% include "part.html" %}'
        '{{ _("Messages") }} {{ _("%(name)s wrote", name=text) }} {{ ngettext("%(counter)s unread", '
        '"%(counter)s unread", 2, counter=2) }}{{ missing.deeper }}{% endblock %}',
        "layout.html": "<html>{% macro macro(x) %}[{{ x }}]{% endmacro %}{% block body %}{% endblock %}</html>",
        "part.html": "{% for value in values %}{{ value }}{% endfor %}{{ text }}",
    }
    values = [
        "<a & 'b' \"c\">",
        Markup("<em>ok</em>"),
        mark_safe("<s>django</s>"),
        _Html(),
        12,
        -3,
        True,
        None,
        3.5,
        Decimal("1234.50"),
        datetime.date(2026, 1, 2),
        timezone.make_aware(datetime.datetime(2026, 3, 5, 23, 30), datetime.UTC),
        gettext_lazy("Messages"),
        [1, "<x>"],
    ]
    ours = environment(loader=DictLoader(templates), autoescape=True)
    jinjas = Environment(
        loader=DictLoader(templates),
        autoescape=True,
        finalize=_finalize,
        undefined=ChainableUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    jinjas.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True
    )
    with translation.override(language):
        expected = jinjas.get_template("page.html").render(text="<T & 'x'>", values=values)
        assert ours.get_template("page.html").render(text="<T & 'x'>", values=values) == expected
    assert "&lt;a &amp; &#39;b&#39; &#34;c&#34;&gt;" in expected
