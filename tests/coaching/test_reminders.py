"""The "something is waiting for you" reminder: 3 days, at most weekly, content-free, only for young
people and parents with an active account and an e-mail address; the command and its summary."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.coaching.services import REMINDER_RUN_TIME, reminders_send
from coachcare.coaching.tasks import reminders_send_task
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from coachcare.trajectories import services as trajectory_services
from coachcare.trajectories.models import Trajectory
from tests.coaching.conftest import AP
from tests.conftest import World, log_in
from tests.mail import SmtpInbox


@pytest.fixture
def waiting(world: World) -> Trajectory:
    """Care was opened today: the consent of the young person and the parent with gezag waits."""
    method_demo_package_install()
    return trajectory_services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )


def day(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_not_before_the_oldest_item_is_three_days_old(world: World, waiting: Trajectory) -> None:
    assert reminders_send(on=day(2)).sent == 0
    assert mail.outbox == []
    result = reminders_send(on=day(3))
    assert result.sent == 2
    assert recipients() == sorted([world.jongere.email, world.ouder.email])


def test_at_most_once_a_week(world: World, waiting: Trajectory) -> None:
    assert reminders_send(on=day(3)).sent == 2
    assert reminders_send(on=day(3)).sent == 0  # a second run the same day sends nothing
    User.objects.filter(pk__in=[world.jongere.pk, world.ouder.pk]).update(
        last_reminded_at=timezone.make_aware(datetime.datetime.combine(day(3), datetime.time(10)))
    )
    assert reminders_send(on=day(9)).sent == 0  # six days later
    assert reminders_send(on=day(10)).sent == 2  # a week later, still waiting
    assert len(mail.outbox) == 4


def test_nothing_waiting_no_mail(world: World) -> None:
    assert reminders_send(on=day(30)).sent == 0
    assert mail.outbox == []


def test_no_mail_without_an_address_or_for_a_disabled_account(world: World, waiting: Trajectory) -> None:
    world.jongere.email = ""
    world.jongere.save(update_fields=["email"])
    world.ouder.is_active = False
    world.ouder.save(update_fields=["is_active"])
    result = reminders_send(on=day(3))
    assert result.sent == 0 and mail.outbox == []


def test_no_mail_for_professionals(world: World, waiting: Trajectory) -> None:
    reminders_send(on=day(3))
    professionals = {world.coach.email, world.teamleider.email, world.toegang.email, world.beheerder.email}
    assert not professionals & set(recipients())


def test_the_mail_is_content_free(world: World, waiting: Trajectory, smtp_server: SmtpInbox, settings) -> None:  # type: ignore[no-untyped-def]
    settings.COACHCARE_BASE_URL = "https://coachcare.example.nl"
    settings.LANGUAGE_CODE = "nl"  # the e-mail is in the default language
    world.jongere.email, world.ouder.email = "jongere@example.org", ""
    world.jongere.save(update_fields=["email"])
    world.ouder.save(update_fields=["email"])
    assert reminders_send(on=day(3)).sent == 1
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ["jongere@example.org"]
    assert received.subject == "Er staat iets voor je klaar in coachcare"
    assert received.body.startswith(f"Hoi {world.jongere.first_name},")
    assert "Er staat iets voor je klaar in coachcare" in received.body
    assert received.link() == "https://coachcare.example.nl/"
    client = world.own
    for secret in (client.family_name, client.bsn, "toestemming", "consent", world.coach.last_name, "plan"):
        assert secret and secret not in received.body and secret not in received.subject


def test_dry_run_counts_and_sends_nothing(world: World, waiting: Trajectory) -> None:
    out = io.StringIO()
    call_command("reminders_send", "--dry-run", "--on", day(3).isoformat(), stdout=out)
    assert mail.outbox == []
    assert "2 would be reminded" in out.getvalue()
    assert User.objects.filter(last_reminded_at__isnull=False).count() == 0
    out = io.StringIO()
    call_command("reminders_send", "--on", day(3).isoformat(), stdout=out)
    assert "2 reminded" in out.getvalue() and len(mail.outbox) == 2


def test_a_bad_date_is_refused() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("reminders_send", "--on", "31-12-2026")


def test_a_refused_mail_is_tried_again_next_run(world: World, waiting: Trajectory, settings) -> None:  # type: ignore[no-untyped-def]
    from coachcare.conf.env import mailer_config

    settings.MAILERS = {"default": mailer_config("smtp://127.0.0.1:9?timeout=1")}  # nothing listens
    with pytest.raises(CommandError, match="refused"):
        call_command("reminders_send", "--on", day(3).isoformat(), stdout=io.StringIO())
    assert User.objects.filter(last_reminded_at__isnull=False).count() == 0


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_daily_task_is_queued_once(db: None, settings) -> None:  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    out = io.StringIO()
    call_command("reminders_schedule", stdout=out)
    call_command("reminders_schedule", stdout=io.StringIO())
    [queued] = DBTaskResult.objects.filter(task_path=reminders_send_task.module_path)
    assert timezone.localtime(queued.run_after).time() == REMINDER_RUN_TIME
    assert queued.run_after > timezone.now()
    assert str(queued.id) in out.getvalue()


def test_the_task_sends_and_queues_tomorrow(world: World, waiting: Trajectory, settings) -> None:  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    result = reminders_send_task.call(on=day(3).isoformat())
    assert "2 reminded" in result["summary"] and len(mail.outbox) == 2
    assert DBTaskResult.objects.filter(task_path=reminders_send_task.module_path).count() == 1
    assert reminders_send_task.call(on=day(3).isoformat())["summary"].endswith("0 e-mail(s) refused")
    assert len(mail.outbox) == 2


def test_scheduling_needs_a_backend_that_can_wait(db: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with pytest.raises(CommandError, match="cron"):
        call_command("reminders_schedule")


def test_the_reminder_mark_forgets_the_cached_identity(world: World, waiting: Trajectory, client: HttpClient) -> None:
    """The mark is a queryset ``update()`` (it bypasses ``save()`` and its receivers): the service
    forgets the cached identity itself, so the next request reads the user from the database."""
    log_in(client, world.jongere)

    def user_read(sql: str) -> bool:
        return 'FROM "accounts_user" WHERE "accounts_user"."id" =' in sql

    def next_request() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            client.get("/")
        return [query["sql"] for query in captured.captured_queries]

    next_request()
    assert not any(user_read(sql) for sql in next_request())  # from the cache

    assert reminders_send(on=day(3)).sent == 2

    assert any(user_read(sql) for sql in next_request())
