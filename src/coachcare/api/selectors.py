"""Reads for the REST API and the FHIR server.

Every selector asks the access policy (``coachcare.access.policy``, the same functions as the
screens) and writes the NEN 7513 access log with channel ``api``; anything the actor may not see
raises ``AccessDenied``, which both APIs answer with 404 (no existence leak). Every list is a
cursor page: a fixed number of queries whatever the page or the amount of data.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.models import PractitionerRef
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients import selectors as client_selectors
from coachcare.clients.models import Client
from coachcare.coaching.models import Appointment
from coachcare.contracts.models import Allocation
from coachcare.core.dates import today
from coachcare.measures.models import QuestionnaireDefinition, QuestionnaireResponse
from coachcare.messaging import selectors as messaging_selectors
from coachcare.messaging.models import Message, Thread
from coachcare.method.models import Module
from coachcare.monitoring import indicators as monitoring_indicators
from coachcare.monitoring import selectors as monitoring_selectors
from coachcare.monitoring import suppression
from coachcare.trajectories.models import Goal, GoalScore, ModuleRun, Status, Trajectory

#: Roles whose visible clients are all clinically visible to them (``kinds_visible`` gives
#: CLINICAL for every client of ``clients_visible_to``); a parent's access depends on the child's
#: age and decisions, so it is worked out per child. Every row is checked again with the policy.


def clinical_clients(actor: User) -> QuerySet[Client]:
    """Clients whose clinical file the actor may see today (``policy.clinical_clients_visible_to``)."""
    return policy.clinical_clients_visible_to(actor)


#: What the access policy reads of a client (``kinds_visible``, ``appointment_scope``,
#: ``can_read_thread``): narrowed queries load at least these, so that checking a row never costs
#: a query of its own (a deferred field would be loaded row by row).
_POLICY_CLIENT_FIELDS = ("public_id", "birth_date", "coach", "team", "municipality", "user", "provider")
#: What ``User.display_name`` reads (and the role, which the policy reads of a thread's parent).
_USER_NAME_FIELDS = ("first_name", "last_name", "username", "role")


def _fields(prefix: str, names: Iterable[str]) -> list[str]:
    return [f"{prefix}{name}" for name in names]


def _clinical_rows[T](actor: User, rows: list[T]) -> list[T]:
    """Defence in depth: drop any row whose client the policy does not give CLINICAL."""
    on = today()
    return [row for row in rows if policy.can_see(actor, _client(row), policy.DataKind.CLINICAL, on=on)]


def _client(row: object) -> Client:
    if isinstance(row, Client):
        return row
    if isinstance(row, Trajectory):
        return row.client
    if isinstance(row, Goal | ModuleRun):
        return row.trajectory.client
    if isinstance(row, QuestionnaireResponse):
        return row.client
    raise TypeError(type(row))


# --- clients (administrative) ----------------------------------------------------------------


def client_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, search: str = ""
) -> CursorPage[Client]:
    clients = policy.clients_visible_to(actor)
    if search.strip():
        term = search.strip()
        clients = clients.filter(Q(family_name__icontains=term) | Q(given_name__icontains=term))
    rows = Client.objects.select_related("municipality", "team", "coach").only(
        *_POLICY_CLIENT_FIELDS,
        "given_name",
        "family_name",
        "referred_on",
        "municipality__code",
        "team__name",
        *_fields("coach__", _USER_NAME_FIELDS),
    )
    page = cursor_paginate(clients, keys=["family_name", "given_name", "id"], cursor=cursor, limit=limit, rows=rows)
    on = today()
    page = dataclasses.replace(
        page,
        items=[c for c in page.items if policy.DataKind.ADMINISTRATIVE in policy.kinds_visible(actor, c, on=on)],
    )
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.client.list",
        client_ids=dict.fromkeys(c.public_id for c in page.items),
        access_point=access_point,
    )
    return page


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientDetail:
    """One client as the API shows it: administrative fields, the kinds the actor may see, the BSN
    only with IDENTITY. Unlike the screens' client file it loads no notes (the API shows none)."""

    client: Client
    kinds: frozenset[policy.DataKind]
    bsn: str | None


