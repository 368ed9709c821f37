"""The retention job (Jeugdwet 7.3.8): a file is destroyed 20 years after the end of care, tested by
moving the clock. Same deletion machinery as a destruction on request, recorded without content."""

import contextlib
import datetime
import io
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.tasks import TaskResult, TaskResultStatus, default_task_backend
from django.template.loader import render_to_string
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client, ClientNote
from coachcare.coaching.models import Appointment, AssignmentAnswer, DiaryEntry
from coachcare.core.dates import today
from coachcare.core.fields import EncryptedTextField
from coachcare.measures.models import QuestionnaireDefinition, QuestionnaireResponse
from coachcare.messaging.models import Message, Thread
from coachcare.method.models import Assignment, MethodVersion
from coachcare.privacy import services
from coachcare.privacy.models import DestructionRecord, DestructionRequest, RetentionHold, RetentionRun
from coachcare.privacy.registry import client_lookup
from coachcare.privacy.selectors import retention_cutoff, retention_due_clients
from coachcare.privacy.tasks import retention_apply_task
from coachcare.trajectories.models import Evaluation, FollowUp, Trajectory, TrajectoryTransition
from tests.clients.factories import ClientFactory, ClientNoteFactory, ParentAccessDecisionFactory
from tests.coaching.conftest import start_first_module
from tests.conftest import World
from tests.method.factories import MethodVersionFactory
from tests.privacy.test_destruction import KEPT

AP = AccessPoint(channel="web", address="127.0.0.1")
Login = Callable[[User], HttpClient]
SECRET = "GEHEIM-20-JAAR"
#: The end of care of ``world.own`` in these tests; the 20th anniversary is 31 March 2046.
END = datetime.date(2026, 3, 31)
ANNIVERSARY = datetime.date(2046, 3, 31)


@contextlib.contextmanager
def clock(day: datetime.date, at: datetime.time = datetime.time(10, 0)) -> Iterator[None]:
    """Move the project's clock: ``timezone.now()`` (and so ``core.dates.today()``) is ``day`` at ``at``."""
    moment = timezone.make_aware(datetime.datetime.combine(day, at))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        assert today() == day
        yield


def _close(trajectory: Trajectory, on: datetime.date) -> None:
    Trajectory.objects.filter(pk=trajectory.pk).update(status="closed", closed_on=on, end_reason="31")


def full_file(world: World) -> Trajectory:
    """``world.own`` with clinical content in every app, care ended on ``END``."""
    trajectory, run, _goal, _parenting = start_first_module(world)
    client = world.own
    now = timezone.now()
    ClientNoteFactory.create(client=client, author=world.coach, text=f"notitie {SECRET}")
    ParentAccessDecisionFactory.create(client=client, parent=world.ouder, recorded_by=world.coach)
    TrajectoryTransition.objects.filter(trajectory=trajectory).update(reason=f"reden {SECRET}")
    Evaluation.objects.create(
        module_run=run,
        advice="continue",
        advice_rule="test",
        decision="continue",
        decision_reason=f"besluit {SECRET}",
        approval_note=f"akkoord {SECRET}",
    )
    FollowUp.objects.create(trajectory=trajectory, months=6, due_on=END, state="done", needed_care_again=True)
    QuestionnaireResponse.objects.create(
        definition=QuestionnaireDefinition.objects.order_by("id")[0],
        client=client,
        context="intake",
        answers=f'{{"{SECRET}": 1}}',
        submitted_by=world.coach,
    )
    thread = Thread.objects.create(client=client, kind=Thread.Kind.YOUTH)
    Message.objects.create(thread=thread, author=world.coach, body=f"bericht {SECRET}")
    DiaryEntry.objects.create(client=client, mood=3, text=f"dagboek {SECRET}", created_at=now, created_by=world.jongere)
    AssignmentAnswer.objects.create(
        client=client,
        module_run=run,
        assignment=Assignment.objects.filter(module=run.module).order_by("order")[0],
        text=f"antwoord {SECRET}",
        saved_at=now,
        feedback=f"feedback {SECRET}",
    )
    Appointment.objects.create(
        client=client,
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=1),
        title="Gesprek",
        created_by=world.coach,
        trajectory=trajectory,
    )
    Trajectory.objects.filter(pk=trajectory.pk).update(final_gas_t=55.0, final_gbo_mean=7.5, satisfaction_score=8.0)
    _close(trajectory, END)
    return trajectory


