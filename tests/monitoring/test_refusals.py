"""Monitoring's services refuse with ``policy.Refused`` (the house style), not ``PermissionError``:
leaving a view it is the 403 page with the reason (``access.middleware``), and no ``except`` for
technical failures (``OSError``) swallows it."""

from collections.abc import Callable
from html import escape

import pytest
from django.test import Client as HttpClient

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.monitoring import services
from tests.conftest import World
from tests.monitoring.test_pilots import _pilot


def test_a_refusal_is_no_oserror(contracted: World) -> None:
    world = contracted
    with pytest.raises(policy.Refused) as caught:
        services.reference_cost_set(actor=world.coach, municipality=world.municipality_a, amount_cents=100)
    assert not isinstance(caught.value, OSError)
    assert caught.value.message


def test_a_refused_pilot_step_is_the_403_page_with_its_reason(
    contracted: World, login: Callable[[User], HttpClient]
) -> None:
    world = contracted
    pilot = _pilot(world)
    response = login(world.toegang).post(f"/monitoring/pilots/{pilot.pk}/confirm/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert escape("Only the municipality's policy staff or the provider's leads do this.") in response.content.decode()


def test_municipality_dashboard_refuses_with_its_reason(contracted: World, login: Callable[[User], HttpClient]) -> None:
    response = login(contracted.coach).get("/monitoring/municipality/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
