"""The one shape of every logged API read: page, keep the allowed rows, write the access log.

Every list adapter of this package does the same three steps in the same order:

1. page the owning app's queryset with ``cursor_paginate`` (keys, cursor, limit; ``rows`` to read
   the page's rows with their joins);
2. keep only the rows the policy allows, with the owning app's ``*_rows_allowed`` (defence in depth
   after the queryset's own narrowing), where the app has one;
3. write one NEN 7513 access-log entry (event READ, channel ``api``) per client on the page, or for
   the one client a nested list belongs to (logged even when the page is empty: the file was read).

A detail adapter writes the same entry for its one client (``read_logged``); a list read whole by
the owning app (a short one: one client's module runs) is paged and logged by ``rows_page_logged``.
"""

from collections.abc import Callable, Iterable
from typing import Protocol
from uuid import UUID

from django.db.models import Model, QuerySet

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate, rows_paginate
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client


class RowsAllowed[T](Protocol):
    """The owning app's last check of a page's rows (e.g. ``contracts.selectors.allocation_rows_allowed``)."""

    def __call__(self, *, actor: User, rows: list[T]) -> list[T]: ...


def read_logged(*, actor: User, action: str, client_ids: Iterable[UUID], access_point: AccessPoint) -> None:
    """The access-log entry of an API read (event READ): one per client read."""
    access_log_record(
        actor=actor, event=Event.READ, action=action, client_ids=dict.fromkeys(client_ids), access_point=access_point
    )


def page_logged[T: Model](
    queryset: QuerySet[T],
    *,
    actor: User,
    access_point: AccessPoint,
    action: str,
    keys: list[str],
    cursor: str | None,
    limit: int,
    client_of: Callable[[T], Client] | Client,
    descending: bool = False,
    rows: QuerySet[T] | None = None,
    allowed: RowsAllowed[T] | None = None,
) -> CursorPage[T]:
    """One cursor page of ``queryset``, narrowed by ``allowed(actor=..., rows=...)`` and logged.

    ``client_of``: the client of each row (a list across files), or the one ``Client`` the whole
    list belongs to (a file's goals, a thread's messages, a file's access log)."""
    page = cursor_paginate(queryset, keys=keys, cursor=cursor, limit=limit, descending=descending, rows=rows)
    items = page.items if allowed is None else allowed(actor=actor, rows=page.items)
    if isinstance(client_of, Client):
        client_ids = [client_of.public_id]
    else:
        client_ids = [client_of(item).public_id for item in items]
    read_logged(actor=actor, action=action, client_ids=client_ids, access_point=access_point)
    return CursorPage(items=items, next_cursor=page.next_cursor)


def rows_page_logged[T: Model](
    rows: list[T],
    *,
    actor: User,
    access_point: AccessPoint,
    action: str,
    cursor: str | None,
    limit: int,
    client_of: Callable[[T], Client],
) -> CursorPage[T]:
    """``page_logged`` over rows already read and kept (the owning app's selector checked them), in
    id order: one page (``pagination.rows_paginate``), logged per client on the page."""
    page = rows_paginate(rows, cursor=cursor, limit=limit)
    client_ids = [client_of(item).public_id for item in page.items]
    read_logged(actor=actor, action=action, client_ids=client_ids, access_point=access_point)
    return page
