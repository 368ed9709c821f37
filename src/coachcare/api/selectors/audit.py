"""The API's reads: access log (FHIR AuditEvent)."""

from uuid import UUID

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client

# --- access log (FHIR AuditEvent) -----------------------------------------------------------------


def audit_event_page(
    *, actor: User, client: Client, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[AccessLogEntry]:
    """The access log of one client's file, for those the policy gives ACCESS_LOG."""
    policy.require(actor, client, [policy.DataKind.ACCESS_LOG])
    entries = AccessLogEntry.objects.filter(client_public_id=client.public_id)
    page = cursor_paginate(entries, keys=["timestamp", "id"], cursor=cursor, limit=limit, descending=True)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.access_log",
        client_ids=dict.fromkeys([client.public_id]),
        access_point=access_point,
    )
    return page


def audit_event_get(*, actor: User, entry_id: UUID, access_point: AccessPoint) -> AccessLogEntry:
    entry = AccessLogEntry.objects.filter(entry_id=entry_id, client_public_id__isnull=False).first()
    if entry is None or entry.client_public_id is None:
        raise policy.AccessDenied("No such entry, or no access.")
    client = policy.clients_visible_to(actor).filter(public_id=entry.client_public_id).first()
    if client is None or not policy.can_see(actor, client, policy.DataKind.ACCESS_LOG):
        raise policy.AccessDenied("No such entry, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.access_log",
        client_ids=dict.fromkeys([client.public_id]),
        access_point=access_point,
    )
    return entry
