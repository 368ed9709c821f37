import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.monitoring.models import Pilot
from coachcare.monitoring.services import evidence_report_build, pilot_report_build
from coachcare.municipalities.models import Municipality


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = (
        "Write the evidence report of one municipality (PDF) and its tables (CSV next to it); or, with "
        "--pilot, the report of one started pilot (a municipality's or a region's)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", help="CBS code (4 digits)")
        parser.add_argument("--from", dest="date_from", help="first closing date, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last closing date, YYYY-MM-DD")
        parser.add_argument("--pilot", type=int, help="the id of a started pilot: write that pilot's report instead")
        parser.add_argument("--out", required=True, type=Path, help="report.pdf (report.csv is written next to it)")

    def handle(
        self,
        *args: object,
        municipality: str | None,
        date_from: str | None,
        date_to: str | None,
        out: Path,
        pilot: int | None = None,
        **options: object,
    ) -> None:
        if not Path(out).parent.is_dir():
            raise CommandError(f"The folder {Path(out).parent} does not exist; nothing was written.")
        if pilot is not None:
            if municipality or date_from or date_to:
                raise CommandError("--pilot takes no --municipality, --from or --to: the pilot has its own period.")
            found_pilot = Pilot.objects.select_related("municipality", "region", "provider").filter(pk=pilot).first()
            if found_pilot is None or found_pilot.started_at is None:
                raise CommandError(f"There is no started pilot with id {pilot}.")
            report = pilot_report_build(pilot=found_pilot)
        else:
            if not (municipality and date_from and date_to):
                raise CommandError("Give --municipality, --from and --to (or --pilot).")
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
