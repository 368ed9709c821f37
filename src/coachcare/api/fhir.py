"""FHIR R4 at /fhir/r4/: read and search of the care record, Koppeltaal 2.0 shaped.

Every resource is built as a dict and validated with the ``fhir.resources`` models before it is
sent. Access goes through ``coachcare.api.selectors`` (the screens' policy; NEN 7513 log with
channel ``api``). Errors are the REST API's (``coachcare.api.errors``: the same statuses and texts)
answered as a FHIR ``OperationOutcome`` (FHIR R4 http.html), as FHIR clients such as a Koppeltaal
module expect; only a 503 during a database outage stays a problem document (the middleware answers
it before any view runs).
"""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import pydantic_core
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.activitydefinition import ActivityDefinition
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.goal import Goal as FhirGoal
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirQuestionnaireResponse
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.task import Task
from pydantic import ValidationError as PydanticValidationError

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api import selectors, services
from coachcare.api.auth import bearer_user
from coachcare.api.errors import BadRequest, django_validation_errors, not_found, problem_for
from coachcare.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, CursorPage
from coachcare.api.problems import PROBLEM_CONTENT_TYPE, method_not_allowed, problem_response
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint, Channel
from coachcare.clients.models import Client
from coachcare.core.dates import local_date
from coachcare.measures.models import QuestionnaireResponse
from coachcare.method.models import Module
from coachcare.trajectories.models import ACTIVE_STATUSES, Goal, ModuleRun, Trajectory

FHIR_CONTENT_TYPE = "application/fhir+json"
BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
KT2 = "http://koppeltaal.nl/fhir/StructureDefinition/"
KT2_INSTANTIATES = KT2 + "KT2Instantiates"
KT2_TASK_CODE_SYSTEM = "http://vzvz.nl/fhir/CodeSystem/koppeltaal-task-code"
COACHCARE_BASE = "https://coachcare.nl/fhir/"
MODULE_IDENTIFIER_SYSTEM = COACHCARE_BASE + "NamingSystem/module-code"
GAS_EXTENSION = COACHCARE_BASE + "StructureDefinition/gas-level"
GBO_EXTENSION = COACHCARE_BASE + "StructureDefinition/gbo-score"


def _without_empty(value: Any) -> Any:
    """FHIR has no nulls: drop None values (and containers left empty) everywhere."""
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if item is None:
                continue
            if isinstance(item, dict | list):
                item = _without_empty(item)
                if not item:
                    continue
            cleaned[key] = item
        return cleaned
    if isinstance(value, list):
        return [_without_empty(item) if isinstance(item, dict | list) else item for item in value if item is not None]
    return value


def _valid(model: type[Resource], data: dict[str, Any]) -> dict[str, Any]:
    """The JSON-ready resource. With ``COACHCARE_FHIR_VALIDATE`` (on in development and tests)
    every resource is also validated with fhir.resources before it leaves the server; the test
    suite validates every response with the same models in both modes, so production can skip
    the per-resource cost (about 1 ms a resource) on large searches."""
    if not settings.COACHCARE_FHIR_VALIDATE:
        cleaned: dict[str, Any] = _without_empty(data)
        return cleaned
    resource = model.model_validate(data)
    validated: dict[str, Any] = json.loads(resource.model_dump_json(exclude_none=True))
    return validated


def _fhir(data: dict[str, Any], status: int = 200) -> HttpResponse:
    # pydantic-core's encoder: the same JSON (UTF-8, no spaces) several times faster than json.dumps.
    return HttpResponse(pydantic_core.to_json(data), status=status, content_type=FHIR_CONTENT_TYPE)


def _ap(request: HttpRequest) -> AccessPoint:
    return AccessPoint.from_request(request, channel=Channel.API)


# --- resource builders ----------------------------------------------------------------------------


def patient_resource(client: Client, *, with_bsn: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(client.public_id),
        "meta": {"profile": [KT2 + "KT2Patient"]},
        "active": True,
        "name": [{"use": "official", "family": client.family_name, "given": [client.given_name]}],
        "birthDate": client.birth_date.isoformat(),
    }
    if with_bsn:
        data["identifier"] = [{"use": "official", "system": BSN_SYSTEM, "value": client.bsn}]
    return _valid(Patient, data)


