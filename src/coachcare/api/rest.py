"""The REST API at /api/v1/ (django-ninja). Endpoints call selectors and hold no rules."""

import datetime
import re
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Query
from ninja.openapi.docs import DocsBase
from pydantic import BaseModel

from coachcare.access import policy
from coachcare.api import selectors
from coachcare.api.auth import TokenAuth, api_actor
from coachcare.api.errors import EXCEPTIONS, BadRequest, problem_for
from coachcare.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from coachcare.api.problems import PROBLEM_CONTENT_TYPE
from coachcare.api.schemas import (
    AllocationOut,
    AllocationPage,
    AppointmentOut,
    AppointmentPage,
    ClientDetailOut,
    ClientPage,
    EvidenceOut,
    GoalPage,
    IndicatorsOut,
    InvoiceOut,
    InvoicePage,
    MeOut,
    MessageIn,
    MessageOut,
    MessagePage,
    ModuleOut,
    ModulePage,
    ModuleRunPage,
    OutcomesOut,
    Problem,
    QuestionnairePage,
    ResponseOut,
    ResponsePage,
    ThreadPage,
    TrajectoryDetailOut,
    TrajectoryPage,
)
from coachcare.audit.services import AccessPoint, Channel
from coachcare.clients.models import Client
from coachcare.coaching.models import Appointment
from coachcare.contracts.models import Allocation, AllocationStatus
from coachcare.core.dates import age_on, today
from coachcare.core.validators import ApiText
from coachcare.declarations.models import DeclarationStatus
from coachcare.measures.models import QuestionnaireResponse
from coachcare.messaging import services as messaging_services
from coachcare.messaging.models import Attachment, Message, Thread
from coachcare.method.models import Module
from coachcare.monitoring.indicators import AGE_BANDS
from coachcare.trajectories.models import Goal, ModuleRun, Trajectory
from coachcare.trajectories.models import Status as TrajectoryStatus


class StrictCspDocs(DocsBase):
    """Swagger UI from the static files shipped with django-ninja; no inline script or style."""

    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        return render(request, "api/docs.html", {"openapi_url": self.get_openapi_url(api, kwargs), "api": api})


