"""Invitations: a content-free e-mail with a single-use link (7 days) to choose a password.

The e-mails are read from a real SMTP server (aiosmtpd on 127.0.0.1, ``smtp_server``)."""

import datetime
import hashlib
import socket
from collections.abc import Callable

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.test import override_settings
from django.utils import timezone, translation

from coachcare.access import policy
from coachcare.accounts import selectors, services
from coachcare.accounts.models import Invitation, Role, User
from coachcare.accounts.selectors import PersonStatus
from coachcare.accounts.services import InvitationState, InvitationUnusable, YoungPersonTarget
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import GezagRelation
from coachcare.conf.env import mailer_config
from tests.accounts.factories import UserFactory
from tests.clients.factories import CarerFactory, ClientFactory
from tests.conftest import World
from tests.mail import SmtpInbox

HERE = AccessPoint(channel="web", address="127.0.0.1")
GOOD_PASSWORD = "a long walk on the beach 42"


def _invite(world: World, *, email: str = "sam@example.org") -> tuple[Invitation, str]:
    """Invite the young person of the ``team`` file (no account yet); returns the invitation and its token."""
    before = len(mail.outbox)
    invitation = services.invitation_create(
        actor=world.coach,
        target=YoungPersonTarget(client=world.team),
        first_name="Sam",
        email=email,
        access_point=HERE,
    )
    link = mail.outbox[before].body.split("/accounts/invitation/")[1].split("/")[0]
    return invitation, link


def test_the_invitation_e_mail_crosses_smtp_content_free(world: World, smtp_server: SmtpInbox) -> None:
    world.team.given_name, world.team.family_name = "Sam", "Zwaluwstaart"
    world.team.save()
    invitation = services.invitation_create(
        actor=world.coach,
        target=YoungPersonTarget(client=world.team),
        first_name="Sam",
        email="sam@example.org",
        access_point=HERE,
    )
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ["sam@example.org"]
    assert received.subject == "Je uitnodiging voor coachcare"
    assert "Hoi Sam," in received.body
    link = received.link()
    assert link.startswith("http://localhost:8000/accounts/invitation/")
    # Nothing about care: no family name, no team, no coach, no municipality.
    for word in ("Zwaluwstaart", world.team_1.name, world.colleague.last_name, world.municipality_a.name):
        assert word not in received.body and word not in received.subject
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Only the hash is stored.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)


def test_accepting_creates_the_young_person_s_account_and_links_the_file(world: World) -> None:
    invitation, token = _invite(world)
    user = services.invitation_accept(token=token, password=GOOD_PASSWORD, access_point=HERE)
    world.team.refresh_from_db()
    invitation.refresh_from_db()
    assert world.team.user == user
    assert (user.role, user.username, user.first_name, user.is_active) == (Role.JONGERE, "sam@example.org", "Sam", True)
    assert user.check_password(GOOD_PASSWORD)
    assert invitation.used_at is not None and invitation.user == user
    assert policy.clients_visible_to(user).get() == world.team


def test_a_link_works_once(world: World) -> None:
    _invitation, token = _invite(world)
    services.invitation_accept(token=token, password=GOOD_PASSWORD, access_point=HERE)
    with pytest.raises(InvitationUnusable) as caught:
        services.invitation_accept(token=token, password="another long password 7", access_point=HERE)
    assert caught.value.state == InvitationState.USED
    assert User.objects.filter(username="sam@example.org").count() == 1


def test_an_expired_link_does_not_work(world: World) -> None:
    invitation, token = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(InvitationUnusable) as caught:
        services.invitation_accept(token=token, password=GOOD_PASSWORD, access_point=HERE)
    assert caught.value.state == InvitationState.EXPIRED
    assert not User.objects.filter(username="sam@example.org").exists()


def test_a_revoked_link_does_not_work(world: World) -> None:
    invitation, token = _invite(world)
    services.invitation_revoke(actor=world.coach, invitation=invitation, access_point=HERE)
    with pytest.raises(InvitationUnusable) as caught:
        services.invitation_accept(token=token, password=GOOD_PASSWORD, access_point=HERE)
    assert caught.value.state == InvitationState.REVOKED


def test_an_unknown_token_does_not_work(world: World) -> None:
    with pytest.raises(InvitationUnusable) as caught:
        services.invitation_accept(token="not-a-token", password=GOOD_PASSWORD, access_point=HERE)
    assert caught.value.state is None


