"""The coach moves and cancels appointments: service rules, access, the updated calendar file (same
UID, SEQUENCE + 1, METHOD:CANCEL), a content-free e-mail through a real SMTP server, the page."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from coachcare.access.policy import AccessDenied
from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.coaching import services
from coachcare.coaching.ics import appointment_ics
from coachcare.coaching.models import Appointment
from tests.coaching.conftest import AP, Running
from tests.coaching.test_views import appointment
from tests.mail import SmtpInbox, smtp_server  # noqa: F401

Login = Callable[[User], HttpClient]


def _fields(ics: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in ics.split("\r\n") if line)


def _moved(running: Running, item: Appointment, *, days: float = 5) -> Appointment:
    start = timezone.now() + datetime.timedelta(days=days)
    return services.appointment_move(
        actor=running.world.coach,
        appointment=item,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=45),
        access_point=AP,
    )


def test_move_keeps_the_uid_and_raises_the_sequence(running: Running) -> None:
    item = appointment(running)
    before = _fields(appointment_ics(item, now=timezone.now()))
    assert before["SEQUENCE"] == "0" and before["METHOD"] == "PUBLISH"
    moved = _moved(running, item)
    after = _fields(appointment_ics(moved, now=timezone.now()))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == "1" and after["METHOD"] == "PUBLISH" and after["STATUS"] == "CONFIRMED"
    assert after["DTSTART"] != before["DTSTART"]
    assert _fields(appointment_ics(_moved(running, moved, days=6), now=timezone.now()))["SEQUENCE"] == "2"
    assert AccessLogEntry.objects.filter(action="portal.appointment.move").count() == 2


def test_cancel_gives_a_cancel_calendar_file(running: Running) -> None:
    item = appointment(running)
    cancelled = services.appointment_cancel(actor=running.world.coach, appointment=item, access_point=AP)
    fields = _fields(appointment_ics(cancelled, now=timezone.now()))
    assert fields["METHOD"] == "CANCEL" and fields["STATUS"] == "CANCELLED"
    assert fields["SEQUENCE"] == "1" and fields["UID"] == f"{item.public_id}@coachcare.invalid"
    with pytest.raises(ValidationError):
        services.appointment_cancel(actor=running.world.coach, appointment=cancelled, access_point=AP)
    with pytest.raises(ValidationError):
        _moved(running, cancelled)


def test_rules_of_a_move(running: Running) -> None:
    item = appointment(running)
    start = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as refused:
        services.appointment_move(
            actor=running.world.coach, appointment=item, starts_at=start, ends_at=start, access_point=AP
        )
    assert "ends_at" in refused.value.message_dict
    past = timezone.now() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.appointment_move(
            actor=running.world.coach,
            appointment=item,
            starts_at=past,
            ends_at=past + datetime.timedelta(hours=1),
            access_point=AP,
        )
    assert "starts_at" in refused.value.message_dict
    over = appointment(running, days=-2)
    with pytest.raises(ValidationError):
        services.appointment_cancel(actor=running.world.coach, appointment=over, access_point=AP)


@pytest.mark.parametrize("who", ["jongere", "ouder", "toegang", "coach_other_team"])
def test_only_the_treating_professionals_move_or_cancel(running: Running, who: str) -> None:
    item = appointment(running)
    actor = getattr(running.world, who)
    with pytest.raises(AccessDenied):
        services.appointment_cancel(actor=actor, appointment=item, access_point=AP)
    with pytest.raises(AccessDenied):
        start = timezone.now() + datetime.timedelta(days=4)
        services.appointment_move(
            actor=actor, appointment=item, starts_at=start, ends_at=start + datetime.timedelta(hours=1), access_point=AP
        )


def test_the_notice_is_enqueued_on_commit(running: Running, django_capture_on_commit_callbacks: object) -> None:
    item = appointment(running)
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        _moved(running, item)
    assert len(callbacks) == 1


def test_notice_without_content_to_the_young_person_and_invited_parents(
    running: Running,
    smtp_server: SmtpInbox,  # noqa: F811
    settings: Any,
) -> None:
    settings.LANGUAGE_CODE = "nl"  # the e-mail is in the default language
    private = appointment(running, title="Gesprek over thuis")
    moved = _moved(running, private)
    assert services.appointment_notify(appointment_id=moved.pk, sequence=moved.sequence) == 1
    assert services.appointment_notify(appointment_id=moved.pk, sequence=moved.sequence) == 0  # idempotent
    [mail] = smtp_server.wait_for(1)
    assert mail.recipients == [running.world.jongere.email]
    assert mail.subject == "Een afspraak is verplaatst"
    body = mail.body
    assert "/portal/" in mail.link()
    local = timezone.localtime(moved.starts_at)
    for secret in ("Gesprek", "thuis", "Oudegracht", running.world.own.given_name, local.strftime("%H:%M")):
        assert secret not in body and secret not in mail.subject

    invited = appointment(running, with_parents=True, title="Gezinsgesprek")
    cancelled = services.appointment_cancel(actor=running.world.coach, appointment=invited, access_point=AP)
    assert services.appointment_notify(appointment_id=cancelled.pk, sequence=cancelled.sequence) == 2
    mails = smtp_server.wait_for(3)[1:]
    assert sorted(r for m in mails for r in m.recipients) == sorted(
        [running.world.jongere.email, running.world.ouder.email]
    )
    assert {m.subject for m in mails} == {"Een afspraak is afgezegd"}
    assert all("Gezinsgesprek" not in m.body for m in mails)


def test_an_overtaken_change_is_not_sent(running: Running, smtp_server: SmtpInbox) -> None:  # noqa: F811
    item = appointment(running)
    first = _moved(running, item)
    second = _moved(running, first, days=7)
    assert services.appointment_notify(appointment_id=item.pk, sequence=1) == 0
    assert services.appointment_notify(appointment_id=item.pk, sequence=second.sequence) == 1
    assert services.appointment_notify(appointment_id=item.pk, sequence=1) == 0


def test_coach_moves_and_cancels_on_the_page(running: Running, login: Login) -> None:
    item = appointment(running)
    http = login(running.world.coach)
    work = reverse("coaching:coach_client", kwargs={"public_id": running.world.own.public_id})
    url = reverse("coaching:appointment_change", kwargs={"public_id": item.public_id})
    assert url in http.get(work).content.decode()
    assert http.get(url).status_code == 200
    day = timezone.localdate() + datetime.timedelta(days=9)
    response = http.post(
        url,
        {
            "action": "move",
            "move-date": day.isoformat(),
            "move-start_time": "10:00",
            "move-end_time": "09:00",
            "move-kind": "online",
            "move-location": "Video",
        },
    )
    assert response.status_code == 400
    response = http.post(
        url,
        {
            "action": "move",
            "move-date": day.isoformat(),
            "move-start_time": "10:00",
            "move-end_time": "11:00",
            "move-kind": "online",
            "move-location": "Video",
        },
    )
    assert response.status_code == 302 and response["Location"] == work
    item.refresh_from_db()
    assert timezone.localtime(item.starts_at).date() == day and item.kind == "online" and item.sequence == 1
    assert http.post(url, {"action": "cancel"}).status_code == 302
    item.refresh_from_db()
    assert item.cancelled_at is not None and item.sequence == 2
    assert http.get(url).status_code == 200  # still viewable; the services refuse a second change
    assert http.post(url, {"action": "cancel"}).status_code == 302
    item.refresh_from_db()
    assert item.sequence == 2
    with translation.override("en"):
        page = login(running.world.jongere).get(reverse("coaching:home")).content.decode()
    assert "Cancelled" in page and "Remove from my calendar" in page


def test_others_get_404_on_the_page(running: Running, login: Login) -> None:
    item = appointment(running)
    url = reverse("coaching:appointment_change", kwargs={"public_id": item.public_id})
    for who in ("jongere", "ouder", "coach_other_team", "toegang"):
        assert login(getattr(running.world, who)).get(url).status_code == 404
        assert login(getattr(running.world, who)).post(url, {"action": "cancel"}).status_code == 404
    item.refresh_from_db()
    assert item.cancelled_at is None


def test_a_cancelled_session_asks_no_session_feedback(running: Running, login: Login) -> None:
    item = appointment(running, days=0.01)  # starts in about a quarter of an hour
    services.appointment_cancel(actor=running.world.coach, appointment=item, access_point=AP)
    Appointment.objects.filter(pk=item.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with translation.override("en"):
        page = login(running.world.jongere).get(reverse("coaching:home")).content.decode()
    assert "How did the session go?" not in page
    Appointment.objects.filter(pk=item.pk).update(cancelled_at=None)
    with translation.override("en"):
        page = login(running.world.jongere).get(reverse("coaching:home")).content.decode()
    assert "How did the session go?" in page  # the same session, held: feedback is asked
