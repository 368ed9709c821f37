"""Writing the NEN 7513 access log. Every read or change of client data goes through here.

Two writers: ``access_log_record`` for a person (a logged-in user, an API token's user) and
``access_log_record_system`` for the system itself (a management command run from cron or by an
operator, a background task), where there is no user: who = ``system``, on behalf of the operating
system account that started the process, from ``manage.py <command>`` or ``task <name>`` on the
host.
"""

import contextlib
import contextvars
import dataclasses
import datetime
import getpass
import itertools
import os
import socket
from collections.abc import Iterable, Iterator
from typing import Any
from uuid import UUID

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry

Event = AccessLogEntry.Event
Channel = AccessLogEntry.Channel

#: ``username`` and ``role`` of an entry written by the system itself (no user: a command or a task).
SYSTEM_USERNAME = "system"
SYSTEM_ROLE = "system"
#: Entries are inserted in batches of this size (a national run can touch many clients).
BATCH_SIZE = 1000


def _os_user() -> str:
    """The operating-system account that runs this process (NEN 7513: the person responsible)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessPoint:
    """Where an access came from: the channel (web, API, admin, export, command) and the address."""

    channel: str
    address: str
    on_behalf_of: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest, *, channel: str = Channel.WEB) -> "AccessPoint":
        address = request.META.get("REMOTE_ADDR") or "unknown"
        return cls(channel=channel, address=address[:200])

    @classmethod
    def command(cls, name: str) -> "AccessPoint":
        return cls(channel=Channel.COMMAND, address=f"manage.py {name}"[:200])

    @classmethod
    def system(cls, name: str, *, channel: str = Channel.COMMAND) -> "AccessPoint":
        """A run without a user: ``manage.py <name>`` (channel command) or ``task <name>`` (channel
        task), on this host, on behalf of the operating-system account that started it."""
        origin = f"manage.py {name}" if channel == Channel.COMMAND else f"task {name}"
        return cls(
            channel=channel,
            address=f"{origin} on {socket.gethostname()}"[:200],
            on_behalf_of=f"OS user {_os_user()}"[:150],
        )


def access_log_record(
    *,
    actor: User,
    event: str,
    action: str,
    client_ids: Iterable[UUID | None],
    access_point: AccessPoint,
) -> int:
    """Write one entry per client accessed, in one query. Returns the number of entries written."""
    return _write(
        event=event,
        action=action,
        client_ids=client_ids,
        access_point=access_point,
        user_id=actor.pk,
        username=actor.get_username(),
        user_display_name=actor.display_name,
        role=actor.role,
    )


def access_log_record_system(
    *,
    event: str,
    action: str,
    client_ids: Iterable[UUID | None],
    access_point: AccessPoint,
) -> int:
    """Write one entry per client accessed by the system itself (a command or a task; no user).

    Who: ``system`` in role ``system``, on behalf of the OS account in ``access_point`` (use
    ``AccessPoint.system``). Inserted in batches, so a run over many clients does not build one
    huge statement. Returns the number of entries written.
    """
    return _write(
        event=event,
        action=action,
        client_ids=client_ids,
        access_point=access_point,
        user_id=None,
        username=SYSTEM_USERNAME,
        user_display_name="",
        role=SYSTEM_ROLE,
    )


def _batches(values: Iterable[UUID | None]) -> Iterator[list[UUID | None]]:
    iterator = iter(values)
    while batch := list(itertools.islice(iterator, BATCH_SIZE)):
        yield batch


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Shared:
    """What every entry of one write has in common."""

    timestamp: datetime.datetime
    event: str
    action: str
    user_id: int | None
    username: str
    user_display_name: str
    role: str
    on_behalf_of: str
    channel: str
    access_point: str


def _write(
    *,
    event: str,
    action: str,
    client_ids: Iterable[UUID | None],
    access_point: AccessPoint,
    user_id: int | None,
    username: str,
    user_display_name: str,
    role: str,
) -> int:
    shared = _Shared(
        timestamp=timezone.now(),
        event=event,
        action=action,
        user_id=user_id,
        username=username,
        user_display_name=user_display_name,
        role=role,
        on_behalf_of=access_point.on_behalf_of,
        channel=access_point.channel,
        access_point=access_point.address,
    )
    pending = _pending.get()
    if pending is not None and not _in_transaction():
        # A read outside any transaction, within a request: written with the request's other entries
        # in one statement when the request ends (``access_log_deferred``). Inside a transaction
        # the entry is written at once, so it commits or rolls back with the change it records.
        batch = list(client_ids)
        pending.extend((client_id, shared) for client_id in batch)
        return len(batch)
    written = 0
    for batch in _batches(client_ids):
        _insert_batch(batch, shared=shared)
        written += len(batch)
    return written


def _in_transaction() -> bool:
    """Whether a transaction of the application is open (the ones a test case wraps each test in,
    which production never has, do not count: tests then take the path production takes)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


