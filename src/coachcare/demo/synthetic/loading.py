"""Loading generated rows fast: known ids, binary COPY, and (for big loads) indexes built afterwards.

- ``IdBlocks`` hands out primary keys itself, so rows can point at each other before anything is
  inserted (no ``RETURNING``, no ORM objects). On PostgreSQL it starts after ``nextval`` of the
  table's identity sequence and moves the sequence past the last id at the end (``sequences_sync``);
  elsewhere it starts after ``MAX(id)``. Only one generator may run on a database at a time.
- ``rows_insert`` writes value rows: binary ``COPY`` on PostgreSQL (about five times faster than
  text COPY from Python), ``executemany`` elsewhere. Values are what the database stores: an
  encrypted field gets its token (see ``texts``), never plain text.
- ``constraints_suspend`` (PostgreSQL, big loads): drops the secondary indexes, unique and foreign
  key constraints of the tables about to be loaded and returns the statements that recreate them.
  Building an index once over a full table is far cheaper than maintaining it row by row, and
  re-adding a foreign key validates it with one join instead of one trigger call per row. Primary
  keys, check constraints and NOT NULL stay. Everything runs inside the caller's transaction, so
  a failure rolls the definitions back too.
"""

import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

from coachcare.core.fields import EncryptedTextField


class IdBlocks:
    """Primary keys handed out per model, from the next free one."""

    def __init__(self) -> None:
        self._next: dict[type[models.Model], int] = {}
        self._first: dict[type[models.Model], int] = {}

    def _start(self, model: type[models.Model]) -> int:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            else:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")  # noqa: S608
            return int(cursor.fetchone()[0])

    def take(self, model: type[models.Model], count: int = 1) -> int:
        """The first of ``count`` consecutive new ids of ``model``."""
        if model not in self._next:
            self._next[model] = self._first[model] = self._start(model)
        first = self._next[model]
        self._next[model] = first + count
        return first

    def first(self, model: type[models.Model]) -> int:
        """The first id handed out for ``model`` in this run (the next free one when none was)."""
        self.take(model, 0)
        return self._first[model]

    def end(self, model: type[models.Model]) -> int:
        """One past the last id handed out for ``model``."""
        self.take(model, 0)
        return self._next[model]

    def sequences_sync(self) -> None:
        """PostgreSQL: move every identity sequence past the ids handed out (the app inserts next)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model, following in self._next.items():
                if following > self._first[model]:
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [model._meta.db_table, following - 1]
                    )


_pg_types: dict[str, dict[str, str]] = {}


def _column_types(table: str) -> dict[str, str]:
    """PostgreSQL type names per column (for binary COPY), cached per table."""
    if table not in _pg_types:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                [table],
            )
            _pg_types[table] = dict(cursor.fetchall())
    return _pg_types[table]


def rows_insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert value rows (one value per attribute name in ``fields``); returns how many."""
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    columns = [by_attname[name] for name in fields]
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(str(field.column)) for field in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = _column_types(table)
            statement = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN (FORMAT BINARY)"
            with cursor.cursor.copy(statement) as copy:
                copy.set_types([types[str(field.column)] for field in columns])
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        prepared = [
            [
                value if value is None or isinstance(field, EncryptedTextField)  # tokens are stored as they are
                else field.get_db_prep_save(value, connection)
                for field, value in zip(columns, row, strict=True)
            ]
            for row in rows
        ]  # fmt: skip
        if prepared:
            placeholders = ", ".join(["%s"] * len(columns))
            statement = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(statement, prepared)
        return len(prepared)


def pending_checks_run() -> None:
    """Check the deferred foreign keys of what was inserted so far: a table with pending trigger
    events cannot be altered (adding or dropping a foreign key alters the referenced table too)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def constraints_restore(statements: Sequence[str]) -> list[tuple[str, float]]:
    """Run the statements ``constraints_suspend`` returned; returns the seconds each one took."""
    pending_checks_run()
    took = []
    with connection.cursor() as cursor:
        for statement in statements:
            started = time.perf_counter()
            cursor.execute(statement)
            took.append((statement, time.perf_counter() - started))
    return took


def is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def constraints_suspend(models_: Sequence[type[models.Model]], *, foreign_keys: bool = True) -> list[str]:
    """PostgreSQL: drop secondary indexes, unique constraints and (with ``foreign_keys``) foreign
    keys of these tables; returns the statements that recreate them (indexes and unique
    constraints first, then foreign keys), to give to ``constraints_restore``."""
    tables = [model._meta.db_table for model in models_]
    kinds = ["f", "u"] if foreign_keys else ["u"]
    pending_checks_run()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid),
                   pg_get_indexdef(c.conindid)
            FROM pg_constraint c
            WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = ANY(%s::"char"[])
              AND NOT EXISTS (  -- a unique constraint another table's foreign key depends on stays
                  SELECT 1 FROM pg_constraint f
                  WHERE f.contype = 'f' AND f.conindid = c.conindid AND c.contype = 'u'
                    AND NOT f.conrelid = ANY(%s::regclass[]))
            ORDER BY c.contype, c.conrelid::regclass::text, c.conname
            """,
            [tables, kinds, tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                              WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
            ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        restore_indexes: list[str] = []
        restore_foreign: list[str] = []
        for table, name, kind, definition, index in constraints:  # foreign keys sort first: dropped first
            quoted = connection.ops.quote_name(name)
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quoted}")
            if kind == "f":
                restore_foreign.append(f"ALTER TABLE {table} ADD CONSTRAINT {quoted} {definition}")
            else:  # build the index first (other indexes of the table can be built meanwhile), then attach it
                restore_indexes.append(
                    f"{index}; ALTER TABLE {table} ADD CONSTRAINT {quoted} UNIQUE USING INDEX {quoted}"
                )
        for name, definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
            restore_indexes.append(definition)
    return restore_indexes + restore_foreign


def truncate_if_empty(table: str) -> bool:
    """PostgreSQL: TRUNCATE ``table`` when it and every table referencing it (directly or not) are
    empty, so that a COPY in the same transaction may FREEZE its rows; returns whether it did."""
    tables = [table]
    with connection.cursor() as cursor:
        for current in tables:
            cursor.execute(
                "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid = %s::regclass AND conrelid <> confrelid",
                [current],
            )
            tables += [name for (name,) in cursor.fetchall() if name not in tables]
        for name in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")  # noqa: S608 - names from the catalogue
            if cursor.fetchone()[0]:
                return False
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
    return True
