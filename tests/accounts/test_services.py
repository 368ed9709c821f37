import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.accounts import services
from coachcare.accounts.models import Role, User
from tests.accounts.factories import TOTPDeviceFactory, UserFactory, totp_code
from tests.municipalities.factories import MunicipalityFactory
from tests.providers.factories import ProviderFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_user_create_coach_takes_provider_from_team() -> None:
    team = TeamFactory.create()

    user = services.user_create(username="c", password="lang-genoeg-wachtwoord", role=Role.COACH, team=team)

    assert user.provider == team.provider
    assert user.check_password("lang-genoeg-wachtwoord")
    assert user.is_professional
    assert not user.is_staff


def test_user_create_drops_links_that_do_not_fit_the_role() -> None:
    user = services.user_create(
        username="j",
        password="x" * 12,
        role=Role.JONGERE,
        team=TeamFactory.create(),
        municipality=MunicipalityFactory.create(),
    )

    assert (user.team, user.provider, user.municipality) == (None, None, None)
    assert not user.is_professional


def test_beheerder_is_staff_not_superuser() -> None:
    user = services.user_create(username="b", password="x" * 12, role=Role.BEHEERDER)

    assert user.is_staff
    assert not user.is_superuser


@pytest.mark.parametrize(
    ("role", "field"), [(Role.COACH, "team"), (Role.TEAMLEIDER, "team"), (Role.GEMEENTE_BELEID, "municipality")]
)
def test_user_create_requires_organisation(role: Role, field: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.user_create(username="x", password="x" * 12, role=role)

    assert field in exc_info.value.message_dict


@pytest.mark.parametrize(
    "values",
    [
        {"role": "hacker"},
        {"role": Role.GEMEENTE_TOEGANG, "municipality": None},
        {"role": Role.COACH, "team": None, "provider": None},
    ],
)
def test_database_constraints_on_roles(values: dict[str, object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="constraint", **values)


def test_totp_base32_round_trip() -> None:
    user = UserFactory.create(coach=True)

    device = services.totp_device_set(user=user, base32_secret="MNXWCY3IMNQXEZJNMRSW23ZNORXXI4BB")

    assert device.confirmed
    assert services.totp_device_base32(device) == "MNXWCY3IMNQXEZJNMRSW23ZNORXXI4BB"
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_totp_bad_secret() -> None:
    with pytest.raises(ValidationError):
        services.totp_key_from_base32("not base32!")


def test_totp_confirm_removes_other_devices() -> None:
    user = UserFactory.create(coach=True)
    old = TOTPDeviceFactory.create(user=user, confirmed=False, name="old")
    device = services.totp_device_for_setup(user=user)
    assert device == old  # an unconfirmed device is reused
    code = totp_code(device)

    assert services.totp_device_confirm(user=user, device=device, token=code)

    assert list(TOTPDevice.objects.filter(user=user)) == [device]


def test_totp_confirm_refuses_device_of_another_user() -> None:
    device = TOTPDeviceFactory.create(confirmed=False)

    assert not services.totp_device_confirm(user=UserFactory.create(coach=True), device=device, token=totp_code(device))


def test_an_administrator_administers_at_most_one_organisation() -> None:
    provider = ProviderFactory.create()
    municipality = MunicipalityFactory.create()
    admin = services.user_create(username="org-admin", password="x" * 12, role=Role.BEHEERDER, provider=provider)
    # An organisation's administrator works on /staff/, not in the Django admin of the whole platform.
    assert (admin.provider, admin.municipality, admin.is_staff) == (provider, None, False)
    platform = services.user_create(username="platform-admin", password="x" * 12, role=Role.BEHEERDER)
    assert platform.is_staff
    with pytest.raises(ValidationError):
        services.user_create(
            username="both", password="x" * 12, role=Role.BEHEERDER, provider=provider, municipality=municipality
        )
    # A provider on another role is ignored: a coach's provider is their team's.
    team = TeamFactory.create()
    coach = services.user_create(username="c", password="x" * 12, role=Role.COACH, team=team, provider=provider)
    assert coach.provider == team.provider
