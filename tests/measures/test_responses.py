"""Submitting and reading questionnaire responses: policy, scoring, encryption at rest, access log."""

import json
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from coachcare.access import policy
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import ParentAccessDecision
from coachcare.core.dates import today
from coachcare.measures.models import QuestionnaireDefinition, QuestionnaireResponse
from coachcare.measures.selectors import questionnaire_responses_for_client
from coachcare.measures.services import questionnaire_load, questionnaire_response_submit
from tests.clients.factories import ParentAccessDecisionFactory
from tests.conftest import World
from tests.factories import birth_date_for_age
from tests.measures.factories import definition_data, licensed_data

ACCESS_POINT = AccessPoint(channel="web", address="192.0.2.10")
ANSWERS = {"a": 5, "b": 6, "c": 7, "d": 8}


@pytest.fixture
def licensed(db: None) -> QuestionnaireDefinition:
    questionnaire_load(data=licensed_data())
    return QuestionnaireDefinition.objects.get(code="voorbeeld-instrument")


@pytest.fixture
def parent_list(db: None) -> QuestionnaireDefinition:
    questionnaire_load(data=definition_data(code="ouderlijst", respondent="ouder"))
    return QuestionnaireDefinition.objects.get(code="ouderlijst")


@pytest.fixture
def coach_list(db: None) -> QuestionnaireDefinition:
    questionnaire_load(data=definition_data(code="coachlijst", respondent="coach"))
    return QuestionnaireDefinition.objects.get(code="coachlijst")


def submit(
    world: World, actor_key: str, client_key: str, definition: QuestionnaireDefinition, answers: dict[str, Any]
) -> QuestionnaireResponse:
    return questionnaire_response_submit(
        actor=world.user(actor_key),
        client=world.client(client_key),
        definition=definition,
        answers=answers,
        context="session",
        access_point=ACCESS_POINT,
    )


def test_young_person_answers_about_themself(world: World, licensed: QuestionnaireDefinition) -> None:
    trajectory = uuid.uuid4()

    response = questionnaire_response_submit(
        actor=world.jongere,
        client=world.own,
        definition=licensed,
        answers=ANSWERS,
        context="evaluation:3",
        trajectory_public_id=trajectory,
        access_point=ACCESS_POINT,
    )

    response.refresh_from_db()
    assert response.status == QuestionnaireResponse.Status.SUBMITTED
    assert (response.total, response.subscales, response.flags) == (
        26,
        {"persoonlijk": 11, "omgeving": 7.5},
        ["onder-klinische-grens"],
    )
    assert response.answer_values == ANSWERS
    assert (response.context, response.trajectory_public_id) == ("evaluation:3", trajectory)
    assert response.submitted_by == world.jongere
    assert response.submitted_at is not None


def test_submission_is_written_to_the_access_log(world: World, licensed: QuestionnaireDefinition) -> None:
    submit(world, "jongere", "own", licensed, ANSWERS)

    entry = AccessLogEntry.objects.get()
    assert (entry.event, entry.action, entry.client_public_id) == (
        AccessLogEntry.Event.CREATE,
        "measures.response:voorbeeld-instrument",
        world.own.public_id,
    )
    assert (entry.username, entry.role, entry.channel, entry.access_point) == (
        "jongere",
        "jongere",
        "web",
        "192.0.2.10",
    )


def test_answers_are_encrypted_at_rest(world: World, licensed: QuestionnaireDefinition) -> None:
    response = submit(world, "jongere", "own", licensed, {"a": 3, "b": 9, "c": 1, "d": 10})

    with connection.cursor() as cursor:
        cursor.execute("SELECT answers, total FROM measures_questionnaireresponse WHERE id = %s", [response.pk])
        raw_answers, raw_total = cursor.fetchone()

    assert raw_answers.startswith("gAAAAA")  # a Fernet token
    # Only texts that cannot occur in a token by chance: a Fernet token is urlsafe base64, which has
    # no quotes, colons or spaces (a bare "10" can, and once did, appear in the ciphertext).
    for text in ('"a"', '"d": 10', '{"a": 3'):
        assert text not in raw_answers
    assert raw_total == 23  # the total stays readable for aggregated figures
    assert json.loads(QuestionnaireResponse.objects.get().answers) == {"a": 3, "b": 9, "c": 1, "d": 10}


