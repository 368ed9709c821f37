"""When a trajectory's next step is due, and whether it is late: the norms in one place.

Every step the state machine or a service gives a trajectory (``NextAction``) has a norm in
working days (Monday to Friday; public holidays are not taken out), counted from the day the step
began: the referral for the allocation request, the allocation for the intake, the start of the
intake for the plan, the end of a module for the gate decision, and so on. The module's own end
(its expected weeks in the method package) and a follow-up's date are set by their services and
have no norm here.

The defaults (``STEP_NORM_DEFAULTS``) are documented in ``docs/trajectories.md``; a provider
overrides any of them with the setting ``COACHCARE_STEP_NORMS_WORKING_DAYS`` (a mapping of next
action to working days). A step is late only once its due date has passed: on the due date itself
it is still on time.
"""

import dataclasses
import datetime
from collections.abc import Mapping

from django.conf import settings

from coachcare.core.dates import add_working_days

#: Working days from the start of a step until it is due. ``None``: the date comes from elsewhere
#: (the module's expected weeks, the follow-up's date) or the step has no deadline.
STEP_NORM_DEFAULTS: Mapping[str, int | None] = {
    # The coach asks the municipality for an allocation within a week of the referral.
    "request_allocation": 5,
    # The municipality decides on a request within two weeks (then the coach chases it).
    "await_allocation": 10,
    # The intake takes place within two weeks of the allocation.
    "intake": 10,
    # Goals set, plan agreed and the first module started within four weeks of the intake.
    "agree_plan": 20,
    # Due at the module's end (``ModuleRun.due_on``, set by ``module_start``).
    "evaluate_module": None,
    # The gate decision within a week of the module's end.
    "decide": 5,
    # The team lead approves or rejects a deviating decision within a week.
    "await_approval": 5,
    # The next module starts within a week of the decision.
    "start_module": 5,
    # The closing form within two weeks of the decision to stop.
    "close": 10,
    # Due on the follow-up's own date (``FollowUp.due_on``).
    "follow_up": None,
    "": None,
}


def step_norms() -> dict[str, int | None]:
    """The norms in force: the defaults with the provider's overrides."""
    overrides = getattr(settings, "COACHCARE_STEP_NORMS_WORKING_DAYS", None) or {}
    unknown = set(overrides) - set(STEP_NORM_DEFAULTS)
    if unknown:
        raise ValueError(f"COACHCARE_STEP_NORMS_WORKING_DAYS names unknown steps: {sorted(unknown)}")
    return {**STEP_NORM_DEFAULTS, **overrides}


def step_due(*, next_action: str, since: datetime.date) -> datetime.date | None:
    """The date the step ``next_action``, begun on ``since``, is due; ``None`` when it has no norm."""
    days = step_norms().get(next_action)
    if days is None:
        return None
    return add_working_days(since, days)


@dataclasses.dataclass(frozen=True, kw_only=True)
class StepDeadline:
    """A next step with its due date as a caseload row or the client file shows it."""

    due: datetime.date | None
    overdue: bool

    @property
    def overdue_since(self) -> datetime.date | None:
        """The due date that has passed (``te laat sinds``), or ``None`` when on time."""
        return self.due if self.overdue else None


def step_deadline(*, due: datetime.date | None, on: datetime.date) -> StepDeadline:
    """Whether a step due on ``due`` is late on ``on``: only once the due date has passed."""
    return StepDeadline(due=due, overdue=due is not None and due < on)
