"""Cursor pagination: an opaque base64 cursor of the ordering key and the id of the last row.

A page is ``WHERE (key, id) > (last key, last id) ORDER BY key, id LIMIT n + 1``: one query
whatever the page, no count, and stable while rows are added. The row comparison is written out
(``key > k OR (key = k AND id > i)``) plus the redundant ``key >= k``, which lets an index on the
ordering start at the cursor instead of reading every earlier row of the list.
"""

import base64
import binascii
import dataclasses
import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Model, Q, QuerySet

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


class BadCursor(ValueError):
    """The cursor was not made by this server (or is for another list)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class CursorPage[T: Model]:
    items: list[T]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor("The cursor is not valid.") from error
    if not isinstance(values, list) or len(values) != size or any(v is None for v in values):
        raise BadCursor("The cursor is not valid.")
    return values


def _value(obj: Model, field: str) -> Any:
    value: Any = obj
    for part in field.split("__"):
        value = getattr(value, part)
    return value


def cursor_paginate[T: Model](
    queryset: QuerySet[T],
    *,
    keys: list[str],
    cursor: str | None,
    limit: int,
    descending: bool = False,
    rows: QuerySet[T] | None = None,
) -> CursorPage[T]:
    """One page of ``queryset`` ordered by ``keys`` (non-null fields ending in a unique one).

    ``rows``: how to read the page's rows (``select_related``, ``only``, annotations, prefetches).
    The page is then chosen on ``queryset`` (its filters only) in a subquery and ``rows`` reads just
    those rows by primary key, in the same statement: the joins run for the rows of the page, not
    for every row the filters match (a caseload has hundreds of appointments or module runs).
    """
    limit = max(1, min(limit, MAX_LIMIT))
    if rows is not None and queryset.query.distinct:
        # SELECT DISTINCT adds the ordering to its columns, so it cannot be the one-column subquery.
        queryset, rows = rows.filter(pk__in=queryset.order_by().values("pk")), None
    ordering = [f"-{key}" if descending else key for key in keys]
    ordered = queryset.order_by(*ordering)
    if cursor:
        values = _decode(cursor, len(keys))
        op = "lt" if descending else "gt"
        condition = Q()
        try:
            for i, key in enumerate(keys):
                step = Q(**{f"{key}__{op}": values[i]})
                for j in range(i):
                    step &= Q(**{keys[j]: values[j]})
                condition |= step
            if len(keys) > 1:
                condition &= Q(**{f"{keys[0]}__{op}e": values[0]})
            ordered = ordered.filter(condition)
        except (ValueError, TypeError, ValidationError) as error:
            raise BadCursor("The cursor is not valid.") from error
    try:
        if rows is None:
            items = list(ordered[: limit + 1])
        else:
            items = list(rows.filter(pk__in=ordered.values("pk")[: limit + 1]).order_by(*ordering))
    except (ValueError, TypeError, ValidationError) as error:
        raise BadCursor("The cursor is not valid.") from error
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        deferred = last.get_deferred_fields()
        if any(key.split("__")[0] in deferred for key in keys):  # would cost a query per page
            raise ImproperlyConfigured(f"The ordering keys {keys} must be loaded.")
        next_cursor = _encode([_value(last, key) for key in keys])
    return CursorPage(items=items, next_cursor=next_cursor)


def rows_paginate[T: Model](rows: list[T], *, cursor: str | None, limit: int) -> CursorPage[T]:
    """``cursor_paginate`` with the key ``["id"]`` over rows already read in id order (a short list,
    such as one client's module runs): the same page and the same cursors, paged in Python."""
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor:
        try:
            after = int(_decode(cursor, 1)[0])
        except (ValueError, TypeError) as error:
            raise BadCursor("The cursor is not valid.") from error
        rows = [row for row in rows if row.pk > after]
    if len(rows) <= limit:
        return CursorPage(items=list(rows), next_cursor=None)
    items = rows[:limit]
    return CursorPage(items=items, next_cursor=_encode([items[-1].pk]))
