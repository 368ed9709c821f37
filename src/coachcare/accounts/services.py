"""Writes on accounts: creating users and their second factor, invitations, staff accounts and
four-eyes changes of accounts."""

import base64
import binascii
import dataclasses
import datetime
import enum
import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.access import policy
from coachcare.accounts.identity import identity_forget as identity_forget  # re-exported: the public door
from coachcare.accounts.models import MUNICIPALITY_ROLES, PROVIDER_ROLES, Invitation, Role, User, UserChangeRequest
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client, GezagRelation
from coachcare.clients.services import carer_account_link
from coachcare.core.dates import today
from coachcare.core.mail import MAIL_ERRORS
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider, Team

logger = logging.getLogger(__name__)

#: What the administrator (functioneel beheer) may do in the admin: organisations, accounts and
#: second factors (reset a lost phone), and look at (never change) clients, the method and the log.
ADMINISTRATOR_PERMISSIONS = {
    "accounts": ["add_user", "change_user", "view_user"],
    "municipalities": [
        "add_municipality",
        "change_municipality",
        "view_municipality",
        # the jeugdregio's and who belongs to them when (contracts.md)
        "add_region",
        "change_region",
        "view_region",
        "add_regionmembership",
        "change_regionmembership",
        "view_regionmembership",
    ],
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
        "add_contractbudgetyear",
        "change_contractbudgetyear",
        "delete_contractbudgetyear",
        "view_contractbudgetyear",
        "view_lumpsuminstalment",
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
    provider: Provider | None = None,
) -> User:
    """Create an account. ``provider`` or ``municipality`` on a ``beheerder`` makes them that
    organisation's administrator of staff accounts (``access.policy.staff_roles_invitable``).
    ``password=None``: no usable password (an account made in the admin gets one only through a
    password request approved by a second administrator)."""
    user_role_links_validate(role=role, team=team, municipality=municipality)
    if role == Role.BEHEERDER and provider is not None and municipality is not None:
        raise ValidationError({"provider": [_("An administrator administers one organisation.")]})
    if role in PROVIDER_ROLES:
        provider_id = team.provider_id if team is not None else None
    else:
        provider_id = provider.pk if (provider is not None and role == Role.BEHEERDER) else None
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        team=team if role in PROVIDER_ROLES else None,
        provider_id=provider_id,
        municipality=municipality if role in MUNICIPALITY_ROLES or role == Role.BEHEERDER else None,
        # Only the platform administrator uses the Django admin; an organisation's administrator
        # (a beheerder with a provider or municipality) manages its own staff on /staff/ only.
        is_staff=role == Role.BEHEERDER and provider_id is None and municipality is None,
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


Kind = UserChangeRequest.Kind
Status = UserChangeRequest.Status


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
    if not policy.can_request_user_change(actor, target, kind=kind, role=role, team=team):
        if target.pk == actor.pk:
            raise ValidationError(_("Nobody changes their own account this way: ask another administrator."))
        if policy.can_manage_staff(actor):
            raise ValidationError(
                _("You can only move a coach or team lead of your organisation to another team of your organisation.")
            )
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
            access_log_record(
                actor=actor,
                event=Event.CREATE,
                action=f"account.{change_request.kind}.request",
                client_ids=[None],
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
            actor,
            target_id=locked.target_id,
            requested_by_id=locked.requested_by_id,
            approve=approve,
            target=locked.target,
            kind=locked.kind,
            role=locked.new_role,
            team=locked.new_team,
        ):
            if approve and locked.requested_by_id == actor.pk:
                raise policy.Refused(_("A second administrator approves: not the one who asked."))
            raise policy.Refused(_("You may not decide on this request."))
        if approve:
            target = User.objects.select_for_update().get(pk=locked.target_id)
            _apply(change_request=locked, target=target)
        locked.status = Status.APPROVED if approve else Status.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.password_hash = ""  # applied or refused: not kept
        locked.save(update_fields=["status", "decided_by", "decided_at", "password_hash"])
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action=f"account.{locked.kind}.{'approve' if approve else 'reject'}",
            client_ids=[None],
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
    except MAIL_ERRORS as exc:  # the change stands, the failure is logged without the address
        logger.warning("account change e-mail not sent for user id %s: %s", target.pk, type(exc).__name__)


# Invitations (docs/security.md, "Accounts and invitations").

#: How long an invitation link works.
INVITATION_VALID_FOR = datetime.timedelta(days=7)


@dataclasses.dataclass(frozen=True, kw_only=True)
class YoungPersonTarget:
    """The young person of a client file; accepting links the account to ``Client.user``."""

    client: Client


@dataclasses.dataclass(frozen=True, kw_only=True)
class ParentTarget:
    """A family member of a client (``GezagRelation``) with gezag who uses the portal; accepting
    links the new account to that record (``clients.services.carer_account_link``)."""

    relation: GezagRelation

    @property
    def client(self) -> Client:
        return self.relation.client


