"""DigiD in a real browser: the login page's button, the broker's page (a real oidc-provider-mock
process), back to coachcare logged in; and the refusal page. Both pages pass axe."""

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from coachcare.clients.models import Client
from tests.accounts.oidc_provider import OidcProvider, oidc_provider_running
from tests.browser.conftest import assert_accessible
from tests.factories import next_bsn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBSTANTIEEL = "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard"


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[OidcProvider]:
    with oidc_provider_running() as provider:
        yield provider


@pytest.fixture
def broker(settings: Any, oidc_provider: OidcProvider) -> OidcProvider:
    settings.COACHCARE_OIDC_DISCOVERY_URL = oidc_provider.discovery_url
    settings.COACHCARE_OIDC_CLIENT_ID = "coachcare-browser-test"
    settings.COACHCARE_OIDC_CLIENT_SECRET = "test-only-secret"
    return oidc_provider


def log_in_with_digid(page: Page, base_url: str, provider: OidcProvider, claims: dict[str, object]) -> None:
    sub = f"digid-{uuid4()}"
    provider.set_user(sub, claims)
    page.goto(f"{base_url}/accounts/login/")
    assert_accessible(page)
    page.get_by_role("link", name="Inloggen met DigiD").click()
    page.wait_for_url(f"{provider.url}/oauth2/authorize?**")
    page.get_by_label("Subject").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(f"{base_url}/**")
    page.wait_for_load_state()


def test_young_person_logs_in_with_digid(page: Page, live_server: LiveServer, demo: None, broker: OidcProvider) -> None:
    own = Client.objects.get(user__username="jongere15")

    log_in_with_digid(page, live_server.url, broker, {"bsn": own.bsn, "acr": SUBSTANTIEEL})

    assert page.url.endswith("/portal/")
    expect(page.locator("h1")).to_have_text("Mijn portaal")


def test_unknown_bsn_sees_an_accessible_refusal(
    page: Page, live_server: LiveServer, demo: None, broker: OidcProvider
) -> None:
    log_in_with_digid(page, live_server.url, broker, {"bsn": next_bsn(), "acr": SUBSTANTIEEL})

    expect(page.locator("h1")).to_have_text("Inloggen met DigiD is niet gelukt")
    expect(page.get_by_role("alert")).to_contain_text("We konden geen account in coachcare voor je vinden")
    assert_accessible(page)
