"""`make backup` and `make restore`: a backup restored into an empty database has every record back.

Runs the real commands in subprocesses against scratch databases of the same kind as the test
run (SQLite files, or PostgreSQL databases on the same server), so nothing touches the test database.
"""

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
VENDOR = "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def manage(*args: str, database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "coachcare.conf.dev"}
    completed = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _pg_server() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
    }


def _pg_admin(sql: str) -> None:
    server = _pg_server()
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:  # type: ignore[arg-type]
        conn.execute(sql)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases: (source URL, restore target URL)."""
    if VENDOR == "sqlite":
        yield f"sqlite:///{tmp_path / 'source.sqlite3'}", f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    names = [f"cc_backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("source", "restored")]
    for name in names:
        _pg_admin(f'CREATE DATABASE "{name}"')
    server = _pg_server()
    base = f"postgres://{server['user']}@{server['host']}:{server['port']}"
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        for name in names:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_counts(database_url: str) -> dict[str, int]:
    if database_url.startswith("sqlite:///"):
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
        finally:
            conn.close()
    with psycopg.connect(database_url) as pg:
        tables = [row[0] for row in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {table: pg.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # type: ignore[index]


def test_backup_then_restore_finds_every_record_back(scratch: tuple[str, str], tmp_path: Path) -> None:
    source, target = scratch
    manage("migrate", "--noinput", database_url=source)
    manage("seed_demo", "--history", "0", database_url=source)
    before = table_counts(source)
    assert before["clients_client"] > 0 and before["audit_accesslogentry"] > 0

    backup = tmp_path / "coachcare.backup"
    assert "written to" in manage("backup", "--out", str(backup), database_url=source)
    assert backup.stat().st_size > 0

    manage("restore", str(backup), "--yes", database_url=target)
    assert table_counts(target) == before
