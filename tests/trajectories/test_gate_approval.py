"""Which gate decisions wait for the team lead is a provider setting (issue 16.6): by default only
stopping against the advice and skipping a step up; another deviation is recorded, not queued."""

import pytest

from coachcare.audit.services import AccessPoint
from coachcare.trajectories import selectors, services
from coachcare.trajectories.models import Evaluation, Trajectory
from tests.conftest import World
from tests.trajectories.conftest import MODULES
from tests.trajectories.ratings import evaluate, intake_baseline
from tests.trajectories.test_flow import refresh, run_to_intake, scale

AP = AccessPoint(channel="web", address="127.0.0.1")


def scored(world: World, *, after: tuple[int, int], domain: str = "dagritme") -> tuple[Trajectory, Evaluation]:
    """A trajectory after its first module, scored ``after`` (GAS, GBO) on its one goal (intake -1, 3)
    of the demo method's goal domain ``domain``."""
    trajectory = run_to_intake(world)
    goal = services.goal_add(
        actor=world.coach, trajectory=trajectory, text="Doel", scale=scale(), domain=domain, access_point=AP
    )
    intake_baseline(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: (-1, 3)}, access_point=AP)
    for person in (world.jongere, world.ouder):
        services.agreement_record(
            actor=world.coach, trajectory=refresh(trajectory), kind="plan", given_by=person, access_point=AP
        )
    services.module_start(actor=world.coach, trajectory=refresh(trajectory), module_code=MODULES[0], access_point=AP)
    services.module_finish(actor=world.coach, trajectory=refresh(trajectory), access_point=AP)
    evaluation = evaluate(actor=world.coach, trajectory=refresh(trajectory), scores={goal.pk: after}, access_point=AP)
    return refresh(trajectory), evaluation


def decide(world: World, evaluation: Evaluation, decision: str, module: str = "") -> Evaluation:
    return services.evaluation_decide(
        actor=world.coach,
        evaluation=evaluation,
        decision=decision,
        next_module_code=module,
        reason="Besproken met de jongere",
        access_point=AP,
    )


def test_another_module_is_a_deviation_that_needs_no_approval_by_default(contracted: World) -> None:
    trajectory, evaluation = scored(contracted, after=(0, 6))
    assert (evaluation.advice, evaluation.advice_next_module_code) == ("continue", MODULES[1])
    evaluation = decide(contracted, evaluation, "continue", MODULES[2])
    assert evaluation.deviates and evaluation.approval == Evaluation.Approval.NOT_NEEDED
    assert refresh(trajectory).next_action == "start_module"


def test_stopping_against_the_advice_waits_for_the_team_lead(contracted: World) -> None:
    trajectory, evaluation = scored(contracted, after=(0, 6))
    evaluation = decide(contracted, evaluation, "stop")
    assert evaluation.deviates and evaluation.approval == Evaluation.Approval.PENDING
    assert refresh(trajectory).next_action == "await_approval"


def test_skipping_a_step_up_waits_for_the_team_lead(contracted: World) -> None:
    _trajectory, evaluation = scored(contracted, after=(-2, 0))
    assert (evaluation.advice, evaluation.advice_rule) == ("step_up", "deterioration")
    evaluation = decide(contracted, evaluation, "continue", MODULES[1])
    assert evaluation.approval == Evaluation.Approval.PENDING


@pytest.mark.parametrize(
    ("required", "expected"),
    [([], Evaluation.Approval.NOT_NEEDED), (["other_module"], Evaluation.Approval.PENDING)],
)
def test_the_provider_chooses_which_deviations_need_approval(
    contracted: World, required: list[str], expected: str
) -> None:
    trajectory, evaluation = scored(contracted, after=(0, 6))
    provider = trajectory.client.provider
    provider.gate_approval_required = required
    provider.save(update_fields=["gate_approval_required"])
    evaluation = decide(contracted, evaluation, "continue", MODULES[2])
    assert evaluation.deviates and evaluation.approval == expected


def test_a_one_point_gbo_drop_does_not_advise_a_step_up(contracted: World) -> None:
    _trajectory, evaluation = scored(contracted, after=(-1, 2))
    assert (evaluation.advice, evaluation.advice_rule) == ("continue", "fits_open_goals")


def test_following_the_proposed_module_is_no_deviation_and_skips_the_queue(contracted: World) -> None:
    """A goal on home life: the gate proposes "Communicatie thuis" and skips "Dagritme", which
    serves no open goal; following it needs no team lead (issue 16.6)."""
    trajectory, evaluation = scored(contracted, after=(0, 6), domain="thuis")
    assert (evaluation.advice, evaluation.advice_rule, evaluation.advice_next_module_code) == (
        "continue",
        "fits_open_goals",
        MODULES[2],
    )
    assert evaluation.advice_detail == {"fitting": [MODULES[2]], "open_goals": [1], "domains": ["Thuis en gezin"]}
    evaluation = decide(contracted, evaluation, "continue", MODULES[2])
    assert not evaluation.deviates and evaluation.approval == Evaluation.Approval.NOT_NEEDED
    assert refresh(trajectory).next_action == "start_module"
    assert selectors.approval_queue(actor=contracted.teamleider, access_point=AP) == []


def test_taking_the_skipped_catalogue_module_is_a_deviation(contracted: World) -> None:
    """Choosing "Dagritme" for a goal on home life serves no open goal: another module."""
    _trajectory, evaluation = scored(contracted, after=(0, 6), domain="thuis")
    evaluation = decide(contracted, evaluation, "continue", MODULES[1])
    assert evaluation.deviates and evaluation.approval == Evaluation.Approval.NOT_NEEDED


def test_a_deviation_that_needs_approval_is_in_the_team_leads_queue(contracted: World) -> None:
    _trajectory, evaluation = scored(contracted, after=(0, 6), domain="thuis")
    evaluation = decide(contracted, evaluation, "stop")
    queue = selectors.approval_queue(actor=contracted.teamleider, access_point=AP)
    assert [item.pk for item in queue] == [evaluation.pk]
    assert queue[0].rule_text == (  # type: ignore[attr-defined]
        "CC-COMMUNICATIE-THUIS works on Thuis en gezin, the domain of open goal 1."
    )


def test_a_goal_without_a_domain_fits_every_module_that_serves_a_domain(contracted: World) -> None:
    """Goals written before the method had domains: the suggested order, as before."""
    _trajectory, evaluation = scored(contracted, after=(0, 6), domain="")
    assert (evaluation.advice_rule, evaluation.advice_next_module_code) == ("fits_open_goals", MODULES[1])
    evaluation = decide(contracted, evaluation, "continue", MODULES[2])
    assert not evaluation.deviates
