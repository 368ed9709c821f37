import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.audit.services import AccessPoint
from coachcare.core.dates import month_bounds
from coachcare.ijw.services import ijw_export
from coachcare.municipalities.models import Municipality

#: Exit code when some messages were held (the others are written): 0 = all written, 1 = bad arguments.
HELD_EXIT_CODE = 2


class Command(BaseCommand):
    help = (
        "Write the provider's outgoing iJw messages for one municipality and month as XML files, each "
        "validated on its own: a message that breaks a rule is held (worklist) and the rest is written; "
        "prints 'N written, M held' and one line per rule of a held message; exit 2 when any is held. Every "
        "client in the files gets an EXPORT entry in the access log (who: system, on behalf of the OS user)."
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
        result = ijw_export(
            municipality=found, period=period, out_dir=Path(out), access_point=AccessPoint.system("ijw_export")
        )
        for path in result.files:
            self.stdout.write(str(path))
        for note in result.notes:
            self.stdout.write(note)
        for held in result.held:
            clients = ", ".join(held.client_public_ids) or "-"
            for violation in held.violations:
                # rule code and path only: the rule's text may quote a value (a BSN)
                self.stdout.write(f"held {held.name} (client {clients}): {violation.rule} {violation.path}")
        self.stdout.write(f"{len(result.files)} written, {len(result.held)} held")
        if result.held:
            sys.exit(HELD_EXIT_CODE)
