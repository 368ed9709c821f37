"""The DigiD authentication backend: mozilla-django-oidc's code flow, coachcare's rules for who may log in."""

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from coachcare.access import policy
from coachcare.accounts import digid
from coachcare.accounts.models import User

logger = logging.getLogger(__name__)

#: Attributes the backend leaves on the request for the callback view: the level of a successful
#: login, or why it was refused.
REQUEST_LOA = "coachcare_digid_loa"
REQUEST_REFUSAL = "coachcare_digid_refusal"


class ScreenModelBackend(ModelBackend):
    """Django's password backend, for people only: a service account (``policy.can_use_screens``)
    can neither log in with a password nor keep a session (``get_user`` asks the same question)."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and policy.can_use_screens(user)


class DigidBackend(OIDCAuthenticationBackend):
    """Authenticates the callback of a DigiD login through the OIDC broker; never creates a user.

    Password logins never reach it (its ``authenticate`` takes no username or password), and it
    does nothing while DigiD is not configured. The library's settings come from
    ``digid.digid_config()`` (``COACHCARE_OIDC_*``), read per login, not when the backend is made.
    """

    _config: digid.DigidConfig | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Not the library's __init__: it reads the OIDC_* settings at once, and the backend is
        # made for every password login as well, configured or not.
        self.UserModel = get_user_model()

    def get_settings(self, attr: str, *args: Any) -> Any:
        if self._config is not None:
            library = self._config.library_settings()
            if attr in library:
                return library[attr]
        return import_from_settings(attr, *args)

    def _configure(self, config: digid.DigidConfig) -> None:
        self._config = config
        self.OIDC_OP_TOKEN_ENDPOINT = config.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = config.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = config.jwks_uri or None
        self.OIDC_RP_CLIENT_ID = config.client_id
        self.OIDC_RP_CLIENT_SECRET = config.client_secret
        self.OIDC_RP_SIGN_ALGO = config.sign_algo
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(
        self, request: HttpRequest | None, nonce: str | None = None, code_verifier: str | None = None
    ) -> User | None:
        if request is None or not digid.digid_enabled():
            return None
        if not request.GET.get("code") or not request.GET.get("state"):
            return None
        try:
            self._configure(digid.digid_config())
        except (ImproperlyConfigured, OSError, ValueError):
            logger.exception("DigiD login failed: the broker is not configured correctly")
            setattr(request, REQUEST_REFUSAL, digid.Refusal.FAILED)
            return None
        try:
            user: User | None = super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except OSError:  # the broker cannot be reached or answers with an HTTP error (requests' errors)
            logger.warning("DigiD login failed: the broker did not answer the token or userinfo request")
            setattr(request, REQUEST_REFUSAL, digid.Refusal.FAILED)
            return None
        if user is None and not hasattr(request, REQUEST_REFUSAL):
            setattr(request, REQUEST_REFUSAL, digid.Refusal.FAILED)
        return user

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The library checks the signature, expiry and nonce; coachcare also checks audience and issuer."""
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        assert self._config is not None
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self._config.client_id not in audiences:
            raise SuspiciousOperation("ID token audience is not this client.")
        if self._config.issuer and payload.get("iss") != self._config.issuer:
            raise SuspiciousOperation("ID token issuer is not the configured broker.")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint if the broker has one.

        The signed ID token wins where both carry a claim (the level of assurance, the BSN).
        """
        claims: dict[str, Any] = {}
        if self.OIDC_OP_USER_ENDPOINT:
            claims.update(super().get_userinfo(access_token, id_token, payload))
        claims.update(payload)
        return claims

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return "a DigiD login"  # the library logs this; never the BSN or the subject

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return True  # coachcare's own checks follow in filter_users_by_claims

    def filter_users_by_claims(self, claims: dict[str, Any]) -> list[User]:
        assert self._config is not None
        try:
            user, loa = digid.digid_login_resolve(claims=claims, config=self._config)
        except digid.DigidRefused as refused:
            # Never the BSN, nor the subject (a broker may use the BSN as the subject).
            logger.warning(
                "DigiD login refused: %s (level %s)",
                refused.refusal.value,
                refused.loa.label if refused.loa is not None else "unknown",
            )
            setattr(self.request, REQUEST_REFUSAL, refused.refusal)
            return []
        setattr(self.request, REQUEST_LOA, loa)
        return [user]

    def create_user(self, claims: dict[str, Any]) -> User:
        raise SuspiciousOperation("coachcare never creates an account from a DigiD login.")

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return user

    def get_user(self, user_id: int) -> User | None:
        # Django's own lookup, which refuses an account that was made inactive since the login.
        return ModelBackend.get_user(self, user_id)
