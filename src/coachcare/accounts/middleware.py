from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import LazyObject, empty

from coachcare.accounts.identity import identity_of

#: Paths a professional may reach before completing the second factor.
#: ``/api/`` and ``/fhir/`` authenticate every request by bearer token (``coachcare.api.auth``),
#: never by session: they are not redirected to the second-factor page.
OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/readyz", "/i18n/", "/api/", "/fhir/")


class RequireTwoFactorMiddleware:
    """Professionals (coach, team lead, municipality, administrator) must pass TOTP first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Every page needs the user (this check, the navigation, the view), so load it once here and
        # put the object itself on the request. Django's and django-otp's middleware each wrap it in
        # a lazy proxy (a proxy around a proxy): without this, each of the hundreds of attribute
        # reads a page makes of the user (policy checks, templates) goes through both.
        # The user and the verified device come from one cached structure (``accounts.identity``)
        # unless something before this middleware already loaded them the usual way.
        lazy = request.user
        if isinstance(lazy, LazyObject) and lazy._wrapped is empty:
            request.user = identity_of(request)
        user = request.user = resolved(request.user)
        if (
            user.is_authenticated
            and getattr(user, "is_professional", False)
            and not user.is_verified()
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return redirect("accounts:verify")
        return self.get_response(request)


def resolved(user: Any) -> Any:
    """The object behind (nested) lazy proxies such as ``request.user``, loaded if it was not yet."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user
