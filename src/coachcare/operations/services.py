"""Backups and restores of the configured database: pg_dump/pg_restore for PostgreSQL, the SQLite
online backup API for SQLite. A backup is one file; a restore replaces the database's contents.
"""

import dataclasses
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections


class BackupError(Exception):
    """A backup or restore could not be made; the message says why."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class BackupResult:
    path: Path
    vendor: str
    size: int


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def _pg_args(settings_dict: dict[str, Any]) -> list[str]:
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    return args


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def database_backup(*, path: Path, alias: str = "default") -> BackupResult:
    """Write a consistent backup of the database to ``path`` (the database stays in use)."""
    connection = connections[alias]
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        settings_dict = connection.settings_dict
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path)]
        command += [*_pg_args(settings_dict), str(settings_dict["NAME"])]
        completed = subprocess.run(command, env=_pg_env(settings_dict), capture_output=True, text=True, check=False)  # noqa: S603
        if completed.returncode != 0:
            raise BackupError(f"pg_dump failed: {completed.stderr.strip()}")
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
    return BackupResult(path=path, vendor=connection.vendor, size=path.stat().st_size)


def database_restore(*, path: Path, alias: str = "default", database_name: str | None = None) -> None:
    """Replace the contents of the database (or of ``database_name`` on the same PostgreSQL server)
    with the backup at ``path``. Stop the app servers and task workers first."""
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    connection = connections[alias]
    if connection.vendor == "postgresql":
        settings_dict = connection.settings_dict
        command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        command += [*_pg_args(settings_dict), "--dbname", database_name or str(settings_dict["NAME"]), str(path)]
        completed = subprocess.run(command, env=_pg_env(settings_dict), capture_output=True, text=True, check=False)  # noqa: S603
        if completed.returncode != 0:
            raise BackupError(f"pg_restore failed: {completed.stderr.strip()}")
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(path)
        try:
            if database_name:
                target = sqlite3.connect(database_name)
                try:
                    source.backup(target)
                finally:
                    target.close()
            else:
                connection.ensure_connection()
                source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise BackupError(f"Restores of {connection.vendor} databases are not supported.")