def practitioner_resource(user: User, public_id: UUID) -> dict[str, Any]:
    name: dict[str, Any] = {"text": user.display_name}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return _valid(
        Practitioner,
        {
            "resourceType": "Practitioner",
            "id": str(public_id),
            "meta": {"profile": [KT2 + "KT2Practitioner"]},
            "active": user.is_active,
            "name": [name],
        },
    )


def _practitioner_ref(user: User | None, ids: dict[int, UUID]) -> dict[str, Any] | None:
    if user is None or user.pk not in ids:
        return None
    return {"reference": f"Practitioner/{ids[user.pk]}", "display": user.display_name}


def careteam_resource(client: Client, ids: dict[int, UUID]) -> dict[str, Any]:
    participants = []
    coach_ref = _practitioner_ref(client.coach, ids)
    if coach_ref:
        participants.append({"role": [{"text": "coach"}], "member": coach_ref})
    return _valid(
        CareTeam,
        {
            "resourceType": "CareTeam",
            "id": str(client.public_id),
            "meta": {"profile": [KT2 + "KT2CareTeam"]},
            "status": "active",
            "name": client.team.name,
            "subject": {"reference": f"Patient/{client.public_id}"},
            "participant": participants or None,
        },
    )


def activity_definition_resource(module: Module) -> dict[str, Any]:
    key = selectors.module_key(module)
    return _valid(
        ActivityDefinition,
        {
            "resourceType": "ActivityDefinition",
            "id": key,
            "meta": {"profile": [KT2 + "KT2ActivityDefinition"]},
            "url": f"{COACHCARE_BASE}ActivityDefinition/{key}",
            "identifier": [{"system": MODULE_IDENTIFIER_SYSTEM, "value": module.code}],
            "version": module.method_version.version,
            "name": module.code.replace("-", "_"),
            "title": module.name,
            "status": "active" if module.method_version.is_current else "retired",
            "description": module.purpose,
            "kind": "Task",
        },
    )


def task_status(run: ModuleRun) -> str:
    """The status a module reported, else from the run: running -> ready, finished/evaluated -> completed."""
    progress = getattr(run, "progress", None)
    if progress is not None:
        result: str = progress.status
        return result
    return "ready" if run.state == ModuleRun.State.RUNNING else "completed"


def task_resource(run: ModuleRun, ids: dict[int, UUID]) -> dict[str, Any]:
    from coachcare.api.rest import task_id

    trajectory = run.trajectory
    patient = {"reference": f"Patient/{trajectory.client.public_id}"}
    progress = getattr(run, "progress", None)
    identifier = task_id(run)
    data: dict[str, Any] = {
        "resourceType": "Task",
        "id": identifier,
        "meta": {"profile": [KT2 + "KT2Task"]},
        "extension": [
            {
                "url": KT2_INSTANTIATES,
                "valueReference": {"reference": f"ActivityDefinition/{selectors.module_key(run.module)}"},
            }
        ],
        "identifier": [{"system": COACHCARE_BASE + "NamingSystem/task", "value": identifier}],
        "basedOn": [{"reference": f"CarePlan/{trajectory.public_id}"}],
        "status": task_status(run),
        "intent": "order",
        "priority": "routine",
        "code": {"coding": [{"system": KT2_TASK_CODE_SYSTEM, "code": "view"}]},
        "for": patient,
        "owner": patient,
        "requester": _practitioner_ref(trajectory.coach, ids),
        "authoredOn": run.started_on.isoformat(),
        "executionPeriod": {
            "start": run.started_on.isoformat(),
            "end": run.finished_on.isoformat() if run.finished_on else None,
        },
    }
    if progress is not None:
        data["lastModified"] = progress.updated_at.isoformat()
        if progress.business_status:
            data["businessStatus"] = {"text": progress.business_status}
    return _valid(Task, data)


