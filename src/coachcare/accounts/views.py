import logging
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import View
from django_otp import login as otp_login
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from coachcare.access import policy
from coachcare.accounts import digid, selectors, services
from coachcare.accounts.backends import REQUEST_LOA, REQUEST_REFUSAL
from coachcare.accounts.forms import AcceptInvitationForm, PasswordResetForm, StaffInvitationForm, TokenForm
from coachcare.accounts.http import actor_of
from coachcare.accounts.models import MUNICIPALITY_ROLES, PROVIDER_ROLES, Invitation, Role, User, UserChangeRequest
from coachcare.accounts.selectors import invitation_by_token, totp_device_confirmed
from coachcare.accounts.services import (
    InvitationState,
    InvitationUnusable,
    invitation_state,
    totp_device_base32,
    totp_device_confirm,
    totp_device_for_setup,
)
from coachcare.audit.services import AccessPoint
from coachcare.core.forms import service_errors_to_form
from coachcare.core.http import safe_next_url
from coachcare.core.mail import MAIL_ERRORS

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
        result: HttpResponse = super().get(request)
        return result


class DigidCallbackView(_DigidConfigured, OIDCAuthenticationCallbackView):
    """The broker sends the browser back here; the ``DigidBackend`` decides who logs in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not digid.digid_enabled():
            raise Http404("DigiD is not configured.")
        if request.GET.get("error"):
            setattr(request, REQUEST_REFUSAL, digid.Refusal.CANCELLED)
        result: HttpResponse = super().get(request)
        return result

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, REQUEST_REFUSAL, digid.Refusal.FAILED)
        return _digid_refused(self.request, refusal)

    def login_success(self) -> HttpResponse:
        loa: digid.Loa = getattr(self.request, REQUEST_LOA)
        response: HttpResponse = super().login_success()
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


# Invitations: the public page behind the e-mailed link.


def _no_referrer[R: HttpResponseBase](response: R) -> R:
    """The token is in the page's address: never send it on to another site."""
    response["Referrer-Policy"] = "no-referrer"
    return response


def _unusable(request: HttpRequest, state: InvitationState | None) -> HttpResponse:
    # Status 200 on purpose: Django logs every 4xx response with its path, and the path holds the token.
    return _no_referrer(render(request, "accounts/invitation_unusable.html", {"state": state}))


def _password_backend() -> str:
    """The configured password backend (Django's ``ModelBackend`` or a subclass of it): the one a
    session made after choosing a password belongs to. Found in the settings, not named here, so
    it stays one of ``AUTHENTICATION_BACKENDS`` (a session whose backend is not listed is dropped)."""
    for path in settings.AUTHENTICATION_BACKENDS:
        if issubclass(import_string(path), ModelBackend):
            return path
    raise ImproperlyConfigured("AUTHENTICATION_BACKENDS has no password backend (ModelBackend).")


