"""Nothing is lost: a diary entry typed while the session expires comes back after login."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from coachcare.coaching.models import DiaryEntry, FormDraft
from coachcare.demo.seed import DEMO_PASSWORD
from tests.browser.conftest import Login, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Vandaag had ik ruzie thuis en wilde ik het opschrijven."


@pytest.mark.parametrize("expiry", ["cookie deleted", "session flushed on the server"])
def test_diary_entry_survives_an_expired_session(login: Login, expiry: str) -> None:
    page = login("jongere15")
    base = page.url.split("/portal/")[0]
    before = DiaryEntry.objects.count()
    page.goto(f"{base}/portal/diary/")
    page.check("#id_mood_2")
    page.fill("#id_text", TEXT)
    if expiry == "cookie deleted":
        page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    else:
        Session.objects.all().delete()
    page.locator("main form button[type=submit]").click()

    page.wait_for_url("**/accounts/login/**")
    assert DiaryEntry.objects.count() == before
    assert FormDraft.objects.count() == 1
    page.fill("#id_username", "jongere15")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")

    page.wait_for_url("**/portal/diary/")
    expect(page.locator(".coachcare-messages")).to_contain_text("Je sessie was verlopen; je tekst is bewaard.")
    expect(page.locator("#id_text")).to_have_value(TEXT)
    expect(page.locator("#id_mood_2")).to_be_checked()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(TEXT)
    assert DiaryEntry.objects.count() == before + 1
    assert DiaryEntry.objects.order_by("-created_at", "-id")[0].text == TEXT
    assert not FormDraft.objects.exists()
