"""The 403, 404, 500 and CSRF pages are styled, in Dutch, with a way back (issue 8)."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults

from coachcare.accounts.models import User
from coachcare.operations.unavailable import server_error
from tests.conftest import World

Login = Callable[[User], HttpClient]
STYLED = "coachcare/css/coachcare.css"


def test_404_is_styled_in_dutch_with_a_way_back(client: HttpClient, db: None) -> None:
    response = client.get("/bestaat-niet/")
    page = response.content.decode()
    assert response.status_code == 404
    assert STYLED in page and "Pagina niet gevonden" in page and 'href="/"' in page
    assert 'href="/hulp/"' in page  # not logged in: the crisis entry too


def test_a_views_bare_403_is_shown_in_the_styled_page(world: World, login: Login) -> None:
    response = login(world.jongere).get("/clients/new/")
    page = response.content.decode()
    assert response.status_code == 403
    assert STYLED in page and "Geen toegang" in page and 'href="/"' in page
    assert "Alleen coaches en teamleiders" in page  # the view's own reason, in Dutch
    assert 'href="/hulp/"' in page  # a young person's page: the crisis entry


def test_permission_denied_renders_the_403_template(db: None) -> None:
    request = RequestFactory().get("/admin/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("nl"):
        response = defaults.permission_denied(request, PermissionDenied("nee"))
    page = response.content.decode()
    assert response.status_code == 403 and "Geen toegang" in page and 'href="/"' in page


def test_api_403s_are_left_alone(db: None) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponseForbidden

    from coachcare.core.errors import StyledForbiddenMiddleware

    middleware = StyledForbiddenMiddleware(lambda request: HttpResponseForbidden("Not for you."))
    for path, styled in (("/api/v1/clients/", False), ("/fhir/r4/Patient", False), ("/clients/new/", True)):
        request = RequestFactory().get(path)
        request.user = AnonymousUser()
        response = middleware(request)
        assert response.status_code == 403
        assert (STYLED in response.content.decode()) is styled


def test_a_refused_form_gets_the_styled_csrf_page(db: None) -> None:
    http = HttpClient(enforce_csrf_checks=True)
    response = http.post("/accounts/login/", {"username": "x", "password": "y"})
    page = response.content.decode()
    assert response.status_code == 403
    assert STYLED in page and "Het formulier is verlopen" in page and 'href="/"' in page
    assert "CSRF" not in page  # no technical English


@pytest.mark.django_db
def test_500_is_styled_in_dutch_with_a_way_back_and_needs_no_database(
    django_assert_num_queries: Callable[..., object],
) -> None:
    request = RequestFactory().get("/ergens/")
    with translation.override("nl"), django_assert_num_queries(0):  # type: ignore[attr-defined]
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert STYLED in page and "Er ging iets mis" in page and 'href="/"' in page and 'href="/hulp/"' in page
