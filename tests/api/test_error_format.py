"""The API and FHIR always answer in their own error format: an unknown path (GET and POST, with
no CSRF page), a method an endpoint does not have, a POST or PATCH on a search or ``metadata``."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client as HttpClient

from coachcare.accounts.models import User
from tests.conftest import World

Headers = dict[str, str]


@pytest.fixture
def http() -> HttpClient:
    """Like a browser or another system: CSRF is checked as in production."""
    return HttpClient(enforce_csrf_checks=True)


def assert_problem(response: HttpResponseBase, status: int) -> dict[str, Any]:
    assert isinstance(response, HttpResponse)
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def assert_outcome(response: HttpResponseBase, status: int) -> dict[str, Any]:
    assert isinstance(response, HttpResponse)
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/fhir+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["diagnostics"]
    return body


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("with_token", [True, False])
def test_unknown_api_path_is_a_404_problem(
    world: World, http: HttpClient, bearer: Callable[[User], Headers], method: str, with_token: bool
) -> None:
    headers = bearer(world.coach) if with_token else {}
    http.cookies["csrftoken"] = "x" * 32  # a browser's cookie changes nothing

    assert_problem(getattr(http, method)("/api/v1/no-such-thing", headers=headers), 404)


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_unknown_fhir_path_is_a_404_outcome(
    world: World, http: HttpClient, bearer: Callable[[User], Headers], method: str
) -> None:
    body = assert_outcome(getattr(http, method)("/fhir/r4/NoSuchResource", headers=bearer(world.coach)), 404)
    assert body["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/clients"),
        ("delete", "/api/v1/clients"),
        ("patch", "/api/v1/me"),
        ("put", "/api/v1/modules"),
        ("post", "/api/v1/openapi.json"),
        ("put", "/api/v1/docs"),
    ],
)
def test_a_method_the_api_does_not_have_is_a_405_problem(
    world: World, http: HttpClient, bearer: Callable[[User], Headers], method: str, path: str
) -> None:
    response = getattr(http, method)(path, headers=bearer(world.coach))

    assert_problem(response, 405)
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "path", ["/fhir/r4/metadata", "/fhir/r4/Task", "/fhir/r4/Goal", "/fhir/r4/CarePlan", "/fhir/r4/Patient/x"]
)
def test_a_write_on_a_fhir_search_read_or_metadata_is_a_405_outcome(
    world: World, http: HttpClient, bearer: Callable[[User], Headers], method: str, path: str
) -> None:
    response = getattr(http, method)(path, data="{}", content_type="application/json", headers=bearer(world.coach))

    body = assert_outcome(response, 405)
    assert body["issue"][0]["code"] == "not-supported"
    assert response["Allow"] == "GET"


def test_a_task_still_takes_put_and_patch(world: World, http: HttpClient, bearer: Callable[[User], Headers]) -> None:
    """Only the method check: a Task that does not exist is a 404, not a 405."""
    response = http.patch(
        "/fhir/r4/Task/00000000-0000-0000-0000-000000000000-1",
        data="[]",
        content_type="application/json-patch+json",
        headers=bearer(world.coach),
    )

    assert_outcome(response, 404)
    assert_outcome(http.post("/fhir/r4/Task/x", headers=bearer(world.coach)), 405)


def test_the_screens_still_check_csrf(world: World, http: HttpClient) -> None:
    """Only /api/ and /fhir/ (bearer tokens) skip the CSRF check; the session-based screens keep it."""
    http.force_login(world.jongere)

    assert http.post("/portal/diary/", {"mood": "4"}).status_code == 403
