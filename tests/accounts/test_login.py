"""Logging in: two factors for professionals, one for young people and parents, lock-out after 5 tries."""

from collections.abc import Callable

import pytest
from asgiref.sync import async_to_sync
from django.http.response import HttpResponseBase
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.accounts.models import User
from tests.accounts.factories import PASSWORD, TOTPDeviceFactory, UserFactory, totp_code
from tests.clients.factories import ClientFactory
from tests.conftest import World

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")
SETUP = reverse("accounts:setup")
HOME = reverse("core:home")


def password_login(http: HttpClient, user: User, password: str = PASSWORD) -> HttpResponseBase:
    return http.post(LOGIN, {"username": user.username, "password": password})


def right_code(device: TOTPDevice) -> str:
    return totp_code(device)


def wrong_code(device: TOTPDevice) -> str:
    """A code that is not valid in the current window nor the neighbouring ones (tolerance)."""
    valid = {totp_code(device, drift=drift) for drift in (-2, -1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def is_logged_in(http: HttpClient) -> bool:
    return "_auth_user_id" in http.session


def is_verified(http: HttpClient) -> bool:
    return DEVICE_ID_SESSION_KEY in http.session


@pytest.fixture
def professional(db: None) -> tuple[User, TOTPDevice]:
    user = UserFactory.create(coach=True)
    return user, TOTPDeviceFactory.create(user=user)


def test_professional_password_login_leads_to_totp_step(
    client: HttpClient, professional: tuple[User, TOTPDevice]
) -> None:
    user, _device = professional
    own_client = ClientFactory.create(coach=user)

    response = password_login(client, user)

    assert response.status_code == 302
    assert is_logged_in(client)
    assert not is_verified(client)
    home = client.get(HOME)
    assert home.status_code == 302
    assert home["Location"] == VERIFY
    detail = client.get(reverse("clients:detail", kwargs={"public_id": own_client.public_id}))
    assert detail.status_code == 302
    assert detail["Location"] == VERIFY
    assert client.get(reverse("admin:index"))["Location"] == VERIFY


def test_wrong_code_is_refused(client: HttpClient, professional: tuple[User, TOTPDevice]) -> None:
    user, device = professional
    password_login(client, user)

    response = client.post(VERIFY, {"token": wrong_code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert not is_verified(client)
    assert client.get(HOME)["Location"] == VERIFY


def test_malformed_code_is_refused(client: HttpClient, professional: tuple[User, TOTPDevice]) -> None:
    user, _device = professional
    password_login(client, user)

    response = client.post(VERIFY, {"token": "12ab56"})

    assert response.status_code == 200
    assert not is_verified(client)


def test_right_code_lets_the_professional_in(client: HttpClient, professional: tuple[User, TOTPDevice]) -> None:
    user, device = professional
    password_login(client, user)

    response = client.post(VERIFY, {"token": right_code(device)})

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert is_verified(client)
    home = client.get(HOME)
    assert home.status_code == 200


def test_a_code_cannot_be_used_twice(professional: tuple[User, TOTPDevice]) -> None:
    user, device = professional
    code = right_code(device)
    first, second = HttpClient(), HttpClient()
    password_login(first, user)
    password_login(second, user)

    assert first.post(VERIFY, {"token": code}).status_code == 302
    assert second.post(VERIFY, {"token": code}).status_code == 200
    assert not is_verified(second)


def test_verify_follows_safe_next(client: HttpClient, professional: tuple[User, TOTPDevice]) -> None:
    user, device = professional
    password_login(client, user)

    response = client.post(f"{VERIFY}?next=/clients/new/", {"token": right_code(device)})

    assert response["Location"] == "/clients/new/"


def test_first_time_professional_goes_to_setup_and_enrols(client: HttpClient, db: None) -> None:
    user = UserFactory.create(toegang=True)
    password_login(client, user)

    assert client.get(HOME)["Location"] == VERIFY
    assert client.get(VERIFY)["Location"] == SETUP
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"]
    assert "<svg" in page.context["qr_svg"]

    assert client.get(SETUP).status_code == 200
    assert TOTPDevice.objects.filter(user=user).count() == 1  # the same device, not a new one per visit

    refused = client.post(SETUP, {"token": wrong_code(device)})
    assert refused.status_code == 200
    assert not is_verified(client)

    device.refresh_from_db()
    device.throttle_reset()
    accepted = client.post(SETUP, {"token": right_code(device)})
    assert accepted.status_code == 302
    assert is_verified(client)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(SETUP)["Location"] == VERIFY


def test_setup_is_not_for_who_has_a_device(client: HttpClient, professional: tuple[User, TOTPDevice]) -> None:
    user, _device = professional
    password_login(client, user)

    assert client.get(SETUP)["Location"] == VERIFY


@pytest.mark.parametrize("role", ["jongere", "ouder"])
def test_young_people_and_parents_need_no_second_factor(client: HttpClient, db: None, role: str) -> None:
    user = UserFactory.create(**{role: True})

    response = password_login(client, user)

    assert response.status_code == 302
    assert is_logged_in(client)
    home = client.get(HOME)
    assert home.status_code == 200
    assert client.get(VERIFY)["Location"] == HOME


def test_wrong_password_is_refused(client: HttpClient, db: None) -> None:
    user = UserFactory.create(ouder=True)

    response = password_login(client, user, "wrong-password")

    assert response.status_code == 200
    assert not is_logged_in(client)


def test_lockout_after_five_wrong_passwords(client: HttpClient, db: None) -> None:
    user = UserFactory.create(ouder=True)
    for _attempt in range(5):
        password_login(client, user, "wrong-password")

    response = password_login(client, user)

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_four_wrong_passwords_do_not_lock_out(client: HttpClient, db: None) -> None:
    user = UserFactory.create(ouder=True)
    for _attempt in range(4):
        assert password_login(client, user, "wrong-password").status_code == 200

    assert password_login(client, user).status_code == 302
    assert is_logged_in(client)


def test_inactive_user_cannot_log_in(client: HttpClient, db: None) -> None:
    user = UserFactory.create(ouder=True, is_active=False)

    password_login(client, user)

    assert not is_logged_in(client)


def test_logout_ends_the_session(client: HttpClient, professional: tuple[User, TOTPDevice]) -> None:
    user, device = professional
    password_login(client, user)
    client.post(VERIFY, {"token": right_code(device)})

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert not is_logged_in(client)
    assert client.get(HOME)["Location"].startswith(LOGIN)


def test_views_get_the_user_itself_with_its_second_factor(world: World, login: Callable[[User], HttpClient]) -> None:
    """The middleware puts the loaded user on the request, not the (nested) lazy proxies of Django
    and django-otp; what they add (the verified device) is on it."""
    response = login(world.coach).get(HOME)
    user = response.wsgi_request.user
    assert type(user) is User and user.pk == world.coach.pk
    assert user.is_verified() and user.otp_device is not None  # type: ignore[attr-defined]
    assert async_to_sync(response.wsgi_request.auser)() is user  # Django's async accessor, the same user
    anonymous = HttpClient().get(HOME).wsgi_request.user
    assert not anonymous.is_authenticated and type(anonymous).__name__ == "AnonymousUser"
    assert not anonymous.is_verified()  # type: ignore[attr-defined]
