"""The API's reads: declarations (invoices): money and periods, no client data.

Adapters over ``declarations.selectors``.
"""

from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.audit.services import AccessPoint
from coachcare.declarations import selectors as declaration_selectors
from coachcare.declarations.models import Declaration

# --- declarations (invoices): money and periods, no client data ---------------------------------


def invoice_page(*, actor: User, cursor: str | None, limit: int, status: str | None = None) -> CursorPage[Declaration]:
    declarations = declaration_selectors.declarations_visible(actor=actor, status=status)
    return cursor_paginate(declarations, keys=["period_start", "id"], cursor=cursor, limit=limit, descending=True)


def invoice_get(*, actor: User, public_id: UUID) -> Declaration:
    return declaration_selectors.declaration_get(actor=actor, public_id=public_id)


def invoice_evidence(
    *, actor: User, public_id: UUID, access_point: AccessPoint
) -> list[declaration_selectors.DeliveryEvidence]:
    """``declarations.selectors.delivery_evidence_for`` of one declaration the actor may see."""
    return declaration_selectors.delivery_evidence_for(
        actor=actor,
        declaration=declaration_selectors.declaration_get(actor=actor, public_id=public_id),
        access_point=access_point,
    )
