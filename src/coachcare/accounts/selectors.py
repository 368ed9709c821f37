import dataclasses
import enum

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.access import policy
from coachcare.accounts.models import PROVIDER_ROLES, Invitation, Role, User, UserChangeRequest
from coachcare.accounts.services import InvitationState, invitation_state, invitation_token_hash
from coachcare.clients.models import Client, GezagRelation
from coachcare.core.prepared import PreparedQuery
from coachcare.providers.models import Team


def totp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class PersonStatus(enum.StrEnum):
    """What the coach or administrator sees per person."""

    NOT_INVITED = "not_invited"
    INVITED = "invited"
    EXPIRED = "expired"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


@dataclasses.dataclass(frozen=True, kw_only=True)
class InvitationStatus:
    status: PersonStatus
    #: The latest invitation that was not revoked (``None`` when there is none).
    invitation: Invitation | None

    @property
    def can_invite(self) -> bool:
        return self.status == PersonStatus.NOT_INVITED

    @property
    def can_resend(self) -> bool:
        return self.status in {PersonStatus.INVITED, PersonStatus.EXPIRED}

    @property
    def can_revoke(self) -> bool:
        return self.status == PersonStatus.INVITED


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation of a link (any state), or ``None`` for a token that was never issued."""
    return Invitation.objects.filter(token_hash=invitation_token_hash(token)).first()


def _status_of(*, user: User | None, invitation: Invitation | None) -> InvitationStatus:
    if user is not None:
        return InvitationStatus(
            status=PersonStatus.ACTIVE if user.is_active else PersonStatus.DEACTIVATED, invitation=invitation
        )
    if invitation is None:
        return InvitationStatus(status=PersonStatus.NOT_INVITED, invitation=None)
    if invitation_state(invitation) == InvitationState.EXPIRED:
        return InvitationStatus(status=PersonStatus.EXPIRED, invitation=invitation)
    return InvitationStatus(status=PersonStatus.INVITED, invitation=invitation)


def young_person_invitation_status(*, actor: User, client: Client) -> InvitationStatus:
    """The young person's portal account: not invited, invited on …, expired, or active."""
    if not policy.can_invite_for_client(actor, client):
        raise policy.AccessDenied("Not allowed to see invitations of this client.")
    latest = _young_person_invitation.first(client_id=client.pk)
    if client.user_id is None:
        return _status_of(user=None, invitation=latest)
    # Only whether the account is active: not the whole account row (issue 19.1).
    account = _account_activity.first(user_id=client.user_id)
    return _status_of(user=account, invitation=latest)


#: The young person's latest open invitation and whether their account is active, compiled once per
#: process (``core.prepared``): the client file asks them on every opening.
_account_activity = PreparedQuery(lambda user_id: User.objects.filter(pk=user_id).only("is_active"), user_id=int)
_young_person_invitation = PreparedQuery(
    lambda client_id: Invitation.objects.filter(
        client_id=client_id, kind=Invitation.Kind.YOUNG_PERSON, used_at__isnull=True, revoked_at__isnull=True
    ).order_by("-created_at", "-id")[:1],
    client_id=int,
)


def family_invitation_statuses(
    *, actor: User, client: Client, relations: list[GezagRelation]
) -> dict[int, InvitationStatus]:
    """Per family member (``relations``, the ``GezagRelation`` rows of ``client`` the file already
    loaded, with ``parent``) their portal account: not invited, invited on …, expired, or active."""
    if not policy.can_invite_for_client(actor, client):
        raise policy.AccessDenied("Not allowed to see invitations of this client.")
    latest: dict[int, Invitation] = {}
    if any(relation.parent_id is None and relation.uses_portal for relation in relations):
        open_invitations = Invitation.objects.filter(
            client=client, kind=Invitation.Kind.PARENT, used_at__isnull=True, revoked_at__isnull=True
        ).order_by("-created_at", "-id")
        for invitation in open_invitations:
            assert invitation.relation_id is not None
            latest.setdefault(invitation.relation_id, invitation)
    return {relation.pk: _status_of(user=relation.parent, invitation=latest.get(relation.pk)) for relation in relations}


@dataclasses.dataclass(frozen=True, kw_only=True)
class StaffRow:
    """One person on the staff page: an account, or an open invitation without one yet."""

    name: str
    email: str
    role: str
    team: Team | None
    status: InvitationStatus
    member: User | None

    @property
    def role_label(self) -> str:
        """The role in words (the staff page shows it, never the stored value)."""
        return str(Role(self.role).label) if self.role in Role.values else self.role


