"""Logging in with DigiD through an OpenID Connect broker (young people and parents only).

The broker (a municipality's or provider's DigiD connection: a "makelaar" that speaks OIDC to us
and SAML to DigiD) authenticates the person and sends their BSN and the DigiD level of assurance
(betrouwbaarheidsniveau) as claims. coachcare never creates an account from a DigiD login: the BSN
is matched by the keyed BSN hash to an existing young person's or parent's account
(``clients.selectors.digid_account_for_bsn_hash``). Everything here is configured by environment
(``COACHCARE_OIDC_*``, docs/configuration.md); without a client id and the broker's discovery URL
or endpoints the feature is off and the login page shows no DigiD button.
"""

import dataclasses
import enum
import json
import logging
import urllib.request
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError

from coachcare.accounts.models import User
from coachcare.clients.selectors import DigidMatch, digid_account_for_bsn_hash
from coachcare.clients.services import bsn_hash

logger = logging.getLogger(__name__)


class Loa(enum.IntEnum):
    """DigiD levels of assurance, ordered; the numbers are DigiD's own (10, 20, 25, 30)."""

    BASIS = 10  # username and password
    MIDDEN = 20  # plus an SMS code or the DigiD app
    SUBSTANTIEEL = 25  # the DigiD app with ID check (identity document read by the phone)
    HOOG = 30  # identity card with chip

    @property
    def label(self) -> str:
        return self.name.lower()


#: How brokers express the DigiD level in the LoA claim (``acr`` in OIDC), mapped to the level.
#: DigiD's SAML AuthnContextClassRefs (what most brokers pass through), eIDAS levels, and the
#: plain names and numbers. ``COACHCARE_OIDC_LOA_MAPPING`` adds or overrides entries.
DEFAULT_LOA_MAPPING: dict[str, Loa] = {
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport": Loa.BASIS,
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract": Loa.MIDDEN,
    "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard": Loa.SUBSTANTIEEL,
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI": Loa.HOOG,
    "http://eidas.europa.eu/LoA/low": Loa.BASIS,
    "http://eidas.europa.eu/LoA/substantial": Loa.SUBSTANTIEEL,
    "http://eidas.europa.eu/LoA/high": Loa.HOOG,
    **{level.label: level for level in Loa},
    **{str(level.value): level for level in Loa},
}

#: The SAML class ref per level: what coachcare asks for in ``acr_values`` by default.
SAML_CLASS_REF: dict[Loa, str] = {
    Loa.BASIS: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    Loa.MIDDEN: "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
    Loa.SUBSTANTIEEL: "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
    Loa.HOOG: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
}

#: The lowest minimum an operator may configure: every DigiD login leads to clinical content
#: (the portal, messages, the file), and clinical content requires "substantieel".
LOWEST_ALLOWED_MINIMUM = Loa.SUBSTANTIEEL

#: Session keys of a DigiD login.
SESSION_METHOD = "coachcare_login_method"
SESSION_LOA = "coachcare_digid_loa"

_DISCOVERY_CACHE_SECONDS = 60 * 60


class Refusal(enum.StrEnum):
    """Why a DigiD login was refused; each has its own explanation on the refusal page."""

    CANCELLED = "cancelled"  # the person cancelled at DigiD, or the broker returned an error
    FAILED = "failed"  # the exchange with the broker failed (expired, replayed, locked out)
    INVALID_BSN = "invalid_bsn"  # no BSN claim, or not a valid BSN (11-proof)
    LOA_TOO_LOW = "loa_too_low"  # below the minimum level, or the level is missing or unknown
    NO_ACCOUNT = "no_account"  # known young person, but no account (yet)
    UNKNOWN = "unknown"  # the BSN belongs to nobody with an account in coachcare
    NOT_ALLOWED = "not_allowed"  # account not active, or more than one account for the BSN


class DigidRefused(Exception):
    def __init__(self, refusal: Refusal, *, loa: Loa | None = None) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.loa = loa