#: The session key that holds the token between the link and the password form.
INVITATION_SESSION_KEY = "_invitation_token"


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link. A valid token moves into the session and the browser goes on to the password
    form at an address without it (as Django's password reset does): the token is then in no page
    a browser could pass on, and the form's POST carries a normal ``Origin`` (a page served with
    ``Referrer-Policy: no-referrer`` makes Chromium send ``Origin: null``, which the CSRF check
    refuses). A used, expired, revoked or unknown link shows only a plain message. Every method gets
    this answer: a 405 would be logged with the path, and so with the token."""
    invitation = invitation_by_token(token=token)
    if invitation is None or invitation_state(invitation) != InvitationState.VALID:
        return _unusable(request, invitation_state(invitation) if invitation else None)
    request.session[INVITATION_SESSION_KEY] = token
    return _no_referrer(redirect("accounts:invitation_password"))


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_password(request: HttpRequest) -> HttpResponse:
    """Choose a password for the account the invitation (in the session) is for."""
    token = request.session.get(INVITATION_SESSION_KEY)
    invitation = invitation_by_token(token=token) if isinstance(token, str) else None
    if invitation is None or invitation_state(invitation) != InvitationState.VALID:
        return _unusable(request, invitation_state(invitation) if invitation else None)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=str(token),
                password=form.cleaned_data["password1"],
                access_point=AccessPoint.from_request(request),
            )
        except InvitationUnusable as exc:
            return _unusable(request, exc.state)
        except ValidationError as error:
            form.add_error("password1", error.message_dict.get("password", error.messages))
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            login(request, user, backend=_password_backend())
            if user.is_professional:
                return redirect("accounts:setup")
            return redirect("accounts:welcome")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "first_name": invitation.first_name, "username": invitation.email.strip().lower()},
    )


@login_required
def welcome(request: HttpRequest) -> HttpResponse:
    """After accepting an invitation: the account is ready, and how to log in next time."""
    actor = actor_of(request)
    return render(
        request,
        "accounts/welcome.html",
        {"username": actor.get_username(), "can_use_passkeys": policy.can_use_passkeys(actor)},
    )


# Password reset by e-mail: the same answer whether or not the address has an account.


class PasswordResetView(auth_views.PasswordResetView):
    """The e-mail goes out from a background task (``accounts.services.password_reset_send``)."""

    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(*args, **kwargs)
        # The link with the token (a redirect to the form without it): no referrer. Not the form
        # itself: its POST must carry a normal Origin for the CSRF check.
        if kwargs.get("token") != self.reset_url_token:
            _no_referrer(response)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# Staff accounts of one's own organisation (mounted at /staff/, behind the second factor).


def _staff_form(actor: User, data: Any = None) -> StaffInvitationForm:
    return StaffInvitationForm(
        data, roles=policy.staff_roles_invitable(actor), teams=selectors.teams_for_invitation(actor=actor)
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    """The accounts and open invitations of the administrator's organisation, and the invite form."""
    actor = actor_of(request)
    if not policy.can_manage_staff(actor):
        return HttpResponseForbidden(_("Only an organisation's administrator manages its staff."))
    form = _staff_form(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        role = Role(form.cleaned_data["role"])
        target = services.StaffTarget(
            role=role,
            team=form.cleaned_data.get("team") if role in PROVIDER_ROLES else None,
            municipality=actor.municipality if role in MUNICIPALITY_ROLES else None,
        )
        try:
            services.invitation_create(
                actor=actor,
                target=target,
                first_name=form.cleaned_data["first_name"],
                email=form.cleaned_data["email"],
                access_point=AccessPoint.from_request(request),
            )
        except policy.AccessDenied:
            form.add_error("role", _("You cannot invite this role here."))
        except ValidationError as error:
            service_errors_to_form(form, error)
        except MAIL_ERRORS:
            logger.exception("invitation e-mail could not be sent")
            form.add_error(None, _("The e-mail could not be sent, so nobody was invited. Try again later."))
        else:
            messages.success(request, _("The invitation has been sent."))
            return redirect("staff:list")
    rows = selectors.staff_of_organisation(actor=actor)
    context = {
        "rows": rows,
        "form": form,
        "teams": selectors.teams_for_invitation(actor=actor),
        "change_requests": selectors.staff_change_requests_pending(actor=actor),
    }
    return render(request, "accounts/staff_list.html", context)


@login_required
@require_POST
def staff_member_team(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a coach or team lead to move to another team: a second administrator approves."""
    actor = actor_of(request)
    member = selectors.staff_member_get(actor=actor, pk=pk)
    team_id = request.POST.get("team", "")
    team = selectors.teams_for_invitation(actor=actor).filter(pk=int(team_id)).first() if team_id.isdigit() else None
    if team is None:
        messages.error(request, _("Choose a team of your organisation."))
        return redirect("staff:list")
    try:
        services.user_change_request_create(
            actor=actor,
            target=member,
            kind=UserChangeRequest.Kind.ROLE,
            role=member.role,
            team=team,
            access_point=AccessPoint.from_request(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The team change of %(name)s waits for the approval of a second administrator.")
            % {"name": member.display_name},
        )
    return redirect("staff:list")


@login_required
@require_POST
def staff_change_request_decide(request: HttpRequest, pk: int, approve: bool) -> HttpResponse:
    """Another administrator of the organisation approves or rejects a team change."""
    actor = actor_of(request)
    change_request = selectors.staff_change_request_get(actor=actor, pk=pk)
    decide = services.user_change_request_approve if approve else services.user_change_request_reject
    try:
        decide(actor=actor, change_request=change_request, access_point=AccessPoint.from_request(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The team change was approved.") if approve else _("The team change was rejected."))
    return redirect("staff:list")


@login_required
@require_POST
def staff_member_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate or reactivate an account (``active`` = 0 or 1)."""
    actor = actor_of(request)
    member = selectors.staff_member_get(actor=actor, pk=pk)
    if request.POST.get("active") not in {"0", "1"}:
        return HttpResponse(_("Say whether the account is to be active (1) or not (0)."), status=400)
    active = request.POST["active"] == "1"
    services.staff_member_set_active(actor=actor, member=member, active=active)
    if active:
        messages.success(request, _("%(name)s can log in again.") % {"name": member.display_name})
    else:
        messages.success(request, _("%(name)s can no longer log in.") % {"name": member.display_name})
    return redirect("staff:list")


@login_required
@require_POST
def staff_invitation_change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Resend or revoke a staff invitation."""
    actor = actor_of(request)
    invitation = selectors.staff_invitation_get(actor=actor, pk=pk)
    invitation_change(request, actor=actor, invitation=invitation, action=action)
    return redirect("staff:list")


def invitation_change(request: HttpRequest, *, actor: User, invitation: Invitation, action: str) -> None:
    """Resend or revoke, with the message the person sees (shared by the staff page and the client file)."""
    access_point = AccessPoint.from_request(request)
    try:
        if action == "resend":
            services.invitation_resend(actor=actor, invitation=invitation, access_point=access_point)
            messages.success(request, _("A new invitation has been sent; the old link no longer works."))
        else:
            services.invitation_revoke(actor=actor, invitation=invitation, access_point=access_point)
            messages.success(request, _("The invitation has been revoked; the link no longer works."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except MAIL_ERRORS:
        logger.exception("invitation e-mail could not be sent")
        messages.error(request, _("The e-mail could not be sent; nothing was changed. Try again later."))