class ProblemNinjaAPI(NinjaAPI):
    """Documents error responses as ``application/problem+json`` (RFC 9457), which they are."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) >= 400 and "application/json" in response.get("content", {}):
                        response["content"] = {PROBLEM_CONTENT_TYPE: response["content"]["application/json"]}
        return schema


api = ProblemNinjaAPI(
    title="coachcare API",
    version="1",
    description=(
        "Access to coachcare for provider and municipality systems (reads; writes: secure messages). Authenticate with "
        "`Authorization: Bearer <token>` (`manage.py create_api_token`). Every read of client data is "
        "written to the NEN 7513 access log. Errors are RFC 9457 problem details. See docs/api.md."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs=StrictCspDocs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=require_safe,  # the schema and the docs page are read only: any other method is a 405
)


def _problem(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    return problem_for(request, exc if isinstance(exc, Exception) else exc())


for _exception in EXCEPTIONS:
    api.add_exception_handler(_exception, _problem)

ERRORS: dict[int | frozenset[int], Any] = {frozenset({400, 401, 404, 422}): Problem}
LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")
CURSOR = Query(None, max_length=500, description="`next_cursor` of the previous page.")


ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$"


def _iso_datetime(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError as error:
        raise BadRequest("created_since is not an ISO 8601 date-time.") from error
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def _ap(request: HttpRequest) -> AccessPoint:
    return AccessPoint.from_request(request, channel=Channel.API)


JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def _one_of(values: list[str]) -> str:
    """A pattern for a filter that takes one of ``values``: anything else is a 422 problem, not an
    empty list that looks like an answer."""
    return "^(" + "|".join(re.escape(value) for value in values) + ")$"


def _ok(schema: type[BaseModel], data: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """``data`` validated against the documented response model and serialised, both in one pass
    of pydantic-core. (Returning the dict would let django-ninja do the same through its
    Django-aware getter, item by item, and then the standard json module: several times slower.)"""
    return HttpResponse(schema.model_validate(data).model_dump_json(), status=status, content_type=JSON_CONTENT_TYPE)


def _client_out(
    client: Client, on: datetime.date | None = None, *, municipality_code: str | None = None, team: str | None = None
) -> dict[str, Any]:
    """``municipality_code``, ``team``: when the row carries them (``clients.selectors.client_rows``)."""
    return {
        "id": client.public_id,
        "given_name": client.given_name,
        "family_name": client.family_name,
        "birth_date": client.birth_date,
        "age": age_on(client.birth_date, on or today()),
        "municipality_code": client.municipality.code if municipality_code is None else municipality_code,
        "team": client.team.name if team is None else team,
        "coach": client.coach.display_name if client.coach else None,
        "referred_on": client.referred_on,
    }


def _client_row_out(client: Client, on: datetime.date) -> dict[str, Any]:
    """A row of ``clients.selectors.client_rows`` (the municipality's code and the team's name annotated)."""
    return _client_out(
        client,
        on,
        municipality_code=client.municipality_code,  # type: ignore[attr-defined]
        team=client.team_name,  # type: ignore[attr-defined]
    )


def task_id(run: ModuleRun) -> str:
    return f"{run.trajectory.public_id}-{run.sequence}"


def _run_out(run: ModuleRun) -> dict[str, Any]:
    progress = getattr(run, "progress", None)
    return {
        "task_id": task_id(run),
        "trajectory_id": run.trajectory.public_id,
        "sequence": run.sequence,
        "module_id": selectors.module_key(run.module),
        "module_name": run.module.name,
        "state": run.state,
        "started_on": run.started_on,
        "due_on": run.due_on,
        "finished_on": run.finished_on,
        "external_status": progress.status if progress else None,
        "external_status_at": progress.updated_at if progress else None,
    }


def _trajectory_out(trajectory: Trajectory) -> dict[str, Any]:
    return {
        "id": trajectory.public_id,
        "client_id": trajectory.client.public_id,
        "status": trajectory.status,
        "next_action": trajectory.next_action,
        "next_action_due": trajectory.next_action_due,
        "referred_on": trajectory.referred_on,
        "closed_on": trajectory.closed_on,
        "end_reason": trajectory.end_reason,
        "method_version": trajectory.method_version.version,
        "coach": trajectory.coach.display_name if trajectory.coach else None,
        "created_at": trajectory.created_at,
    }


def goal_id(goal: Goal) -> str:
    return f"{goal.trajectory.public_id}-g{goal.order}"


def _goal_out(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal_id(goal),
        "order": goal.order,
        "kind": goal.kind,
        "text": goal.text,
        "weight": goal.weight,
        "scores": [
            {
                "gas": score.gas,
                "gbo": score.gbo,
                "module_sequence": score.module_run.sequence if score.module_run else None,
                "scored_at": score.scored_at,
            }
            for score in goal.scores.all()
        ],
    }


def _module_out(module: Module) -> dict[str, Any]:
    return {
        "id": selectors.module_key(module),
        "code": module.code,
        "version": module.method_version.version,
        "name": module.name,
        "purpose": module.purpose,
        "kind": module.kind,
        "expected_sessions": module.expected_sessions,
        "expected_weeks": module.expected_weeks,
        "sequence": module.sequence,
        "is_final": module.is_final,
    }


def _response_out(response: QuestionnaireResponse) -> dict[str, Any]:
    return {
        "id": response.public_id,
        "client_id": response.client.public_id,
        "questionnaire": response.definition.code,
        "questionnaire_version": response.definition.version,
        "context": response.context,
        "trajectory_id": response.trajectory_public_id,
        "total": response.total,
        "subscales": response.subscales or {},
        "flags": [str(flag) for flag in response.flags or []],
        "answers": response.answer_values,
        "submitted_at": response.submitted_at,
    }


def _allocation_out(allocation: Allocation) -> dict[str, Any]:
    return {
        "id": allocation.public_id,
        "client_id": allocation.client.public_id,
        "status": allocation.status,
        "allocation_number": allocation.toewijzing_nummer,
        "module_code": allocation.product.module_code,
        "product_category": allocation.product.ijw_product_category,
        "product_code": allocation.product.ijw_product_code,
        "volume": allocation.volume,
        "volume_used": allocation.volume_used,
        "start_date": allocation.start_date,
        "end_date": allocation.end_date,
        "budget_cents": allocation.budget_cents,
        "requested_at": allocation.requested_at,
        "decided_at": allocation.decided_at,
    }


def _appointment_out(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.public_id,
        "client_id": appointment.client.public_id,
        "trajectory_id": appointment.trajectory.public_id if appointment.trajectory else None,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "kind": appointment.kind,
        "location": appointment.location,
        "title": appointment.title,
        "with_parents": appointment.with_parents,
        "created_by": appointment.created_by.display_name,
        "created_at": appointment.created_at,
    }


def _thread_out(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.public_id,
        "client_id": thread.client.public_id,
        "kind": thread.kind,
        "parent": thread.parent.display_name if thread.parent else None,
        "created_at": thread.created_at,
        "last_message_at": getattr(thread, "last_message_at", None),
        "unread": getattr(thread, "unread", 0),
    }


def _message_out(
    message: Message, thread: Thread, actor: Any, attachments: list[Attachment] | None = None
) -> dict[str, Any]:
    """``attachments``: the message's, when read already (``selectors.message_attachments``)."""
    return {
        "id": message.public_id,
        "thread_id": thread.public_id,
        "author": message.author.display_name,
        "author_role": message.author.role,
        "mine": message.author_id == actor.pk,
        "body": message.body,
        "created_at": message.created_at,
        "attachments": [
            {"id": a.public_id, "name": a.original_name, "content_type": a.content_type, "size": a.size}
            for a in (message.attachments.all() if attachments is None else attachments)
        ],
    }


