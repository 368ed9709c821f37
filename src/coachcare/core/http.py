"""Small typed helpers for views."""

import uuid

from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest, QueryDict
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from coachcare.core.validators import text_without_nul

#: The largest integer a parameter may carry: the biggest value a database integer column holds.
MAX_INT_PARAM = 2**31 - 1


def page_number(request: HttpRequest) -> int:
    """The ``?page=`` of a paginated list: a positive number, else 1 (never an error)."""
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1


def safe_next_url(request: HttpRequest, default: str, *, field: str = "next") -> str:
    """Where to go after a step: the user-given ``next`` (query or form) when it stays on this site,
    else ``default`` (a URL or a URL name; empty: none).

    The one check for every redirect to a user-given URL: an absolute URL to another host, a
    scheme-relative ``//host``, a ``javascript:`` URL or one with control characters is ignored
    (no open redirect), exactly as Django's own login and language views decide.
    """
    candidate = request.POST.get(field) or request.GET.get(field) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default) if default else ""


def uuid_param(data: QueryDict, name: str) -> uuid.UUID | None:
    """A UUID from a query or form parameter; ``None`` when it is absent or empty.

    Anything else than a UUID is the client's mistake: ``BadRequest`` (400), never a 500 from the
    database."""
    raw = data.get(name, "")
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except (ValueError, AttributeError, TypeError) as exc:
        raise BadRequest(_("Invalid value for %(name)s.") % {"name": name}) from exc


def int_param(data: QueryDict, name: str, *, minimum: int = 1) -> int | None:
    """A positive database id (or other positive integer) from a query or form parameter;
    ``None`` when absent or empty, ``BadRequest`` (400) for anything else (also a number too
    large for the database). ``minimum=0`` for a counter that starts at zero (a version)."""
    raw = data.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not minimum <= int(raw) <= MAX_INT_PARAM:
        raise BadRequest(_("Invalid value for %(name)s.") % {"name": name})
    return int(raw)


def text_param(data: QueryDict, name: str, *, max_length: int = 100) -> str:
    """A short free text from a query or form parameter (a search term), cut to ``max_length``;
    ``""`` when absent. A NUL character is refused with ``BadRequest`` (400) by the one NUL rule
    (``core.validators``): PostgreSQL cannot compare with it, so it must never reach a query."""
    raw = data.get(name, "")[:max_length]
    try:
        return text_without_nul(raw)
    except ValidationError as exc:
        raise BadRequest(_("Invalid value for %(name)s.") % {"name": name}) from exc
