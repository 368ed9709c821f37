"""Writes on accounts: creating users and their second factor."""

import base64
import binascii

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.accounts.models import MUNICIPALITY_ROLES, PROVIDER_ROLES, Role, User
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Team

#: What the administrator (functioneel beheer) may do in the admin: organisations, accounts and
#: second factors (reset a lost phone), and look at (never change) clients, the method and the log.
ADMINISTRATOR_PERMISSIONS = {
    "accounts": ["add_user", "change_user", "view_user"],
    "municipalities": ["add_municipality", "change_municipality", "view_municipality"],
    "providers": ["add_provider", "change_provider", "view_provider", "add_team", "change_team", "view_team"],
    "otp_totp": ["view_totpdevice", "delete_totpdevice"],
    "clients": ["view_client"],
    "audit": ["view_accesslogentry"],
    "method": ["view_methodversion", "view_module"],
    "contracts": [
        "add_contract",
        "change_contract",
        "view_contract",
        "add_contractproduct",
        "change_contractproduct",
        "delete_contractproduct",
        "view_contractproduct",
        "view_allocation",
    ],
}


def role_permissions_apply(*, user: User) -> None:
    """Give an account exactly the admin permissions of its role (only the administrator has any)."""
    if user.role != Role.BEHEERDER:
        user.user_permissions.clear()
        return
    condition = Q(pk__in=[])
    for app_label, codenames in ADMINISTRATOR_PERMISSIONS.items():
        condition |= Q(content_type__app_label=app_label, codename__in=codenames)
    user.user_permissions.set(Permission.objects.filter(condition))


def user_create(
    *,
    username: str,
    password: str,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    team: Team | None = None,
    municipality: Municipality | None = None,
) -> User:
    if role in PROVIDER_ROLES and team is None:
        raise ValidationError({"team": ["A coach or team lead belongs to a team."]})
    if role in MUNICIPALITY_ROLES and municipality is None:
        raise ValidationError({"municipality": ["Municipality staff belong to a municipality."]})
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        team=team if role in PROVIDER_ROLES else None,
        provider_id=team.provider_id if (team is not None and role in PROVIDER_ROLES) else None,
        municipality=municipality if role in MUNICIPALITY_ROLES else None,
        is_staff=role == Role.BEHEERDER,
        is_superuser=False,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    role_permissions_apply(user=user)
    return user


def totp_key_from_base32(secret: str) -> str:
    """django-otp stores TOTP keys as hex; authenticator apps show base32."""
    try:
        raw = base64.b32decode(secret.replace(" ", "").upper())
    except binascii.Error as exc:
        raise ValidationError("Not a base32 secret.") from exc
    return raw.hex()


def totp_device_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_device_for_setup(*, user: User) -> TOTPDevice:
    """The unconfirmed device a professional enrols in their authenticator app (made once)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment with a first valid code. Returns False for a wrong code."""
    if device.user_id != user.pk:
        return False
    allowed, _info = device.verify_is_allowed()
    if not allowed or not device.verify_token(token.strip()):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return True


def totp_device_set(*, user: User, base32_secret: str) -> TOTPDevice:
    """Give a user a confirmed TOTP device with a known secret (demo data, migrations of accounts)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name="authenticator", key=totp_key_from_base32(base32_secret), confirmed=True
    )
