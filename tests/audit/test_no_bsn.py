"""The BSN never reaches the access log table or the application log."""

import logging
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from tests.conftest import World
from tests.factories import birth_date_for_age

Login = Callable[[User], HttpClient]
BSN = "111222333"


def _refer_and_read(world: World, login: Login) -> Client:
    method_demo_package_install()  # the referral opens a trajectory on the current method version
    http = login(world.coach)
    http.post(
        reverse("clients:refer"),
        {
            "bsn": BSN,
            "given_name": "Bas",
            "family_name": "Geheim",
            "birth_date": birth_date_for_age(16, today()).isoformat(),
            "municipality": str(world.municipality_a.pk),
            "referrer_kind": "gemeente",
        },
    )
    client = Client.objects.get(family_name="Geheim")
    http.get(reverse("clients:detail", kwargs={"public_id": client.public_id}))
    http.get(reverse("core:home"))
    return client


def test_bsn_is_in_no_column_of_the_access_log(world: World, login: Login) -> None:
    client = _refer_and_read(world, login)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_accesslogentry")
        rows = cursor.fetchall()
    assert len(rows) >= 3
    assert AccessLogEntry.objects.filter(client_public_id=client.public_id).count() >= 3
    for row in rows:
        for cell in row:
            assert BSN not in str(cell)
            for other in world.clients:
                assert other.bsn not in str(cell)


def test_bsn_is_not_in_captured_log_output_even_with_sql_logging(
    world: World, login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    with CaptureQueriesContext(connection) as queries:  # forces the debug cursor: SQL goes to django.db.backends
        _refer_and_read(world, login)

    assert queries.captured_queries
    assert caplog.records
    assert BSN not in caplog.text
    for record in caplog.records:
        assert BSN not in record.getMessage()
    for query in queries.captured_queries:
        assert BSN not in query["sql"]