# --- who am I ---------------------------------------------------------------------------------


@api.get("/me", response={200: MeOut, **ERRORS}, tags=["account"], summary="The token's user")
def me(request: HttpRequest) -> HttpResponse:
    actor = api_actor(request)
    return _ok(MeOut, {"username": actor.get_username(), "role": actor.role, "display_name": actor.display_name})


# --- provider side ------------------------------------------------------------------------------


@api.get("/clients", response={200: ClientPage, **ERRORS}, tags=["clients"], summary="Clients the user may see")
def client_list(
    request: HttpRequest,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    q: ApiText = Query("", max_length=100, description="Part of the given or family name."),
) -> HttpResponse:
    page = selectors.client_page(
        actor=api_actor(request), access_point=_ap(request), cursor=cursor, limit=limit, search=q
    )
    on = today()
    return _ok(ClientPage, {"items": [_client_row_out(c, on) for c in page.items], "next_cursor": page.next_cursor})


@api.get("/clients/{client_id}", response={200: ClientDetailOut, **ERRORS}, tags=["clients"], summary="One client")
def client_detail(request: HttpRequest, client_id: UUID) -> HttpResponse:
    file = selectors.client_file(actor=api_actor(request), public_id=client_id, access_point=_ap(request))
    return _ok(
        ClientDetailOut, {**_client_out(file.client), "kinds": sorted(str(k) for k in file.kinds), "bsn": file.bsn}
    )


@api.get(
    "/trajectories",
    response={200: TrajectoryPage, **ERRORS},
    tags=["trajectories"],
    summary="Trajectories of clients whose clinical file the user may see",
)
def trajectory_list(
    request: HttpRequest,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    status: str | None = Query(None, pattern=_one_of(TrajectoryStatus.values)),
    client: UUID | None = None,
    created_since: str | None = Query(
        None,
        pattern=ISO_DATETIME,
        description="Only trajectories created at or after this ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z.",
    ),
) -> HttpResponse:
    page = selectors.trajectory_page(
        actor=api_actor(request),
        access_point=_ap(request),
        cursor=cursor,
        limit=limit,
        status=status,
        client=client,
        created_since=_iso_datetime(created_since),
    )
    return _ok(TrajectoryPage, {"items": [_trajectory_out(t) for t in page.items], "next_cursor": page.next_cursor})


@api.get(
    "/trajectories/{trajectory_id}",
    response={200: TrajectoryDetailOut, **ERRORS},
    tags=["trajectories"],
    summary="One trajectory with its module runs",
)
def trajectory_detail(request: HttpRequest, trajectory_id: UUID) -> HttpResponse:
    actor, access_point = api_actor(request), _ap(request)
    trajectory = selectors.trajectory_get(actor=actor, public_id=trajectory_id, access_point=access_point)
    runs = selectors.trajectory_module_runs(actor=actor, trajectory=trajectory, access_point=access_point)
    return _ok(TrajectoryDetailOut, {**_trajectory_out(trajectory), "module_runs": [_run_out(r) for r in runs]})


