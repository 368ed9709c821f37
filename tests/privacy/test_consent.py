"""Consent screens: who has to agree, by age on the day; the young person's choice about parents."""

from collections.abc import Callable

from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.core.dates import today, years_before
from coachcare.privacy import selectors
from coachcare.trajectories import services
from coachcare.trajectories.models import Agreement, Trajectory
from coachcare.trajectories.state_machine import consent_for_care
from tests.conftest import World
from tests.trajectories.test_flow import grant

AP = AccessPoint(channel="web", address="127.0.0.1")
Login = Callable[[User], HttpClient]


def _allocated(world: World) -> Trajectory:
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    return grant(world, trajectory)


def test_fifteen_needs_young_person_and_parent(contracted: World, login: Login) -> None:
    world = contracted
    trajectory = _allocated(world)
    status = selectors.consent_status(actor=world.jongere, client=world.own, access_point=AP)
    assert [party.role for party in status.parties] == ["jongere", "ouder"]
    assert len(status.care_missing) == 2

    http = login(world.jongere)
    page = http.get(reverse("privacy:consent"))
    assert page.status_code == 200
    assert "Still needed from" in page.content.decode()
    http.post(reverse("privacy:consent_change", args=[trajectory.public_id]), {"action": "give_care"})
    assert consent_for_care(trajectory, today(), {}) is not None  # the parent is still missing

    http = login(world.ouder)
    http.post(reverse("privacy:consent_change", args=[trajectory.public_id]), {"action": "give_care"})
    agreement = Agreement.objects.get(trajectory=trajectory, given_as="ouder")
    assert agreement.given_by == world.ouder and agreement.recorded_by == world.ouder
    assert consent_for_care(trajectory, today(), {}) is None
    status = selectors.consent_status(actor=world.ouder, client=world.own, access_point=AP)
    assert status.care_missing == []

    # Withdrawing blocks care again.
    http.post(reverse("privacy:consent_change", args=[trajectory.public_id]), {"action": "revoke_care"})
    assert consent_for_care(trajectory, today(), {}) is not None


def test_sixteen_on_the_birthday_the_young_person_alone(contracted: World, login: Login) -> None:
    world = contracted
    world.own.birth_date = years_before(today(), 16)
    world.own.save()
    trajectory = _allocated(world)
    status = selectors.consent_status(actor=world.jongere, client=world.own, access_point=AP)
    assert [party.role for party in status.parties] == ["jongere"]
    login(world.jongere).post(reverse("privacy:consent_change", args=[trajectory.public_id]), {"action": "give_care"})
    assert consent_for_care(trajectory, today(), {}) is None
    # The day before the birthday the parent was still needed.
    day_before = today().toordinal() - 1
    from datetime import date

    status = selectors.consent_status(
        actor=world.jongere, client=world.own, access_point=AP, on=date.fromordinal(day_before)
    )
    assert [party.role for party in status.parties] == ["jongere", "ouder"]


def test_parent_access_toggled_by_the_young_person_of_sixteen(world: World, login: Login) -> None:
    world.own.birth_date = years_before(today(), 17)
    world.own.save()
    assert policy.DataKind.CLINICAL not in policy.kinds_visible(world.ouder, world.own)
    http = login(world.jongere)
    page = http.get(reverse("privacy:consent")).content.decode()
    assert "May my parents see my file?" in page
    relation = world.own.gezag_relations.get(parent=world.ouder)
    http.post(reverse("privacy:parent_access"), {"relation": relation.pk, "allow": "yes"})
    assert policy.DataKind.CLINICAL in policy.kinds_visible(world.ouder, world.own)
    http.post(reverse("privacy:parent_access"), {"relation": relation.pk, "allow": "no"})
    assert policy.DataKind.CLINICAL not in policy.kinds_visible(world.ouder, world.own)


def test_professionals_have_no_consent_screen(world: World, login: Login) -> None:
    assert login(world.coach).get(reverse("privacy:consent")).status_code == 404
