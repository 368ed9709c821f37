"""The overdue rule: per step a norm in working days from the day the step began, late only once
the due date has passed."""

import datetime

import pytest
from django.test import override_settings

from coachcare.audit.services import AccessPoint
from coachcare.core import dates
from coachcare.core.dates import today
from coachcare.trajectories import deadlines, services
from tests.conftest import World
from tests.trajectories.test_flow import grant, refresh, run_to_intake

AP = AccessPoint(channel="web", address="127.0.0.1")

MONDAY = datetime.date(2026, 11, 30)
FRIDAY = datetime.date(2026, 12, 4)
SATURDAY = datetime.date(2026, 12, 5)


@pytest.mark.parametrize(
    ("step", "due"),
    [
        ("request_allocation", datetime.date(2026, 12, 7)),  # 5 working days after the referral
        ("await_allocation", datetime.date(2026, 12, 14)),  # 10 after the request
        ("intake", datetime.date(2026, 12, 14)),  # 10 after the allocation
        ("agree_plan", datetime.date(2026, 12, 28)),  # 20 after the intake began
        ("decide", datetime.date(2026, 12, 7)),  # 5 after the module's end
        ("await_approval", datetime.date(2026, 12, 7)),
        ("start_module", datetime.date(2026, 12, 7)),
        ("close", datetime.date(2026, 12, 14)),
        ("evaluate_module", None),  # the module's own end date
        ("follow_up", None),  # the follow-up's own date
        ("", None),
    ],
)
def test_each_step_has_its_norm(step: str, due: datetime.date | None) -> None:
    assert deadlines.step_due(next_action=step, since=MONDAY) == due


def test_a_provider_overrides_a_norm_and_unknown_steps_are_refused() -> None:
    with override_settings(COACHCARE_STEP_NORMS_WORKING_DAYS={"intake": 3}):
        assert deadlines.step_due(next_action="intake", since=MONDAY) == datetime.date(2026, 12, 3)
        assert deadlines.step_due(next_action="decide", since=MONDAY) == datetime.date(2026, 12, 7)
    with override_settings(COACHCARE_STEP_NORMS_WORKING_DAYS={"coffee": 1}), pytest.raises(ValueError, match="coffee"):
        deadlines.step_norms()


def test_late_only_after_the_due_date() -> None:
    on_the_day = deadlines.step_deadline(due=FRIDAY, on=FRIDAY)
    assert not on_the_day.overdue and on_the_day.overdue_since is None
    after = deadlines.step_deadline(due=FRIDAY, on=SATURDAY)
    assert after.overdue and after.overdue_since == FRIDAY
    assert not deadlines.step_deadline(due=None, on=SATURDAY).overdue


def test_the_services_date_each_step_from_the_day_it_began(contracted: World) -> None:
    world = contracted
    referred_on = today() - datetime.timedelta(days=2)
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", referred_on=referred_on, access_point=AP
    )
    assert trajectory.next_action_due == dates.add_working_days(referred_on, 5)
    services.trajectory_request_allocation(actor=world.coach, trajectory=trajectory, access_point=AP)
    waiting = refresh(trajectory)
    assert waiting.next_action == "await_allocation"
    assert waiting.next_action_due == dates.add_working_days(today(), 10)


def test_intake_and_plan_are_dated_by_their_norms(contracted: World) -> None:
    world = contracted
    trajectory = grant(
        world, services.trajectory_open(actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP)
    )
    assert (trajectory.next_action, trajectory.next_action_due) == ("intake", dates.add_working_days(today(), 10))


def test_plan_step_after_intake(contracted: World) -> None:
    trajectory = run_to_intake(contracted)
    assert (trajectory.next_action, trajectory.next_action_due) == (
        "agree_plan",
        dates.add_working_days(today(), 20),
    )
