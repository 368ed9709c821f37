"""The NEN 7513 access-log entries of one request, written in one statement (issue 19).

Placed right after ``DatabaseUnavailableMiddleware``: everything the request reads is inside
``audit.services.access_log_deferred``, which writes the collected entries when the response has
been made (or the view has failed) and before it leaves this middleware. When that write fails, the
error becomes the error page (a 503 when the database is away) and the data is never sent.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from coachcare.audit.services import access_log_deferred


def AccessLogMiddleware(  # noqa: N802 - a middleware factory, named as the class-based ones in MIDDLEWARE
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        with access_log_deferred():
            return get_response(request)

    return middleware
