from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from coachcare.accounts.identity import identity_of
from coachcare.accounts.models import User

#: Paths a professional may reach before completing the second factor.
#: ``/api/`` and ``/fhir/`` authenticate every request by bearer token (``coachcare.api.auth``),
#: never by session: they are not redirected to the second-factor page.
OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/readyz", "/i18n/", "/api/", "/fhir/")


class RequireTwoFactorMiddleware(AuthenticationMiddleware):
    """Who is asking, and professionals (coach, team lead, municipality, administrator) must pass
    TOTP first.

    It does the work of Django's ``AuthenticationMiddleware`` (a subclass of it, in its place in
    ``MIDDLEWARE``) and of django-otp's ``OTPMiddleware``, which are not installed: every page needs
    the user (this check, the navigation, the view), so it is loaded here, once, and the object
    itself is put on ``request.user``, with the verified device as django-otp sets it
    (``otp_device``, ``is_verified()``). The user and the device come from one cached structure
    (``accounts.identity``) with every check Django's and django-otp's middleware make. Their lazy
    proxies (a proxy around a proxy) cost a call on each of the hundreds of attribute reads a page
    makes of the user (policy checks, templates), and the two middleware layers some thirty calls
    per request (issue 19). ``request.auser()`` answers the same user."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:  # type: ignore[override]  # a redirect, unlike its base
        if not hasattr(request, "session"):
            raise ImproperlyConfigured("RequireTwoFactorMiddleware needs the session middleware before it.")
        user = request.user = identity_of(request)
        request.auser = _Auser(user)
        if (
            user.is_authenticated
            and getattr(user, "is_professional", False)
            and not user.is_verified()  # type: ignore[attr-defined]
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return redirect("accounts:verify")
        return None


class _Auser:
    """``request.auser``: ``await request.auser()`` gives the request's user, as Django's does."""

    __slots__ = ("user",)

    def __init__(self, user: User | AnonymousUser) -> None:
        self.user = user

    async def __call__(self) -> User | AnonymousUser:
        return self.user
