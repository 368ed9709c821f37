"""Background tasks of safeguarding (django.tasks). Enqueued on commit; idempotent."""

from django.tasks import task

from coachcare.safeguarding import services


@task()
def handoff_notify_task(notice_id: int) -> int:
    """Tell the municipality's access team of a warm hand-off (never clinical content)."""
    return services.handoff_notify(notice_id=notice_id)
