"""The high-volume part of the synthetic country: sessions, messages and diary check-ins.

Per module run 10 sessions (``coaching.Appointment``) spread over the module, the future ones
planned; per module run 30 messages in the young person's thread (``messaging.Message``), only
those sent before the moment of generation, the young person writing about every other one (when
they have an account); per active young person with an account one diary check-in a week
(``coaching.DiaryEntry``) from the first module until the trajectory closed (or today). A run
stopped early (its trajectory closed while it ran) keeps what happened until the closure.

Two implementations of the same rules, each deterministic for a seed:

- PostgreSQL: one SELECT per kind over temporary tables of this generation's runs and trajectories,
  set-based on the server (``generate_series`` per run or per week), values derived from
  ``hashint8extended`` of the run's ordinal (not its id, so the content does not depend on where
  the sequences stood) and the seed. Bodies come from a pool of pre-encrypted tokens
  (``texts.TokenPools``) in a temporary table. Inserted on the same connection (``activity_sql``)
  or streamed into an emptied table (``activity_pipe``): tens of millions of rows in minutes.
- Other databases (SQLite: tests, small demos): ``sessions_rows``, ``message_rows`` and
  ``diary_rows`` produce the same kinds of rows in Python, from a small integer hash.
"""

import dataclasses
import datetime
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection

from coachcare.demo.synthetic.texts import LOCATIONS, TITLE_COACH, TITLE_PARENTS, TokenPools

SESSIONS_PER_RUN = 10
MESSAGES_PER_RUN = 30
ONLINE_PERCENT = 30
PARENTS_PER_TEN = 1
DIARY_TEXT_PERCENT = 40
#: Mood change around the trend, drawn from these ten (the trend goes from 2 to 3 over a trajectory).
MOOD_NOISE = (-1, 0, 0, 0, 1, 1, 1, 1, 2, -2)

APPOINTMENT_FIELDS = (
    "public_id", "client_id", "trajectory_id", "starts_at", "ends_at", "kind", "location", "title",
    "with_parents", "created_by_id", "created_at",
)  # fmt: skip
MESSAGE_FIELDS = ("public_id", "thread_id", "author_id", "body", "created_at", "notified_at")
DIARY_FIELDS = ("public_id", "client_id", "mood", "text", "created_at", "created_by_id")


def public_id(seed: int, tag: str, *parts: int) -> uuid.UUID:
    """A deterministic, random-looking UUID for a row of the Python path (seed, kind, the row's identity)."""
    text = ":".join([str(seed), tag, *map(str, parts)])
    return uuid.UUID(bytes=hashlib.md5(text.encode(), usedforsecurity=False).digest())


_PRIME = 4294967291


def _mix(value: int) -> int:
    value %= _PRIME
    value = value * 1103515245 % _PRIME
    return (value ^ (value >> 13)) * 2147483629 % _PRIME


def hash31(key: int, salt: int) -> int:
    """A deterministic pseudo-random number in [0, 2**31) for ``key`` (Python path)."""
    return _mix(_mix(key) + salt * 1000003) & 0x7FFFFFFF


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunActivity:
    """What the Python path needs of one module run."""

    ordinal: int  # 0-based position of the run in this generation (the hash key)
    run_id: int
    trajectory_id: int
    client_id: int
    coach_id: int
    user_id: int | None
    thread_id: int
    started_on: datetime.date
    planned_end: datetime.date  # finished_on, or due_on while running
    cut: datetime.date | None  # the closing date when the trajectory closed while this run ran


def _local(day: datetime.date, seconds: int, zone: ZoneInfo) -> datetime.datetime:
    """Wall-clock time ``seconds`` after midnight on ``day`` (between 07:00 and 23:00: no DST gap)."""
    naive = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=seconds)
    return naive.replace(tzinfo=zone)


