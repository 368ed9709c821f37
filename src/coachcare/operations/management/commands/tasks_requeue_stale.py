"""``manage.py tasks_requeue_stale [--older-than SECONDS] [--max-attempts N]``: recover tasks of dead workers."""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.operations.taskqueue import DEFAULT_MAX_ATTEMPTS, DEFAULT_STALE_AFTER, tasks_requeue_stale


class Command(BaseCommand):
    help = (
        "Put background tasks that have been RUNNING longer than --older-than seconds (their worker died) "
        "back in the queue; give up those that already lost --max-attempts workers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(DEFAULT_STALE_AFTER.total_seconds()),
            help="seconds a task must have been running; longer than any task runs (default: %(default)s)",
        )
        parser.add_argument("--max-attempts", type=int, default=DEFAULT_MAX_ATTEMPTS, help="default: %(default)s")

    def handle(self, *args: object, older_than: int, max_attempts: int, **options: object) -> None:
        if older_than < 0 or max_attempts < 1:
            raise CommandError("--older-than must be 0 or more and --max-attempts 1 or more.")
        result = tasks_requeue_stale(stale_after=datetime.timedelta(seconds=older_than), max_attempts=max_attempts)
        for task_id in result.requeued:
            self.stdout.write(f"requeued task {task_id}")
        for task_id in result.failed:
            self.stdout.write(f"gave up task {task_id} (lost {max_attempts} workers)")
        self.stdout.write(f"Stale tasks: {len(result.requeued)} requeued, {len(result.failed)} given up.")
