"""The start page per role and the navigation (``coachcare.home``)."""

from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.demo.installers import method_demo_package_install
from coachcare.trajectories.services import trajectory_open
from tests.conftest import World

Login = Callable[[User], HttpClient]


@pytest.mark.parametrize(
    ("actor_key", "template"),
    [
        ("coach", "home/home_caseload.html"),
        ("teamleider", "home/home_caseload.html"),
        ("toegang", "home/home_residents.html"),
        ("ouder", "home/home_parent.html"),
        ("beleid", "home/home_policy.html"),
        ("beheerder", "home/home_admin.html"),
    ],
)
def test_home_per_role(world: World, login: Login, actor_key: str, template: str) -> None:
    response = login(world.user(actor_key)).get(reverse("core:home"))

    assert response.status_code == 200
    assert template in [t.name for t in response.templates]


def test_jongere_without_file_gets_a_page_of_their_own(db: None, login: Login) -> None:
    from tests.accounts.factories import UserFactory

    response = login(UserFactory.create(jongere=True)).get(reverse("core:home"))

    assert response.status_code == 200
    assert "home/home_no_file.html" in [t.name for t in response.templates]


def test_caseload_search_and_bad_page_numbers(world: World, login: Login) -> None:
    method_demo_package_install()
    for client in (world.own, world.team):  # the caseload lists trajectories
        trajectory_open(
            actor=world.coach, client=client, referrer_kind="gemeente", access_point=AccessPoint.command("test")
        )
    http = login(world.coach)

    found = http.get(reverse("core:home"), {"q": world.own.family_name})
    assert world.own.public_id in [row.client_public_id for row in found.context["page"]]
    assert world.team.public_id not in [row.client_public_id for row in found.context["page"]]
    for page in ["abc", "-1", "0", "99999999", "2"]:
        assert http.get(reverse("core:home"), {"page": page}).status_code == 200


def test_navigation_shows_only_usable_links(world: World, login: Login) -> None:
    def nav(user: User) -> list[str]:
        return [name for name, _label in login(user).get(reverse("core:home")).context["nav_items"]]

    assert "clients:refer" in nav(world.coach)
    assert "clients:refer" not in nav(world.toegang)
    assert "admin:index" in nav(world.beheerder)
    assert "admin:index" not in nav(world.coach)


def test_caseload_escapes_names(world: World, login: Login) -> None:
    """The caseload prints prepared rows (``trajectories.selectors.CaseloadRow``): names stay escaped
    as Jinja escapes them, in the row and in the file's address."""
    method_demo_package_install()
    world.own.given_name, world.own.family_name = "<script>alert(1)</script>", "O'Neil & Co"
    world.own.save(update_fields=["given_name", "family_name"])
    trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AccessPoint.command("test")
    )
    html = login(world.coach).get(reverse("core:home")).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Neil &amp; Co</a>" in html
    assert f'href="{reverse("clients:detail", kwargs={"public_id": world.own.public_id})}"' in html
