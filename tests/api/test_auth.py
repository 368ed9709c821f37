"""Bearer tokens: only a hash is stored; unknown, expired and revoked tokens get a 401 problem."""

import datetime
import hashlib
import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.api.models import ApiToken
from coachcare.api.services import api_token_create, api_token_revoke
from tests.api.conftest import Headers
from tests.conftest import World


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """An error of the REST API (RFC 9457); under /fhir/ the same error as an OperationOutcome."""
    if response.wsgi_request.path.startswith("/fhir/"):
        return assert_outcome(response, status)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    return body  # type: ignore[no-any-return]


def assert_outcome(response, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """A FHIR error: an OperationOutcome (valid for fhir.resources) with the HTTP status."""
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/fhir+json"
    body = response.json()
    outcome = OperationOutcome.model_validate(body)
    assert outcome.issue and outcome.issue[0].severity in {"error", "fatal"} and outcome.issue[0].diagnostics
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize("url", ["/api/v1/clients", "/fhir/r4/Task"])
def test_no_token_is_401_problem(world: World, client: HttpClient, url: str) -> None:
    assert_problem(client.get(url), 401)
    assert_problem(client.get(url, headers={"Authorization": "Bearer cc_unknown"}), 401)
    assert_problem(client.get(url, headers={"Authorization": "Basic abc"}), 401)


def test_only_the_hash_is_stored(world: World) -> None:
    issued = api_token_create(user=world.coach, name="rooster")
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(issued.raw.encode()).hexdigest()
    assert issued.raw not in {token.key_hash, token.prefix, token.name}
    assert issued.raw.startswith(token.prefix)
    assert (token.expires_at - timezone.now()).days in {89, 90}


def test_expired_and_revoked_tokens_are_refused(world: World, client: HttpClient) -> None:
    issued = api_token_create(user=world.coach)
    headers = {"Authorization": f"Bearer {issued.raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_problem(client.get("/api/v1/me", headers=headers), 401)
    other = api_token_create(user=world.coach)
    call_command("revoke_api_token", other.token.prefix, stdout=io.StringIO())
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {other.raw}"}), 401)


def test_a_revoked_token_is_refused_on_the_very_next_request(world: World, client: HttpClient) -> None:
    issued = api_token_create(user=world.coach)
    headers = {"Authorization": f"Bearer {issued.raw}"}
    for url in ("/api/v1/me", f"/fhir/r4/Patient/{world.own.public_id}"):
        assert client.get(url, headers=headers).status_code == 200
    api_token_revoke(prefix=issued.token.prefix)
    for url in ("/api/v1/me", f"/fhir/r4/Patient/{world.own.public_id}"):
        assert_problem(client.get(url, headers=headers), 401)


def test_a_token_is_refused_from_the_moment_it_expires(
    world: World, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = api_token_create(user=world.coach)
    headers = {"Authorization": f"Bearer {issued.raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    expires_at = issued.token.expires_at
    monkeypatch.setattr(timezone, "now", lambda: expires_at - datetime.timedelta(microseconds=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: expires_at)
    assert_problem(client.get("/api/v1/me", headers=headers), 401)


def test_inactive_user_token_is_refused(world: World, client: HttpClient) -> None:
    issued = api_token_create(user=world.colleague)
    User.objects.filter(pk=world.colleague.pk).update(is_active=False)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.raw}"}), 401)


def test_create_command_prints_the_token_once(world: World, client: HttpClient) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "toegang", "--days", "7", "--name", "suite", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(name="suite")
    assert token.prefix in err.getvalue() and raw not in err.getvalue()
    assert (token.expires_at - timezone.now()).days in {6, 7}
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.json()["role"] == "gemeente-toegang"
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("days", ["0", "367"])
def test_a_token_lives_one_day_to_a_year(world: World, days: str) -> None:
    with pytest.raises(CommandError, match="valid for at"):
        call_command("create_api_token", "toegang", "--days", days, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.filter(user=world.toegang).exists()


def test_api_is_not_redirected_to_the_second_factor(
    world: World, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    client.force_login(world.coach)  # a session without the second factor
    assert client.get("/").status_code == 302
    response = client.get("/api/v1/me", headers=bearer(world.coach))
    assert response.status_code == 200
    assert client.get("/fhir/r4/Task", headers=bearer(world.coach)).status_code == 200


def test_a_session_alone_does_not_authenticate(world: World, login: Callable[[User], HttpClient]) -> None:
    http = login(world.coach)
    assert_problem(http.get("/api/v1/clients"), 401)
