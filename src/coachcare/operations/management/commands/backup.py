from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from coachcare.operations.services import BackupError, database_backup


class Command(BaseCommand):
    help = "Back up the configured database (PostgreSQL: pg_dump custom format; SQLite: online backup)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="backup file (default: var/backups/coachcare-<time>.backup)")

    def handle(self, *args: object, out: Path | None = None, **options: object) -> None:
        path = out or Path("var/backups") / f"coachcare-{timezone.now():%Y%m%dT%H%M%S}.backup"
        try:
            result = database_backup(path=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup of the {result.vendor} database written to {result.path} ({result.size} bytes).")
