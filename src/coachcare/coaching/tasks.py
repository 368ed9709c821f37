"""Background tasks of the portal (django.tasks): the daily "something is waiting for you" reminder.

django.tasks has no periodic scheduler. ``reminders_send_task`` queues its own next run (the next
day, with ``run_after``) before it does the work, and ``manage.py reminders_schedule`` (run at every
start of production, scripts/serve-prod.sh) makes sure one run is queued. Both go through
``coaching.services.reminders_schedule``, which leaves a run already waiting alone. Without a task
worker, run ``manage.py reminders_send`` daily from cron instead (docs/operations.md).
"""

import io
from typing import Any

from django.core.management import call_command
from django.tasks import task

from coachcare.coaching import services


@task()
def reminders_send_task(on: str) -> dict[str, Any]:
    """Queue tomorrow's run, then send today's reminders through ``manage.py reminders_send``.
    Idempotent: a person is reminded at most once a week however often this runs."""
    services.reminders_schedule()
    out = io.StringIO()
    call_command("reminders_send", on=on, stdout=out)
    return {"on": on, "summary": out.getvalue().strip()}


@task()
def appointment_notify_task(appointment_id: int, sequence: int) -> int:
    """Tell the young person (and invited parents) that an appointment was moved or cancelled,
    without content. Idempotent: once per change (``Appointment.notified_sequence``)."""
    return services.appointment_notify(appointment_id=appointment_id, sequence=sequence)
