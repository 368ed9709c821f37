"""NEN 7513: every read or change of a client file leaves a log entry with who, what, when, where."""

import datetime
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.selectors import access_log_for_client
from coachcare.audit.services import AccessPoint, Channel, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from coachcare.trajectories.services import trajectory_open
from tests.clients.factories import ClientFactory
from tests.conftest import World
from tests.factories import birth_date_for_age

Login = Callable[[User], HttpClient]


def _entries(**filters: object) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(**filters).order_by("id"))


def _assert_entry(entry: AccessLogEntry, *, user: User, event: str, action: str, client: Client, channel: str) -> None:
    assert entry.event == event
    assert entry.action == action
    assert entry.client_public_id == client.public_id
    assert entry.user_id == user.pk
    assert entry.username == user.username
    assert entry.user_display_name == user.display_name
    assert entry.role == user.role
    assert entry.channel == channel
    assert entry.access_point == "127.0.0.1"
    assert abs(timezone.now() - entry.timestamp) < datetime.timedelta(minutes=1)


def test_reading_a_client_file_is_logged(world: World, login: Login) -> None:
    login(world.coach).get(reverse("clients:detail", kwargs={"public_id": world.own.public_id}))

    [entry] = _entries(action="client.file")
    _assert_entry(
        entry, user=world.coach, event=Event.READ, action="client.file", client=world.own, channel=Channel.WEB
    )


def test_a_refused_file_is_not_logged_as_read(world: World, login: Login) -> None:
    login(world.coach_other_team).get(reverse("clients:detail", kwargs={"public_id": world.own.public_id}))

    assert _entries(action="client.file") == []


def test_caseload_logs_one_entry_per_listed_client(world: World, login: Login) -> None:
    method_demo_package_install()
    for client in world.clients:  # the caseload lists trajectories
        trajectory_open(
            actor=world.coach_other_team if client == world.other_team else world.coach,
            client=client,
            referrer_kind="gemeente",
            access_point=AccessPoint.command("test"),
        )
    login(world.coach).get(reverse("core:home"))

    entries = _entries(action="client.caseload")
    assert sorted(str(e.client_public_id) for e in entries) == sorted(str(c.public_id) for c in [world.own, world.team])
    assert {(e.event, e.user_id, e.role, e.channel) for e in entries} == {
        (Event.READ, world.coach.pk, "coach", Channel.WEB)
    }


def test_residents_list_is_logged_as_client_list(world: World, login: Login) -> None:
    login(world.toegang).get(reverse("core:home"))

    entries = _entries(action="client.list")
    assert {e.client_public_id for e in entries} == {world.own.public_id, world.team.public_id}
    assert {e.role for e in entries} == {"gemeente-toegang"}


def test_referral_is_logged_as_create(world: World, login: Login) -> None:
    method_demo_package_install()  # the referral opens a trajectory on the current method version
    login(world.coach).post(
        reverse("clients:refer"),
        {
            "bsn": "111222333",
            "given_name": "Lars",
            "family_name": "Aanmelding",
            "birth_date": birth_date_for_age(13, today()).isoformat(),
            "municipality": str(world.municipality_a.pk),
            "referrer_kind": "huisarts",
        },
    )

    client = Client.objects.get(family_name="Aanmelding")
    [entry] = _entries(action="client.referral")
    _assert_entry(
        entry, user=world.coach, event=Event.CREATE, action="client.referral", client=client, channel=Channel.WEB
    )


def test_note_add_is_logged_as_create(world: World, login: Login) -> None:
    login(world.coach).post(reverse("clients:note_add", kwargs={"public_id": world.own.public_id}), {"text": "Notitie"})

    [entry] = _entries(action="client.note")
    _assert_entry(
        entry, user=world.coach, event=Event.CREATE, action="client.note", client=world.own, channel=Channel.WEB
    )


def test_admin_client_list_is_logged_with_channel_admin(world: World, login: Login) -> None:
    response = login(world.beheerder).get(reverse("admin:clients_client_changelist"))

    assert response.status_code == 200
    entries = _entries(action="admin.client_list")
    assert {e.client_public_id for e in entries} == {c.public_id for c in world.clients}
    assert {(e.channel, e.event, e.role) for e in entries} == {(Channel.ADMIN, Event.READ, "beheerder")}


def test_admin_client_change_view_is_logged_with_channel_admin(world: World, login: Login) -> None:
    response = login(world.beheerder).get(reverse("admin:clients_client_change", args=[world.own.pk]))

    assert response.status_code == 200
    [entry] = _entries(action="admin.client")
    _assert_entry(
        entry, user=world.beheerder, event=Event.READ, action="admin.client", client=world.own, channel=Channel.ADMIN
    )


def test_admin_client_pages_show_no_bsn(world: World, login: Login) -> None:
    http = login(world.beheerder)

    for url in [
        reverse("admin:clients_client_changelist"),
        reverse("admin:clients_client_change", args=[world.own.pk]),
    ]:
        content = http.get(url).content.decode()
        for client in world.clients:
            assert client.bsn not in content


def test_looking_at_the_log_is_logged_after_reading(world: World) -> None:
    access_log_record(
        actor=world.coach,
        event=Event.READ,
        action="client.file",
        client_ids=[world.own.public_id],
        access_point=AccessPoint(channel=Channel.WEB, address="10.0.0.1"),
    )

    entries = access_log_for_client(
        actor=world.jongere, client=world.own, access_point=AccessPoint(channel=Channel.WEB, address="10.0.0.2")
    ).entries

    assert [(e.username, e.action) for e in entries] == [("coach", "client.file")]
    assert _entries(action="client.access_log")[0].username == "jongere"


def test_access_log_record_writes_one_entry_per_client_in_one_query(
    world: World, django_assert_num_queries: Callable[..., object]
) -> None:
    clients = [world.own, world.team, world.other_team]

    with django_assert_num_queries(1):  # type: ignore[attr-defined]
        written = access_log_record(
            actor=world.beheerder,
            event=Event.EXPORT,
            action="client.export",
            client_ids=[c.public_id for c in clients],
            access_point=AccessPoint.command("export"),
        )

    assert written == 3
    entries = _entries(action="client.export")
    assert {e.channel for e in entries} == {Channel.COMMAND}
    assert {e.access_point for e in entries} == {"manage.py export"}


def test_access_point_from_request_without_address(rf: pytest.FixtureRequest) -> None:
    request = rf.get("/")  # type: ignore[attr-defined]
    request.META.pop("REMOTE_ADDR", None)

    assert AccessPoint.from_request(request) == AccessPoint(channel=Channel.WEB, address="unknown")


@pytest.mark.django_db
def test_log_survives_the_client_it_is_about() -> None:
    client = ClientFactory.create()
    public_id = client.public_id
    coach = client.team.members.create(username="tmp-coach", role="coach", provider=client.provider)
    access_log_record(
        actor=coach,
        event=Event.READ,
        action="client.file",
        client_ids=[public_id],
        access_point=AccessPoint.command("x"),
    )

    client.delete()

    assert AccessLogEntry.objects.filter(client_public_id=public_id).count() == 1
