"""A database that cannot be reached gives a clean 503, never a 500 (issue 8, faults).

While PostgreSQL restarts, fails over or refuses connections, every request that needs it raises
``OperationalError`` or ``InterfaceError``. Those become ``503 Service Unavailable`` with
``Retry-After``: an HTML page for people (Dutch and English, rendered without a request context,
so without the session, the user or the database) and an RFC 9457 problem document under
``/api/`` and ``/fhir/``. Connections come back by themselves: ``CONN_HEALTH_CHECKS`` makes the first
query of the next request test a persistent connection and open a new one.

Three entry points, because Django turns an exception into a response at the layer where it is raised:

- ``DatabaseUnavailableMiddleware.process_exception``: raised by a view;
- ``server_error`` (``handler500`` in ``coachcare.urls``): raised by a middleware (loading the
  session or the user, saving the session) or by anything else that would end in the 500 page;
- ``DatabaseUnavailableMiddleware.__call__``: a 500 that code made itself from a database error
  (the API's catch-all problem handler), recognised afterwards: the request had a database error
  and the connection no longer answers ``SELECT 1``. A 500 from a bug with a working database stays
  a 500.
"""

import json
import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

#: Seconds a client is told to wait before trying again (a PostgreSQL restart takes a few seconds).
RETRY_AFTER_SECONDS = 5
#: Paths answered with a problem document instead of an HTML page.
API_PREFIXES = ("/api/", "/fhir/")
PROBLEM_TYPE = "https://coachcare.nl/problems/service-unavailable"


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an exception it was raised from) means the database cannot be used now."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def database_broken() -> bool:
    """Whether a connection used in this request had a database error and no longer works."""
    for connection in connections.all(initialized_only=True):
        if connection.errors_occurred and not connection.is_usable():
            return True
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``; a problem document for the API, a static page for people."""
    if request.path.startswith(API_PREFIXES):
        body = {
            "type": PROBLEM_TYPE,
            "title": "Service unavailable",
            "status": 503,
            "detail": "The service is temporarily unavailable. Try again in a few seconds.",
            "instance": request.path,
        }
        response = HttpResponse(json.dumps(body), status=503, content_type="application/problem+json")
    else:
        html = loader.get_template("operations/unavailable.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Maps a database error raised by a view to ``unavailable_response``. Place it first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and database_broken():
            logger.warning("database unavailable on %s %s (500 replaced by 503)", request.method, request.path)
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.warning("database unavailable on %s %s: %s", request.method, request.path, type(exception).__name__)
        return unavailable_response(request)


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """``handler500``: a 503 when the exception being handled is a database outage, else Django's 500."""
    if is_database_unavailable(sys.exception()):
        return unavailable_response(request)
    return defaults.server_error(request, template_name=template_name)
