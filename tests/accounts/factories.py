import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.accounts.models import Role, User
from tests.factories import nl
from tests.municipalities.factories import MunicipalityFactory
from tests.providers.factories import TeamFactory

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A user; the role comes from a trait (``UserFactory.create(coach=True)``), a jongere by default."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = nl("first_name")
    last_name = nl("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    password = factory.django.Password(PASSWORD)
    role = Role.JONGERE
    is_active = True
    is_staff = False

    class Params:
        jongere = factory.Trait(role=Role.JONGERE)
        ouder = factory.Trait(role=Role.OUDER)
        coach = factory.Trait(
            role=Role.COACH,
            team=factory.SubFactory(TeamFactory),
            provider=factory.SelfAttribute("team.provider"),
        )
        teamleider = factory.Trait(
            role=Role.TEAMLEIDER,
            team=factory.SubFactory(TeamFactory),
            provider=factory.SelfAttribute("team.provider"),
        )
        toegang = factory.Trait(role=Role.GEMEENTE_TOEGANG, municipality=factory.SubFactory(MunicipalityFactory))
        beleid = factory.Trait(role=Role.GEMEENTE_BELEID, municipality=factory.SubFactory(MunicipalityFactory))
        beheerder = factory.Trait(role=Role.BEHEERDER, is_staff=True)


class TOTPDeviceFactory(factory.django.DjangoModelFactory[TOTPDevice]):
    """A confirmed authenticator app (random key, as django-otp makes it)."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory, coach=True)
    name = "authenticator"
    confirmed = True


def totp_code(device: TOTPDevice, *, drift: int = 0) -> str:
    """The code the user's authenticator app shows now (``drift`` steps later or earlier)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + drift)
    return f"{totp.token():0{device.digits}d}"