@api.get(
    "/trajectories/{trajectory_id}/goals",
    response={200: GoalPage, **ERRORS},
    tags=["trajectories"],
    summary="Goals and their GAS/GBO scores (clinical)",
)
def goal_list(
    request: HttpRequest, trajectory_id: UUID, cursor: str | None = CURSOR, limit: int = LIMIT
) -> HttpResponse:
    actor, access_point = api_actor(request), _ap(request)
    trajectory = selectors.trajectory_get(actor=actor, public_id=trajectory_id, access_point=access_point)
    page = selectors.goal_page(
        actor=actor, trajectory=trajectory, access_point=access_point, cursor=cursor, limit=limit
    )
    return _ok(GoalPage, {"items": [_goal_out(g) for g in page.items], "next_cursor": page.next_cursor})


@api.get(
    "/module-runs",
    response={200: ModuleRunPage, **ERRORS},
    tags=["trajectories"],
    summary="Module runs (FHIR Tasks) of clients whose clinical file the user may see",
)
def module_run_list(
    request: HttpRequest,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    module: ApiText | None = Query(None, max_length=40, description="Module code"),
    state: ApiText | None = Query(None, max_length=10),
) -> HttpResponse:
    page = selectors.module_run_page(
        actor=api_actor(request), access_point=_ap(request), cursor=cursor, limit=limit, module_code=module, state=state
    )
    return _ok(ModuleRunPage, {"items": [_run_out(r) for r in page.items], "next_cursor": page.next_cursor})


@api.get(
    "/questionnaire-responses",
    response={200: ResponsePage, **ERRORS},
    tags=["measures"],
    summary="Submitted questionnaire responses (clinical)",
)
def response_list(
    request: HttpRequest, cursor: str | None = CURSOR, limit: int = LIMIT, client: UUID | None = None
) -> HttpResponse:
    actor, access_point = api_actor(request), _ap(request)
    client_obj = selectors.client_clinical_get(actor=actor, public_id=client) if client else None
    page = selectors.response_page(
        actor=actor, access_point=access_point, cursor=cursor, limit=limit, client=client_obj
    )
    return _ok(ResponsePage, {"items": [_response_out(r) for r in page.items], "next_cursor": page.next_cursor})


@api.get(
    "/questionnaires",
    response={200: QuestionnairePage, **ERRORS},
    tags=["measures"],
    summary="Questionnaire definitions (code, version, name, respondent; no item texts)",
)
def questionnaire_list(
    request: HttpRequest, cursor: str | None = CURSOR, limit: int = LIMIT, active: bool | None = None
) -> HttpResponse:
    page = selectors.questionnaire_page(cursor=cursor, limit=limit, active=active)
    items = [
        {
            "code": d.code,
            "version": d.version,
            "name": d.name,
            "respondent": d.respondent,
            "active": d.is_active,
            "loaded_at": d.loaded_at,
        }
        for d in page.items
    ]
    return _ok(QuestionnairePage, {"items": items, "next_cursor": page.next_cursor})


@api.get(
    "/questionnaire-responses/{response_id}",
    response={200: ResponseOut, **ERRORS},
    tags=["measures"],
    summary="One questionnaire response (clinical)",
)
def response_detail(request: HttpRequest, response_id: UUID) -> HttpResponse:
    response = selectors.response_get(actor=api_actor(request), public_id=response_id, access_point=_ap(request))
    return _ok(ResponseOut, _response_out(response))


@api.get("/modules", response={200: ModulePage, **ERRORS}, tags=["method"], summary="The method catalogue")
def module_list(
    request: HttpRequest,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    version: ApiText | None = Query(None, max_length=20, description="Method version (default: current)"),
) -> HttpResponse:
    page = selectors.module_catalogue_page(cursor=cursor, limit=limit, version=version)
    return _ok(ModulePage, {"items": [_module_out(m) for m in page.items], "next_cursor": page.next_cursor})


