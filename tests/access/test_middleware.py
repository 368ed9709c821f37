"""One way to say no: an ``AccessDenied`` that leaves a view is the 404 page."""

from collections.abc import Callable

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from coachcare.access import policy
from coachcare.access.middleware import AccessDeniedMiddleware
from coachcare.accounts.models import User
from tests.conftest import World

Login = Callable[[User], HttpClient]


def _middleware() -> AccessDeniedMiddleware:
    return AccessDeniedMiddleware(lambda request: HttpResponse("ok"))


@pytest.mark.django_db
def test_access_denied_becomes_the_404_page() -> None:
    request = RequestFactory().get("/clients/some-file/")
    response = _middleware().process_exception(request, policy.AccessDenied("No such client file."))
    assert isinstance(response, HttpResponse)
    assert response.status_code == 404
    assert b"No such client file." not in response.content  # the reason is not shown to anyone


def test_other_exceptions_are_left_to_django() -> None:
    request: HttpRequest = RequestFactory().get("/")
    assert _middleware().process_exception(request, ValueError("boom")) is None


def test_a_view_that_raises_access_denied_answers_404(world: World, login: Login) -> None:
    # A young person asking for the coach overview: the selector raises AccessDenied, the view
    # does not catch it.
    response = login(world.jongere).get(reverse("coaching:coach_overview"))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() or "Pagina niet gevonden" in response.content.decode()
