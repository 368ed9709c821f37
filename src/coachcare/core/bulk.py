"""Fast bulk inserts for large, generated row sets (declaration runs, care events, synthetic data).

On PostgreSQL rows go in with COPY (one round trip per batch, no SQL to compile per row); on
other databases this falls back to ``bulk_create``. Model instances are prepared exactly as the
ORM would (``pre_save`` + ``get_db_prep_save``), so defaults and conversions are the same.
Primary keys are not set on the instances: use it where nothing reads them afterwards.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

COPY_BATCH = 20_000


def bulk_insert[M: models.Model](model: type[M], objects: Sequence[M]) -> int:
    """Insert ``objects`` (unsaved instances of ``model``); returns how many were inserted.

    COPY has no "ignore conflicts": callers that may race take a lock first (see ``advisory_lock``).
    """
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=5000)  # type: ignore[attr-defined]
        return len(objects)
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    with connection.cursor() as cursor:
        for start in range(0, len(objects), COPY_BATCH):
            batch = objects[start : start + COPY_BATCH]
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in batch:
                    copy.write_row(
                        [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields]
                    )
    return len(objects)


def advisory_lock(key: int) -> None:
    """Serialise a critical section across processes until the transaction ends (PostgreSQL;
    SQLite allows one writer at a time anyway). Must run inside ``transaction.atomic``."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def bulk_insert_rows(model: type[models.Model], field_names: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert plain value rows (one value per name in ``field_names``, attribute names such as
    ``declaration_id``); returns how many were inserted. No model instances, no defaults: give
    every NOT NULL column explicitly. Values must already be database-ready (ints, str, dates,
    None). COPY on PostgreSQL, ``bulk_create`` elsewhere.
    """
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(field_names, row, strict=True))) for row in rows], batch_size=5000
        )
        return len(rows)
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(by_attname[name].column)) for name in field_names)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), COPY_BATCH):
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows[start : start + COPY_BATCH]:
                    copy.write_row(row)
    return len(rows)
