"""Data rights: "download my data" (an export of the whole file as far as the requester may see
it), destruction of the file on request (Jeugdwet 7.3.9) and at the end of the retention period
(Jeugdwet 7.3.8: the daily retention job, its holds and its schedule).

Rules live here and in ``coachcare.access.policy``; the views, commands and tasks only call these
functions. Both kinds of destruction go through the one deletion path ``_content_destroy``.
"""

import dataclasses
import datetime
import logging
from typing import Any
from uuid import UUID

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.tasks import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import (
    SYSTEM_ROLE,
    SYSTEM_USERNAME,
    AccessPoint,
    Event,
    access_log_record,
    access_log_record_system,
)
from coachcare.clients.models import Client
from coachcare.core.dates import add_months, age_on, today
from coachcare.privacy.models import DestructionRecord, DestructionRequest, RetentionHold, RetentionRun
from coachcare.privacy.registry import CLIENT_CONTENT_DESTROYERS, sections_for
from coachcare.privacy.selectors import destruction_requests_overdue, retention_cutoff, retention_due_clients

logger = logging.getLogger(__name__)

#: Jeugdwet 7.3.9: the provider destroys the file within three months of the request.
DESTRUCTION_MONTHS = 3


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExportSection:
    key: str
    title: str
    rows: list[dict[str, Any]]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientDataExport:
    client: Client
    requested_by: User
    generated_at: datetime.datetime
    sections: list[ExportSection]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": "coachcare-client-data/1",
            "client": str(self.client.public_id),
            "generated_at": self.generated_at,
            "requested_by": {"username": self.requested_by.get_username(), "role": self.requested_by.role},
            "sections": [
                {"key": section.key, "title": section.title, "rows": section.rows} for section in self.sections
            ],
        }


