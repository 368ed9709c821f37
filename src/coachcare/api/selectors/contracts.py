"""The API's reads: allocations (administrative). Adapters over ``contracts.selectors``."""

from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage
from coachcare.api.selectors.logged import page_logged, read_logged
from coachcare.audit.services import AccessPoint
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
    return page_logged(
        allocations,
        actor=actor,
        access_point=access_point,
        action="api.allocation.list",
        keys=["requested_at", "id"],
        cursor=cursor,
        limit=limit,
        descending=True,
        allowed=contract_selectors.allocation_rows_allowed,
        client_of=lambda allocation: allocation.client,
    )


def allocation_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Allocation:
    allocation = contract_selectors.allocation_visible_get(actor=actor, public_id=public_id)
    read_logged(
        actor=actor, action="api.allocation.detail", client_ids=[allocation.client.public_id], access_point=access_point
    )
    return allocation
