"""Data rights: "download my data" (an export of the whole file as far as the requester may see
it) and destruction of the file on request (Jeugdwet 7.3.9).

Rules live here and in ``coachcare.access.policy``; the views only call these functions.
"""

import calendar
import dataclasses
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.core.dates import age_on, today
from coachcare.privacy.models import DestructionRecord, DestructionRequest
from coachcare.privacy.registry import CLIENT_CONTENT_DESTROYERS, CLIENT_DATA_SECTIONS

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
    for registered in CLIENT_DATA_SECTIONS:
        result = registered.function(client, actor)
        if result is not None:
            title, rows = result
            sections.append(ExportSection(key=registered.key, title=str(title), rows=rows))
    access_log_record(
        actor=actor,
        event=Event.EXPORT,
        action="privacy.export",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return ClientDataExport(client=client, requested_by=actor, generated_at=timezone.now(), sections=sections)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


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
                deadline=_add_months(timezone.localdate(now), DESTRUCTION_MONTHS),
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


def destruction_execute(*, actor: User, request: DestructionRequest, access_point: AccessPoint) -> DestructionRecord:
    """Really delete the clinical content of the client's file, across every registered app.

    What stays, and why (docs/data-rights.md): the administrative minimum (the client row with name,
    date of birth and BSN, trajectories with their dates and status, module runs, allocations and
    declarations: the municipality's financial records and iJw messages need them), the NEN 7513
    access log (append-only, no content) and this record (categories and counts, no content).
    """
    client = _client_of(request)
    if not policy.can_decide_destruction(actor, client):
        raise policy.AccessDenied(_("Only the team lead of this young person's team can do this."))
    with transaction.atomic():
        locked = _open_locked(request)
        categories: dict[str, int] = {}
        for destroyer in CLIENT_CONTENT_DESTROYERS:
            for category, count in destroyer.function(client).items():
                categories[category] = categories.get(category, 0) + count
        now = timezone.now()
        record = DestructionRecord.objects.create(
            request=locked,
            client_public_id=client.public_id,
            requested_by_username=locked.requested_by_username,
            requested_by_role=locked.requested_by_role,
            requested_at=locked.requested_at,
            executed_by_username=actor.get_username(),
            executed_by_role=actor.role,
            executed_at=now,
            categories=categories,
        )
        DestructionRequest.objects.filter(pk=locked.pk).update(
            status=DestructionRequest.Status.DONE,
            decided_by_username=actor.get_username(),
            decided_by_role=actor.role,
            decided_at=now,
            done_at=now,
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
        raise policy.AccessDenied(_("Only the team lead of this young person's team can do this."))
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
