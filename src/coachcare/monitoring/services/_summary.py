"""What the summary tables of monitoring share: the range filter, day counts and the upsert."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max, Min, Q

from coachcare.trajectories.models import Trajectory

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


def summary_rebuild(*, tables_of: Iterable[type[models.Model]], write: Callable[[Within], int], chunk: int) -> int:
    """Rebuild the summary tables of ``tables_of`` from scratch; returns what ``write`` counted.

    One transaction (dashboards keep reading the old rows until it commits): delete every row,
    then ``write`` per range of ``chunk`` trajectory ids (``work_mem`` raised for the transaction on
    PostgreSQL). Then, on PostgreSQL, VACUUM ANALYZE (ANALYZE only when called inside a transaction).
    """
    tables = [connection.ops.quote_name(model._meta.db_table) for model in tables_of]
    written = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL work_mem = '64MB'")  # the grouped derived tables stay in memory
            for table in tables:
                # One statement (a queryset delete may first collect the rows); only a quoted table name.
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        bounds = Trajectory.objects.aggregate(low=Min("pk"), high=Max("pk"))
        if bounds["low"] is not None:
            for start in range(bounds["low"], bounds["high"] + 1, chunk):

                def within(path: str, start: int = start) -> Q:
                    return Q(**{f"{path}__gte": start, f"{path}__lt": start + chunk})

                written += write(within)
    if connection.vendor == "postgresql":
        # VACUUM (outside a transaction only) drops the deleted rows from the indexes at once and
        # marks the pages all-visible; ANALYZE gives the planner the new statistics.
        maintenance = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{maintenance} {table}")
    return written
