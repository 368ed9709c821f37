"""'Waiting for you': what waits for the young person or parent themself, on top of their start page."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import F
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.coaching import selectors, services
from coachcare.coaching.models import Appointment
from coachcare.coaching.selectors import WaitingKind
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from coachcare.messaging import services as messaging_services
from coachcare.messaging.models import Thread
from coachcare.method.models import Assignment
from coachcare.trajectories import services as trajectory_services
from coachcare.trajectories.models import Agreement, Trajectory
from tests.clients.factories import ClientFactory, GezagRelationFactory
from tests.coaching.conftest import AP, Running
from tests.conftest import World

Login = Callable[[User], HttpClient]


def kinds(user: User) -> list[str]:
    return [item.kind for item in selectors.waiting_for(actor=user, access_point=AP)]


def opened(world: World) -> Trajectory:
    """A referral: care has not been consented to by anyone yet."""
    method_demo_package_install()
    return trajectory_services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )


def past_appointment(running: Running, *, days_ago: int = 1) -> Appointment:
    start = timezone.now() - datetime.timedelta(days=days_ago)
    return services.appointment_create(
        actor=running.world.coach,
        client=running.world.own,
        trajectory=running.trajectory,
        starts_at=start - datetime.timedelta(hours=1),
        ends_at=start,
        kind="offline",
        location="Oudegracht 1, Utrecht",
        title="Gesprek",
        with_parents=False,
        access_point=AP,
    )


def new_plan_revision(running: Running) -> None:
    """The goals changed (at a module evaluation): the plan has a new revision to agree to."""
    Trajectory.objects.filter(pk=running.trajectory.pk).update(plan_revision=F("plan_revision") + 1)


def feedback(running: Running, *, index: int = 0) -> None:
    assignment = list(
        Assignment.objects.filter(module=running.run.module)
        .exclude(answer_kind=Assignment.AnswerKind.CHOICE)
        .order_by("order")
    )[index]
    answer = services.assignment_answer_save(
        actor=running.world.jongere,
        module_run=running.run,
        assignment=assignment,
        text="Mijn antwoord",
        submit=True,
        access_point=AP,
    )
    services.assignment_feedback_give(actor=running.world.coach, answer=answer, feedback="Goed!", access_point=AP)


def test_consent_waits_for_the_young_person_and_each_parent_with_gezag(world: World) -> None:
    opened(world)
    [item] = selectors.waiting_for(actor=world.jongere, access_point=AP)
    assert item.kind == WaitingKind.CONSENT and item.label == "Your consent is needed"
    assert item.url == f"{reverse('privacy:consent')}#consent-{world.own.public_id}"
    assert item.since == today()
    [parent_item] = selectors.waiting_for(actor=world.ouder, access_point=AP)
    assert parent_item.kind == WaitingKind.CONSENT
    assert parent_item.label == f"Your consent is needed for {world.own.given_name}"
    assert kinds(world.ouder_zonder_gezag) == []
    assert kinds(world.coach) == [] and kinds(world.toegang) == []
    assert AccessLogEntry.objects.filter(user_id=world.jongere.pk, action="portal.waiting").exists()


def test_consent_given_is_no_longer_waiting_for_that_person_only(world: World) -> None:
    trajectory = opened(world)
    trajectory_services.agreement_record(
        actor=world.jongere, trajectory=trajectory, kind=Agreement.Kind.CARE, given_by=world.jongere, access_point=AP
    )
    assert kinds(world.jongere) == []
    assert kinds(world.ouder) == [WaitingKind.CONSENT]


def test_a_new_plan_revision_waits_for_agreement(running: Running) -> None:
    world = running.world
    assert kinds(world.jongere) == [WaitingKind.MODULE] and kinds(world.ouder) == []
    new_plan_revision(running)
    assert kinds(world.jongere) == [WaitingKind.PLAN, WaitingKind.MODULE]
    assert kinds(world.ouder) == [WaitingKind.PLAN]


def test_a_due_questionnaire_waits_with_one_link(running: Running) -> None:
    appointment = past_appointment(running, days_ago=2)
    item, module = selectors.waiting_for(actor=running.world.jongere, access_point=AP)
    assert (item.kind, module.kind) == (WaitingKind.QUESTIONNAIRE, WaitingKind.MODULE)
    assert item.url.startswith(reverse("coaching:questionnaire", kwargs={"code": "sessie-feedback"}) + "?context=")
    assert str(appointment.public_id) in item.url
    assert item.since == timezone.localdate(appointment.ends_at)
    assert kinds(running.world.ouder) == []  # the young person's questionnaire, not the parent's


def test_new_feedback_waits_until_the_module_is_opened(running: Running, login: Login) -> None:
    feedback(running)
    assert kinds(running.world.jongere) == [WaitingKind.MODULE, WaitingKind.FEEDBACK]
    http = login(running.world.jongere)
    assert http.get(reverse("coaching:module")).status_code == 200
    assert kinds(running.world.jongere) == [WaitingKind.MODULE]


def test_the_running_modules_assignments_wait_until_all_are_submitted(running: Running) -> None:
    [item] = selectors.waiting_for(actor=running.world.jongere, access_point=AP)
    assert (item.kind, item.url, item.since) == (WaitingKind.MODULE, reverse("coaching:module"), running.run.started_on)
    assert kinds(running.world.ouder) == []  # the young person's own work, not the parent's
    for assignment in Assignment.objects.filter(module=running.run.module).order_by("order"):
        assert kinds(running.world.jongere) == [WaitingKind.MODULE]
        services.assignment_answer_save(
            actor=running.world.jongere,
            module_run=running.run,
            assignment=assignment,
            text=assignment.choices[0] if assignment.choices else "Klaar",
            submit=True,
            access_point=AP,
        )
    assert kinds(running.world.jongere) == []


def test_unread_messages_wait_until_read(running: Running) -> None:
    world = running.world
    thread = messaging_services.thread_for(actor=world.coach, client=world.own, kind=Thread.Kind.YOUTH)
    messaging_services.message_post(actor=world.coach, thread=thread, body="Hoi!", access_point=AP)
    _module, item = selectors.waiting_for(actor=world.jongere, access_point=AP)
    assert item.kind == WaitingKind.MESSAGES and item.url == reverse("messaging:inbox")
    messaging_services.thread_mark_read(actor=world.jongere, thread=thread)
    assert kinds(world.jongere) == [WaitingKind.MODULE]


def test_query_count_does_not_grow_with_the_items(running: Running, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    world = running.world
    past_appointment(running, days_ago=1)
    with django_assert_max_num_queries(14) as few:
        assert len(selectors.waiting_for(actor=world.jongere, access_point=AP)) == 2
    for days in (2, 3):
        past_appointment(running, days_ago=days)
    feedback(running, index=0)
    feedback(running, index=1)
    thread = messaging_services.thread_for(actor=world.coach, client=world.own, kind=Thread.Kind.YOUTH)
    for text in ("Hoi", "Hoe gaat het?", "Tot morgen"):
        messaging_services.message_post(actor=world.coach, thread=thread, body=text, access_point=AP)
    new_plan_revision(running)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(selectors.waiting_for(actor=world.jongere, access_point=AP)) == 7


def test_the_portal_opens_with_the_waiting_list(running: Running, login: Login) -> None:
    past_appointment(running)
    page = login(running.world.jongere).get(reverse("coaching:home")).content.decode()
    assert 'id="waiting-heading"' in page
    assert page.index("waiting-heading") < page.index("module-heading") < page.index("goals-heading")
    assert "How did the session go?" in page


@pytest.mark.parametrize("user_key", ["ouder"])
def test_the_parent_start_page_opens_with_the_waiting_list_in_dutch(
    world: World,
    login: Login,
    settings: Any,
    user_key: str,
) -> None:
    settings.LANGUAGE_CODE = "nl"
    opened(world)
    with translation.override("nl"):
        page = login(world.ouder).get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Wacht op jou" in page
    assert f"Jouw toestemming is nodig voor {world.own.given_name}" in page
    assert page.index("waiting-heading") < page.index("coachcare-list")
    assert f"#consent-{world.own.public_id}" in page


def test_nothing_waiting_says_so(running: Running, login: Login) -> None:
    for assignment in Assignment.objects.filter(module=running.run.module):
        services.assignment_answer_save(
            actor=running.world.jongere,
            module_run=running.run,
            assignment=assignment,
            text=assignment.choices[0] if assignment.choices else "Klaar",
            submit=True,
            access_point=AP,
        )
    page = login(running.world.jongere).get(reverse("coaching:home")).content.decode()
    assert "Nothing is waiting for you right now." in page


def test_parent_query_count_does_not_grow_with_children(world: World, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    method_demo_package_install()

    def child_in_care() -> None:
        client = ClientFactory.create(age=14, coach=world.coach, team=world.team_1)
        GezagRelationFactory.create(client=client, parent=world.ouder)
        trajectory_services.trajectory_open(actor=world.coach, client=client, referrer_kind="gemeente", access_point=AP)

    opened(world)
    with django_assert_max_num_queries(20) as few:
        assert kinds(world.ouder) == [WaitingKind.CONSENT]
    for _ in range(3):
        child_in_care()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert kinds(world.ouder) == [WaitingKind.CONSENT] * 4


def test_the_portal_s_reads_give_the_same_items(running: Running) -> None:
    """The portal hands its latest trajectory, running module and due questionnaires to
    ``waiting_for``: the items are the same as when it reads them itself."""
    world = running.world
    past_appointment(running, days_ago=1)
    feedback(running, index=0)
    thread = messaging_services.thread_for(actor=world.coach, client=world.own, kind=Thread.Kind.YOUTH)
    messaging_services.message_post(actor=world.coach, thread=thread, body="Hoi", access_point=AP)
    new_plan_revision(running)
    alone = selectors.waiting_for(actor=world.jongere, access_point=AP)
    portal = selectors.portal_get(actor=world.jongere, access_point=AP)
    assert selectors.waiting_for(actor=world.jongere, access_point=AP, portal=portal) == alone
    assert len(alone) >= 4