@dataclasses.dataclass(frozen=True, kw_only=True)
class StaffTarget:
    """A coach or team lead of ``team``, or access or policy staff of ``municipality``."""

    role: Role
    team: Team | None = None
    municipality: Municipality | None = None


InvitationTarget = YoungPersonTarget | ParentTarget | StaffTarget


class InvitationState(enum.StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


class InvitationUnusable(Exception):
    """The link was used, has expired or was revoked (or never existed): ``state`` says which."""

    def __init__(self, state: InvitationState | None) -> None:
        super().__init__(state or "unknown")
        self.state = state


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_state(invitation: Invitation, *, now: datetime.datetime | None = None) -> InvitationState:
    if invitation.used_at is not None:
        return InvitationState.USED
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if invitation.expires_at <= (now or timezone.now()):
        return InvitationState.EXPIRED
    return InvitationState.VALID


def _username_for(email: str) -> str:
    """People log in with their e-mail address: it is their user name (lower case)."""
    return email.strip().lower()


def _account_exists(email: str) -> bool:
    """An account already logs in with this address, or has it as its e-mail address."""
    return User.objects.filter(Q(username__iexact=_username_for(email)) | Q(email__iexact=email.strip())).exists()


def _check_invitee(*, first_name: str, email: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    first_name = first_name.strip()
    email = email.strip()
    if not first_name:
        errors["first_name"] = [_("Enter the first name.")]
    elif len(first_name) > 150:
        errors["first_name"] = [_("The first name is too long.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    else:
        if len(email) > 150:
            errors["email"] = [_("The e-mail address is too long.")]
        elif _account_exists(email):
            errors["email"] = [_("There already is an account with this e-mail address.")]
    if errors:
        raise ValidationError(errors)
    return first_name, email


def _pending(invitations: QuerySet[Invitation]) -> QuerySet[Invitation]:
    return invitations.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


def _require_may_invite(*, actor: User, target: InvitationTarget) -> None:
    """The policy first: someone who may not invite learns nothing about addresses or accounts."""
    match target:
        case YoungPersonTarget(client=client):
            allowed = policy.can_invite_for_client(actor, client)
        case ParentTarget(relation=relation):
            allowed = policy.can_invite_for_client(actor, relation.client)
        case StaffTarget(role=role, team=team, municipality=municipality):
            allowed = policy.can_invite_staff(
                actor, role=role, team=team, municipality_id=municipality.pk if municipality else None
            )
    if not allowed:
        raise policy.AccessDenied("Not allowed to invite this person.")


def _check_not_invited(*, target: InvitationTarget, email: str) -> None:
    match target:
        case YoungPersonTarget(client=client):
            if client.user_id is not None:
                raise ValidationError({"email": [_("The young person already has an account.")]})
            if _pending(Invitation.objects.filter(client=client, kind=Invitation.Kind.YOUNG_PERSON)).exists():
                raise ValidationError({"email": [_("The young person has already been invited. Resend or revoke.")]})
        case ParentTarget(relation=relation):
            # Locked: two coaches inviting the same family member at once make one invitation.
            relation = GezagRelation.objects.select_for_update().get(pk=relation.pk)
            if not policy.can_have_portal_account(relation, on=today()):
                raise ValidationError(
                    {
                        "email": [
                            _("Only a parent or carer with gezag gets a portal account: this family member has none.")
                        ]
                    }
                )
            if not relation.uses_portal:
                raise ValidationError({"email": [_("This family member does not use the portal.")]})
            if relation.parent_id is not None:
                raise ValidationError({"email": [_("This family member already has an account.")]})
            if _pending(Invitation.objects.filter(relation=relation, kind=Invitation.Kind.PARENT)).exists():
                raise ValidationError({"email": [_("This family member has already been invited. Resend or revoke.")]})
        case StaffTarget():
            if _pending(Invitation.objects.filter(kind=Invitation.Kind.STAFF, email__iexact=email)).exists():
                raise ValidationError({"email": [_("This person has already been invited. Resend or revoke.")]})


def _new_invitation(*, fields: dict[str, object]) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        token_hash=invitation_token_hash(token), created_at=now, expires_at=now + INVITATION_VALID_FOR, **fields
    )
    return invitation, token


def _target_fields(target: InvitationTarget) -> dict[str, object]:
    match target:
        case YoungPersonTarget(client=client):
            return {"kind": Invitation.Kind.YOUNG_PERSON, "role": Role.JONGERE, "client": client}
        case ParentTarget(relation=relation):
            return {"kind": Invitation.Kind.PARENT, "role": Role.OUDER, "client": relation.client, "relation": relation}
        case StaffTarget(role=role, team=team, municipality=municipality):
            if role in PROVIDER_ROLES:
                assert team is not None
                return {"kind": Invitation.Kind.STAFF, "role": role, "team": team, "provider_id": team.provider_id}
            return {"kind": Invitation.Kind.STAFF, "role": role, "municipality": municipality}


def _log_client_access(
    *, actor: User, invitation: Invitation, event: str, action: str, access_point: AccessPoint
) -> None:
    if invitation.client is not None:
        access_log_record(
            actor=actor,
            event=event,
            action=action,
            client_ids=[invitation.client.public_id],
            access_point=access_point,
        )


def invitation_link(token: str) -> str:
    return settings.COACHCARE_BASE_URL.rstrip("/") + reverse("accounts:invitation_accept", kwargs={"token": token})


def _invitation_send(*, invitation: Invitation, token: str) -> None:
    """The content-free e-mail: the invitee's first name and the link, nothing about care. Dutch,
    "je" for young people and parents, "u" for staff. Sent inside the transaction: when the mail
    server refuses, no invitation is left behind that nobody received."""
    context = {
        "first_name": invitation.first_name,
        "link": invitation_link(token),
        "formal": invitation.kind == Invitation.Kind.STAFF,
        "valid_days": INVITATION_VALID_FOR.days,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_create(
    *, actor: User, target: InvitationTarget, first_name: str, email: str, access_point: AccessPoint
) -> Invitation:
    """Invite a person and e-mail them a link that works once, for 7 days."""
    _require_may_invite(actor=actor, target=target)
    first_name, email = _check_invitee(first_name=first_name, email=email)
    with transaction.atomic():
        _check_not_invited(target=target, email=email)
        invitation, token = _new_invitation(
            fields={**_target_fields(target), "first_name": first_name, "email": email, "created_by": actor}
        )
        _log_client_access(
            actor=actor,
            invitation=invitation,
            event=Event.CREATE,
            action="client.invitation",
            access_point=access_point,
        )
        _invitation_send(invitation=invitation, token=token)
    logger.info("invitation %s (%s) created by user id %s", invitation.pk, invitation.kind, actor.pk)
    return invitation


def _locked_for_change(*, actor: User, invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update(of=("self",)).select_related("client").get(pk=invitation.pk)
    if not policy.can_manage_invitation(actor, locked):
        raise policy.AccessDenied("Not allowed to change this invitation.")
    if locked.used_at is not None:
        raise ValidationError(_("This invitation has been used: the account exists."))
    return locked


def invitation_resend(*, actor: User, invitation: Invitation, access_point: AccessPoint) -> Invitation:
    """Send a new link (valid 7 days from now); the old link stops working."""
    with transaction.atomic():
        old = _locked_for_change(actor=actor, invitation=invitation)
        if old.kind == Invitation.Kind.YOUNG_PERSON and old.client is not None and old.client.user_id is not None:
            raise ValidationError(_("The young person already has an account."))
        if _account_exists(old.email):
            raise ValidationError(_("There already is an account with this e-mail address."))
        if old.revoked_at is None:
            old.revoked_at = timezone.now()
            old.save(update_fields=["revoked_at"])
        fields = {
            name: getattr(old, name)
            for name in ("kind", "role", "first_name", "email", "client", "relation", "provider", "team")
        }
        fields |= {"municipality": old.municipality, "created_by": actor}
        if old.kind == Invitation.Kind.PARENT:
            fields["email"] = _family_member_resend_email(old)
        new, token = _new_invitation(fields=fields)
        _log_client_access(
            actor=actor, invitation=new, event=Event.CREATE, action="client.invitation", access_point=access_point
        )
        _invitation_send(invitation=new, token=token)
    logger.info("invitation %s resent as %s by user id %s", old.pk, new.pk, actor.pk)
    return new


def _family_member_resend_email(invitation: Invitation) -> str:
    """A family member's new link goes to the address on their record today (the coach may have
    corrected it), and only while they still may have an account."""
    assert invitation.relation_id is not None
    relation = GezagRelation.objects.select_for_update().get(pk=invitation.relation_id)
    if relation.parent_id is not None:
        raise ValidationError(_("This family member already has an account."))
    if not policy.can_have_portal_account(relation, on=today()):
        raise ValidationError(
            _("Only a parent or carer with gezag gets a portal account: this family member has none.")
        )
    if not relation.email:
        raise ValidationError(_("No e-mail address is recorded for this family member."))
    if relation.email.strip().lower() != invitation.email.strip().lower() and _account_exists(relation.email):
        raise ValidationError(_("There already is an account with this e-mail address."))
    return relation.email


def invitation_revoke(*, actor: User, invitation: Invitation, access_point: AccessPoint) -> None:
    """Stop a link from working (nothing is sent)."""
    with transaction.atomic():
        locked = _locked_for_change(actor=actor, invitation=invitation)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            _log_client_access(
                actor=actor,
                invitation=locked,
                event=Event.UPDATE,
                action="client.invitation.revoke",
                access_point=access_point,
            )
    logger.info("invitation %s revoked by user id %s", invitation.pk, actor.pk)


def _parent_link(*, invitation: Invitation, user: User, access_point: AccessPoint) -> None:
    """Set the new parent account on the family member the invitation names (no new record)."""
    assert invitation.relation_id is not None
    relation = GezagRelation.objects.select_for_update().select_related("client").get(pk=invitation.relation_id)
    if relation.parent_id is not None:  # linked to an account meanwhile (DigiD, or the coach)
        raise InvitationUnusable(InvitationState.USED)
    carer_account_link(actor=None, relation=relation, parent=user, access_point=access_point)


def family_member_invite(*, actor: User, relation: GezagRelation, access_point: AccessPoint) -> Invitation:
    """Invite a family member to the portal at the e-mail address on their record."""
    if not relation.email:
        raise ValidationError({"email": [_("No e-mail address is recorded for this family member.")]})
    return invitation_create(
        actor=actor,
        target=ParentTarget(relation=relation),
        first_name=relation.given_name or relation.display_name,
        email=relation.email,
        access_point=access_point,
    )


def invitation_accept(*, token: str, password: str, access_point: AccessPoint) -> User:
    """Create the account the invitation is for, with the chosen password, in one transaction.

    Single use and race-safe: the invitation row is locked, so of two simultaneous acceptances one
    creates the account and the other finds it used. Raises ``InvitationUnusable`` for a used,
    expired, revoked or unknown link and ``ValidationError`` (field ``password``) for a password the
    validators refuse.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("client", "team", "municipality")
            .filter(token_hash=invitation_token_hash(token))
            .first()
        )
        if invitation is None:
            raise InvitationUnusable(None)
        state = invitation_state(invitation)
        if state != InvitationState.VALID:
            raise InvitationUnusable(state)
        username = _username_for(invitation.email)
        candidate = User(username=username, first_name=invitation.first_name, email=invitation.email)
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        if _account_exists(invitation.email):
            raise ValidationError(
                {"password": [_("There already is an account with this e-mail address. Ask who invited you.")]}
            )
        client = None
        if invitation.kind == Invitation.Kind.YOUNG_PERSON:
            assert invitation.client is not None
            client = Client.objects.select_for_update().get(pk=invitation.client.pk)
            if client.user_id is not None:
                raise InvitationUnusable(InvitationState.USED)
        user = user_create(
            username=username,
            password=password,
            role=Role(invitation.role),
            first_name=invitation.first_name,
            email=invitation.email,
            team=invitation.team,
            municipality=invitation.municipality,
        )
        if client is not None:
            client.user = user
            client.save(update_fields=["user"])
        elif invitation.kind == Invitation.Kind.PARENT:
            _parent_link(invitation=invitation, user=user, access_point=access_point)
        invitation.used_at = timezone.now()
        invitation.user = user
        invitation.save(update_fields=["used_at", "user"])
        _log_client_access(
            actor=user, invitation=invitation, event=Event.UPDATE, action="client.account", access_point=access_point
        )
    logger.info("invitation %s accepted: user id %s", invitation.pk, user.pk)
    return user


# Staff accounts (item: an organisation's administrator manages its own staff without the admin).


def staff_member_set_active(*, actor: User, member: User, active: bool) -> User:
    """Deactivate (no more logins; open sessions end at their next request) or reactivate an
    account of the administrator's own organisation. Never one's own account."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        if not policy.can_manage_staff_member(actor, locked):
            raise policy.AccessDenied("Not allowed to change this account.")
        if locked.is_active != active:
            locked.is_active = active
            locked.save(update_fields=["is_active"])
    logger.info("user id %s set active=%s by user id %s", member.pk, active, actor.pk)
    return locked


def password_reset_send(*, user_id: int) -> int:
    """E-mail an active account with a usable password a single-use link to choose a new password.

    Run as a background task (``accounts.tasks.password_reset_send_task``), so the reset page answers
    as fast for an unknown address as for a known one. The token is made here, when the e-mail is
    sent: it is never stored in the task queue. Content-free: no user name, only the link, built on
    ``COACHCARE_BASE_URL``. Returns the number of e-mails sent (0 or 1).
    """
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None or not user.has_usable_password():
        return 0
    context = {
        "base_url": settings.COACHCARE_BASE_URL.rstrip("/"),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("accounts/email/password_reset_subject.txt", context).strip()
        body = render_to_string("accounts/email/password_reset_body.txt", context)
    send_mail(subject, body, None, [user.email])
    logger.info("password reset e-mail sent to user id %s", user.pk)
    return 1
