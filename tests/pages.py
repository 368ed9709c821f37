"""Helpers for asserting on rendered pages."""

from django.utils.html import escape as django_escape
from markupsafe import escape as jinja_escape


def shows(text: str, page: str) -> bool:
    """Whether ``page`` shows ``text`` HTML-escaped, by either template engine.

    Django writes an apostrophe as ``&#x27;``, Jinja2 (the hot pages, ADR 0008) as ``&#39;``; a
    generated name such as "van 't Hek" must be found on both kinds of page.
    """
    return django_escape(text) in page or str(jinja_escape(text)) in page
