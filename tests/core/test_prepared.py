"""Prepared querysets (``coachcare.core.prepared``): the same rows as the queryset, SQL compiled once."""

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.db import connection
from django.db.models import Count, QuerySet
from django.test.utils import CaptureQueriesContext

from coachcare.clients.models import Client
from coachcare.core.prepared import PreparedQuery
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _by_public_id(public_id: UUID) -> QuerySet[Client, Client]:
    return Client.objects.select_related("team__provider", "municipality").filter(public_id=public_id)


BY_PUBLIC_ID = PreparedQuery(_by_public_id, public_id=UUID)


def test_model_instances_with_their_relations_and_decrypted_fields() -> None:
    client = ClientFactory.create()
    ClientFactory.create()  # another one, not asked for

    with CaptureQueriesContext(connection) as queries:
        found = BY_PUBLIC_ID.first(public_id=client.public_id)
        assert found is not None
        assert (found.pk, found.bsn, found.team.provider.pk, found.municipality.pk) == (
            client.pk,
            client.bsn,  # the encrypted field's converter ran
            client.provider_id,
            client.municipality_id,
        )
    assert len(queries) == 1  # the relations came with the row


def test_new_values_every_call_and_none_for_no_row() -> None:
    first, second = ClientFactory.create(), ClientFactory.create()
    assert [c.pk for c in BY_PUBLIC_ID.all(public_id=first.public_id)] == [first.pk]
    assert [c.pk for c in BY_PUBLIC_ID.all(public_id=second.public_id)] == [second.pk]
    assert BY_PUBLIC_ID.first(public_id=uuid4()) is None


def test_same_rows_as_the_queryset_for_values_values_list_and_annotations() -> None:
    clients = [ClientFactory.create(referred_on=date(2026, 1, day)) for day in (5, 10, 20)]
    since = date(2026, 1, 8)

    def build(since: date, name: str) -> QuerySet[Any, Any]:
        return Client.objects.filter(referred_on__gte=since).exclude(given_name=name).order_by("referred_on")

    as_dicts = PreparedQuery(
        lambda since, name: build(since, name).values("public_id", "referred_on"), since=date, name=str
    )
    as_flat = PreparedQuery(lambda since, name: build(since, name).values_list("pk", flat=True), since=date, name=str)
    counted = PreparedQuery(
        lambda since, name: build(since, name).annotate(threads=Count("message_threads")), since=date, name=str
    )

    assert as_dicts.all(since=since, name="nobody") == list(build(since, "nobody").values("public_id", "referred_on"))
    assert as_flat.all(since=since, name="nobody") == [clients[1].pk, clients[2].pk]
    assert as_flat.all(since=since, name=clients[2].given_name) == [clients[1].pk]
    assert [(c.pk, c.threads) for c in counted.all(since=since, name="nobody")] == [
        (clients[1].pk, 0),
        (clients[2].pk, 0),
    ]


def test_datetime_and_int_arguments() -> None:
    client = ClientFactory.create()
    after = PreparedQuery(
        lambda moment, pk: Client.objects.filter(created_at__gte=moment, pk__gte=pk).values_list("pk", flat=True),
        moment=datetime,
        pk=int,
    )
    assert after.all(moment=client.created_at - timedelta(seconds=1), pk=client.pk) == [client.pk]
    assert after.all(moment=client.created_at + timedelta(seconds=1), pk=client.pk) == []
    assert after.all(moment=client.created_at - timedelta(seconds=1), pk=client.pk + 1) == []


def test_the_sql_is_built_once() -> None:
    client = ClientFactory.create()
    builds: list[UUID] = []

    def build(public_id: UUID) -> QuerySet[Client, Client]:
        builds.append(public_id)
        return Client.objects.filter(public_id=public_id)

    query = PreparedQuery(build, public_id=UUID)
    for _ in range(3):
        assert query.first(public_id=client.public_id) == client
    assert len(builds) == 2  # compiled twice with different markers, then never again
    assert client.public_id not in builds  # built with markers, never with a caller's value


def test_wrong_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="must be UUID"):
        BY_PUBLIC_ID.all(public_id=str(uuid4()))
    with pytest.raises(TypeError, match="expected the arguments"):
        BY_PUBLIC_ID.all(pk=1)
    with pytest.raises(TypeError, match="not one of"):
        PreparedQuery(lambda flag: Client.objects.filter(email__isnull=flag), flag=bool)
    ints = PreparedQuery(lambda pk: Client.objects.filter(pk=pk), pk=int)
    with pytest.raises(TypeError, match="must be int"):
        ints.all(pk=True)


def test_a_value_the_lookup_rewrites_fails_when_prepared() -> None:
    contains = PreparedQuery(lambda text: Client.objects.filter(given_name__icontains=text), text=str)
    with pytest.raises(ValueError, match="rewrites the value"):
        contains.all(text="an")


def test_small_integer_columns_and_a_constant_that_equals_a_marker() -> None:
    """An int argument fits a ``SmallIntegerField`` (Django refuses an out-of-range value while
    compiling), and a constant of the query is never taken for an argument, even when it is a
    number in the markers' range."""
    from coachcare.method.models import Module

    query = PreparedQuery(
        lambda weeks: Module.objects.filter(expected_weeks=weeks, expected_sessions__lt=30_000).values_list(
            "pk", flat=True
        ),
        weeks=int,
    )
    assert query.all(weeks=7) == list(
        Module.objects.filter(expected_weeks=7, expected_sessions__lt=30_000).values_list("pk", flat=True)
    )
    assert [name for _, name, _ in query._compile("default").slots] == ["weeks"]


def test_two_arguments_of_one_kind_each_keep_their_place() -> None:
    early, late = ClientFactory.create(referred_on=date(2026, 1, 5)), ClientFactory.create(referred_on=date(2026, 3, 5))
    between = PreparedQuery(
        lambda start, end: Client.objects.filter(referred_on__gte=start, referred_on__lt=end).values_list(
            "pk", flat=True
        ),
        start=date,
        end=date,
    )
    for _ in range(3):
        between._compiled.clear()  # compiled anew: fresh markers each time
        assert between.all(start=date(2026, 1, 1), end=date(2026, 2, 1)) == [early.pk]
        assert between.all(start=date(2026, 2, 1), end=date(2026, 4, 1)) == [late.pk]


def test_a_query_whose_sql_changes_with_the_values_is_refused() -> None:
    shape = PreparedQuery(lambda pk: Client.objects.filter(pk__in=range(pk % 3 + 1)), pk=int)
    with pytest.raises(ValueError, match=r"changes with the arguments|rewrites the value"):
        shape.all(pk=1)