def client_file(*, actor: User, public_id: UUID, access_point: AccessPoint) -> ClientDetail:
    """A client the actor may open (``client_get_for_actor``); the read is logged like the screens'
    client file, with action ``api.client.detail``. An e-health module's account: only the client
    of a Task assigned to it, administrative part only (``policy.clients_served_by``)."""
    if policy.api_scope(actor) == policy.ApiScope.MODULE_TASKS:
        client = _served_client(actor, public_id)
        kinds = policy.MODULE_VENDOR_PATIENT_KINDS
    else:
        client = client_selectors.client_get_for_actor(actor=actor, public_id=public_id)
        kinds = policy.kinds_visible(actor, client)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.client.detail",
        client_ids=dict.fromkeys([client.public_id]),
        access_point=access_point,
    )
    return ClientDetail(client=client, kinds=kinds, bsn=client.bsn if policy.DataKind.IDENTITY in kinds else None)


def _served_client(actor: User, public_id: UUID) -> Client:
    client = policy.clients_served_by(actor).filter(public_id=public_id).first()
    if client is None:
        raise policy.AccessDenied("No such client, or no access.")
    return client


def task_patient_get(*, actor: User, public_id: UUID) -> Client:
    """The Patient a Task search is narrowed to: a client whose module runs the actor may read
    (``_task_runs``); no log, the search logs what it finds."""
    if policy.api_scope(actor) == policy.ApiScope.MODULE_TASKS:
        return _served_client(actor, public_id)
    return client_clinical_get(actor=actor, public_id=public_id)


def client_clinical_get(*, actor: User, public_id: UUID) -> Client:
    """A client whose clinical file the actor may see (no log: the caller logs what it reads)."""
    client = client_selectors.client_get_for_actor(actor=actor, public_id=public_id)
    policy.require(actor, client, [policy.DataKind.CLINICAL])
    return client


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
    page = dataclasses.replace(page, items=_clinical_rows(actor, page.items))
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
        *_fields("client__", _POLICY_CLIENT_FIELDS),
        "method_version__version",
        *_fields("coach__", _USER_NAME_FIELDS),
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
        *_fields("trajectory__client__", _POLICY_CLIENT_FIELDS),
        "progress__status",
        "progress__business_status",
        "progress__updated_at",
    ]
    if requester:
        related.append("trajectory__coach")
        fields += _fields("trajectory__coach__", _USER_NAME_FIELDS)
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


# --- questionnaire responses (clinical) -------------------------------------------------------


def response_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, client: Client | None = None
) -> CursorPage[QuestionnaireResponse]:
    responses = (
        QuestionnaireResponse.objects.filter(
            client__in=clinical_clients(actor), status=QuestionnaireResponse.Status.SUBMITTED
        )
        .select_related("definition", "client")
        .defer("client__bsn", "client__bsn_hash")
    )
    if client is not None:
        responses = responses.filter(client=client)
    page = cursor_paginate(responses, keys=["created_at", "id"], cursor=cursor, limit=limit, descending=True)
    page = dataclasses.replace(page, items=_clinical_rows(actor, page.items))
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.questionnaire_response.list",
        client_ids=dict.fromkeys(r.client.public_id for r in page.items),
        access_point=access_point,
    )
    return page


def response_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> QuestionnaireResponse:
    response = (
        QuestionnaireResponse.objects.filter(
            public_id=public_id,
            client__in=clinical_clients(actor),
            status=QuestionnaireResponse.Status.SUBMITTED,
        )
        .select_related("definition", "client")
        .first()
    )
    if response is None or not policy.can_see(actor, response.client, policy.DataKind.CLINICAL):
        raise policy.AccessDenied("No such response, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.questionnaire_response.detail",
        client_ids=dict.fromkeys([response.client.public_id]),
        access_point=access_point,
    )
    return response


# --- appointments (sessions; administrative, ``appointment_scope`` as on screen) ------------------


def _appointments_visible(actor: User) -> QuerySet[Appointment]:
    """``policy.appointments_visible_to``."""
    return policy.appointments_visible_to(actor)


