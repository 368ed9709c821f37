"""A trajectory through the state machine, step by step, with every guard refusing first."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import default_task_backend
from django.utils import timezone

from coachcare.access import policy
from coachcare.audit.services import AccessPoint
from coachcare.contracts import services as contract_services
from coachcare.core.dates import today
from coachcare.trajectories import services
from coachcare.trajectories.models import Agreement, Evaluation, FollowUp, ModuleRun, Status, Trajectory
from coachcare.trajectories.state_machine import (
    StaleTrajectory,
    TransitionRefused,
    consent_for_care,
    transition_apply,
    transition_check,
)
from tests.conftest import World
from tests.trajectories.conftest import MODULES
from tests.trajectories.ratings import evaluate, intake_baseline

AP = AccessPoint(channel="web", address="127.0.0.1")


def grant(world: World, trajectory: Trajectory) -> Trajectory:
    """The coach requests the first module; the municipality's access team grants it (JW301)."""
    allocation = services.trajectory_request_allocation(actor=world.coach, trajectory=trajectory, access_point=AP)
    assert allocation.status == "requested"  # the first module is always the municipality's decision
    contract_services.allocation_approve(
        actor=world.toegang,
        allocation=allocation,
        volume=1,
        start_date=today(),
        end_date=today() + datetime.timedelta(days=180),
        access_point=AP,
    )
    services.trajectory_allocate(actor=world.coach, trajectory=refresh(trajectory), access_point=AP)
    return refresh(trajectory)


def refresh(trajectory: Trajectory) -> Trajectory:
    return Trajectory.objects.select_related("client", "method_version").get(pk=trajectory.pk)


def run_to_intake(world: World) -> Trajectory:
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="huisarts", access_point=AP
    )
    trajectory = grant(world, trajectory)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=trajectory, kind="care", given_by=person, access_point=AP
        )
    services.trajectory_start_intake(actor=world.coach, trajectory=trajectory, access_point=AP)
    return refresh(trajectory)


def scale() -> dict[int, str]:
    return {-2: "veel slechter", -1: "zoals nu", 0: "verwacht", 1: "beter", 2: "veel beter"}


