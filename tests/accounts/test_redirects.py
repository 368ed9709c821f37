"""No open redirect: every ``next`` a user can give is followed only when it stays on this site."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factories import PASSWORD, TOTPDeviceFactory, UserFactory, totp_code

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
VERIFY = reverse("accounts:verify")
SETUP = reverse("accounts:setup")
HOME = reverse("core:home")

#: Targets that leave the site, in the shapes browsers accept.
OFF_SITE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:///evil.example",
    "javascript:alert(1)",
    " https://evil.example",
    "https://evil.example@testserver/",
]


def _off_site(location: str) -> bool:
    return "evil.example" in location or location.startswith(("javascript:", "//", "/\\", "\\"))


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFF_SITE)
def test_verify_does_not_redirect_off_site(client: HttpClient, target: str) -> None:
    user = UserFactory.create(coach=True)
    device = TOTPDeviceFactory.create(user=user)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})

    response = client.post(VERIFY + "?" + _query(target), {"token": totp_code(device)})

    assert response.status_code == 302
    assert response["Location"] == HOME


@pytest.mark.django_db
def test_verify_follows_a_next_on_this_site(client: HttpClient) -> None:
    user = UserFactory.create(coach=True)
    device = TOTPDeviceFactory.create(user=user)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})

    response = client.post(VERIFY + "?next=/messages/%3Fpage%3D2", {"token": totp_code(device)})

    assert response["Location"] == "/messages/?page=2"


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFF_SITE)
def test_setup_does_not_redirect_off_site(client: HttpClient, target: str) -> None:
    user = UserFactory.create(coach=True)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    # verify sends a first-time professional to setup, carrying only a safe next
    assert client.get(VERIFY + "?" + _query(target))["Location"] == SETUP
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)

    response = client.post(SETUP + "?" + _query(target), {"token": totp_code(device)})

    assert response.status_code == 302
    assert response["Location"] == HOME


@pytest.mark.django_db
def test_setup_keeps_a_next_on_this_site(client: HttpClient) -> None:
    user = UserFactory.create(coach=True)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert client.get(VERIFY + "?next=/clients/new/")["Location"] == SETUP + "?next=%2Fclients%2Fnew%2F"
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)

    assert client.post(SETUP + "?next=/clients/new/", {"token": totp_code(device)})["Location"] == "/clients/new/"


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFF_SITE)
def test_login_does_not_redirect_off_site(client: HttpClient, target: str) -> None:
    user = UserFactory.create(jongere=True)

    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert not _off_site(response["Location"])
    assert response["Location"] == reverse("core:home")


@pytest.mark.django_db
def test_login_page_for_a_logged_in_user_does_not_redirect_off_site(client: HttpClient) -> None:
    user = UserFactory.create(jongere=True)
    client.force_login(user)

    response = client.get(LOGIN + "?" + _query("https://evil.example/phish"))

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFF_SITE)
def test_logout_does_not_redirect_off_site(client: HttpClient, target: str) -> None:
    client.force_login(UserFactory.create(jongere=True))

    response = client.post(LOGOUT, {"next": target})

    assert response.status_code == 302
    assert not _off_site(response["Location"])


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_does_not_redirect_off_site(client: HttpClient, target: str) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": target})

    assert response.status_code == 302
    assert not _off_site(response["Location"])


@pytest.mark.django_db
def test_language_switch_follows_a_next_on_this_site(client: HttpClient) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/privacy/"})

    assert response["Location"] == "/privacy/"


def _query(target: str) -> str:
    return urlencode({"next": target})
