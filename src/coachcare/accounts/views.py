import logging

import segno
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from coachcare.accounts.forms import TokenForm
from coachcare.accounts.selectors import totp_device_confirmed
from coachcare.accounts.services import totp_device_base32, totp_device_confirm, totp_device_for_setup
from coachcare.core.http import actor_of, safe_next_url

logger = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
        setup_url = reverse("accounts:setup")
        wanted = safe_next_url(request, "")
        return redirect(f"{setup_url}?{urlencode({'next': wanted})}" if wanted else setup_url)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", _("Too many wrong codes. Wait a moment and try again."))
        elif device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            logger.info("two-factor login completed for user id %s", user.pk)
            return redirect(safe_next_url(request, "core:home"))
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
            return redirect(safe_next_url(request, "core:home"))
        form.add_error("token", _("This code is not correct. Scan the code again and enter the new number."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return render(
        request,
        "accounts/setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": totp_device_base32(device)},
    )
