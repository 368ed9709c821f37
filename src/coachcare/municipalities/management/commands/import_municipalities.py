from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.municipalities.services import municipalities_import_csv


class Command(BaseCommand):
    help = "Import the CBS municipality list from a CSV file (columns: code and name; ',' or ';')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args: object, csv_file: Path, **options: object) -> None:
        try:
            text = csv_file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {csv_file}: {exc.strerror}") from exc
        try:
            result = municipalities_import_csv(text=text)
        except ValidationError as exc:
            raise CommandError("Nothing imported:\n" + "\n".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Municipalities: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."
            )
        )
