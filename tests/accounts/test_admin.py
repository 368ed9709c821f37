"""The administrator's escalation probe, click by click in /admin/: every step is refused, and a
legitimate change takes effect only after a second administrator's approval."""

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from django_otp.models import Device
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.accounts.admin import DeviceAdmin, device_admins_read_only
from coachcare.accounts.models import Role, User, UserChangeRequest
from coachcare.accounts.services import role_permissions_apply
from coachcare.audit.models import AccessLogEntry
from tests.accounts.factories import TOTPDeviceFactory, UserFactory
from tests.conftest import World, log_in

Login = Callable[[User], HttpClient]

NEW_PASSWORD = "een-nieuw-lang-wachtwoord-42"


@pytest.fixture
def beheerder(world: World) -> User:
    role_permissions_apply(user=world.beheerder)
    return world.beheerder


@pytest.fixture
def second_admin(world: World) -> User:
    admin = UserFactory.create(beheerder=True, username="beheerder2")
    role_permissions_apply(user=admin)
    return admin


def _user_post(user: User, **extra: str) -> dict[str, str]:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        # what the old form also asked for, so that on the old code the probe went through
        "date_joined_0": "2026-01-01",
        "date_joined_1": "12:00:00",
    }
    data.update(extra)
    return data


def test_own_page_cannot_tick_superuser_or_become_a_coach(world: World, beheerder: User, login: Login) -> None:
    http = login(beheerder)
    data: dict[str, str | list[str]] = {
        **_user_post(beheerder, first_name="Beheer", is_superuser="on", is_staff="on", role=Role.COACH),
        "provider": str(world.provider.pk),
        "team": str(world.team_1.pk),
        "user_permissions": [str(pk) for pk in Permission.objects.values_list("pk", flat=True)],
    }

    response = http.post(reverse("admin:accounts_user_change", args=[beheerder.pk]), data)

    assert response.status_code == 302
    beheerder.refresh_from_db()
    assert beheerder.first_name == "Beheer"  # the page works for what it may change
    assert (beheerder.role, beheerder.team, beheerder.provider) == (Role.BEHEERDER, None, None)
    assert not beheerder.is_superuser
    assert not beheerder.user_permissions.filter(codename__in=["change_client", "add_totpdevice"]).exists()


def test_nobody_sets_the_superuser_flag_through_the_web_not_even_a_superuser(world: World, login: Login) -> None:
    root = UserFactory.create(beheerder=True, username="root", is_superuser=True)
    http = login(root)

    http.post(
        reverse("admin:accounts_user_change", args=[world.beheerder.pk]),
        _user_post(world.beheerder, is_superuser="on", role=Role.COACH, team=str(world.team_1.pk)),
    )

    world.beheerder.refresh_from_db()
    assert not world.beheerder.is_superuser
    assert world.beheerder.role == Role.BEHEERDER


def test_the_add_form_makes_no_superuser_and_sets_no_password(world: World, beheerder: User, login: Login) -> None:
    http = login(beheerder)

    response = http.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nieuwe_coach",
            "role": Role.COACH,
            "team": str(world.team_1.pk),
            "is_superuser": "on",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(username="nieuwe_coach")
    assert (created.role, created.team, created.provider) == (Role.COACH, world.team_1, world.provider)
    assert not created.is_superuser and not created.is_staff
    assert not created.has_usable_password()
    assert AccessLogEntry.objects.filter(action="account.create", username="beheerder", channel="admin").exists()


def test_no_password_form_for_another_user(world: World, beheerder: User, login: Login) -> None:
    http = login(beheerder)
    url = reverse("admin:auth_user_password_change", args=[world.coach.pk])

    page = http.get(url)
    posted = http.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set_usable_password": "true"})

    assert page.status_code == 302
    assert reverse("admin:accounts_userchangerequest_add") in page["Location"]
    assert posted.status_code == 302
    world.coach.refresh_from_db()
    assert not world.coach.check_password(NEW_PASSWORD)


def test_totp_devices_of_others_cannot_be_deleted_added_or_read(world: World, beheerder: User, login: Login) -> None:
    device = TOTPDeviceFactory.create(user=world.coach)
    http = login(beheerder)

    delete = http.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    bulk = http.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "delete_selected", "_selected_action": [str(device.pk)], "post": "yes"},
    )
    add = http.get(reverse("admin:otp_totp_totpdevice_add"))
    page = http.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert delete.status_code == 403
    assert bulk.status_code in {200, 302}
    assert add.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert http.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code in {302, 404}