@api.get("/modules/{module_id}", response={200: ModuleOut, **ERRORS}, tags=["method"], summary="One module")
def module_detail(request: HttpRequest, module_id: str) -> HttpResponse:
    return _ok(ModuleOut, _module_out(selectors.module_by_key(key=module_id)))


@api.get(
    "/appointments",
    response={200: AppointmentPage, **ERRORS},
    tags=["sessions"],
    summary="Appointments (sessions) the user may see, earliest first",
)
def appointment_list(
    request: HttpRequest, cursor: str | None = CURSOR, limit: int = LIMIT, client: UUID | None = None
) -> HttpResponse:
    page = selectors.appointment_page(
        actor=api_actor(request), access_point=_ap(request), cursor=cursor, limit=limit, client=client
    )
    return _ok(AppointmentPage, {"items": [_appointment_out(a) for a in page.items], "next_cursor": page.next_cursor})


@api.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **ERRORS},
    tags=["sessions"],
    summary="One appointment",
)
def appointment_detail(request: HttpRequest, appointment_id: UUID) -> HttpResponse:
    appointment = selectors.appointment_get(
        actor=api_actor(request), public_id=appointment_id, access_point=_ap(request)
    )
    return _ok(AppointmentOut, _appointment_out(appointment))


@api.get(
    "/threads",
    response={200: ThreadPage, **ERRORS},
    tags=["messages"],
    summary="Secure-message threads the user takes part in, with the user's unread count",
)
def thread_list(request: HttpRequest, cursor: str | None = CURSOR, limit: int = LIMIT) -> HttpResponse:
    page = selectors.thread_page(actor=api_actor(request), access_point=_ap(request), cursor=cursor, limit=limit)
    return _ok(ThreadPage, {"items": [_thread_out(t) for t in page.items], "next_cursor": page.next_cursor})


@api.get(
    "/threads/{thread_id}/messages",
    response={200: MessagePage, **ERRORS},
    tags=["messages"],
    summary="The messages of one thread, oldest first (clinical)",
)
def message_list(
    request: HttpRequest, thread_id: UUID, cursor: str | None = CURSOR, limit: int = LIMIT
) -> HttpResponse:
    actor = api_actor(request)
    thread = selectors.thread_readable_get(actor=actor, public_id=thread_id)
    page = selectors.message_page(actor=actor, thread=thread, access_point=_ap(request), cursor=cursor, limit=limit)
    attachments = selectors.message_attachments(actor=actor, thread=thread, messages=page.items)
    items = [_message_out(m, thread, actor, attachments[m.pk]) for m in page.items]
    return _ok(MessagePage, {"items": items, "next_cursor": page.next_cursor})


@api.post(
    "/threads/{thread_id}/messages",
    response={201: MessageOut, **ERRORS},
    tags=["messages"],
    summary="Write a message in a thread (participants who may post today)",
)
def message_create(request: HttpRequest, thread_id: UUID, payload: MessageIn) -> HttpResponse:
    actor = api_actor(request)
    thread = selectors.thread_get(actor=actor, public_id=thread_id)
    message = messaging_services.message_post(actor=actor, thread=thread, body=payload.body, access_point=_ap(request))
    return _ok(MessageOut, _message_out(message, thread, actor), status=201)


# --- municipality side -------------------------------------------------------------------------


@api.get(
    "/allocations",
    response={200: AllocationPage, **ERRORS},
    tags=["municipality"],
    summary="Allocations (toewijzingen), administrative",
)
def allocation_list(
    request: HttpRequest,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    status: str | None = Query(None, pattern=_one_of(AllocationStatus.values)),
    client: UUID | None = None,
) -> HttpResponse:
    page = selectors.allocation_page(
        actor=api_actor(request), access_point=_ap(request), cursor=cursor, limit=limit, status=status, client=client
    )
    return _ok(AllocationPage, {"items": [_allocation_out(a) for a in page.items], "next_cursor": page.next_cursor})


@api.get(
    "/allocations/{allocation_id}",
    response={200: AllocationOut, **ERRORS},
    tags=["municipality"],
    summary="One allocation",
)
def allocation_detail(request: HttpRequest, allocation_id: UUID) -> HttpResponse:
    allocation = selectors.allocation_get(actor=api_actor(request), public_id=allocation_id, access_point=_ap(request))
    return _ok(AllocationOut, _allocation_out(allocation))