@dataclasses.dataclass(frozen=True)
class DigidConfig:
    """The broker connection, from settings (``COACHCARE_OIDC_*``) and, if given, its discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    client_id: str
    client_secret: str
    scopes: str
    sign_algo: str
    bsn_claim: str
    loa_claim: str
    minimum_loa: Loa
    loa_mapping: Mapping[str, Loa]
    acr_values: str
    use_pkce: bool
    timeout: int

    def library_settings(self) -> dict[str, Any]:
        """The settings of mozilla-django-oidc, answered from this configuration (never from Django settings)."""
        extra = {"acr_values": self.acr_values} if self.acr_values else {}
        return {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.authorization_endpoint,
            "OIDC_OP_TOKEN_ENDPOINT": self.token_endpoint,
            "OIDC_OP_USER_ENDPOINT": self.userinfo_endpoint,
            "OIDC_OP_JWKS_ENDPOINT": self.jwks_uri or None,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_RP_SIGN_ALGO": self.sign_algo,
            "OIDC_RP_SCOPES": self.scopes,
            "OIDC_AUTH_REQUEST_EXTRA_PARAMS": extra,
            "OIDC_USE_NONCE": True,
            "OIDC_USE_PKCE": self.use_pkce,
            "OIDC_CREATE_USER": False,
            "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:digid-callback",
            "OIDC_TIMEOUT": self.timeout,
            "OIDC_STORE_ACCESS_TOKEN": False,
            "OIDC_STORE_ID_TOKEN": False,
        }


def digid_enabled() -> bool:
    """True when a broker is configured: a client id and a discovery URL or the endpoints."""
    if not settings.COACHCARE_OIDC_CLIENT_ID:
        return False
    if settings.COACHCARE_OIDC_DISCOVERY_URL:
        return True
    return bool(settings.COACHCARE_OIDC_AUTHORIZATION_ENDPOINT and settings.COACHCARE_OIDC_TOKEN_ENDPOINT)


def loa_parse(value: str, *, setting: str = "COACHCARE_OIDC_MIN_LOA") -> Loa:
    try:
        return Loa[value.strip().upper()]
    except KeyError as exc:
        names = ", ".join(level.label for level in Loa)
        raise ImproperlyConfigured(f"{setting} must be one of {names}, not {value!r}.") from exc


def loa_mapping_parse(raw: str) -> dict[str, Loa]:
    """``value=level`` pairs separated by commas (a value may itself hold ``=``: the last one splits)."""
    mapping = dict(DEFAULT_LOA_MAPPING)
    for item in raw.split(","):
        if not item.strip():
            continue
        value, sep, level = item.rpartition("=")
        if not sep or not value.strip():
            raise ImproperlyConfigured(
                f"COACHCARE_OIDC_LOA_MAPPING holds value=level pairs separated by commas, not {item!r}."
            )
        mapping[value.strip()] = loa_parse(level, setting="COACHCARE_OIDC_LOA_MAPPING")
    return mapping


def minimum_loa() -> Loa:
    minimum = loa_parse(settings.COACHCARE_OIDC_MIN_LOA)
    if minimum < LOWEST_ALLOWED_MINIMUM:
        raise ImproperlyConfigured(
            "COACHCARE_OIDC_MIN_LOA cannot be below 'substantieel': a DigiD login reaches clinical content."
        )
    return minimum


def _discovery(url: str, *, timeout: int) -> dict[str, Any]:
    """The broker's discovery document, cached for an hour (every login would otherwise fetch it)."""
    cache_key = f"digid-discovery:{url}"
    document: dict[str, Any] | None = cache.get(cache_key)
    if document is None:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - URL from settings
            document = json.load(response)
        if not isinstance(document, dict):
            raise ImproperlyConfigured("The OIDC discovery document is not a JSON object.")
        cache.set(cache_key, document, _DISCOVERY_CACHE_SECONDS)
    return document