def test_the_probe_then_the_legitimate_path(
    world: World, beheerder: User, second_admin: User, client: HttpClient
) -> None:
    """The whole probe in one go, then a role change and a password set done right: requested by
    one administrator in the admin, approved by another, and only then in effect."""
    device = TOTPDeviceFactory.create(user=world.coach)
    http = log_in(client, beheerder)

    # 1. own page: superuser and a coach role with a team
    http.post(
        reverse("admin:accounts_user_change", args=[beheerder.pk]),
        _user_post(beheerder, is_superuser="on", role=Role.COACH, team=str(world.team_1.pk)),
    )
    # 2. a request on oneself is refused by the form
    own = http.post(
        reverse("admin:accounts_userchangerequest_add"),
        {"target": str(beheerder.pk), "kind": "role", "new_role": Role.COACH, "new_team": str(world.team_1.pk)},
    )
    # 3. another user's password and TOTP device
    http.post(
        reverse("admin:auth_user_password_change", args=[world.coach.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set_usable_password": "true"},
    )
    http.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})

    beheerder.refresh_from_db()
    world.coach.refresh_from_db()
    assert own.status_code == 200 and not UserChangeRequest.objects.exists()
    assert (beheerder.role, beheerder.is_superuser, beheerder.team) == (Role.BEHEERDER, False, None)
    assert not world.coach.check_password(NEW_PASSWORD)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    # The legitimate path: requests by the first administrator ...
    for data in (
        {"target": str(world.toegang.pk), "kind": "role", "new_role": Role.COACH, "new_team": str(world.team_2.pk)},
        {
            "target": str(world.coach.pk),
            "kind": "password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        {"target": str(world.coach.pk), "kind": "second_factor"},
    ):
        response = http.post(reverse("admin:accounts_userchangerequest_add"), data | {"reason": "ticket 12"})
        assert response.status_code == 302, response.content.decode()[:3000]
    requests = list(UserChangeRequest.objects.order_by("id"))
    assert [r.status for r in requests] == ["pending"] * 3
    world.toegang.refresh_from_db()
    assert world.toegang.role == Role.GEMEENTE_TOEGANG

    # ... which the first administrator cannot approve (no button, and the POST is refused) ...
    page = http.get(reverse("admin:accounts_userchangerequest_change", args=[requests[0].pk]))
    assert 'value="approve"' not in page.content.decode()
    http.post(reverse("admin:accounts_userchangerequest_decide", args=[requests[0].pk]), {"decision": "approve"})
    requests[0].refresh_from_db()
    assert requests[0].status == "pending"

    # ... and a second administrator approves: now they take effect.
    http = log_in(client, second_admin)
    page = http.get(reverse("admin:accounts_userchangerequest_change", args=[requests[0].pk]))
    assert 'value="approve"' in page.content.decode()
    http.post(reverse("admin:accounts_userchangerequest_decide", args=[requests[0].pk]), {"decision": "approve"})
    http.post(
        reverse("admin:accounts_userchangerequest_changelist"),
        {"action": "approve_selected", "_selected_action": [str(r.pk) for r in requests[1:]]},
    )

    world.toegang.refresh_from_db()
    world.coach.refresh_from_db()
    assert (world.toegang.role, world.toegang.team) == (Role.COACH, world.team_2)
    assert world.coach.check_password(NEW_PASSWORD)
    assert not TOTPDevice.objects.filter(user=world.coach).exists()
    assert {r.status for r in UserChangeRequest.objects.all()} == {"approved"}
    assert set(AccessLogEntry.objects.filter(action__endswith=".approve").values_list("username", flat=True)) == {
        "beheerder2"
    }


def test_only_administrators_see_the_requests(world: World, login: Login) -> None:
    role_permissions_apply(user=world.teamleider)
    http = login(world.teamleider)

    assert http.get(reverse("admin:accounts_userchangerequest_changelist")).status_code == 302  # not staff: login


def test_user_page_offers_the_requests(world: World, beheerder: User, login: Login) -> None:
    http = login(beheerder)

    other = http.get(reverse("admin:accounts_user_change", args=[world.coach.pk])).content.decode()
    own = http.get(reverse("admin:accounts_user_change", args=[beheerder.pk])).content.decode()

    add = reverse("admin:accounts_userchangerequest_add")
    assert f"{add}?target={world.coach.pk}&amp;kind=password" in other
    assert f"{add}?target=" not in own


def test_another_users_role_and_organisation_cannot_be_changed_on_their_page(
    world: World, beheerder: User, login: Login
) -> None:
    http = login(beheerder)

    response = http.post(
        reverse("admin:accounts_user_change", args=[world.toegang.pk]),
        _user_post(world.toegang, role=Role.COACH, team=str(world.team_1.pk), provider=str(world.provider.pk))
        | {"municipality": "", "is_staff": "on"},
    )

    assert response.status_code == 302
    world.toegang.refresh_from_db()
    assert (world.toegang.role, world.toegang.municipality, world.toegang.team) == (
        Role.GEMEENTE_TOEGANG,
        world.municipality_a,
        None,
    )
    assert not world.toegang.is_staff


def test_another_users_e_mail_address_cannot_be_changed_on_their_page(
    world: World, beheerder: User, login: Login
) -> None:
    """The address receives the password-reset link: changing it would take over the account."""
    young = world.user("jongere")
    before = young.email
    http = login(beheerder)

    response = http.post(
        reverse("admin:accounts_user_change", args=[young.pk]),
        _user_post(young) | {"email": "attacker@example.invalid"},
    )

    assert response.status_code == 302
    young.refresh_from_db()
    assert young.email == before


def test_every_second_factor_device_admin_is_read_only(rf: RequestFactory) -> None:
    """Whatever django-otp plugin registers a device admin (TOTP today, static codes or WebAuthn
    later), it is replaced by the read-only one: not even a superuser adds, changes or deletes."""
    site = AdminSite()
    site.register(TOTPDevice, otp_totp_admin.TOTPDeviceAdmin)  # django-otp's own: key, QR code, delete

    device_admins_read_only(site)

    request = rf.get("/admin/")
    request.user = User(username="root", role=Role.BEHEERDER, is_staff=True, is_superuser=True, is_active=True)
    device_models = [model for model in admin.site._registry if issubclass(model, Device)]
    assert TOTPDevice in device_models
    for model_admin in [site._registry[TOTPDevice], *(admin.site._registry[model] for model in device_models)]:
        assert isinstance(model_admin, DeviceAdmin)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert "key" not in model_admin.get_fields(request)
