"""Background tasks of declarations (django.tasks). Enqueued on commit; idempotent.

The trajectory services enqueue ``care_events_sync_task`` after a module starts or finishes and
after a trajectory closes (one line, added by the trajectories owner)::

    transaction.on_commit(care_events_sync_task.enqueue)

Nothing depends on it: ``declaration_run`` and the iJw export run the same sync first.
"""

from django.tasks import task

from coachcare.declarations import services


@task()
def care_events_sync_task() -> dict[str, int]:
    """Derive the missing starts and stops of care (JW305/JW307). Running it twice creates nothing."""
    result = services.care_events_sync()
    return {"starts_created": result.starts_created, "stops_created": result.stops_created}