@pytest.mark.parametrize(
    "actor_key", ["jongere_other", "ouder_zonder_gezag", "toegang", "beleid", "beheerder", "coach_other_team"]
)
def test_others_may_not_answer_for_the_young_person(
    world: World, licensed: QuestionnaireDefinition, actor_key: str
) -> None:
    with pytest.raises(policy.AccessDenied):
        submit(world, actor_key, "own", licensed, ANSWERS)

    assert not QuestionnaireResponse.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_a_young_person_cannot_answer_for_another_client(world: World, licensed: QuestionnaireDefinition) -> None:
    with pytest.raises(policy.AccessDenied):
        submit(world, "jongere", "other_team", licensed, ANSWERS)


@pytest.mark.parametrize("actor_key", ["coach", "colleague", "teamleider"])
def test_treating_professionals_may_enter_answers(
    world: World, licensed: QuestionnaireDefinition, actor_key: str
) -> None:
    assert submit(world, actor_key, "own", licensed, ANSWERS).submitted_by == world.user(actor_key)


def test_parent_questionnaire_follows_the_access_rules(world: World, parent_list: QuestionnaireDefinition) -> None:
    answers = {"q1": 3, "q2": 3, "q3": 2}
    assert submit(world, "ouder", "own", parent_list, answers).total == 8

    with pytest.raises(policy.AccessDenied):
        submit(world, "ouder_zonder_gezag", "own", parent_list, answers)
    with pytest.raises(policy.AccessDenied):  # a young person does not fill in the parents' questionnaire
        submit(world, "jongere", "own", parent_list, answers)


def test_parent_of_a_16_year_old_answers_only_with_consent(world: World, parent_list: QuestionnaireDefinition) -> None:
    world.own.birth_date = birth_date_for_age(16, today())
    world.own.save(update_fields=["birth_date"])
    answers = {"q1": 3, "q2": 3, "q3": 2}

    with pytest.raises(policy.AccessDenied):
        submit(world, "ouder", "own", parent_list, answers)

    ParentAccessDecisionFactory.create(
        client=world.own, parent=world.ouder, kind=ParentAccessDecision.Kind.CONSENTED, recorded_by=world.jongere
    )
    assert submit(world, "ouder", "own", parent_list, answers).total == 8


def test_coach_questionnaire_only_by_professionals(world: World, coach_list: QuestionnaireDefinition) -> None:
    answers = {"q1": 3, "q2": 3, "q3": 2}
    assert submit(world, "coach", "own", coach_list, answers).total == 8
    for actor_key in ("jongere", "ouder"):
        with pytest.raises(policy.AccessDenied):
            submit(world, actor_key, "own", coach_list, answers)


def test_inactive_user_may_not_answer(world: World, licensed: QuestionnaireDefinition) -> None:
    world.jongere.is_active = False
    world.jongere.save(update_fields=["is_active"])

    with pytest.raises(policy.AccessDenied):
        submit(world, "jongere", "own", licensed, ANSWERS)


def test_invalid_answers_store_nothing(world: World, licensed: QuestionnaireDefinition) -> None:
    with pytest.raises(ValueError, match=r"a: 11 is outside the scale 0 to 10; d: no answer"):
        submit(world, "jongere", "own", licensed, {"a": 11, "b": 1, "c": 1})

    assert not QuestionnaireResponse.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_inactive_definition_and_bad_context_are_refused(world: World, licensed: QuestionnaireDefinition) -> None:
    with pytest.raises(ValidationError):
        questionnaire_response_submit(
            actor=world.jongere,
            client=world.own,
            definition=licensed,
            answers=ANSWERS,
            context="Evaluatie 3!",
            access_point=ACCESS_POINT,
        )
    licensed.is_active = False
    licensed.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="no longer in use"):
        submit(world, "jongere", "own", licensed, ANSWERS)
    assert not QuestionnaireResponse.objects.exists()


