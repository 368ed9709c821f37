"""The API's reads: appointments (sessions; administrative, ``appointment_scope`` as on screen).

Adapters over ``coaching.selectors``: cursor paging and the access log.
"""

import dataclasses
from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.coaching import selectors as coaching_selectors
from coachcare.coaching.models import Appointment

# --- appointments (sessions; administrative, ``appointment_scope`` as on screen) ------------------


def appointment_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, client: UUID | None = None
) -> CursorPage[Appointment]:
    appointments = coaching_selectors.appointments_visible(actor=actor, client=client)
    rows = coaching_selectors.appointment_rows()
    page = cursor_paginate(appointments, keys=["starts_at", "id"], cursor=cursor, limit=limit, rows=rows)
    page = dataclasses.replace(page, items=coaching_selectors.appointment_rows_allowed(actor=actor, rows=page.items))
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.appointment.list",
        client_ids=dict.fromkeys(a.client.public_id for a in page.items),
        access_point=access_point,
    )
    return page


def appointment_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Appointment:
    appointment = coaching_selectors.appointment_visible_get(actor=actor, public_id=public_id)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.appointment.detail",
        client_ids=dict.fromkeys([appointment.client.public_id]),
        access_point=access_point,
    )
    return appointment
