"""The API's reads: access log (FHIR AuditEvent). Adapters over ``audit.selectors``."""

from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage
from coachcare.api.selectors.logged import page_logged, read_logged
from coachcare.audit import selectors as audit_selectors
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client

# --- access log (FHIR AuditEvent) -----------------------------------------------------------------


def audit_event_page(
    *, actor: User, client: Client, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[AccessLogEntry]:
    """The access log of one client's file, for those the policy gives ACCESS_LOG."""
    entries = audit_selectors.access_log_entries_of(actor=actor, client=client)
    return page_logged(
        entries,
        actor=actor,
        access_point=access_point,
        action="api.access_log",
        keys=["timestamp", "id"],
        cursor=cursor,
        limit=limit,
        descending=True,
        client_of=client,
    )


def audit_event_get(*, actor: User, entry_id: UUID, access_point: AccessPoint) -> AccessLogEntry:
    entry, client = audit_selectors.access_log_entry_get(actor=actor, entry_id=entry_id)
    read_logged(actor=actor, action="api.access_log", client_ids=[client.public_id], access_point=access_point)
    return entry
