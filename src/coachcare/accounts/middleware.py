from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

#: Paths a professional may reach before completing the second factor.
#: ``/api/`` and ``/fhir/`` authenticate every request by bearer token (``coachcare.api.auth``),
#: never by session: they are not redirected to the second-factor page.
OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/readyz", "/i18n/", "/api/", "/fhir/")


class RequireTwoFactorMiddleware:
    """Professionals (coach, team lead, municipality, administrator) must pass TOTP first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "is_professional", False)
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return redirect("accounts:verify")
        return self.get_response(request)