def test_resend_kills_the_old_link_and_the_new_one_works(world: World) -> None:
    invitation, old_token = _invite(world)
    new = services.invitation_resend(actor=world.coach, invitation=invitation, access_point=HERE)
    new_token = mail.outbox[-1].body.split("/accounts/invitation/")[1].split("/")[0]
    assert new.pk != invitation.pk and new_token != old_token
    with pytest.raises(InvitationUnusable):
        services.invitation_accept(token=old_token, password=GOOD_PASSWORD, access_point=HERE)
    user = services.invitation_accept(token=new_token, password=GOOD_PASSWORD, access_point=HERE)
    assert user.client_record == world.team


def test_the_password_validators_apply_and_a_refusal_changes_nothing(world: World) -> None:
    invitation, token = _invite(world)
    for weak in ("short", "123456789012", "sam@example.org"):
        with pytest.raises(ValidationError) as caught:
            services.invitation_accept(token=token, password=weak, access_point=HERE)
        assert "password" in caught.value.message_dict
    invitation.refresh_from_db()
    assert invitation.used_at is None
    assert not User.objects.filter(username="sam@example.org").exists()


def test_only_the_treating_professionals_invite(world: World) -> None:
    for actor in (world.coach_other_team, world.toegang, world.beheerder, world.jongere, world.ouder):
        # Also with an address that has an account: refused before anything about it is said.
        for email in ("sam@example.org", world.colleague.email, ""):
            with pytest.raises(policy.AccessDenied):
                services.invitation_create(
                    actor=actor,
                    target=YoungPersonTarget(client=world.team),
                    first_name="Sam",
                    email=email,
                    access_point=HERE,
                )
    assert not Invitation.objects.exists() and mail.outbox == []


def test_no_second_invitation_or_account(world: World) -> None:
    _invite(world)
    with pytest.raises(ValidationError, match="al uitgenodigd"):
        _invite(world, email="other@example.org")
    with pytest.raises(ValidationError, match="heeft al een account"):
        services.invitation_create(
            actor=world.coach,
            target=YoungPersonTarget(client=world.own),
            first_name="Jo",
            email="jo@example.org",
            access_point=HERE,
        )


def test_an_address_that_already_has_an_account_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _invite(world, email=world.coach.email.upper())
    assert "email" in caught.value.message_dict


def test_when_the_mail_server_refuses_nobody_is_invited(world: World) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    refusing = {"default": mailer_config(f"smtp://127.0.0.1:{closed_port}?timeout=2")}
    with override_settings(MAILERS=refusing), pytest.raises(OSError):
        _invite(world)
    assert not Invitation.objects.exists()


def test_inviting_is_access_logged(world: World) -> None:
    _invite(world)
    entry = AccessLogEntry.objects.get(action="client.invitation")
    assert (entry.client_public_id, entry.user_id, entry.event) == (world.team.public_id, world.coach.pk, "create")


def _token() -> str:
    return mail.outbox[-1].body.split("/accounts/invitation/")[1].split("/")[0]


def test_a_parent_invitation_links_the_account_to_the_family_member_record(world: World) -> None:
    mother = CarerFactory.create(client=world.team, given_name="Noor", email="noor@example.org", uses_portal=True)
    invitation = services.family_member_invite(actor=world.coach, relation=mother, access_point=HERE)
    assert (invitation.relation, invitation.email, invitation.first_name) == (mother, "noor@example.org", "Noor")
    parent = services.invitation_accept(token=_token(), password=GOOD_PASSWORD, access_point=HERE)
    assert parent.role == Role.OUDER
    # No new family record: the existing one now has the account.
    assert list(GezagRelation.objects.filter(client=world.team)) == [mother]
    mother.refresh_from_db()
    assert mother.parent == parent
    assert policy.clients_visible_to(parent).get() == world.team
    assert AccessLogEntry.objects.filter(action="client.family_member.account", user_id=parent.pk).exists()
    status = selectors.family_invitation_statuses(
        actor=world.coach, client=world.team, relations=list(world.team.gezag_relations.select_related("parent"))
    )[mother.pk]
    assert status.status == PersonStatus.ACTIVE


def test_no_portal_invitation_for_a_family_member_without_gezag(world: World) -> None:
    father = CarerFactory.create(client=world.team, email="piet@example.org", uses_portal=True, has_gezag=False)
    assert not policy.can_invite_family_member(world.coach, father)
    with translation.override("en"), pytest.raises(ValidationError, match="gezag"):
        services.family_member_invite(actor=world.coach, relation=father, access_point=HERE)
    ended = CarerFactory.create(
        client=world.team, email="ex@example.org", uses_portal=True, gezag_ends_on=datetime.date(2020, 1, 1)
    )
    with translation.override("en"), pytest.raises(ValidationError, match="gezag"):
        services.family_member_invite(actor=world.coach, relation=ended, access_point=HERE)
    assert not Invitation.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "", "uses_portal": True}, "No e-mail address"),
        ({"email": "noor@example.org", "uses_portal": False}, "does not use the portal"),
    ],
)
def test_a_family_member_invitation_needs_the_portal_and_an_email(
    world: World, fields: dict[str, object], message: str
) -> None:
    member = CarerFactory.create(client=world.team, **fields)
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        services.family_member_invite(actor=world.coach, relation=member, access_point=HERE)