def staff_of_organisation(*, actor: User) -> list[StaffRow]:
    """The accounts and open invitations of the administrator's own organisation."""
    roles = policy.staff_roles_invitable(actor)
    if not roles:
        raise policy.AccessDenied("Not an organisation's administrator.")
    members = User.objects.filter(role__in=[r.value for r in roles]).select_related("team")
    invitations = Invitation.objects.filter(
        kind=Invitation.Kind.STAFF,
        role__in=[r.value for r in roles],
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).select_related("team")
    if actor.provider_id is not None:
        members = members.filter(provider_id=actor.provider_id)
        invitations = invitations.filter(provider_id=actor.provider_id)
    elif actor.municipality_id is not None:
        members = members.filter(municipality_id=actor.municipality_id)
        invitations = invitations.filter(municipality_id=actor.municipality_id)
    rows = [
        StaffRow(
            name=member.display_name,
            email=member.email,
            role=member.role,
            team=member.team,
            status=_status_of(user=member, invitation=None),
            member=member,
        )
        for member in members.order_by("last_name", "first_name", "id")
    ]
    rows += [
        StaffRow(
            name=invitation.first_name,
            email=invitation.email,
            role=invitation.role,
            team=invitation.team,
            status=_status_of(user=None, invitation=invitation),
            member=None,
        )
        for invitation in invitations.order_by("-created_at", "-id")
    ]
    return rows


def staff_invitation_get(*, actor: User, pk: int) -> Invitation:
    """A staff invitation the administrator may resend or revoke."""
    invitation = Invitation.objects.filter(pk=pk, kind=Invitation.Kind.STAFF).first()
    if invitation is None or not policy.can_manage_invitation(actor, invitation):
        raise policy.AccessDenied("No such invitation.")
    return invitation


def client_invitation_get(*, actor: User, client: Client, pk: int) -> Invitation:
    """An invitation for a client's young person or parent that the actor may resend or revoke."""
    invitation = Invitation.objects.filter(pk=pk, client=client).select_related("client").first()
    if invitation is None or not policy.can_manage_invitation(actor, invitation):
        raise policy.AccessDenied("No such invitation.")
    return invitation


def staff_member_get(*, actor: User, pk: int) -> User:
    """An account of the administrator's organisation that they may deactivate or reactivate."""
    member = User.objects.filter(pk=pk).first()
    if member is None or not policy.can_manage_staff_member(actor, member):
        raise policy.AccessDenied("No such account.")
    return member


def teams_for_invitation(*, actor: User) -> QuerySet[Team]:
    """The teams a provider's administrator can invite into."""
    if actor.provider_id is None or not policy.can_manage_staff(actor):
        return Team.objects.none()
    return Team.objects.filter(provider_id=actor.provider_id).order_by("name")


def staff_change_requests_pending(*, actor: User) -> list[UserChangeRequest]:
    """The team changes of the administrator's own provider that wait for a second administrator."""
    if actor.provider_id is None or not policy.can_manage_staff(actor):
        return []
    return list(
        UserChangeRequest.objects.filter(
            status=UserChangeRequest.Status.PENDING,
            kind=UserChangeRequest.Kind.ROLE,
            target__provider_id=actor.provider_id,
            target__role__in=[r.value for r in PROVIDER_ROLES],
            new_team__provider_id=actor.provider_id,
        )
        .select_related("target", "requested_by", "new_team", "target__team")
        .order_by("requested_at")
    )


def staff_change_request_get(*, actor: User, pk: int) -> UserChangeRequest:
    """A pending team change of the administrator's own provider (deciding is checked by the service)."""
    for change_request in staff_change_requests_pending(actor=actor):
        if change_request.pk == pk:
            return change_request
    raise policy.AccessDenied("No such request.")


#: What ``User.display_name`` reads (and the role, which the policy reads of a thread's parent):
#: narrow reads of a related user load at least these.
USER_NAME_FIELDS = ("first_name", "last_name", "username", "role")


def user_name_fields(*, prefix: str) -> list[str]:
    """``USER_NAME_FIELDS`` of the user behind ``prefix`` (``"coach__"``), for ``only()``."""
    return [f"{prefix}{name}" for name in USER_NAME_FIELDS]
