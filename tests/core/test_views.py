"""Health endpoints and security headers (the start page per role: tests/home/test_views.py)."""

import json
from collections.abc import Callable
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.core import views
from tests.conftest import World

Login = Callable[[User], HttpClient]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_health_endpoints_answer_json(client: HttpClient, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["status"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_readyz_is_503_when_the_database_fails() -> None:
    request = RequestFactory().get("/readyz")
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("database is down")):
        response = views.readyz(request)

    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "database": "unreachable"}


def test_healthz_does_not_touch_the_database() -> None:
    request = RequestFactory().get("/healthz")
    with mock.patch.object(connection, "cursor", side_effect=AssertionError("no database")):
        assert views.healthz(request).status_code == 200


@pytest.mark.django_db
def test_health_refuses_post(client: HttpClient) -> None:
    assert client.post("/healthz").status_code == 405


def _csp(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    directives = {}
    for part in header.split(";"):
        name, *values = part.strip().split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/healthz", "/accounts/login/"])
def test_content_security_policy_forbids_inline_script(client: HttpClient, url: str) -> None:
    response = client.get(url)

    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_security_headers(client: HttpClient) -> None:
    response = client.get("/healthz")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_csp_on_an_authenticated_page(world: World, login: Login) -> None:
    response = login(world.coach).get(reverse("core:home"))

    assert response.status_code == 200
    assert _csp(response)["script-src"] == ["'self'"]