def test_a_family_member_is_invited_once_and_a_resend_uses_the_address_on_the_record(world: World) -> None:
    mother = CarerFactory.create(client=world.team, email="noor@example.org", uses_portal=True)
    first = services.family_member_invite(actor=world.coach, relation=mother, access_point=HERE)
    with translation.override("en"), pytest.raises(ValidationError, match="already been invited"):
        services.family_member_invite(actor=world.coach, relation=mother, access_point=HERE)
    GezagRelation.objects.filter(pk=mother.pk).update(email="noor.new@example.org")
    new = services.invitation_resend(actor=world.coach, invitation=first, access_point=HERE)
    assert (new.relation_id, new.email) == (mother.pk, "noor.new@example.org")
    assert mail.outbox[-1].to == ["noor.new@example.org"]
    status = selectors.family_invitation_statuses(
        actor=world.coach, client=world.team, relations=list(world.team.gezag_relations.select_related("parent"))
    )[mother.pk]
    assert status.status == PersonStatus.INVITED and status.invitation == new


def test_accepting_after_the_member_got_an_account_otherwise_makes_no_second_account(world: World) -> None:
    mother = CarerFactory.create(client=world.team, email="noor@example.org", uses_portal=True)
    services.family_member_invite(actor=world.coach, relation=mother, access_point=HERE)
    other = UserFactory.create(ouder=True)
    GezagRelation.objects.filter(pk=mother.pk).update(parent=other)
    with pytest.raises(InvitationUnusable):
        services.invitation_accept(token=_token(), password=GOOD_PASSWORD, access_point=HERE)
    assert not User.objects.filter(email="noor@example.org").exists()


def test_the_status_per_person(world: World) -> None:
    status = selectors.young_person_invitation_status(actor=world.coach, client=world.team)
    assert status.status == PersonStatus.NOT_INVITED and status.can_invite
    invitation, token = _invite(world)
    status = selectors.young_person_invitation_status(actor=world.coach, client=world.team)
    assert status.status == PersonStatus.INVITED and status.invitation == invitation
    assert status.can_resend and status.can_revoke and not status.can_invite
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    status = selectors.young_person_invitation_status(actor=world.coach, client=world.team)
    assert status.status == PersonStatus.EXPIRED and status.can_resend and not status.can_revoke
    new = services.invitation_resend(actor=world.coach, invitation=invitation, access_point=HERE)
    token = mail.outbox[-1].body.split("/accounts/invitation/")[1].split("/")[0]
    services.invitation_accept(token=token, password=GOOD_PASSWORD, access_point=HERE)
    world.team.refresh_from_db()
    status = selectors.young_person_invitation_status(actor=world.coach, client=world.team)
    assert status.status == PersonStatus.ACTIVE and not (status.can_resend or status.can_revoke or status.can_invite)
    # Revoking a used invitation is refused.
    with pytest.raises(ValidationError):
        services.invitation_revoke(actor=world.coach, invitation=new, access_point=HERE)


# The pages.


