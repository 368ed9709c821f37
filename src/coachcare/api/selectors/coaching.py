"""The API's reads: appointments (sessions; administrative, ``appointment_scope`` as on screen)."""

import dataclasses
from uuid import UUID

from django.db.models import QuerySet

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.api.selectors._shared import POLICY_CLIENT_FIELDS, USER_NAME_FIELDS, prefixed
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.coaching.models import Appointment
from coachcare.core.dates import today

# --- appointments (sessions; administrative, ``appointment_scope`` as on screen) ------------------


def _appointments_visible(actor: User) -> QuerySet[Appointment]:
    """``policy.appointments_visible_to``."""
    return policy.appointments_visible_to(actor)


def _visible_appointments(actor: User, rows: list[Appointment]) -> list[Appointment]:
    """Defence in depth: every row checked with ``appointment_scope`` (once per client)."""
    scopes: dict[int, policy.AppointmentScope] = {}
    visible = []
    on = today()
    for row in rows:
        if row.client_id not in scopes:
            scopes[row.client_id] = policy.appointment_scope(actor, row.client, on=on)
        scope = scopes[row.client_id]
        if scope == policy.AppointmentScope.ALL or (scope == policy.AppointmentScope.WITH_PARENTS and row.with_parents):
            visible.append(row)
    return visible


def _appointment_rows(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """``appointments`` with what the view shows and the policy reads, nothing more."""
    return appointments.select_related("client", "trajectory", "created_by").only(
        "public_id",
        "starts_at",
        "ends_at",
        "kind",
        "location",
        "title",
        "with_parents",
        "created_at",
        "client",
        *prefixed("client__", POLICY_CLIENT_FIELDS),
        "trajectory__public_id",
        *prefixed("created_by__", USER_NAME_FIELDS),
    )


def appointment_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, client: UUID | None = None
) -> CursorPage[Appointment]:
    appointments = _appointments_visible(actor)
    if client:
        appointments = appointments.filter(client__public_id=client)
    rows = _appointment_rows(Appointment.objects.all())
    page = cursor_paginate(appointments, keys=["starts_at", "id"], cursor=cursor, limit=limit, rows=rows)
    page = dataclasses.replace(page, items=_visible_appointments(actor, page.items))
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.appointment.list",
        client_ids=dict.fromkeys(a.client.public_id for a in page.items),
        access_point=access_point,
    )
    return page


def appointment_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Appointment:
    appointment = _appointment_rows(_appointments_visible(actor)).filter(public_id=public_id).first()
    if appointment is None or not _visible_appointments(actor, [appointment]):
        raise policy.AccessDenied("No such appointment, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.appointment.detail",
        client_ids=dict.fromkeys([appointment.client.public_id]),
        access_point=access_point,
    )
    return appointment
