"""Pages make a fixed number of queries, whether there are 3 clients (or notes) or 30."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.providers.models import Team
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory, ClientNoteFactory, GezagRelationFactory
from tests.municipalities.factories import MunicipalityFactory
from tests.providers.factories import TeamFactory

Login = Callable[[User], HttpClient]
MAX_QUERIES = 10  # session, user, OTP device, count, page, log insert, and a little room
#: The client file also reads what is new since the coach last opened it (one query) and moves that
#: mark (one upsert): the coach's desk, issue 16.5.
CLIENT_FILE_MAX_QUERIES = MAX_QUERIES + 2


def _count(http: HttpClient, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = http.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def _measure(http: HttpClient, url: str, add: Callable[[int], object]) -> tuple[int, int]:
    add(3)
    http.get(url)  # warm caches (content types, sessions) so both measurements compare like with like
    few = _count(http, url)
    add(27)
    many = _count(http, url)
    return few, many


@pytest.fixture
def team(db: None) -> Team:
    return TeamFactory.create()


def test_coach_caseload(team: Team, login: Login) -> None:
    coach = UserFactory.create(coach=True, team=team)
    colleague = UserFactory.create(coach=True, team=team)
    municipality = MunicipalityFactory.create()
    http = login(coach)

    def add(n: int) -> None:
        for i in range(n):
            ClientFactory.create(coach=coach if i % 2 else colleague, municipality=municipality)

    few, many = _measure(http, reverse("core:home"), add)

    assert few == many
    assert many <= MAX_QUERIES


def test_teamleider_caseload_with_age_bands(team: Team, login: Login) -> None:
    coach = UserFactory.create(coach=True, team=team)
    http = login(UserFactory.create(teamleider=True, team=team))

    def add(n: int) -> None:
        for _ in range(n):
            ClientFactory.create(coach=coach)

    few, many = _measure(http, reverse("core:home"), add)

    assert few == many
    assert many <= MAX_QUERIES


def test_gemeente_toegang_residents(team: Team, login: Login) -> None:
    municipality = MunicipalityFactory.create()
    coaches = [UserFactory.create(coach=True, team=team), UserFactory.create(coach=True)]
    http = login(UserFactory.create(toegang=True, municipality=municipality))

    def add(n: int) -> None:
        for i in range(n):
            ClientFactory.create(municipality=municipality, coach=coaches[i % 2])

    few, many = _measure(http, reverse("core:home"), add)

    assert few == many
    assert many <= MAX_QUERIES


def test_parent_home(db: None, login: Login) -> None:
    parent = UserFactory.create(ouder=True)
    http = login(parent)

    def add(n: int) -> None:
        for i in range(n):
            client = ClientFactory.create(age=13 + i % 5, coach=UserFactory.create(coach=True))
            GezagRelationFactory.create(client=client, parent=parent)

    few, many = _measure(http, reverse("core:home"), add)

    assert few == many
    assert many <= MAX_QUERIES


def test_client_detail_with_many_notes(team: Team, login: Login) -> None:
    coach = UserFactory.create(coach=True, team=team)
    client = ClientFactory.create(coach=coach)
    authors = [coach, UserFactory.create(coach=True, team=team), UserFactory.create(teamleider=True, team=team)]
    http = login(coach)

    def add(n: int) -> None:
        for i in range(n):
            ClientNoteFactory.create(client=client, author=authors[i % 3])
            ClientFactory.create(coach=coach)  # more clients on the caseload must not matter either

    few, many = _measure(http, reverse("clients:detail", kwargs={"public_id": client.public_id}), add)

    assert few == many
    assert many <= CLIENT_FILE_MAX_QUERIES


def test_admin_client_changelist(db: None, login: Login) -> None:
    http = login(UserFactory.create(beheerder=True))
    teams = [TeamFactory.create(), TeamFactory.create()]

    def add(n: int) -> None:
        for i in range(n):
            ClientFactory.create(team=teams[i % 2], coach=UserFactory.create(coach=True, team=teams[i % 2]))

    few, many = _measure(http, reverse("admin:clients_client_changelist"), add)

    assert few == many
    assert many <= 16  # the admin adds its filters (municipalities, teams) and its own checks
