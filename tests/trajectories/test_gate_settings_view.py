"""The provider's gate-approval setting as a page (issue 16.6): its team lead or administrator
chooses which deviations wait for the team lead; the default is explained; others get 404."""

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from coachcare.providers.models import DEFAULT_GATE_APPROVALS
from tests.conftest import World, log_in

URL = "/trajectories/gate-settings/"


def test_the_team_lead_chooses_which_deviations_need_approval(world: World) -> None:
    assert reverse("trajectories:gate_settings") == URL
    http = log_in(HttpClient(), world.teamleider)
    with translation.override("nl"):
        page = http.get(URL).content.decode()
    assert "Standaard" in page or "standaard" in page
    for code in DEFAULT_GATE_APPROVALS:
        assert f'value="{code}" id="id_kinds_' in page
    assert page.count(" checked>") == len(DEFAULT_GATE_APPROVALS)

    response = http.post(URL, {"kinds": ["continue_against_stop", "stop_against_advice"]})
    assert response.status_code == 302
    world.provider.refresh_from_db()
    assert world.provider.gate_approval_required == ["stop_against_advice", "continue_against_stop"]

    assert http.post(URL, {"kinds": ["nonsense"]}).status_code == 200  # not a choice: shown next to the field
    world.provider.refresh_from_db()
    assert world.provider.gate_approval_required == ["stop_against_advice", "continue_against_stop"]

    assert http.post(URL, {}).status_code == 302  # none: every deviation is only recorded
    world.provider.refresh_from_db()
    assert world.provider.gate_approval_required == []


def test_the_administrator_may_and_others_may_not(world: World) -> None:
    for role in ("coach", "toegang", "beleid", "jongere", "ouder"):
        assert log_in(HttpClient(), world.user(role)).get(URL).status_code == 404, role
    beheerder = world.user("beheerder")
    expected = 200 if beheerder.provider_id is not None else 404
    assert log_in(HttpClient(), beheerder).get(URL).status_code == expected
