"""Tasks of a worker that died are requeued once they have been RUNNING too long (tasks_requeue_stale)."""

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from coachcare.operations.taskqueue import WORKER_LOST, tasks_requeue_stale

pytestmark = pytest.mark.django_db

TASK = "coachcare.declarations.tasks.declaration_run_all_task"


def _task(*, status: str, started_minutes_ago: int | None, workers: int) -> DBTaskResult[Any, Any]:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": ["2025-06"], "kwargs": {}},
        task_path=TASK,
        backend_name="default",
        run_after=get_date_max(),
        started_at=None if started_minutes_ago is None else now - datetime.timedelta(minutes=started_minutes_ago),
        worker_ids=[f"worker-{n}" for n in range(workers)],
        exception_class_path="",
        traceback="",
    )


def test_only_tasks_running_longer_than_the_timeout_are_requeued() -> None:
    dead = _task(status=TaskResultStatus.RUNNING, started_minutes_ago=30, workers=1)
    busy = _task(status=TaskResultStatus.RUNNING, started_minutes_ago=2, workers=1)
    waiting = _task(status=TaskResultStatus.READY, started_minutes_ago=None, workers=0)
    done = _task(status=TaskResultStatus.SUCCESSFUL, started_minutes_ago=60, workers=1)

    result = tasks_requeue_stale(stale_after=datetime.timedelta(minutes=15))

    assert result.requeued == [str(dead.pk)]
    assert result.failed == []
    dead.refresh_from_db()
    assert (dead.status, dead.started_at, dead.worker_ids) == (TaskResultStatus.READY, None, ["worker-0"])
    assert DBTaskResult.objects.ready().filter(pk=dead.pk).exists()  # a worker picks it up again
    for untouched, status in ((busy, "RUNNING"), (waiting, "READY"), (done, "SUCCESSFUL")):
        untouched.refresh_from_db()
        assert untouched.status == status


def test_requeueing_twice_changes_nothing_more() -> None:
    _task(status=TaskResultStatus.RUNNING, started_minutes_ago=30, workers=1)
    assert len(tasks_requeue_stale().requeued) == 1
    again = tasks_requeue_stale()
    assert (again.requeued, again.failed) == ([], [])


def test_a_task_that_lost_too_many_workers_is_given_up() -> None:
    poison = _task(status=TaskResultStatus.RUNNING, started_minutes_ago=30, workers=3)
    result = tasks_requeue_stale(max_attempts=3)
    assert result.failed == [str(poison.pk)]
    poison.refresh_from_db()
    assert poison.status == TaskResultStatus.FAILED
    assert poison.exception_class_path == WORKER_LOST
    assert poison.finished_at is not None
    assert "given up after 3 attempts" in poison.traceback


def test_the_command_reports_what_it_did() -> None:
    _task(status=TaskResultStatus.RUNNING, started_minutes_ago=5, workers=1)
    out = StringIO()
    call_command("tasks_requeue_stale", "--older-than", "60", stdout=out)
    assert "Stale tasks: 1 requeued, 0 given up." in out.getvalue()
    out = StringIO()
    call_command("tasks_requeue_stale", stdout=out)  # default 15 minutes: nothing (left) to do
    assert "Stale tasks: 0 requeued, 0 given up." in out.getvalue()