def client_data_export(*, actor: User, client: Client, access_point: AccessPoint) -> ClientDataExport:
    """Everything the file holds about the young person that ``actor`` may see today.

    Only the young person, or a parent while the policy gives them the clinical file that day.
    The export itself is written to the access log (event EXPORT).
    """
    if not policy.can_export_client_data(actor, client):
        raise policy.AccessDenied(_("You cannot download this file."))
    sections = []
    for key, function in sections_for(actor):
        result = function(client, actor)
        if result is not None:
            title, rows = result
            sections.append(ExportSection(key=key, title=str(title), rows=rows))
    access_log_record(
        actor=actor,
        event=Event.EXPORT,
        action="privacy.export",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return ClientDataExport(client=client, requested_by=actor, generated_at=timezone.now(), sections=sections)


def destruction_request_create(*, actor: User, client: Client, access_point: AccessPoint) -> DestructionRequest:
    """The young person asks for their file to be destroyed; the provider has three months."""
    if not policy.can_request_destruction(actor, client):
        raise policy.AccessDenied(_("Only the young person can ask for their own file to be destroyed."))
    age = age_on(client.birth_date, today())
    if age < policy.AGE_DESTRUCTION_REQUEST:
        raise ValidationError(
            _(
                "A child under 12 cannot ask for their file to be destroyed (Jeugdwet article 7.3.9). "
                "Talk to your coach or your parents about it."
            ),
            code="too_young",
        )
    if DestructionRequest.objects.filter(
        client_public_id=client.public_id, status=DestructionRequest.Status.OPEN
    ).exists():
        raise ValidationError(_("You have already asked for this. Your request is being handled."), code="open")
    now = timezone.now()
    try:
        with transaction.atomic():
            request = DestructionRequest.objects.create(
                client_public_id=client.public_id,
                requested_by_user_id=actor.pk,
                requested_by_username=actor.get_username(),
                requested_by_role=actor.role,
                requested_at=now,
                deadline=add_months(timezone.localdate(now), DESTRUCTION_MONTHS),
            )
            access_log_record(
                actor=actor,
                event=Event.CREATE,
                action="privacy.destruction_request",
                client_ids=[client.public_id],
                access_point=access_point,
            )
    except IntegrityError as exc:  # a second request at the same moment
        raise ValidationError(
            _("You have already asked for this. Your request is being handled."), code="open"
        ) from exc
    return request


def _client_of(request: DestructionRequest) -> Client:
    client = Client.objects.filter(public_id=request.client_public_id).first()
    if client is None:
        raise ValidationError(_("This file no longer exists."))
    return client


def _open_locked(request: DestructionRequest) -> DestructionRequest:
    locked = DestructionRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != DestructionRequest.Status.OPEN:
        raise ValidationError(_("This request has already been handled."))
    return locked


def _content_destroy(
    *,
    client: Client,
    reason: str,
    request: DestructionRequest | None,
    executed_by_username: str,
    executed_by_role: str,
    end_of_care: datetime.date | None = None,
) -> DestructionRecord:
    """The one deletion path: every registered destroyer, then the content-free record.

    Used by a destruction on request and by the retention job alike; runs inside the caller's
    transaction. An open ``request`` is closed as done by this destruction.
    """
    categories: dict[str, int] = {}
    for destroyer in CLIENT_CONTENT_DESTROYERS:
        for category, count in destroyer.function(client).items():
            categories[category] = categories.get(category, 0) + count
    now = timezone.now()
    record = DestructionRecord.objects.create(
        reason=reason,
        request=request,
        client_public_id=client.public_id,
        requested_by_username=request.requested_by_username if request else "",
        requested_by_role=request.requested_by_role if request else "",
        requested_at=request.requested_at if request else None,
        end_of_care=end_of_care,
        executed_by_username=executed_by_username,
        executed_by_role=executed_by_role,
        executed_at=now,
        categories=categories,
    )
    if request is not None:
        DestructionRequest.objects.filter(pk=request.pk).update(
            status=DestructionRequest.Status.DONE,
            decided_by_username=executed_by_username,
            decided_by_role=executed_by_role,
            decided_at=now,
            done_at=now,
        )
    return record


def destruction_execute(*, actor: User, request: DestructionRequest, access_point: AccessPoint) -> DestructionRecord:
    """Really delete the clinical content of the client's file, across every registered app.

    What stays, and why (docs/data-rights.md): the administrative minimum (the client row with name,
    date of birth and BSN, trajectories with their dates and status, module runs, allocations and
    declarations: the municipality's financial records and iJw messages need them), the NEN 7513
    access log (append-only, no content) and this record (categories and counts, no content).
    """
    client = _client_of(request)
    if not policy.can_decide_destruction(actor, client):
        raise policy.Refused(_("Only the team lead of this young person's team can do this."))
    with transaction.atomic():
        locked = _open_locked(request)
        record = _content_destroy(
            client=client,
            reason=DestructionRecord.Reason.REQUEST,
            request=locked,
            executed_by_username=actor.get_username(),
            executed_by_role=actor.role,
        )
        access_log_record(
            actor=actor,
            event=Event.DELETE,
            action="privacy.destruction",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    request.refresh_from_db()
    return record


def destruction_refuse(
    *, actor: User, request: DestructionRequest, reason: str, access_point: AccessPoint
) -> DestructionRequest:
    """Refuse a request: only with a reason (a legal provision, or another person's substantial interest)."""
    client = _client_of(request)
    if not policy.can_decide_destruction(actor, client):
        raise policy.Refused(_("Only the team lead of this young person's team can do this."))
    if not reason.strip():
        raise ValidationError(
            {
                "reason": [
                    _(
                        "Give the reason for refusing: the legal provision, or the substantial interest of "
                        "another person, that stands in the way."
                    )
                ]
            }
        )
    with transaction.atomic():
        locked = _open_locked(request)
        locked.status = DestructionRequest.Status.REFUSED
        locked.decided_by_username = actor.get_username()
        locked.decided_by_role = actor.role
        locked.decided_at = timezone.now()
        locked.decision_reason = reason.strip()
        locked.save(update_fields=["status", "decided_by_username", "decided_by_role", "decided_at", "decision_reason"])
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="privacy.destruction_refused",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return locked


# --- retention (Jeugdwet 7.3.8): the daily job -------------------------------------------------------

#: Files handled per query of the retention job: memory stays flat whatever the size of the database.
RETENTION_BATCH_SIZE = 200
#: Local time of the daily run of ``privacy.tasks.retention_apply_task``.
RETENTION_RUN_TIME = datetime.time(3, 0)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RetentionResult:
    """What one run of the retention job did (or, in a dry run, would do): counts, no content."""

    on: datetime.date
    cutoff: datetime.date
    dry_run: bool
    #: files whose retention period ended (in a dry run: that would be destroyed)
    clients_due: int
    clients_destroyed: int
    #: files that would be due but are kept longer under a running retention hold
    clients_held: int
    #: per category, the rows destroyed or emptied (summed over the files)
    categories: dict[str, int]
    #: files that could not be destroyed (logged; tried again on the next run)
    failed: list[UUID]
    #: open destruction requests past their three-month deadline (Jeugdwet 7.3.9), for the team leads
    overdue_requests: list[UUID]

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe (the task's return value)."""
        return {
            "on": self.on.isoformat(),
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "clients_due": self.clients_due,
            "clients_destroyed": self.clients_destroyed,
            "clients_held": self.clients_held,
            "categories": dict(self.categories),
            "failed": [str(value) for value in self.failed],
            "overdue_requests": [str(value) for value in self.overdue_requests],
        }


def _retention_destroy_one(*, pk: int, on: datetime.date, access_point: AccessPoint) -> dict[str, int] | None:
    """Destroy one due file, in its own transaction; ``None`` when it is no longer due."""
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(pk=pk).first()
        # Checked again under the lock: a concurrent run (cron and task at once) destroys only once.
        end_of_care: datetime.date | None = (
            retention_due_clients(on=on).filter(pk=pk).values_list("end_of_care", flat=True).first()  # type: ignore[misc]
        )
        if client is None or end_of_care is None:
            return None
        open_request = (
            DestructionRequest.objects.select_for_update()
            .filter(client_public_id=client.public_id, status=DestructionRequest.Status.OPEN)
            .first()
        )
        record = _content_destroy(
            client=client,
            reason=DestructionRecord.Reason.RETENTION,
            request=open_request,
            executed_by_username=SYSTEM_USERNAME,
            executed_by_role=SYSTEM_ROLE,
            end_of_care=end_of_care,
        )
        access_log_record_system(
            event=Event.DELETE,
            action="privacy.retention",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return dict(record.categories)


def retention_apply(
    *,
    on: datetime.date | None = None,
    dry_run: bool = False,
    access_point: AccessPoint | None = None,
    batch_size: int = RETENTION_BATCH_SIZE,
) -> RetentionResult:
    """Destroy the clinical content of every file whose retention period ended (Jeugdwet 7.3.8).

    Due: the latest end of care of the file is 20 years or more before ``on`` (default today;
    the 20th anniversary counts), no trajectory is still running, and no retention hold runs
    (``selectors.retention_due_clients``). Each file is destroyed by the same destroyers as a
    destruction on request, in its own transaction, with a ``DestructionRecord`` (reason
    "retention period ended", no requester, executed by ``system``) and a DELETE entry in the
    access log. Running it again destroys nothing more. Files are read in primary-key batches of
    ``batch_size``, so memory does not grow with the database.

    Also reports the open destruction requests past their three-month deadline: they are not
    executed here, because only the team lead can weigh whether a legal provision or another
    person's substantial interest stands in the way (Jeugdwet 7.3.9); see docs/data-rights.md.

    ``dry_run``: counts only; nothing is changed and nothing is logged.
    """
    on = on or today()
    access_point = access_point or AccessPoint.system("retention_apply")
    due = retention_due_clients(on=on)
    clients_due = destroyed = 0
    categories: dict[str, int] = {}
    failed: list[UUID] = []
    last_pk = 0
    while batch := list(due.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "public_id")[:batch_size]):
        last_pk = batch[-1][0]
        clients_due += len(batch)
        if dry_run:
            continue
        for pk, public_id in batch:
            try:
                counts = _retention_destroy_one(pk=pk, on=on, access_point=access_point)
            except Exception:
                # One file that cannot be destroyed must not stop the others; it stays due and is
                # tried again on the next run. No content in the log line, only the random id.
                logger.exception("retention: the file %s could not be destroyed", public_id)
                failed.append(public_id)
                continue
            if counts is None:
                continue
            destroyed += 1
            for category, count in counts.items():
                categories[category] = categories.get(category, 0) + count
    overdue = [request.public_id for request in destruction_requests_overdue(on=on)]
    if overdue:
        logger.warning(
            "%d destruction request(s) passed their three-month deadline without a decision: %s",
            len(overdue),
            ", ".join(str(value) for value in overdue),
        )
    return RetentionResult(
        on=on,
        cutoff=retention_cutoff(on=on),
        dry_run=dry_run,
        clients_due=clients_due,
        clients_destroyed=destroyed,
        clients_held=retention_due_clients(on=on, held=True).count(),
        categories=categories,
        failed=failed,
        overdue_requests=overdue,
    )


# --- retention holds: keep a file longer ----------------------------------------------------------


def _hold_reason_clean(reason: str) -> str:
    if not reason.strip():
        raise ValidationError(
            {"reason": [_("Give the reason to keep the file longer: the legal provision, measure or proceedings.")]}
        )
    return reason.strip()


def retention_hold_place(
    *, actor: User, client: Client, reason: str, until: datetime.date, access_point: AccessPoint
) -> RetentionHold:
    """Keep ``client``'s file at least until ``until``, whatever its end of care (Jeugdwet 7.3.8)."""
    if not policy.can_manage_retention_holds(actor, client):
        raise policy.AccessDenied(_("Only the team lead of this young person's team or an administrator can do this."))
    reason = _hold_reason_clean(reason)
    if until < today():
        raise ValidationError({"until": [_("Give a day in the future.")]})
    with transaction.atomic():
        hold = RetentionHold.objects.create(
            client_public_id=client.public_id,
            reason=reason,
            until=until,
            placed_by_username=actor.get_username(),
            placed_by_role=actor.role,
            placed_at=timezone.now(),
        )
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="privacy.retention_hold",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return hold


def retention_hold_change(
    *, actor: User, hold: RetentionHold, until: datetime.date, reason: str, access_point: AccessPoint
) -> RetentionHold:
    """Extend, shorten or end a hold (an ``until`` in the past ends it). A hold is never deleted."""
    client = Client.objects.filter(public_id=hold.client_public_id).first()
    if client is None:
        raise ValidationError(_("This file no longer exists."))
    if not policy.can_manage_retention_holds(actor, client):
        raise policy.AccessDenied(_("Only the team lead of this young person's team or an administrator can do this."))
    reason = _hold_reason_clean(reason)
    with transaction.atomic():
        RetentionHold.objects.filter(pk=hold.pk).update(
            until=until,
            reason=reason,
            changed_by_username=actor.get_username(),
            changed_at=timezone.now(),
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="privacy.retention_hold",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    hold.refresh_from_db()
    return hold


# --- the schedule: one queued run a day ------------------------------------------------------------


def _next_run_after(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    run_after = timezone.make_aware(datetime.datetime.combine(local.date(), RETENTION_RUN_TIME))
    if run_after <= now:
        run_after = timezone.make_aware(
            datetime.datetime.combine(local.date() + datetime.timedelta(days=1), RETENTION_RUN_TIME)
        )
    return run_after


def _queued(run: RetentionRun) -> bool:
    """Whether the run's task still waits in the queue (not started, not lost)."""
    if run.started_at is not None or run.finished_at is not None or not run.task_id:
        return False
    from coachcare.privacy.tasks import retention_apply_task  # the task calls this module

    try:
        result = retention_apply_task.get_result(run.task_id)
    except TaskResultDoesNotExist:
        return False  # lost (queue emptied, database restored): queue it again
    except NotImplementedError:
        return True  # the backend cannot tell; the unique day still prevents a second copy
    return result.status == TaskResultStatus.READY


def retention_schedule(*, now: datetime.datetime | None = None) -> RetentionRun:
    """Make sure one run of the retention job is queued (the next ``RETENTION_RUN_TIME``). Idempotent.

    If a run is already waiting in the queue, that run is returned and nothing is queued: calling
    this at every start of production, and from the task itself, never queues two copies. A run
    whose task was lost is queued again. Needs a task backend that supports ``run_after``
    (``django_tasks_db.DatabaseBackend``); otherwise run ``manage.py retention_apply`` from cron.
    """
    from coachcare.privacy.tasks import retention_apply_task  # the task calls this module

    if not retention_apply_task.get_backend().supports_defer:
        raise ImproperlyConfigured(
            "The task backend cannot run a task later (run_after): schedule `manage.py retention_apply` "
            "daily with cron or a systemd timer instead."
        )
    now = now or timezone.now()
    with transaction.atomic():
        waiting = RetentionRun.objects.select_for_update().filter(finished_at__isnull=True, started_at__isnull=True)
        for candidate in waiting:
            if _queued(candidate):
                return candidate
        run_after = _next_run_after(now)
        run, created = RetentionRun.objects.select_for_update().get_or_create(
            run_on=timezone.localdate(run_after), defaults={"run_after": run_after, "scheduled_at": now}
        )
        if created or not _queued(run):
            result = retention_apply_task.using(run_after=run.run_after).enqueue(run_on=run.run_on.isoformat())
            run.task_id = str(result.id)[:64]
            run.save(update_fields=["task_id"])
    return run


def retention_run_scheduled(*, run_on: datetime.date, access_point: AccessPoint) -> RetentionResult:
    """The daily run itself (called by the task): mark it started, queue tomorrow's run first (so a
    failure today does not end the schedule), apply the retention rules for today, record the counts."""
    RetentionRun.objects.filter(run_on=run_on).update(started_at=timezone.now())
    retention_schedule()
    result = retention_apply(access_point=access_point)
    RetentionRun.objects.filter(run_on=run_on).update(finished_at=timezone.now(), result=result.as_dict())
    return result
