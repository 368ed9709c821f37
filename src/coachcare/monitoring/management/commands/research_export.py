from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.monitoring.services import research_export_to
from coachcare.municipalities.models import Municipality


class Command(BaseCommand):
    help = (
        "Write the pseudonymised research export (CSV, one row per trajectory; keyed pseudonyms with "
        "COACHCARE_RESEARCH_KEY). Every exported young person gets an EXPORT entry in the access log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="CSV file to write")
        parser.add_argument("--municipality", help="CBS code (4 digits); default: every municipality")

    def handle(self, *args: object, out: Path, municipality: str | None = None, **options: object) -> None:
        if not Path(out).parent.is_dir():
            raise CommandError(f"The folder {Path(out).parent} does not exist; nothing was written.")
        found = None
        if municipality:
            found = Municipality.objects.filter(code=municipality).first()
            if found is None:
                raise CommandError(f"There is no municipality with code {municipality}.")
        try:
            rows = research_export_to(Path(out), municipality=found)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{rows} trajectories written to {out}")