def test_the_accept_page_sets_the_password_logs_in_and_hides_the_referrer(
    world: World, client: HttpClient, smtp_server: SmtpInbox
) -> None:
    services.invitation_create(
        actor=world.coach,
        target=YoungPersonTarget(client=world.team),
        first_name="Sam",
        email="sam@example.org",
        access_point=HERE,
    )
    path = smtp_server.wait_for(1)[0].link().removeprefix("http://localhost:8000")
    link = client.get(path)
    # The token moves into the session; the form lives at an address without it.
    assert link.status_code == 302 and link["Location"] == "/accounts/invitation/"
    assert link["Referrer-Policy"] == "no-referrer" and link["Cache-Control"].startswith("max-age=0")
    page = client.get("/accounts/invitation/")
    assert page.status_code == 200 and "Sam" in page.content.decode()
    refused = client.post("/accounts/invitation/", {"password1": "short", "password2": "short"})
    assert refused.status_code == 200 and "password1" in refused.context["form"].errors
    response = client.post("/accounts/invitation/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/welcome/"
    assert client.get("/accounts/welcome/").status_code == 200
    used = client.get(path)
    assert used.status_code == 200 and "al gebruikt" in used.content.decode()
    assert b"<form" not in used.content.split(b"<main")[1]
    assert "niet geldig" in client.get("/accounts/invitation/").content.decode()  # the session forgot it


def test_the_password_form_without_a_link_offers_nothing(client: HttpClient, db: None) -> None:
    response = client.get("/accounts/invitation/")
    assert response.status_code == 200 and "niet geldig" in response.content.decode()
    assert b"<form" not in response.content.split(b"<main")[1]


def test_the_accept_page_refuses_two_different_passwords(world: World, client: HttpClient) -> None:
    _invitation, token = _invite(world)
    client.get(f"/accounts/invitation/{token}/")
    response = client.post("/accounts/invitation/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "!"})
    assert response.status_code == 200 and "password2" in response.context["form"].errors
    assert not User.objects.filter(username="sam@example.org").exists()


@pytest.mark.parametrize(
    ("change", "text"),
    [("expire", "verlopen"), ("revoke", "ingetrokken"), ("unknown", "niet geldig")],
)
def test_a_dead_link_says_so_plainly(world: World, client: HttpClient, change: str, text: str) -> None:
    invitation, token = _invite(world)
    assert client.get(f"/accounts/invitation/{token}/").status_code == 302  # opened while it still worked
    if change == "expire":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    elif change == "revoke":
        services.invitation_revoke(actor=world.coach, invitation=invitation, access_point=HERE)
    else:
        token = token[::-1]
        client.cookies.clear()
    password = {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    for response in (
        client.get(f"/accounts/invitation/{token}/"),
        client.post(f"/accounts/invitation/{token}/", password),
        client.get("/accounts/invitation/"),
        client.post("/accounts/invitation/", password),
    ):
        body = response.content.decode()
        assert response.status_code == 200 and text in body
        assert "<form" not in body.split("<main")[1]
    assert not User.objects.filter(username="sam@example.org").exists()


def test_the_coach_invites_resends_and_revokes_from_the_client_file(
    world: World, login: Callable[[User], HttpClient], smtp_server: SmtpInbox
) -> None:
    http = login(world.coach)
    detail = f"/clients/{world.team.public_id}/"
    assert "Niet uitgenodigd" in http.get(detail).content.decode()
    response = http.post(f"{detail}invitation/", {"first_name": "Sam", "email": "sam@example.org"})
    assert response.status_code == 302
    smtp_server.wait_for(1)
    page = http.get(detail).content.decode()
    assert f"Uitgenodigd op {timezone.localdate():%-d}" in page
    invitation = Invitation.objects.get()
    http.post(f"{detail}invitation/{invitation.pk}/resend/")
    assert len(smtp_server.wait_for(2)) == 2
    new = Invitation.objects.get(revoked_at__isnull=True)
    http.post(f"{detail}invitation/{new.pk}/revoke/")
    assert "Niet uitgenodigd" in http.get(detail).content.decode()
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 0


def test_the_client_file_shows_an_active_account(world: World, login: Callable[[User], HttpClient]) -> None:
    assert "Account actief" in login(world.coach).get(f"/clients/{world.own.public_id}/").content.decode()


def test_others_cannot_invite_or_change_invitations_through_the_pages(
    world: World, login: Callable[[User], HttpClient]
) -> None:
    invitation, _token = _invite(world)
    http = login(world.coach_other_team)
    detail = f"/clients/{world.team.public_id}/"
    assert http.post(f"{detail}invitation/", {"first_name": "X", "email": "x@example.org"}).status_code == 404
    assert http.post(f"{detail}invitation/{invitation.pk}/revoke/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    # A file the toegang user may open, but not invite for: no invite section, and the POST is refused.
    http = login(world.toegang)
    assert "portal-account" not in http.get(detail).content.decode()
    assert http.post(f"{detail}invitation/", {"first_name": "X", "email": "x@example.org"}).status_code == 403


def test_an_invitation_of_another_client_cannot_be_changed_through_this_file(
    world: World, login: Callable[[User], HttpClient]
) -> None:
    invitation, _token = _invite(world)
    other = ClientFactory.create(coach=world.coach, municipality=world.municipality_a)
    response = login(world.coach).post(f"/clients/{other.public_id}/invitation/{invitation.pk}/revoke/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "backends",
    [
        ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"],
        ["axes.backends.AxesStandaloneBackend", "tests.accounts.test_invitations.OwnPasswordBackend"],
    ],
)
def test_the_new_session_belongs_to_the_configured_password_backend(
    world: World, client: HttpClient, backends: list[str]
) -> None:
    _invitation, token = _invite(world)
    with override_settings(AUTHENTICATION_BACKENDS=backends):
        client.get(f"/accounts/invitation/{token}/")
        client.post("/accounts/invitation/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
        assert client.session["_auth_user_backend"] == backends[1]
        assert client.get("/accounts/welcome/").status_code == 200  # still logged in


class OwnPasswordBackend(ModelBackend):
    """A project's own password backend (as ``ScreenModelBackend`` is), in place of Django's."""
