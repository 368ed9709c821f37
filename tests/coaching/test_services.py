"""Assignment answers (draft, submit, feedback), diary check-ins and appointments."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from coachcare.access import policy
from coachcare.audit.models import AccessLogEntry
from coachcare.coaching import services
from coachcare.coaching.models import Appointment, AssignmentAnswer, DiaryEntry
from coachcare.method.models import Assignment
from tests.coaching.conftest import AP, Running


def text_assignment(running: Running) -> Assignment:
    return Assignment.objects.filter(module=running.run.module, answer_kind="text").order_by("order").first()  # type: ignore[return-value]


def test_draft_stays_editable_and_submitted_is_final(running: Running) -> None:
    world = running.world
    assignment = text_assignment(running)
    draft = services.assignment_answer_save(
        actor=world.jongere,
        module_run=running.run,
        assignment=assignment,
        text="Eerste idee",
        submit=False,
        access_point=AP,
    )
    assert draft.status == AssignmentAnswer.Status.DRAFT and draft.submitted_at is None
    again = services.assignment_answer_save(
        actor=world.jongere,
        module_run=running.run,
        assignment=assignment,
        text="Beter idee",
        submit=False,
        access_point=AP,
    )
    assert again.pk == draft.pk and again.text == "Beter idee"
    submitted = services.assignment_answer_save(
        actor=world.jongere,
        module_run=running.run,
        assignment=assignment,
        text="Definitief",
        submit=True,
        access_point=AP,
    )
    assert submitted.status == AssignmentAnswer.Status.SUBMITTED and submitted.submitted_at is not None
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.assignment_answer_save(
            actor=world.jongere,
            module_run=running.run,
            assignment=assignment,
            text="Toch anders",
            submit=False,
            access_point=AP,
        )
    assert AssignmentAnswer.objects.get().text == "Definitief"
    actions = list(
        AccessLogEntry.objects.filter(action__startswith="portal.assignment")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["portal.assignment.draft", "portal.assignment.draft", "portal.assignment.submit"]


def test_answer_text_is_encrypted_at_rest(running: Running) -> None:
    services.assignment_answer_save(
        actor=running.world.jongere,
        module_run=running.run,
        assignment=text_assignment(running),
        text="Geheim antwoord",
        submit=False,
        access_point=AP,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM coaching_assignmentanswer")
        (raw,) = cursor.fetchone()
    assert "Geheim" not in raw


def test_empty_answer_cannot_be_submitted_and_choice_must_be_an_option(running: Running) -> None:
    world = running.world
    with pytest.raises(ValidationError, match="before you submit"):
        services.assignment_answer_save(
            actor=world.jongere,
            module_run=running.run,
            assignment=text_assignment(running),
            text=" ",
            submit=True,
            access_point=AP,
        )
    choice = Assignment.objects.get(module=running.run.module, answer_kind="choice")
    with pytest.raises(ValidationError, match="Choose one of the options"):
        services.assignment_answer_save(
            actor=world.jongere,
            module_run=running.run,
            assignment=choice,
            text="Geweldig",
            submit=True,
            access_point=AP,
        )
    answer = services.assignment_answer_save(
        actor=world.jongere,
        module_run=running.run,
        assignment=choice,
        text=choice.choices[3],
        submit=True,
        access_point=AP,
    )
    assert answer.text == choice.choices[3]


@pytest.mark.parametrize("who", ["coach", "ouder", "jongere_other", "teamleider"])
def test_only_the_young_person_answers(running: Running, who: str) -> None:
    with pytest.raises(policy.AccessDenied):
        services.assignment_answer_save(
            actor=running.world.user(who),
            module_run=running.run,
            assignment=text_assignment(running),
            text="x",
            submit=False,
            access_point=AP,
        )


def test_coach_gives_feedback_on_a_submitted_answer(running: Running) -> None:
    world = running.world
    assignment = text_assignment(running)
    answer = services.assignment_answer_save(
        actor=world.jongere,
        module_run=running.run,
        assignment=assignment,
        text="Concept",
        submit=False,
        access_point=AP,
    )
    with pytest.raises(ValidationError, match="submitted answer"):
        services.assignment_feedback_give(actor=world.coach, answer=answer, feedback="Goed!", access_point=AP)
    answer = services.assignment_answer_save(
        actor=world.jongere, module_run=running.run, assignment=assignment, text="Klaar", submit=True, access_point=AP
    )
    for outsider in (world.coach_other_team, world.ouder, world.jongere, world.toegang, world.beheerder):
        with pytest.raises(policy.AccessDenied):
            services.assignment_feedback_give(actor=outsider, answer=answer, feedback="x", access_point=AP)
    services.assignment_feedback_give(actor=world.coach, answer=answer, feedback="Mooi gedaan!", access_point=AP)
    answer.refresh_from_db()
    assert (answer.feedback, answer.feedback_by) == ("Mooi gedaan!", world.coach)
    assert AccessLogEntry.objects.filter(action="portal.assignment.feedback", user_id=world.coach.pk).count() == 1


@pytest.mark.parametrize("mood", [0, 6, -1])
def test_diary_mood_must_be_1_to_5(running: Running, mood: int) -> None:
    with pytest.raises(ValidationError, match="from 1 to 5"):
        services.diary_entry_add(actor=running.world.jongere, client=running.world.own, mood=mood, access_point=AP)


def test_diary_check_constraint_in_the_database(running: Running) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        DiaryEntry.objects.create(
            client=running.world.own, mood=7, created_at=timezone.now(), created_by=running.world.jongere
        )


def test_diary_entry_by_the_young_person_only(running: Running) -> None:
    world = running.world
    entry = services.diary_entry_add(actor=world.jongere, client=world.own, mood=2, text="Moe", access_point=AP)
    assert (entry.mood, entry.text) == (2, "Moe")
    for other in (world.coach, world.ouder, world.jongere_other):
        with pytest.raises(policy.AccessDenied):
            services.diary_entry_add(actor=other, client=world.own, mood=3, access_point=AP)
    assert AccessLogEntry.objects.filter(action="portal.diary.add").count() == 1


def test_appointment_by_the_coach_with_checks(running: Running) -> None:
    world = running.world
    start = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError):
        services.appointment_create(
            actor=world.coach,
            client=world.own,
            starts_at=start,
            ends_at=start,
            kind="offline",
            location="",
            title="Gesprek",
            access_point=AP,
        )
    with pytest.raises(policy.AccessDenied):
        services.appointment_create(
            actor=world.jongere,
            client=world.own,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            kind="online",
            location="Video",
            title="Gesprek",
            access_point=AP,
        )
    appointment = services.appointment_create(
        actor=world.coach,
        client=world.own,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        kind="online",
        location="Video",
        title="Gesprek",
        with_parents=True,
        trajectory=running.trajectory,
        access_point=AP,
    )
    assert Appointment.objects.get() == appointment
