"""A database that cannot be reached gives a clean 503 with Retry-After, never a 500 (issue 8, faults)."""

import json
from collections.abc import Iterator
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client as HttpClient
from django.test import RequestFactory

from coachcare.api.services import api_token_create
from coachcare.operations.unavailable import (
    DatabaseUnavailableMiddleware,
    is_database_unavailable,
    server_error,
)
from tests.conftest import World, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def http() -> HttpClient:
    """A test client that answers as the server does instead of re-raising the exception."""
    return HttpClient(raise_request_exception=False)


def _assert_clean_page(response: object) -> None:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response["Retry-After"] == "5"  # type: ignore[index]
    assert "no-store" in response["Cache-Control"]  # type: ignore[index]
    text = response.content.decode()  # type: ignore[attr-defined]
    assert "Tijdelijk niet beschikbaar" in text
    assert "Service temporarily unavailable" in text
    assert "Traceback" not in text


def test_a_view_raising_a_database_error_gives_503() -> None:
    request = RequestFactory().get("/clients/")
    middleware = DatabaseUnavailableMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    _assert_clean_page(middleware.process_exception(request, OperationalError("server closed the connection")))
    _assert_clean_page(middleware.process_exception(request, InterfaceError("connection already closed")))
    assert middleware.process_exception(request, ValueError("a bug")) is None


def test_the_whole_stack_answers_503_when_the_session_cannot_be_loaded(http: HttpClient, world: World) -> None:
    log_in(http, world.coach)
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore._get_session_from_db",
        side_effect=OperationalError("connection refused"),
    ):
        response = http.get("/")
    _assert_clean_page(response)


def test_the_api_answers_a_problem_document(http: HttpClient, world: World) -> None:
    request = RequestFactory().get("/api/v1/clients")
    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(  # type: ignore[arg-type,return-value]
        request, OperationalError("terminating connection due to administrator command")
    )
    assert response is not None
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    body = json.loads(response.content)
    assert body["status"] == 503
    assert body["instance"] == "/api/v1/clients"


@pytest.fixture
def broken_database() -> Iterator[None]:
    """The connection had an error in this request and no longer answers (as after a restart)."""
    with mock.patch.object(connection, "is_usable", return_value=False):
        connection.ensure_connection()
        connection.errors_occurred = True
        try:
            yield
        finally:
            connection.errors_occurred = False


def test_an_api_500_made_from_a_database_error_becomes_503(http: HttpClient, world: World) -> None:
    """The API turns every exception into a problem document (500); after a database error on a
    connection that no longer works, the middleware replaces it with the 503."""
    token = api_token_create(user=world.coach, days=1).raw

    def lost_connection(**kwargs: object) -> None:
        connection.errors_occurred = True  # what Django's error wrapper records for an OperationalError
        raise OperationalError("terminating connection due to administrator command")

    try:
        with (
            mock.patch("coachcare.api.auth.api_token_authenticate", side_effect=lost_connection),
            mock.patch.object(connection, "is_usable", return_value=False),
        ):
            response = http.get("/api/v1/clients", headers={"Authorization": f"Bearer {token}"})
    finally:
        connection.errors_occurred = False
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    assert json.loads(response.content)["status"] == 503


@pytest.mark.usefixtures("broken_database")
def test_database_broken_needs_an_error_and_an_unusable_connection() -> None:
    from coachcare.operations.unavailable import database_broken

    assert database_broken()
    connection.errors_occurred = False
    assert not database_broken()


def test_a_500_from_a_bug_stays_a_500(http: HttpClient, world: World) -> None:
    log_in(http, world.coach)
    with mock.patch("coachcare.home.views.trajectory_selectors.caseload_list", side_effect=ValueError("a bug")):
        response = http.get("/")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_handler500_only_maps_database_errors() -> None:
    request = RequestFactory().get("/")
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        _assert_clean_page(server_error(request))
    try:
        raise KeyError("a bug")
    except KeyError:
        assert server_error(request).status_code == 500


def test_a_database_error_wrapped_in_another_exception_counts() -> None:
    try:
        try:
            raise OperationalError("the database system is shutting down")
        except OperationalError as exc:
            raise RuntimeError("while saving") from exc
    except RuntimeError as wrapped:
        assert is_database_unavailable(wrapped)
    assert not is_database_unavailable(ValueError("no"))
    assert not is_database_unavailable(None)
