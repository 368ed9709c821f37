import logging
from typing import Any

import segno
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.generic import View
from django_otp import login as otp_login
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from coachcare.accounts import digid
from coachcare.accounts.backends import REQUEST_LOA, REQUEST_REFUSAL
from coachcare.accounts.forms import TokenForm
from coachcare.accounts.selectors import totp_device_confirmed
from coachcare.accounts.services import totp_device_base32, totp_device_confirm, totp_device_for_setup
from coachcare.core.http import actor_of

logger = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "digid_enabled": digid.digid_enabled()}


class _DigidConfigured:
    """The library's views read their settings from ``digid.digid_config()``, not from Django settings."""

    config: digid.DigidConfig | None = None

    def get_settings(self, attr: str, *args: Any) -> Any:
        if self.config is not None:
            library = self.config.library_settings()
            if attr in library:
                return library[attr]
        return import_from_settings(attr, *args)


def _digid_refused(request: HttpRequest, refusal: digid.Refusal, *, status: int = 403) -> HttpResponse:
    context = {"refusal": refusal.value, "minimum_loa": _minimum_loa_label()}
    return render(request, "accounts/digid_refused.html", context, status=status)


def _minimum_loa_label() -> str:
    try:
        return digid.minimum_loa().label
    except ImproperlyConfigured:
        return digid.LOWEST_ALLOWED_MINIMUM.label


class DigidLoginView(_DigidConfigured, OIDCAuthenticationRequestView):
    """ "Inloggen met DigiD": send the browser to the broker (state, nonce, PKCE, acr_values)."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)  # not the library's: it reads OIDC_* settings

    def get(self, request: HttpRequest) -> HttpResponse:
        if not digid.digid_enabled():
            raise Http404("DigiD is not configured.")
        try:
            self.config = digid.digid_config()
        except (ImproperlyConfigured, OSError, ValueError):
            logger.exception("DigiD login cannot start: the broker's configuration could not be read")
            return _digid_refused(request, digid.Refusal.FAILED, status=503)
        self.OIDC_OP_AUTH_ENDPOINT = self.config.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = self.config.client_id
        return super().get(request)


class DigidCallbackView(_DigidConfigured, OIDCAuthenticationCallbackView):
    """The broker sends the browser back here; the ``DigidBackend`` decides who logs in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not digid.digid_enabled():
            raise Http404("DigiD is not configured.")
        if request.GET.get("error"):
            setattr(request, REQUEST_REFUSAL, digid.Refusal.CANCELLED)
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, REQUEST_REFUSAL, digid.Refusal.FAILED)
        return _digid_refused(self.request, refusal)

    def login_success(self) -> HttpResponse:
        loa: digid.Loa = getattr(self.request, REQUEST_LOA)
        response = super().login_success()
        # Remembered for the session: how this person logged in and at which DigiD level.
        self.request.session[digid.SESSION_METHOD] = "digid"
        self.request.session[digid.SESSION_LOA] = loa.label
        logger.info("DigiD login completed for user id %s at level %s", self.user.pk, loa.label)
        return response


class LogoutView(auth_views.LogoutView):
    pass


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of a professional's login: the TOTP code."""
    user = actor_of(request)
    if not user.is_professional or request.user.is_verified():  # type: ignore[union-attr]
        return redirect("core:home")
    device = totp_device_confirmed(user=user)
    if device is None:
        return redirect("accounts:setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", _("Too many wrong codes. Wait a moment and try again."))
        elif device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            logger.info("two-factor login completed for user id %s", user.pk)
            return redirect(request.GET.get("next") or "core:home")
        else:
            form.add_error("token", _("This code is not correct. Check the time on your phone and try again."))
    return render(request, "accounts/verify.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """First login of a professional: enrol an authenticator app."""
    user = actor_of(request)
    if not user.is_professional or totp_device_confirmed(user=user) is not None:
        return redirect("accounts:verify")
    device = totp_device_for_setup(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(user=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect("core:home")
        form.add_error("token", _("This code is not correct. Scan the code again and enter the new number."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return render(
        request,
        "accounts/setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": totp_device_base32(device)},
    )
