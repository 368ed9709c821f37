"""Prepared querysets: a hot query's SQL compiled once per process, run with new values.

Building and compiling a queryset costs Django one to two thousand Python calls (``filter`` resolves
every lookup, ``as_sql`` quotes every column and walks the joins), on every request, for SQL that is
the same every time except for the parameter values: in the load-test mix a third of the app's work
(docs/performance.md, "Prepared querysets"). A ``PreparedQuery`` builds its queryset once per
database alias with marker values in place of the arguments, remembers the SQL and where each
marker sits among the parameters, and on every call runs that SQL with the call's values. The rows
come back through Django's own iterables, so the result is what the queryset itself would return:
model instances (with their ``select_related`` relations and annotations) for a model queryset,
dicts for ``values()``, tuples or flat values for ``values_list()``; prefetches run as usual.

    _thread_by_id = PreparedQuery(
        lambda public_id: Thread.objects.select_related("client").filter(public_id=public_id),
        public_id=UUID,
    )
    thread = _thread_by_id.first(public_id=some_uuid)

Rules, checked where they can be:

- The queryset's shape may depend only on the declared argument *types*, never on their values: the
  builder runs once. A value that changes the SQL (``None``, which becomes ``IS NULL``; a list for
  ``__in``; a boolean that picks a branch) is not an argument: build one ``PreparedQuery`` per shape.
- Each argument must reach the SQL as a plain parameter (``=``, ``<``, ``>=``, ``__iexact`` …);
  a lookup that rewrites it (``__icontains`` wraps it in ``%``) fails loudly when prepared.
- Arguments are ``UUID``, ``int``, ``str``, ``datetime`` or ``date``; the call checks each value's
  type, so a wrong one fails rather than reaching the database as text.

The cache is per process and per database alias; the SQL depends on nothing else (the schema is
fixed while the process runs). Query counting (``assertNumQueries``, the query-count tests) sees
these queries like any other: they run through the connection's cursor.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.sql.query import Query

T = TypeVar("T")

_ARGUMENT_TYPES = (UUID, int, str, datetime, date)


def _marker(kind: type) -> Any:
    """A random value of ``kind`` that fits every column of that kind (an int fits a
    ``SmallIntegerField``: Django refuses a value out of the column's range while compiling)."""
    if kind is UUID:
        return uuid4()
    if kind is int:
        return 1_000 + secrets.randbelow(31_000)
    if kind is str:
        return f"prepared-marker-{secrets.token_hex(12)}"
    if kind is datetime:
        return datetime(1901, 1, 1, tzinfo=UTC) + timedelta(microseconds=secrets.randbelow(10**12))
    if kind is date:
        return date(1901, 1, 1) + timedelta(days=secrets.randbelow(20_000))
    raise TypeError(f"a prepared query takes UUID, int, str, datetime or date arguments, not {kind!r}")


def _markers(arguments: dict[str, type], *, avoid: dict[str, Any] | None = None) -> dict[str, Any]:
    """A marker per argument, all different from each other and from the ``avoid`` set's."""
    while True:
        markers = {name: _marker(kind) for name, kind in arguments.items()}
        values = list(markers.values()) + list((avoid or {}).values())
        if len({(type(value), value) for value in values}) == len(values):
            return markers


def _adapters(alias: str) -> list[Callable[[Any], Any]]:
    """The ways a backend may pass a value to the database, tried in this order."""
    ops = connections[alias].ops
    adapters: list[Callable[[Any], Any]] = [
        lambda value: value,
        lambda value: value.hex if isinstance(value, UUID) else _NO_MATCH,
        lambda value: str(value) if isinstance(value, UUID | int) else _NO_MATCH,
        lambda value: ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else _NO_MATCH,
        lambda value: (
            ops.adapt_datefield_value(value)
            if isinstance(value, date) and not isinstance(value, datetime)
            else _NO_MATCH
        ),
    ]
    # PostgreSQL with psycopg 3 passes integers wrapped by the column's size (Int2, Int4, Int8).
    adapters += [_int_wrapper(wrap) for wrap in getattr(ops, "integerfield_type_map", {}).values()]
    return adapters


def _int_wrapper(wrap: Callable[[int], Any]) -> Callable[[Any], Any]:
    return lambda value: wrap(value) if isinstance(value, int) else _NO_MATCH


_NO_MATCH = object()


@dataclass(frozen=True, slots=True)
class _Compiled:
    queryset: QuerySet[Any, Any]  # never evaluated: a template for the per-call querysets
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str, Callable[[Any], Any]], ...]  # (position, argument, adapter)
    compiler_state: dict[str, Any]  # select, klass_info, … as as_sql left them
    #: The row converters (``from_db_value`` of the fields, the backend's own) per connection: Django
    #: works them out again on every query, some 10 calls a column.
    converters: weakref.WeakKeyDictionary[Any, dict[int, Any]] = dataclasses.field(
        default_factory=weakref.WeakKeyDictionary
    )


