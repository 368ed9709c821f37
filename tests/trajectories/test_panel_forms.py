"""Forms are not offered once they no longer apply, walking the trajectory's states: the allocation
request after a request (first module, and the next module after a 'continue' decision), the consent
to care after consent, the intake scores after the intake scores, the plan agreement after the plan
was agreed. Each case checks the form is offered before and gone after."""

from collections.abc import Callable

from django.test import Client as HttpClient

from coachcare.accounts.models import User
from coachcare.contracts import services as contract_services
from coachcare.contracts.models import AllocationStatus
from coachcare.trajectories import services
from tests.conftest import World
from tests.trajectories.test_views import (
    AP,
    file_url,
    grant_first_module,
    parent_choice,
    plan_agreed,
    refresh,
    to_intake,
    url,
)

Login = Callable[[User], HttpClient]


def _page(http: HttpClient, world: World) -> str:
    return http.get(file_url(world.own)).content.decode()


def _form_to(page: str, action: str) -> bool:
    return f'action="{action}"' in page


def test_allocation_request_is_not_offered_while_a_request_waits(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    assert _form_to(_page(http, world), url("request_allocation", trajectory))
    services.trajectory_request_allocation(actor=world.coach, trajectory=trajectory, access_point=AP)
    page = _page(http, world)
    assert not _form_to(page, url("request_allocation", trajectory))
    # Waiting for the municipality: no second request and no "received" button until it is granted.
    assert not _form_to(page, url("allocate", trajectory))

    # The municipality refuses: asking again applies again.
    allocation = world.own.allocations.get(status=AllocationStatus.REQUESTED)
    contract_services.allocation_reject(
        actor=world.toegang, allocation=allocation, reason="Geen indicatie", access_point=AP
    )
    assert _form_to(_page(http, world), url("request_allocation", trajectory))


def test_allocation_request_is_not_offered_once_granted(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    services.trajectory_request_allocation(actor=world.coach, trajectory=trajectory, access_point=AP)
    grant_first_module(world, refresh(trajectory))
    page = _page(http, world)
    assert not _form_to(page, url("request_allocation", trajectory))


def test_consent_to_care_is_not_offered_after_consent(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    services.trajectory_request_allocation(actor=world.coach, trajectory=trajectory, access_point=AP)
    grant_first_module(world, refresh(trajectory))
    assert http.post(url("allocate", trajectory)).status_code == 302
    assert _form_to(_page(http, world), url("agreement", trajectory))
    for given_by in ("jongere", parent_choice(world)):
        http.post(
            url("agreement", trajectory),
            {"consent-kind": "care", "consent-given_by": given_by, "consent-given_how": "in_person"},
        )
    page = _page(http, world)
    assert not _form_to(page, url("agreement", trajectory))
    assert _form_to(page, url("start_intake", trajectory))


def test_intake_scores_and_plan_agreement_are_not_offered_once_done(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)
    trajectory = to_intake(world, http)
    page = _page(http, world)
    assert _form_to(page, url("agreement", trajectory))  # the plan is still to be agreed
    plan_agreed(world, http, trajectory)  # a goal, its intake scores, everyone agreed to the plan
    page = _page(http, world)
    assert not _form_to(page, url("intake_scores", trajectory))
    assert not _form_to(page, url("agreement", trajectory))
    assert _form_to(page, url("module_start", trajectory))


def test_next_module_allocation_is_not_offered_when_it_is_covered(contracted: World, login: Login) -> None:
    """After a 'continue' decision: the allocation form for the next module goes once it is granted
    (under the mandate it is granted at once)."""
    from coachcare.trajectories.models import Evaluation

    world = contracted
    http = login(world.coach)
    trajectory = to_intake(world, http)
    goal = plan_agreed(world, http, trajectory)
    assert http.post(url("module_start", trajectory), {"module-module_code": "CC-KENNISMAKING"}).status_code == 302
    assert http.post(url("module_finish", trajectory), {"confirmed": "yes"}).status_code == 302
    services.goal_ratings_submit(
        actor=world.jongere, trajectory=refresh(trajectory), ratings={goal.pk: 3}, access_point=AP
    )
    http.post(url("evaluation", trajectory), {f"scores-gas_{goal.pk}": "-1"})
    evaluation = Evaluation.objects.get(module_run__trajectory=trajectory)
    services.evaluation_decide(
        actor=world.coach,
        evaluation=evaluation,
        decision="continue",
        next_module_code="CC-DAGRITME",
        reason="Nog niet bereikt",
        access_point=AP,
    )
    trajectory = refresh(trajectory)
    assert trajectory.status == "module_evaluation"
    evaluation.refresh_from_db()
    if evaluation.approval == Evaluation.Approval.PENDING:
        services.evaluation_approve(
            actor=world.teamleider, evaluation=evaluation, approve=True, note="", access_point=AP
        )
    # This contract has the mandate: the next module is granted when it starts, so no request is
    # offered and the module can start at once (panels._module_step, grant_at_start).
    page = _page(http, world)
    assert not _form_to(page, url("request_allocation", trajectory))
    assert _form_to(page, url("module_start", trajectory))
