"""The coach's desk (issue 16.5): what is new in a file since the coach last opened it, on the
caseload and the client file, with query counts that do not grow with the rows."""

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.template import engines
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client, FileSeen
from coachcare.clients.services import client_file_seen_record
from coachcare.coaching import services as coaching_services
from coachcare.coaching.models import DiaryEntry
from coachcare.core.dates import today
from coachcare.home.selectors import ClientSignals, client_signals, team_workload, today_for
from coachcare.messaging import services as messaging_services
from coachcare.trajectories import services
from coachcare.trajectories.deadlines import step_deadline
from coachcare.trajectories.models import Trajectory
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory
from tests.conftest import World
from tests.trajectories.conftest import contracted  # noqa: F401 (a fixture used by name)

Login = Callable[[User], HttpClient]
AP = AccessPoint(channel="web", address="127.0.0.1")


def _youth_writes(world: World, body: str = "Hoi, kunnen we morgen praten?") -> None:
    thread = messaging_services.thread_for(actor=world.jongere, client=world.own, kind="youth")
    messaging_services.message_post(actor=world.jongere, thread=thread, body=body, access_point=AP)


def test_signals_count_what_others_did_after_the_last_opening(world: World) -> None:
    _youth_writes(world)
    coaching_services.diary_entry_add(actor=world.jongere, client=world.own, mood=4, access_point=AP)
    assert client_signals(actor=world.coach, client_ids=[world.own.pk]) == {
        world.own.pk: ClientSignals(messages=1, checkins=1)
    }

    client_file_seen_record(actor=world.coach, client=world.own)
    assert client_signals(actor=world.coach, client_ids=[world.own.pk])[world.own.pk].total == 0

    # Only what comes after the mark is new; the coach's own message is never "new" for them.
    _youth_writes(world, "Nog een vraag")
    thread = messaging_services.thread_for(actor=world.coach, client=world.own, kind="youth")
    messaging_services.message_post(actor=world.coach, thread=thread, body="Prima", access_point=AP)
    assert client_signals(actor=world.coach, client_ids=[world.own.pk])[world.own.pk] == ClientSignals()
    FileSeen.objects.filter(user=world.coach).update(seen_at=timezone.now() - datetime.timedelta(hours=1))
    thread_read = messaging_services.thread_for(actor=world.coach, client=world.own, kind="youth")
    messaging_services.thread_mark_read(
        actor=world.coach, thread=thread_read, until=timezone.now() - datetime.timedelta(hours=2)
    )
    _youth_writes(world, "En nog een")
    assert client_signals(actor=world.coach, client_ids=[world.own.pk])[world.own.pk].messages == 1


def test_signals_are_per_professional_and_only_for_visible_clients(world: World) -> None:
    _youth_writes(world)
    client_file_seen_record(actor=world.coach, client=world.own)
    # The team lead has not opened the file: for them the message is still new.
    assert client_signals(actor=world.teamleider, client_ids=[world.own.pk])[world.own.pk].messages == 1
    # Another team's coach gets nothing about this client; a municipality user nothing at all.
    assert client_signals(actor=world.coach_other_team, client_ids=[world.own.pk])[world.own.pk].total == 0
    assert client_signals(actor=world.toegang, client_ids=[world.own.pk]) == {}


def test_caseload_badge_disappears_after_the_coach_opens_the_file(contracted: World, login: Login) -> None:  # noqa: F811
    world = contracted
    services.trajectory_open(actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP)
    client_file_seen_record(actor=world.coach, client=world.own)
    _youth_writes(world)
    http = login(world.coach)
    with translation.override("nl"):
        page = http.get(reverse("core:home"), headers={"accept-language": "nl"}).content.decode()
        assert 'aria-label="Nieuw sinds u het dossier opende"' in page
        assert "1 nieuw bericht" in page

        file_page = http.get(reverse("clients:detail", kwargs={"public_id": world.own.public_id})).content.decode()
        assert "1 nieuw bericht" in file_page  # the file says what was new on this opening
        assert "Volgende stap:" in file_page

        page = http.get(reverse("core:home")).content.decode()
        assert "nieuw bericht" not in page
    # The opening itself is in the access log as before; the mark is a separate row.
    assert AccessLogEntry.objects.filter(user_id=world.coach.pk, action="client.file").exists()


