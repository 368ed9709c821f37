"""Where the roles navigate (issue 16, loose ends): the provider's administrator and team lead find
the gate settings in the menu; the municipality's access team reaches the regisseur form from an
allocation request of the young person."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.contracts.models import Allocation
from tests.accounts.factories import UserFactory
from tests.conftest import World, log_in
from tests.trajectories.test_flow import run_to_intake

pytestmark = pytest.mark.django_db


def _nav(user: User) -> list[str]:
    response = log_in(HttpClient(), user).get(reverse("core:home"), follow=True)
    return [name for name, _label in response.context["nav_items"]]


def test_gate_settings_are_in_the_menu_of_who_keeps_them(world: World) -> None:
    administrator = UserFactory.create(beheerder=True, provider=world.provider, username="beheerder_aanbieder")
    assert "trajectories:gate_settings" in _nav(administrator)
    assert "trajectories:gate_settings" in _nav(world.teamleider)
    for user in (world.coach, world.toegang, world.jongere, world.ouder):
        assert "trajectories:gate_settings" not in _nav(user)


def test_the_access_team_reaches_the_regisseur_form_from_the_allocation(contracted: World) -> None:
    world = contracted
    trajectory = run_to_intake(world)
    allocation = Allocation.objects.filter(client=world.own).first()
    assert allocation is not None
    toegang = log_in(HttpClient(), world.toegang)
    page = toegang.get(reverse("contracts:allocation_detail", kwargs={"public_id": allocation.public_id}))
    link = reverse("trajectories:client_regisseur", kwargs={"public_id": world.own.public_id})
    assert f'href="{link}"' in page.content.decode()
    response = toegang.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("trajectories:regisseur", kwargs={"public_id": trajectory.public_id})
    assert toegang.get(response["Location"]).status_code == 200
    # Those who may not record the regisseur get no page.
    for user in (world.jongere, world.ouder, world.beleid, world.coach_other_team):
        assert log_in(HttpClient(), user).get(link).status_code == 404, user.username
