"""``manage.py retention_apply [--dry-run] [--on YYYY-MM-DD]``: the retention job (Jeugdwet 7.3.8) once.

For cron or a systemd timer where no task worker runs; with a worker the daily task does the same
(``manage.py retention_schedule``). Exit status 1 when a file could not be destroyed.
"""

import datetime
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.audit.services import AccessPoint
from coachcare.core.dates import today
from coachcare.privacy.services import retention_apply


class Command(BaseCommand):
    help = (
        "Destroy the clinical content of every file whose retention period (20 years after the end of care, "
        "Jeugdwet 7.3.8) has ended, unless a retention hold runs; report overdue destruction requests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count what would be destroyed")
        parser.add_argument(
            "--on", type=datetime.date.fromisoformat, help="the day to apply the rules for (YYYY-MM-DD; default today)"
        )

    def handle(self, *args: object, dry_run: bool = False, on: datetime.date | None = None, **options: object) -> None:
        if on is not None and on > today() and not dry_run:
            raise CommandError("A day after today destroys files too early: use it with --dry-run only.")
        result = retention_apply(on=on, dry_run=dry_run, access_point=AccessPoint.system("retention_apply"))
        verb = "would be destroyed" if dry_run else "destroyed"
        count = result.clients_due if dry_run else result.clients_destroyed
        self.stdout.write(
            f"{result.on}: care ended on or before {result.cutoff}; {count} file(s) {verb}; "
            f"{result.clients_held} kept longer under a retention hold."
        )
        for category, rows in sorted(result.categories.items()):
            self.stdout.write(f"  {category}: {rows}")
        if result.overdue_requests:
            self.stdout.write(
                f"{len(result.overdue_requests)} destruction request(s) passed their three-month deadline "
                "without a decision; the team lead must execute or refuse them:"
            )
            for public_id in result.overdue_requests:
                self.stdout.write(f"  request {public_id}")
        if result.failed:
            for public_id in result.failed:
                self.stderr.write(f"file {public_id} could not be destroyed (see the log); tried again next run")
            sys.exit(1)