def test_whole_trajectory_from_referral_to_archive(contracted: World) -> None:
    world = contracted
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    assert trajectory.status == Status.REFERRED
    assert trajectory.next_action == "request_allocation"
    assert trajectory.municipality_id == world.own.municipality_id  # the municipality at referral

    # A step out of order is refused with a reason.
    assert transition_check(trajectory=trajectory, name="start_intake", on=today())

    services.trajectory_request_allocation(actor=world.coach, trajectory=trajectory, access_point=AP)
    trajectory = refresh(trajectory)
    assert (trajectory.status, trajectory.next_action) == (Status.REFERRED, "await_allocation")
    with pytest.raises(TransitionRefused, match="no allocation"):
        services.trajectory_allocate(actor=world.coach, trajectory=trajectory, access_point=AP)
    allocation = trajectory.client.allocations.get()
    contract_services.allocation_approve(
        actor=world.toegang,
        allocation=allocation,
        volume=1,
        start_date=today(),
        end_date=today() + datetime.timedelta(days=180),
        access_point=AP,
    )
    services.trajectory_allocate(actor=world.coach, trajectory=trajectory, access_point=AP)
    trajectory = refresh(trajectory)
    assert trajectory.status == Status.ALLOCATED

    # 15 years old: the young person AND the parent with gezag consent.
    with pytest.raises(TransitionRefused, match="Consent to care is missing"):
        services.trajectory_start_intake(actor=world.coach, trajectory=trajectory, access_point=AP)
    services.agreement_record(
        actor=world.coach, trajectory=trajectory, kind="care", given_by=world.jongere, access_point=AP
    )
    with pytest.raises(TransitionRefused) as refused:
        services.trajectory_start_intake(actor=world.coach, trajectory=trajectory, access_point=AP)
    assert world.ouder.display_name in str(refused.value)
    services.agreement_record(
        actor=world.coach, trajectory=trajectory, kind="care", given_by=world.ouder, access_point=AP
    )
    services.trajectory_start_intake(actor=world.coach, trajectory=trajectory, access_point=AP)
    trajectory = refresh(trajectory)

    with pytest.raises(TransitionRefused, match="at least one goal"):
        services.module_start(actor=world.coach, trajectory=trajectory, module_code=MODULES[0], access_point=AP)
    goal = services.goal_add(
        actor=world.coach, trajectory=trajectory, text="Op tijd op school", scale=scale(), access_point=AP
    )
    trajectory = refresh(trajectory)
    with pytest.raises(TransitionRefused, match="Score the GAS level of every goal"):
        services.module_start(actor=world.coach, trajectory=trajectory, module_code=MODULES[0], access_point=AP)
    intake_baseline(actor=world.coach, trajectory=trajectory, scores={goal.pk: (-1, 3)}, access_point=AP)
    with pytest.raises(TransitionRefused, match="not yet agreed"):
        services.module_start(actor=world.coach, trajectory=trajectory, module_code=MODULES[0], access_point=AP)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=trajectory, kind="plan", given_by=person, access_point=AP
        )
    run = services.module_start(actor=world.coach, trajectory=trajectory, module_code=MODULES[0], access_point=AP)
    trajectory = refresh(trajectory)
    assert trajectory.status == Status.MODULE_RUNNING
    assert run.allocation is not None and run.allocation.volume_used == 1
    assert trajectory.next_action_due == run.due_on

    services.module_finish(actor=world.coach, trajectory=trajectory, access_point=AP)
    trajectory = refresh(trajectory)
    evaluation = evaluate(actor=world.coach, trajectory=trajectory, scores={goal.pk: (0, 6)}, access_point=AP)
    assert (evaluation.advice, evaluation.advice_rule, evaluation.advice_next_module_code) == (
        "continue",
        "fits_open_goals",  # a goal without a domain fits every module that serves one
        MODULES[1],
    )

    # The coach deviates (stop instead of continue): nothing further until the team lead approves.
    evaluation = services.evaluation_decide(
        actor=world.coach, evaluation=evaluation, decision="stop", reason="Gaat goed genoeg", access_point=AP
    )
    assert evaluation.deviates and evaluation.approval == Evaluation.Approval.PENDING
    trajectory = refresh(trajectory)
    with pytest.raises(TransitionRefused, match="team lead"):
        services.trajectory_close(actor=world.coach, trajectory=trajectory, end_reason="31", access_point=AP)
    for not_allowed in (world.coach, world.teamleider_other_team):
        with pytest.raises(policy.AccessDenied):
            services.evaluation_approve(actor=not_allowed, evaluation=evaluation, approve=True, access_point=AP)
    services.evaluation_approve(actor=world.teamleider, evaluation=evaluation, approve=True, access_point=AP)

    with mock.patch("django.db.transaction.on_commit", side_effect=lambda func, **kw: func()):
        trajectory = services.trajectory_close(
            actor=world.coach, trajectory=trajectory, end_reason="31", access_point=AP
        )
    assert trajectory.status == Status.CLOSED
    assert trajectory.end_reason == "31"
    assert trajectory.final_gbo_mean == 6.0
    follow_ups = list(FollowUp.objects.filter(trajectory=trajectory).order_by("months"))
    assert [f.months for f in follow_ups] == [6, 12]
    enqueued = [r for r in default_task_backend.results if r.task.name == "follow_up_due_task"]  # type: ignore[attr-defined]
    assert len(enqueued) == 2
    assert all(r.task.run_after is not None for r in enqueued)

    # The 6-month task runs: the trajectory goes to follow-up; running it again changes nothing.
    assert services.follow_up_mark_due(follow_up_id=follow_ups[0].pk, on=follow_ups[0].due_on) is True
    assert services.follow_up_mark_due(follow_up_id=follow_ups[0].pk, on=follow_ups[0].due_on) is False
    trajectory = refresh(trajectory)
    assert trajectory.status == Status.FOLLOW_UP
    services.follow_up_record(
        actor=world.coach, follow_up=FollowUp.objects.get(pk=follow_ups[0].pk), needed_care_again=False, access_point=AP
    )
    assert services.follow_up_mark_due(follow_up_id=follow_ups[1].pk, on=follow_ups[1].due_on) is True
    services.follow_up_record(
        actor=world.coach, follow_up=FollowUp.objects.get(pk=follow_ups[1].pk), needed_care_again=True, access_point=AP
    )
    trajectory = refresh(trajectory)
    assert trajectory.status == Status.ARCHIVED
    names = list(trajectory.transitions.values_list("name", flat=True))
    assert names == [
        "allocate", "start_intake", "start_module", "finish_module", "close", "begin_follow_up", "archive",
    ]  # fmt: skip
    assert trajectory.transitions.get(name="begin_follow_up").by_role == "system"


