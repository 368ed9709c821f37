"""Writes on accounts: creating users, their second factor and four-eyes changes of accounts."""

import base64
import binascii
import logging

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.access import policy
from coachcare.accounts.models import MUNICIPALITY_ROLES, PROVIDER_ROLES, Role, User, UserChangeRequest
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Team

#: What the administrator (functioneel beheer) may do in the admin: organisations, accounts and
#: second factors (reset a lost phone), and look at (never change) clients, the method and the log.
ADMINISTRATOR_PERMISSIONS = {
    "accounts": ["add_user", "change_user", "view_user"],
    "municipalities": ["add_municipality", "change_municipality", "view_municipality"],
    "providers": ["add_provider", "change_provider", "view_provider", "add_team", "change_team", "view_team"],
    # Looking only: a second factor is reset through an approved UserChangeRequest (four-eyes).
    "otp_totp": ["view_totpdevice"],
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


def user_role_links_validate(*, role: str, team: Team | None, municipality: Municipality | None) -> None:
    if role in PROVIDER_ROLES and team is None:
        raise ValidationError({"team": [_("A coach or team lead belongs to a team.")]})
    if role in MUNICIPALITY_ROLES and municipality is None:
        raise ValidationError({"municipality": [_("Municipality staff belong to a municipality.")]})


def user_create(
    *,
    username: str,
    password: str | None,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    team: Team | None = None,
    municipality: Municipality | None = None,
) -> User:
    user_role_links_validate(role=role, team=team, municipality=municipality)
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
    if password is None:  # made in the admin: a password is set later, with a second administrator's approval
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    role_permissions_apply(user=user)
    return user


def user_create_by_administrator(
    *,
    actor: User,
    access_point: AccessPoint,
    username: str,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    team: Team | None = None,
    municipality: Municipality | None = None,
) -> User:
    """A new account made by an administrator in the admin: without a password (a password request,
    approved by a second administrator, gives it one), and in the NEN 7513 log."""
    if not policy.can_manage_accounts(actor):
        raise policy.AccessDenied("Only an administrator makes accounts.")
    with transaction.atomic():
        user = user_create(
            username=username,
            password=None,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            team=team,
            municipality=municipality,
        )
        access_log_record(
            actor=actor, event=Event.CREATE, action="account.create", client_ids=[None], access_point=access_point
        )
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


# --- Four-eyes changes of accounts ----------------------------------------------------------------
#
# One administrator requests, another approves; only then does the change take effect, in one
# transaction. Each step writes the NEN 7513 log (channel of the access point, no client: the
# request itself names the account) and the account holder gets a content-free e-mail on approval.

logger = logging.getLogger(__name__)

Kind = UserChangeRequest.Kind
Status = UserChangeRequest.Status


def _log(*, actor: User, event: str, change_request: UserChangeRequest, step: str, access_point: AccessPoint) -> None:
    access_log_record(
        actor=actor,
        event=event,
        action=f"account.{change_request.kind}.{step}",
        client_ids=[None],
        access_point=access_point,
    )


def user_change_request_validate(
    *,
    actor: User,
    target: User,
    kind: str,
    role: str = "",
    team: Team | None = None,
    municipality: Municipality | None = None,
    password: str = "",
) -> None:
    """The rules of a request, without writing (also used by the admin form to show errors)."""
    if not policy.can_request_user_change(actor, target):
        if target.pk == actor.pk:
            raise ValidationError(_("Nobody changes their own account this way: ask another administrator."))
        raise ValidationError(_("Only an administrator may request a change of an account."))
    if UserChangeRequest.objects.filter(target=target, kind=kind, status=Status.PENDING).exists():
        raise ValidationError(_("A request of this kind for this account is already waiting for approval."))
    if kind == Kind.ROLE:
        if role not in Role.values:
            raise ValidationError({"new_role": [_("Choose the new role.")]})
        user_role_links_validate(role=role, team=team, municipality=municipality)
        new = (
            role,
            team.pk if (team is not None and role in PROVIDER_ROLES) else None,
            municipality.pk if (municipality is not None and role in MUNICIPALITY_ROLES) else None,
        )
        if new == (target.role, target.team_id, target.municipality_id):
            raise ValidationError(_("The account already has this role and organisation."))
    elif kind == Kind.PASSWORD:
        if not password:
            raise ValidationError({"new_password1": [_("Enter the new password.")]})
        validate_password(password, user=target)
    elif kind == Kind.SECOND_FACTOR:
        if not any(True for _device in devices_for_user(target, confirmed=None)):
            raise ValidationError(_("This account has no second factor to reset."))
    else:
        raise ValidationError(_("Unknown kind of change."))


def user_change_request_create(
    *,
    actor: User,
    target: User,
    kind: str,
    access_point: AccessPoint,
    role: str = "",
    team: Team | None = None,
    municipality: Municipality | None = None,
    password: str = "",
    reason: str = "",
) -> UserChangeRequest:
    """Ask for a change of someone else's account. Nothing changes until another administrator
    approves. A new password is kept as a hash only."""
    user_change_request_validate(
        actor=actor, target=target, kind=kind, role=role, team=team, municipality=municipality, password=password
    )
    is_role = kind == Kind.ROLE
    change_request = UserChangeRequest(
        kind=kind,
        target=target,
        requested_by=actor,
        reason=reason.strip(),
        new_role=role if is_role else "",
        new_team=team if (is_role and role in PROVIDER_ROLES) else None,
        new_municipality=municipality if (is_role and role in MUNICIPALITY_ROLES) else None,
        password_hash=make_password(password) if kind == Kind.PASSWORD else "",
    )
    try:
        with transaction.atomic():
            change_request.save()
            _log(
                actor=actor,
                event=Event.CREATE,
                change_request=change_request,
                step="request",
                access_point=access_point,
            )
    except IntegrityError as exc:  # a second request raced the first past the check above
        raise ValidationError(_("A request of this kind for this account is already waiting for approval.")) from exc
    return change_request


def _decide(
    *, actor: User, change_request: UserChangeRequest, approve: bool, access_point: AccessPoint
) -> UserChangeRequest:
    with transaction.atomic():
        locked = UserChangeRequest.objects.select_for_update().get(pk=change_request.pk)
        if locked.status != Status.PENDING:
            raise ValidationError(_("This request has already been decided."))
        if not policy.can_decide_user_change(
            actor, target_id=locked.target_id, requested_by_id=locked.requested_by_id, approve=approve
        ):
            if approve and locked.requested_by_id == actor.pk:
                raise policy.AccessDenied(_("A second administrator approves: not the one who asked."))
            raise policy.AccessDenied(_("You may not decide on this request."))
        if approve:
            target = User.objects.select_for_update().get(pk=locked.target_id)
            _apply(change_request=locked, target=target)
        locked.status = Status.APPROVED if approve else Status.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.password_hash = ""  # applied or refused: not kept
        locked.save(update_fields=["status", "decided_by", "decided_at", "password_hash"])
        _log(
            actor=actor,
            event=Event.UPDATE,
            change_request=locked,
            step="approve" if approve else "reject",
            access_point=access_point,
        )
    return locked


def _apply(*, change_request: UserChangeRequest, target: User) -> None:
    match change_request.kind:
        case Kind.ROLE:
            role, team, municipality = change_request.new_role, change_request.new_team, change_request.new_municipality
            user_role_links_validate(role=role, team=team, municipality=municipality)
            target.role = role
            target.team = team if role in PROVIDER_ROLES else None
            target.provider_id = team.provider_id if (team is not None and role in PROVIDER_ROLES) else None
            target.municipality = municipality if role in MUNICIPALITY_ROLES else None
            target.is_staff = role == Role.BEHEERDER
            target.full_clean(exclude=["password"])
            target.save(update_fields=["role", "team", "provider", "municipality", "is_staff"])
            role_permissions_apply(user=target)
        case Kind.PASSWORD:
            target.password = change_request.password_hash
            target.save(update_fields=["password"])
        case Kind.SECOND_FACTOR:
            # Every device of every installed plugin; the next login leads to enrolment again.
            for device in list(devices_for_user(target, confirmed=None)):
                device.delete()


def user_change_request_approve(
    *, actor: User, change_request: UserChangeRequest, access_point: AccessPoint
) -> UserChangeRequest:
    """A second administrator approves: the change takes effect now, in one transaction, and the
    account holder is told by e-mail (content-free)."""
    decided = _decide(actor=actor, change_request=change_request, approve=True, access_point=access_point)
    _notify(change_request=decided)
    return decided


def user_change_request_reject(
    *, actor: User, change_request: UserChangeRequest, access_point: AccessPoint
) -> UserChangeRequest:
    """Another administrator refuses, or the requester withdraws: nothing changes."""
    return _decide(actor=actor, change_request=change_request, approve=False, access_point=access_point)


def _notify(*, change_request: UserChangeRequest) -> None:
    """Tell the account holder that an administrator changed their account: what kind of change,
    never a value (no password, no role, no organisation)."""
    target = change_request.target
    if not target.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your coachcare account was changed")
        body = _(
            "Hello,\n\nAn administrator changed your coachcare account (%(what)s), with the approval of a "
            "second administrator.\nIf you did not expect this, contact your organisation's administrator.\n\n"
            "This e-mail was sent automatically."
        ) % {"what": change_request.get_kind_display()}
    try:
        send_mail(subject, body, None, [target.email])
    except OSError as exc:  # SMTP errors too; the change stands, the failure is logged without the address
        logger.warning("account change e-mail not sent for user id %s: %s", target.pk, type(exc).__name__)