def sessions_rows(run: RunActivity, *, seed: int, zone: ZoneInfo) -> Iterator[tuple[Any, ...]]:
    span = (run.planned_end - run.started_on).days
    for g in range(SESSIONS_PER_RUN):
        day = run.started_on + datetime.timedelta(days=g * span // SESSIONS_PER_RUN)
        if run.cut is not None and day > run.cut:
            continue
        h = hash31(run.ordinal * 1024 + g, seed * 64 + 1)
        starts = _local(day, (9 + h // 1200 % 8) * 3600 + (h // 9600 % 4) * 900, zone)
        online = h // 3 % 100 < ONLINE_PERCENT
        parents = h // 300 % 10 < PARENTS_PER_TEN
        created_day = day - datetime.timedelta(days=min(7, (day - run.started_on).days))
        yield (
            public_id(seed, "a", run.run_id, g), run.client_id, run.trajectory_id, starts,
            starts + datetime.timedelta(minutes=45 if h % 3 == 0 else 60), "online" if online else "offline",
            "" if online else LOCATIONS[h // 30 % len(LOCATIONS)], TITLE_PARENTS if parents else TITLE_COACH,
            parents, run.coach_id, _local(created_day, 8 * 3600 + 1800, zone),
        )  # fmt: skip


def message_rows(
    run: RunActivity, *, seed: int, zone: ZoneInfo, until: datetime.datetime, pools: TokenPools
) -> Iterator[tuple[Any, ...]]:
    span = (run.planned_end - run.started_on).days
    for g in range(MESSAGES_PER_RUN):
        day = run.started_on + datetime.timedelta(days=g * span // MESSAGES_PER_RUN)
        h = hash31(run.ordinal * 1024 + g, seed * 64 + 2)
        at = _local(day, 8 * 3600 + h % 50400, zone)
        if at > until or (run.cut is not None and day > run.cut):
            continue
        youth = run.user_id is not None and g % 2 == 1 and h % 7 != 0
        pool = pools.youth_messages if youth else pools.coach_messages
        author = run.user_id if youth else run.coach_id
        body = pool[h // 7 % len(pool)]
        yield public_id(seed, "m", run.run_id, g), run.thread_id, author, body, at, at + datetime.timedelta(minutes=1)


@dataclasses.dataclass(frozen=True, kw_only=True)
class DiaryActivity:
    ordinal: int  # 0-based position of the trajectory in this generation
    trajectory_id: int
    client_id: int
    user_id: int
    first_day: datetime.date  # start of the first module
    last_day: datetime.date  # closing date, or today


def diary_rows(
    trajectory: DiaryActivity, *, seed: int, zone: ZoneInfo, until: datetime.datetime, pools: TokenPools
) -> Iterator[tuple[Any, ...]]:
    weeks = (trajectory.last_day - trajectory.first_day).days // 7 + 1
    for week in range(weeks):
        h = hash31(trajectory.ordinal * 1024 + week, seed * 64 + 3)
        day = trajectory.first_day + datetime.timedelta(days=7 * week + h % 7)
        at = _local(day, 16 * 3600 + h // 7 % 21600, zone)
        if day > trajectory.last_day or at > until:
            continue
        mood = min(5, max(1, 2 + 2 * week // weeks + MOOD_NOISE[h // 700 % 10]))
        text = pools.diary[h // 7000 % len(pools.diary)] if h // 35 % 100 < DIARY_TEXT_PERCENT else ""
        entry = public_id(seed, "d", trajectory.trajectory_id, week)
        yield entry, trajectory.client_id, mood, text, at, trajectory.user_id


# --- PostgreSQL: the same, set-based on the server --------------------------------------------------
#
# Each kind is one SELECT over temporary tables of this generation's runs (or trajectories). It is
# either inserted on the same connection (``activity_sql``: small loads, tests) or, for a big load,
# streamed: ``COPY (SELECT ...) TO STDOUT`` on a producer connection piped into ``COPY ... FROM
# STDIN`` on the loading connection (``activity_pipe``), binary, and with FREEZE when the table was
# empty: the rows need no VACUUM afterwards, and the query and the load run on two cores.
#
# Every pseudo-random number is computed once per row (OFFSET 0 keeps PostgreSQL from inlining a
# subquery and evaluating its expressions again for every reference). A public id is 8
# pseudo-random bytes followed by 8 bytes unique within the table: random-looking like a uuid4 (so
# its index behaves like the app's), unique by construction, and cheap. Columns are cast to the
# table's types (binary COPY needs them exact).

_RUNS = """
CREATE TEMPORARY TABLE synth_run AS
SELECT r.id, r.id - %(first_run)s AS k, r.trajectory_id, t.client_id, t.coach_id, c.user_id, th.id AS thread_id,
       r.started_on, COALESCE(r.finished_on, r.due_on) AS planned_end,
       CASE WHEN r.state = 'running' AND t.closed_on IS NOT NULL THEN t.closed_on END AS cut
FROM trajectories_modulerun r
JOIN trajectories_trajectory t ON t.id = r.trajectory_id
JOIN clients_client c ON c.id = t.client_id
JOIN messaging_thread th ON th.client_id = c.id AND th.kind = 'youth'
WHERE r.id >= %(first_run)s AND r.id < %(end_run)s
"""

_DIARY_TRAJECTORIES = """
CREATE TEMPORARY TABLE synth_diary AS
SELECT t.id, t.id - %(first_trajectory)s AS k, t.client_id, c.user_id, MIN(r.started_on) AS first_day,
       LEAST(COALESCE(t.closed_on, %(on)s), %(on)s) AS last_day
FROM trajectories_trajectory t
JOIN clients_client c ON c.id = t.client_id
JOIN trajectories_modulerun r ON r.trajectory_id = t.id
WHERE t.id >= %(first_trajectory)s AND t.id < %(end_trajectory)s AND c.user_id IS NOT NULL
GROUP BY t.id, c.user_id
"""

_SESSIONS = """
SELECT encode(int8send(hashint8extended(x.u, %(seed)s)) || int8send(x.u), 'hex')::uuid, x.client_id::bigint,
       x.trajectory_id::bigint, x.starts_at,
       x.starts_at + CASE WHEN x.h %% 3 = 0 THEN interval '45 minutes' ELSE interval '60 minutes' END,
       (CASE WHEN x.online THEN 'online' ELSE 'offline' END)::text,
       (CASE WHEN x.online THEN '' ELSE (%(locations)s::text[])[1 + x.h / 30 %% %(n_locations)s] END)::text,
       (CASE WHEN x.parents THEN %(title_parents)s ELSE %(title)s END)::text, x.parents, x.coach_id::bigint,
       ((x.day - LEAST(7, x.day - x.started_on)) + time '08:30') AT TIME ZONE %(zone)s
FROM (
    SELECT s.*, s.h / 3 %% 100 < %(online)s AS online, s.h / 300 %% 10 < %(parents)s AS parents,
           (s.day + ((9 + s.h / 1200 %% 8) * 3600 + s.h / 9600 %% 4 * 900) * interval '1 second')
               AT TIME ZONE %(zone)s AS starts_at
    FROM (
        SELECT r.id * 32 + g AS u, r.client_id, r.trajectory_id, r.coach_id, r.started_on,
               r.started_on + (g * (r.planned_end - r.started_on)) / %(per_run)s AS day,
               hashint8extended(r.k * 1024 + g, %(seed)s * 64 + 1) & 2147483647 AS h
        FROM synth_run r CROSS JOIN generate_series(0, %(per_run)s - 1) g
        WHERE r.cut IS NULL OR r.started_on + (g * (r.planned_end - r.started_on)) / %(per_run)s <= r.cut
        OFFSET 0
    ) s
    OFFSET 0
) x
"""

_MESSAGES = """
SELECT encode(int8send(hashint8extended(x.u, %(seed)s)) || int8send(x.u), 'hex')::uuid, x.thread_id::bigint,
       (CASE WHEN x.youth THEN x.user_id ELSE x.coach_id END)::bigint, p.body, x.at, x.at + interval '1 minute'
FROM (
    SELECT s.*, (s.day + (28800 + s.h %% 50400) * interval '1 second') AT TIME ZONE %(zone)s AS at,
           s.user_id IS NOT NULL AND s.g %% 2 = 1 AND s.h %% 7 <> 0 AS youth
    FROM (
        SELECT r.id * 32 + g AS u, g, r.thread_id, r.user_id, r.coach_id,
               r.started_on + (g * (r.planned_end - r.started_on)) / %(per_run)s AS day,
               hashint8extended(r.k * 1024 + g, %(seed)s * 64 + 2) & 2147483647 AS h
        FROM synth_run r CROSS JOIN generate_series(0, %(per_run)s - 1) g
        WHERE r.cut IS NULL OR r.started_on + (g * (r.planned_end - r.started_on)) / %(per_run)s <= r.cut
        OFFSET 0
    ) s
    OFFSET 0
) x
JOIN synth_text p ON p.i = CASE WHEN x.youth THEN x.h / 7 %% %(n_youth)s
                                ELSE %(n_youth)s + x.h / 7 %% %(n_coach)s END
WHERE x.at <= %(until)s
"""

_DIARY = """
SELECT encode(int8send(hashint8extended(x.u, %(seed)s)) || int8send(x.u), 'hex')::uuid, x.client_id::bigint,
       LEAST(5, GREATEST(1, 2 + 2 * x.w / x.weeks + (%(noise)s::int[])[1 + x.h / 700 %% 10]))::smallint,
       CASE WHEN x.h / 35 %% 100 < %(text_percent)s THEN p.body ELSE '' END, x.at, x.user_id::bigint
FROM (
    SELECT s.*, (s.day + (57600 + s.h / 7 %% 21600) * interval '1 second') AT TIME ZONE %(zone)s AS at
    FROM (
        SELECT t.*, t.first_day + (7 * t.w + t.h %% 7)::int AS day
        FROM (
            SELECT d.id * 1024 + w AS u, w, d.client_id, d.user_id, d.first_day, d.last_day,
                   (d.last_day - d.first_day) / 7 + 1 AS weeks,
                   hashint8extended(d.k * 1024 + w, %(seed)s * 64 + 3) & 2147483647 AS h
            FROM synth_diary d CROSS JOIN LATERAL generate_series(0, (d.last_day - d.first_day) / 7) w
            OFFSET 0
        ) t
        OFFSET 0
    ) s
    WHERE s.day <= s.last_day
    OFFSET 0
) x
JOIN synth_text p ON p.i = %(diary_offset)s + x.h / 7000 %% %(n_diary)s
WHERE x.at <= %(until)s
"""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Kind:
    label: str  # "app.Model"
    table: str
    fields: tuple[str, ...]  # columns, in the order of the SELECT
    select: str
    per_run: int


KINDS: dict[str, Kind] = {
    "messages": Kind(label="messaging.Message", table="messaging_message", fields=MESSAGE_FIELDS, select=_MESSAGES,
                     per_run=MESSAGES_PER_RUN),
    "sessions": Kind(label="coaching.Appointment", table="coaching_appointment", fields=APPOINTMENT_FIELDS,
                     select=_SESSIONS, per_run=SESSIONS_PER_RUN),
    "diary": Kind(label="coaching.DiaryEntry", table="coaching_diaryentry", fields=DIARY_FIELDS, select=_DIARY,
                  per_run=SESSIONS_PER_RUN),
}  # fmt: skip


def activity_params(
    *,
    seed: int,
    first_run: int,
    end_run: int,
    first_trajectory: int,
    end_trajectory: int,
    on: datetime.date,
    until: datetime.datetime,
    zone: str,
    pools: TokenPools,
) -> dict[str, Any]:
    """The parameters of the statements: which runs and trajectories, and the constants."""
    return {
        "seed": seed, "first_run": first_run, "end_run": end_run, "first_trajectory": first_trajectory,
        "end_trajectory": end_trajectory, "on": on, "until": until, "zone": zone,
        "online": ONLINE_PERCENT, "parents": PARENTS_PER_TEN, "locations": LOCATIONS, "n_locations": len(LOCATIONS),
        "title": TITLE_COACH, "title_parents": TITLE_PARENTS, "n_youth": len(pools.youth_messages),
        "n_coach": len(pools.coach_messages), "diary_offset": len(pools.youth_messages) + len(pools.coach_messages),
        "n_diary": len(pools.diary), "noise": list(MOOD_NOISE), "text_percent": DIARY_TEXT_PERCENT,
    }  # fmt: skip


def activity_prepare(cursor: Any, *, params: dict[str, Any], pools: TokenPools) -> None:
    """Temporary tables of this session (``cursor``: a Django or psycopg client-side cursor): the
    text pool, the runs and the trajectories with a diary of this generation."""
    texts = pools.youth_messages + pools.coach_messages + pools.diary
    cursor.execute("CREATE TEMPORARY TABLE synth_text (i integer PRIMARY KEY, body text NOT NULL)")
    raw = getattr(cursor, "cursor", cursor)  # Django's wrapper or psycopg's own cursor
    with raw.copy("COPY synth_text (i, body) FROM STDIN") as copy:
        for index, body in enumerate(texts):
            copy.write_row((index, body))
    cursor.execute("ANALYZE trajectories_modulerun, trajectories_trajectory, clients_client, messaging_thread")
    cursor.execute(_RUNS, params)
    cursor.execute(_DIARY_TRAJECTORIES, params)
    cursor.execute("ANALYZE synth_text, synth_run, synth_diary")


def _statement_params(kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
    return {**params, "per_run": kind.per_run}


def activity_sql(*, params: dict[str, Any], pools: TokenPools) -> dict[str, int]:
    """PostgreSQL, on this connection and inside its transaction: every kind with INSERT ... SELECT;
    returns rows inserted per model."""
    counts = {}
    with connection.cursor() as cursor:
        activity_prepare(cursor, params=params, pools=pools)
        for kind in KINDS.values():
            cursor.execute(
                f"INSERT INTO {kind.table} ({', '.join(kind.fields)}) {kind.select}", _statement_params(kind, params)
            )
            counts[kind.label] = int(cursor.rowcount)
        cursor.execute("DROP TABLE synth_run, synth_diary, synth_text")
    return counts


def activity_pipe(*, kind: Kind, producer: Any, params: dict[str, Any], freeze: bool) -> int:
    """Stream one kind from ``producer`` (a psycopg connection where ``activity_prepare`` ran) into
    its table on this connection, inside its transaction; returns the rows loaded."""
    import psycopg

    query = psycopg.ClientCursor(producer).mogrify(kind.select, _statement_params(kind, params))
    target = f"COPY {kind.table} ({', '.join(kind.fields)}) FROM STDIN (FORMAT BINARY{', FREEZE' if freeze else ''})"
    with connection.cursor() as cursor:
        with (
            producer.cursor().copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as source,
            cursor.cursor.copy(target) as sink,
        ):
            for block in source:
                sink.write(block)
        return int(cursor.cursor.rowcount)
