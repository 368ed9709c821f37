"""Under ``/api/`` and ``/fhir/`` every answer is in the interface's own format, whoever made it.

Django and django-ninja answer some errors themselves, before or around our views: a method the
operation does not have (405, plain text from ninja), the CSRF check (an HTML 403 page), a
request Django refuses (400, 413). A program calling the API cannot read those. This middleware
is the one place that guarantees the format: an error response under ``/api/`` that is not yet an
RFC 9457 problem document becomes one, and under ``/fhir/`` a FHIR ``OperationOutcome`` (same
status; ``Allow`` and ``WWW-Authenticate`` kept).

CSRF does not apply there: the API and FHIR authenticate every request by its bearer token and
never by the session cookie (``coachcare.api.auth``), so a forged cross-site request carries no
credentials. The check is switched off for these paths only, so an unknown path or a POST on a
read-only endpoint gets its 404 or 405 in the API's format instead of Django's CSRF page.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from coachcare.api.fhir import operation_outcome
from coachcare.api.fhir_resources import FHIR_CONTENT_TYPE
from coachcare.api.problems import PROBLEM_CONTENT_TYPE, TITLES, problem_response

API_PREFIX = "/api/"
FHIR_PREFIX = "/fhir/"

#: What a caller is told for an error Django or ninja made (our own views say more).
DETAILS = {
    400: "The request is not valid.",
    403: "Not allowed.",
    404: "No such resource, or no access.",
    413: "The request is too large.",
}


class ApiErrorFormatMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        is_api, is_fhir = request.path.startswith(API_PREFIX), request.path.startswith(FHIR_PREFIX)
        if not (is_api or is_fhir):
            return self.get_response(request)
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]  # bearer tokens only, see above
        response = self.get_response(request)
        if response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if is_api and content_type != PROBLEM_CONTENT_TYPE:
            return _problem(request, response)
        if is_fhir and content_type != FHIR_CONTENT_TYPE:
            problem = response if content_type == PROBLEM_CONTENT_TYPE else _problem(request, response)
            assert isinstance(problem, HttpResponse)
            return operation_outcome(problem)
        return response


def _problem(request: HttpRequest, original: HttpResponseBase) -> HttpResponse:
    status = original.status_code
    if status == 405 and original.has_header("Allow"):
        detail = f"{request.method} is not allowed here; use {original['Allow']}."
    else:
        detail = DETAILS.get(status, TITLES.get(status, "Error"))
    problem = problem_response(request, status=status, detail=detail)
    for header in ("Allow", "WWW-Authenticate", "Retry-After"):
        if original.has_header(header):
            problem[header] = original[header]
    return problem