def goal_resource(goal: Goal) -> dict[str, Any]:
    from coachcare.api.rest import goal_id

    trajectory = goal.trajectory
    scores = list(goal.scores.all())
    extensions = []
    if scores:
        latest = max(scores, key=lambda s: (s.scored_at, s.pk))
        extensions = [
            {"url": GAS_EXTENSION, "valueInteger": latest.gas},
            {"url": GBO_EXTENSION, "valueInteger": latest.gbo},
        ]
    return _valid(
        FhirGoal,
        {
            "resourceType": "Goal",
            "id": goal_id(goal),
            "extension": extensions or None,
            "lifecycleStatus": "active" if trajectory.status in ACTIVE_STATUSES else "completed",
            "category": [{"text": goal.kind}],
            "description": {"text": goal.text},
            "subject": {"reference": f"Patient/{trajectory.client.public_id}"},
            "startDate": local_date(goal.created_at).isoformat(),
        },
    )


def careplan_resource(trajectory: Trajectory, goals: list[Goal], runs: list[ModuleRun]) -> dict[str, Any]:
    from coachcare.api.rest import goal_id, task_id

    client_id = trajectory.client.public_id
    return _valid(
        CarePlan,
        {
            "resourceType": "CarePlan",
            "id": str(trajectory.public_id),
            "status": "active" if trajectory.status in ACTIVE_STATUSES else "completed",
            "intent": "plan",
            "title": f"Coach & Care {trajectory.method_version.version}",
            "subject": {"reference": f"Patient/{client_id}"},
            "period": {
                "start": trajectory.referred_on.isoformat(),
                "end": trajectory.closed_on.isoformat() if trajectory.closed_on else None,
            },
            "created": trajectory.created_at.isoformat(),
            "careTeam": [{"reference": f"CareTeam/{client_id}"}],
            "goal": [{"reference": f"Goal/{goal_id(g)}"} for g in goals] or None,
            "activity": [{"reference": {"reference": f"Task/{task_id(r)}"}} for r in runs] or None,
        },
    )


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    return {"valueString": str(value)}


def questionnaire_response_resource(response: QuestionnaireResponse) -> dict[str, Any]:
    items = []
    for link_id, value in sorted(response.answer_values.items()):
        values = value if isinstance(value, list) else [value]
        entry: dict[str, Any] = {"linkId": str(link_id)}
        answers = [_answer(v) for v in values if v is not None and v != ""]
        if answers:
            entry["answer"] = answers
        items.append(entry)
    definition = response.definition
    return _valid(
        FhirQuestionnaireResponse,
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(response.public_id),
            "questionnaire": f"{COACHCARE_BASE}Questionnaire/{definition.code}|{definition.version}",
            "status": "completed",
            "subject": {"reference": f"Patient/{response.client.public_id}"},
            "basedOn": (
                [{"reference": f"CarePlan/{response.trajectory_public_id}"}] if response.trajectory_public_id else None
            ),
            "authored": response.submitted_at.isoformat() if response.submitted_at else None,
            "item": items or None,
        },
    )


AUDIT_ACTIONS = {"read": "R", "create": "C", "update": "U", "delete": "D", "export": "R"}


def audit_event_resource(entry: AccessLogEntry) -> dict[str, Any]:
    return _valid(
        AuditEvent,
        {
            "resourceType": "AuditEvent",
            "id": str(entry.entry_id),
            "meta": {"profile": [KT2 + "KT2AuditEvent"]},
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                "code": "rest",
                "display": "RESTful Operation",
            },
            "subtype": [{"system": COACHCARE_BASE + "CodeSystem/access-action", "code": entry.action}],
            "action": AUDIT_ACTIONS.get(entry.event, "R"),
            "recorded": entry.timestamp.isoformat(),
            "outcome": "0",
            "agent": [
                {
                    "type": {"text": entry.role},
                    "who": {
                        "identifier": {"value": entry.username},
                        "display": entry.user_display_name or entry.username,
                    },
                    "requestor": True,
                    "network": {"address": entry.access_point, "type": "2"},
                    "policy": [f"{COACHCARE_BASE}channel/{entry.channel}"],
                }
            ],
            "source": {"observer": {"display": "coachcare"}},
            "entity": [{"what": {"reference": f"Patient/{entry.client_public_id}"}}],
        },
    )


# --- plumbing ---------------------------------------------------------------------------------------


