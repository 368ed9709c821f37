"""Staff accounts without the Django admin: an organisation's administrator (a beheerder linked to a
provider or a municipality) invites, deactivates and reactivates the staff of its own organisation."""

from collections.abc import Callable

import pytest
from django.test import Client as HttpClient

from coachcare.access import policy
from coachcare.accounts import services
from coachcare.accounts.models import Invitation, Role, User
from coachcare.audit.services import AccessPoint
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import World
from tests.mail import SmtpInbox
from tests.providers.factories import ProviderFactory, TeamFactory

HERE = AccessPoint(channel="web", address="127.0.0.1")
GOOD_PASSWORD = "a long walk on the beach 42"


@pytest.fixture
def provider_admin(world: World) -> User:
    return UserFactory.create(beheerder=True, provider=world.provider, username="provider_admin")


@pytest.fixture
def municipality_admin(world: World) -> User:
    return UserFactory.create(beheerder=True, municipality=world.municipality_a, username="municipality_admin")


def test_a_provider_admin_invites_a_coach_into_a_team_who_then_enrols_totp(
    world: World, provider_admin: User, login: Callable[[User], HttpClient], smtp_server: SmtpInbox
) -> None:
    http = login(provider_admin)
    response = http.post(
        "/staff/", {"first_name": "Kim", "email": "kim@example.org", "role": Role.COACH, "team": world.team_2.pk}
    )
    assert response.status_code == 302
    [received] = smtp_server.wait_for(1)
    assert received.subject == "Uw uitnodiging voor coachcare" and "Beste Kim," in received.body
    assert "Kim" in http.get("/staff/").content.decode()
    http.logout()
    path = received.link().removeprefix("http://localhost:8000")
    http.get(path)
    accepted = http.post("/accounts/invitation/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert accepted["Location"] == "/accounts/2fa/setup/"
    kim = User.objects.get(username="kim@example.org")
    assert (kim.role, kim.team, kim.provider) == (Role.COACH, world.team_2, world.provider)
    # Until TOTP is enrolled every page leads to the second factor.
    assert http.get("/").status_code == 302


def test_the_list_shows_only_the_own_organisation(
    world: World, provider_admin: User, login: Callable[[User], HttpClient]
) -> None:
    other = UserFactory.create(coach=True, team=TeamFactory.create(provider=ProviderFactory.create()))
    page = login(provider_admin).get("/staff/").content.decode()
    assert world.coach.email in page and world.teamleider.email in page
    assert other.email not in page and world.toegang.email not in page


def test_a_provider_admin_cannot_invite_outside_its_organisation(world: World, provider_admin: User) -> None:
    foreign_team = TeamFactory.create(provider=ProviderFactory.create())
    for target in (
        services.StaffTarget(role=Role.COACH, team=foreign_team),
        services.StaffTarget(role=Role.GEMEENTE_TOEGANG, municipality=world.municipality_a),
        services.StaffTarget(role=Role.BEHEERDER),
    ):
        with pytest.raises(policy.AccessDenied):
            services.invitation_create(
                actor=provider_admin, target=target, first_name="X", email="x@example.org", access_point=HERE
            )
    assert not Invitation.objects.exists()


def test_the_form_offers_only_the_roles_and_teams_of_the_organisation(
    world: World, provider_admin: User, login: Callable[[User], HttpClient]
) -> None:
    foreign_team = TeamFactory.create(provider=ProviderFactory.create())
    http = login(provider_admin)
    response = http.post(
        "/staff/", {"first_name": "X", "email": "x@example.org", "role": Role.COACH, "team": foreign_team.pk}
    )
    assert response.status_code == 200 and "team" in response.context["form"].errors
    response = http.post("/staff/", {"first_name": "X", "email": "x@example.org", "role": Role.GEMEENTE_BELEID})
    assert "role" in response.context["form"].errors
    response = http.post("/staff/", {"first_name": "X", "email": "x@example.org", "role": Role.TEAMLEIDER})
    assert "team" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_a_municipality_admin_invites_access_and_policy_staff(
    world: World, municipality_admin: User, login: Callable[[User], HttpClient]
) -> None:
    http = login(municipality_admin)
    page = http.get("/staff/")
    assert "team" not in page.context["form"].fields
    assert world.toegang.email in page.content.decode() and world.toegang_other.email not in page.content.decode()
    http.post("/staff/", {"first_name": "Ali", "email": "ali@example.org", "role": Role.GEMEENTE_TOEGANG})
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.municipality) == (Role.GEMEENTE_TOEGANG, world.municipality_a)
    response = http.post("/staff/", {"first_name": "Bo", "email": "bo@example.org", "role": Role.COACH})
    assert "role" in response.context["form"].errors


