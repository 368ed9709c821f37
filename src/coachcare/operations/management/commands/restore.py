from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.operations.services import BackupError, database_restore


class Command(BaseCommand):
    help = "Replace the database's contents with a backup. Stop app servers and task workers first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup_file", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: object, backup_file: Path, yes: bool = False, **options: object) -> None:
        if not yes:
            answer = input(f"This replaces everything in the database with {backup_file}. Type 'restore': ")
            if answer.strip() != "restore":
                raise CommandError("Nothing restored.")
        try:
            database_restore(path=backup_file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {backup_file}.")
