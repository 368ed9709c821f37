"""Helpers shared by the trajectory services: the writer check, the access log, the row lock."""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.method import selectors as method_selectors
from coachcare.method.models import Module
from coachcare.trajectories import gate
from coachcare.trajectories.care_events import care_events_changed
from coachcare.trajectories.models import (
    GoalScore,
    Trajectory,
)
from coachcare.trajectories.state_machine import StaleTrajectory


def _require_writer(actor: User, client: Client) -> None:
    if not policy.can_write_clinical(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))


def _locked(trajectory: Trajectory, expected_version: int | None = None) -> Trajectory:
    """The trajectory re-read under a row lock, so concurrent steps queue instead of overwriting.

    ``expected_version`` (default: the version of the object passed in) is the version the person
    saw when they opened the form; if someone saved a change since, nothing is written and they
    are told (``StaleTrajectory``).
    """
    fresh = Trajectory.objects.select_for_update().select_related("client__municipality").get(pk=trajectory.pk)
    expected = trajectory.version if expected_version is None else expected_version
    if fresh.version != expected:
        raise StaleTrajectory(_("Someone else changed this trajectory in the meantime. Reload and try again."))
    return fresh


def _claim(trajectory: Trajectory, expected_version: int | None = None) -> None:
    """For a change without a status change: lock, check the version (see ``_locked``) and move
    it on, so a form opened before this change can no longer overwrite it."""
    locked = _locked(trajectory, expected_version)
    Trajectory.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    trajectory.version = locked.version + 1


def _care_events_changed() -> None:
    """A module started or stopped: the money side is told through its one door (``care_events``)."""
    care_events_changed()


def _module(trajectory: Trajectory, code: str) -> Module:
    try:
        return method_selectors.module_get(version=trajectory.method_version.version, code=code)
    except Module.DoesNotExist as exc:
        raise ValidationError(
            {"module_code": [_("Module %(code)s is not part of this method version.") % {"code": code}]}
        ) from exc


def _catalogue_order(trajectory: Trajectory) -> list[str]:
    return list(
        Module.objects.filter(method_version=trajectory.method_version)
        .order_by("sequence", "code")
        .values_list("code", flat=True)
    )


def _catalogue(trajectory: Trajectory) -> gate.Catalogue:
    """The trajectory's method version as the gate needs it: order, final modules, domains served."""
    modules = list(
        Module.objects.filter(method_version=trajectory.method_version)
        .order_by("sequence", "code")
        .values_list("code", "is_final", "goal_domains")
    )
    return gate.Catalogue(
        order=[code for code, _final, _domains in modules],
        final={code for code, final, _domains in modules if final},
        serves={code: tuple(domains or ()) for code, _final, domains in modules},
    )


def _domain_names(trajectory: Trajectory) -> dict[str, str]:
    """The method version's goal domains, code to name."""
    return {domain["code"]: domain["name"] for domain in trajectory.method_version.goal_domains or []}


def _reliable_change(trajectory: Trajectory) -> gate.ReliableChange:
    """The method version's reliable-change thresholds (a method package setting)."""
    version = trajectory.method_version
    return gate.ReliableChange(gbo=version.reliable_change_gbo, gas_t=version.reliable_change_gas_t)


def _measurements(trajectory: Trajectory) -> list[gate.Measurement]:
    goals = list(trajectory.goals.order_by("order"))
    scores = GoalScore.objects.filter(goal__in=goals).select_related("module_run")
    by_moment: dict[int, dict[int, GoalScore]] = {}
    for score in scores:
        moment = score.module_run.sequence if score.module_run else 0
        by_moment.setdefault(moment, {})[score.goal_id] = score
    measurements = []
    for moment in sorted(by_moment):
        at = by_moment[moment]
        present = [goal for goal in goals if goal.pk in at]
        measurements.append(
            gate.Measurement(
                gas=[at[goal.pk].gas for goal in present],
                gbo=[at[goal.pk].gbo for goal in present],
                weights=[goal.weight for goal in present],
            )
        )
    return measurements
