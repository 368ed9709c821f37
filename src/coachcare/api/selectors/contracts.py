"""The API's reads: allocations, declarations (administrative)."""

import dataclasses
from uuid import UUID

from django.db.models import QuerySet

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.contracts.models import Allocation

# --- allocations, declarations (administrative) -------------------------------------------------


def _allocations_visible(actor: User) -> QuerySet[Allocation]:
    """``policy.allocations_visible_to``."""
    return policy.allocations_visible_to(actor)


def _allowed_allocation(actor: User, allocation: Allocation) -> bool:
    return policy.can_see_allocation(actor, allocation)


def allocation_page(
    *,
    actor: User,
    access_point: AccessPoint,
    cursor: str | None,
    limit: int,
    status: str | None = None,
    client: UUID | None = None,
) -> CursorPage[Allocation]:
    allocations = _allocations_visible(actor).select_related("client", "product", "contract__provider")
    allocations = allocations.defer("client__bsn", "client__bsn_hash")
    if status:
        allocations = allocations.filter(status=status)
    if client:
        allocations = allocations.filter(client__public_id=client)
    page = cursor_paginate(allocations, keys=["requested_at", "id"], cursor=cursor, limit=limit, descending=True)
    page = dataclasses.replace(page, items=[a for a in page.items if _allowed_allocation(actor, a)])
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.allocation.list",
        client_ids=dict.fromkeys(a.client.public_id for a in page.items),
        access_point=access_point,
    )
    return page


def allocation_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Allocation:
    allocation = (
        _allocations_visible(actor)
        .select_related("client", "product", "contract__provider")
        .filter(public_id=public_id)
        .first()
    )
    if allocation is None or not _allowed_allocation(actor, allocation):
        raise policy.AccessDenied("No such allocation, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.allocation.detail",
        client_ids=dict.fromkeys([allocation.client.public_id]),
        access_point=access_point,
    )
    return allocation
