"""Bearer token authentication for /api/v1/ (ninja) and /fhir/r4/ (plain views)."""

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.services import api_token_authenticate


def bearer_user(request: HttpRequest) -> User | None:
    """The user of the request's ``Authorization: Bearer`` token, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return api_token_authenticate(raw=raw.strip())


class TokenAuth(HttpBearer):
    """The token's user acts with exactly the access policy of the screens."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw=token)
        if user is None:
            return None
        if not policy.can_use_rest_api(user):
            raise HttpError(403, "This token is for the FHIR Tasks of an e-health module only.")
        request.api_user = user  # type: ignore[attr-defined]
        return user


def api_actor(request: HttpRequest) -> User:
    user = getattr(request, "api_user", None) or getattr(request, "auth", None)
    if not isinstance(user, User):
        raise PermissionError("No API user.")
    return user
