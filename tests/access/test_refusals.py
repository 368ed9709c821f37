"""One way to say no outside a view: ``access.refusals`` for management commands and the admin."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.http import HttpRequest
from django.test import RequestFactory

from coachcare.access import policy
from coachcare.access.refusals import admin_attempt, refusals_as_command_errors


def _admin_request() -> HttpRequest:
    request = RequestFactory().post("/admin/accounts/userchangerequest/1/decide/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]  # what MessageMiddleware sets
    return request


def test_a_refusal_in_a_command_is_a_command_error_with_its_message() -> None:
    with pytest.raises(CommandError, match="Only coaches and team leads"), refusals_as_command_errors():
        raise policy.Refused("Only coaches and team leads can register young people.")
    with pytest.raises(CommandError, match="No such client"), refusals_as_command_errors():
        raise policy.AccessDenied("No such client.")


def test_other_errors_in_a_command_pass_through() -> None:
    with pytest.raises(ValueError, match="boom"), refusals_as_command_errors():
        raise ValueError("boom")


def test_admin_attempt_turns_a_refusal_or_a_validation_error_into_an_admin_message() -> None:
    request = _admin_request()

    def refuse() -> None:
        raise policy.Refused("A second administrator approves: not the one who asked.")

    def invalid() -> None:
        raise ValidationError("The team no longer exists.")

    assert admin_attempt(request, refuse, subject="Sam") is False
    assert admin_attempt(request, invalid, subject="Sam") is False
    assert admin_attempt(request, lambda: None, subject="Sam") is True
    assert [str(message) for message in get_messages(request)] == [
        "Sam: A second administrator approves: not the one who asked.",
        "Sam: The team no longer exists.",
    ]
