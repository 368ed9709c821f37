"""The API's reads: trajectories, goals, module runs (clinical).

Adapters over ``trajectories.selectors``: cursor paging and the access log.
"""

import datetime
from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage
from coachcare.api.selectors.logged import page_logged, read_logged, rows_page_logged
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.trajectories import selectors as trajectory_selectors
from coachcare.trajectories.models import Goal, ModuleRun, Trajectory

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
    trajectories = trajectory_selectors.trajectories_clinical(
        actor=actor, status=status, client=client, created_since=created_since
    )
    rows = trajectory_selectors.trajectory_rows()
    return page_logged(
        trajectories,
        actor=actor,
        access_point=access_point,
        action="api.trajectory.list",
        keys=["created_at", "id"],
        cursor=cursor,
        limit=limit,
        rows=rows,
        allowed=trajectory_selectors.trajectory_rows_allowed,
        client_of=lambda trajectory: trajectory.client,
    )


def trajectory_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Trajectory:
    """A trajectory whose clinical content the actor may see (``trajectory_clinical_get``: the same
    checks as the screens' ``trajectory_get_for_actor``); ``AccessDenied`` otherwise."""
    trajectory = trajectory_selectors.trajectory_clinical_get(actor=actor, public_id=public_id)
    read_logged(
        actor=actor, action="api.trajectory.detail", client_ids=[trajectory.client.public_id], access_point=access_point
    )
    return trajectory


def goal_page(
    *, actor: User, trajectory: Trajectory, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[Goal]:
    goals = trajectory_selectors.goal_list_for_trajectory(actor=actor, trajectory=trajectory)
    return page_logged(
        goals,
        actor=actor,
        access_point=access_point,
        action="api.goal.list",
        keys=["order", "id"],
        cursor=cursor,
        limit=limit,
        client_of=trajectory.client,
    )


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
    if client is not None and trajectory is None and not module_code and not state and requester:
        # A FHIR Task search by patient: the client's runs read at once (a prepared query), paged here.
        of_client = trajectory_selectors.module_runs_of_client(actor=actor, client=client)
        if of_client is not None:
            return rows_page_logged(
                of_client,
                actor=actor,
                access_point=access_point,
                action="api.module_run.list",
                cursor=cursor,
                limit=limit,
                client_of=lambda run: run.trajectory.client,
            )
    runs = trajectory_selectors.module_runs_readable(
        actor=actor, trajectory=trajectory, client=client, module_code=module_code, state=state
    )
    rows = trajectory_selectors.module_run_rows(requester=requester)
    return page_logged(
        runs,
        actor=actor,
        access_point=access_point,
        action="api.module_run.list",
        keys=["id"],
        cursor=cursor,
        limit=limit,
        rows=rows,
        allowed=trajectory_selectors.module_run_rows_allowed,
        client_of=lambda run: run.trajectory.client,
    )


def trajectory_module_runs(*, actor: User, trajectory: Trajectory, access_point: AccessPoint) -> list[ModuleRun]:
    """The module runs of one trajectory (``trajectories.selectors.module_runs_of_trajectory``: the
    first ``TRAJECTORY_RUNS_SHOWN``, in id order), logged like a page of ``module_run_page``."""
    runs = trajectory_selectors.module_runs_of_trajectory(actor=actor, trajectory=trajectory)
    read_logged(
        actor=actor,
        action="api.module_run.list",
        client_ids=[run.trajectory.client.public_id for run in runs],
        access_point=access_point,
    )
    return runs


def module_run_get(*, actor: User, trajectory_id: UUID, sequence: int, access_point: AccessPoint) -> ModuleRun:
    run = trajectory_selectors.module_run_readable_get(actor=actor, trajectory_id=trajectory_id, sequence=sequence)
    read_logged(
        actor=actor,
        action="api.module_run.detail",
        client_ids=[run.trajectory.client.public_id],
        access_point=access_point,
    )
    return run


def goal_get(*, actor: User, trajectory_id: UUID, order: int, access_point: AccessPoint) -> Goal:
    goal = trajectory_selectors.goal_clinical_get(actor=actor, trajectory_id=trajectory_id, order=order)
    read_logged(
        actor=actor, action="api.goal.detail", client_ids=[goal.trajectory.client.public_id], access_point=access_point
    )
    return goal


def goal_page_for_client(
    *, actor: User, client: Client, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[Goal]:
    goals = trajectory_selectors.goal_list_for_client(actor=actor, client=client)
    return page_logged(
        goals,
        actor=actor,
        access_point=access_point,
        action="api.goal.list",
        keys=["id"],
        cursor=cursor,
        limit=limit,
        client_of=client,
    )
