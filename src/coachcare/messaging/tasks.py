"""Background tasks of messaging (django.tasks). Enqueued on commit; idempotent."""

from django.tasks import task

from coachcare.messaging import services


@task()
def message_notify_task(message_id: int) -> int:
    """Tell the other participants by e-mail that there is a new message (never its content)."""
    return services.message_notify(message_id=message_id)
