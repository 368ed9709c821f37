"""Reads of outcome measures. Definitions hold no personal data; responses are clinical and logged."""

from collections.abc import Iterable
from uuid import UUID

from django.db.models import F, QuerySet

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients import selectors as client_selectors
from coachcare.clients.models import Client
from coachcare.measures.models import QuestionnaireDefinition, QuestionnaireResponse
from coachcare.method.services import version_key


def questionnaire_definition_list(
    *, respondent: str | None = None, active: bool | None = True
) -> QuerySet[QuestionnaireDefinition]:
    """Definitions (every version): the active ones unless ``active`` says otherwise (``None``:
    active or not), optionally only those for one respondent."""
    definitions = QuestionnaireDefinition.objects.all()
    if active is not None:
        definitions = definitions.filter(is_active=active)
    return definitions if respondent is None else definitions.filter(respondent=respondent)


def questionnaire_definition_get(*, code: str, version: str | None = None) -> QuestionnaireDefinition:
    """One version of a questionnaire, or its latest active version when ``version`` is None.

    Raises ``QuestionnaireDefinition.DoesNotExist`` when there is none.
    """
    if version is not None:
        return QuestionnaireDefinition.objects.get(code=code, version=version)
    candidates = list(QuestionnaireDefinition.objects.filter(code=code, is_active=True))
    if not candidates:
        raise QuestionnaireDefinition.DoesNotExist(f"No active version of questionnaire '{code}'.")
    return max(candidates, key=lambda definition: version_key(definition.version))


def questionnaire_responses_for_client(
    *, actor: User, client: Client, access_point: AccessPoint
) -> list[QuestionnaireResponse]:
    """The submitted responses about ``client``, newest first; raises ``AccessDenied`` without CLINICAL access.

    Answers are clinical content (docs/legal-basis.md), so the read is written to the access log.
    """
    policy.require(actor, client, [policy.DataKind.CLINICAL])
    responses = list(
        QuestionnaireResponse.objects.filter(client=client, status=QuestionnaireResponse.Status.SUBMITTED)
        .select_related("definition", "submitted_by")
        .order_by("-submitted_at", "-id")
    )
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="measures.responses",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return responses


def responses_clinical(*, actor: User, client: Client | None = None) -> QuerySet[QuestionnaireResponse]:
    """The submitted responses about clients whose clinical file the actor may see
    (``policy.clinical_clients_visible_to``), optionally about one client, with definition and
    client (never the BSN); unordered, no log (the caller logs the rows it reads)."""
    responses = (
        QuestionnaireResponse.objects.filter(
            client__in=policy.clinical_clients_visible_to(actor), status=QuestionnaireResponse.Status.SUBMITTED
        )
        .select_related("definition", "client")
        .defer("client__bsn", "client__bsn_hash")
    )
    return responses if client is None else responses.filter(client=client)


def response_rows_allowed(*, actor: User, rows: list[QuestionnaireResponse]) -> list[QuestionnaireResponse]:
    """Defence in depth after ``responses_clinical``: the rows whose client the policy gives CLINICAL today."""
    return client_selectors.client_rows_clinical(actor=actor, rows=rows, client_of=lambda response: response.client)


def response_clinical_get(*, actor: User, public_id: UUID) -> QuestionnaireResponse:
    """One submitted response whose client's clinical file the actor may see; ``AccessDenied``
    otherwise. No log: the caller logs."""
    response = (
        QuestionnaireResponse.objects.filter(
            public_id=public_id,
            client__in=policy.clinical_clients_visible_to(actor),
            status=QuestionnaireResponse.Status.SUBMITTED,
        )
        .select_related("definition", "client")
        .first()
    )
    if response is None or not policy.can_see(actor, response.client, policy.DataKind.CLINICAL):
        raise policy.AccessDenied("No such response, or no access.")
    return response


def closure_responses_get(*, trajectory_public_id: UUID, codes: Iterable[str]) -> dict[str, QuestionnaireResponse]:
    """The latest submitted closure response (context "closure") to the questionnaires ``codes``
    about one trajectory, per informant ("jongere", "ouder").

    Only answers given by the questionnaire's own respondent count (informant equal to the
    definition's respondent: the young person's own answers, a parent's own answers); answers a
    professional entered are left out. One query. Reads no access log: for services and panels
    that log the access to the file themselves.
    """
    latest: dict[str, QuestionnaireResponse] = {}
    responses = (
        QuestionnaireResponse.objects.filter(
            trajectory_public_id=trajectory_public_id,
            context="closure",
            status=QuestionnaireResponse.Status.SUBMITTED,
            definition__code__in=list(codes),
            informant=F("definition__respondent"),
        )
        .select_related("definition")
        .order_by("-submitted_at", "-id")
    )
    for response in responses:
        latest.setdefault(response.informant, response)
    return latest
