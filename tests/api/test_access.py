"""Nothing a role cannot see on screen can be read through the API: 404 (no existence leak)."""

import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from coachcare.access.policy import AccessDenied
from coachcare.accounts.models import User
from coachcare.api import selectors
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from tests.api.conftest import ApiWorld, Headers
from tests.api.test_auth import assert_problem


def clinical_urls(aw: ApiWorld, key: str) -> list[str]:
    trajectory = aw.trajectories[key]
    client = aw.world.client(key)
    return [
        f"/api/v1/trajectories/{trajectory.public_id}",
        f"/api/v1/trajectories/{trajectory.public_id}/goals",
        f"/api/v1/questionnaire-responses/{aw.responses[key].public_id}",
        f"/api/v1/questionnaire-responses?client={client.public_id}",
        f"/fhir/r4/Task/{trajectory.public_id}-1",
        f"/fhir/r4/Goal/{trajectory.public_id}-g1",
        f"/fhir/r4/CarePlan/{trajectory.public_id}",
        f"/fhir/r4/QuestionnaireResponse/{aw.responses[key].public_id}",
        f"/fhir/r4/Task?patient={client.public_id}",
        f"/fhir/r4/Goal?patient={client.public_id}",
        f"/fhir/r4/CarePlan?patient={client.public_id}",
    ]


def session_and_message_urls(aw: ApiWorld, key: str) -> list[str]:
    thread = aw.threads["youth" if key == "own" else key]
    return [
        f"/api/v1/appointments/{aw.appointments[key].public_id}",
        f"/api/v1/threads/{thread.public_id}/messages",
    ]


def administrative_urls(aw: ApiWorld, key: str) -> list[str]:
    client = aw.world.client(key)
    return [
        f"/api/v1/clients/{client.public_id}",
        f"/fhir/r4/Patient/{client.public_id}",
        f"/fhir/r4/CareTeam/{client.public_id}",
    ]


@pytest.mark.parametrize(
    ("user", "key"),
    [
        ("coach_other_team", "own"),
        ("teamleider_other_team", "own"),
        ("coach", "other_team"),
        ("toegang_other", "own"),
        ("beleid", "own"),
    ],
)
def test_other_peoples_files_are_404(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers], user: str, key: str
) -> None:
    headers = bearer(api_world.world.user(user))
    urls = (
        clinical_urls(api_world, key) + administrative_urls(api_world, key) + session_and_message_urls(api_world, key)
    )
    for url in urls:
        assert_problem(client.get(url, headers=headers), 404)


@pytest.mark.parametrize("user", ["toegang", "beheerder", "beleid"])
def test_no_clinical_data_for_administrative_roles(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers], user: str
) -> None:
    headers = bearer(api_world.world.user(user))
    for url in clinical_urls(api_world, "own") + session_and_message_urls(api_world, "own"):
        assert_problem(client.get(url, headers=headers), 404)
    for url in [
        "/api/v1/trajectories",
        "/api/v1/module-runs",
        "/api/v1/questionnaire-responses",
        "/api/v1/appointments",
        "/api/v1/threads",
    ]:
        assert client.get(url, headers=headers).json()["items"] == []
    assert "entry" not in client.get("/fhir/r4/Task", headers=headers).json()


def test_random_ids_are_404(api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]) -> None:
    headers = bearer(api_world.world.coach)
    random = uuid.uuid4()
    for url in [
        f"/api/v1/clients/{random}",
        f"/api/v1/trajectories/{random}",
        f"/api/v1/allocations/{random}",
        f"/api/v1/invoices/{random}",
        f"/api/v1/questionnaire-responses/{random}",
        f"/fhir/r4/Patient/{random}",
        f"/fhir/r4/Task/{random}-1",
        f"/fhir/r4/Goal/{random}-g1",
        f"/fhir/r4/Practitioner/{random}",
        f"/fhir/r4/AuditEvent/{random}",
        "/fhir/r4/Patient/1",
        "/fhir/r4/ActivityDefinition/NOPE.1",
        "/api/v1/modules/NOPE",
    ]:
        assert_problem(client.get(url, headers=headers), 404)


def test_bsn_only_with_identity(api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]) -> None:
    own = api_world.world.own
    for user, shown in [("coach", True), ("toegang", True), ("beheerder", False)]:
        headers = bearer(api_world.world.user(user))
        detail = client.get(f"/api/v1/clients/{own.public_id}", headers=headers).json()
        assert (detail["bsn"] == own.bsn) is shown
        patient = client.get(f"/fhir/r4/Patient/{own.public_id}", headers=headers).json()
        assert ("identifier" in patient) is shown
        listing = client.get("/api/v1/clients", headers=headers).content.decode()
        assert own.bsn not in listing


