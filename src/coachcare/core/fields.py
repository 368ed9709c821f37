"""Model fields for data that must be encrypted at rest (BSN, clinical free text).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) using the keys in
``settings.COACHCARE_ENCRYPTION_KEYS``; the first key encrypts, every key decrypts, so keys
can be rotated by prepending a new one. Encrypted columns cannot be searched or sorted: a
value that must be looked up (the BSN) also gets a keyed hash (``keyed_hash``).
"""

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("COACHCARE_ENCRYPTION_KEYS is empty: set at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "COACHCARE_ENCRYPTION_KEYS must hold url-safe base64 Fernet keys of 32 bytes."
        ) from exc


def encrypt_text(value: str) -> str:
    return _fernet(tuple(settings.COACHCARE_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return _fernet(tuple(settings.COACHCARE_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("An encrypted value could not be decrypted with the configured keys.") from exc


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a value with the deployment's hash key, for lookups on encrypted data."""
    return hmac.new(settings.COACHCARE_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField[str, str]):
    """A text column stored as a Fernet token; Python code sees plain text."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"isnull"}:
            raise TypeError(f"Encrypted fields cannot be filtered with '{lookup_name}'.")
        return super().get_lookup(lookup_name)
