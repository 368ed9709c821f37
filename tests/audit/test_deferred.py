"""The access-log entries of one request are written in one statement at its end (issue 19), and
never lost: not when the view fails, not inside a transaction, and a failed write is no answer."""

from collections.abc import Callable

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit import services
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint, Channel, Event, access_log_deferred, access_log_record
from tests.conftest import World

Login = Callable[[User], HttpClient]
HERE = AccessPoint(channel=Channel.WEB, address="10.0.0.1")


def _read(world: World, action: str) -> int:
    return access_log_record(
        actor=world.coach, event=Event.READ, action=action, client_ids=[world.own.public_id], access_point=HERE
    )


def _inserts(captured: CaptureQueriesContext) -> int:
    return sum("audit_accesslogentry" in query["sql"] for query in captured.captured_queries)


def test_the_reads_of_a_request_are_written_together_at_its_end(world: World) -> None:
    with CaptureQueriesContext(connection) as captured, access_log_deferred():
        _read(world, "client.file")
        _read(world, "client.notes")
        assert AccessLogEntry.objects.count() == 0  # not yet
    assert _inserts(captured) == 2  # the count above, and the one INSERT
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert [e.action for e in entries] == ["client.file", "client.notes"]
    assert {e.client_public_id for e in entries} == {world.own.public_id}
    assert {e.username for e in entries} == {"coach"} and len({e.entry_id for e in entries}) == 2


def test_a_failing_block_still_writes_what_was_read(world: World) -> None:
    with pytest.raises(ValueError), access_log_deferred():
        _read(world, "client.file")
        raise ValueError("the view failed after reading")
    assert AccessLogEntry.objects.filter(action="client.file").count() == 1


def test_inside_a_transaction_the_entry_is_written_at_once(world: World) -> None:
    with access_log_deferred(), transaction.atomic():
        _read(world, "client.note_add")
        assert AccessLogEntry.objects.filter(action="client.note_add").count() == 1


def test_a_failed_write_fails_the_block(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(rows: object) -> None:
        raise OperationalError("the database went away")

    monkeypatch.setattr(services, "_insert_rows", broken)
    with pytest.raises(OperationalError), access_log_deferred():
        _read(world, "client.file")


def test_a_page_writes_its_entries_in_one_statement(world: World, login: Login) -> None:
    http = login(world.coach)
    with CaptureQueriesContext(connection) as captured:
        response = http.get(reverse("clients:detail", kwargs={"public_id": world.own.public_id}))
    assert response.status_code == 200
    assert _inserts(captured) == 1
    assert AccessLogEntry.objects.filter(action="client.file", client_public_id=world.own.public_id).count() == 1


def test_a_page_whose_log_cannot_be_written_is_not_shown(
    world: World, login: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = login(world.coach)

    def broken(rows: object) -> None:
        raise OperationalError("the database went away")

    monkeypatch.setattr(services, "_insert_rows", broken)
    http.raise_request_exception = False
    response = http.get(reverse("clients:detail", kwargs={"public_id": world.own.public_id}))
    assert response.status_code in (500, 503)
    assert world.own.family_name.encode() not in response.content
