"""The privacy split: nothing clinical reaches a municipality role, and the BSN never reaches a URL."""

import re
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from tests.clients.factories import ClientNoteFactory, ParentAccessDecisionFactory
from tests.conftest import World
from tests.factories import birth_date_for_age
from tests.pages import shows

Login = Callable[[User], HttpClient]
MARKER = "PRIVACY-MARKER-d41d8cd98f00"


def _pages_for(world: World, client: Client) -> list[str]:
    return [
        reverse("core:home"),
        reverse("clients:detail", kwargs={"public_id": client.public_id}),
        reverse("clients:access_log", kwargs={"public_id": client.public_id}),
        reverse("clients:my_access_log"),
        reverse("clients:refer"),
        reverse("admin:index"),
        reverse("admin:clients_client_changelist"),
        reverse("admin:clients_client_change", args=[client.pk]),
        reverse("admin:audit_accesslogentry_changelist"),
    ]


@pytest.mark.parametrize("actor_key", ["toegang", "beleid"])
def test_clinical_marker_never_reaches_municipality_roles(world: World, login: Login, actor_key: str) -> None:
    ClientNoteFactory.create(client=world.own, author=world.coach, text=f"Notitie {MARKER} over thuis")
    ParentAccessDecisionFactory.create(client=world.own, parent=world.ouder, reason=f"Reden {MARKER}")
    http = login(world.user(actor_key))
    reached = 0

    for url in _pages_for(world, world.own):
        response = http.get(url, follow=True)
        assert MARKER not in response.content.decode(), url
        reached += response.status_code == 200

    assert reached >= 1  # at least the home page was rendered, so the test looked at real HTML


def test_municipality_residents_list_shows_no_bsn(world: World, login: Login) -> None:
    response = login(world.toegang).get(reverse("core:home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert shows(world.own.family_name, content)
    for client in world.clients:
        assert client.bsn not in content


def test_policy_dashboard_shows_no_names_and_suppresses_small_counts(world: World, login: Login) -> None:
    for number, client in enumerate(world.clients):
        client.family_name = f"Achternaamvoorbeeld{number}"
        client.save(update_fields=["family_name"])
    response = login(world.beleid).get(reverse("core:home"))

    assert response.status_code == 200
    content = response.content.decode()
    for client in world.clients:
        assert client.bsn not in content
        assert client.family_name not in content
    assert all(band.count is None for band in response.context["age_bands"])  # 2 residents: below 5


def _all_urls_in(response_content: str) -> list[str]:
    return re.findall(r"""(?:href|action|src)=["']([^"']+)["']""", response_content)


def test_bsn_never_in_a_url(world: World, login: Login) -> None:
    method_demo_package_install()  # the referral opens a trajectory on the current method version
    http = login(world.coach)
    bsn = "111222333"

    refer = http.post(
        reverse("clients:refer"),
        {
            "bsn": bsn,
            "given_name": "Ilse",
            "family_name": "Urlvrij",
            "birth_date": birth_date_for_age(15, today()).isoformat(),
            "municipality": str(world.municipality_a.pk),
            "referrer_kind": "gemeente",
            "referral_route": "wijkteam",
        },
    )
    assert refer.status_code == 302
    assert bsn not in refer["Location"]
    client = Client.objects.get(family_name="Urlvrij")
    assert str(client.public_id) in refer["Location"]

    pages = [
        refer["Location"],
        reverse("core:home"),
        reverse("clients:access_log", kwargs={"public_id": client.public_id}),
    ]
    for url in pages:
        response = http.get(url)
        for link in _all_urls_in(response.content.decode()):
            assert bsn not in link, (url, link)
            assert client.bsn not in link
    for other in world.clients:
        assert other.bsn not in reverse("clients:detail", kwargs={"public_id": other.public_id})