def _visible_appointments(actor: User, rows: list[Appointment]) -> list[Appointment]:
    """Defence in depth: every row checked with ``appointment_scope`` (once per client)."""
    scopes: dict[int, policy.AppointmentScope] = {}
    visible = []
    on = today()
    for row in rows:
        if row.client_id not in scopes:
            scopes[row.client_id] = policy.appointment_scope(actor, row.client, on=on)
        scope = scopes[row.client_id]
        if scope == policy.AppointmentScope.ALL or (scope == policy.AppointmentScope.WITH_PARENTS and row.with_parents):
            visible.append(row)
    return visible


def _appointment_rows(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """``appointments`` with what the view shows and the policy reads, nothing more."""
    return appointments.select_related("client", "trajectory", "created_by").only(
        "public_id",
        "starts_at",
        "ends_at",
        "kind",
        "location",
        "title",
        "with_parents",
        "created_at",
        "client",
        *_fields("client__", _POLICY_CLIENT_FIELDS),
        "trajectory__public_id",
        *_fields("created_by__", _USER_NAME_FIELDS),
    )


def appointment_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, client: UUID | None = None
) -> CursorPage[Appointment]:
    appointments = _appointments_visible(actor)
    if client:
        appointments = appointments.filter(client__public_id=client)
    rows = _appointment_rows(Appointment.objects.all())
    page = cursor_paginate(appointments, keys=["starts_at", "id"], cursor=cursor, limit=limit, rows=rows)
    page = dataclasses.replace(page, items=_visible_appointments(actor, page.items))
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.appointment.list",
        client_ids=dict.fromkeys(a.client.public_id for a in page.items),
        access_point=access_point,
    )
    return page


def appointment_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Appointment:
    appointment = _appointment_rows(_appointments_visible(actor)).filter(public_id=public_id).first()
    if appointment is None or not _visible_appointments(actor, [appointment]):
        raise policy.AccessDenied("No such appointment, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.appointment.detail",
        client_ids=dict.fromkeys([appointment.client.public_id]),
        access_point=access_point,
    )
    return appointment


# --- secure messages (``threads_visible_to`` / ``can_read_thread`` as on screen) -------------------


def thread_page(*, actor: User, access_point: AccessPoint, cursor: str | None, limit: int) -> CursorPage[Thread]:
    """The threads the actor may read, with the last message time and the actor's unread count."""
    rows = (
        messaging_selectors.threads_with_counts(Thread.objects.all(), actor)
        .select_related("client", "parent")
        .only(
            "public_id",
            "kind",
            "created_at",
            "client",
            *_fields("client__", _POLICY_CLIENT_FIELDS),
            *_fields("parent__", _USER_NAME_FIELDS),
        )
    )
    threads = policy.threads_visible_to(actor)
    page = cursor_paginate(threads, keys=["created_at", "id"], cursor=cursor, limit=limit, rows=rows)
    page = dataclasses.replace(page, items=[t for t in page.items if policy.can_read_thread(actor, t)])
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.thread.list",
        client_ids=dict.fromkeys(t.client.public_id for t in page.items),
        access_point=access_point,
    )
    return page


def thread_get(*, actor: User, public_id: UUID) -> Thread:
    """A thread the actor may read (``can_read_thread``); no log: the caller logs what it reads."""
    return messaging_selectors.thread_get(actor=actor, public_id=public_id)


def message_page(
    *, actor: User, thread: Thread, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[Message]:
    """The messages of one thread, oldest first (clinical content, logged)."""
    if not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No such conversation, or no access.")
    messages = (
        messaging_selectors.messages_readable(actor=actor, thread=thread)
        .select_related("author")
        .only("public_id", "body", "created_at", "author", *_fields("author__", _USER_NAME_FIELDS))
        .prefetch_related("attachments")
    )
    page = cursor_paginate(messages, keys=["created_at", "id"], cursor=cursor, limit=limit)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.message.list",
        client_ids=dict.fromkeys([thread.client.public_id]),
        access_point=access_point,
    )
    return page


# --- method catalogue (no personal data, no log) --------------------------------------------


