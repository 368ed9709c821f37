"""The API's reads: allocations (administrative). Adapters over ``contracts.selectors``."""

import dataclasses
from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.contracts import selectors as contract_selectors
from coachcare.contracts.models import Allocation

# --- allocations (administrative) ---------------------------------------------------------------


def allocation_page(
    *,
    actor: User,
    access_point: AccessPoint,
    cursor: str | None,
    limit: int,
    status: str | None = None,
    client: UUID | None = None,
) -> CursorPage[Allocation]:
    allocations = contract_selectors.allocations_visible(actor=actor, status=status, client=client)
    page = cursor_paginate(allocations, keys=["requested_at", "id"], cursor=cursor, limit=limit, descending=True)
    page = dataclasses.replace(page, items=contract_selectors.allocation_rows_allowed(actor=actor, rows=page.items))
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.allocation.list",
        client_ids=dict.fromkeys(a.client.public_id for a in page.items),
        access_point=access_point,
    )
    return page


def allocation_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Allocation:
    allocation = contract_selectors.allocation_visible_get(actor=actor, public_id=public_id)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.allocation.detail",
        client_ids=dict.fromkeys([allocation.client.public_id]),
        access_point=access_point,
    )
    return allocation
