"""Exception -> RFC 9457 problem details, shared by the REST API and the FHIR views."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from coachcare.access.policy import AccessDenied
from coachcare.api.pagination import BadCursor
from coachcare.api.problems import problem_response
from coachcare.method.models import Module
from coachcare.trajectories.state_machine import StaleTrajectory, TransitionRefused

logger = logging.getLogger(__name__)


class BadRequest(ValueError):
    """Input the server understood but cannot use (shown to the caller as it is)."""


def _ninja_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "location": ".".join(str(part) for part in error.get("loc", [])),
            "message": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def django_validation_errors(error: DjangoValidationError) -> list[dict[str, Any]]:
    """A Django ``ValidationError`` as the problem document's ``errors`` list."""
    if hasattr(error, "error_dict"):
        return [
            {"location": field, "message": message, "type": "invalid"}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"location": "", "message": message, "type": "invalid"} for message in error.messages]


def problem_for(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The problem response for any exception raised while answering an API request."""
    if isinstance(exc, NinjaValidationError):
        return problem_response(
            request, status=422, detail="The request is not valid.", errors=_ninja_errors(exc.errors)
        )
    if isinstance(exc, AuthenticationError):
        return problem_response(
            request, status=401, detail="A valid bearer token is needed (unknown, expired or revoked token)."
        )
    if isinstance(exc, HttpError):
        return problem_response(request, status=exc.status_code, detail=str(exc))
    if isinstance(exc, Http404 | AccessDenied | Module.DoesNotExist):
        # No difference between "does not exist" and "not yours": no existence leak.
        return problem_response(request, status=404, detail="No such resource, or no access.")
    if isinstance(exc, PermissionDenied):
        return problem_response(request, status=403, detail="Not allowed.")
    if isinstance(exc, BadCursor | BadRequest):
        return problem_response(request, status=400, detail=str(exc))
    if isinstance(exc, DjangoValidationError):
        return problem_response(
            request, status=400, detail="The request is not valid.", errors=django_validation_errors(exc)
        )
    if isinstance(exc, TransitionRefused):
        return problem_response(
            request, status=409, detail=" ".join(exc.reasons), slug="transition-refused", extra={"reasons": exc.reasons}
        )
    if isinstance(exc, StaleTrajectory):
        return problem_response(request, status=409, detail="Changed by someone else; read it again.", slug="stale")
    logger.exception("API error on %s", request.path)
    return problem_response(request, status=500, detail="Something went wrong on the server.")


EXCEPTIONS: tuple[type[Exception], ...] = (
    NinjaValidationError,
    AuthenticationError,
    HttpError,
    Http404,
    AccessDenied,
    Module.DoesNotExist,
    PermissionDenied,
    BadCursor,
    BadRequest,
    DjangoValidationError,
    TransitionRefused,
    StaleTrajectory,
    Exception,
)


def not_found(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """Catch-all for unknown paths under /api/: a problem, not the HTML 404 page (/fhir/: ``fhir.fhir_not_found``)."""
    return problem_response(request, status=404, detail="No such resource, or no access.")
