"""Passkeys (django-otp-webauthn): young people and parents only. A professional can neither register
one nor log in with one (a passkey login counts as a verified second factor). The ceremonies with a
real (virtual) authenticator run in tests/browser/test_invitation.py."""

from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django_otp_webauthn.models import WebAuthnCredential

from coachcare.accounts.models import User
from coachcare.accounts.passkeys import NotForThisRole, PasskeyAuthenticationCompleteView
from tests.conftest import World

BEGIN = "/accounts/passkey/registration/begin/"


@pytest.mark.parametrize("key", ["jongere", "ouder"])
def test_young_people_and_parents_may_register_a_passkey(
    world: World, login: Callable[[User], HttpClient], key: str
) -> None:
    response = login(world.user(key)).post(BEGIN, content_type="application/json")
    assert response.status_code == 200
    options = response.json()
    assert options["rp"] == {"name": "coachcare", "id": "localhost"}
    assert options["authenticatorSelection"]["residentKey"] in {"required", "preferred"}


@pytest.mark.parametrize("key", ["coach", "teamleider", "toegang", "beleid", "beheerder"])
def test_professionals_cannot_register_one(world: World, login: Callable[[User], HttpClient], key: str) -> None:
    response = login(world.user(key)).post(BEGIN, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "not_for_this_role"


def test_nobody_registers_without_logging_in(client: HttpClient, db: None) -> None:
    assert client.post(BEGIN, content_type="application/json").status_code in {401, 403}


def test_a_professional_s_passkey_does_not_log_in(world: World) -> None:
    view = PasskeyAuthenticationCompleteView()
    with pytest.raises(NotForThisRole):
        view.check_device_usable(WebAuthnCredential(user=world.coach, confirmed=True))
    view.check_device_usable(WebAuthnCredential(user=world.jongere, confirmed=True))  # no error


def test_the_login_page_offers_a_passkey(client: HttpClient, db: None) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert 'id="passkey-verification-available-template"' in page and "otp_webauthn_config" in page


def test_the_welcome_page_offers_a_passkey_to_a_young_person_only(
    world: World, login: Callable[[User], HttpClient]
) -> None:
    assert "passkey-register-button" in login(world.jongere).get("/accounts/welcome/").content.decode()
    assert "passkey-register-button" not in login(world.coach).get("/accounts/welcome/").content.decode()
