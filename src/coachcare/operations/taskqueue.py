"""Recovery of background tasks whose worker died (django-tasks-db).

A ``db_worker`` marks a task RUNNING when it claims it and SUCCESSFUL or FAILED when it ends. A
worker killed half-way (SIGKILL, out of memory, a machine that disappears) never gets there: the
task stays RUNNING for ever and no worker picks it up again. ``tasks_requeue_stale`` puts such tasks
back to READY once they have been RUNNING longer than a timeout that is longer than any task runs,
so the next worker runs them again. Every coachcare task is idempotent (a re-run does only what is
not done yet), so running one twice is safe; a task that already lost ``max_attempts`` workers is
marked FAILED instead, so a task that kills its worker cannot loop for ever.

``scripts/task-worker.sh`` runs this before every worker start; a deployment with long-lived
workers also runs ``manage.py tasks_requeue_stale`` every few minutes (cron, systemd timer).
"""

import dataclasses
import datetime

from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

#: Longer than any task runs (the national monthly declaration run takes about a minute).
DEFAULT_STALE_AFTER = datetime.timedelta(minutes=15)
#: Workers a task may lose before it is given up (FAILED) instead of requeued.
DEFAULT_MAX_ATTEMPTS = 3
WORKER_LOST = "coachcare.operations.taskqueue.WorkerLost"


class WorkerLost(Exception):
    """The worker running the task stopped without recording an outcome."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RequeueResult:
    requeued: list[str]
    failed: list[str]


def tasks_requeue_stale(
    *,
    stale_after: datetime.timedelta = DEFAULT_STALE_AFTER,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    now: datetime.datetime | None = None,
) -> RequeueResult:
    """Requeue (READY) the tasks RUNNING since before ``now - stale_after``; give up (FAILED) those
    already tried by ``max_attempts`` workers. Idempotent: a second call finds nothing to do."""
    cutoff = (now or timezone.now()) - stale_after
    requeued: list[str] = []
    failed: list[str] = []
    with transaction.atomic():
        stale = list(
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
            .only("id", "worker_ids", "task_path")
        )
        for result in stale:
            running = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING)
            attempts = len(result.worker_ids or [])
            if attempts >= max_attempts:
                running.update(
                    status=TaskResultStatus.FAILED,
                    finished_at=timezone.now(),
                    exception_class_path=WORKER_LOST,
                    traceback=f"{WORKER_LOST}: the worker stopped during attempt {attempts} of {result.task_path}; "
                    f"given up after {max_attempts} attempts.\n",
                )
                failed.append(str(result.pk))
            else:
                running.update(status=TaskResultStatus.READY, started_at=None)
                requeued.append(str(result.pk))
    return RequeueResult(requeued=requeued, failed=failed)
