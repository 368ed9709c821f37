"""``manage.py seed_demo``: the documented demo accounts, repeatable, refused on a real server."""

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.access.consent import consent_parties
from coachcare.accounts.models import Role, User
from coachcare.accounts.services import totp_device_base32
from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import Client, GezagRelation
from coachcare.core.dates import age_on, today
from coachcare.demo.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_bsns
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider, Team

pytestmark = pytest.mark.django_db

ACCOUNTS = {
    "beheerder": Role.BEHEERDER,
    "beheerder-aanbieder": Role.BEHEERDER,
    "beheerder-gemeente": Role.BEHEERDER,
    "coach": Role.COACH,
    "teamleider": Role.TEAMLEIDER,
    "toegang": Role.GEMEENTE_TOEGANG,
    "beleid": Role.GEMEENTE_BELEID,
    "jongere15": Role.JONGERE,
    "jongere17": Role.JONGERE,
    "ouder": Role.OUDER,
}


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, Client, GezagRelation, TOTPDevice, Municipality, Provider, Team, AccessLogEntry)
    }


@pytest.fixture
def seeded() -> None:
    call_command("seed_demo", "--force", "--history", "0")


def test_demo_accounts_exist_with_the_published_password(seeded: None) -> None:
    for username, role in ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert user.role == role, username
        assert user.check_password(DEMO_PASSWORD), username


def test_professionals_have_the_published_totp_secret(seeded: None) -> None:
    for username, role in ACCOUNTS.items():
        devices = list(TOTPDevice.objects.filter(user__username=username))
        if role in {Role.JONGERE, Role.OUDER}:
            assert devices == [], username
        else:
            [device] = devices
            assert device.confirmed, username
            assert totp_device_base32(device) == DEMO_TOTP_SECRET, username


def test_demo_young_people_have_their_age_today(seeded: None) -> None:
    jongere15 = Client.objects.get(user__username="jongere15")
    jongere17 = Client.objects.get(user__username="jongere17")

    assert age_on(jongere15.birth_date, today()) == 15
    assert age_on(jongere17.birth_date, today()) == 17


def test_ouder_has_gezag_of_jongere15(seeded: None) -> None:
    relation = GezagRelation.objects.get(parent__username="ouder")

    assert relation.client.user is not None
    assert relation.client.user.username == "jongere15"
    assert relation.has_gezag


def test_no_demo_young_person_under_16_is_without_someone_with_gezag(seeded: None) -> None:
    """The demo 12- to 15-year-olds are not stuck on a missing parent: each has a family member
    with gezag (Yara's voogd is a gecertificeerde instelling, which consents instead of parents)."""
    under_16 = [client for client in Client.objects.all() if age_on(client.birth_date, today()) < 16]
    assert len(under_16) >= 4
    for client in under_16:
        parties = consent_parties(client=client, on=today())
        assert not parties.nobody_with_gezag, client.given_name
    yara = Client.objects.get(given_name="Yara")
    assert [carer.kind for carer in consent_parties(client=yara, on=today()).carers] == [GezagRelation.Kind.GI]


def test_demo_organisation_links(seeded: None) -> None:
    coach = User.objects.get(username="coach")
    toegang = User.objects.get(username="toegang")

    assert coach.team is not None
    assert coach.team.name == "Team Utrecht"
    assert toegang.municipality is not None
    assert toegang.municipality.code == "0344"
    assert Client.objects.filter(coach=coach).count() == Client.objects.count() == 11
    # one demo client lives in Amsterdam: the Utrecht access team does not see her
    assert Client.objects.exclude(municipality__code="0344").count() == 1
    # the organisations' administrators of staff accounts; the platform's beheerder has no organisation
    provider_admin = User.objects.get(username="beheerder-aanbieder")
    municipality_admin = User.objects.get(username="beheerder-gemeente")
    assert (provider_admin.provider, provider_admin.municipality) == (coach.provider, None)
    assert (municipality_admin.provider, municipality_admin.municipality) == (None, toegang.municipality)
    assert User.objects.get(username="beheerder").provider is None


def test_demo_bsns_are_valid_and_from_the_test_range() -> None:
    bsns = demo_bsns(11)

    assert len(set(bsns)) == 11
    assert all(b.startswith("99999") for b in bsns)


def test_running_twice_changes_nothing(seeded: None) -> None:
    before = _counts()

    call_command("seed_demo", "--force", "--history", "0")

    assert _counts() == before


def test_refuses_without_debug_and_without_force(settings: Any) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--history", "0")

    assert not User.objects.exists()


def test_runs_with_debug(settings: Any) -> None:
    settings.DEBUG = True

    call_command("seed_demo", "--history", "0")

    assert User.objects.filter(username__in=ACCOUNTS).count() == len(ACCOUNTS)


def test_the_demo_coach_can_read_the_demo_files(seeded: None, client: HttpClient) -> None:
    from django.urls import reverse

    from tests.conftest import log_in

    coach = User.objects.get(username="coach")
    jongere15 = Client.objects.get(user__username="jongere15")
    log_in(client, coach)

    response = client.get(reverse("clients:detail", kwargs={"public_id": jongere15.public_id}))

    assert response.status_code == 200
    assert response.context["file"].bsn == jongere15.bsn
