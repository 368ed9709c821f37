""" "My trajectory" (/portal/traject/): the young person keeps their answers and the coach's feedback
after a module is finished, reads "your trajectory has ended" with what happens next after closure,
every read is in the access log, and the page runs a fixed number of queries."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.coaching import selectors, services
from coachcare.coaching.models import AssignmentAnswer
from coachcare.coaching.selectors import WaitingKind
from coachcare.method.models import Assignment
from coachcare.trajectories import services as trajectory_services
from coachcare.trajectories.models import Evaluation, FollowUp, ModuleRun, Status, Trajectory
from tests.coaching.conftest import AP, MODULES, Running
from tests.conftest import World
from tests.pages import shows
from tests.trajectories.ratings import evaluate

Login = Callable[[User], HttpClient]


def refresh(trajectory: Trajectory) -> Trajectory:
    return Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk)


def answered_with_feedback(running: Running, *, text: str = "Drie wensen", feedback: str = "Mooi gedaan!") -> None:
    assignment = Assignment.objects.filter(module=running.run.module, answer_kind="text").order_by("order").first()
    assert assignment is not None
    answer = services.assignment_answer_save(
        actor=running.world.jongere,
        module_run=running.run,
        assignment=assignment,
        text=text,
        submit=True,
        access_point=AP,
    )
    services.assignment_feedback_give(actor=running.world.coach, answer=answer, feedback=feedback, access_point=AP)


def finish_module(running: Running) -> None:
    trajectory_services.module_finish(
        actor=running.world.coach, trajectory=refresh(running.trajectory), access_point=AP
    )


def close(running: Running) -> Trajectory:
    finish_module(running)
    world = running.world
    evaluation = evaluate(
        actor=world.coach,
        trajectory=refresh(running.trajectory),
        scores={running.goal.pk: (1, 8), running.parenting_goal.pk: (1, 8)},
        access_point=AP,
    )
    evaluation = trajectory_services.evaluation_decide(
        actor=world.coach, evaluation=evaluation, decision="stop", reason="Doelen gehaald", access_point=AP
    )
    if evaluation.approval == Evaluation.Approval.PENDING:
        trajectory_services.evaluation_approve(
            actor=world.teamleider, evaluation=evaluation, approve=True, access_point=AP
        )
    return trajectory_services.trajectory_close(
        actor=world.coach, trajectory=refresh(running.trajectory), end_reason="31", access_point=AP
    )


def test_a_finished_modules_answer_and_feedback_stay_readable(running: Running, login: Login) -> None:
    answered_with_feedback(running, text="Op tijd opstaan", feedback="Goed plan, probeer het een week.")
    finish_module(running)
    assert ModuleRun.objects.get(pk=running.run.pk).state == ModuleRun.State.FINISHED
    http = login(running.world.jongere)
    module_page = http.get(reverse("coaching:module")).content.decode()
    assert "No module is running right now." in module_page
    assert reverse("coaching:trajectory") in module_page  # the way to the finished work
    page = http.get(reverse("coaching:trajectory")).content.decode()
    assert "Op tijd opstaan" in page and "Goed plan, probeer het een week." in page
    assert "Kennismaken en je doelen kiezen" in page  # the module's youth title
    assert "Done: from" in page
    assert "Your trajectory has ended" not in page


def test_new_feedback_on_a_finished_module_waits_and_leads_to_my_trajectory(running: Running, login: Login) -> None:
    assignment = Assignment.objects.filter(module=running.run.module, answer_kind="text").order_by("order").first()
    assert assignment is not None
    answer = services.assignment_answer_save(
        actor=running.world.jongere,
        module_run=running.run,
        assignment=assignment,
        text="x",
        submit=True,
        access_point=AP,
    )
    finish_module(running)
    services.assignment_feedback_give(actor=running.world.coach, answer=answer, feedback="Top", access_point=AP)
    # Besides "give your goals a mark" (the module reached its evaluation), the feedback waits.
    goals, item = selectors.waiting_for(actor=running.world.jongere, access_point=AP)
    assert goals.kind == WaitingKind.GOALS
    assert (item.kind, item.url) == (WaitingKind.FEEDBACK, reverse("coaching:trajectory"))
    assert login(running.world.jongere).get(item.url).status_code == 200
    assert selectors.waiting_for(actor=running.world.jongere, access_point=AP) == [goals]
    assert AssignmentAnswer.objects.get(pk=answer.pk).feedback_read_at is not None


def test_after_closure_the_page_says_the_trajectory_has_ended_and_what_happens_next(
    running: Running, login: Login
) -> None:
    answered_with_feedback(running)
    closed = close(running)
    assert closed.status == Status.CLOSED
    http = login(running.world.jongere)
    page = http.get(reverse("coaching:trajectory")).content.decode()
    assert "Your trajectory has ended" in page
    for follow_up in FollowUp.objects.filter(trajectory=closed):
        assert follow_up.due_on.strftime("%-d") in page
        assert f"{follow_up.due_on.year}" in page
    assert "Around" in page and "your coach will contact you" in page
    assert reverse("safeguarding:crisis_help") in page
    assert shows(running.world.own.provider.name, page)
    assert "Drie wensen" in page and "Mooi gedaan!" in page  # the work is still there
    home = http.get(reverse("coaching:home")).content.decode()
    assert "Your trajectory has ended." in home and reverse("coaching:trajectory") in home


def test_an_archived_trajectory_is_no_longer_shown(running: Running, login: Login) -> None:
    answered_with_feedback(running)
    Trajectory.objects.filter(pk=running.trajectory.pk).update(status=Status.ARCHIVED)
    page = login(running.world.jongere).get(reverse("coaching:trajectory")).content.decode()
    assert "Drie wensen" not in page and "Mooi gedaan!" not in page
    assert "Your trajectory has not started yet." in page


@pytest.mark.parametrize("who", ["ouder", "coach", "toegang"])
def test_only_the_young_person_has_my_trajectory(running: Running, login: Login, who: str) -> None:
    answered_with_feedback(running)
    response = login(getattr(running.world, who)).get(reverse("coaching:trajectory"))
    assert response.status_code == 404
    assert b"Drie wensen" not in response.content


def test_every_read_is_in_the_access_log(running: Running, login: Login) -> None:
    login(running.world.jongere).get(reverse("coaching:trajectory"))
    entry = AccessLogEntry.objects.filter(action="portal.trajectory").latest("id")
    assert (entry.user_id, entry.client_public_id) == (running.world.jongere.pk, running.world.own.public_id)


def test_query_count_does_not_grow_with_modules_and_answers(
    running: Running, login: Login, django_assert_max_num_queries: Any
) -> None:
    http = login(running.world.jongere)
    answered_with_feedback(running)
    http.get(reverse("coaching:trajectory"))  # warm caches (session, user)
    with django_assert_max_num_queries(40) as few:
        assert http.get(reverse("coaching:trajectory")).status_code == 200
    # More: every assignment of the first module answered, a second module running with answers.
    for assignment in Assignment.objects.filter(module=running.run.module, answer_kind="text").order_by("order")[1:]:
        services.assignment_answer_save(
            actor=running.world.jongere,
            module_run=running.run,
            assignment=assignment,
            text="y",
            submit=True,
            access_point=AP,
        )
    close_first = refresh(running.trajectory)
    trajectory_services.module_finish(actor=running.world.coach, trajectory=close_first, access_point=AP)
    evaluation = evaluate(
        actor=running.world.coach,
        trajectory=refresh(running.trajectory),
        scores={running.goal.pk: (0, 6), running.parenting_goal.pk: (0, 6)},
        access_point=AP,
    )
    evaluation = trajectory_services.evaluation_decide(
        actor=running.world.coach,
        evaluation=evaluation,
        decision="continue",
        reason="Verder",
        next_module_code=MODULES[1],
        access_point=AP,
    )
    if evaluation.approval == Evaluation.Approval.PENDING:
        trajectory_services.evaluation_approve(
            actor=running.world.teamleider, evaluation=evaluation, approve=True, access_point=AP
        )
    second = trajectory_services.module_start(
        actor=running.world.coach, trajectory=refresh(running.trajectory), module_code=MODULES[1], access_point=AP
    )
    for assignment in Assignment.objects.filter(module=second.module, answer_kind="text"):
        services.assignment_answer_save(
            actor=running.world.jongere,
            module_run=second,
            assignment=assignment,
            text="z",
            submit=True,
            access_point=AP,
        )
    assert ModuleRun.objects.filter(trajectory=running.trajectory).count() == 2
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = http.get(reverse("coaching:trajectory"))
    assert page.status_code == 200 and page.content.decode().count('class="coachcare-assignment"') >= 6


@pytest.mark.parametrize("language", ["nl", "en"])
def test_my_file_of_a_new_trajectory_shows_no_allocation_step_or_method_version(
    world: World,
    login: Login,
    settings: Any,
    language: str,
) -> None:
    from coachcare.demo.installers import method_demo_package_install
    from tests.core.test_youth_language import forbidden_terms, readable_text

    settings.LANGUAGE_CODE = language
    method_demo_package_install()
    trajectory_services.trajectory_open(actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP)
    coach_page = login(world.coach).get(reverse("clients:detail", kwargs={"public_id": world.own.public_id}))
    assert "2026.2" in coach_page.content.decode()  # the professional's file names the version
    for person in (world.jongere, world.ouder):
        page = login(person).get(reverse("clients:detail", kwargs={"public_id": world.own.public_id}))
        assert page.status_code == 200
        assert forbidden_terms(readable_text(page.content.decode()), versions=["2026.2"]) == []


def test_the_parent_follows_the_modules_and_the_end_but_never_reads_the_work(running: Running, login: Login) -> None:
    answered_with_feedback(running)
    http = login(running.world.ouder)
    page = http.get(reverse("coaching:home")).content.decode()
    assert running.run.module.name in page and "running since" in page
    closed = close(running)
    page = http.get(reverse("coaching:home")).content.decode()
    assert "has ended on" in page and "the coach will get in touch" in page
    assert reverse("safeguarding:crisis_help") in page
    assert "done, from" in page
    assert "Drie wensen" not in page and "Mooi gedaan!" not in page  # the young person's own work
    assert closed.status == Status.CLOSED
    assert AccessLogEntry.objects.filter(action="portal.trajectory", user_id=running.world.ouder.pk).exists()