def test_lists_only_hold_visible_clients(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    w = api_world.world
    ids = {item["id"] for item in client.get("/api/v1/clients", headers=bearer(w.coach)).json()["items"]}
    assert ids == {str(w.own.public_id), str(w.team.public_id)}
    allocations = client.get("/api/v1/allocations", headers=bearer(w.toegang)).json()["items"]
    assert [a["id"] for a in allocations] == [str(api_world.allocations["own"].public_id)]
    assert_problem(
        client.get(f"/api/v1/allocations/{api_world.allocations['other_team'].public_id}", headers=bearer(w.toegang)),
        404,
    )


def test_reads_are_logged_with_channel_api(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    w = api_world.world
    headers = bearer(w.coach)
    client.get(f"/api/v1/clients/{w.own.public_id}", headers=headers)
    client.get(f"/fhir/r4/Task?patient={w.own.public_id}", headers=headers)
    entries = AccessLogEntry.objects.filter(client_public_id=w.own.public_id, channel="api")
    assert {"api.client.detail", "api.module_run.list"} <= set(entries.values_list("action", flat=True))
    assert all(e.username == "coach" for e in entries)


def test_indicators_are_suppressed_for_municipality_roles(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    w = api_world.world
    body = client.get("/api/v1/indicators", headers=bearer(w.beleid)).json()
    assert body["suppressed_below"] == 5
    assert set(body["trajectories_by_status"].values()) == {None}  # 2 trajectories in municipality A: < 5
    lead = client.get("/api/v1/indicators", headers=bearer(w.teamleider)).json()
    assert lead["trajectories_by_status"]["module_running"] == 2
    assert_problem(client.get("/api/v1/indicators", headers=bearer(w.coach)), 404)


def test_indicators_are_cached_per_scope_after_the_access_check(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    w = api_world.world
    lead, beleid = bearer(w.teamleider), bearer(w.beleid)
    figures = client.get("/api/v1/indicators", headers=lead).json()
    assert figures["scope"] == "team" and figures["trajectories_by_status"]["module_running"] == 2
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/indicators", headers=lead).json() == figures
    assert len(captured) == 1, [q["sql"] for q in captured]  # the token only: the figures are cached
    # Another team has its own figures; municipality roles get the suppressed figures of their
    # municipality, not a team's; a role without aggregates is refused whatever is cached.
    other = client.get("/api/v1/indicators", headers=bearer(w.teamleider_other_team)).json()
    assert other["trajectories_by_status"]["module_running"] == 1
    municipality = client.get("/api/v1/indicators", headers=beleid).json()
    assert municipality["scope"] == "municipality" and municipality["suppressed_below"] == 5
    assert client.get("/api/v1/indicators", headers=bearer(w.toegang)).json() == municipality
    assert_problem(client.get("/api/v1/indicators", headers=bearer(w.coach)), 404)


def test_a_parent_never_reads_the_youth_thread(api_world: ApiWorld) -> None:
    """Parents and young people hold no API token (``test_auth``); the API's selectors still keep
    the screens' rule for them (defence in depth)."""
    w, threads = api_world.world, api_world.threads
    ap = AccessPoint(channel="api", address="test")
    listed = selectors.thread_page(actor=w.ouder, access_point=ap, cursor=None, limit=25).items
    assert [t.pk for t in listed] == [threads["parent"].pk]
    with pytest.raises(AccessDenied):
        selectors.message_page(actor=w.ouder, thread=threads["youth"], access_point=ap, cursor=None, limit=25)
    selectors.message_page(actor=w.ouder, thread=threads["parent"], access_point=ap, cursor=None, limit=25)
    # The young person sees their own thread only, never the parent's.
    young = selectors.thread_page(actor=w.jongere, access_point=ap, cursor=None, limit=25).items
    assert [t.pk for t in young] == [threads["youth"].pk]
    with pytest.raises(AccessDenied):
        selectors.message_page(actor=w.jongere, thread=threads["parent"], access_point=ap, cursor=None, limit=25)


def test_a_parent_sees_only_the_appointments_they_are_invited_to(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    w, appointments = api_world.world, api_world.appointments
    ap = AccessPoint(channel="api", address="test")
    listed = selectors.appointment_page(actor=w.ouder, access_point=ap, cursor=None, limit=25).items
    assert [a.pk for a in listed] == [appointments["own_parents"].pk]
    with pytest.raises(AccessDenied):
        selectors.appointment_get(actor=w.ouder, public_id=appointments["own"].public_id, access_point=ap)
    coach = client.get(f"/api/v1/appointments?client={w.own.public_id}", headers=bearer(w.coach)).json()["items"]
    assert {a["id"] for a in coach} == {str(appointments["own"].public_id), str(appointments["own_parents"].public_id)}


@pytest.mark.parametrize("user", ["toegang", "toegang_other", "beleid", "beheerder"])
def test_no_sessions_or_messages_for_municipality_and_administrator(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers], user: str
) -> None:
    headers = bearer(api_world.world.user(user))
    assert client.get("/api/v1/appointments", headers=headers).json()["items"] == []
    assert client.get("/api/v1/threads", headers=headers).json()["items"] == []
    for thread in api_world.threads.values():
        assert_problem(client.get(f"/api/v1/threads/{thread.public_id}/messages", headers=headers), 404)


def test_messages_are_json_text_oldest_first_and_logged(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    w, thread = api_world.world, api_world.threads["youth"]
    headers = bearer(w.teamleider)
    posted = client.post(
        f"/api/v1/threads/{thread.public_id}/messages",
        data={"body": "<script>x</script> hoi"},
        content_type="application/json",
        headers=headers,
    )
    assert posted.status_code == 201, posted.content
    assert posted.json()["body"] == "<script>x</script> hoi" and posted.json()["mine"] is True
    body = client.get(f"/api/v1/threads/{thread.public_id}/messages", headers=bearer(w.coach)).json()
    assert [m["body"] for m in body["items"]] == ["Bericht 0 <b>niet vet</b>", "<script>x</script> hoi"]
    threads = client.get("/api/v1/threads", headers=bearer(w.coach)).json()["items"]
    assert {t["id"]: t["unread"] for t in threads}[str(thread.public_id)] == 1  # the coach wrote the first
    actions = set(
        AccessLogEntry.objects.filter(client_public_id=w.own.public_id, channel="api").values_list("action", flat=True)
    )
    assert {"api.message.list", "api.thread.list"} <= actions
