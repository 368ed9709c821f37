"""FHIR R4: every returned resource validates with fhir.resources; Koppeltaal Task semantics; updates."""

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient
from fhir.resources.R4B import get_fhir_model_class

from coachcare.accounts.models import User
from coachcare.api.models import ModuleProgress
from coachcare.audit.models import AccessLogEntry
from tests.api.conftest import ApiWorld, Headers, make_trajectory
from tests.api.test_auth import assert_outcome, assert_problem


def fhir_json(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    data = response.json()
    get_fhir_model_class(data["resourceType"]).model_validate(data)
    for entry in data.get("entry", []):
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    return data  # type: ignore[no-any-return]


@pytest.mark.parametrize("validate_at_run_time", [True, False])
def test_every_resource_validates(
    api_world: ApiWorld,
    client: HttpClient,
    bearer: Callable[[User], Headers],
    settings: Any,
    validate_at_run_time: bool,
) -> None:
    settings.COACHCARE_FHIR_VALIDATE = validate_at_run_time
    w = api_world.world
    headers = bearer(w.coach)
    own, trajectory = w.own.public_id, api_world.trajectories["own"].public_id
    task = fhir_json(client.get(f"/fhir/r4/Task?patient={own}", headers=headers))["entry"][0]["resource"]
    practitioner = task["requester"]["reference"]
    for url in [
        "/fhir/r4/metadata",
        f"/fhir/r4/Patient/{own}",
        f"/fhir/r4/{practitioner}",
        f"/fhir/r4/CareTeam/{own}",
        f"/fhir/r4/CareTeam?patient={own}",
        "/fhir/r4/ActivityDefinition",
        f"/fhir/r4/{task['extension'][0]['valueReference']['reference']}",
        f"/fhir/r4/Task/{trajectory}-1",
        f"/fhir/r4/Goal/{trajectory}-g1",
        f"/fhir/r4/Goal?patient={own}",
        f"/fhir/r4/CarePlan/{trajectory}",
        f"/fhir/r4/CarePlan?patient=Patient/{own}",
        f"/fhir/r4/QuestionnaireResponse/{api_world.responses['own'].public_id}",
        f"/fhir/r4/QuestionnaireResponse?patient={own}",
    ]:
        fhir_json(client.get(url, headers=headers))


def test_task_follows_koppeltaal(api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]) -> None:
    w = api_world.world
    trajectory = api_world.trajectories["own"].public_id
    task = fhir_json(client.get(f"/fhir/r4/Task/{trajectory}-1", headers=bearer(w.coach)))
    patient = f"Patient/{w.own.public_id}"
    assert task["for"]["reference"] == patient and task["owner"]["reference"] == patient
    assert task["requester"]["reference"].startswith("Practitioner/")
    assert task["intent"] == "order" and task["priority"] == "routine" and task["status"] == "ready"
    assert task["meta"]["profile"] == ["http://koppeltaal.nl/fhir/StructureDefinition/KT2Task"]
    assert task["extension"][0]["url"] == "http://koppeltaal.nl/fhir/StructureDefinition/KT2Instantiates"
    assert task["extension"][0]["valueReference"]["reference"].startswith("ActivityDefinition/CC-")


def test_module_updates_task_status(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers], login: Callable[[User], HttpClient]
) -> None:
    w = api_world.world
    url = f"/fhir/r4/Task/{api_world.trajectories['own'].public_id}-1"
    headers = bearer(w.coach)
    patch = [{"op": "replace", "path": "/status", "value": "in-progress"}]
    response = client.patch(url, json.dumps(patch), content_type="application/json-patch+json", headers=headers)
    assert fhir_json(response)["status"] == "in-progress"
    current = fhir_json(client.get(url, headers=headers))
    response = client.put(
        url,
        json.dumps({**current, "status": "completed", "businessStatus": {"text": "les 3 van 3"}}),
        content_type="application/fhir+json",
        headers=headers,
    )
    assert fhir_json(response)["businessStatus"]["text"] == "les 3 van 3"
    progress = ModuleProgress.objects.get()
    assert progress.status == "completed" and progress.updated_by == w.coach
    assert AccessLogEntry.objects.filter(action="fhir.task.status", event="update", channel="api").count() == 2
    # Other elements may not change; bad statuses and bodies are 400 problems, never 5xx.
    changed = {**current, "status": "completed", "intent": "plan"}
    assert_problem(client.put(url, json.dumps(changed), content_type="application/fhir+json", headers=headers), 400)
    bad = [{"op": "replace", "path": "/status", "value": "done"}]
    assert_problem(client.patch(url, json.dumps(bad), content_type="application/json-patch+json", headers=headers), 400)
    other = [{"op": "replace", "path": "/for", "value": {}}]
    assert_problem(
        client.patch(url, json.dumps(other), content_type="application/json-patch+json", headers=headers), 400
    )
    assert_problem(client.put(url, "not json", content_type="application/fhir+json", headers=headers), 400)
    # Shown in the client file.
    http = login(w.coach)
    http.cookies["django_language"] = "en"
    page = http.get(f"/clients/{w.own.public_id}/")
    assert page.status_code == 200
    assert "Online module reports: completed" in page.content.decode()


