"""The user and verified device of a request come from one cached structure (accounts.identity), and
every change of either is seen on the next request."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

import coachcare
from coachcare.accounts import identity
from coachcare.accounts.models import User
from coachcare.accounts.services import identity_forget
from tests.accounts.factories import UserFactory
from tests.conftest import log_in

pytestmark = pytest.mark.django_db

HOME = "/"


def _queries(http: HttpClient) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert http.get(HOME).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_user_and_device_are_read_once_and_then_come_from_the_cache(client: HttpClient) -> None:
    coach = UserFactory.create(coach=True)
    log_in(client, coach)

    first, second = _queries(client), _queries(client)

    def user_loaded(sql: str) -> bool:
        return 'FROM "accounts_user" WHERE "accounts_user"."id" =' in sql

    assert any("otp_totp_totpdevice" in sql for sql in first) and any(user_loaded(sql) for sql in first)
    assert not any("otp_totp_totpdevice" in sql or user_loaded(sql) for sql in second)


def test_a_password_changed_elsewhere_ends_the_session(client: HttpClient) -> None:
    young = UserFactory.create(jongere=True)
    log_in(client, young)
    _queries(client)

    young.set_password("een heel ander wachtwoord 42")
    young.save()

    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_deactivated_account_is_logged_out_on_its_next_request(client: HttpClient) -> None:
    young = UserFactory.create(jongere=True)
    log_in(client, young)
    _queries(client)

    young.is_active = False
    young.save(update_fields=["is_active"])

    assert client.get(HOME)["Location"].startswith(reverse("accounts:login"))


def test_a_bulk_update_is_seen_after_identity_forget(client: HttpClient) -> None:
    young = UserFactory.create(jongere=True)
    log_in(client, young)
    _queries(client)

    User.objects.filter(pk=young.pk).update(is_active=False)
    identity_forget(user_ids=[young.pk])

    assert client.get(HOME)["Location"].startswith(reverse("accounts:login"))


def test_a_removed_device_asks_for_the_second_factor_again(client: HttpClient) -> None:
    coach = UserFactory.create(coach=True)
    log_in(client, coach)
    _queries(client)

    TOTPDevice.objects.filter(user=coach).get().delete()

    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_an_unconfirmed_device_does_not_verify(client: HttpClient) -> None:
    coach = UserFactory.create(coach=True)
    log_in(client, coach)
    _queries(client)

    device = TOTPDevice.objects.filter(user=coach).get()
    device.confirmed = False
    device.save()

    assert client.get(HOME)["Location"].startswith(reverse("accounts:verify"))


def test_a_role_change_is_seen_on_the_next_request(client: HttpClient) -> None:
    coach = UserFactory.create(coach=True)
    log_in(client, coach)
    _queries(client)

    coach.role = "beheerder"
    coach.save()

    response = client.get(HOME)
    user = response.wsgi_request.user
    assert user.pk == coach.pk and user.role == "beheerder"


def test_logout_forgets_the_identity(client: HttpClient) -> None:
    young = UserFactory.create(jongere=True)
    log_in(client, young)
    _queries(client)

    client.post(reverse("accounts:logout"))

    assert client.get(HOME)["Location"].startswith(reverse("accounts:login"))


def _root_name(node: ast.expr) -> str | None:
    """The name a chain such as ``User.objects.filter(pk=1).update`` starts from."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node.id if isinstance(node, ast.Name) else None


def test_every_bulk_update_of_users_or_devices_forgets_their_identity() -> None:
    """A queryset ``update()`` of a user or a second-factor device bypasses ``save()`` and so the
    receivers that forget the cached identity: the function that makes it calls ``identity_forget``
    itself (a stale entry could keep a deactivated account or a removed device working until the
    entry expires)."""
    watched = {"User", *(model.__name__ for model in apps.get_models() if issubclass(model, Device))}
    source = Path(coachcare.__file__).parent
    missing = []
    for path in sorted(source.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for function in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = [node for node in ast.walk(function) if isinstance(node, ast.Call)]
            updates = [
                call
                for call in calls
                if isinstance(call.func, ast.Attribute)
                and call.func.attr in {"update", "bulk_update"}
                and _root_name(call.func.value) in watched
            ]
            forgets = any(
                (isinstance(call.func, ast.Name) and call.func.id == "identity_forget")
                or (isinstance(call.func, ast.Attribute) and call.func.attr == "identity_forget")
                for call in calls
            )
            if updates and not forgets:
                missing.append(f"{path.relative_to(source)}:{updates[0].lineno} ({function.name})")
    assert missing == []
    # The guard sees the one known place (the reminder's mark), so it would see a new one too.
    assert watched >= {"User", "TOTPDevice"}


def test_a_stale_cached_user_falls_back_to_the_database_and_keeps_the_second_factor(client: HttpClient) -> None:
    """A request on another node that read the user just before a password change can put that old
    copy in the cache after the change: the session's hash then matches the database's user, not the
    cached one. That user is used, with its device, and the stale copy is dropped (it used to answer
    500: a user without ``is_verified``)."""
    coach = UserFactory.create(coach=True)
    stale = User.objects.get(pk=coach.pk)
    coach.set_password("een nieuw wachtwoord 42")
    coach.save()
    log_in(client, coach)
    cache.set(identity._key(coach.pk), {"user": stale, "device_id": None, "device": None}, timeout=300)

    assert client.get(HOME).status_code == 200
    assert cache.get(identity._key(coach.pk)) is None  # the stale copy is gone
    assert client.get(HOME).status_code == 200
    assert cache.get(identity._key(coach.pk))["user"].password == coach.password
