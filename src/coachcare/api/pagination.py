"""Cursor pagination: an opaque base64 cursor of the ordering key and the id of the last row.

A page is ``WHERE (key, id) > (last key, last id) ORDER BY key, id LIMIT n + 1``: one query
whatever the page, no count, and stable while rows are added.
"""

import base64
import binascii
import dataclasses
import json
from typing import Any

from django.core.exceptions import ValidationError
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
    queryset: QuerySet[T], *, keys: list[str], cursor: str | None, limit: int, descending: bool = False
) -> CursorPage[T]:
    """One page of ``queryset`` ordered by ``keys`` (non-null fields ending in a unique one)."""
    limit = max(1, min(limit, MAX_LIMIT))
    ordered = queryset.order_by(*[f"-{key}" if descending else key for key in keys])
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
            ordered = ordered.filter(condition)
        except (ValueError, TypeError, ValidationError) as error:
            raise BadCursor("The cursor is not valid.") from error
    try:
        rows = list(ordered[: limit + 1])
    except (ValueError, TypeError, ValidationError) as error:
        raise BadCursor("The cursor is not valid.") from error
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode([_value(rows[-1], key) for key in keys])
    return CursorPage(items=rows, next_cursor=next_cursor)
