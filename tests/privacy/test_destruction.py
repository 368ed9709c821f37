"""Destruction on request (Jeugdwet 7.3.9): real deletion of clinical content, recorded without it."""

import datetime
from collections.abc import Callable

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.core.fields import EncryptedTextField
from coachcare.privacy import services
from coachcare.privacy.models import DestructionRecord, DestructionRequest
from coachcare.privacy.registry import client_lookup, covered_models
from coachcare.trajectories import services as trajectory_services
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory, ClientNoteFactory, ParentAccessDecisionFactory
from tests.conftest import World
from tests.pages import shows
from tests.trajectories.test_flow import run_to_intake, scale

AP = AccessPoint(channel="web", address="127.0.0.1")
Login = Callable[[User], HttpClient]

#: Models that hold encrypted data about a client and are deliberately KEPT, with the reason.
KEPT = {
    "clients.Client": "the BSN is administrative: needed for allocations and declarations (iJw OP079)",
    "clients.GezagRelation": "family members and their gezag govern access and consent; their BSN is administrative",
}


def test_every_encrypted_model_that_refers_to_a_client_is_covered() -> None:
    covered = covered_models()
    missing = [
        model._meta.label
        for model in apps.get_models()
        if any(isinstance(field, EncryptedTextField) for field in model._meta.get_fields())
        and client_lookup(model) is not None
        and model._meta.label not in covered
        and model._meta.label not in KEPT
    ]
    assert missing == [], f"Declare a destroyer in the app's data_rights.py for: {missing}"


def _count(sql: str, *params: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0])


def _clinical_counts(client: Client) -> dict[str, int]:
    return {
        "notes": _count("SELECT COUNT(*) FROM clients_clientnote WHERE client_id = %s", client.pk),
        "goals": _count(
            "SELECT COUNT(*) FROM trajectories_goal g JOIN trajectories_trajectory t ON g.trajectory_id = t.id "
            "WHERE t.client_id = %s",
            client.pk,
        ),
        "agreements": _count(
            "SELECT COUNT(*) FROM trajectories_agreement a JOIN trajectories_trajectory t ON a.trajectory_id = t.id "
            "WHERE t.client_id = %s",
            client.pk,
        ),
        "responses": _count("SELECT COUNT(*) FROM measures_questionnaireresponse WHERE client_id = %s", client.pk),
        "reasons": _count(
            "SELECT COUNT(*) FROM clients_parentaccessdecision WHERE client_id = %s AND reason <> ''", client.pk
        ),
    }


def test_request_deadline_execute(contracted: World, login: Login) -> None:
    world = contracted
    trajectory = run_to_intake(world)
    trajectory_services.goal_add(
        actor=world.coach, trajectory=trajectory, text="Op tijd naar school", scale=scale(), access_point=AP
    )
    ClientNoteFactory.create_batch(2, client=world.own, author=world.coach, text="Geheim")
    ParentAccessDecisionFactory.create(client=world.own, parent=world.ouder, recorded_by=world.coach)
    ClientNoteFactory.create(client=world.team, author=world.colleague, text="Andere jongere")
    before = _clinical_counts(world.own)
    assert before["notes"] == 2 and before["goals"] == 1 and before["agreements"] == 2 and before["reasons"] == 1
    other_before = _clinical_counts(world.team)

    # The young person asks, in two steps.
    http = login(world.jongere)
    http.post(reverse("privacy:destruction"), {"step": "review"})
    assert not DestructionRequest.objects.exists()
    http.post(reverse("privacy:destruction"), {"step": "confirm", "understood": "yes"})
    request = DestructionRequest.objects.get()
    assert request.client_public_id == world.own.public_id and request.requested_by_role == "jongere"
    assert request.deadline > today() + datetime.timedelta(days=85)

    # The coach sees it with its deadline; the team lead executes.
    page = login(world.coach).get(reverse("privacy:destruction_requests")).content.decode()
    assert shows(world.own.full_name, page) and "Deadline" in page
    log_before = AccessLogEntry.objects.filter(client_public_id=world.own.public_id).count()
    http = login(world.teamleider)
    response = http.post(reverse("privacy:destruction_requests"), {"request": request.public_id, "action": "execute"})
    assert response.status_code == 302

    assert all(count == 0 for count in _clinical_counts(world.own).values()), _clinical_counts(world.own)
    assert _clinical_counts(world.team) == other_before
    assert _count("SELECT COUNT(*) FROM clients_client WHERE id = %s", world.own.pk) == 1  # administrative minimum
    request.refresh_from_db()
    assert request.status == "done" and request.done_at is not None
    record = DestructionRecord.objects.get(client_public_id=world.own.public_id)
    assert record.executed_by_username == "teamleider" and record.requested_by_username == "jongere"
    assert record.categories["clients.ClientNote"] == 2
    assert "Geheim" not in str(record.categories) and "school" not in str(record.categories)
    assert AccessLogEntry.objects.filter(client_public_id=world.own.public_id).count() > log_before
    assert AccessLogEntry.objects.filter(client_public_id=world.own.public_id, event="delete").exists()

    page = login(world.coach).get(reverse("clients:detail", args=[world.own.public_id])).content.decode()
    assert "was destroyed on" in page


def test_overdue_is_said_in_words(world: World, login: Login) -> None:
    request = services.destruction_request_create(actor=world.jongere, client=world.own, access_point=AP)
    DestructionRequest.objects.filter(pk=request.pk).update(deadline=today() - datetime.timedelta(days=1))
    page = login(world.teamleider).get(reverse("privacy:destruction_requests")).content.decode()
    assert "Overdue" in page


def test_refusal_needs_a_reason(world: World) -> None:
    request = services.destruction_request_create(actor=world.jongere, client=world.own, access_point=AP)
    with pytest.raises(ValidationError):
        services.destruction_refuse(actor=world.teamleider, request=request, reason=" ", access_point=AP)
    refused = services.destruction_refuse(
        actor=world.teamleider, request=request, reason="Rechterlijke maatregel (OTS) loopt.", access_point=AP
    )
    assert refused.status == "refused" and refused.decision_reason


def test_only_the_team_lead_executes(world: World) -> None:
    from coachcare.access import policy

    request = services.destruction_request_create(actor=world.jongere, client=world.own, access_point=AP)
    for who in (world.coach, world.teamleider_other_team, world.jongere):
        with pytest.raises(policy.AccessDenied):
            services.destruction_execute(actor=who, request=request, access_point=AP)


def test_a_child_under_twelve_cannot_request(world: World) -> None:
    child_user = UserFactory.create(jongere=True, username="kind")
    child = ClientFactory.create(coach=world.coach, user=child_user, age=11)
    with pytest.raises(ValidationError, match="under 12 cannot ask"):
        services.destruction_request_create(actor=child_user, client=child, access_point=AP)
    assert not DestructionRequest.objects.exists()
