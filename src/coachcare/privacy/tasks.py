"""Background tasks of privacy (django.tasks): the daily retention job (Jeugdwet 7.3.8).

django.tasks has no periodic scheduler. ``retention_apply_task`` queues its own next run (for the
next day, with ``run_after``) before it does the work, and ``manage.py retention_schedule`` (run at
every start of production, see scripts/serve-prod.sh) makes sure one run is queued. Both go through
``privacy.services.retention_schedule``, which never queues two copies. Without a task worker, run
``manage.py retention_apply`` daily from cron or a systemd timer instead (docs/operations.md).
"""

import datetime
from typing import Any

from django.tasks import task

from coachcare.audit.services import AccessPoint, Channel
from coachcare.privacy import services


@task()
def retention_apply_task(run_on: str) -> dict[str, Any]:
    """Apply the retention rules for today; ``run_on`` (ISO date) names the scheduled run. Idempotent."""
    result = services.retention_run_scheduled(
        run_on=datetime.date.fromisoformat(run_on),
        access_point=AccessPoint.system("retention_apply_task", channel=Channel.TASK),
    )
    return result.as_dict()
