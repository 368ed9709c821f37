"""What the summary tables of monitoring share: the range filter, day counts and the upsert."""

from collections.abc import Callable
from typing import Any

from django.db import connection, models
from django.db.models import Q

#: ``within(path)``: the filter that limits a source table, by its path to the trajectory id.
Within = Callable[[str], Q]


def days_between(start: str, end: str) -> str:
    """SQL for the whole days from ``start`` to ``end`` (two date columns)."""
    if connection.vendor == "postgresql":
        return f"({end} - {start})"
    if connection.vendor == "sqlite":
        return f"CAST(ROUND(julianday({end}) - julianday({start})) AS INTEGER)"
    raise NotImplementedError(f"The monitoring summary supports PostgreSQL and SQLite, not {connection.vendor}.")


def summary_upsert(
    model: type[models.Model], columns: tuple[str, ...], select: str, params: list[Any], *, cluster: tuple[str, str]
) -> int:
    """INSERT INTO the summary table ``model`` the rows of ``select`` (one column per name in
    ``columns``, the primary key first); a row that exists is updated (ON CONFLICT DO UPDATE), so a
    refresh running next to another refresh or a rebuild never fails on a duplicate key.

    The rows go in ordered by ``cluster`` (municipality, date): after a rebuild the rows of one
    municipality lie together on disk, so its dashboard reads few pages.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    updates = ", ".join(f"{quote(column)} = excluded.{quote(column)}" for column in columns[1:])
    order = ", ".join(str(columns.index(column) + 1) for column in cluster)
    # "WHERE TRUE": SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT with joins.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT * FROM ({select}) s WHERE TRUE ORDER BY {order} "
        f"ON CONFLICT ({quote(columns[0])}) DO UPDATE SET {updates}"
    )  # only quoted identifiers, ordinals and ORM-compiled SQL are interpolated; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        result: int = max(cursor.rowcount, 0)
        return result
