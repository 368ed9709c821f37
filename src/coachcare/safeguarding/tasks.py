"""Background tasks of safeguarding (django.tasks). Enqueued on commit; idempotent."""

from django.tasks import task

from coachcare.safeguarding import services


@task()
def handoff_notify_task(notice_id: int) -> int:
    """Tell the municipality's access team of a warm hand-off (never clinical content)."""
    return services.handoff_notify(notice_id=notice_id)


@task()
def regisseur_notify_task(notice_id: int) -> int:
    """Tell the trajectory's regisseur of a step up or closure (never content)."""
    return services.regisseur_notify(notice_id=notice_id)
