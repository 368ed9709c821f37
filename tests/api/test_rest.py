"""REST API: problem details for bad input, cursor pages, a fixed number of queries, docs under CSP."""

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from coachcare.accounts.models import User
from coachcare.api.pagination import cursor_paginate
from coachcare.core.dates import today
from coachcare.declarations.models import Declaration, DeclarationStatus
from coachcare.measures.models import QuestionnaireDefinition
from coachcare.messaging.models import Attachment, Message
from coachcare.method.models import Module
from coachcare.trajectories.models import Goal, GoalScore, Status, Trajectory
from tests.api.conftest import ApiWorld, Headers, make_appointment, make_response, make_thread, make_trajectory
from tests.api.test_auth import assert_problem
from tests.audit.factories import AccessLogEntryFactory
from tests.clients.factories import ClientFactory, GezagRelationFactory
from tests.contracts.factories import AllocationFactory
from tests.method.factories import ModuleFactory


def test_bad_input_is_a_problem_not_a_5xx(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    headers = bearer(api_world.world.coach)
    body = assert_problem(client.get("/api/v1/clients/not-a-uuid", headers=headers), 422)
    assert body["errors"] and body["errors"][0]["location"]
    assert_problem(client.get("/api/v1/clients?limit=1000", headers=headers), 422)
    assert_problem(client.get("/api/v1/clients?cursor=%%%", headers=headers), 400)
    assert_problem(client.get("/api/v1/trajectories?cursor=WyJ4IiwgIjEiXQ", headers=headers), 400)
    assert_problem(client.get("/api/v1/trajectories?created_since=yesterday", headers=headers), 422)
    assert_problem(client.get("/api/v1/trajectories?status=no-such-status", headers=headers), 422)
    assert_problem(client.get("/api/v1/allocations?status=no-such-status", headers=headers), 422)
    assert client.get("/api/v1/trajectories?status=module_running", headers=headers).status_code == 200


def test_cursor_pages_walk_every_row_once(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    w = api_world.world
    for _ in range(4):
        ClientFactory.create(coach=w.coach)
    headers = bearer(w.coach)
    seen: list[str] = []
    url = "/api/v1/clients?limit=2"
    while url:
        page = client.get(url, headers=headers).json()
        seen += [item["id"] for item in page["items"]]
        url = f"/api/v1/clients?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert len(seen) == len(set(seen)) == 6


def _fill(aw: ApiWorld, n: int) -> None:
    module = Module.objects.filter(method_version__is_current=True).order_by("sequence").first()
    assert module is not None
    for _ in range(n):
        client = ClientFactory.create(coach=aw.world.coach, municipality=aw.world.municipality_a)
        make_trajectory(client, module)
        make_response(client, aw.world.coach)
        AllocationFactory.create(client=client, product=aw.allocations["own"].product, requested_by=aw.world.coach)
        make_appointment(client, aw.world.coach)
        make_thread(client, aw.world.coach, messages=1)


LISTS = [
    ("coach", "/api/v1/clients"),
    ("coach", "/api/v1/trajectories"),
    ("coach", "/api/v1/module-runs"),
    ("coach", "/api/v1/questionnaire-responses"),
    ("coach", "/api/v1/allocations"),
    ("toegang", "/api/v1/allocations"),
    ("toegang", "/api/v1/clients"),
    ("coach", "/api/v1/modules"),
    ("coach", "/fhir/r4/Task"),
    ("coach", "/fhir/r4/QuestionnaireResponse"),
    ("beleid", "/api/v1/invoices"),
    ("coach", "/api/v1/appointments"),
    ("coach", "/api/v1/threads"),
]


@pytest.mark.parametrize(("user", "url"), LISTS)
def test_lists_run_a_fixed_number_of_queries(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers], user: str, url: str
) -> None:
    headers = bearer(api_world.world.user(user))
    client.get(url, headers=headers)  # the token's last_used_at is written once

    def count(path: str) -> tuple[int, str | None]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, response.content
        body = response.json()
        return len(captured), body.get("next_cursor") if "next_cursor" in body else None

    _fill(api_world, 1)
    small, _ = count(f"{url}?limit=2")
    _fill(api_world, 27)
    large, cursor = count(f"{url}?limit=2" if url.startswith("/api") else f"{url}?_count=2")
    assert large == small, (small, large)
    if cursor:
        following, _ = count(f"{url}?limit=2&cursor={cursor}")
        assert following == large


def _grow_modules(aw: ApiWorld, n: int) -> None:
    version = Module.objects.filter(method_version__is_current=True).first()
    assert version is not None
    ModuleFactory.create_batch(n, method_version=version.method_version)


def _grow_questionnaires(aw: ApiWorld, n: int) -> None:
    start = QuestionnaireDefinition.objects.count()
    for number in range(start, start + n):
        QuestionnaireDefinition.objects.create(
            code=f"test-{number}", version="1.0", name=f"Vragenlijst {number}", respondent="jongere", definition={}
        )


def _grow_invoices(aw: ApiWorld, n: int) -> None:
    start = Declaration.objects.count()
    for number in range(start, start + n):
        Declaration.objects.create(
            declaratienummer=f"T{number:06d}",
            municipality=aw.world.municipality_a,
            provider=aw.world.provider,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 1, 31),
            status=DeclarationStatus.SUBMITTED,
        )