#: The FHIR issue type (http://hl7.org/fhir/issue-type) of each error status.
ISSUE_TYPES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    415: "not-supported",
    422: "invalid",
}


def operation_outcome(problem: HttpResponse) -> HttpResponse:
    """The shared problem answer (``coachcare.api.problems``) as a FHIR ``OperationOutcome``: the
    same status, an issue with the problem's detail and one per listed error; ``WWW-Authenticate``
    kept."""
    body = json.loads(problem.content)
    issues: list[dict[str, Any]] = [
        {
            "severity": "fatal" if problem.status_code >= 500 else "error",
            "code": ISSUE_TYPES.get(problem.status_code, "exception"),
            "details": {"text": body.get("title", "")},
            "diagnostics": body.get("detail", ""),
        }
    ]
    for error in body.get("errors") or []:
        where = f"{error['location']}: " if error.get("location") else ""
        issues.append({"severity": "error", "code": "invalid", "diagnostics": f"{where}{error.get('message', '')}"})
    outcome = OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": issues})
    response = HttpResponse(
        outcome.model_dump_json(exclude_none=True), status=problem.status_code, content_type=FHIR_CONTENT_TYPE
    )
    for header in ("WWW-Authenticate", "Allow"):
        if problem.has_header(header):
            response[header] = problem[header]
    return response