def test_responses_for_client_are_read_with_clinical_access_and_logged(
    world: World, licensed: QuestionnaireDefinition
) -> None:
    first = submit(world, "jongere", "own", licensed, ANSWERS)
    second = submit(world, "coach", "own", licensed, {"a": 9, "b": 9, "c": 9, "d": 9})
    submit(world, "jongere_other", "other_team", licensed, ANSWERS)

    responses = questionnaire_responses_for_client(actor=world.coach, client=world.own, access_point=ACCESS_POINT)

    assert [response.pk for response in responses] == [second.pk, first.pk]
    read = AccessLogEntry.objects.get(event=AccessLogEntry.Event.READ)
    assert (read.action, read.client_public_id, read.username) == ("measures.responses", world.own.public_id, "coach")
    own = questionnaire_responses_for_client(actor=world.jongere, client=world.own, access_point=ACCESS_POINT)
    assert len(own) == 2


@pytest.mark.parametrize("actor_key", ["toegang", "beleid", "beheerder", "jongere_other", "coach_other_team"])
def test_responses_are_not_shown_without_clinical_access(
    world: World, licensed: QuestionnaireDefinition, actor_key: str
) -> None:
    submit(world, "jongere", "own", licensed, ANSWERS)

    with pytest.raises(policy.AccessDenied):
        questionnaire_responses_for_client(actor=world.user(actor_key), client=world.own, access_point=ACCESS_POINT)

    assert not AccessLogEntry.objects.filter(event=AccessLogEntry.Event.READ).exists()


def test_responses_go_when_the_client_file_is_destroyed(world: World, licensed: QuestionnaireDefinition) -> None:
    submit(world, "jongere", "own", licensed, ANSWERS)

    world.own.delete()

    assert not QuestionnaireResponse.objects.exists()
    assert QuestionnaireDefinition.objects.filter(pk=licensed.pk).exists()


@pytest.mark.parametrize(
    ("actor_key", "client_key", "respondent", "informant"),
    [
        ("jongere", "own", "jongere", "jongere"),
        ("ouder", "own", "ouder", "ouder"),
        ("coach", "own", "jongere", "professional"),
        ("teamleider", "own", "coach", "professional"),
    ],
)
def test_the_informant_is_who_gave_the_answers(
    world: World, actor_key: str, client_key: str, respondent: str, informant: str
) -> None:
    questionnaire_load(data=definition_data(code="lijst", respondent=respondent))
    definition = QuestionnaireDefinition.objects.get(code="lijst")

    response = submit(world, actor_key, client_key, definition, {"q1": 3, "q2": 3, "q3": 2})

    assert response.informant == informant


@pytest.mark.parametrize("respondent", ["jongere", "ouder"])
def test_an_informant_only_questionnaire_is_never_entered_by_a_professional(world: World, respondent: str) -> None:
    questionnaire_load(data=definition_data(code="eigen-oordeel", respondent=respondent, informant_only=True))
    definition = QuestionnaireDefinition.objects.get(code="eigen-oordeel")
    answers = {"q1": 3, "q2": 3, "q3": 2}

    for actor_key in ("coach", "colleague", "teamleider"):
        with pytest.raises(policy.AccessDenied):
            submit(world, actor_key, "own", definition, answers)
    assert not QuestionnaireResponse.objects.exists()
    assert submit(world, respondent, "own", definition, answers).informant == respondent


def test_informant_only_is_refused_for_the_coachs_questionnaire() -> None:
    from coachcare.measures.engine import questionnaire_definition_validate

    errors = questionnaire_definition_validate(definition_data(respondent="coach", informant_only=True))
    assert errors == ["informant_only: a questionnaire for the coach cannot be answered only by its informant"]