#: The entries of the request being served, waiting to be written (``access_log_deferred``).
_pending: contextvars.ContextVar[list[tuple[UUID | None, _Shared]] | None] = contextvars.ContextVar(
    "audit_pending", default=None
)


@contextlib.contextmanager
def access_log_deferred() -> Iterator[None]:
    """Within this block (one request: ``audit.middleware.AccessLogMiddleware``), the entries of
    reads made outside a transaction are collected and written together in one statement when the
    block ends: after the response is made and before it is sent, and also when the view failed
    (an access that happened is logged whatever the answer). When that write fails, the block
    raises, so the response with the data is never sent: no access goes unlogged."""
    pending: list[tuple[UUID | None, _Shared]] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
        for start in range(0, len(pending), BATCH_SIZE):
            _insert_rows(pending[start : start + BATCH_SIZE])


#: Entries that share nothing (several reads of one request: other actions, other moments), in one
#: statement: a column array each (the entry ids made by PostgreSQL, as in ``_INSERT_SQL``).
_INSERT_ROWS_SQL = """
INSERT INTO audit_accesslogentry (entry_id, "timestamp", event, action, client_public_id, user_id, username,
                                  user_display_name, role, on_behalf_of, channel, access_point)
SELECT gen_random_uuid(), *
FROM unnest(%s::timestamptz[], %s::text[], %s::text[], %s::uuid[], %s::bigint[], %s::text[],
            %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
"""


def _insert_rows(rows: list[tuple[UUID | None, _Shared]]) -> None:
    """The entries of one request in one statement; when they share everything but the client (the
    usual case: a caseload page's 50 clients) the cheaper one of ``_insert_batch``."""
    if connection.vendor != "postgresql":
        AccessLogEntry.objects.bulk_create(
            AccessLogEntry(client_public_id=client_id, **dataclasses.asdict(shared)) for client_id, shared in rows
        )
        return
    first = rows[0][1]
    if all(shared == first for _, shared in rows):
        _insert_batch([client_id for client_id, _ in rows], shared=first)
        return
    params: list[Any] = [[shared.timestamp for _, shared in rows]]
    params += [[getattr(shared, name) for _, shared in rows] for name in ("event", "action")]
    params.append([client_id for client_id, _ in rows])
    params += [
        [getattr(shared, name) for _, shared in rows]
        for name in ("user_id", "username", "user_display_name", "role", "on_behalf_of", "channel", "access_point")
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ROWS_SQL, params)


#: One statement per batch on PostgreSQL: the fields every entry of a batch shares are parameters,
#: the client ids one array, passed as its text form (one string instead of a parameter per
#: element) and the entry ids made by PostgreSQL (``gen_random_uuid()``, a version 4 UUID as
#: ``uuid.uuid4`` makes). A caseload page logs 50 clients: as 50 model instances through
#: ``bulk_create`` (600 parameters) that cost about 2 ms of Python per page.
_INSERT_SQL = """
INSERT INTO audit_accesslogentry (entry_id, "timestamp", event, action, client_public_id, user_id, username,
                                  user_display_name, role, on_behalf_of, channel, access_point)
SELECT gen_random_uuid(), %s, %s, %s, entry.client, %s, %s, %s, %s, %s, %s, %s
FROM unnest(%s::uuid[]) AS entry (client)
"""


def _insert_batch(batch: list[UUID | None], *, shared: _Shared) -> None:
    """One INSERT for a batch of entries (a client id each, the rest shared)."""
    if connection.vendor != "postgresql":
        _insert_rows([(client_id, shared) for client_id in batch])
        return
    clients = "{" + ",".join("NULL" if client_id is None else str(client_id) for client_id in batch) + "}"
    params: list[Any] = [
        shared.timestamp,
        shared.event,
        shared.action,
        shared.user_id,
        shared.username,
        shared.user_display_name,
        shared.role,
        shared.on_behalf_of,
        shared.channel,
        shared.access_point,
        clients,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, params)