def _grow_goals(aw: ApiWorld, n: int) -> None:
    trajectory = aw.trajectories["own"]
    first = trajectory.goals.count() + 1
    for order in range(first, first + n):
        goal = Goal.objects.create(trajectory=trajectory, order=order, text=f"Doel {order}", scale="{}")
        GoalScore.objects.create(goal=goal, gas=0, gbo=5, convention="standard", scored_by=aw.world.coach)


def _grow_care_plans(aw: ApiWorld, n: int) -> None:
    module = aw.runs["own"].module
    for _ in range(n):
        trajectory, _run, _goal = make_trajectory(aw.world.own, module)
        Trajectory.objects.filter(pk=trajectory.pk).update(status=Status.CLOSED, closed_on=today())


def _grow_access_log(aw: ApiWorld, n: int) -> None:
    AccessLogEntryFactory.create_batch(n, client_public_id=aw.world.own.public_id)


#: Lists of one catalogue, one municipality or one patient: (user, URL, how to add rows). (A CareTeam
#: search answers the one care team of the patient: a single resource whatever the data.)
GROWING_LISTS: list[tuple[str, Callable[[ApiWorld], str], Callable[[ApiWorld, int], None]]] = [
    ("coach", lambda aw: "/api/v1/modules", _grow_modules),
    ("coach", lambda aw: "/api/v1/questionnaires", _grow_questionnaires),
    ("beleid", lambda aw: "/api/v1/invoices", _grow_invoices),
    ("coach", lambda aw: f"/api/v1/trajectories/{aw.trajectories['own'].public_id}/goals", _grow_goals),
    ("coach", lambda aw: "/fhir/r4/ActivityDefinition", _grow_modules),
    ("coach", lambda aw: f"/fhir/r4/Goal?patient={aw.world.own.public_id}", _grow_goals),
    ("coach", lambda aw: f"/fhir/r4/CarePlan?patient={aw.world.own.public_id}", _grow_care_plans),
    ("beheerder", lambda aw: f"/fhir/r4/AuditEvent?patient={aw.world.own.public_id}", _grow_access_log),
]


@pytest.mark.parametrize(("user", "url_of", "grow"), GROWING_LISTS)
def test_more_lists_run_a_fixed_number_of_queries_whatever_the_rows_and_page_size(
    api_world: ApiWorld,
    client: HttpClient,
    bearer: Callable[[User], Headers],
    user: str,
    url_of: Callable[[ApiWorld], str],
    grow: Callable[[ApiWorld, int], None],
) -> None:
    headers = bearer(api_world.world.user(user))
    url = url_of(api_world)
    joiner = "&" if "?" in url else "?"
    size = "_count" if url.startswith("/fhir") else "limit"
    client.get(url, headers=headers)  # the token's last_used_at is written once

    def count(page_size: int) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{url}{joiner}{size}={page_size}", headers=headers)
        assert response.status_code == 200, response.content
        return len(captured), len(response.content)

    grow(api_world, 1)
    small, before = count(20)
    grow(api_world, 25)
    large, after = count(20)
    narrow, _ = count(2)
    assert large == small == narrow, (small, large, narrow)
    assert after > before  # the rows the answer is made of really grew


WALKS = [
    ("coach", "/api/v1/clients", "items"),
    ("toegang", "/api/v1/clients", "items"),
    ("coach", "/api/v1/trajectories", "items"),
    ("coach", "/api/v1/module-runs", "items"),
    ("coach", "/api/v1/appointments", "items"),
    ("coach", "/api/v1/threads", "items"),
    ("coach", "/api/v1/questionnaire-responses", "items"),
    ("toegang", "/api/v1/allocations", "items"),
    ("coach", "/fhir/r4/Task", "entry"),
]


