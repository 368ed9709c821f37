"""One way to say no: a ``policy.AccessDenied`` that leaves a view becomes the 404 page.

Views and the services and selectors they call raise ``policy.AccessDenied`` when the actor may
not see or use what they asked for. Answering with "not found" (and not "forbidden") does not tell
an outsider that a client file, trajectory or message exists (docs/security.md). A view that means
a different answer, for example a 403 with a message for a file the actor can see but not write,
still catches the exception itself; everything else lands here.
"""

from collections.abc import Callable

from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponseBase

from coachcare.access import policy


class AccessDeniedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not isinstance(exception, policy.AccessDenied):
            return None
        # The same answer Django gives for Http404 (handler404, the styled 404.html, its log line).
        not_found = Http404("No such page, or no access.")
        not_found.__cause__ = exception
        return response_for_exception(request, not_found)
