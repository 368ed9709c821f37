"""The API's reads: appointments (sessions; administrative, ``appointment_scope`` as on screen).

Adapters over ``coaching.selectors``: cursor paging and the access log.
"""

from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage
from coachcare.api.selectors.logged import page_logged, read_logged
from coachcare.audit.services import AccessPoint
from coachcare.coaching import selectors as coaching_selectors
from coachcare.coaching.models import Appointment

# --- appointments (sessions; administrative, ``appointment_scope`` as on screen) ------------------


def appointment_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, client: UUID | None = None
) -> CursorPage[Appointment]:
    appointments = coaching_selectors.appointments_visible(actor=actor, client=client)
    rows = coaching_selectors.appointment_rows()
    return page_logged(
        appointments,
        actor=actor,
        access_point=access_point,
        action="api.appointment.list",
        keys=["starts_at", "id"],
        cursor=cursor,
        limit=limit,
        rows=rows,
        allowed=coaching_selectors.appointment_rows_allowed,
        client_of=lambda appointment: appointment.client,
    )


def appointment_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Appointment:
    appointment = coaching_selectors.appointment_visible_get(actor=actor, public_id=public_id)
    read_logged(
        actor=actor,
        action="api.appointment.detail",
        client_ids=[appointment.client.public_id],
        access_point=access_point,
    )
    return appointment
