"""The same input rules on every way in: a NUL character is refused by the web form and the API
alike (the same message); a FHIR Task.businessStatus that is too long is refused (422), not cut;
the business status is encrypted at rest and emptied when the file is destroyed."""

import json
from collections.abc import Callable

import pytest
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.api.models import ModuleProgress
from coachcare.api.services import BUSINESS_STATUS_MAX_LENGTH
from coachcare.messaging.models import Message
from coachcare.privacy.registry import CLIENT_CONTENT_DESTROYERS
from tests.api.conftest import ApiWorld, Headers
from tests.api.test_auth import assert_outcome, assert_problem
from tests.api.test_fhir import fhir_json


def test_a_nul_character_is_refused_alike_by_the_web_form_and_the_api(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers], login: Callable[[User], HttpClient]
) -> None:
    nul_message = str(ProhibitNullCharactersValidator.message)  # in the default language, as both answer
    thread = api_world.threads["youth"]
    before = Message.objects.count()
    response = client.post(
        f"/api/v1/threads/{thread.public_id}/messages",
        data={"body": "hallo\x00daar"},
        content_type="application/json",
        headers=bearer(api_world.world.coach),
    )
    body = assert_problem(response, 422)
    assert [error["message"] for error in body["errors"]] == [f"Value error, {nul_message}"]
    http = login(api_world.world.coach)
    page = http.post(reverse("messaging:thread", kwargs={"public_id": thread.public_id}), {"body": "hallo\x00daar"})
    assert page.status_code == 400 and nul_message in page.content.decode()
    assert Message.objects.count() == before
    # A search term with a NUL is refused the same way (not a database error).
    assert_problem(client.get("/api/v1/clients?q=a%00b", headers=bearer(api_world.world.coach)), 422)


def _put_business_status(client: HttpClient, url: str, headers: Headers, text: str) -> object:
    current = fhir_json(client.get(url, headers=headers))
    task = {**current, "status": "in-progress", "businessStatus": {"text": text}}
    return client.put(url, json.dumps(task), content_type="application/fhir+json", headers=headers)


@pytest.mark.parametrize("text", ["x" * (BUSINESS_STATUS_MAX_LENGTH + 1), "les 2\x00 van 3"])
def test_a_bad_business_status_is_refused_not_cut(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers], text: str
) -> None:
    url = f"/fhir/r4/Task/{api_world.trajectories['own'].public_id}-1"
    response = _put_business_status(client, url, bearer(api_world.world.coach), text)
    outcome = assert_outcome(response, 422)
    assert any("businessStatus" in issue["diagnostics"] for issue in outcome["issue"][1:])
    assert not ModuleProgress.objects.exists()


def test_the_business_status_is_encrypted_and_destroyed_with_the_file(
    api_world: ApiWorld, client: HttpClient, bearer: Callable[[User], Headers]
) -> None:
    url = f"/fhir/r4/Task/{api_world.trajectories['own'].public_id}-1"
    text = "Les 2 van 3: " + "x" * (BUSINESS_STATUS_MAX_LENGTH - 13)
    response = _put_business_status(client, url, bearer(api_world.world.coach), text)
    assert fhir_json(response)["businessStatus"]["text"] == text  # the whole text, exactly the limit
    progress = ModuleProgress.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT business_status FROM api_moduleprogress WHERE id = %s", [progress.pk])
        stored = cursor.fetchone()[0]
    assert stored and "Les 2" not in stored
    destroyer = next(d for d in CLIENT_CONTENT_DESTROYERS if "api.ModuleProgress" in d.covers)
    assert destroyer.function(api_world.world.own) == {"api.ModuleProgress.business_status": 1}
    progress.refresh_from_db()
    assert progress.business_status == "" and progress.status == "in-progress"