def test_follow_up_task_before_its_date_does_nothing(contracted: World) -> None:
    trajectory = run_to_intake(contracted)
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda func, **kw: func()):
        trajectory = services.trajectory_close(
            actor=contracted.coach, trajectory=trajectory, end_reason="32", access_point=AP
        )
    follow_up = FollowUp.objects.filter(trajectory=trajectory).order_by("months").first()
    assert follow_up is not None
    assert services.follow_up_mark_due(follow_up_id=follow_up.pk, on=today()) is False
    assert refresh(trajectory).status == Status.CLOSED


def test_early_end_is_possible_any_time_but_31_needs_the_gate(contracted: World) -> None:
    trajectory = run_to_intake(contracted)
    with pytest.raises(TransitionRefused, match="follows a module evaluation"):
        services.trajectory_close(actor=contracted.coach, trajectory=trajectory, end_reason="31", access_point=AP)
    with pytest.raises(TransitionRefused, match="end reason"):
        services.trajectory_close(actor=contracted.coach, trajectory=trajectory, end_reason="", access_point=AP)
    closed = services.trajectory_close(actor=contracted.coach, trajectory=trajectory, end_reason="34", access_point=AP)
    assert closed.status == Status.CLOSED and closed.final_gbo_mean is None


def test_no_allocation_no_module(contracted: World) -> None:
    world = contracted
    trajectory = run_to_intake(world)
    goal = services.goal_add(actor=world.coach, trajectory=trajectory, text="Doel", scale=scale(), access_point=AP)
    intake_baseline(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-1, 2)}, access_point=AP)
    trajectory = refresh(trajectory)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=trajectory, kind="plan", given_by=person, access_point=AP
        )
    with pytest.raises(TransitionRefused, match="no allocation"):
        services.module_start(actor=world.coach, trajectory=trajectory, module_code=MODULES[1], access_point=AP)
    assert not ModuleRun.objects.filter(trajectory=trajectory).exists()


def test_changed_plan_must_be_agreed_again(contracted: World) -> None:
    world = contracted
    trajectory = run_to_intake(world)
    goal = services.goal_add(actor=world.coach, trajectory=trajectory, text="Doel", scale=scale(), access_point=AP)
    intake_baseline(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-1, 2)}, access_point=AP)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=refresh(trajectory), kind="plan", given_by=person, access_point=AP
        )
    second = services.goal_add(
        actor=world.coach, trajectory=refresh(trajectory), text="Nog een", scale=scale(), access_point=AP
    )
    intake_baseline(
        actor=world.coach,
        trajectory=refresh(trajectory),
        scores={goal.pk: (-1, 2), second.pk: (-1, 4)},
        access_point=AP,
    )
    with pytest.raises(TransitionRefused, match="not yet agreed"):
        services.module_start(
            actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP
        )


def test_parent_consent_no_longer_needed_from_the_16th_birthday(contracted: World) -> None:
    world = contracted
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    services.agreement_record(
        actor=world.coach, trajectory=trajectory, kind="care", given_by=world.jongere, access_point=AP
    )
    birthday = world.own.birth_date.replace(year=world.own.birth_date.year + 16)
    assert consent_for_care(trajectory, birthday - datetime.timedelta(days=1), {}) is not None
    assert consent_for_care(trajectory, birthday, {}) is None


def test_revoked_consent_does_not_count(contracted: World) -> None:
    world = contracted
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=trajectory, kind="care", given_by=person, access_point=AP
        )
    Agreement.objects.filter(trajectory=trajectory, given_as="ouder").update(revoked_at=timezone.now())
    assert consent_for_care(trajectory, today(), {}) is not None


def test_consent_only_from_the_young_person_or_a_parent_with_gezag(contracted: World) -> None:
    world = contracted
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    for wrong in (world.ouder_zonder_gezag, world.jongere_other, world.colleague):
        with pytest.raises(ValidationError):
            services.agreement_record(
                actor=world.coach, trajectory=trajectory, kind="care", given_by=wrong, access_point=AP
            )


