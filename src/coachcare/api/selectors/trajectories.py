"""The API's reads: trajectories, goals, module runs (clinical)."""

import dataclasses
import datetime
from uuid import UUID

from django.db.models import Prefetch, QuerySet

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.api.selectors._shared import (
    POLICY_CLIENT_FIELDS,
    USER_NAME_FIELDS,
    clinical_clients,
    clinical_rows,
    prefixed,
)
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.method.models import Module
from coachcare.trajectories.models import Goal, GoalScore, ModuleRun, Trajectory

# --- trajectories, goals, module runs (clinical) ---------------------------------------------


def trajectory_page(
    *,
    actor: User,
    access_point: AccessPoint,
    cursor: str | None,
    limit: int,
    status: str | None = None,
    client: UUID | None = None,
    created_since: datetime.datetime | None = None,
) -> CursorPage[Trajectory]:
    trajectories = Trajectory.objects.filter(client__in=clinical_clients(actor))
    if status:
        trajectories = trajectories.filter(status=status)
    if client:
        trajectories = trajectories.filter(client__public_id=client)
    if created_since:
        trajectories = trajectories.filter(created_at__gte=created_since)
    page = cursor_paginate(trajectories, keys=["created_at", "id"], cursor=cursor, limit=limit, rows=_trajectories())
    page = dataclasses.replace(page, items=clinical_rows(actor, page.items))
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.trajectory.list",
        client_ids=dict.fromkeys(t.client.public_id for t in page.items),
        access_point=access_point,
    )
    return page


def _trajectories() -> QuerySet[Trajectory]:
    """Trajectories with what the REST and FHIR views show and the policy reads."""
    return Trajectory.objects.select_related("client", "coach", "method_version").only(
        "public_id",
        "status",
        "next_action",
        "next_action_due",
        "referred_on",
        "closed_on",
        "end_reason",
        "created_at",
        "client",
        *prefixed("client__", POLICY_CLIENT_FIELDS),
        "method_version__version",
        *prefixed("coach__", USER_NAME_FIELDS),
    )


def trajectory_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Trajectory:
    """A trajectory whose clinical content the actor may see (the same checks as the screens'
    ``trajectory_get_for_actor``: a visible client, then CLINICAL); ``AccessDenied`` otherwise."""
    trajectory = _trajectories().filter(public_id=public_id, client__in=policy.clients_visible_to(actor)).first()
    if trajectory is None or not policy.can_see(actor, trajectory.client, policy.DataKind.CLINICAL):
        raise policy.AccessDenied("No such trajectory, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.trajectory.detail",
        client_ids=dict.fromkeys([trajectory.client.public_id]),
        access_point=access_point,
    )
    return trajectory


def goal_page(
    *, actor: User, trajectory: Trajectory, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[Goal]:
    policy.require(actor, trajectory.client, [policy.DataKind.CLINICAL])
    goals = (
        Goal.objects.filter(trajectory=trajectory)
        .select_related("trajectory__client")
        .prefetch_related(
            Prefetch("scores", queryset=GoalScore.objects.select_related("module_run").order_by("scored_at", "id"))
        )
    )
    page = cursor_paginate(goals, keys=["order", "id"], cursor=cursor, limit=limit)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.goal.list",
        client_ids=dict.fromkeys([trajectory.client.public_id]),
        access_point=access_point,
    )
    return page


