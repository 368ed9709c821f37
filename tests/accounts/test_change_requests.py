"""Four-eyes changes of accounts: requested by one administrator, applied only on another's approval."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.access import policy
from coachcare.accounts import services
from coachcare.accounts.models import Role, User, UserChangeRequest
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint, Channel
from tests.accounts.factories import TOTPDeviceFactory, UserFactory
from tests.conftest import World

pytestmark = pytest.mark.django_db

POINT = AccessPoint(channel=Channel.ADMIN, address="127.0.0.1")
NEW_PASSWORD = "een-nieuw-lang-wachtwoord-42"

Kind = UserChangeRequest.Kind
Status = UserChangeRequest.Status


@pytest.fixture
def second_admin(world: World) -> User:
    admin = UserFactory.create(beheerder=True, username="beheerder2")
    services.role_permissions_apply(user=admin)
    return admin


def _role_request(world: World, *, actor: User, target: User) -> UserChangeRequest:
    return services.user_change_request_create(
        actor=actor, target=target, kind=Kind.ROLE, role=Role.COACH, team=world.team_2, access_point=POINT
    )


def test_nobody_requests_a_change_of_their_own_account(world: World) -> None:
    for kind in (Kind.ROLE, Kind.PASSWORD, Kind.SECOND_FACTOR):
        with pytest.raises(ValidationError, match="eigen account"):
            services.user_change_request_create(
                actor=world.beheerder,
                target=world.beheerder,
                kind=kind,
                role=Role.COACH,
                team=world.team_1,
                password=NEW_PASSWORD,
                access_point=POINT,
            )
    assert not UserChangeRequest.objects.exists()


def test_the_database_refuses_a_request_on_oneself(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        UserChangeRequest.objects.create(kind=Kind.SECOND_FACTOR, target=world.beheerder, requested_by=world.beheerder)


@pytest.mark.parametrize("role_key", ["coach", "teamleider", "toegang", "beleid", "jongere", "ouder"])
def test_only_an_administrator_requests(world: World, role_key: str) -> None:
    with pytest.raises(ValidationError, match="Alleen een beheerder"):
        services.user_change_request_create(
            actor=world.user(role_key), target=world.colleague, kind=Kind.SECOND_FACTOR, access_point=POINT
        )


def test_a_role_change_waits_for_a_second_administrator(world: World, second_admin: User) -> None:
    target = world.toegang
    change_request = services.user_change_request_create(
        actor=world.beheerder,
        target=target,
        kind=Kind.ROLE,
        role=Role.COACH,
        team=world.team_2,
        reason="Moves to the provider",
        access_point=POINT,
    )
    target.refresh_from_db()
    assert (target.role, target.municipality_id, target.team_id) == (
        Role.GEMEENTE_TOEGANG,
        world.municipality_a.pk,
        None,
    )

    services.user_change_request_approve(actor=second_admin, change_request=change_request, access_point=POINT)

    target.refresh_from_db()
    assert (target.role, target.team, target.provider, target.municipality) == (
        Role.COACH,
        world.team_2,
        world.provider,
        None,
    )
    assert not target.is_staff and not target.is_superuser
    change_request.refresh_from_db()
    assert (change_request.status, change_request.decided_by) == (Status.APPROVED, second_admin)
    assert change_request.decided_at is not None


def test_the_requester_cannot_approve_their_own_request(world: World, second_admin: User) -> None:
    change_request = _role_request(world, actor=world.beheerder, target=world.coach)

    with pytest.raises(policy.AccessDenied):
        services.user_change_request_approve(actor=world.beheerder, change_request=change_request, access_point=POINT)

    world.coach.refresh_from_db()
    assert world.coach.team == world.team_1
    change_request.refresh_from_db()
    assert change_request.status == Status.PENDING


def test_the_target_cannot_approve_a_change_of_their_own_account(world: World, second_admin: User) -> None:
    """Two administrators cannot raise each other: the target of a request never decides on it."""
    change_request = services.user_change_request_create(
        actor=world.beheerder,
        target=second_admin,
        kind=Kind.ROLE,
        role=Role.COACH,
        team=world.team_1,
        access_point=POINT,
    )

    with pytest.raises(policy.AccessDenied):
        services.user_change_request_approve(actor=second_admin, change_request=change_request, access_point=POINT)

    second_admin.refresh_from_db()
    assert second_admin.role == Role.BEHEERDER


def test_a_non_administrator_cannot_approve(world: World) -> None:
    change_request = _role_request(world, actor=world.beheerder, target=world.coach)

    for actor in (world.teamleider, world.toegang, world.coach_other_team):
        with pytest.raises(policy.AccessDenied):
            services.user_change_request_approve(actor=actor, change_request=change_request, access_point=POINT)

    world.coach.refresh_from_db()
    assert world.coach.team == world.team_1


def test_a_password_is_stored_as_a_hash_and_set_only_on_approval(world: World, second_admin: User) -> None:
    target = world.colleague
    change_request = services.user_change_request_create(
        actor=world.beheerder, target=target, kind=Kind.PASSWORD, password=NEW_PASSWORD, access_point=POINT
    )

    stored = UserChangeRequest.objects.get(pk=change_request.pk)
    assert NEW_PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith(("pbkdf2", "argon2", "bcrypt", "scrypt", "md5"))
    target.refresh_from_db()
    assert not target.check_password(NEW_PASSWORD)

    services.user_change_request_approve(actor=second_admin, change_request=change_request, access_point=POINT)

    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)
    stored.refresh_from_db()
    assert stored.password_hash == ""


def test_a_weak_password_is_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        services.user_change_request_create(
            actor=world.beheerder, target=world.colleague, kind=Kind.PASSWORD, password="kort", access_point=POINT
        )


def test_a_second_factor_reset_deletes_the_devices_on_approval(world: World, second_admin: User) -> None:
    device = TOTPDeviceFactory.create(user=world.coach)
    change_request = services.user_change_request_create(
        actor=world.beheerder, target=world.coach, kind=Kind.SECOND_FACTOR, access_point=POINT
    )
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    services.user_change_request_approve(actor=second_admin, change_request=change_request, access_point=POINT)

    assert not TOTPDevice.objects.filter(user=world.coach).exists()


def test_a_rejected_request_changes_nothing_and_cannot_be_approved_later(world: World, second_admin: User) -> None:
    change_request = _role_request(world, actor=world.beheerder, target=world.coach)

    services.user_change_request_reject(actor=second_admin, change_request=change_request, access_point=POINT)

    with pytest.raises(ValidationError, match="al besloten"):
        services.user_change_request_approve(actor=second_admin, change_request=change_request, access_point=POINT)
    world.coach.refresh_from_db()
    assert world.coach.team == world.team_1


def test_the_requester_may_withdraw(world: World) -> None:
    change_request = _role_request(world, actor=world.beheerder, target=world.coach)

    services.user_change_request_reject(actor=world.beheerder, change_request=change_request, access_point=POINT)

    change_request.refresh_from_db()
    assert change_request.status == Status.REJECTED


def test_one_pending_request_per_kind(world: World) -> None:
    _role_request(world, actor=world.beheerder, target=world.coach)

    with pytest.raises(ValidationError, match="wacht al een verzoek"):
        _role_request(world, actor=world.beheerder, target=world.coach)


def test_a_role_change_needs_its_organisation_and_a_real_change(world: World) -> None:
    with pytest.raises(ValidationError):
        services.user_change_request_create(
            actor=world.beheerder, target=world.toegang, kind=Kind.ROLE, role=Role.COACH, access_point=POINT
        )
    with pytest.raises(ValidationError, match="heeft deze rol en organisatie al"):
        services.user_change_request_create(
            actor=world.beheerder,
            target=world.coach,
            kind=Kind.ROLE,
            role=Role.COACH,
            team=world.team_1,
            access_point=POINT,
        )


def test_each_step_is_in_the_access_log(world: World, second_admin: User) -> None:
    first = _role_request(world, actor=world.beheerder, target=world.coach)
    services.user_change_request_approve(actor=second_admin, change_request=first, access_point=POINT)
    second = services.user_change_request_create(
        actor=world.beheerder, target=world.colleague, kind=Kind.PASSWORD, password=NEW_PASSWORD, access_point=POINT
    )
    services.user_change_request_reject(actor=second_admin, change_request=second, access_point=POINT)

    entries = list(AccessLogEntry.objects.order_by("id").values_list("action", "username", "event", "channel"))
    assert entries == [
        ("account.role.request", "beheerder", "create", "admin"),
        ("account.role.approve", "beheerder2", "update", "admin"),
        ("account.password.request", "beheerder", "create", "admin"),
        ("account.password.reject", "beheerder2", "update", "admin"),
    ]


def test_the_account_holder_gets_a_content_free_email_on_approval(world: World, second_admin: User) -> None:
    change_request = services.user_change_request_create(
        actor=world.beheerder, target=world.colleague, kind=Kind.PASSWORD, password=NEW_PASSWORD, access_point=POINT
    )
    assert mail.outbox == []

    services.user_change_request_approve(actor=second_admin, change_request=change_request, access_point=POINT)

    [sent] = mail.outbox
    assert sent.to == [world.colleague.email]
    assert NEW_PASSWORD not in sent.body
    assert sent.subject == "Wijziging van het coachcare-account"  # Dutch, the default language
    assert "(wachtwoord)" in sent.body  # the kind of change, never a value


def test_the_administrator_still_sees_no_clinical_content_after_a_role_change_of_another(
    world: World, second_admin: User
) -> None:
    change_request = _role_request(world, actor=world.beheerder, target=world.toegang)
    services.user_change_request_approve(actor=second_admin, change_request=change_request, access_point=POINT)

    for admin in (world.beheerder, second_admin):
        for client in world.clients:
            assert policy.kinds_visible(admin, client) == {policy.DataKind.ADMINISTRATIVE, policy.DataKind.ACCESS_LOG}


def test_createsuperuser_on_the_server_makes_an_administrator(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one way to a superuser is a command on the server (it failed on the role constraint before)."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NEW_PASSWORD)

    call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.invalid")

    root = User.objects.get(username="root")
    assert (root.role, root.is_superuser, root.is_staff) == (Role.BEHEERDER, True, True)


def test_staff_flag_and_permissions_follow_the_approved_role(world: World, second_admin: User) -> None:
    third = UserFactory.create(beheerder=True, username="beheerder3")
    services.role_permissions_apply(user=third)
    to_coach = services.user_change_request_create(
        actor=world.beheerder, target=third, kind=Kind.ROLE, role=Role.COACH, team=world.team_1, access_point=POINT
    )
    to_admin = services.user_change_request_create(
        actor=world.beheerder, target=world.toegang, kind=Kind.ROLE, role=Role.BEHEERDER, access_point=POINT
    )

    services.user_change_request_approve(actor=second_admin, change_request=to_coach, access_point=POINT)
    services.user_change_request_approve(actor=second_admin, change_request=to_admin, access_point=POINT)

    third.refresh_from_db()
    world.toegang.refresh_from_db()
    assert (third.role, third.is_staff, third.user_permissions.count()) == (Role.COACH, False, 0)
    assert (world.toegang.role, world.toegang.is_staff, world.toegang.municipality) == (Role.BEHEERDER, True, None)
    assert world.toegang.user_permissions.filter(codename="change_user").exists()
    assert not world.toegang.user_permissions.filter(codename="delete_totpdevice").exists()
