"""Passkeys (WebAuthn, django-otp-webauthn) for young people and parents: log in on a phone without
a password. Professionals log in with password + TOTP only: they can neither register a passkey nor
log in with one (a passkey login counts as a verified second factor in django-otp).

The relying party is the address in ``COACHCARE_BASE_URL``: its host name is the RP ID, its origin
the only origin accepted (``conf/base.py``, docs/configuration.md). Browsers refuse an IP address
as RP ID, hence the default ``http://localhost:8000``.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions
from django_otp_webauthn.models import AbstractWebAuthnCredential
from django_otp_webauthn.views import (
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from coachcare.access import policy


class NotForThisRole(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = _("Passkeys are not available for your account. Log in with your password and code.")
    default_code = "not_for_this_role"


class _OnlyForPasskeyRoles:
    request: Any

    def check_can_register(self) -> None:
        if not policy.can_use_passkeys(self.request.user):
            raise NotForThisRole()


class PasskeyRegistrationBeginView(_OnlyForPasskeyRoles, BeginCredentialRegistrationView):
    pass


class PasskeyRegistrationCompleteView(_OnlyForPasskeyRoles, CompleteCredentialRegistrationView):
    pass


class PasskeyAuthenticationCompleteView(CompleteCredentialAuthenticationView):
    def check_device_usable(self, device: AbstractWebAuthnCredential) -> None:
        super().check_device_usable(device)
        if not policy.can_use_passkeys(device.user):
            raise NotForThisRole()
