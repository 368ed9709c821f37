"""Background tasks of trajectories (django.tasks). Enqueued on commit; idempotent."""

from django.tasks import task

from coachcare.trajectories import services


@task()
def follow_up_due_task(follow_up_id: int) -> bool:
    """A follow-up contact (6 or 12 months after closure) falls due: put it on the coach's list."""
    return services.follow_up_mark_due(follow_up_id=follow_up_id)
