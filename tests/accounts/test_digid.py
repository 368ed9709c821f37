"""Logging in with DigiD through an OIDC broker, against a real OpenID provider process (oidc-provider-mock).

Our side runs in Django's test client; the provider's side over HTTP: the provider is told which
claims (BSN, level of assurance) the next login asserts, its authorization form is submitted, and
its redirect is followed back into our callback. Nothing about the HTTP exchange is mocked.
"""

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from coachcare.accounts import digid
from coachcare.accounts.models import User
from coachcare.clients import selectors
from coachcare.clients.models import Client
from coachcare.clients.services import bsn_hash
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.oidc_provider import OidcProvider, oidc_provider_running
from tests.clients.factories import ClientFactory, GezagRelationFactory
from tests.factories import next_bsn

LOGIN = reverse("accounts:login")
DIGID_LOGIN = reverse("accounts:digid-login")
DIGID_CALLBACK = reverse("accounts:digid-callback")
HOME = reverse("core:home")

SUBSTANTIEEL = "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard"
HOOG = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
MIDDEN = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[OidcProvider]:
    """One provider process for the module (starting it takes about a second)."""
    with oidc_provider_running() as provider:
        yield provider


@pytest.fixture
def broker(settings: Any, oidc_provider: OidcProvider) -> OidcProvider:
    """DigiD configured against the provider, as an operator would: discovery URL, client id, secret."""
    settings.COACHCARE_OIDC_DISCOVERY_URL = oidc_provider.discovery_url
    settings.COACHCARE_OIDC_CLIENT_ID = "coachcare-test"
    settings.COACHCARE_OIDC_CLIENT_SECRET = "test-only-secret"
    return oidc_provider


