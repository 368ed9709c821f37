"""The referral form from 18: refused with the way to the Wmo and the Zvw unless youth care started
or was decided before 18 (verlengde jeugdhulp); the evidence is kept on the file."""

from collections.abc import Callable

from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from tests.clients.test_views import referral_data
from tests.conftest import World
from tests.factories import birth_date_for_age, years_before

Login = Callable[[User], HttpClient]


def test_a_19_year_old_without_earlier_care_is_refused_in_dutch(world: World, login: Login) -> None:
    data = referral_data(world, birth_date=birth_date_for_age(19, today()).isoformat())
    response = login(world.coach).post(reverse("clients:refer"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "verlengde jeugdhulp" in html and "Wmo" in html and "Zvw" in html and "huisarts" in html
    assert not Client.objects.filter(family_name="Verwijzing").exists()


def test_a_19_year_old_whose_care_started_at_16_is_registered_with_the_evidence(world: World, login: Login) -> None:
    method_demo_package_install()
    started = years_before(today(), 3)
    data = referral_data(
        world,
        birth_date=birth_date_for_age(19, today()).isoformat(),
        earlier_care_kind="started",
        earlier_care_on=started.isoformat(),
        earlier_care_source="Beschikking gemeente Utrecht",
    )
    response = login(world.coach).post(reverse("clients:refer"), data)
    assert response.status_code == 302
    client = Client.objects.get(family_name="Verwijzing")
    assert (client.earlier_care_kind, client.earlier_care_on, client.earlier_care_source) == (
        "started",
        started,
        "Beschikking gemeente Utrecht",
    )


def test_evidence_without_a_source_is_refused_on_its_field(world: World, login: Login) -> None:
    data = referral_data(
        world,
        birth_date=birth_date_for_age(19, today()).isoformat(),
        earlier_care_kind="decided",
        earlier_care_on=years_before(today(), 2).isoformat(),
    )
    response = login(world.coach).post(reverse("clients:refer"), data)
    assert response.status_code == 200
    assert "Vermeld waar dit vandaan komt" in response.content.decode()
