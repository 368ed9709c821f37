"""Writes on outcome measures: loading questionnaire definitions and submitting responses.

A definition is checked completely (schema and meaning, ``engine.questionnaire_definition_validate``)
before anything is saved. A response is checked against the access policy, scored by the engine,
stored with its answers encrypted, and recorded in the NEN 7513 access log.
"""

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.measures.engine import questionnaire_definition_validate, questionnaire_score
from coachcare.measures.models import CONTEXT_VALIDATOR, Informant, QuestionnaireDefinition, QuestionnaireResponse

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The instruments the project may ship (docs/measures.md): GBO and its own questionnaires.
BUILTIN_FILES = ("gbo.json", "sessie-feedback.json", "tevredenheid.json", "tevredenheid-ouder.json")


@dataclasses.dataclass(frozen=True, kw_only=True)
class LoadResult:
    code: str
    version: str
    created: bool

    @property
    def summary(self) -> str:
        state = "loaded" if self.created else "already present, unchanged"
        return f"Questionnaire {self.code} {self.version}: {state}."


def questionnaire_load(*, data: Any) -> LoadResult:
    """Store a questionnaire definition as a new, immutable version.

    Raises ``ValidationError`` listing every problem (with its JSON path) and saves nothing when
    the definition is invalid. Loading an installed code and version again with the same content
    changes nothing; with different content it is refused, because answers given to that version
    must keep being scored the way they were.
    """
    errors = questionnaire_definition_validate(data)
    if errors:
        raise ValidationError(errors)
    code, version = data["code"], data["version"]
    try:
        with transaction.atomic():
            existing = QuestionnaireDefinition.objects.select_for_update().filter(code=code, version=version).first()
            if existing is not None:
                if existing.definition != data:
                    raise ValidationError(
                        f"version: {code} {version} is already loaded with different content; "
                        "a loaded version never changes, so give the changed definition a new version"
                    )
                return LoadResult(code=code, version=version, created=False)
            QuestionnaireDefinition.objects.create(
                code=code,
                version=version,
                name=data["name"]["nl"],
                respondent=data["respondent"],
                definition=data,
                loaded_at=timezone.now(),
            )
    except IntegrityError as exc:  # a concurrent load of the same version
        raise ValidationError(f"version: {code} {version} was loaded at the same time; try again") from exc
    return LoadResult(code=code, version=version, created=True)


def questionnaire_builtin_install() -> list[LoadResult]:
    """Load the questionnaires the project ships (``measures/data``); already loaded ones are left alone."""
    return [
        questionnaire_load(data=json.loads((DATA_DIR / name).read_text(encoding="utf-8"))) for name in BUILTIN_FILES
    ]


def informant_of(*, actor: User) -> str:
    """The CBS type informant of answers submitted by ``actor``: the young person and a parent
    answer for themselves; answers entered by any other account are a professional's."""
    if policy.is_young_person(actor):
        return Informant.JONGERE
    if policy.is_parent(actor):
        return Informant.OUDER
    return Informant.PROFESSIONAL


def questionnaire_response_submit(
    *,
    actor: User,
    client: Client,
    definition: QuestionnaireDefinition,
    answers: Mapping[str, int],
    context: str,
    trajectory_public_id: UUID | None = None,
    access_point: AccessPoint,
) -> QuestionnaireResponse:
    """Score and store a complete set of answers about ``client``, and log the access.

    The response records its informant (``informant_of``): who gave the answers.

    Raises ``policy.AccessDenied`` when the actor may not answer this questionnaire for this
    client (``policy.can_answer_questionnaire``), ``ValidationError`` for an inactive definition
    or a malformed context, and ``ValueError`` (from the engine) for missing or out-of-scale answers.
    """
    if not policy.can_answer_questionnaire(
        actor, client, definition.respondent, informant_only=definition.informant_only
    ):
        raise policy.AccessDenied("Not allowed to answer this questionnaire for this client.")
    if not definition.is_active:
        raise ValidationError(f"Questionnaire {definition} is no longer in use; answer its current version.")
    CONTEXT_VALIDATOR(context)
    score = questionnaire_score(definition=definition.definition, answers=answers)
    with transaction.atomic():
        response = QuestionnaireResponse.objects.create(
            definition=definition,
            client=client,
            context=context,
            trajectory_public_id=trajectory_public_id,
            answers=json.dumps(dict(answers), sort_keys=True),
            total=score.total,
            subscales=score.subscales,
            flags=score.flags,
            status=QuestionnaireResponse.Status.SUBMITTED,
            submitted_by=actor,
            informant=informant_of(actor=actor),
            submitted_at=timezone.now(),
        )
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action=f"measures.response:{definition.code}",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return response