def start(http: HttpClient, *, next_url: str | None = None) -> str:
    """Click "Log in with DigiD": the URL of the broker's authorization page."""
    response = http.get(DIGID_LOGIN, {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def come_back(http: HttpClient, redirect: str) -> Any:
    """Follow the broker's redirect into our callback."""
    parts = urlsplit(redirect)
    assert parts.netloc == "testserver"
    assert parts.path == DIGID_CALLBACK
    return http.get(f"{parts.path}?{parts.query}")


def digid_login(
    http: HttpClient, provider: OidcProvider, *, claims: dict[str, Any], next_url: str | None = None
) -> Any:
    sub = f"digid-{uuid4()}"
    provider.set_user(sub, claims)
    return come_back(http, provider.authorize(start(http, next_url=next_url), sub))


def logged_in_user_id(http: HttpClient) -> int | None:
    value = http.session.get("_auth_user_id")
    return int(value) if value is not None else None


def refusal_of(response: Any) -> str:
    assert response.status_code == 403
    content: str = response.content.decode()
    marker = 'data-refusal="'
    assert marker in content
    return content.split(marker, 1)[1].split('"', 1)[0]


# --- Off unless configured -------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_broker_there_is_no_button_and_no_digid_login(client: HttpClient) -> None:
    page = client.get(LOGIN)

    assert page.status_code == 200
    assert DIGID_LOGIN not in page.content.decode()
    assert client.get(DIGID_LOGIN).status_code == 404
    assert client.get(DIGID_CALLBACK, {"code": "x", "state": "y"}).status_code == 404


@pytest.mark.django_db
def test_login_page_offers_digid_when_configured(client: HttpClient, broker: OidcProvider) -> None:
    page = client.get(LOGIN)

    assert DIGID_LOGIN in page.content.decode()
    assert "Inloggen met DigiD" in page.content.decode()


@pytest.mark.django_db
def test_password_login_still_works_next_to_the_digid_backend(client: HttpClient, broker: OidcProvider) -> None:
    user = UserFactory.create(jongere=True)

    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user_id(client) == user.pk
    assert digid.SESSION_METHOD not in client.session


# --- The authorization request -----------------------------------------------------------------


@pytest.mark.django_db
def test_authorization_request_asks_for_the_level_and_protects_the_flow(
    client: HttpClient, broker: OidcProvider
) -> None:
    query = parse_qs(urlsplit(start(client)).query)

    assert query["client_id"] == ["coachcare-test"]
    assert query["scope"] == ["openid"]
    assert query["redirect_uri"] == [f"http://testserver{DIGID_CALLBACK}"]
    assert query["acr_values"] == [f"{SUBSTANTIEEL} {HOOG}"]
    assert query["state"] and query["nonce"]
    assert query["code_challenge_method"] == ["S256"]


# --- Who logs in -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_known_young_person_logs_in_and_the_level_is_remembered(
    client: HttpClient, broker: OidcProvider, caplog: pytest.LogCaptureFixture
) -> None:
    young = UserFactory.create(jongere=True)
    own = ClientFactory.create(user=young)
    users_before = User.objects.count()

    with caplog.at_level(logging.INFO, logger="coachcare.accounts"):
        response = digid_login(client, broker, claims={"bsn": own.bsn, "acr": SUBSTANTIEEL})

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert logged_in_user_id(client) == young.pk
    assert client.session[digid.SESSION_METHOD] == "digid"
    assert client.session[digid.SESSION_LOA] == "substantieel"
    assert client.get("/portal/").status_code == 200  # no second-factor step for a young person
    assert User.objects.count() == users_before
    assert f"DigiD login completed for user id {young.pk} at level substantieel" in caplog.text
    assert own.bsn not in caplog.text
    assert AccessLog.objects.filter(username=young.username).exists()  # django-axes records the login


@pytest.mark.django_db
def test_account_made_inactive_after_a_digid_login_loses_the_session(client: HttpClient, broker: OidcProvider) -> None:
    young = UserFactory.create(jongere=True)
    own = ClientFactory.create(user=young)
    digid_login(client, broker, claims={"bsn": own.bsn, "acr": SUBSTANTIEEL})
    assert client.get("/portal/").status_code == 200

    # As accounts.services deactivates an account (save(): the cached identity is forgotten at once;
    # tests/accounts/test_identity.py covers a bulk update).
    young.is_active = False
    young.save(update_fields=["is_active"])

    assert client.get("/portal/").status_code == 302


@pytest.mark.django_db
def test_level_hoog_is_accepted_and_next_is_followed(client: HttpClient, broker: OidcProvider) -> None:
    young = UserFactory.create(jongere=True)
    own = ClientFactory.create(user=young)

    response = digid_login(client, broker, claims={"bsn": own.bsn, "acr": HOOG}, next_url="/portal/")

    assert response["Location"] == "/portal/"
    assert client.session[digid.SESSION_LOA] == "hoog"


@pytest.mark.django_db
def test_bsn_claim_name_is_configurable(client: HttpClient, broker: OidcProvider, settings: Any) -> None:
    settings.COACHCARE_OIDC_BSN_CLAIM = "urn:nl-eid-gdi:1.0:id:BSN"
    young = UserFactory.create(jongere=True)
    own = ClientFactory.create(user=young)

    response = digid_login(client, broker, claims={"urn:nl-eid-gdi:1.0:id:BSN": own.bsn, "acr": SUBSTANTIEEL})

    assert response.status_code == 302
    assert logged_in_user_id(client) == young.pk


@pytest.mark.django_db
def test_parent_with_gezag_logs_in(client: HttpClient, broker: OidcProvider) -> None:
    """A parent is found by the BSN the coach recorded on their family-member record."""
    parent = UserFactory.create(ouder=True)
    parent_bsn = next_bsn()
    GezagRelationFactory.create(parent=parent, has_gezag=True, bsn=parent_bsn, bsn_hash=bsn_hash(parent_bsn))

    response = digid_login(client, broker, claims={"bsn": parent_bsn, "acr": SUBSTANTIEEL})

    assert response.status_code == 302
    assert logged_in_user_id(client) == parent.pk
    assert client.session[digid.SESSION_LOA] == "substantieel"


@pytest.mark.django_db
def test_parent_without_gezag_is_refused(client: HttpClient, broker: OidcProvider) -> None:
    parent = UserFactory.create(ouder=True)
    parent_bsn = next_bsn()
    GezagRelationFactory.create(parent=parent, has_gezag=False, bsn=parent_bsn, bsn_hash=bsn_hash(parent_bsn))

    response = digid_login(client, broker, claims={"bsn": parent_bsn, "acr": SUBSTANTIEEL})

    assert refusal_of(response) == "not_allowed"
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_a_family_member_without_an_account_is_not_found(db: None) -> None:
    """A BSN recorded for a parent who has no account yet finds nobody: nothing is created."""
    parent_bsn = next_bsn()
    GezagRelationFactory.create(parent=None, has_gezag=True, bsn=parent_bsn, bsn_hash=bsn_hash(parent_bsn))

    outcome = selectors.digid_account_for_bsn_hash(bsn_hash=bsn_hash(parent_bsn)).outcome

    assert outcome == selectors.DigidMatch.Outcome.UNKNOWN


@pytest.mark.django_db
def test_unknown_bsn_is_refused_and_nothing_is_created(
    client: HttpClient, broker: OidcProvider, caplog: pytest.LogCaptureFixture
) -> None:
    ClientFactory.create(user=UserFactory.create(jongere=True))
    unknown = next_bsn()
    users, clients = User.objects.count(), Client.objects.count()

    with caplog.at_level(logging.INFO, logger="coachcare.accounts"):
        response = digid_login(client, broker, claims={"bsn": unknown, "acr": SUBSTANTIEEL})

    assert refusal_of(response) == "unknown"
    assert "We konden geen account in coachcare voor je vinden" in response.content.decode()
    assert logged_in_user_id(client) is None
    assert (User.objects.count(), Client.objects.count()) == (users, clients)
    assert "DigiD login refused: unknown (level substantieel)" in caplog.text
    assert unknown not in caplog.text
    assert AccessFailureLog.objects.filter(path_info=DIGID_CALLBACK).exists()  # django-axes records the refusal


@pytest.mark.django_db
def test_young_person_without_an_account_is_refused_and_nothing_is_created(
    client: HttpClient, broker: OidcProvider
) -> None:
    file_only = ClientFactory.create(user=None)
    users = User.objects.count()

    response = digid_login(client, broker, claims={"bsn": file_only.bsn, "acr": SUBSTANTIEEL})

    assert refusal_of(response) == "no_account"
    assert logged_in_user_id(client) is None
    assert User.objects.count() == users
    file_only.refresh_from_db()
    assert file_only.user_id is None


@pytest.mark.django_db
def test_inactive_account_is_refused(client: HttpClient, broker: OidcProvider) -> None:
    own = ClientFactory.create(user=UserFactory.create(jongere=True, is_active=False))

    response = digid_login(client, broker, claims={"bsn": own.bsn, "acr": SUBSTANTIEEL})

    assert refusal_of(response) == "not_allowed"
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_professional_linked_to_a_file_never_logs_in_with_digid(client: HttpClient, broker: OidcProvider) -> None:
    """Only young people's and parents' accounts match a BSN; a coach keeps password and TOTP."""
    coach = UserFactory.create(coach=True)
    own = ClientFactory.create(user=coach)  # a data error: the file's account is a professional

    response = digid_login(client, broker, claims={"bsn": own.bsn, "acr": SUBSTANTIEEL})

    assert refusal_of(response) == "not_allowed"
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
@pytest.mark.parametrize("claims", [{"acr": SUBSTANTIEEL}, {"bsn": "123456789", "acr": SUBSTANTIEEL}])
def test_missing_or_invalid_bsn_is_refused(client: HttpClient, broker: OidcProvider, claims: dict[str, Any]) -> None:
    response = digid_login(client, broker, claims=claims)

    assert refusal_of(response) == "invalid_bsn"
    assert logged_in_user_id(client) is None


# --- Level of assurance ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("acr", [MIDDEN, "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport", None])
def test_level_below_substantieel_or_missing_is_refused(
    client: HttpClient, broker: OidcProvider, acr: str | None
) -> None:
    own = ClientFactory.create(user=UserFactory.create(jongere=True))
    claims: dict[str, Any] = {"bsn": own.bsn}
    if acr is not None:
        claims["acr"] = acr

    response = digid_login(client, broker, claims=claims)

    assert refusal_of(response) == "loa_too_low"
    assert "substantieel" in response.content.decode()
    assert logged_in_user_id(client) is None
    assert digid.SESSION_LOA not in client.session


@pytest.mark.django_db
def test_minimum_hoog_refuses_substantieel(client: HttpClient, broker: OidcProvider, settings: Any) -> None:
    settings.COACHCARE_OIDC_MIN_LOA = "hoog"
    own = ClientFactory.create(user=UserFactory.create(jongere=True))

    assert parse_qs(urlsplit(start(client)).query)["acr_values"] == [HOOG]
    response = digid_login(client, broker, claims={"bsn": own.bsn, "acr": SUBSTANTIEEL})

    assert refusal_of(response) == "loa_too_low"


@pytest.mark.django_db
def test_broker_specific_level_names_via_the_mapping(client: HttpClient, broker: OidcProvider, settings: Any) -> None:
    settings.COACHCARE_OIDC_LOA_CLAIM = "loa"
    settings.COACHCARE_OIDC_LOA_MAPPING = "urn:example:digid:app-idcheck=substantieel"
    young = UserFactory.create(jongere=True)
    own = ClientFactory.create(user=young)

    response = digid_login(client, broker, claims={"bsn": own.bsn, "loa": "urn:example:digid:app-idcheck"})

    assert response.status_code == 302
    assert logged_in_user_id(client) == young.pk


# --- The protocol: state, nonce, replay, issuer, cancel ------------------------------------------


@pytest.mark.django_db
def test_state_mismatch_is_refused(client: HttpClient, broker: OidcProvider) -> None:
    own = ClientFactory.create(user=UserFactory.create(jongere=True))
    sub = f"digid-{uuid4()}"
    broker.set_user(sub, {"bsn": own.bsn, "acr": SUBSTANTIEEL})
    redirect = broker.authorize(start(client), sub)
    query = parse_qs(urlsplit(redirect).query)

    response = client.get(DIGID_CALLBACK, {"code": query["code"][0], "state": "not-the-state-we-sent"})

    assert response.status_code == 400
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_callback_in_another_browser_is_refused(client: HttpClient, broker: OidcProvider) -> None:
    """A code sent to someone else's browser (login CSRF): that session has no matching state."""
    own = ClientFactory.create(user=UserFactory.create(jongere=True))
    sub = f"digid-{uuid4()}"
    broker.set_user(sub, {"bsn": own.bsn, "acr": SUBSTANTIEEL})
    redirect = broker.authorize(start(client), sub)

    other_browser = HttpClient()
    response = come_back(other_browser, redirect)

    assert refusal_of(response) == "failed"
    assert logged_in_user_id(other_browser) is None


@pytest.mark.django_db
def test_nonce_mismatch_is_refused(client: HttpClient, broker: OidcProvider) -> None:
    own = ClientFactory.create(user=UserFactory.create(jongere=True))
    sub = f"digid-{uuid4()}"
    broker.set_user(sub, {"bsn": own.bsn, "acr": SUBSTANTIEEL})
    authorization_url = start(client)
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    session = client.session
    session["oidc_states"][state]["nonce"] = "not-the-nonce-in-the-id-token"
    session.save()

    response = come_back(client, broker.authorize(authorization_url, sub))

    assert response.status_code == 400
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_replayed_callback_is_refused(client: HttpClient, broker: OidcProvider) -> None:
    young = UserFactory.create(jongere=True)
    own = ClientFactory.create(user=young)
    sub = f"digid-{uuid4()}"
    broker.set_user(sub, {"bsn": own.bsn, "acr": SUBSTANTIEEL})
    redirect = broker.authorize(start(client), sub)
    assert come_back(client, redirect).status_code == 302
    client.logout()

    response = come_back(client, redirect)

    assert response.status_code in {400, 403}
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_id_token_from_another_issuer_is_refused(client: HttpClient, broker: OidcProvider, settings: Any) -> None:
    settings.COACHCARE_OIDC_ISSUER = "https://another-broker.example"
    own = ClientFactory.create(user=UserFactory.create(jongere=True))

    response = digid_login(client, broker, claims={"bsn": own.bsn, "acr": SUBSTANTIEEL})

    assert response.status_code == 400
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_cancelled_at_the_broker(client: HttpClient, broker: OidcProvider) -> None:
    response = come_back(client, broker.deny(start(client)))

    assert refusal_of(response) == "cancelled"
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_broker_unreachable_gives_a_clear_page(client: HttpClient, settings: Any) -> None:
    settings.COACHCARE_OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    settings.COACHCARE_OIDC_CLIENT_ID = "coachcare-test"
    settings.COACHCARE_OIDC_TIMEOUT = 2

    response = client.get(DIGID_LOGIN)

    assert response.status_code == 503
    assert 'data-refusal="failed"' in response.content.decode()


# --- Configuration -----------------------------------------------------------------------------


def test_level_mapping_adds_to_the_defaults() -> None:
    mapping = digid.loa_mapping_parse("urn:x:level=a=hoog, basic=basis")

    assert mapping["urn:x:level=a"] is digid.Loa.HOOG
    assert mapping["basic"] is digid.Loa.BASIS
    assert mapping[SUBSTANTIEEL] is digid.Loa.SUBSTANTIEEL


@pytest.mark.parametrize("raw", ["urn:x=excellent", "no-level-here"])
def test_level_mapping_rejects_nonsense(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        digid.loa_mapping_parse(raw)


@pytest.mark.parametrize(
    ("minimum", "ok"), [("midden", False), ("basis", False), ("substantieel", True), ("HOOG", True)]
)
def test_minimum_level_cannot_be_below_substantieel(settings: Any, minimum: str, ok: bool) -> None:
    settings.COACHCARE_OIDC_MIN_LOA = minimum
    if ok:
        assert digid.minimum_loa() >= digid.Loa.SUBSTANTIEEL
    else:
        with pytest.raises(ImproperlyConfigured):
            digid.minimum_loa()


def test_system_check_refuses_a_low_minimum_or_missing_urls(settings: Any) -> None:
    settings.COACHCARE_OIDC_CLIENT_ID = "coachcare"
    settings.COACHCARE_OIDC_DISCOVERY_URL = ""
    settings.COACHCARE_OIDC_MIN_LOA = "midden"

    with pytest.raises(SystemCheckError) as raised:
        call_command("check")

    assert "coachcare.E020" in str(raised.value)
    assert "coachcare.E021" in str(raised.value)


def test_explicit_endpoints_without_discovery(settings: Any) -> None:
    settings.COACHCARE_OIDC_CLIENT_ID = "coachcare"
    settings.COACHCARE_OIDC_AUTHORIZATION_ENDPOINT = "https://broker.example/authorize"
    settings.COACHCARE_OIDC_TOKEN_ENDPOINT = "https://broker.example/token"
    settings.COACHCARE_OIDC_JWKS_URI = "https://broker.example/jwks"
    settings.COACHCARE_OIDC_ACR_VALUES = ""

    config = digid.digid_config()

    assert digid.digid_enabled()
    assert config.authorization_endpoint == "https://broker.example/authorize"
    assert config.library_settings()["OIDC_AUTH_REQUEST_EXTRA_PARAMS"] == {}  # no acr_values sent


@pytest.mark.django_db
def test_refusals_of_other_people_do_not_lock_digid_for_everyone(broker: OidcProvider) -> None:
    """django-axes counts refused DigiD logins per address and browser, not in one shared bucket."""
    for attempt in range(6):
        stranger = HttpClient(REMOTE_ADDR=f"192.0.2.{attempt + 1}", HTTP_USER_AGENT=f"browser {attempt}")
        assert refusal_of(digid_login(stranger, broker, claims={"bsn": next_bsn(), "acr": SUBSTANTIEEL})) == "unknown"
    young = UserFactory.create(jongere=True)
    own = ClientFactory.create(user=young)
    browser = HttpClient(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="the young person's phone")

    response = digid_login(browser, broker, claims={"bsn": own.bsn, "acr": SUBSTANTIEEL})

    assert response.status_code == 302
    assert logged_in_user_id(browser) == young.pk


@pytest.mark.django_db
def test_repeated_refusals_from_one_browser_lock_that_browser(client: HttpClient, broker: OidcProvider) -> None:
    statuses = [
        digid_login(client, broker, claims={"bsn": next_bsn(), "acr": SUBSTANTIEEL}).status_code for _ in range(5)
    ]
    assert statuses == [403, 403, 403, 403, 429]  # AXES_FAILURE_LIMIT: the fifth failure locks
    own = ClientFactory.create(user=UserFactory.create(jongere=True))

    response = digid_login(client, broker, claims={"bsn": own.bsn, "acr": SUBSTANTIEEL})

    assert response.status_code == 429
    assert logged_in_user_id(client) is None


def test_lockout_parameters_per_kind_of_login(rf: RequestFactory) -> None:
    from coachcare.accounts.lockout import PASSWORD_LOGIN, WITHOUT_USERNAME, lockout_parameters

    assert lockout_parameters(rf.post(LOGIN, {"username": "someone"}), {"username": "someone"}) == PASSWORD_LOGIN
    assert lockout_parameters(rf.get(DIGID_CALLBACK), {"nonce": "n", "code_verifier": None}) == WITHOUT_USERNAME


@pytest.mark.django_db
def test_next_to_another_site_is_ignored(client: HttpClient, broker: OidcProvider) -> None:
    own = ClientFactory.create(user=UserFactory.create(jongere=True))

    response = digid_login(
        client, broker, claims={"bsn": own.bsn, "acr": SUBSTANTIEEL}, next_url="https://evil.example/"
    )

    assert response.status_code == 302
    assert response["Location"] == HOME