def encrypted_content_left(client: Client) -> dict[str, int]:
    """Per model with encrypted content that refers to a client (the destruction coverage rule):
    how many of ``client``'s rows still hold any of it."""
    left: dict[str, int] = {}
    for model in apps.get_models():
        encrypted = [field for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
        lookup = client_lookup(model)
        if not encrypted or lookup is None or model._meta.label in KEPT:
            continue
        rows = model._default_manager.filter(**{lookup: client})
        count = sum(1 for row in rows if any(getattr(row, field.attname) for field in encrypted))
        if count:
            left[model._meta.label] = count
    return left


def other_content_left(client: Client) -> dict[str, int]:
    return {
        "appointments": Appointment.objects.filter(client=client).count(),
        "outcomes": Trajectory.objects.filter(client=client, final_gas_t__isnull=False).count(),
        "follow_up_outcomes": FollowUp.objects.filter(
            trajectory__client=client, needed_care_again__isnull=False
        ).count(),
    }


def _trajectory(client: Client, *, closed_on: datetime.date | None, version: MethodVersion) -> Trajectory:
    return Trajectory.objects.create(
        client=client,
        municipality_id=client.municipality_id,
        referrer_kind="gemeente",
        referred_on=(closed_on or END) - datetime.timedelta(days=200),
        method_version=version,
        status="closed" if closed_on else "intake",
        closed_on=closed_on,
    )


@pytest.fixture
def method_version(db: None) -> MethodVersion:
    version: MethodVersion = MethodVersionFactory.create()
    return version


@pytest.fixture(autouse=True)
def _no_queued_tasks() -> Iterator[None]:
    default_task_backend.clear()  # type: ignore[attr-defined]
    yield
    default_task_backend.clear()  # type: ignore[attr-defined]


# --- the 20 years ------------------------------------------------------------------------------------


def test_the_day_before_the_20th_anniversary_nothing_is_destroyed(world: World) -> None:
    full_file(world)
    before = encrypted_content_left(world.own)
    assert {label.split(".")[0] for label in before} >= {"clients", "trajectories", "measures", "messaging", "coaching"}

    with clock(ANNIVERSARY - datetime.timedelta(days=1)):  # 19 years and 364 days after the end of care
        result = services.retention_apply()

    assert (result.clients_due, result.clients_destroyed) == (0, 0)
    assert result.cutoff == datetime.date(2026, 3, 30)
    assert encrypted_content_left(world.own) == before
    assert not DestructionRecord.objects.exists()


def test_on_the_20th_anniversary_the_content_is_destroyed_in_every_app(world: World) -> None:
    full_file(world)
    assert all(other_content_left(world.own).values())
    ClientNoteFactory.create(client=world.team, author=world.colleague, text="andere jongere")

    with clock(ANNIVERSARY):
        result = services.retention_apply()

    assert (result.clients_due, result.clients_destroyed, result.failed) == (1, 1, [])
    assert encrypted_content_left(world.own) == {}
    assert not any(other_content_left(world.own).values())
    assert Client.objects.filter(pk=world.own.pk).exists()  # the administrative minimum stays
    assert Trajectory.objects.filter(client=world.own, closed_on=END).exists()
    assert ClientNote.objects.filter(client=world.team).count() == 1  # nobody else's file

    record = DestructionRecord.objects.get(client_public_id=world.own.public_id)
    assert record.reason == DestructionRecord.Reason.RETENTION
    assert record.get_reason_display() == "retention period ended"
    assert (record.request, record.requested_by_username, record.requested_at) == (None, "", None)
    assert (record.executed_by_username, record.executed_by_role) == ("system", "system")
    assert record.end_of_care == END
    assert record.executed_at.date() == ANNIVERSARY
    assert record.categories["clients.ClientNote"] == 1 and record.categories["messaging.Message"] == 1
    assert result.categories == record.categories
    assert SECRET not in str(record.categories)

    [entry] = AccessLogEntry.objects.filter(client_public_id=world.own.public_id, action="privacy.retention")
    assert (entry.event, entry.username, entry.role, entry.user_id) == ("delete", "system", "system", None)
    assert entry.channel == "command" and entry.access_point.startswith("manage.py retention_apply on ")
    assert entry.on_behalf_of.startswith("OS user ")

    notice = render_to_string("privacy/_destruction_notice.html", {"record": record})
    assert "because the legal retention period ended" in notice


def test_29_february(method_version: MethodVersion, world: World) -> None:
    leap = ClientFactory.create(coach=world.coach)
    _trajectory(leap, closed_on=datetime.date(2008, 2, 29), version=method_version)
    late = ClientFactory.create(coach=world.coach)
    _trajectory(late, closed_on=datetime.date(2080, 2, 29), version=method_version)

    def due(on: datetime.date) -> set[int]:
        return set(retention_due_clients(on=on).values_list("pk", flat=True))

    assert leap.pk not in due(datetime.date(2028, 2, 28))
    assert leap.pk in due(datetime.date(2028, 2, 29))  # 2028 has a 29 February: the anniversary itself
    # 2100 is no leap year: 20 years after 29 February 2080 have passed on 1 March 2100.
    assert retention_cutoff(on=datetime.date(2100, 2, 28)) == datetime.date(2080, 2, 28)
    assert late.pk not in due(datetime.date(2100, 2, 28))
    assert late.pk in due(datetime.date(2100, 3, 1))


def test_end_of_care_is_the_last_trajectory_and_a_running_one_keeps_the_file(
    method_version: MethodVersion, world: World
) -> None:
    on = ANNIVERSARY
    two = ClientFactory.create(coach=world.coach)  # an old trajectory and a later one
    _trajectory(two, closed_on=datetime.date(2020, 1, 1), version=method_version)
    _trajectory(two, closed_on=END + datetime.timedelta(days=1), version=method_version)
    running = ClientFactory.create(coach=world.coach)  # a trajectory from long ago and one still running
    _trajectory(running, closed_on=datetime.date(2001, 1, 1), version=method_version)
    _trajectory(running, closed_on=None, version=method_version)
    never = ClientFactory.create(coach=world.coach)  # no trajectory: no end of care known
    old = ClientFactory.create(coach=world.coach)
    _trajectory(old, closed_on=datetime.date(2001, 1, 1), version=method_version)

    assert set(retention_due_clients(on=on).values_list("pk", flat=True)) == {old.pk}
    assert services.retention_apply(on=on + datetime.timedelta(days=1), dry_run=True).clients_due == 2
    assert never.pk not in retention_due_clients(on=datetime.date(2200, 1, 1)).values_list("pk", flat=True)


def test_a_running_trajectory_keeps_the_whole_file(world: World, method_version: MethodVersion) -> None:
    full_file(world)
    _trajectory(world.own, closed_on=None, version=method_version)  # care started again
    with clock(ANNIVERSARY + datetime.timedelta(days=400)):
        result = services.retention_apply()
    assert result.clients_destroyed == 0
    assert encrypted_content_left(world.own)


def test_a_retention_hold_keeps_the_file_until_it_ends(world: World) -> None:
    full_file(world)
    hold = services.retention_hold_place(
        actor=world.teamleider,
        client=world.own,
        reason="Rechterlijke procedure loopt (klacht tegen de aanbieder).",
        until=ANNIVERSARY + datetime.timedelta(days=30),
        access_point=AP,
    )
    assert hold.placed_by_username == "teamleider"
    assert AccessLogEntry.objects.filter(client_public_id=world.own.public_id, action="privacy.retention_hold").exists()

    with clock(ANNIVERSARY + datetime.timedelta(days=30)):  # the last day of the hold
        result = services.retention_apply()
    assert (result.clients_due, result.clients_destroyed, result.clients_held) == (0, 0, 1)
    assert encrypted_content_left(world.own)

    with clock(ANNIVERSARY + datetime.timedelta(days=31)):
        result = services.retention_apply()
    assert (result.clients_destroyed, result.clients_held) == (1, 0)
    assert encrypted_content_left(world.own) == {}


def test_only_the_team_lead_or_the_administrator_places_a_hold(world: World) -> None:
    from coachcare.access import policy

    for who in (world.coach, world.teamleider_other_team, world.jongere):
        with pytest.raises(policy.AccessDenied):
            services.retention_hold_place(
                actor=who, client=world.own, reason="x", until=today() + datetime.timedelta(days=1), access_point=AP
            )
    tomorrow, yesterday = today() + datetime.timedelta(days=1), today() - datetime.timedelta(days=1)
    hold = services.retention_hold_place(
        actor=world.beheerder, client=world.own, reason="OTS", until=tomorrow, access_point=AP
    )
    ended = services.retention_hold_change(
        actor=world.teamleider, hold=hold, until=yesterday, reason="OTS beëindigd", access_point=AP
    )
    assert ended.changed_by_username == "teamleider" and ended.reason == "OTS beëindigd"
    assert RetentionHold.objects.count() == 1


def test_running_twice_destroys_nothing_more(world: World) -> None:
    full_file(world)
    with clock(ANNIVERSARY):
        first = services.retention_apply()
    with clock(ANNIVERSARY + datetime.timedelta(days=1)):
        second = services.retention_apply()
    assert (first.clients_destroyed, second.clients_due, second.clients_destroyed) == (1, 0, 0)
    assert DestructionRecord.objects.count() == 1
    assert AccessLogEntry.objects.filter(action="privacy.retention").count() == 1


def test_a_dry_run_changes_nothing_and_reports_counts(world: World) -> None:
    full_file(world)
    before = encrypted_content_left(world.own)
    log_before = AccessLogEntry.objects.count()
    with clock(ANNIVERSARY):
        result = services.retention_apply(dry_run=True)
    assert (result.dry_run, result.clients_due, result.clients_destroyed, result.categories) == (True, 1, 0, {})
    assert encrypted_content_left(world.own) == before
    assert not DestructionRecord.objects.exists()
    assert AccessLogEntry.objects.count() == log_before


def test_batches_walk_the_whole_table(method_version: MethodVersion, world: World) -> None:
    clients = [ClientFactory.create(coach=world.coach) for _ in range(5)]
    for client in clients:
        _trajectory(client, closed_on=datetime.date(2001, 1, 1), version=method_version)
        ClientNoteFactory.create(client=client, author=world.coach)
    result = services.retention_apply(on=ANNIVERSARY, batch_size=2)
    assert (result.clients_due, result.clients_destroyed) == (5, 5)
    assert not ClientNote.objects.filter(client__in=clients).exists()


def test_a_file_that_fails_does_not_stop_the_others(
    method_version: MethodVersion, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = [ClientFactory.create(coach=world.coach) for _ in range(2)]
    for client in clients:
        _trajectory(client, closed_on=datetime.date(2001, 1, 1), version=method_version)
    real = services._content_destroy

    def destroy(**kwargs: object) -> DestructionRecord:
        if kwargs["client"] == clients[0]:
            raise RuntimeError("disk full")
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "_content_destroy", destroy)
    result = services.retention_apply(on=ANNIVERSARY)
    assert result.failed == [clients[0].public_id]
    assert result.clients_destroyed == 1
    assert not DestructionRecord.objects.filter(client_public_id=clients[0].public_id).exists()


# --- destruction requests past their deadline ------------------------------------------------------------


def test_overdue_destruction_requests_are_reported_not_executed(world: World) -> None:
    ClientNoteFactory.create(client=world.own, author=world.coach)
    request = services.destruction_request_create(actor=world.jongere, client=world.own, access_point=AP)
    with clock(request.deadline):
        assert services.retention_apply().overdue_requests == []
    with clock(request.deadline + datetime.timedelta(days=1)):
        result = services.retention_apply()
    assert result.overdue_requests == [request.public_id]
    request.refresh_from_db()
    assert request.status == DestructionRequest.Status.OPEN  # the team lead decides, not the job
    assert ClientNote.objects.filter(client=world.own).exists()


def test_retention_closes_an_open_request_of_the_same_file(world: World) -> None:
    full_file(world)
    request = services.destruction_request_create(actor=world.jongere, client=world.own, access_point=AP)
    with clock(ANNIVERSARY):
        services.retention_apply()
    request.refresh_from_db()
    record = DestructionRecord.objects.get()
    assert request.status == DestructionRequest.Status.DONE and record.request == request
    assert record.reason == DestructionRecord.Reason.RETENTION and record.requested_by_username == "jongere"


def test_a_destruction_on_request_is_recorded_as_such(world: World) -> None:
    request = services.destruction_request_create(actor=world.jongere, client=world.own, access_point=AP)
    record = services.destruction_execute(actor=world.teamleider, request=request, access_point=AP)
    assert record.reason == DestructionRecord.Reason.REQUEST and record.end_of_care is None
    notice = render_to_string("privacy/_destruction_notice.html", {"record": record})
    assert "at the young person's request" in notice


# --- the schedule ------------------------------------------------------------------------------------------


def _queued() -> list[TaskResult[Any, Any]]:
    return [
        result
        for result in default_task_backend.results  # type: ignore[attr-defined]
        if result.task.name == "retention_apply_task" and result.status == TaskResultStatus.READY
    ]


def test_the_schedule_queues_one_run_and_the_task_queues_itself_once(db: None) -> None:
    day = datetime.date(2026, 6, 1)
    with clock(day):
        first = services.retention_schedule()
        again = services.retention_schedule()  # e.g. a second start of production
    [queued] = _queued()
    assert again.pk == first.pk and RetentionRun.objects.count() == 1
    assert first.run_on == day + datetime.timedelta(days=1)
    assert timezone.localtime(queued.task.run_after) == timezone.make_aware(
        datetime.datetime.combine(first.run_on, services.RETENTION_RUN_TIME)
    )
    assert queued.kwargs == {"run_on": first.run_on.isoformat()}

    # The worker runs it the next night: it queues the night after, once.
    with clock(first.run_on, datetime.time(3, 0, 5)):
        returned = retention_apply_task.call(**queued.kwargs)
        services.retention_schedule()  # a restart in between queues nothing more
    assert returned["clients_destroyed"] == 0 and returned["on"] == first.run_on.isoformat()
    done = RetentionRun.objects.get(run_on=first.run_on)
    assert done.started_at is not None and done.finished_at is not None and done.result["dry_run"] is False
    waiting = [result for result in _queued() if result.kwargs == {"run_on": "2026-06-03"}]
    assert len(waiting) == 1
    assert RetentionRun.objects.filter(finished_at__isnull=True).count() == 1


def test_a_lost_task_is_queued_again(db: None) -> None:
    with clock(datetime.date(2026, 6, 1), datetime.time(1, 0)):
        run = services.retention_schedule()
        assert run.run_on == datetime.date(2026, 6, 1)  # before 03:00: tonight
        default_task_backend.clear()  # type: ignore[attr-defined]  # e.g. a restored database
        again = services.retention_schedule()
    assert again.pk == run.pk and again.task_id != run.task_id
    assert len(_queued()) == 1


def test_the_task_destroys_due_files_and_logs_as_a_task(world: World) -> None:
    full_file(world)
    with clock(ANNIVERSARY, datetime.time(3, 0, 5)):
        result = retention_apply_task.call(run_on=ANNIVERSARY.isoformat())
    assert result["clients_destroyed"] == 1
    [entry] = AccessLogEntry.objects.filter(action="privacy.retention")
    assert entry.channel == "task" and entry.access_point.startswith("task retention_apply_task on ")


# --- the commands --------------------------------------------------------------------------------------------


def test_command_dry_run_and_real_run(world: World) -> None:
    full_file(world)
    out = io.StringIO()
    call_command("retention_apply", "--dry-run", "--on", ANNIVERSARY.isoformat(), stdout=out)
    assert "1 file(s) would be destroyed" in out.getvalue()
    assert encrypted_content_left(world.own)
    with pytest.raises(CommandError, match="--dry-run only"):
        call_command("retention_apply", "--on", ANNIVERSARY.isoformat())
    out = io.StringIO()
    with clock(ANNIVERSARY):
        call_command("retention_apply", stdout=out)
    assert "1 file(s) destroyed" in out.getvalue() and "clients.ClientNote: 1" in out.getvalue()
    assert encrypted_content_left(world.own) == {}


def test_command_schedule_is_idempotent(db: None) -> None:
    out = io.StringIO()
    call_command("retention_schedule", stdout=out)
    call_command("retention_schedule", stdout=out)
    assert out.getvalue().count("retention job queued for") == 2
    assert len(_queued()) == 1


def test_schedule_needs_a_backend_that_can_wait(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(type(retention_apply_task.get_backend()), "supports_defer", False)
    if True:
        with pytest.raises(ImproperlyConfigured):
            services.retention_schedule()
        with pytest.raises(CommandError, match="cron"):
            call_command("retention_schedule")


# --- the admin site -------------------------------------------------------------------------------------------


def test_the_administrator_places_and_ends_a_hold_in_the_admin(world: World, login: Login) -> None:
    http = login(world.beheerder)
    until = (today() + datetime.timedelta(days=365)).isoformat()
    response = http.post(
        reverse("admin:privacy_retentionhold_add"),
        {"client_public_id": str(world.own.public_id), "reason": "Tuchtzaak loopt.", "until": until},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hold = RetentionHold.objects.get()
    assert (hold.client_public_id, hold.placed_by_username, hold.reason) == (
        world.own.public_id,
        "beheerder",
        "Tuchtzaak loopt.",
    )
    [entry] = AccessLogEntry.objects.filter(action="privacy.retention_hold")
    assert (entry.event, entry.channel, entry.client_public_id) == ("create", "admin", world.own.public_id)

    page = http.get(reverse("admin:privacy_retentionhold_change", args=[hold.pk]))
    assert page.status_code == 200 and "Tuchtzaak" in page.content.decode()
    ended = (today() - datetime.timedelta(days=1)).isoformat()
    response = http.post(
        reverse("admin:privacy_retentionhold_change", args=[hold.pk]), {"reason": "Tuchtzaak afgerond.", "until": ended}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hold.refresh_from_db()
    assert hold.until.isoformat() == ended and hold.changed_by_username == "beheerder"
    assert RetentionHold.objects.count() == 1
    assert http.get(reverse("admin:privacy_retentionrun_changelist")).status_code == 200


def test_the_admin_refuses_an_unknown_file_and_other_roles(world: World, login: Login) -> None:
    http = login(world.beheerder)
    response = http.post(
        reverse("admin:privacy_retentionhold_add"),
        {"client_public_id": str(uuid.uuid4()), "reason": "x", "until": "2099-01-01"},
    )
    assert response.status_code == 200 and "There is no file with this id." in response.content.decode()
    assert not RetentionHold.objects.exists()
    world.coach.is_staff = True
    world.coach.save(update_fields=["is_staff"])
    assert login(world.coach).get(reverse("admin:privacy_retentionhold_add")).status_code == 403
