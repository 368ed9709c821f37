"""NEN 7513 entries written by the system itself (a command or a task, no user)."""

import getpass
import socket
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.utils import translation

from coachcare.audit import services
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint, Channel, Event, access_log_record_system


def test_a_system_entry_says_who_what_when_which_client_and_from_where(db: None) -> None:
    client_ids = [uuid4(), uuid4()]
    written = access_log_record_system(
        event=Event.UPDATE, action="ijw.import.JW301", client_ids=client_ids, access_point=AccessPoint.system("x")
    )
    assert written == 2
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert [entry.client_public_id for entry in entries] == client_ids
    for entry in entries:
        assert (entry.username, entry.role, entry.user_id, entry.user_display_name) == ("system", "system", None, "")
        assert (entry.event, entry.action, entry.channel) == ("update", "ijw.import.JW301", "command")
        assert entry.access_point == f"manage.py x on {socket.gethostname()}"
        assert entry.on_behalf_of.startswith("OS user ") and len(entry.on_behalf_of) > len("OS user ")


def test_a_task_is_its_own_channel(db: None) -> None:
    point = AccessPoint.system("retention_apply_task", channel=Channel.TASK)
    assert point.address.startswith("task retention_apply_task on ")
    access_log_record_system(event=Event.DELETE, action="privacy.retention", client_ids=[uuid4()], access_point=point)
    entry = AccessLogEntry.objects.get()
    with translation.override("en"):
        assert entry.channel == "task" and entry.get_channel_display() == "scheduled task"


def test_many_clients_are_written_in_batches(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    calls: list[int] = []
    real = services._insert_batch

    def counting(batch: list[UUID | None], **kwargs: Any) -> None:
        calls.append(len(batch))
        real(batch, **kwargs)

    monkeypatch.setattr(services, "_insert_batch", counting)  # one INSERT per batch
    written = access_log_record_system(
        event=Event.READ, action="x", client_ids=(uuid4() for _ in range(7)), access_point=AccessPoint.system("x")
    )
    assert written == 7 and calls == [3, 3, 1]
    assert AccessLogEntry.objects.count() == 7


def test_no_os_login_name_falls_back_to_the_uid(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert AccessPoint.system("x").on_behalf_of.startswith("OS user uid ")
