import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.audit.services import AccessPoint
from coachcare.ijw.services import IjwRejected, month_bounds
from coachcare.ijw.system_log import ijw_export_logged
from coachcare.municipalities.models import Municipality


class Command(BaseCommand):
    help = (
        "Write the provider's outgoing iJw messages for one municipality and month as XML files. Every client "
        "in the files gets an EXPORT entry in the access log (who: system, on behalf of the OS user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="CBS code (4 digits)")
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument(
            "--out",
            required=True,
            type=Path,
            help="directory for the files, which carry BSNs: created (or made) 0700, files written 0600",
        )

    def handle(self, *args: object, municipality: str, period: str, out: Path, **options: object) -> None:
        found = Municipality.objects.filter(code=municipality).first()
        if found is None:
            raise CommandError(f"There is no municipality with code {municipality}.")
        try:
            month_bounds(period)
        except ValueError:
            raise CommandError("--period must be a month: YYYY-MM.") from None
        try:
            result = ijw_export_logged(
                municipality=found, period=period, out_dir=Path(out), access_point=AccessPoint.system("ijw_export")
            )
        except IjwRejected as rejected:
            for violation in rejected.violations:
                self.stdout.write(str(violation))
            self.stderr.write("nothing exported")
            sys.exit(1)
        for path in result.files:
            self.stdout.write(str(path))
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(f"{len(result.files)} file(s) written")