def test_deactivate_and_reactivate(world: World, provider_admin: User, login: Callable[[User], HttpClient]) -> None:
    http = login(provider_admin)
    assert http.post(f"/staff/{world.coach.pk}/active/", {"active": "no"}).status_code == 400
    assert http.post(f"/staff/{world.coach.pk}/active/").status_code == 400
    world.coach.refresh_from_db()
    assert world.coach.is_active
    http.post(f"/staff/{world.coach.pk}/active/", {"active": "0"})
    world.coach.refresh_from_db()
    assert not world.coach.is_active
    refused = HttpClient().post("/accounts/login/", {"username": "coach", "password": PASSWORD})
    assert refused.status_code == 200 and refused.context["form"].errors
    http.post(f"/staff/{world.coach.pk}/active/", {"active": "1"})
    world.coach.refresh_from_db()
    assert world.coach.is_active


def test_nobody_acts_on_their_own_account_or_another_organisation(
    world: World, provider_admin: User, municipality_admin: User, login: Callable[[User], HttpClient]
) -> None:
    http = login(provider_admin)
    assert http.post(f"/staff/{provider_admin.pk}/active/", {"active": "0"}).status_code == 404
    assert http.post(f"/staff/{world.toegang.pk}/active/", {"active": "0"}).status_code == 404
    assert http.post(f"/staff/{municipality_admin.pk}/active/", {"active": "0"}).status_code == 404
    with pytest.raises(policy.AccessDenied):
        services.staff_member_set_active(actor=provider_admin, member=provider_admin, active=False)
    assert User.objects.filter(is_active=True, pk__in=[provider_admin.pk, world.toegang.pk]).count() == 2


def test_resend_and_revoke_a_staff_invitation(
    world: World, provider_admin: User, login: Callable[[User], HttpClient], smtp_server: SmtpInbox
) -> None:
    http = login(provider_admin)
    http.post(
        "/staff/", {"first_name": "Kim", "email": "kim@example.org", "role": Role.TEAMLEIDER, "team": world.team_1.pk}
    )
    first = Invitation.objects.get()
    http.post(f"/staff/invitations/{first.pk}/resend/")
    assert len(smtp_server.wait_for(2)) == 2
    second = Invitation.objects.get(revoked_at__isnull=True)
    http.post(f"/staff/invitations/{second.pk}/revoke/")
    assert not Invitation.objects.filter(revoked_at__isnull=True).exists()
    other_admin = UserFactory.create(beheerder=True, provider=ProviderFactory.create())
    assert login(other_admin).post(f"/staff/invitations/{second.pk}/resend/").status_code == 404


@pytest.mark.parametrize("key", ["beheerder", "coach", "teamleider", "toegang", "jongere"])
def test_only_an_organisation_s_administrator_has_the_page(
    world: World, login: Callable[[User], HttpClient], key: str
) -> None:
    http = login(world.user(key))
    assert http.get("/staff/").status_code == 403
    assert 'href="/staff/"' not in http.get("/").content.decode()


def test_the_page_needs_the_second_factor(world: World, provider_admin: User, client: HttpClient) -> None:
    client.force_login(provider_admin)
    assert client.get("/staff/")["Location"].startswith("/accounts/verify/")
    client.post(f"/staff/{world.coach.pk}/active/", {"active": "0"})
    world.coach.refresh_from_db()
    assert world.coach.is_active


def test_the_navigation_links_the_page(provider_admin: User, login: Callable[[User], HttpClient]) -> None:
    assert 'href="/staff/"' in login(provider_admin).get("/").content.decode()