def test_only_treating_professionals_update_tasks(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    w = api_world.world
    url = f"/fhir/r4/Task/{api_world.trajectories['own'].public_id}-1"
    patch = json.dumps({"status": "completed"})
    for user, status in [("toegang", 404), ("coach_other_team", 404), ("beheerder", 404)]:
        response = client.patch(url, patch, content_type="application/fhir+json", headers=bearer(w.user(user)))
        assert_problem(response, status)
    assert not ModuleProgress.objects.exists()


def test_audit_events_only_with_access_log_right(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    w = api_world.world
    client.get(f"/api/v1/clients/{w.own.public_id}", headers=bearer(w.coach))
    bundle = fhir_json(client.get(f"/fhir/r4/AuditEvent?patient={w.own.public_id}", headers=bearer(w.beheerder)))
    assert bundle["entry"]
    event_id = bundle["entry"][0]["resource"]["id"]
    fhir_json(client.get(f"/fhir/r4/AuditEvent/{event_id}", headers=bearer(w.beheerder)))
    for user in ["coach", "toegang", "beleid"]:
        headers = bearer(w.user(user))
        assert_problem(client.get(f"/fhir/r4/AuditEvent?patient={w.own.public_id}", headers=headers), 404)
        assert_problem(client.get(f"/fhir/r4/AuditEvent/{event_id}", headers=headers), 404)


def test_search_pages_with_next_link(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    headers = bearer(api_world.world.coach)
    first = fhir_json(client.get("/fhir/r4/Task?_count=1", headers=headers))
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = fhir_json(client.get(next_url.removeprefix("http://testserver"), headers=headers))
    assert first["entry"][0]["resource"]["id"] != second["entry"][0]["resource"]["id"]
    assert_problem(client.get("/fhir/r4/Task?_count=1000", headers=headers), 400)
    assert_problem(client.get("/fhir/r4/Task?_cursor=bm9wZQ", headers=headers), 400)
    assert_problem(client.get("/fhir/r4/Goal", headers=headers), 400)


def test_a_task_search_by_patient_pages_like_every_search(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    """The patient's runs are read at once and paged in Python (``module_runs_of_client``): the same
    tasks, order and cursors as the search over every patient, which pages in the database."""
    w = api_world.world
    for _ in range(3):
        make_trajectory(w.own, api_world.runs["own"].module)
    headers = bearer(w.coach)
    patient = f"Patient/{w.own.public_id}"

    def walk(url: str) -> list[str]:
        ids: list[str] = []
        while url:
            bundle = fhir_json(client.get(url.removeprefix("http://testserver"), headers=headers))
            ids += [entry["resource"]["id"] for entry in bundle.get("entry", [])]
            url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), "")
        return ids

    every = fhir_json(client.get("/fhir/r4/Task?_count=100", headers=headers))["entry"]
    expected = [e["resource"]["id"] for e in every if e["resource"]["for"]["reference"] == patient]
    assert len(expected) == 4
    assert walk(f"/fhir/r4/Task?patient={w.own.public_id}&_count=1") == expected
    assert walk(f"/fhir/r4/Task?patient={w.own.public_id}&_count=3") == expected
    bad = client.get(f"/fhir/r4/Task?patient={w.own.public_id}&_cursor=bm9wZQ", headers=headers)
    assert_problem(bad, 400)


def test_errors_are_operation_outcomes(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    """FHIR clients read an OperationOutcome: the status's issue type, the reason in diagnostics."""
    headers = bearer(api_world.world.coach)
    unauthenticated = client.get("/fhir/r4/Task")
    assert assert_outcome(unauthenticated, 401)["issue"][0]["code"] == "login"
    assert unauthenticated["WWW-Authenticate"] == 'Bearer realm="coachcare"'
    unknown = assert_outcome(client.get("/fhir/r4/Nothing/1", headers=headers), 404)
    assert unknown["issue"][0]["code"] == "not-found"
    assert unknown["issue"][0]["diagnostics"] == "No such resource, or no access."
    task = f"/fhir/r4/Task/{api_world.trajectories['own'].public_id}-1"
    assert assert_outcome(client.delete(task, headers=headers), 405)["issue"][0]["code"] == "not-supported"
    bad = assert_outcome(client.get("/fhir/r4/Task?_count=1000", headers=headers), 400)
    assert bad["issue"][0]["code"] == "invalid"
    assert client.get("/api/v1/nothing", headers=headers)["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("created_at", "start_date"),
    [
        ("2026-12-05T23:12:00+00:00", "2026-12-06"),  # 00:12 on 6 December in Amsterdam
        ("2026-03-28T23:30:00+00:00", "2026-03-29"),  # the night DST starts (CET)
        ("2026-10-24T22:30:00+00:00", "2026-10-25"),  # the night DST ends (CEST)
    ],
)
def test_goal_start_date_is_the_amsterdam_date(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers], created_at: str, start_date: str
) -> None:
    goal = api_world.goals["own"]
    type(goal).objects.filter(pk=goal.pk).update(created_at=datetime.datetime.fromisoformat(created_at))
    trajectory = api_world.trajectories["own"].public_id
    data = fhir_json(client.get(f"/fhir/r4/Goal/{trajectory}-g1", headers=bearer(api_world.world.coach)))
    assert data["startDate"] == start_date
