"""Download my data: who may, what is in it, and that it is logged."""

import json
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.core.dates import today, years_before
from tests.clients.factories import ClientNoteFactory
from tests.conftest import World

Login = Callable[[User], HttpClient]


def test_young_person_gets_everything_including_bsn(world: World, login: Login) -> None:
    ClientNoteFactory.create(client=world.own, author=world.coach, text="Gaat beter op school.")
    response = login(world.jongere).get(reverse("privacy:export_json"))
    assert response.status_code == 200
    data = json.loads(response.content)
    sections = {section["key"]: section for section in data["sections"]}
    assert sections["personal_details"]["rows"][0]["bsn"] == world.own.bsn
    assert sections["notes"]["rows"][0]["text"] == "Gaat beter op school."
    assert "access_log" in sections and "parent_access" in sections
    assert AccessLogEntry.objects.filter(
        client_public_id=world.own.public_id, event="export", action="privacy.export", username="jongere"
    ).exists()


def test_pdf_is_a_pdf(world: World, login: Login) -> None:
    ClientNoteFactory.create(client=world.own, author=world.coach, text="Een notitie.")
    response = login(world.jongere).get(reverse("privacy:export_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_parent_of_fifteen_gets_the_file_without_the_young_persons_own_parts(world: World, login: Login) -> None:
    ClientNoteFactory.create(client=world.own, author=world.coach, text="Notitie.")
    response = login(world.ouder).get(reverse("privacy:export_json_for", args=[world.own.public_id]))
    assert response.status_code == 200
    keys = {section["key"] for section in json.loads(response.content)["sections"]}
    assert "notes" in keys
    assert "parent_access" not in keys and "access_log" not in keys
    coaching = [s for s in json.loads(response.content)["sections"] if s["key"] in {"coaching", "messaging"}]
    for section in coaching:
        assert not any("diary" in str(row.get("kind", "")).lower() for row in section["rows"])


def test_parent_of_sixteen_without_consent_gets_nothing(world: World, login: Login) -> None:
    world.own.birth_date = years_before(today(), 16)
    world.own.save()
    http = login(world.ouder)
    assert http.get(reverse("privacy:export_json_for", args=[world.own.public_id])).status_code == 404
    assert http.get(reverse("privacy:export_pdf_for", args=[world.own.public_id])).status_code == 404


@pytest.mark.parametrize("who", ["jongere_other", "toegang", "coach", "beheerder"])
def test_others_cannot_download(world: World, login: Login, who: str) -> None:
    http = login(world.user(who))
    assert http.get(reverse("privacy:export_json_for", args=[world.own.public_id])).status_code == 404
    assert not AccessLogEntry.objects.filter(client_public_id=world.own.public_id, event="export").exists()
