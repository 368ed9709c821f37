"""Small typed helpers to read settings from the environment.

Every variable the settings read is documented in ``docs/configuration.md``.
"""

import os
import urllib.parse

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


#: The Django e-mail backends ``EMAIL_URL`` selects by scheme.
_MAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_SMTP_DEFAULT_PORTS = {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}


def mailer_config(url: str, *, timeout: int = 10) -> dict[str, object]:
    """A ``MAILERS`` entry from ``EMAIL_URL``.

    ``smtp://[user:password@]host[:port]`` (plain, port 25), ``smtp+tls://…`` (STARTTLS, port 587),
    ``smtp+ssl://…`` (TLS from the first byte, port 465), ``console://`` (print to standard output),
    ``locmem://`` (kept in memory: tests) or ``dummy://`` (dropped). User name and password are
    percent-decoded, so ``@`` or ``:`` in a password are written ``%40`` and ``%3A``. The query
    ``?timeout=N`` sets the SMTP timeout in seconds (default ``timeout``).
    """
    parts = urllib.parse.urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _MAIL_BACKENDS:
        raise ImproperlyConfigured(
            "EMAIL_URL must start with smtp://, smtp+tls://, smtp+ssl://, console://, locmem:// or dummy://, "
            f"not {_redacted(url)!r}."
        )
    config: dict[str, object] = {"BACKEND": _MAIL_BACKENDS[scheme]}
    if scheme not in _SMTP_DEFAULT_PORTS:
        return config
    if not parts.hostname:
        raise ImproperlyConfigured(f"EMAIL_URL needs a host: {_redacted(url)!r}.")
    try:
        port = parts.port or _SMTP_DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise ImproperlyConfigured(f"EMAIL_URL has an invalid port: {_redacted(url)!r}.") from exc
    query = urllib.parse.parse_qs(parts.query)
    raw_timeout = query.get("timeout", [str(timeout)])[0]
    if not raw_timeout.isdigit():
        raise ImproperlyConfigured(f"EMAIL_URL's timeout must be a whole number of seconds, not {raw_timeout!r}.")
    config["OPTIONS"] = {
        "host": parts.hostname,
        "port": port,
        "username": urllib.parse.unquote(parts.username or ""),
        "password": urllib.parse.unquote(parts.password or ""),
        "use_tls": scheme == "smtp+tls",
        "use_ssl": scheme == "smtp+ssl",
        "timeout": int(raw_timeout),
    }
    return config


def _redacted(url: str) -> str:
    """``url`` without its password, for error messages (they end up in logs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))