def test_two_people_changing_the_same_trajectory(contracted: World) -> None:
    world = contracted
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    stale_copy = refresh(trajectory)
    grant(world, trajectory)
    with pytest.raises(StaleTrajectory), transaction.atomic():
        transition_apply(
            trajectory=stale_copy, name="close", actor=world.colleague, on=today(), params={"end_reason": "32"}
        )
    assert refresh(trajectory).status == Status.ALLOCATED


def test_only_the_clients_professionals_can_act(contracted: World) -> None:
    world = contracted
    for outsider in (world.coach_other_team, world.toegang, world.beleid, world.beheerder, world.jongere):
        with pytest.raises(policy.AccessDenied):
            services.trajectory_open(actor=outsider, client=world.own, referrer_kind="gemeente", access_point=AP)


def test_one_active_trajectory_per_young_person(contracted: World) -> None:
    world = contracted
    services.trajectory_open(actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP)
    with pytest.raises(ValidationError, match="already has an active trajectory"):
        services.trajectory_open(actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP)


def test_not_contracted_municipality_cannot_be_allocated(contracted: World) -> None:
    world = contracted
    other = world.other_team  # lives in municipality_b, which has no contract
    trajectory = services.trajectory_open(
        actor=world.coach_other_team, client=other, referrer_kind="gemeente", access_point=AP
    )
    with pytest.raises((ValidationError, TransitionRefused)):
        services.trajectory_request_allocation(actor=world.coach_other_team, trajectory=trajectory, access_point=AP)
    reasons = transition_check(
        trajectory=refresh(trajectory), name="allocate", on=today(), params={"module_code": MODULES[0]}
    )
    assert any("no valid contract" in reason for reason in reasons)


YOUTH_ANSWERS = {
    "nuttig": 5, "serieus": 4, "meebeslissen": 4, "wachten": 2, "zelf-verder": 4, "zonder-hulp": 4, "aanraden": 5,
}  # fmt: skip
PARENT_ANSWERS = {
    "nuttig": 3, "serieus": 4, "meebeslissen": 3, "wachten": 3, "zelf-verder": 3, "zonder-hulp": 2, "aanraden": 4,
}  # fmt: skip


def _closure_answer(world: World, actor_key: str, code: str, trajectory: Trajectory, answers: dict[str, int]) -> None:
    from coachcare.measures.selectors import questionnaire_definition_get
    from coachcare.measures.services import questionnaire_response_submit

    questionnaire_response_submit(
        actor=world.user(actor_key),
        client=trajectory.client,
        definition=questionnaire_definition_get(code=code),
        answers=answers,
        context="closure",
        trajectory_public_id=trajectory.public_id,
        access_point=AP,
    )


def test_closure_keeps_the_answers_the_young_person_and_parent_gave_themselves(contracted: World) -> None:
    from coachcare.measures.models import QuestionnaireResponse
    from coachcare.measures.services import questionnaire_builtin_install

    questionnaire_builtin_install()
    trajectory = run_to_intake(contracted)
    _closure_answer(contracted, "jongere", "tevredenheid", trajectory, YOUTH_ANSWERS)
    _closure_answer(contracted, "ouder", "tevredenheid-ouder", trajectory, PARENT_ANSWERS)
    closed = services.trajectory_close(
        actor=contracted.coach,
        trajectory=trajectory,
        end_reason="34",
        without_help=False,
        not_answered_reason="ignored: the young person did answer",
        reason="Verhuist naar een andere stad",
        access_point=AP,
    )
    youth = QuestionnaireResponse.objects.get(trajectory_public_id=closed.public_id, definition__code="tevredenheid")
    assert youth.informant == "jongere"
    assert (
        closed.satisfaction_score == youth.total == pytest.approx(30 / 7)
    )  # "wachten" is reverse-scored: 2 counts as 4
    assert (closed.useful_youth, closed.useful_parent) == (5, 3)
    assert (closed.without_help_youth, closed.without_help_parent, closed.without_help_professional) == (
        True,
        False,
        False,
    )
    assert closed.not_answered_reason == ""
    close = closed.transitions.get(name="close")
    assert close.reason == "Verhuist naar een andere stad"
    assert closed.transitions.get(name="allocate").reason == "module CC-KENNISMAKING"