@pytest.mark.parametrize(("user", "url", "items"), WALKS)
def test_cursor_pages_give_the_whole_list_in_order(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers], user: str, url: str, items: str
) -> None:
    """A page is chosen on the filters and its rows read by id (``cursor_paginate(rows=...)``), with
    an extra bound on the first key: walking the pages gives exactly the one-page list, in order."""
    w = api_world.world
    _fill(api_world, 5)
    for child in ClientFactory.create_batch(3, coach=w.coach, municipality=w.municipality_a):
        GezagRelationFactory.create(client=child, parent=w.ouder, has_gezag=True)  # a parent with several children
    headers = bearer(w.user(user))
    size, cursor = ("_count", "_cursor") if url.startswith("/fhir") else ("limit", "cursor")

    def ids(body: dict[str, Any]) -> list[str]:
        return [
            item["resource"]["id"] if items == "entry" else item.get("id", item.get("task_id")) for item in body[items]
        ]

    whole = ids(client.get(f"{url}?{size}=100", headers=headers).json())
    walked: list[str] = []
    page = client.get(f"{url}?{size}=2", headers=headers).json()
    while True:
        walked += ids(page)
        following = page.get("next_cursor") or next(
            (link["url"] for link in page.get("link", []) if link["relation"] == "next"), None
        )
        if not following:
            break
        next_url = following if following.startswith("http") else f"{url}?{size}=2&{cursor}={following}"
        page = client.get(next_url, headers=headers).json()
    assert len(whole) >= 3
    assert walked == whole


def test_cursor_keys_must_be_loaded(api_world: ApiWorld) -> None:
    """Reading the last row's ordering key from a deferred field would cost a query per page."""
    rows = Trajectory.objects.only("public_id")
    with pytest.raises(ImproperlyConfigured):
        cursor_paginate(Trajectory.objects.all(), keys=["created_at", "id"], cursor=None, limit=1, rows=rows)


def test_messages_run_a_fixed_number_of_queries(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    thread = api_world.threads["youth"]
    headers = bearer(api_world.world.coach)
    url = f"/api/v1/threads/{thread.public_id}/messages?limit=2"
    client.get(url, headers=headers)

    def count(path: str) -> tuple[int, str | None]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, response.content
        return len(captured), response.json()["next_cursor"]

    for _ in range(2):
        Message.objects.create(thread=thread, author=api_world.world.coach, body="kort")
    small, _ = count(url)
    for _ in range(27):
        Message.objects.create(thread=thread, author=api_world.world.jongere, body="nog een")
    large, cursor = count(url)
    assert large == small, (small, large)
    assert cursor
    following, _ = count(f"{url}&cursor={cursor}")
    assert following == large


def test_messages_list_their_own_attachments_page_by_page(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    thread = api_world.threads["youth"]
    Message.objects.filter(thread=thread).delete()
    w = api_world.world
    messages = [Message.objects.create(thread=thread, author=w.coach, body=f"bericht {n}") for n in range(4)]
    names = {0: ["a.pdf", "b.png"], 2: ["c.pdf"], 3: ["d.jpg"]}
    for n, files in names.items():
        for name in files:
            Attachment.objects.create(
                message=messages[n], file=f"test/{name}", original_name=name, content_type="application/pdf", size=n + 1
            )
    url = f"/api/v1/threads/{thread.public_id}/messages?limit=3"
    first = client.get(url, headers=bearer(w.coach)).json()
    second = client.get(f"{url}&cursor={first['next_cursor']}", headers=bearer(w.coach)).json()
    shown = [[a["name"] for a in m["attachments"]] for m in first["items"] + second["items"]]
    assert shown == [names.get(n, []) for n in range(4)]
    assert first["items"][0]["attachments"][0] == {
        "id": str(Attachment.objects.filter(message=messages[0]).order_by("id")[0].public_id),
        "name": "a.pdf",
        "content_type": "application/pdf",
        "size": 1,
    }


def test_questionnaires_list_metadata_without_item_texts(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    headers = bearer(api_world.world.coach)
    body = client.get("/api/v1/questionnaires?limit=100", headers=headers).json()
    codes = {(item["code"], item["version"]) for item in body["items"]}
    response = api_world.responses["own"]
    assert (response.definition.code, response.definition.version) in codes  # what a response refers to
    assert all(set(item) == {"code", "version", "name", "respondent", "active", "loaded_at"} for item in body["items"])
    active = client.get("/api/v1/questionnaires?active=true&limit=100", headers=headers).json()["items"]
    assert active and all(item["active"] for item in active)
    assert client.get("/api/v1/questionnaires").status_code == 401  # a token is needed


def test_openapi_schema_and_docs_under_csp(world: None, client: HttpClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/clients" in schema["paths"]
    assert "BearerAuth" in str(schema["components"]["securitySchemes"]) or schema["components"]["securitySchemes"]
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "style=" not in html and "<style" not in html
    assert "cdn" not in html.lower()
