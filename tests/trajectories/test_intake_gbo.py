"""Issue 16.2: the intake GBO (the baseline per goal) is rated by the young person in the portal,
and a parent with clinical access rates the same goals as second informant; the coach scores the
GAS levels, sees who answered and when, and can record "niet beantwoord, omdat …", never a rating."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from coachcare.access import policy
from coachcare.audit.services import AccessPoint
from coachcare.coaching import selectors as coaching_selectors
from coachcare.core.dates import today, years_before
from coachcare.trajectories import selectors, services
from coachcare.trajectories.models import Goal, GoalRating, GoalRatingSkipped, GoalScore, Status, Trajectory
from coachcare.trajectories.state_machine import TransitionRefused
from tests.conftest import World, log_in
from tests.trajectories.conftest import MODULES
from tests.trajectories.test_flow import refresh, run_to_intake, scale

pytestmark = pytest.mark.django_db
AP = AccessPoint(channel="web", address="127.0.0.1")


def _with_goals(world: World, count: int = 2) -> tuple[Trajectory, list[Goal]]:
    trajectory = run_to_intake(world)
    goals = [
        services.goal_add(
            actor=world.coach, trajectory=refresh(trajectory), text=f"Doel {n}", scale=scale(), access_point=AP
        )
        for n in range(1, count + 1)
    ]
    return refresh(trajectory), goals


def _agree_plan(world: World, trajectory: Trajectory) -> None:
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=refresh(trajectory), kind="plan", given_by=person, access_point=AP
        )


def _kinds(world: World, user: object) -> list[str]:
    return [item.label for item in coaching_selectors.waiting_for(actor=user, access_point=AP)]  # type: ignore[arg-type]


def test_the_young_person_rates_the_baseline_and_the_coach_only_the_gas_levels(contracted: World) -> None:
    world = contracted
    trajectory, (first, second) = _with_goals(world)
    with translation.override("en"):
        assert "Intake: how are you doing now? Give each goal a mark" in _kinds(world, world.jongere)
    # The coach never rates: not in the service, and the intake form has no GBO field.
    with pytest.raises(policy.AccessDenied):
        services.goal_ratings_submit(
            actor=world.coach, trajectory=trajectory, ratings={first.pk: 3, second.pk: 4}, access_point=AP
        )
    services.goal_scores_record(
        actor=world.coach, trajectory=trajectory, gas={first.pk: -1, second.pk: -1}, access_point=AP
    )
    assert set(GoalScore.objects.filter(module_run__isnull=True).values_list("gbo", "gbo_informant")) == {(None, "")}
    with pytest.raises(TransitionRefused, match="has not rated goal 1, 2 at intake"):
        _agree_plan(world, trajectory)
        services.module_start(
            actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP
        )

    services.goal_ratings_submit(
        actor=world.jongere, trajectory=refresh(trajectory), ratings={first.pk: 3, second.pk: 5}, access_point=AP
    )
    # The baseline is the young person's own mark, copied into the intake scores already saved.
    assert dict(GoalScore.objects.filter(module_run__isnull=True).values_list("goal_id", "gbo")) == {
        first.pk: 3,
        second.pk: 5,
    }
    assert set(GoalScore.objects.values_list("gbo_informant", flat=True)) == {"jongere"}
    with translation.override("en"):
        assert not any("Intake" in label for label in _kinds(world, world.jongere))
    _agree_plan(world, trajectory)
    services.module_start(actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP)
    assert refresh(trajectory).status == Status.MODULE_RUNNING
    with pytest.raises(ValidationError):  # the intake is over: nothing to rate until the evaluation
        services.goal_ratings_submit(
            actor=world.jongere, trajectory=refresh(trajectory), ratings={first.pk: 9, second.pk: 9}, access_point=AP
        )


def test_the_parent_rates_as_second_informant_and_the_coach_sees_both(contracted: World) -> None:
    world = contracted
    trajectory, (goal,) = _with_goals(world, count=1)
    with translation.override("en"):
        assert any("Intake: how is" in label for label in _kinds(world, world.ouder))
    services.goal_ratings_submit(actor=world.ouder, trajectory=trajectory, ratings={goal.pk: 7}, access_point=AP)
    services.goal_ratings_submit(
        actor=world.jongere, trajectory=refresh(trajectory), ratings={goal.pk: 2}, access_point=AP
    )
    services.goal_scores_record(actor=world.coach, trajectory=refresh(trajectory), gas={goal.pk: -1}, access_point=AP)
    ratings = set(GoalRating.objects.filter(module_run__isnull=True).values_list("informant", "rating"))
    assert ratings == {("ouder", 7), ("jongere", 2)}
    # The gate and the indicators use the young person's mark.
    assert GoalScore.objects.get(goal=goal, module_run__isnull=True).gbo == 2
    overview = selectors.goal_ratings_overview(trajectory=trajectory, run=None)
    row = overview.goals[0]
    assert row.young_person is not None and row.young_person.rating == 2
    assert [(parent.rating, parent.informant) for parent in row.parents] == [(7, "ouder")]

    coach = log_in(HttpClient(), world.coach)
    with translation.override("nl"):
        page = coach.get(reverse("clients:detail", kwargs={"public_id": world.own.public_id})).content.decode()
    assert "Ouder" in page and "<strong>7</strong>" in page and "<strong>2</strong>" in page
    assert 'name="scores-gbo_' not in page  # never a field to type a GBO score
    # A parent without gezag rates nothing.
    with pytest.raises(policy.AccessDenied):
        services.goal_ratings_submit(
            actor=world.ouder_zonder_gezag, trajectory=refresh(trajectory), ratings={goal.pk: 1}, access_point=AP
        )


def test_a_parent_of_a_sixteen_year_old_rates_only_with_their_consent(contracted: World) -> None:
    world = contracted
    world.own.birth_date = years_before(today(), 16)
    world.own.save(update_fields=["birth_date"])
    trajectory, (goal,) = _with_goals(world, count=1)
    assert not any("Intake: how is" in label for label in _kinds(world, world.ouder))
    with pytest.raises(policy.AccessDenied):
        services.goal_ratings_submit(actor=world.ouder, trajectory=trajectory, ratings={goal.pk: 6}, access_point=AP)
    parent = log_in(HttpClient(), world.ouder)
    url = reverse("coaching:goal_rating") + f"?client={world.own.public_id}"
    assert parent.get(url).status_code == 404


def test_the_coach_records_why_the_young_person_did_not_answer(contracted: World) -> None:
    world = contracted
    trajectory, (goal,) = _with_goals(world, count=1)
    with pytest.raises(ValidationError):  # "another reason" needs a few words
        services.goal_scores_record(
            actor=world.coach, trajectory=trajectory, gas={goal.pk: -1}, not_rated_choice="other", access_point=AP
        )
    services.goal_scores_record(
        actor=world.coach,
        trajectory=refresh(trajectory),
        gas={goal.pk: -1},
        not_rated_choice=GoalRatingSkipped.Reason.DECLINED,
        not_rated_reason="Wil eerst kennismaken",
        access_point=AP,
    )
    skipped = GoalRatingSkipped.objects.get()
    assert (skipped.reason, skipped.note, skipped.module_run) == ("declined", "Wil eerst kennismaken", None)
    assert GoalScore.objects.get(goal=goal).gbo is None
    _agree_plan(world, trajectory)
    services.module_start(actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP)
    assert refresh(trajectory).status == Status.MODULE_RUNNING


def test_a_baseline_the_coach_typed_before_stays(contracted: World) -> None:
    world = contracted
    trajectory, (goal,) = _with_goals(world, count=1)
    GoalScore.objects.create(
        goal=goal, gas=-1, gbo=4, gbo_informant="professional", convention="standard", scored_by=world.coach
    )
    services.goal_scores_record(actor=world.coach, trajectory=trajectory, gas={goal.pk: 0}, access_point=AP)
    assert list(GoalScore.objects.values_list("gas", "gbo", "gbo_informant")) == [(0, 4, "professional")]
    _agree_plan(world, trajectory)
    services.module_start(actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP)
