"""FHIR R4 resources of the care record, Koppeltaal 2.0 shaped: how a client, a practitioner, a
care team, a module, a task, a goal, a care plan, a questionnaire response and an access log entry
become FHIR JSON (the mapping only; the HTTP views are in ``coachcare.api.fhir``).

Every resource is built as a dict and, with ``COACHCARE_FHIR_VALIDATE``, validated with the
``fhir.resources`` models before it is sent. Only administrative data and what the policy allowed
the caller reach these functions: they do no access checks of their own.
"""

import json
from typing import Any
from uuid import UUID

from django.conf import settings
from fhir.resources.R4B.activitydefinition import ActivityDefinition
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.goal import Goal as FhirGoal
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirQuestionnaireResponse
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.task import Task

from coachcare.accounts.models import User
from coachcare.api import selectors
from coachcare.audit.models import AccessLogEntry
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


def valid_resource(model: type[Resource], data: dict[str, Any]) -> dict[str, Any]:
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
    return valid_resource(Patient, data)


def practitioner_resource(user: User, public_id: UUID) -> dict[str, Any]:
    name: dict[str, Any] = {"text": user.display_name}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return valid_resource(
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
    return valid_resource(
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
    return valid_resource(
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
        status: str = progress.status
        return status
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
    return valid_resource(Task, data)


def goal_resource(goal: Goal) -> dict[str, Any]:
    from coachcare.api.rest import goal_id

    trajectory = goal.trajectory
    scores = list(goal.scores.all())
    extensions = []
    if scores:
        latest = max(scores, key=lambda s: (s.scored_at, s.pk))
        extensions = [{"url": GAS_EXTENSION, "valueInteger": latest.gas}]
        if latest.gbo is not None:  # the young person did not rate the goal at that moment
            extensions.append({"url": GBO_EXTENSION, "valueInteger": latest.gbo})
    return valid_resource(
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
    return valid_resource(
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
    return valid_resource(
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
    return valid_resource(
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
