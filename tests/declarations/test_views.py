"""The declaration screens: who sees what, amounts in euros, a fixed number of queries."""

import datetime
import html
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.declarations import services
from coachcare.declarations.models import Declaration
from tests.clients.factories import ClientFactory
from tests.declarations.conftest import PERIOD, Delivering

Login = Callable[[User], HttpClient]
LIST_URL = reverse("declarations:declaration_list")
ON = datetime.date(2025, 4, 15)


def detail_url(declaration: Declaration) -> str:
    return reverse("declarations:declaration_detail", kwargs={"public_id": declaration.public_id})


@pytest.fixture
def declared(delivering: Delivering) -> Declaration:
    delivering.delivered(delivering.world.own)
    delivering.delivered(delivering.world.team)
    return services.declaration_run(municipality=delivering.world.municipality_a, period=PERIOD, on=ON).declarations[0]


def test_toegang_sees_the_declaration_its_lines_and_the_budget(
    delivering: Delivering, declared: Declaration, login: Login
) -> None:
    http = login(delivering.world.toegang)

    listing = html.unescape(http.get(LIST_URL).content.decode())
    detail = html.unescape(http.get(detail_url(declared)).content.decode())

    assert declared.declaratienummer in listing
    assert "€\u00a02.500,00" in listing  # two modules of € 1.250,00
    assert delivering.world.own.full_name in detail
    assert delivering.world.own.bsn not in detail
    assert "€\u00a01.250,00" in detail


def test_beleid_sees_the_lines_without_the_people(delivering: Delivering, declared: Declaration, login: Login) -> None:
    http = login(delivering.world.beleid)

    detail = http.get(detail_url(declared))

    assert detail.status_code == 200
    assert delivering.world.own.full_name not in html.unescape(detail.content.decode())


def test_the_teamleider_of_the_provider_sees_its_declarations(
    delivering: Delivering, declared: Declaration, login: Login
) -> None:
    teamleider = delivering.world.teamleider
    teamleider.provider = delivering.world.provider
    teamleider.save(update_fields=["provider"])
    http = login(teamleider)

    assert declared.declaratienummer in http.get(LIST_URL).content.decode()
    assert http.get(detail_url(declared)).status_code == 200


def test_another_municipality_gets_404(delivering: Delivering, declared: Declaration, login: Login) -> None:
    http = login(delivering.world.toegang_other)

    assert declared.declaratienummer not in http.get(LIST_URL).content.decode()
    assert http.get(detail_url(declared)).status_code == 404


@pytest.mark.parametrize("role", ["coach", "jongere", "ouder"])
def test_care_roles_get_403(delivering: Delivering, declared: Declaration, login: Login, role: str) -> None:
    http = login(delivering.world.user(role))

    assert http.get(LIST_URL).status_code == 403
    assert http.get(detail_url(declared)).status_code == 403


def test_navigation_links_declarations_for_municipality_staff_only(delivering: Delivering, login: Login) -> None:
    assert LIST_URL in login(delivering.world.toegang).get("/").content.decode()
    assert LIST_URL in login(delivering.world.beleid).get("/").content.decode()
    assert LIST_URL not in login(delivering.world.coach).get("/").content.decode()


def test_detail_query_count_is_the_same_for_3_and_30_lines(delivering: Delivering, login: Login) -> None:
    world = delivering.world
    http = login(world.toegang)

    def declare(n: int) -> Declaration:
        for _ in range(n):
            delivering.delivered(ClientFactory.create(municipality=world.municipality_a, coach=world.coach))
        return services.declaration_run(municipality=world.municipality_a, period=PERIOD, on=ON).declarations[0]

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as context:
            response = http.get(url)
        assert response.status_code == 200
        return len(context.captured_queries)

    few = declare(3)
    http.get(detail_url(few))  # warm caches
    few_detail, few_list = count(detail_url(few)), count(LIST_URL)
    many = declare(30)
    many_detail, many_list = count(detail_url(many)), count(LIST_URL)

    assert few_detail == many_detail
    assert few_list == many_list
    assert many_detail <= 12
