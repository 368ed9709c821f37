"""The NEN 7513 access-log entries of one request, written in one statement (issue 19).

Placed right after ``DatabaseUnavailableMiddleware``: everything the request reads is inside
``audit.services.access_log_deferred``, which writes the collected entries when the response has
been made (or the view has failed) and before it leaves this middleware. When that write fails, the
error becomes the error page (a 503 when the database is away) and the data is never sent.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from coachcare.audit.services import access_log_deferred


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with access_log_deferred():
            return self.get_response(request)
