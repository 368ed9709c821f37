"""The API's reads: declarations (invoices): money and periods, no client data."""

from typing import Any
from uuid import UUID

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.audit.services import AccessPoint

# --- declarations (invoices): money and periods, no client data ---------------------------------


def invoice_page(*, actor: User, cursor: str | None, limit: int, status: str | None = None) -> CursorPage[Any]:
    declarations = policy.declarations_visible_to(actor).select_related("municipality", "provider")
    if status:
        declarations = declarations.filter(status=status)
    return cursor_paginate(declarations, keys=["period_start", "id"], cursor=cursor, limit=limit, descending=True)


def invoice_get(*, actor: User, public_id: UUID) -> Any:
    from coachcare.declarations.selectors import declaration_get

    return declaration_get(actor=actor, public_id=public_id)


def invoice_evidence(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Any:
    """``declarations.selectors.delivery_evidence_for`` of one declaration the actor may see."""
    from coachcare.declarations.selectors import declaration_get, delivery_evidence_for

    return delivery_evidence_for(
        actor=actor, declaration=declaration_get(actor=actor, public_id=public_id), access_point=access_point
    )
