"""The coach moves and cancels an appointment in the browser; axe on the pages."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.coaching import services
from coachcare.coaching.models import Appointment
from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coach_moves_and_cancels_an_appointment(login: Login) -> None:
    client = Client.objects.get(user__username="jongere15")
    coach = User.objects.get(username="coach")
    start = timezone.now() + datetime.timedelta(days=3)
    item = services.appointment_create(
        actor=coach,
        client=client,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        kind="offline",
        location="Kantoor",
        title="Gesprek met je coach",
        access_point=AccessPoint.command("test_appointments"),
    )
    page = login("coach")
    base = page.url.rstrip("/").rsplit("/", 1)[0] if "/portal/" in page.url else page.url.rstrip("/")
    page.goto(f"{base}/portal/coach/{client.public_id}/")
    page.locator(f"a[href='/portal/coach/appointments/{item.public_id}/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Een afspraak verplaatsen of afzeggen")
    assert_accessible(page)

    new_day = timezone.localdate() + datetime.timedelta(days=10)
    page.get_by_label("Nieuwe datum").fill(new_day.isoformat())
    page.get_by_label("Begintijd").fill("14:00")
    page.get_by_label("Eindtijd").fill("15:00")
    page.get_by_role("button", name="Afspraak verplaatsen").click()
    expect(page.locator(".coachcare-messages")).to_contain_text("De afspraak is verplaatst")
    expect(page.locator("main")).to_contain_text("(verplaatst)")
    assert_accessible(page)
    item.refresh_from_db()
    assert timezone.localtime(item.starts_at).date() == new_day and item.sequence == 1

    page.locator(f"a[href='/portal/coach/appointments/{item.public_id}/']").click()
    page.get_by_role("button", name="Afspraak afzeggen").click()
    expect(page.locator(".coachcare-messages")).to_contain_text("De afspraak is afgezegd")
    expect(page.locator("main")).to_contain_text("Afgezegd")
    assert_accessible(page)
    assert Appointment.objects.get(pk=item.pk).cancelled_at is not None