def module_catalogue_page(*, cursor: str | None, limit: int, version: str | None = None) -> CursorPage[Module]:
    modules = Module.objects.select_related("method_version").defer("coach_manual")
    modules = (
        modules.filter(method_version__version=version) if version else modules.filter(method_version__is_current=True)
    )
    return cursor_paginate(modules, keys=["sequence", "id"], cursor=cursor, limit=limit)


def questionnaire_page(*, cursor: str | None, limit: int, active: bool | None = None) -> CursorPage[Any]:
    """The questionnaire definitions loaded here (what ``questionnaire`` and
    ``questionnaire_version`` of a response refer to): metadata only, never an instrument's item
    texts (some instruments are licensed). No personal data, not logged."""
    definitions = QuestionnaireDefinition.objects.only(
        "code", "version", "name", "respondent", "is_active", "loaded_at"
    )
    if active is not None:
        definitions = definitions.filter(is_active=active)
    return cursor_paginate(definitions, keys=["code", "id"], cursor=cursor, limit=limit)


def module_by_key(*, key: str) -> Module:
    """A module by its public key ``CODE.VERSION`` (codes have no dots); ``Module.DoesNotExist``."""
    code, _, version = key.partition(".")
    if not code or not version:
        raise Module.DoesNotExist(key)
    return (
        Module.objects.select_related("method_version")
        .defer("coach_manual")
        .get(code=code, method_version__version=version)
    )


def module_key(module: Module) -> str:
    return f"{module.code}.{module.method_version.version}"


# --- allocations, declarations (administrative) -------------------------------------------------


def _allocations_visible(actor: User) -> QuerySet[Allocation]:
    """``policy.allocations_visible_to``."""
    return policy.allocations_visible_to(actor)


def _allowed_allocation(actor: User, allocation: Allocation) -> bool:
    return policy.can_see_allocation(actor, allocation)


def allocation_page(
    *,
    actor: User,
    access_point: AccessPoint,
    cursor: str | None,
    limit: int,
    status: str | None = None,
    client: UUID | None = None,
) -> CursorPage[Allocation]:
    allocations = _allocations_visible(actor).select_related("client", "product", "contract__provider")
    allocations = allocations.defer("client__bsn", "client__bsn_hash")
    if status:
        allocations = allocations.filter(status=status)
    if client:
        allocations = allocations.filter(client__public_id=client)
    page = cursor_paginate(allocations, keys=["requested_at", "id"], cursor=cursor, limit=limit, descending=True)
    page = dataclasses.replace(page, items=[a for a in page.items if _allowed_allocation(actor, a)])
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.allocation.list",
        client_ids=dict.fromkeys(a.client.public_id for a in page.items),
        access_point=access_point,
    )
    return page


