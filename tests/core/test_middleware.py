"""The kernel's middleware (``core.middleware``): the same headers as Django's, for less work."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.test import override_settings
from django.utils.csp import CSP, build_policy

from coachcare.core import middleware


@pytest.mark.django_db
def test_the_policy_is_the_one_django_builds(client: HttpClient) -> None:
    first = client.get("/accounts/login/")
    second = client.get("/healthz")

    assert first["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)  # type: ignore[arg-type]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in first


@pytest.mark.django_db
def test_a_policy_with_a_nonce_is_left_to_django(client: HttpClient) -> None:
    """A nonce changes with every response: Django's middleware builds that policy each time (here
    without the nonce, which the page does not use)."""
    with_nonce: dict[str, Any] = {**settings.SECURE_CSP, "script-src": [CSP.SELF, CSP.NONCE]}
    with override_settings(SECURE_CSP=with_nonce):
        assert middleware._policy_without_nonce(with_nonce) is None
        header = client.get("/healthz")["Content-Security-Policy"]

    assert header == build_policy(with_nonce)
    assert CSP.NONCE not in header


@pytest.mark.django_db
def test_a_changed_policy_is_built_anew(client: HttpClient) -> None:
    client.get("/healthz")
    changed: dict[str, Any] = {**settings.SECURE_CSP, "img-src": [CSP.SELF]}
    with override_settings(SECURE_CSP=changed):
        assert client.get("/healthz")["Content-Security-Policy"] == build_policy(changed)
    with override_settings(SECURE_CSP={}):
        assert "Content-Security-Policy" not in client.get("/healthz")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "cookies", "language"),
    [
        ({}, {}, "nl"),
        ({"Accept-Language": "en-GB,en;q=0.8"}, {}, "en"),
        ({"Accept-Language": "en"}, {settings.LANGUAGE_COOKIE_NAME: "nl"}, "nl"),
        ({}, {settings.LANGUAGE_COOKIE_NAME: "en"}, "en"),
    ],
)
def test_the_language_as_django_chooses_it(
    client: HttpClient, headers: dict[str, str], cookies: dict[str, str], language: str
) -> None:
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.get("/accounts/login/", headers=headers)

    assert response["Content-Language"] == language
    assert language == response.wsgi_request.LANGUAGE_CODE
    assert "Accept-Language" in response["Vary"]


def test_the_expires_date_is_now() -> None:
    import time

    from django.utils.http import http_date, parse_http_date

    before = int(time.time())
    printed = parse_http_date(middleware._now_http_date())
    assert before <= printed <= time.time()
    assert middleware._now_http_date() in {http_date(printed), http_date(printed + 1)}
