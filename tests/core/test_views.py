"""Health endpoints, security headers and the start page per role."""

import json
from collections.abc import Callable
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.core import views
from coachcare.method.services import method_demo_package_install
from coachcare.trajectories.services import trajectory_open
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


@pytest.mark.parametrize(
    ("actor_key", "template"),
    [
        ("coach", "core/home_caseload.html"),
        ("teamleider", "core/home_caseload.html"),
        ("toegang", "core/home_residents.html"),
        ("ouder", "core/home_parent.html"),
        ("beleid", "core/home_policy.html"),
        ("beheerder", "core/home_admin.html"),
    ],
)
def test_home_per_role(world: World, login: Login, actor_key: str, template: str) -> None:
    response = login(world.user(actor_key)).get(reverse("core:home"))

    assert response.status_code == 200
    assert template in [t.name for t in response.templates]


def test_jongere_without_file_gets_a_page_of_their_own(db: None, login: Login) -> None:
    from tests.accounts.factories import UserFactory

    response = login(UserFactory.create(jongere=True)).get(reverse("core:home"))

    assert response.status_code == 200
    assert "core/home_no_file.html" in [t.name for t in response.templates]


def test_caseload_search_and_bad_page_numbers(world: World, login: Login) -> None:
    method_demo_package_install()
    for client in (world.own, world.team):  # the caseload lists trajectories
        trajectory_open(
            actor=world.coach, client=client, referrer_kind="school", access_point=AccessPoint.command("test")
        )
    http = login(world.coach)

    found = http.get(reverse("core:home"), {"q": world.own.family_name})
    assert world.own in [trajectory.client for trajectory in found.context["page"]]
    assert world.team not in [trajectory.client for trajectory in found.context["page"]]
    for page in ["abc", "-1", "0", "99999999", "2"]:
        assert http.get(reverse("core:home"), {"page": page}).status_code == 200


def test_navigation_shows_only_usable_links(world: World, login: Login) -> None:
    def nav(user: User) -> list[str]:
        return [name for name, _label in login(user).get(reverse("core:home")).context["nav_items"]]

    assert "clients:refer" in nav(world.coach)
    assert "clients:refer" not in nav(world.toegang)
    assert "admin:index" in nav(world.beheerder)
    assert "admin:index" not in nav(world.coach)
