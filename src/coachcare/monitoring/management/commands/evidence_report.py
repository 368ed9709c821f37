import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.monitoring.services import evidence_report_build
from coachcare.municipalities.models import Municipality


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Write the evidence report of one municipality (PDF) and its tables (CSV next to it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="CBS code (4 digits)")
        parser.add_argument("--from", dest="date_from", required=True, help="first closing date, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last closing date, YYYY-MM-DD")
        parser.add_argument("--out", required=True, type=Path, help="report.pdf (report.csv is written next to it)")

    def handle(
        self, *args: object, municipality: str, date_from: str, date_to: str, out: Path, **options: object
    ) -> None:
        if not Path(out).parent.is_dir():
            raise CommandError(f"The folder {Path(out).parent} does not exist; nothing was written.")
        found = Municipality.objects.filter(code=municipality).first()
        if found is None:
            raise CommandError(f"There is no municipality with code {municipality}.")
        start, end = _date(date_from), _date(date_to)
        if end < start:
            raise CommandError("--to cannot be before --from.")
        report = evidence_report_build(municipality=found, date_from=start, date_to=end)
        out = Path(out)
        out.write_bytes(report.pdf)
        csv_path = out.with_suffix(".csv")
        csv_path.write_text(report.csv, encoding="utf-8")
        self.stdout.write(f"{out}\n{csv_path}")
