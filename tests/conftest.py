"""Shared fixtures: a small world of organisations, people and files, and logged-in test clients."""

import dataclasses
from collections.abc import Callable, Iterator

import factory.random
import pytest
from django.core.cache import cache
from django.test import Client as HttpClient
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider, Team
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory, GezagRelationFactory
from tests.mail import smtp_server  # noqa: F401 - a fixture for every test package
from tests.municipalities.factories import MunicipalityFactory
from tests.providers.factories import ProviderFactory, TeamFactory


@pytest.fixture(autouse=True, scope="session")
def _reproducible_fake_data() -> None:
    factory.random.reseed_random("coachcare")


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """What one test cached (aggregates, unread badges: keyed by ids, which are reused) must not
    answer another."""
    cache.clear()
    yield
    cache.clear()


def verify_second_factor(http: HttpClient, user: User) -> TOTPDevice:
    """Mark the session as having passed TOTP, as ``django_otp.login`` does after a right code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def log_in(http: HttpClient, user: User) -> HttpClient:
    """Log a user in on a test client; professionals also pass the second factor."""
    http.force_login(user)
    if user.is_professional:
        verify_second_factor(http, user)
    return http


@pytest.fixture
def login(client: HttpClient) -> Callable[[User], HttpClient]:
    """``login(user)`` logs ``user`` in on the test client (second factor included) and returns it."""

    def _login(user: User) -> HttpClient:
        client.logout()
        return log_in(client, user)

    return _login


@dataclasses.dataclass
class World:
    """Two municipalities, one provider with two teams, one person per role and their files.

    Clients (all 15 today unless said otherwise):
    - ``own``: on coach ``coach``'s caseload (team 1), lives in municipality A, has the jongere
      account ``jongere`` and a parent with gezag ``ouder`` and a parent without gezag.
    - ``team``: team 1, caseload of ``colleague``, municipality A.
    - ``other_team``: team 2, caseload of ``coach_other_team``, municipality B, account ``jongere_other``.
    """

    municipality_a: Municipality
    municipality_b: Municipality
    provider: Provider
    team_1: Team
    team_2: Team
    coach: User
    colleague: User
    coach_other_team: User
    teamleider: User
    teamleider_other_team: User
    toegang: User
    toegang_other: User
    beleid: User
    beheerder: User
    jongere: User
    jongere_other: User
    ouder: User
    ouder_zonder_gezag: User
    inactive_coach: User
    own: Client
    team: Client
    other_team: Client

    def user(self, key: str) -> User:
        value = getattr(self, key)
        assert isinstance(value, User)
        return value

    def client(self, key: str) -> Client:
        value = getattr(self, key)
        assert isinstance(value, Client)
        return value

    @property
    def clients(self) -> list[Client]:
        return [self.own, self.team, self.other_team]


@pytest.fixture
def world(db: None) -> World:
    municipality_a = MunicipalityFactory.create(code="0344", name="Utrecht")
    municipality_b = MunicipalityFactory.create(code="0363", name="Amsterdam")
    provider = ProviderFactory.create()
    team_1 = TeamFactory.create(provider=provider, name="Team Utrecht")
    team_2 = TeamFactory.create(provider=provider, name="Team Amsterdam")
    coach = UserFactory.create(coach=True, team=team_1, username="coach")
    colleague = UserFactory.create(coach=True, team=team_1, username="colleague")
    coach_other_team = UserFactory.create(coach=True, team=team_2, username="coach_other_team")
    jongere = UserFactory.create(jongere=True, username="jongere")
    jongere_other = UserFactory.create(jongere=True, username="jongere_other")
    ouder = UserFactory.create(ouder=True, username="ouder")
    ouder_zonder_gezag = UserFactory.create(ouder=True, username="ouder_zonder_gezag")
    own = ClientFactory.create(coach=coach, municipality=municipality_a, user=jongere)
    team = ClientFactory.create(coach=colleague, municipality=municipality_a)
    other_team = ClientFactory.create(coach=coach_other_team, municipality=municipality_b, user=jongere_other)
    GezagRelationFactory.create(client=own, parent=ouder, has_gezag=True)
    GezagRelationFactory.create(client=own, parent=ouder_zonder_gezag, has_gezag=False)
    return World(
        municipality_a=municipality_a,
        municipality_b=municipality_b,
        provider=provider,
        team_1=team_1,
        team_2=team_2,
        coach=coach,
        colleague=colleague,
        coach_other_team=coach_other_team,
        teamleider=UserFactory.create(teamleider=True, team=team_1, username="teamleider"),
        teamleider_other_team=UserFactory.create(teamleider=True, team=team_2, username="teamleider_other_team"),
        toegang=UserFactory.create(toegang=True, municipality=municipality_a, username="toegang"),
        toegang_other=UserFactory.create(toegang=True, municipality=municipality_b, username="toegang_other"),
        beleid=UserFactory.create(beleid=True, municipality=municipality_a, username="beleid"),
        beheerder=UserFactory.create(beheerder=True, username="beheerder"),
        jongere=jongere,
        jongere_other=jongere_other,
        ouder=ouder,
        ouder_zonder_gezag=ouder_zonder_gezag,
        inactive_coach=UserFactory.create(coach=True, team=team_1, username="inactive_coach", is_active=False),
        own=own,
        team=team,
        other_team=other_team,
    )