def fhir_not_found(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """Catch-all for unknown paths under /fhir/: an ``OperationOutcome``, not the HTML 404 page."""
    return operation_outcome(not_found(request))


def fhir_endpoint(
    *, public: bool = False, resource: str | None = None, methods: tuple[str, ...] = ("GET",)
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A FHIR interaction: bearer token (unless ``public``), only the HTTP ``methods`` the
    interaction has (a search, a read and ``metadata`` are GET only: anything else is a 405
    OperationOutcome with ``Allow``), every error an OperationOutcome. ``resource``: the resource
    type the view serves, for tokens limited to some (``policy.can_use_fhir_resource``)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return operation_outcome(method_not_allowed(request, methods))
            try:
                if not public:
                    user = bearer_user(request)
                    if user is None:
                        return operation_outcome(
                            problem_response(
                                request,
                                status=401,
                                detail="A valid bearer token is needed (unknown, expired or revoked).",
                            )
                        )
                    if not policy.can_use_fhir_resource(user, resource):
                        return operation_outcome(
                            problem_response(request, status=403, detail="This token may not use this resource.")
                        )
                    request.api_user = user  # type: ignore[attr-defined]
                response = view(request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every error is an OperationOutcome (5xx logged)
                return operation_outcome(problem_for(request, exc))
            if response.status_code >= 400 and response.get("Content-Type") == PROBLEM_CONTENT_TYPE:
                return operation_outcome(response)
            return response

        wrapped.__name__ = view.__name__
        return wrapped

    return decorate


def _actor(request: HttpRequest) -> User:
    return request.api_user  # type: ignore[attr-defined,no-any-return]


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as error:
        raise policy.AccessDenied("Not an id of this server.") from error


def _split_id(value: str, marker: str = "-") -> tuple[UUID, int]:
    """``<trajectory uuid>-<n>`` (Task) or ``<trajectory uuid>-g<n>`` (Goal)."""
    head, _, tail = value.rpartition(marker)
    if not tail.isdigit() or len(tail) > 5:
        raise policy.AccessDenied("Not an id of this server.")
    return _uuid(head), int(tail)


def _limit(request: HttpRequest) -> int:
    raw = request.GET.get("_count", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"_count must be a number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _patient(request: HttpRequest, *, required: bool) -> Client | None:
    raw = request.GET.get("patient") or request.GET.get("subject") or request.GET.get("for")
    if not raw:
        if required:
            raise BadRequest("Search by patient: ?patient=<Patient id>.")
        return None
    raw = raw.removeprefix("Patient/")
    return selectors.client_clinical_get(actor=_actor(request), public_id=_uuid(raw))


def _bundle(request: HttpRequest, resources: list[dict[str, Any]], page: CursorPage[Any]) -> HttpResponse:
    base = request.build_absolute_uri(request.path)
    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    if page.next_cursor:
        params = {k: v for k, v in request.GET.items() if k != "_cursor"}
        params["_cursor"] = page.next_cursor
        links.append({"relation": "next", "url": f"{base}?{urlencode(params)}"})
    envelope = _valid(
        Bundle, {"resourceType": "Bundle", "type": "searchset", "timestamp": timezone.now().isoformat(), "link": links}
    )
    # Every resource was validated when it was built: validating the bundle again would do it twice.
    if resources:
        root = request.build_absolute_uri("/fhir/r4/")
        envelope["entry"] = [
            {
                "fullUrl": f"{root}{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ]
    return _fhir(envelope)


def _cursor(request: HttpRequest) -> str | None:
    return request.GET.get("_cursor") or None


# --- views ------------------------------------------------------------------------------------------

SEARCHABLE = {
    "Patient": [],
    "Practitioner": [],
    "CareTeam": ["patient"],
    "ActivityDefinition": [],
    "Task": ["patient"],
    "Goal": ["patient"],
    "CarePlan": ["patient"],
    "QuestionnaireResponse": ["patient"],
    "AuditEvent": ["patient"],
}


@fhir_endpoint(public=True)
def metadata(request: HttpRequest) -> HttpResponse:
    resources = []
    for kind, params in SEARCHABLE.items():
        interactions = [{"code": "read"}]
        if params or kind == "ActivityDefinition":
            interactions.append({"code": "search-type"})
        if kind == "Task":
            interactions += [{"code": "update"}, {"code": "patch"}]
        entry: dict[str, Any] = {"type": kind, "interaction": interactions}
        if params:
            entry["searchParam"] = [{"name": p, "type": "reference"} for p in params]
        resources.append(entry)
    return _fhir(
        _valid(
            CapabilityStatement,
            {
                "resourceType": "CapabilityStatement",
                "status": "active",
                "date": "2026-01-01",
                "publisher": "coachcare",
                "kind": "instance",
                "software": {"name": "coachcare"},
                "implementation": {
                    "description": "coachcare FHIR R4 server",
                    "url": request.build_absolute_uri("/fhir/r4/"),
                },
                "fhirVersion": "4.0.1",
                "format": ["json"],
                "rest": [
                    {
                        "mode": "server",
                        "security": {
                            "description": "Authorization: Bearer <token> (manage.py create_api_token); the token's "
                            "user acts with the access policy of the screens. An e-health module's account "
                            "(module-vendor) reads only the Tasks assigned to it and their Patient, and writes "
                            "Task.status."
                        },
                        "resource": resources,
                    }
                ],
            },
        )
    )


@fhir_endpoint(resource="Patient")
def patient_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    file = selectors.client_file(actor=_actor(request), public_id=_uuid(resource_id), access_point=_ap(request))
    return _fhir(patient_resource(file.client, with_bsn=file.bsn is not None))


@fhir_endpoint()
def practitioner_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    user = selectors.practitioner_get(actor=_actor(request), public_id=_uuid(resource_id))
    return _fhir(practitioner_resource(user, _uuid(resource_id)))


@fhir_endpoint()
def careteam_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    file = selectors.client_file(actor=_actor(request), public_id=_uuid(resource_id), access_point=_ap(request))
    return _fhir(careteam_resource(file.client, selectors.practitioner_ids([file.client.coach])))


@fhir_endpoint()
def careteam_search(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("patient", "").removeprefix("Patient/")
    if not raw:
        raise BadRequest("Search by patient: ?patient=<Patient id>.")
    file = selectors.client_file(actor=_actor(request), public_id=_uuid(raw), access_point=_ap(request))
    resource = careteam_resource(file.client, selectors.practitioner_ids([file.client.coach]))
    return _bundle(request, [resource], CursorPage(items=[], next_cursor=None))


@fhir_endpoint()
def activity_definition_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    return _fhir(activity_definition_resource(selectors.module_by_key(key=resource_id)))


@fhir_endpoint()
def activity_definition_search(request: HttpRequest) -> HttpResponse:
    page = selectors.module_catalogue_page(
        cursor=_cursor(request), limit=_limit(request), version=request.GET.get("version") or None
    )
    return _bundle(request, [activity_definition_resource(m) for m in page.items], page)


def _task_get(request: HttpRequest, resource_id: str) -> ModuleRun:
    trajectory_id, sequence = _split_id(resource_id)
    return selectors.module_run_get(
        actor=_actor(request), trajectory_id=trajectory_id, sequence=sequence, access_point=_ap(request)
    )


@fhir_endpoint(resource="Task", methods=("GET", "PUT", "PATCH"))
def task_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    if request.method in {"PUT", "PATCH"}:
        return _task_update(request, resource_id)
    run = _task_get(request, resource_id)
    return _fhir(task_resource(run, selectors.practitioner_ids([run.trajectory.coach])))


@fhir_endpoint(resource="Task")
def task_search(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("patient") or request.GET.get("subject") or request.GET.get("for")
    client = None
    if raw:
        client = selectors.task_patient_get(actor=_actor(request), public_id=_uuid(raw.removeprefix("Patient/")))
    page = selectors.module_run_page(
        actor=_actor(request),
        access_point=_ap(request),
        cursor=_cursor(request),
        limit=_limit(request),
        client=client,
        requester=True,
    )
    ids = selectors.practitioner_ids(r.trajectory.coach for r in page.items)
    return _bundle(request, [task_resource(r, ids) for r in page.items], page)


UPDATABLE_TASK_FIELDS = {"status", "businessStatus", "note", "meta", "text", "lastModified"}


def _task_update(request: HttpRequest, resource_id: str) -> HttpResponse:
    """An external module reports progress: only ``status`` and ``businessStatus`` change.

    PUT takes the whole Task (every other element must be unchanged); PATCH takes a JSON Patch
    (``application/json-patch+json``, ``replace``/``add`` of ``/status`` or ``/businessStatus``)
    or a partial Task with only those elements.
    """
    actor = _actor(request)
    run = _task_get(request, resource_id)
    current = task_resource(run, selectors.practitioner_ids([run.trajectory.coach]))
    try:
        body = json.loads(request.body or b"null")
    except ValueError as error:
        raise BadRequest("The body is not JSON.") from error
    changes: dict[str, Any] = {}
    if request.method == "PATCH" and isinstance(body, list):
        for op in body:
            if not isinstance(op, dict) or op.get("op") not in {"replace", "add"}:
                raise BadRequest("Only 'replace' and 'add' operations are accepted.")
            path = str(op.get("path", "")).strip("/")
            if path not in {"status", "businessStatus"}:
                raise BadRequest("Only /status and /businessStatus may change.")
            changes[path] = op.get("value")
    elif isinstance(body, dict):
        if body.get("resourceType", "Task") != "Task" or body.get("id", resource_id) != resource_id:
            raise BadRequest("The body must be this Task.")
        if request.method == "PUT":
            changed = sorted(
                key
                for key in set(body) | set(current)
                if key not in UPDATABLE_TASK_FIELDS and body.get(key) != current.get(key)
            )
            if changed:
                raise BadRequest(f"Only status and businessStatus may change; changed: {', '.join(changed)}.")
        else:
            extra = sorted(set(body) - UPDATABLE_TASK_FIELDS - {"resourceType", "id"})
            if extra:
                raise BadRequest(f"Only status and businessStatus may change; got: {', '.join(extra)}.")
        changes = {k: body[k] for k in ("status", "businessStatus") if k in body}
    else:
        raise BadRequest("The body must be a Task or a JSON Patch.")
    if "status" not in changes:
        raise BadRequest("A status is required.")
    candidate = {**current, **changes}
    try:
        Task.model_validate(candidate)
    except PydanticValidationError as error:
        raise BadRequest(f"Not a valid Task: {error.error_count()} error(s).") from error
    status = str(changes["status"])
    if status not in services.TASK_STATUSES:
        raise BadRequest(f"Status must be one of: {', '.join(sorted(services.TASK_STATUSES))}.")
    business_text: str | None = None  # None: unchanged (a PATCH without it, or the same text)
    if "businessStatus" in changes or request.method == "PUT":
        business = changes.get("businessStatus") or {}
        business_text = str(business.get("text", "")) if isinstance(business, dict) else ""
        current_business = current.get("businessStatus") or {}
        if business_text == str(current_business.get("text", "")):
            business_text = None
    try:
        services.module_progress_record(
            actor=actor, run=run, status=status, business_status=business_text, access_point=_ap(request)
        )
    except DjangoValidationError as error:
        return problem_response(
            request, status=422, detail="The Task is not valid.", errors=django_validation_errors(error)
        )
    run = _task_get(request, resource_id)
    return _fhir(task_resource(run, selectors.practitioner_ids([run.trajectory.coach])))


@fhir_endpoint()
def goal_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    trajectory_id, order = _split_id(resource_id, "-g")
    goal = selectors.goal_get(
        actor=_actor(request), trajectory_id=trajectory_id, order=order, access_point=_ap(request)
    )
    return _fhir(goal_resource(goal))


@fhir_endpoint()
def goal_search(request: HttpRequest) -> HttpResponse:
    client = _patient(request, required=True)
    assert client is not None
    page = selectors.goal_page_for_client(
        actor=_actor(request), client=client, access_point=_ap(request), cursor=_cursor(request), limit=_limit(request)
    )
    return _bundle(request, [goal_resource(g) for g in page.items], page)


def _careplan(request: HttpRequest, trajectory: Trajectory) -> dict[str, Any]:
    goals = list(Goal.objects.filter(trajectory=trajectory).select_related("trajectory").order_by("order"))
    runs = list(ModuleRun.objects.filter(trajectory=trajectory).select_related("trajectory").order_by("sequence"))
    return careplan_resource(trajectory, goals, runs)


@fhir_endpoint()
def careplan_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    trajectory = selectors.trajectory_get(
        actor=_actor(request), public_id=_uuid(resource_id), access_point=_ap(request)
    )
    return _fhir(_careplan(request, trajectory))


@fhir_endpoint()
def careplan_search(request: HttpRequest) -> HttpResponse:
    client = _patient(request, required=True)
    assert client is not None
    page = selectors.trajectory_page(
        actor=_actor(request),
        access_point=_ap(request),
        cursor=_cursor(request),
        limit=_limit(request),
        client=client.public_id,
    )
    ids = [t.pk for t in page.items]
    goals: dict[int, list[Goal]] = {pk: [] for pk in ids}
    runs: dict[int, list[ModuleRun]] = {pk: [] for pk in ids}
    for goal in Goal.objects.filter(trajectory_id__in=ids).select_related("trajectory").order_by("order"):
        goals[goal.trajectory_id].append(goal)
    for run in ModuleRun.objects.filter(trajectory_id__in=ids).select_related("trajectory").order_by("sequence"):
        runs[run.trajectory_id].append(run)
    return _bundle(request, [careplan_resource(t, goals[t.pk], runs[t.pk]) for t in page.items], page)


@fhir_endpoint()
def questionnaire_response_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    response = selectors.response_get(actor=_actor(request), public_id=_uuid(resource_id), access_point=_ap(request))
    return _fhir(questionnaire_response_resource(response))


@fhir_endpoint()
def questionnaire_response_search(request: HttpRequest) -> HttpResponse:
    client = _patient(request, required=False)
    page = selectors.response_page(
        actor=_actor(request), access_point=_ap(request), cursor=_cursor(request), limit=_limit(request), client=client
    )
    return _bundle(request, [questionnaire_response_resource(r) for r in page.items], page)


@fhir_endpoint()
def audit_event_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    entry = selectors.audit_event_get(actor=_actor(request), entry_id=_uuid(resource_id), access_point=_ap(request))
    return _fhir(audit_event_resource(entry))


@fhir_endpoint()
def audit_event_search(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("patient", "").removeprefix("Patient/")
    if not raw:
        raise BadRequest("Search by patient: ?patient=<Patient id>.")
    from coachcare.clients.selectors import client_get_for_actor

    client = client_get_for_actor(actor=_actor(request), public_id=_uuid(raw))
    page = selectors.audit_event_page(
        actor=_actor(request), client=client, access_point=_ap(request), cursor=_cursor(request), limit=_limit(request)
    )
    return _bundle(request, [audit_event_resource(e) for e in page.items], page)