def _runs(*, requester: bool = False) -> QuerySet[ModuleRun]:
    """Module runs with what the REST and FHIR views show and the policy reads, nothing more.

    The module (a small, immutable catalogue) comes in a second small query rather than two more
    joins: the planner's cost grows quickly with every joined table. ``requester``: also the
    trajectory's coach (FHIR Task.requester).
    """
    related = ["trajectory__client", "progress"]
    fields = [
        "trajectory",
        "module",
        "sequence",
        "state",
        "started_on",
        "due_on",
        "finished_on",
        "trajectory__public_id",
        "trajectory__coach",
        "trajectory__client",
        *prefixed("trajectory__client__", POLICY_CLIENT_FIELDS),
        "progress__status",
        "progress__business_status",
        "progress__updated_at",
    ]
    if requester:
        related.append("trajectory__coach")
        fields += prefixed("trajectory__coach__", USER_NAME_FIELDS)
    modules = Module.objects.select_related("method_version").only("code", "name", "method_version__version")
    return (
        ModuleRun.objects.select_related(*related).only(*fields).prefetch_related(Prefetch("module", queryset=modules))
    )


def _task_runs(actor: User, runs: QuerySet[ModuleRun] | None = None) -> QuerySet[ModuleRun]:
    """``runs`` (default: all) narrowed to the module runs (FHIR Tasks) the actor may read: an
    e-health module's account those assigned to it, everyone else those of clients whose clinical
    file they see."""
    runs = ModuleRun.objects.all() if runs is None else runs
    if policy.api_scope(actor) == policy.ApiScope.MODULE_TASKS:
        return runs.filter(pk__in=policy.module_runs_served_by(actor).values("pk"))
    return runs.filter(trajectory__client__in=clinical_clients(actor))


def module_run_page(
    *,
    actor: User,
    access_point: AccessPoint,
    cursor: str | None,
    limit: int,
    trajectory: Trajectory | None = None,
    client: Client | None = None,
    module_code: str | None = None,
    state: str | None = None,
    requester: bool = False,
) -> CursorPage[ModuleRun]:
    runs = _task_runs(actor)
    if trajectory is not None:
        runs = runs.filter(trajectory=trajectory)
    if client is not None:
        runs = runs.filter(trajectory__client=client)
    if module_code:
        runs = runs.filter(module__code=module_code)
    if state:
        runs = runs.filter(state=state)
    page = cursor_paginate(runs, keys=["id"], cursor=cursor, limit=limit, rows=_runs(requester=requester))
    on = today()
    page = dataclasses.replace(page, items=[r for r in page.items if policy.can_read_task(actor, r, on=on)])
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.module_run.list",
        client_ids=dict.fromkeys(r.trajectory.client.public_id for r in page.items),
        access_point=access_point,
    )
    return page


def module_run_get(*, actor: User, trajectory_id: UUID, sequence: int, access_point: AccessPoint) -> ModuleRun:
    run = _task_runs(
        actor, _runs(requester=True).filter(trajectory__public_id=trajectory_id, sequence=sequence)
    ).first()
    if run is None or not policy.can_read_task(actor, run):
        raise policy.AccessDenied("No such task, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.module_run.detail",
        client_ids=dict.fromkeys([run.trajectory.client.public_id]),
        access_point=access_point,
    )
    return run


def goal_get(*, actor: User, trajectory_id: UUID, order: int, access_point: AccessPoint) -> Goal:
    goal = (
        Goal.objects.select_related("trajectory__client")
        .prefetch_related("scores")
        .filter(trajectory__public_id=trajectory_id, order=order, trajectory__client__in=clinical_clients(actor))
        .first()
    )
    if goal is None or not policy.can_see(actor, goal.trajectory.client, policy.DataKind.CLINICAL):
        raise policy.AccessDenied("No such goal, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.goal.detail",
        client_ids=dict.fromkeys([goal.trajectory.client.public_id]),
        access_point=access_point,
    )
    return goal


def goal_page_for_client(
    *, actor: User, client: Client, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[Goal]:
    policy.require(actor, client, [policy.DataKind.CLINICAL])
    goals = (
        Goal.objects.filter(trajectory__client=client).select_related("trajectory__client").prefetch_related("scores")
    )
    page = cursor_paginate(goals, keys=["id"], cursor=cursor, limit=limit)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.goal.list",
        client_ids=dict.fromkeys([client.public_id]),
        access_point=access_point,
    )
    return page
