"""``manage.py reminders_schedule``: make sure the daily reminder task is queued (idempotent).

Run at every start of production (scripts/serve-prod.sh), next to ``manage.py db_worker``.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coachcare.coaching.services import reminders_schedule


class Command(BaseCommand):
    help = "Queue the daily 'something is waiting for you' reminder task unless a run is already queued."

    def handle(self, *args: object, **options: object) -> None:
        try:
            task_id, run_after = reminders_schedule()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"reminders queued for {timezone.localtime(run_after):%Y-%m-%d %H:%M %Z} (task {task_id})")
