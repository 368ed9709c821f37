"""Staff accounts without the Django admin: an organisation's administrator (a beheerder linked to a
provider or a municipality) invites, deactivates and reactivates the staff of its own organisation."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient

from coachcare.access import policy
from coachcare.accounts import services
from coachcare.accounts.models import Invitation, Role, User, UserChangeRequest
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
def second_provider_admin(world: World) -> User:
    return UserFactory.create(beheerder=True, provider=world.provider, username="second_provider_admin")


@pytest.fixture
def other_provider_admin() -> User:
    return UserFactory.create(beheerder=True, provider=ProviderFactory.create(), username="other_provider_admin")


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


# Team changes: a four-eyes request through accounts.services.user_change_request_*.


def test_a_team_change_takes_effect_when_a_second_admin_of_the_provider_approves(
    world: World,
    provider_admin: User,
    second_provider_admin: User,
    login: Callable[[User], HttpClient],
    smtp_server: SmtpInbox,
) -> None:
    http = login(provider_admin)
    assert "Team wijzigen" in http.get("/staff/").content.decode()
    response = http.post(f"/staff/{world.coach.pk}/team/", {"team": world.team_2.pk})
    assert response.status_code == 302
    [change_request] = UserChangeRequest.objects.filter(target=world.coach)
    assert (change_request.status, change_request.new_role, change_request.new_team) == (
        UserChangeRequest.Status.PENDING,
        Role.COACH,
        world.team_2,
    )
    # Nothing changes before approval, and nobody is told yet.
    world.coach.refresh_from_db()
    assert world.coach.team == world.team_1
    assert smtp_server.messages == []
    # The requester cannot approve its own request.
    assert http.post(f"/staff/requests/{change_request.pk}/approve/").status_code == 403
    world.coach.refresh_from_db()
    assert world.coach.team == world.team_1
    http.logout()

    http = login(second_provider_admin)
    page = http.get("/staff/").content.decode()
    assert "Teamwijzigingen die wachten op goedkeuring" in page and "Team Amsterdam" in page
    assert http.post(f"/staff/requests/{change_request.pk}/approve/").status_code == 302
    world.coach.refresh_from_db()
    assert (world.coach.role, world.coach.team, world.coach.provider) == (Role.COACH, world.team_2, world.provider)
    change_request.refresh_from_db()
    assert (change_request.status, change_request.decided_by) == (
        UserChangeRequest.Status.APPROVED,
        second_provider_admin,
    )
    [received] = smtp_server.wait_for(1)
    assert received.recipients == [world.coach.email] and received.subject == "Wijziging van het coachcare-account"
    # Content-free: neither team is named.
    assert "Team Amsterdam" not in received.body and "Team Utrecht" not in received.body


def test_the_requester_may_withdraw_and_the_service_refuses_its_own_approval(
    world: World, provider_admin: User
) -> None:
    change_request = services.user_change_request_create(
        actor=provider_admin,
        target=world.teamleider,
        kind=UserChangeRequest.Kind.ROLE,
        role=Role.TEAMLEIDER,
        team=world.team_2,
        access_point=HERE,
    )
    with pytest.raises(policy.AccessDenied):
        services.user_change_request_approve(actor=provider_admin, change_request=change_request, access_point=HERE)
    services.user_change_request_reject(actor=provider_admin, change_request=change_request, access_point=HERE)
    change_request.refresh_from_db()
    world.teamleider.refresh_from_db()
    assert change_request.status == UserChangeRequest.Status.REJECTED
    assert world.teamleider.team == world.team_1


def test_an_admin_of_another_provider_can_neither_request_nor_decide(
    world: World,
    provider_admin: User,
    other_provider_admin: User,
    login: Callable[[User], HttpClient],
) -> None:
    other_team = TeamFactory.create(provider=other_provider_admin.provider)
    with pytest.raises(ValidationError):
        services.user_change_request_create(
            actor=other_provider_admin,
            target=world.coach,
            kind=UserChangeRequest.Kind.ROLE,
            role=Role.COACH,
            team=other_team,
            access_point=HERE,
        )
    change_request = services.user_change_request_create(
        actor=provider_admin,
        target=world.coach,
        kind=UserChangeRequest.Kind.ROLE,
        role=Role.COACH,
        team=world.team_2,
        access_point=HERE,
    )
    http = login(other_provider_admin)
    assert http.post(f"/staff/{world.coach.pk}/team/", {"team": other_team.pk}).status_code == 404
    assert http.post(f"/staff/requests/{change_request.pk}/approve/").status_code == 404
    with pytest.raises(policy.AccessDenied):
        services.user_change_request_approve(
            actor=other_provider_admin, change_request=change_request, access_point=HERE
        )
    with pytest.raises(policy.AccessDenied):
        services.user_change_request_reject(
            actor=other_provider_admin, change_request=change_request, access_point=HERE
        )
    change_request.refresh_from_db()
    world.coach.refresh_from_db()
    assert change_request.status == UserChangeRequest.Status.PENDING
    assert world.coach.team == world.team_1


def test_a_team_of_another_provider_or_another_change_is_refused(
    world: World, provider_admin: User, municipality_admin: User, login: Callable[[User], HttpClient]
) -> None:
    foreign_team = TeamFactory.create(provider=ProviderFactory.create())
    attempts: list[dict[str, object]] = [
        {"target": world.coach, "role": Role.COACH, "team": foreign_team},  # a team of another provider
        {"target": world.coach, "role": Role.TEAMLEIDER, "team": world.team_2},  # another role
        {"target": provider_admin, "role": Role.BEHEERDER, "team": world.team_2},  # oneself
        {"target": world.toegang, "role": Role.GEMEENTE_TOEGANG, "team": None},  # a role it does not manage
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            services.user_change_request_create(
                actor=provider_admin,
                kind=UserChangeRequest.Kind.ROLE,
                access_point=HERE,
                **attempt,  # type: ignore[arg-type]
            )
    with pytest.raises(ValidationError):
        services.user_change_request_create(
            actor=municipality_admin,
            target=world.coach,
            kind=UserChangeRequest.Kind.ROLE,
            role=Role.COACH,
            team=world.team_2,
            access_point=HERE,
        )
    # The form posts only teams of the own provider; a foreign one, or no number, changes nothing.
    http = login(provider_admin)
    assert http.post(f"/staff/{world.coach.pk}/team/", {"team": foreign_team.pk}).status_code == 302
    assert http.post(f"/staff/{world.coach.pk}/team/", {"team": "x"}).status_code == 302
    assert not UserChangeRequest.objects.exists()
    world.coach.refresh_from_db()
    assert world.coach.team == world.team_1


def test_a_platform_administrator_still_decides_on_an_organisation_s_request(
    world: World, provider_admin: User
) -> None:
    platform_admin = UserFactory.create(beheerder=True, username="platform_admin")
    change_request = services.user_change_request_create(
        actor=provider_admin,
        target=world.coach,
        kind=UserChangeRequest.Kind.ROLE,
        role=Role.COACH,
        team=world.team_2,
        access_point=HERE,
    )
    services.user_change_request_approve(actor=platform_admin, change_request=change_request, access_point=HERE)
    world.coach.refresh_from_db()
    assert world.coach.team == world.team_2
