"""``manage.py retention_schedule``: make sure the daily retention task is queued (idempotent).

Run at every start of production (scripts/serve-prod.sh), next to ``manage.py db_worker``.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coachcare.privacy.services import retention_schedule


class Command(BaseCommand):
    help = "Queue the daily retention task (Jeugdwet 7.3.8) unless a run is already queued."

    def handle(self, *args: object, **options: object) -> None:
        try:
            run = retention_schedule()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        when = timezone.localtime(run.run_after)
        self.stdout.write(f"retention job queued for {when:%Y-%m-%d %H:%M %Z} (task {run.task_id})")
