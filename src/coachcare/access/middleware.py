"""One way to say no: a ``policy.AccessDenied`` that leaves a view becomes the 404 page, a
``policy.Refused`` the 403 page with its reason.

Views and the services and selectors they call raise ``policy.AccessDenied`` when the actor may
not see or use what they asked for. Answering with "not found" (and not "forbidden") does not tell
an outsider that a client file, trajectory or message exists (docs/security.md). Where the actor
may know the thing and only this action is not theirs (writing in a file they can read, deciding
on an allocation), the service raises ``policy.Refused(message)`` (or the view wraps the call in
``policy.refusing(message)``) and the user sees the 403 page with that message. Views do not catch
either exception to answer themselves.
"""

from collections.abc import Callable

from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponseBase

from coachcare.access import policy
from coachcare.core.errors import forbidden_response


class AccessDeniedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if isinstance(exception, policy.Refused):
            return forbidden_response(request, exception.message)
        if not isinstance(exception, policy.AccessDenied):
            return None
        # The same answer Django gives for Http404 (handler404, the styled 404.html, its log line).
        not_found = Http404("No such page, or no access.")
        not_found.__cause__ = exception
        return response_for_exception(request, not_found)