class PreparedQuery[T]:
    """A queryset built by ``build(**arguments)``, compiled once per database alias.

    ``arguments`` maps each argument name of ``build`` to its type (see the module's docstring).
    """

    def __init__(self, build: Callable[..., QuerySet[Any, T]], **arguments: type) -> None:
        for name, kind in arguments.items():
            if kind not in _ARGUMENT_TYPES:
                raise TypeError(f"argument {name!r}: {kind!r} is not one of UUID, int, str, datetime, date")
        self._build = build
        self._arguments = arguments
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def all(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[T]:
        """Every row, as the queryset built with ``values`` would return them."""
        return list(self._queryset(using, values))

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> T | None:
        """The first row (the builder orders and limits), or ``None``."""
        rows = self.all(using=using, **values)
        return rows[0] if rows else None

    def sql(self, *, using: str = DEFAULT_DB_ALIAS) -> str:
        """The SQL this query runs (for tests and ``EXPLAIN``)."""
        return self._compile(using).sql

    def _queryset(self, using: str, values: dict[str, Any]) -> QuerySet[Any, T]:
        if values.keys() != self._arguments.keys():
            raise TypeError(f"expected the arguments {sorted(self._arguments)}, got {sorted(values)}")
        for name, value in values.items():
            kind = self._arguments[name]
            # bool is an int, and a datetime is a date: neither may stand in for the other.
            if not isinstance(value, kind) or isinstance(value, bool) or (kind is date and isinstance(value, datetime)):
                raise TypeError(f"argument {name!r} must be {kind.__name__}, not {type(value).__name__}")
        compiled = self._compile(using)
        params = list(compiled.params)
        for position, name, adapt in compiled.slots:
            params[position] = adapt(values[name])
        sql, bound = compiled.sql, tuple(params)
        state = compiled.compiler_state

        template = compiled.queryset
        query = _shallow_copy(template.query)

        def get_compiler(using: str | None = None, connection: Any = None, elide_empty: bool = True) -> Any:
            connection = connection or connections[using or DEFAULT_DB_ALIAS]
            compiler = connection.ops.compiler(query.compiler)(query, connection, using, elide_empty)
            compiler.__dict__.update(state)
            compiler.as_sql = lambda *args, **kwargs: (sql, bound)
            if "select" in state and "col_count" in state:
                converters = compiled.converters.get(connection)
                if converters is None:
                    fields = [column[0] for column in state["select"][0 : state["col_count"]]]
                    if compiler.has_composite_fields(fields):  # composite keys: Django's own way
                        return compiler
                    converters = compiled.converters[connection] = compiler.get_converters(fields)
                compiler.get_converters = lambda expressions: converters
            return compiler

        query.get_compiler = get_compiler  # type: ignore[method-assign]
        queryset: QuerySet[Any, T] = object.__new__(type(template))
        queryset.__dict__.update(template.__dict__)
        queryset._query = query  # type: ignore[attr-defined]  # the setter would reset the iterable class
        queryset._db = using  # type: ignore[attr-defined]
        queryset._result_cache = None
        queryset._prefetch_done = False  # type: ignore[attr-defined]
        return queryset

    def _compile(self, using: str) -> _Compiled:
        compiled = self._compiled.get(using)
        if compiled is not None:
            return compiled
        with self._lock:
            compiled = self._compiled.get(using)
            if compiled is None:
                compiled = self._compiled[using] = self._prepare(using)
        return compiled

    def _prepare(self, using: str) -> _Compiled:
        """Compile the queryset twice with different markers: the parameters that differ are the
        arguments' places (each must hold its own marker both times), the others are constants. So a
        constant that happens to equal a marker is not taken for an argument, and a value that
        changes the SQL itself is refused."""
        first = _markers(self._arguments)
        second = _markers(self._arguments, avoid=first)
        queryset = self._build(**first).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        other_sql, other_params = self._build(**second).using(using).query.get_compiler(using=using).as_sql()
        if other_sql != sql or len(other_params) != len(params):
            raise ValueError("prepared query: the SQL changes with the arguments' values; build one per shape")
        adapters = _adapters(using)
        slots: list[tuple[int, str, Callable[[Any], Any]]] = []
        for position, (param, other) in enumerate(zip(params, other_params, strict=True)):
            if _same(param, other):
                continue  # a constant of the query
            slot = next(
                (
                    (position, name, adapter)
                    for name in self._arguments
                    for adapter in adapters
                    if _same(adapter(first[name]), param) and _same(adapter(second[name]), other)
                ),
                None,
            )
            if slot is None:
                raise ValueError(
                    f"prepared query: parameter {position} depends on the arguments but is none of them "
                    "(a lookup that rewrites the value)"
                )
            slots.append(slot)
        missing = set(self._arguments) - {name for _, name, _ in slots}
        if missing:
            raise ValueError(
                f"prepared query: the argument(s) {sorted(missing)} do not reach the SQL as plain "
                "parameters (a lookup that rewrites the value, or an argument the query ignores)"
            )
        state = {
            key: compiler.__dict__[key]
            for key in ("select", "klass_info", "annotation_col_map", "col_count", "has_extra_select")
            if key in compiler.__dict__
        }
        return _Compiled(queryset=queryset, sql=sql, params=tuple(params), slots=tuple(slots), compiler_state=state)


def _same(candidate: Any, param: Any) -> bool:
    return candidate is not _NO_MATCH and type(candidate) is type(param) and candidate == param


def _shallow_copy(query: Query) -> Query:
    """A new ``Query`` sharing the template's parts: the per-call copy only gets its own compiler."""
    copy = object.__new__(type(query))
    copy.__dict__.update(query.__dict__)
    return copy
