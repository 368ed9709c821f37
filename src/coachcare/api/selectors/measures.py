"""The API's reads: questionnaire responses (clinical)."""

import dataclasses
from uuid import UUID

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.api.selectors._shared import clinical_clients, clinical_rows
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.measures.models import QuestionnaireResponse

# --- questionnaire responses (clinical) -------------------------------------------------------


def response_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, client: Client | None = None
) -> CursorPage[QuestionnaireResponse]:
    responses = (
        QuestionnaireResponse.objects.filter(
            client__in=clinical_clients(actor), status=QuestionnaireResponse.Status.SUBMITTED
        )
        .select_related("definition", "client")
        .defer("client__bsn", "client__bsn_hash")
    )
    if client is not None:
        responses = responses.filter(client=client)
    page = cursor_paginate(responses, keys=["created_at", "id"], cursor=cursor, limit=limit, descending=True)
    page = dataclasses.replace(page, items=clinical_rows(actor, page.items))
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.questionnaire_response.list",
        client_ids=dict.fromkeys(r.client.public_id for r in page.items),
        access_point=access_point,
    )
    return page


def response_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> QuestionnaireResponse:
    response = (
        QuestionnaireResponse.objects.filter(
            public_id=public_id,
            client__in=clinical_clients(actor),
            status=QuestionnaireResponse.Status.SUBMITTED,
        )
        .select_related("definition", "client")
        .first()
    )
    if response is None or not policy.can_see(actor, response.client, policy.DataKind.CLINICAL):
        raise policy.AccessDenied("No such response, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.questionnaire_response.detail",
        client_ids=dict.fromkeys([response.client.public_id]),
        access_point=access_point,
    )
    return response
