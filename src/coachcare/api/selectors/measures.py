"""The API's reads: questionnaire responses (clinical). Adapters over ``measures.selectors``."""

import dataclasses
from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.measures import selectors as measures_selectors
from coachcare.measures.models import QuestionnaireResponse

# --- questionnaire responses (clinical) -------------------------------------------------------


def response_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, client: Client | None = None
) -> CursorPage[QuestionnaireResponse]:
    responses = measures_selectors.responses_clinical(actor=actor, client=client)
    page = cursor_paginate(responses, keys=["created_at", "id"], cursor=cursor, limit=limit, descending=True)
    page = dataclasses.replace(page, items=measures_selectors.response_rows_allowed(actor=actor, rows=page.items))
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.questionnaire_response.list",
        client_ids=dict.fromkeys(r.client.public_id for r in page.items),
        access_point=access_point,
    )
    return page


def response_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> QuestionnaireResponse:
    response = measures_selectors.response_clinical_get(actor=actor, public_id=public_id)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.questionnaire_response.detail",
        client_ids=dict.fromkeys([response.client.public_id]),
        access_point=access_point,
    )
    return response
