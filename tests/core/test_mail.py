"""A refusal of the access policy is never a failed e-mail (issue 15 follow-up, item 1).

``AccessDenied`` used to subclass ``PermissionError``, an ``OSError``: every ``except MAIL_ERRORS``
around a send swallowed a refusal as "the e-mail could not be sent". The views now hold no re-raise
for it; the mechanism is that a refusal is not an ``OSError`` at all.
"""

import smtplib
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.access import policy
from coachcare.accounts import services as account_services
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.core.mail import MAIL_ERRORS
from tests.clients.factories import CarerFactory
from tests.conftest import World

Login = Callable[[User], HttpClient]


@pytest.mark.parametrize("refusal", [policy.AccessDenied("no"), policy.Refused("no")])
def test_a_refusal_is_not_a_mail_error(refusal: Exception) -> None:
    assert not isinstance(refusal, MAIL_ERRORS)
    assert not isinstance(refusal, OSError)


@pytest.mark.parametrize("failure", [smtplib.SMTPRecipientsRefused({}), ConnectionRefusedError(), TimeoutError()])
def test_a_mail_server_failure_is_a_mail_error(failure: Exception) -> None:
    assert isinstance(failure, MAIL_ERRORS)


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise policy.AccessDenied("The policy says no.")


@pytest.mark.parametrize(("view", "status"), [("invite", 403), ("family_invite", 403), ("revoke", 404)])
def test_a_refusal_inside_a_mail_sending_view_is_a_403_not_a_mail_error(
    world: World, login: Login, monkeypatch: pytest.MonkeyPatch, view: str, status: int
) -> None:
    http = login(world.coach)
    http.cookies["django_language"] = "en"
    client = world.own
    mother = CarerFactory.create(client=client, email="ingrid@voorbeeld.nl", uses_portal=True)
    invitation = account_services.family_member_invite(
        actor=world.coach, relation=mother, access_point=AccessPoint.command("tests")
    )
    monkeypatch.setattr(account_services, "invitation_create", _refuse)
    monkeypatch.setattr(account_services, "family_member_invite", _refuse)
    monkeypatch.setattr(account_services, "invitation_revoke", _refuse)
    urls = {
        "invite": (
            reverse("clients:invite", kwargs={"public_id": client.public_id}),
            {"first_name": "Sanne", "email": "s@voorbeeld.nl"},
        ),
        "family_invite": (
            reverse("clients:family_invite", kwargs={"public_id": client.public_id, "relation_id": mother.pk}),
            {},
        ),
        "revoke": (reverse("clients:revoke", kwargs={"public_id": client.public_id, "pk": invitation.pk}), {}),
    }
    url, data = urls[view]
    response = http.post(url, data)
    # invite wraps the call in policy.refusing (403 with the reason); revoke lets AccessDenied be a 404
    assert response.status_code == status
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert not any("could not be sent" in m for m in shown), shown
