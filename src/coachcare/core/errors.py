"""Styled error pages (Dutch by default, each with a way back), beyond Django's own 404/500 templates.

- ``csrf_failure`` (``CSRF_FAILURE_VIEW``): a form sent with a missing or stale security token, e.g.
  after the session expired or with the form open in an old tab. The page says what happened and
  how to go on, instead of Django's technical English page.
- ``StyledForbiddenMiddleware``: views answer "not allowed" with ``HttpResponseForbidden(message)``,
  a bare line of text; for people (not ``/api/``, ``/fhir/``) that message is shown inside the
  styled 403 page (``403.html``, which Django's ``permission_denied`` also renders).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.encoding import force_str

#: Paths whose answers are for other systems: their 403s stay as they are (problem documents).
API_PREFIXES = ("/api/", "/fhir/")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the styled 403 for a refused form. ``reason`` is technical: not shown."""
    return render(request, "csrf_failure.html", status=403)


def forbidden_response(request: HttpRequest, message: str) -> HttpResponse:
    """A 403 with ``message``: the styled 403 page for people; the bare message for other systems
    (``/api/``, ``/fhir/``, whose middleware makes it a problem document) and for htmx requests
    (which swap in a fragment, not a page)."""
    if request.path.startswith(API_PREFIXES) or request.headers.get("HX-Request"):
        return HttpResponseForbidden(message)
    return render(request, "403.html", {"exception": message}, status=403)


class StyledForbiddenMiddleware:
    """Wraps a bare-text 403 from a view in the styled 403 page (with its message and a way back)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 403
            or request.path.startswith(API_PREFIXES)
            or getattr(response, "streaming", False)
            or not response.get("Content-Type", "").startswith("text/html")
            or request.headers.get("HX-Request")
        ):
            return response
        body = force_str(response.content).strip()
        if body.startswith("<") or len(body) > 500:
            return response  # already a page (the 403 template, the CSRF page, the admin)
        styled = forbidden_response(request, body)
        for header in ("Cache-Control", "Vary"):
            if header in response:
                styled[header] = response[header]
        return styled
