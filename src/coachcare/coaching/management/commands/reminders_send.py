"""``manage.py reminders_send``: the content-free "something is waiting for you" e-mail.

Run daily (``coaching.tasks.reminders_send_task`` calls this command; or cron, docs/operations.md).
Idempotent: each person gets it at most once a week, so a second run on a day sends nothing.
"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.coaching.services import reminders_send
from coachcare.core.dates import today


class Command(BaseCommand):
    help = (
        "E-mail young people and parents whose oldest waiting item (consent, plan, questionnaire, feedback, "
        "messages) is 3 days old, at most once a week. The e-mail says only that something is waiting."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="the day to run for (YYYY-MM-DD; default today)")
        parser.add_argument("--dry-run", action="store_true", help="count who would get an e-mail; send nothing")

    def handle(self, *args: object, **options: Any) -> None:
        on = today()
        if options.get("on"):
            try:
                on = datetime.date.fromisoformat(options["on"])
            except ValueError:
                raise CommandError(f"--on: not a date (YYYY-MM-DD): {options['on']!r}") from None
        result = reminders_send(on=on, dry_run=bool(options.get("dry_run")))
        verb = "would be reminded" if result.dry_run else "reminded"
        self.stdout.write(
            f"{on.isoformat()}: {result.checked} young people and parents checked, {result.sent} {verb}, "
            f"{result.failed} e-mail(s) refused"
        )
        if result.failed:
            raise CommandError(f"{result.failed} reminder e-mail(s) refused by the mail server; run again later")
