""" "Hoe ver ben je met je doel?" (issue 16.2 and 16.6): when a module reaches its evaluation the
young person gives each goal their own mark (0 to 10) in the portal, stored with the informant;
the coach sees the marks on the evaluation, never types them, and says why when one is missing.
Nobody else opens the page; the advice uses the young person's marks."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.coaching import selectors
from coachcare.coaching.selectors import WaitingKind
from coachcare.trajectories import services as trajectory_services
from coachcare.trajectories.models import GoalRating, GoalRatingSkipped, GoalScore, Trajectory
from tests.coaching.conftest import AP, Running
from tests.core.test_youth_language import forbidden_terms, readable_text

Login = Callable[[User], HttpClient]
PAGE = "/portal/goals/rate/"


def refresh(trajectory: Trajectory) -> Trajectory:
    return Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk)


@pytest.fixture
def at_evaluation(running: Running) -> Running:
    trajectory_services.module_finish(
        actor=running.world.coach, trajectory=refresh(running.trajectory), access_point=AP
    )
    return running


def marks(running: Running, goal: int, parenting: int) -> dict[str, str]:
    return {f"goal_{running.goal.pk}": str(goal), f"goal_{running.parenting_goal.pk}": str(parenting)}


def test_the_page_url_is_the_portals() -> None:
    assert reverse("coaching:goal_rating") == PAGE


def test_nothing_to_rate_while_the_module_runs(running: Running, login: Login) -> None:
    assert login(running.world.jongere).get(PAGE).status_code == 404
    kinds = [item.kind for item in selectors.waiting_for(actor=running.world.jongere, access_point=AP)]
    assert WaitingKind.GOALS not in kinds


def test_the_young_person_rates_their_goals_in_the_portal(at_evaluation: Running, login: Login) -> None:
    world = at_evaluation.world
    waiting = selectors.waiting_for(actor=world.jongere, access_point=AP)
    task = next(item for item in waiting if item.kind == WaitingKind.GOALS)
    assert task.url == PAGE

    http = login(world.jongere)
    events = AccessLogEntry.objects.filter(action="portal.goal_rating", username=world.jongere.username)
    at_intake = events.count()  # the intake marks (tests/trajectories/ratings.intake_baseline)
    page = http.get(PAGE).content.decode()
    assert "Op tijd op school komen" in page and "Rustig praten aan tafel" in page  # their own words
    assert "Last time you gave a 3." in page
    response = http.post(PAGE, marks(at_evaluation, 6, 5))
    assert response.status_code == 302

    ratings = {
        r.goal_id: (r.rating, r.informant, r.rated_by_id) for r in GoalRating.objects.filter(module_run__isnull=False)
    }
    assert ratings == {
        at_evaluation.goal.pk: (6, "jongere", world.jongere.pk),
        at_evaluation.parenting_goal.pk: (5, "jongere", world.jongere.pk),
    }
    new_events = events.order_by("id")[at_intake:]
    assert sorted(entry.event for entry in new_events) == ["create", "read", "read"]  # GET; POST reads, writes
    assert WaitingKind.GOALS not in [i.kind for i in selectors.waiting_for(actor=world.jongere, access_point=AP)]
    # They may change their marks until the coach scores the evaluation.
    assert http.post(PAGE, marks(at_evaluation, 7, 5)).status_code == 302
    assert GoalRating.objects.get(goal=at_evaluation.goal, module_run__isnull=False).rating == 7


def test_every_goal_needs_a_mark_from_0_to_10(at_evaluation: Running, login: Login) -> None:
    http = login(at_evaluation.world.jongere)
    response = http.post(PAGE, {f"goal_{at_evaluation.goal.pk}": "11"})
    assert response.status_code == 200
    assert not GoalRating.objects.filter(module_run__isnull=False).exists()


def test_the_page_speaks_to_the_young_person_in_dutch(at_evaluation: Running, login: Login, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "nl"
    with translation.override("nl"):
        html = login(at_evaluation.world.jongere).get(PAGE, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    text = readable_text(html)
    assert "Hoe ver ben je met je doel?" in text
    assert forbidden_terms(text, versions=[at_evaluation.trajectory.method_version.version]) == []


@pytest.mark.parametrize("who", ["ouder", "coach", "toegang", "teamleider"])
def test_nobody_else_opens_the_page(at_evaluation: Running, login: Login, who: str) -> None:
    assert login(getattr(at_evaluation.world, who)).get(PAGE).status_code == 404


def test_nobody_else_rates_for_the_young_person(at_evaluation: Running) -> None:
    world = at_evaluation.world
    # A parent with clinical access rates as second informant ("ouder"), never as the young person.
    trajectory_services.goal_ratings_submit(
        actor=world.ouder,
        trajectory=refresh(at_evaluation.trajectory),
        ratings={at_evaluation.goal.pk: 9, at_evaluation.parenting_goal.pk: 9},
        access_point=AP,
    )
    ratings = GoalRating.objects.filter(module_run__isnull=False)
    assert set(ratings.values_list("informant", "rated_by")) == {("ouder", world.ouder.pk)}
    for actor in (world.coach, world.ouder_zonder_gezag, world.toegang):
        with pytest.raises(policy.AccessDenied):
            trajectory_services.goal_ratings_submit(
                actor=actor,
                trajectory=refresh(at_evaluation.trajectory),
                ratings={at_evaluation.goal.pk: 9, at_evaluation.parenting_goal.pk: 9},
                access_point=AP,
            )


def test_the_coach_sees_the_marks_and_the_advice_uses_them(at_evaluation: Running, login: Login) -> None:
    world, goal, parenting = at_evaluation.world, at_evaluation.goal, at_evaluation.parenting_goal
    login(world.jongere).post(PAGE, marks(at_evaluation, 9, 8))
    http = login(world.coach)
    url = reverse("trajectories:evaluation", kwargs={"public_id": at_evaluation.trajectory.public_id})
    form = http.get(url).content.decode()
    assert "coachcare-youth-ratings" in form
    assert f"scores-gbo_{goal.pk}" not in form and "not_rated_reason" not in form  # nothing to type for them
    response = http.post(url, {f"scores-gas_{goal.pk}": "1", f"scores-gas_{parenting.pk}": "0"})
    assert response.status_code == 302
    scores = {s.goal_id: (s.gas, s.gbo, s.gbo_informant) for s in GoalScore.objects.filter(module_run__isnull=False)}
    assert scores == {goal.pk: (1, 9, "jongere"), parenting.pk: (0, 8, "jongere")}
    evaluation = refresh(at_evaluation.trajectory).module_runs.get().evaluation
    assert (evaluation.advice, evaluation.advice_rule, evaluation.advice_gbo_mean) == ("stop", "goals_reached", 8.5)
    # Once the evaluation is scored, the marks of this module are final.
    with pytest.raises(ValidationError):
        trajectory_services.goal_ratings_submit(
            actor=world.jongere, trajectory=refresh(at_evaluation.trajectory), ratings={goal.pk: 1, parenting.pk: 1},
            access_point=AP,
        )  # fmt: skip


def test_not_rated_the_coach_says_why_and_never_types_the_marks(at_evaluation: Running) -> None:
    world, goal, parenting = at_evaluation.world, at_evaluation.goal, at_evaluation.parenting_goal
    gas = {goal.pk: 0, parenting.pk: 0}
    with pytest.raises(ValidationError) as refused:
        trajectory_services.evaluation_score(
            actor=world.coach, trajectory=refresh(at_evaluation.trajectory), gas=gas, access_point=AP
        )
    assert "not_rated_choice" in refused.value.message_dict
    evaluation = trajectory_services.evaluation_score(
        actor=world.coach,
        trajectory=refresh(at_evaluation.trajectory),
        gas=gas,
        not_rated_choice="other",
        not_rated_reason="Telefoon kapot",
        access_point=AP,
    )
    assert evaluation.gbo_not_rated_reason == "another reason: Telefoon kapot"
    skipped = GoalRatingSkipped.objects.get()
    assert (skipped.reason, skipped.note, skipped.module_run_id) == (
        "other",
        "Telefoon kapot",
        evaluation.module_run_id,
    )
    assert set(GoalScore.objects.filter(module_run__isnull=False).values_list("gbo", "gbo_informant")) == {(None, "")}
    assert evaluation.advice_gbo_mean is None
