"""Each app declares its own data rights (``<app>/data_rights.py``, found by ``autodiscover_modules``):
the export sections per requester kind and the destroyers. Nothing is decided by model names."""

import datetime
import pathlib

from django.apps import apps
from django.db.models import Model
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.coaching.models import Appointment, AssignmentAnswer, DiaryEntry
from coachcare.messaging.models import Message, Thread
from coachcare.privacy import registry
from coachcare.privacy.services import client_data_export
from tests.conftest import World

POINT = AccessPoint(channel="web", address="127.0.0.1")


def _kind(model: type[Model]) -> str:
    return str(model._meta.verbose_name)  # the row's kind, in the language of the export


SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "coachcare"

#: The export order of "download my data" (the same for every requester, minus what they do not get).
ORDER = [
    "personal_details", "parents", "parent_access", "notes", "trajectories", "goals", "goal_scores", "goal_ratings",
    "modules",
    "evaluations", "status_changes", "agreements", "questionnaires", "access_log", "messaging", "coaching",
]  # fmt: skip


def _export(world: World, who: str, client: Client | None = None) -> dict[str, list[dict[str, object]]]:
    export = client_data_export(actor=world.user(who), client=client or world.own, access_point=POINT)
    return {section.key: section.rows for section in export.sections}


def _thread(world: World, *, kind: str, parent: User | None = None, body: str) -> Thread:
    thread = Thread.objects.create(client=world.own, kind=kind, parent=parent)
    Message.objects.create(thread=thread, author=world.coach, body=body)
    return thread


def test_every_app_with_a_declaration_has_its_own_data_rights_module() -> None:
    declared = {destroyer.function.__module__ for destroyer in registry.CLIENT_CONTENT_DESTROYERS}
    declared |= {f.__module__ for section in registry.CLIENT_DATA_SECTIONS for f in section.for_requester.values()}
    assert declared == {
        f"coachcare.{app}.data_rights"
        for app in ("clients", "trajectories", "measures", "coaching", "messaging", "monitoring", "api", "safeguarding")
    }
    assert not (SRC / "privacy" / "sections.py").exists()
    registry_text = (SRC / "privacy" / "registry.py").read_text()
    assert "importlib" not in registry_text and "get_app_config" not in registry_text


def test_the_sections_keep_their_order_and_each_requester_kind_its_own() -> None:
    assert [section.key for section in registry.CLIENT_DATA_SECTIONS] == ORDER
    # "goal_ratings": each requester's own marks only (a parent rates as second informant, issue 16.2).
    parent_only_not = {"parent_access", "access_log"}
    for section in registry.CLIENT_DATA_SECTIONS:
        assert registry.Requester.YOUNG_PERSON in section.for_requester
        assert (registry.Requester.PARENT in section.for_requester) == (section.key not in parent_only_not)


def test_the_young_person_gets_their_own_thread_never_a_parents(world: World) -> None:
    _thread(world, kind=Thread.Kind.YOUTH, body="Voor de jongere.")
    _thread(world, kind=Thread.Kind.PARENT, parent=world.ouder, body="Voor de ouder.")

    rows = _export(world, "jongere")["messaging"]

    assert [row["body"] for row in rows if "body" in row] == ["Voor de jongere."]
    # A row's "kind" is the model's name, or the model's own kind field where it has one (a thread).
    assert [row["kind"] for row in rows] == [Thread.Kind.YOUTH, _kind(Message)]


def test_a_parent_gets_their_own_thread_only(world: World) -> None:
    _thread(world, kind=Thread.Kind.YOUTH, body="Voor de jongere.")
    _thread(world, kind=Thread.Kind.PARENT, parent=world.ouder, body="Voor deze ouder.")
    _thread(world, kind=Thread.Kind.PARENT, parent=world.ouder_zonder_gezag, body="Voor de andere ouder.")

    rows = _export(world, "ouder")["messaging"]

    assert [row["body"] for row in rows if "body" in row] == ["Voor deze ouder."]
    [thread] = [row for row in rows if row["kind"] == Thread.Kind.PARENT]
    assert thread["parent"] == world.ouder.display_name


def test_coaching_the_young_persons_writing_is_theirs_a_parent_sees_invited_appointments(world: World) -> None:
    now = timezone.now()
    DiaryEntry.objects.create(client=world.own, mood=3, text="Mijn dag.", created_at=now, created_by=world.jongere)
    for title, with_parents in (("Gesprek samen", True), ("Gesprek alleen", False)):
        Appointment.objects.create(
            client=world.own,
            starts_at=now,
            ends_at=now + datetime.timedelta(hours=1),
            title=title,
            with_parents=with_parents,
            created_by=world.coach,
        )

    youth = _export(world, "jongere")["coaching"]
    parent = _export(world, "ouder")["coaching"]

    assert [row["text"] for row in youth if "mood" in row] == ["Mijn dag."]
    assert sorted(str(row["title"]) for row in youth if "title" in row) == [
        "Gesprek alleen",
        "Gesprek samen",
    ]
    assert [row["title"] for row in parent] == ["Gesprek samen"]


def test_the_coaching_and_messaging_destroyers_delete_every_row_of_the_client(world: World) -> None:
    _thread(world, kind=Thread.Kind.YOUTH, body="Weg ermee.")
    now = timezone.now()
    DiaryEntry.objects.create(client=world.own, mood=2, text="Weg.", created_at=now, created_by=world.jongere)
    destroyers = {destroyer.key: destroyer for destroyer in registry.CLIENT_CONTENT_DESTROYERS}

    messaging = destroyers["messaging"].function(world.own)
    coaching = destroyers["coaching"].function(world.own)

    assert (messaging["messaging.Thread"], messaging["messaging.Message"]) == (1, 1)
    assert coaching["coaching.DiaryEntry"] == 1
    assert not Thread.objects.filter(client=world.own).exists()
    assert not DiaryEntry.objects.filter(client=world.own).exists()
    # Every model of the two apps that refers to a client is named by its app.
    for app in ("messaging", "coaching"):
        referring = {
            model._meta.label
            for model in apps.get_app_config(app).get_models()
            if registry.client_lookup(model) not in (None, "")
        }
        assert referring <= set(destroyers[app].covers)
    assert {AssignmentAnswer._meta.label, Appointment._meta.label} <= set(destroyers["coaching"].covers)
