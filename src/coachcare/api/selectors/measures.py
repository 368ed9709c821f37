"""The API's reads: questionnaire responses (clinical). Adapters over ``measures.selectors``."""

from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage
from coachcare.api.selectors.logged import page_logged, read_logged
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.measures import selectors as measures_selectors
from coachcare.measures.models import QuestionnaireResponse

# --- questionnaire responses (clinical) -------------------------------------------------------


def response_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, client: Client | None = None
) -> CursorPage[QuestionnaireResponse]:
    responses = measures_selectors.responses_clinical(actor=actor, client=client)
    return page_logged(
        responses,
        actor=actor,
        access_point=access_point,
        action="api.questionnaire_response.list",
        keys=["created_at", "id"],
        cursor=cursor,
        limit=limit,
        descending=True,
        allowed=measures_selectors.response_rows_allowed,
        client_of=lambda response: response.client,
    )


def response_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> QuestionnaireResponse:
    response = measures_selectors.response_clinical_get(actor=actor, public_id=public_id)
    read_logged(
        actor=actor,
        action="api.questionnaire_response.detail",
        client_ids=[response.client.public_id],
        access_point=access_point,
    )
    return response
