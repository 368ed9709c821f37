from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from coachcare.monitoring.models import Pilot
from coachcare.monitoring.services import ComparisonImportError, pilot_comparison_import


class Command(BaseCommand):
    help = (
        "Import the usual-care comparison group of a pilot from a pseudonymised CSV file (columns "
        "start,end,end_reason,product_category,cost; docs/pilots.md). All or nothing: every problem is "
        "listed by line and column and nothing is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file (UTF-8)")
        parser.add_argument("--pilot", required=True, type=int, help="the pilot's id")

    def handle(self, *args: object, file: Path, pilot: int, **options: object) -> None:
        found = Pilot.objects.filter(pk=pilot).first()
        if found is None:
            raise CommandError(f"There is no pilot with id {pilot}.")
        if not file.is_file():
            raise CommandError(f"There is no file {file}.")
        try:
            with translation.override("en"):  # the operator's output stays English; the page shows Dutch
                count = pilot_comparison_import(pilot=found, data=file.read_bytes())
        except ComparisonImportError as error:
            for line, column, message in error.problems:
                self.stderr.write(f"line {line}, column {column}: {message}")
            raise CommandError(f"{len(error.problems)} problem(s) in {file}; nothing was imported.") from None
        self.stdout.write(f"{count} comparison trajectories imported for pilot {found.pk} ({found.name}).")
