"""System checks: refuse to start with missing or malformed keys (``manage.py check --deploy`` too)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from coachcare.core.fields import decrypt_text, encrypt_text


@register()
def encryption_keys_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.COACHCARE_ENCRYPTION_KEYS:
        return [
            Error(
                "COACHCARE_ENCRYPTION_KEYS is empty.",
                hint="Set at least one Fernet key; see docs/configuration.md.",
                id="coachcare.E001",
            )
        ]
    try:
        if decrypt_text(encrypt_text("check")) != "check":
            raise ImproperlyConfigured("round trip failed")
    except ImproperlyConfigured as exc:
        return [Error(f"COACHCARE_ENCRYPTION_KEYS is not usable: {exc}", id="coachcare.E002")]
    if not settings.COACHCARE_HASH_KEY:
        return [Error("COACHCARE_HASH_KEY is empty.", hint="See docs/configuration.md.", id="coachcare.E003")]
    return []