def test_the_coach_never_enters_the_young_persons_satisfaction(contracted: World) -> None:
    from coachcare.measures.models import QuestionnaireResponse
    from coachcare.measures.selectors import questionnaire_definition_get
    from coachcare.measures.services import questionnaire_builtin_install

    questionnaire_builtin_install()
    trajectory = run_to_intake(contracted)
    for actor_key, code in (("coach", "tevredenheid"), ("coach", "tevredenheid-ouder"), ("teamleider", "tevredenheid")):
        with pytest.raises(policy.AccessDenied):
            _closure_answer(contracted, actor_key, code, trajectory, YOUTH_ANSWERS)
    # an answer recorded by staff before this rule (informant professional) does not count
    QuestionnaireResponse.objects.create(
        definition=questionnaire_definition_get(code="tevredenheid"), client=trajectory.client, context="closure",
        trajectory_public_id=trajectory.public_id, answers="{}", total=5, subscales={"nut": 5, "zonder-hulp": 5},
        status=QuestionnaireResponse.Status.SUBMITTED, submitted_by=contracted.coach, informant="professional",
        submitted_at=timezone.now(),
    )  # fmt: skip
    closed = services.trajectory_close(
        actor=contracted.coach,
        trajectory=trajectory,
        end_reason="34",
        without_help=True,
        not_answered_reason="  Wilde de vragenlijst niet invullen  ",
        access_point=AP,
    )
    assert (closed.satisfaction_score, closed.useful_youth, closed.without_help_youth) == (None, None, None)
    assert closed.without_help_professional is True
    assert closed.not_answered_reason == "Wilde de vragenlijst niet invullen"


def test_gas_convention_is_configurable_and_recorded(contracted: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.COACHCARE_GAS_CONVENTION = "with-deterioration"
    trajectory = services.trajectory_open(
        actor=contracted.coach, client=contracted.own, referrer_kind="gemeente", access_point=AP
    )
    assert trajectory.gas_convention == "with-deterioration"


def test_a_wrong_gas_convention_stops_the_start(settings) -> None:  # type: ignore[no-untyped-def]
    from coachcare.measures.checks import gas_convention_check

    settings.COACHCARE_GAS_CONVENTION = "made-up"
    assert [error.id for error in gas_convention_check()] == ["coachcare.E004"]


def test_two_people_saving_the_same_evaluation_decision(contracted: World) -> None:
    """Both opened the decision form at the same version: the second is told, nothing is overwritten."""
    world = contracted
    trajectory = run_to_intake(world)
    goal = services.goal_add(actor=world.coach, trajectory=trajectory, text="Doel", scale=scale(), access_point=AP)
    intake_baseline(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-1, 3)}, access_point=AP)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=refresh(trajectory), kind="plan", given_by=person, access_point=AP
        )
    services.module_start(actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP)
    services.module_finish(actor=world.coach, trajectory=refresh(trajectory), access_point=AP)
    evaluation = evaluate(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (1, 9)}, access_point=AP)
    seen_version = refresh(trajectory).version  # both coaches open the form now

    first = services.evaluation_decide(
        actor=world.coach, evaluation=evaluation, decision="stop", reason="Doelen gehaald",
        access_point=AP, expected_version=seen_version,
    )  # fmt: skip
    with pytest.raises(StaleTrajectory):
        services.evaluation_decide(
            actor=world.colleague, evaluation=Evaluation.objects.get(pk=evaluation.pk), decision="step_up",
            reason="Toch opschalen", access_point=AP, expected_version=seen_version,
        )  # fmt: skip
    saved = Evaluation.objects.get(pk=evaluation.pk)
    assert (saved.decision, saved.decision_reason, saved.decided_by) == ("stop", "Doelen gehaald", world.coach)
    assert first.decision == "stop"


def test_scores_saved_from_an_old_form_are_refused(contracted: World) -> None:
    world = contracted
    trajectory = run_to_intake(world)
    goal = services.goal_add(actor=world.coach, trajectory=trajectory, text="Doel", scale=scale(), access_point=AP)
    old_form = refresh(trajectory)
    intake_baseline(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-1, 3)}, access_point=AP)
    with pytest.raises(StaleTrajectory):
        services.goal_scores_record(actor=world.colleague, trajectory=old_form, gas={goal.pk: 0}, access_point=AP)
    assert list(goal.scores.values_list("gas", "gbo")) == [(-1, 3)]