def _desk_macros(signals: ClientSignals, due: datetime.date | None) -> tuple[str, str]:
    source = (
        '{% from "home/includes/desk.html" import signals_list, deadline_text %}'
        "{{ signals_list(signals) }}|{{ deadline_text(deadline) }}"
    )
    rendered = (
        engines["jinja2"]
        .from_string(source)
        .render({"signals": signals, "deadline": step_deadline(due=due, on=today())})
    )
    signals_html, deadline_html = str(rendered).split("|")
    return signals_html, deadline_html


@pytest.mark.parametrize("language", ["nl", "en"])
def test_caseload_rows_print_what_the_desk_macros_print(contracted: World, login: Login, language: str) -> None:  # noqa: F811
    """The caseload prints the due date and what is new from prepared words (no macro per row):
    the same markup as ``deadline_text`` and ``signals_list`` of ``home/includes/desk.html``."""
    world = contracted
    dues = {
        world.own: today() - datetime.timedelta(days=3),  # overdue
        world.team: today() + datetime.timedelta(days=12),  # on time
    }
    for client, due in dues.items():
        services.trajectory_open(actor=world.coach, client=client, referrer_kind="gemeente", access_point=AP)
        Trajectory.objects.filter(client=client).update(next_action_due=due)
    _youth_writes(world)
    _youth_writes(world, "Nog een vraag")
    _checkin(world, world.own)
    _checkin(world, world.team)
    http = login(world.coach)
    html = http.get(reverse("core:home"), headers={"accept-language": language}).content.decode()

    with translation.override(language):
        signals = client_signals(actor=world.coach, client_ids=[client.pk for client in dues])
        for client, due in dues.items():
            assert signals[client.pk].total
            signals_html, deadline_html = _desk_macros(signals[client.pk], due)
            assert signals_html.startswith("<ul") and signals_html in html
            assert f">{deadline_html}</td>" in html
        assert _desk_macros(ClientSignals(), None) == ("", "–")
    assert "coachcare-overdue" in html


def _checkin(world: World, client: Client) -> None:
    """A check-in in a file without a portal account of its own (the count tests need many)."""
    DiaryEntry.objects.create(client=client, mood=3, created_at=timezone.now(), created_by=world.jongere)