@api.get(
    "/indicators",
    response={200: IndicatorsOut, **ERRORS},
    tags=["municipality"],
    summary="Aggregated figures, suppressed below 5 for municipality roles",
)
def indicators(request: HttpRequest) -> HttpResponse:
    result = selectors.indicators_get(actor=api_actor(request))
    return _ok(
        IndicatorsOut,
        {
            "scope": result.scope,
            "suppressed_below": result.suppressed_below,
            "trajectories_by_status": result.by_status,
            "young_people_by_age_band": result.by_age_band,
        },
    )


@api.get(
    "/outcomes",
    response={200: OutcomesOut, **ERRORS},
    tags=["municipality"],
    summary="Outcome indicators of the dashboards over a period (aggregated; suppressed below 5 for municipalities)",
)
def outcomes(
    request: HttpRequest,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    module: ApiText | None = Query(None, max_length=40, description="A module code, as the dashboard's filter."),
    age_band: str | None = Query(None, pattern=_one_of(list(AGE_BANDS))),
) -> HttpResponse:
    try:
        result = selectors.outcomes_get(
            actor=api_actor(request),
            date_from=date_from,
            date_to=date_to,
            module_code=module or "",
            age_band=age_band or "",
        )
    except ValueError as error:
        raise BadRequest(str(error)) from error
    return _ok(
        OutcomesOut,
        {
            "scope": result.scope,
            "date_from": result.date_from,
            "date_to": result.date_to,
            "module": result.module_code or None,
            "age_band": result.age_band or None,
            "suppressed_below": result.suppressed_below,
            "outcomes": result.outcomes,
            "gate_decisions": result.gate_decisions,
        },
    )


def _invoice_out(declaration: Any) -> dict[str, Any]:
    return {
        "id": declaration.public_id,
        "number": declaration.declaratienummer,
        "municipality_code": declaration.municipality.code,
        "provider": declaration.provider.name,
        "period_start": declaration.period_start,
        "period_end": declaration.period_end,
        "status": declaration.status,
        "total_cents": declaration.total_cents,
        "awarded_cents": declaration.awarded_cents,
        "submitted_at": declaration.submitted_at,
        "answered_at": declaration.answered_at,
    }


@api.get(
    "/invoices",
    response={200: InvoicePage, **ERRORS},
    tags=["municipality"],
    summary="Declarations (invoices, iJw JW323) without client data",
)
def invoice_list(
    request: HttpRequest,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    status: str | None = Query(None, pattern=_one_of(DeclarationStatus.values)),
) -> HttpResponse:
    page = selectors.invoice_page(actor=api_actor(request), cursor=cursor, limit=limit, status=status)
    return _ok(InvoicePage, {"items": [_invoice_out(d) for d in page.items], "next_cursor": page.next_cursor})


@api.get(
    "/invoices/{invoice_id}", response={200: InvoiceOut, **ERRORS}, tags=["municipality"], summary="One declaration"
)
def invoice_detail(request: HttpRequest, invoice_id: UUID) -> HttpResponse:
    return _ok(InvoiceOut, _invoice_out(selectors.invoice_get(actor=api_actor(request), public_id=invoice_id)))


@api.get(
    "/invoices/{invoice_id}/evidence",
    response={200: EvidenceOut, **ERRORS},
    tags=["municipality"],
    summary="Evidence of delivery: per declared module the session dates, attended or not (no content)",
)
def invoice_evidence(request: HttpRequest, invoice_id: UUID) -> HttpResponse:
    evidence = selectors.invoice_evidence(actor=api_actor(request), public_id=invoice_id, access_point=_ap(request))
    return _ok(
        EvidenceOut,
        {
            "invoice_id": invoice_id,
            "lines": [
                {
                    "reference": item.line.reference,
                    "client_id": item.line.client.public_id,
                    "allocation_number": item.line.allocation.toewijzing_nummer,
                    "product_code": item.line.product.ijw_product_code,
                    "module_started": item.module_started,
                    "module_ended": item.module_ended,
                    "sessions": [{"date": s.on, "attendance": s.attendance} for s in item.sessions],
                }
                for item in evidence
            ],
        },
    )


__all__ = ["api", "goal_id", "policy", "task_id"]
