"""Small typed helpers to read settings from the environment.

Every variable the settings read is documented in ``docs/configuration.md``.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number (e.g. 0.10), not {raw!r}.") from exc


#: The Redis cache backend ``CACHE_URL=redis://...`` selects (a path: settings import no app code).
REDIS_CACHE = "coachcare.core.cache.RedisCache"


def cache_config(url: str) -> dict[str, object]:
    """A ``CACHES`` entry from ``CACHE_URL``: ``locmem://`` (or empty: memory of each process),
    ``redis://[:password@]host:port/db`` or ``rediss://...`` (Django's Redis backend, one client per pool:
    ``coachcare.core.cache``), ``dummy://``."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else url.lower()
    if scheme in {"", "locmem"}:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "coachcare"}
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": REDIS_CACHE, "LOCATION": url, "KEY_PREFIX": "coachcare"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL must start with locmem://, redis://, rediss:// or dummy://, not {url!r}.")
