"""The move screen ``/clients/<uuid>/move/`` (woonplaatsbeginsel): for the treating professionals
only, in Dutch, access-logged; the move itself is tested in tests/trajectories/test_move.py."""

import datetime
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import MunicipalityChange
from coachcare.core.dates import today
from tests.conftest import World
from tests.trajectories.conftest import contracted  # noqa: F401 - fixtures used below
from tests.trajectories.test_move import _backdated, moving  # noqa: F401 - fixture used below

Login = Callable[[User], HttpClient]


def test_the_coach_records_a_move_on_the_screen(moving: World, login: Login) -> None:  # noqa: F811
    world = moving
    _backdated(world)
    http = login(world.coach)
    url = reverse("clients:move", args=[world.own.public_id])
    page = http.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Verhuizing vastleggen" in html and "Nieuwe woongemeente" in html
    assert f'value="{world.municipality_a.pk}"' not in html  # the current municipality is not offered
    assert AccessLogEntry.objects.filter(action="client.move_form", client_public_id=world.own.public_id).exists()
    on = today() - datetime.timedelta(days=3)

    response = http.post(url, {"municipality": world.municipality_b.pk, "on": on.isoformat()})

    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[world.own.public_id])
    assert MunicipalityChange.objects.get(client=world.own).effective_on == on
    file_page = http.get(response["Location"]).content.decode()
    assert "Amsterdam" in file_page  # the new municipality in the client file


def test_a_move_in_the_future_is_refused_on_the_form(moving: World, login: Login) -> None:  # noqa: F811
    world = moving
    _backdated(world)
    http = login(world.coach)
    url = reverse("clients:move", args=[world.own.public_id])
    response = http.post(
        url, {"municipality": world.municipality_b.pk, "on": (today() + datetime.timedelta(days=2)).isoformat()}
    )
    assert response.status_code == 200
    assert "niet vooraf" in response.content.decode()
    assert not MunicipalityChange.objects.exists()


@pytest.mark.parametrize("actor_key", ["toegang", "jongere", "ouder", "beheerder", "coach_other_team"])
def test_others_do_not_get_the_move_screen(world: World, login: Login, actor_key: str) -> None:
    http = login(world.user(actor_key))
    response = http.get(reverse("clients:move", args=[world.own.public_id]))
    assert response.status_code in {403, 404}