def digid_config() -> DigidConfig:
    """The configuration of the broker; the endpoints come from the discovery URL unless set one by one."""
    if not digid_enabled():
        raise ImproperlyConfigured("DigiD is not configured (COACHCARE_OIDC_CLIENT_ID and the broker's URLs).")
    timeout = settings.COACHCARE_OIDC_TIMEOUT
    discovered: dict[str, Any] = {}
    if settings.COACHCARE_OIDC_DISCOVERY_URL:
        discovered = _discovery(settings.COACHCARE_OIDC_DISCOVERY_URL, timeout=timeout)

    def endpoint(setting: str, key: str) -> str:
        return str(getattr(settings, setting) or discovered.get(key) or "")

    minimum = minimum_loa()
    acr_values = settings.COACHCARE_OIDC_ACR_VALUES
    if acr_values == "auto":
        acr_values = " ".join(SAML_CLASS_REF[level] for level in Loa if level >= minimum)
    config = DigidConfig(
        issuer=endpoint("COACHCARE_OIDC_ISSUER", "issuer"),
        authorization_endpoint=endpoint("COACHCARE_OIDC_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
        token_endpoint=endpoint("COACHCARE_OIDC_TOKEN_ENDPOINT", "token_endpoint"),
        userinfo_endpoint=endpoint("COACHCARE_OIDC_USERINFO_ENDPOINT", "userinfo_endpoint"),
        jwks_uri=endpoint("COACHCARE_OIDC_JWKS_URI", "jwks_uri"),
        client_id=settings.COACHCARE_OIDC_CLIENT_ID,
        client_secret=settings.COACHCARE_OIDC_CLIENT_SECRET,
        scopes=settings.COACHCARE_OIDC_SCOPES,
        sign_algo=settings.COACHCARE_OIDC_SIGN_ALGO,
        bsn_claim=settings.COACHCARE_OIDC_BSN_CLAIM,
        loa_claim=settings.COACHCARE_OIDC_LOA_CLAIM,
        minimum_loa=minimum,
        loa_mapping=loa_mapping_parse(settings.COACHCARE_OIDC_LOA_MAPPING),
        acr_values=acr_values,
        use_pkce=settings.COACHCARE_OIDC_USE_PKCE,
        timeout=timeout,
    )
    missing = [
        name
        for name, value in (
            ("authorization endpoint", config.authorization_endpoint),
            ("token endpoint", config.token_endpoint),
        )
        if not value
    ]
    if config.sign_algo.startswith(("RS", "ES")) and not config.jwks_uri:
        missing.append("JWKS URI")
    if missing:
        raise ImproperlyConfigured(f"DigiD: the broker's {', '.join(missing)} is not configured or discovered.")
    return config


def loa_from_claims(claims: Mapping[str, Any], *, config: DigidConfig) -> Loa | None:
    """The DigiD level the broker asserts, or None if it is missing or a value the mapping does not know."""
    value = claims.get(config.loa_claim)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return config.loa_mapping.get(value.strip())


def digid_login_resolve(*, claims: Mapping[str, Any], config: DigidConfig) -> tuple[User, Loa]:
    """The account a DigiD login belongs to, and its level; raises ``DigidRefused`` otherwise.

    Checks in this order: level of assurance (below the minimum: refused before the BSN is even
    looked at), a valid BSN (11-proof), then exactly one active young person's or parent's account
    with that BSN. Never creates anything.
    """
    # Function-level imports: clients sits above accounts (docs/architecture.md, known exceptions).

    loa = loa_from_claims(claims, config=config)
    if loa is None or loa < config.minimum_loa:
        raise DigidRefused(Refusal.LOA_TOO_LOW, loa=loa)
    raw_bsn = claims.get(config.bsn_claim)
    if not isinstance(raw_bsn, str):
        raise DigidRefused(Refusal.INVALID_BSN, loa=loa)
    try:
        hashed = bsn_hash(raw_bsn)
    except ValidationError as exc:
        raise DigidRefused(Refusal.INVALID_BSN, loa=loa) from exc
    match = digid_account_for_bsn_hash(bsn_hash=hashed)
    if match.user is not None:
        return match.user, loa
    refusal = {
        DigidMatch.Outcome.NO_ACCOUNT: Refusal.NO_ACCOUNT,
        DigidMatch.Outcome.NOT_ALLOWED: Refusal.NOT_ALLOWED,
    }.get(match.outcome, Refusal.UNKNOWN)
    raise DigidRefused(refusal, loa=loa)