def allocation_get(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Allocation:
    allocation = (
        _allocations_visible(actor)
        .select_related("client", "product", "contract__provider")
        .filter(public_id=public_id)
        .first()
    )
    if allocation is None or not _allowed_allocation(actor, allocation):
        raise policy.AccessDenied("No such allocation, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.allocation.detail",
        client_ids=dict.fromkeys([allocation.client.public_id]),
        access_point=access_point,
    )
    return allocation


# --- aggregates ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Indicators:
    scope: str
    suppressed_below: int | None
    by_status: dict[str, int | None]
    by_age_band: dict[str, int | None]


#: How long the aggregated figures of one scope are reused (seconds). Counting every trajectory of
#: a large municipality reads tens of thousands of rows (about 50-100 ms on 100,000 clients);
#: figures a minute old are fine for an overview. Only aggregates are cached, never personal data.
INDICATORS_CACHE_SECONDS = 60


def indicators_get(*, actor: User) -> Indicators:
    """Numbers of trajectories per status and young people per age band, no personal data.

    Outside the provider (municipality roles) counts below 5 are suppressed (docs/legal-basis.md). The figures
    of a scope (municipality, team or all) are cached for ``INDICATORS_CACHE_SECONDS``, separately
    for suppressed and unsuppressed figures and per day (age bands); the access check runs first,
    on every request.
    """
    if not policy.can_see_aggregates(actor):
        raise policy.AccessDenied("No access to aggregated figures.")
    if actor.municipality_id is not None:
        scope, scope_id = "municipality", actor.municipality_id
    elif actor.team_id is not None:
        scope, scope_id = "team", actor.team_id
    else:
        scope, scope_id = "all", None
    outside = policy.is_municipality_user(actor)
    key = f"coachcare:api:indicators:{scope}:{scope_id}:{'suppressed' if outside else 'exact'}:{today().isoformat()}"
    cached = cache.get(key)
    if isinstance(cached, Indicators):
        return cached
    indicators = _indicators_count(actor=actor, scope=scope, scope_id=scope_id, outside=outside)
    cache.set(key, indicators, INDICATORS_CACHE_SECONDS)
    return indicators


def _indicators_count(*, actor: User, scope: str, scope_id: int | None, outside: bool) -> Indicators:
    bands = client_selectors.client_counts_by_age_band(actor=actor)  # same scope: municipality, team, all
    trajectories = Trajectory.objects.all()
    if scope == "municipality" and scope_id is not None:
        # The trajectory's own municipality (the client's at referral): an index-only scan of
        # (municipality, status), not a join of every trajectory in the country with the clients.
        trajectories = trajectories.filter(municipality_id=scope_id)
    elif scope == "team" and scope_id is not None:
        trajectories = trajectories.filter(client__team_id=scope_id)
    counts = dict(trajectories.order_by().values_list("status").annotate(n=Count("*")).values_list("status", "n"))
    return Indicators(
        scope=scope,
        suppressed_below=suppression.COUNT_BELOW if outside else None,
        by_status={
            status: (suppression.count_shown(counts.get(status, 0)) if outside else counts.get(status, 0))
            for status in Status.values
        },
        by_age_band={band.label: band.count for band in bands},
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Outcomes:
    scope: str
    date_from: datetime.date
    date_to: datetime.date
    module_code: str
    age_band: str
    suppressed_below: int | None
    outcomes: list[dict[str, Any]]
    gate_decisions: list[dict[str, Any]]


def outcomes_get(
    *,
    actor: User,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    module_code: str = "",
    age_band: str = "",
) -> Outcomes:
    """The outcome indicators of the dashboards (issue 6: drop-out, satisfaction, goals, renewed
    demand, duration, modules, cost, gate decisions) over a period, for the part of the country the
    user's dashboard shows (``monitoring.selectors.outcome_scope_for``): municipality staff their
    municipality with counts below 5 suppressed, team leads their team, exactly. Aggregates only."""
    scope_of = monitoring_selectors.outcome_scope_for(actor=actor)
    if scope_of is None:
        raise policy.AccessDenied("No access to outcome figures.")
    if module_code and module_code not in dict(monitoring_selectors.module_choices()):
        raise ValueError(f"Unknown module {module_code!r}.")
    if age_band and age_band not in monitoring_indicators.AGE_BANDS:
        raise ValueError(f"Unknown age band {age_band!r}.")
    default_from, default_to = monitoring_indicators.default_period(today())
    start, end = date_from or default_from, date_to or default_to
    if start > end:
        raise ValueError("date_from is after date_to.")
    scope = monitoring_indicators.Scope(
        date_from=start, date_to=end, module_code=module_code, age_band=age_band, **scope_of.owner
    )
    figures = monitoring_selectors.figures_build(scope=scope, suppress=scope_of.suppress)

    def out(row: monitoring_selectors.IndicatorRow) -> dict[str, Any]:
        figure, indicator = row.figure, row.indicator
        hidden = row.total.suppressed  # the dashboard's rule (``monitoring.suppression``), nothing of its own
        return {
            "code": indicator.code,
            "name": str(indicator.name),
            "definition": str(indicator.definition),
            "numerator_definition": str(indicator.numerator),
            "denominator_definition": str(indicator.denominator),
            "unit": indicator.unit,
            "value": None if hidden else figure.value,
            "numerator": None if hidden else figure.numerator,
            "denominator": None if hidden else figure.denominator,
            "low": None if hidden else figure.low,
            "high": None if hidden else figure.high,
            "suppressed": hidden,
        }

    return Outcomes(
        scope=scope_of.label,
        date_from=figures.scope.date_from,  # outside the provider: widened to whole quarters
        date_to=figures.scope.date_to,
        module_code=module_code,
        age_band=age_band,
        suppressed_below=suppression.COUNT_BELOW if scope_of.suppress else None,
        outcomes=[out(row) for row in figures.outcomes],
        gate_decisions=[out(row) for row in figures.gates],
    )


# --- access log (FHIR AuditEvent) -----------------------------------------------------------------


def audit_event_page(
    *, actor: User, client: Client, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[AccessLogEntry]:
    """The access log of one client's file, for those the policy gives ACCESS_LOG."""
    policy.require(actor, client, [policy.DataKind.ACCESS_LOG])
    entries = AccessLogEntry.objects.filter(client_public_id=client.public_id)
    page = cursor_paginate(entries, keys=["timestamp", "id"], cursor=cursor, limit=limit, descending=True)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.access_log",
        client_ids=dict.fromkeys([client.public_id]),
        access_point=access_point,
    )
    return page


def audit_event_get(*, actor: User, entry_id: UUID, access_point: AccessPoint) -> AccessLogEntry:
    entry = AccessLogEntry.objects.filter(entry_id=entry_id, client_public_id__isnull=False).first()
    if entry is None or entry.client_public_id is None:
        raise policy.AccessDenied("No such entry, or no access.")
    client = policy.clients_visible_to(actor).filter(public_id=entry.client_public_id).first()
    if client is None or not policy.can_see(actor, client, policy.DataKind.ACCESS_LOG):
        raise policy.AccessDenied("No such entry, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.access_log",
        client_ids=dict.fromkeys([client.public_id]),
        access_point=access_point,
    )
    return entry


# --- practitioners -------------------------------------------------------------------------------


def practitioner_ids(users: Iterable[User | None]) -> dict[int, UUID]:
    """Public ids of professionals (created on first use): at most three queries for any number."""
    pks = {u.pk for u in users if u is not None}
    if not pks:
        return {}
    found = dict(PractitionerRef.objects.filter(user_id__in=pks).values_list("user_id", "public_id"))
    missing = pks - found.keys()
    if missing:
        PractitionerRef.objects.bulk_create([PractitionerRef(user_id=pk) for pk in missing], ignore_conflicts=True)
        found.update(PractitionerRef.objects.filter(user_id__in=missing).values_list("user_id", "public_id"))
    return found


def practitioner_get(*, actor: User, public_id: UUID) -> User:
    """A professional the actor works with: a coach or team lead of a client the actor may see,
    or a colleague of the actor's own team. Administrative data only (name)."""
    ref = PractitionerRef.objects.select_related("user").filter(public_id=public_id).first()
    if ref is None or not policy.can_see_practitioner(actor, ref.user):
        raise policy.AccessDenied("No such practitioner, or no access.")
    return ref.user


def client_age_today(client: Client) -> int:
    from coachcare.core.dates import age_on

    return age_on(client.birth_date, today())


# --- declarations (invoices): money and periods, no client data ---------------------------------


def invoice_page(*, actor: User, cursor: str | None, limit: int, status: str | None = None) -> CursorPage[Any]:
    declarations = policy.declarations_visible_to(actor).select_related("municipality", "provider")
    if status:
        declarations = declarations.filter(status=status)
    return cursor_paginate(declarations, keys=["period_start", "id"], cursor=cursor, limit=limit, descending=True)


def invoice_get(*, actor: User, public_id: UUID) -> Any:
    from coachcare.declarations.selectors import declaration_get

    return declaration_get(actor=actor, public_id=public_id)


def invoice_evidence(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Any:
    """``declarations.selectors.delivery_evidence_for`` of one declaration the actor may see."""
    from coachcare.declarations.selectors import declaration_get, delivery_evidence_for

    return delivery_evidence_for(
        actor=actor, declaration=declaration_get(actor=actor, public_id=public_id), access_point=access_point
    )