def _count(http: HttpClient, target: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = http.get(target)
    assert response.status_code == 200, target
    return len(context.captured_queries)


def test_caseload_with_signals_queries_do_not_grow(contracted: World, login: Login) -> None:  # noqa: F811
    world = contracted

    def add(n: int) -> None:
        for _ in range(n):
            client = ClientFactory.create(coach=world.coach, municipality=world.municipality_a)
            services.trajectory_open(actor=world.coach, client=client, referrer_kind="gemeente", access_point=AP)
            _checkin(world, client)

    add(2)
    http = login(world.coach)
    http.get(reverse("core:home"))
    few = _count(http, reverse("core:home"))
    add(8)
    assert _count(http, reverse("core:home")) == few
    assert Trajectory.objects.count() == 10


def _appointment_today(world: World, client: Client) -> None:
    start = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    coaching_services.appointment_create(
        actor=world.coach,
        client=client,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        kind="online",
        location="",
        title="Gesprek",
        access_point=AP,
    )


def test_today_lists_what_needs_the_coach_most_pressing_first(contracted: World, login: Login) -> None:  # noqa: F811
    world = contracted
    late = services.trajectory_open(actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP)
    Trajectory.objects.filter(pk=late.pk).update(next_action_due=today() - datetime.timedelta(days=3))
    _youth_writes(world)
    _appointment_today(world, world.own)
    # The colleague's client is not on this coach's day.
    services.trajectory_open(actor=world.colleague, client=world.team, referrer_kind="gemeente", access_point=AP)
    Trajectory.objects.filter(client=world.team).update(next_action_due=today() - datetime.timedelta(days=3))

    day = today_for(actor=world.coach, access_point=AP)
    assert [t.client for t in day.overdue] == [world.own]
    assert day.overdue[0].deadline.overdue_since == today() - datetime.timedelta(days=3)  # type: ignore[attr-defined]
    assert [w.client for w in day.waiting] == [world.own]
    assert [a.client for a in day.appointments] == [world.own]
    assert [t.client for t in day.new] == [world.own]

    # Once the coach answers, the conversation no longer waits.
    thread = messaging_services.thread_for(actor=world.coach, client=world.own, kind="youth")
    messaging_services.message_post(actor=world.coach, thread=thread, body="Ja hoor", access_point=AP)
    assert today_for(actor=world.coach, access_point=AP).waiting == []

    http = login(world.coach)
    page = http.get(reverse("core:today"), headers={"accept-language": "nl"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "te laat sinds" in html
    assert html.index('id="today-appointments"') < html.index('id="today-overdue"') < html.index('id="today-waiting"')
    assert reverse("core:today") in http.get(reverse("core:home")).content.decode()  # in the navigation
    assert AccessLogEntry.objects.filter(user_id=world.coach.pk, action="client.today").exists()


def test_today_is_not_for_family_or_municipality(world: World, login: Login) -> None:
    for user in (world.jongere, world.ouder, world.toegang):
        assert login(user).get(reverse("core:today")).status_code == 404


def test_today_queries_do_not_grow(contracted: World, login: Login) -> None:  # noqa: F811
    world = contracted

    def add(n: int) -> None:
        for _ in range(n):
            client = ClientFactory.create(coach=world.coach, municipality=world.municipality_a)
            trajectory = services.trajectory_open(
                actor=world.coach, client=client, referrer_kind="gemeente", access_point=AP
            )
            Trajectory.objects.filter(pk=trajectory.pk).update(next_action_due=today() - datetime.timedelta(days=1))
            _appointment_today(world, client)
            _checkin(world, client)

    add(2)
    http = login(world.coach)
    http.get(reverse("core:today"))
    few = _count(http, reverse("core:today"))
    add(6)
    assert _count(http, reverse("core:today")) == few
    assert len(http.get(reverse("core:today")).context["day"].overdue) == 8


def test_team_lead_sees_workload_per_coach_and_the_queue(contracted: World, login: Login) -> None:  # noqa: F811
    world = contracted
    late = services.trajectory_open(actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP)
    Trajectory.objects.filter(pk=late.pk).update(next_action_due=today() - datetime.timedelta(days=3))
    services.trajectory_open(actor=world.colleague, client=world.team, referrer_kind="gemeente", access_point=AP)
    _youth_writes(world)

    rows = {row.coach: row for row in team_workload(actor=world.teamleider)}
    assert (rows[world.coach].clients, rows[world.coach].overdue, rows[world.coach].unread) == (1, 1, 1)
    assert (rows[world.colleague].clients, rows[world.colleague].overdue, rows[world.colleague].unread) == (1, 0, 0)
    assert world.coach_other_team not in rows
    # The coach reads the conversation: no longer unread for them.
    thread = messaging_services.thread_for(actor=world.coach, client=world.own, kind="youth")
    messaging_services.thread_mark_read(actor=world.coach, thread=thread)
    assert {row.coach: row for row in team_workload(actor=world.teamleider)}[world.coach].unread == 0

    http = login(world.teamleider)
    page = http.get(reverse("core:team"), headers={"accept-language": "nl"})
    assert page.status_code == 200
    assert "Werkdruk per coach" in page.content.decode()
    assert login(world.coach).get(reverse("core:team")).status_code == 404


def test_team_page_queries_do_not_grow_with_coaches_or_clients(contracted: World, login: Login) -> None:  # noqa: F811
    world = contracted

    def add(n: int) -> None:
        for _ in range(n):
            coach = UserFactory.create(role="coach", team=world.team_1, provider=world.provider)
            client = ClientFactory.create(coach=coach, municipality=world.municipality_a, team=world.team_1)
            services.trajectory_open(actor=world.teamleider, client=client, referrer_kind="gemeente", access_point=AP)

    add(1)
    http = login(world.teamleider)
    http.get(reverse("core:team"))
    few = _count(http, reverse("core:team"))
    add(5)
    assert _count(http, reverse("core:team")) == few
