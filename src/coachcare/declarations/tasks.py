"""Background tasks of declarations (django.tasks). Enqueued on commit; idempotent.

The trajectory services enqueue ``care_events_sync_task`` after a module starts or finishes and
after a trajectory closes (one line, added by the trajectories owner)::

    transaction.on_commit(care_events_sync_task.enqueue)

Nothing depends on it: ``declaration_run`` and the iJw export run the same sync first.

``declaration_run_all_task`` runs the monthly declaration in the task worker. A worker killed half-way
leaves the task RUNNING; ``manage.py tasks_requeue_stale`` (run at every worker start by
``scripts/task-worker.sh``) puts it back, and the re-run declares only what is not declared yet:
every municipality commits on its own and a module run has at most one declaration line.
"""

from django.tasks import task

from coachcare.declarations import services


@task()
def care_events_sync_task() -> dict[str, int]:
    """Derive the missing starts and stops of care (JW305/JW307). Running it twice creates nothing."""
    result = services.care_events_sync()
    return {"starts_created": result.starts_created, "stops_created": result.stops_created}


@task()
def declaration_run_all_task(period: str) -> dict[str, int]:
    """``declaration_run_all`` for ``period`` (YYYY-MM). Idempotent: a re-run declares only what is new."""
    results = services.declaration_run_all(period=period, actor=None)
    return {
        "municipalities": len(results),
        "declarations": sum(len(result.declarations) for result in results),
        "lines_created": sum(result.lines_created for result in results),
        "refusals": sum(len(result.refusals) for result in results),
        "awaiting": sum(len(result.awaiting) for result in results),
    }
