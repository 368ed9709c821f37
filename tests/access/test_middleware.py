"""One way to say no: an ``AccessDenied`` that leaves a view is the 404 page, a ``Refused`` the 403
page with its reason."""

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


def test_refused_becomes_the_403_page_with_its_reason() -> None:
    request = RequestFactory().get("/clients/some-file/notes/")
    response = _middleware().process_exception(request, policy.Refused("You cannot write in this file."))
    assert isinstance(response, HttpResponse)
    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot write in this file." in page
    assert "<h1" in page  # the styled 403 page (403.html), not a bare line of text


def test_refused_in_an_htmx_request_is_the_bare_message() -> None:
    request = RequestFactory().get("/clients/some-file/notes/", headers={"HX-Request": "true"})
    response = _middleware().process_exception(request, policy.Refused("You cannot write in this file."))
    assert isinstance(response, HttpResponse)
    assert response.status_code == 403
    assert response.content == b"You cannot write in this file."


def test_refusing_turns_access_denied_into_refused_with_the_views_words() -> None:
    with pytest.raises(policy.Refused) as caught, policy.refusing("Not yours to decide."):
        raise policy.AccessDenied("No such allocation.")
    assert caught.value.message == "Not yours to decide."
    with pytest.raises(policy.Refused) as kept, policy.refusing("Not yours to decide."):
        raise policy.Refused("The service's own reason.")
    assert kept.value.message == "The service's own reason."


def test_a_view_whose_service_refuses_answers_403_with_the_reason(world: World, login: Login) -> None:
    # A municipality access worker may open the file (administrative part) but not write in it:
    # client_note_add raises Refused, the view does not catch it.
    response = login(world.toegang).post(
        reverse("clients:note_add", kwargs={"public_id": world.own.public_id}), {"text": "Een notitie."}
    )
    assert response.status_code == 403
    assert "Je kunt niet schrijven in dit dossier." in response.content.decode()
