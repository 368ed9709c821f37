"""Safety, always one tap away (issue 7): the crisis page /hulp/ and the entry on every youth and parent page."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient

from coachcare.access import policy
from coachcare.accounts.models import User
from tests.conftest import World
from tests.pages import shows

Login = Callable[[User], HttpClient]

GENERAL_LINES = ('href="tel:112"', 'href="tel:08000113"', 'href="tel:08000432"', 'href="tel:08002000"')
ENTRY = 'class="coachcare-crisis-entry__link" href="/hulp/"'


def test_the_crisis_page_needs_no_login_and_lists_the_national_numbers(client: HttpClient, world: World) -> None:
    world.provider.out_of_hours_phone = "030 123 45 67"
    world.provider.save()
    page = client.get("/hulp/").content.decode()
    for line in GENERAL_LINES:
        assert line in page
    assert "https://www.113.nl" in page and "Zelfmoordpreventie" in page and "Veilig Thuis" in page
    assert "Hulp nodig?" in page  # Dutch by default
    assert "tel:0301234567" not in page  # no provider's number without a login: the general numbers only
    assert 'href="/"' in page  # a way back


@pytest.mark.parametrize("actor_key", ["jongere", "ouder"])
def test_young_people_and_parents_see_their_providers_out_of_hours_number(
    world: World, login: Login, actor_key: str
) -> None:
    world.provider.out_of_hours_phone = "030 123 45 67"
    world.provider.save()
    page = login(world.user(actor_key)).get("/hulp/").content.decode()
    assert 'href="tel:0301234567"' in page and "030 123 45 67" in page and shows(world.provider.name, page)
    for line in GENERAL_LINES:
        assert line in page


def test_a_provider_without_an_out_of_hours_number_is_left_out(world: World, login: Login) -> None:
    page = login(world.jongere).get("/hulp/").content.decode()
    assert not shows(world.provider.name, page) and "buiten kantooruren" not in page
    assert 'href="tel:112"' in page


def test_the_out_of_hours_number_is_checked() -> None:
    from coachcare.providers.models import PHONE_VALIDATOR, phone_dial_string

    for bad in ("bel ons", "112; drop", "12", "+31 6 1234 5678 9999 9999"):
        with pytest.raises(ValidationError):
            PHONE_VALIDATOR(bad)
    PHONE_VALIDATOR("+31 30-123 45 67")
    assert phone_dial_string("+31 30-123 45 67") == "+31301234567"


def test_the_entry_is_on_the_login_page(client: HttpClient, db: None) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert ENTRY in page and "Hulp nodig? Nu meteen" in page


@pytest.mark.parametrize(
    ("actor_key", "url"),
    [
        ("jongere", "/portal/"),
        ("jongere", "/messages/"),
        ("jongere", "/privacy/"),
        ("ouder", "/"),
        ("ouder", "/privacy/"),
    ],
)
def test_the_entry_is_on_youth_and_parent_pages(world: World, login: Login, actor_key: str, url: str) -> None:
    response = login(world.user(actor_key)).get(url, follow=True)
    assert response.status_code == 200
    assert ENTRY in response.content.decode()


@pytest.mark.parametrize("actor_key", ["coach", "teamleider", "toegang", "beleid", "beheerder"])
def test_professionals_do_not_get_the_entry(world: World, login: Login, actor_key: str) -> None:
    assert not policy.sees_crisis_entry(world.user(actor_key))
    page = login(world.user(actor_key)).get("/", follow=True).content.decode()
    assert ENTRY not in page
