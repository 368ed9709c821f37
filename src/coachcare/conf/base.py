"""The one settings module. Everything that differs per deployment comes from the environment.

Per-environment modules (``dev``, ``test``, ``production``) only change defaults; they hold
no configuration of their own. See ``docs/configuration.md`` for every variable.
"""

import urllib.parse
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from coachcare.conf.env import (
    REDIS_CACHE,
    cache_config,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    mailer_config,
)

SRC_DIR = Path(__file__).resolve().parent.parent  # src/coachcare
BASE_DIR = SRC_DIR.parent.parent  # repository root

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A refused form (missing or stale security token) gets a styled page with a way back.
CSRF_FAILURE_VIEW = "coachcare.core.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "axes",
    "django_tasks_db",
    "ninja",  # django-ninja: ships the swagger-ui static files for /api/v1/docs
    # coachcare domain apps
    "coachcare.core",
    "coachcare.accounts",
    "coachcare.municipalities",
    "coachcare.providers",
    "coachcare.clients",
    "coachcare.method",
    "coachcare.contracts",
    "coachcare.measures",
    "coachcare.trajectories",
    "coachcare.coaching",
    "coachcare.messaging",
    "coachcare.ijw",
    "coachcare.declarations",
    "coachcare.privacy",
    "coachcare.monitoring",
    "coachcare.api",
    "coachcare.safeguarding",
    "coachcare.audit",
    "coachcare.operations",
    # the top floor: pages composed from the domain apps (start page, navigation, client file)
    "coachcare.home",
    # demo data, the synthetic country and load-test accounts (commands only; nothing imports it)
    "coachcare.demo",
]

MIDDLEWARE = [
    # First: a database error raised by a view becomes a clean 503 (with handler500 in urls.py for the rest).
    "coachcare.operations.unavailable.DatabaseUnavailableMiddleware",
    # The NEN 7513 entries of the request's reads, written in one statement before the response
    # leaves (audit/middleware.py); its failure is an error page, never data without a log entry.
    "coachcare.audit.middleware.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "coachcare.core.middleware.NoStoreMiddleware",  # after WhiteNoise: static files keep their cache headers
    "coachcare.api.middleware.ApiErrorFormatMiddleware",  # before CSRF: /api/ and /fhir/ answer in their format
    "django.contrib.sessions.middleware.SessionMiddleware",
    "coachcare.core.middleware.LocaleMiddleware",  # Django's, without its URL-prefix work when there are none
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # The user and verified second factor of the session, once, and the second-factor requirement:
    # in the place of (and a subclass of) Django's AuthenticationMiddleware and django-otp's
    # OTPMiddleware (accounts/middleware.py).
    "coachcare.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A view's bare-text "not allowed" (403) is shown inside the styled 403 page (core/errors.py).
    "coachcare.core.errors.StyledForbiddenMiddleware",
    # A policy.AccessDenied that leaves a view is answered with the 404 page (access/middleware.py).
    "coachcare.access.middleware.AccessDeniedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Sets the header Django's CSP middleware above would build, built once (core/middleware.py).
    "coachcare.core.middleware.CspOnceMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coachcare.urls"
WSGI_APPLICATION = "coachcare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coachcare.home.context_processors.navigation",
            ],
        },
    },
    {
        # The hot pages (src/coachcare/jinja2/): Django's own Jinja2 backend, several times less
        # Python work per page than the Django template language (ADR 0008, docs/performance.md).
        # A thin subclass sends ``template_rendered`` while a test client listens.
        "BACKEND": "coachcare.home.jinja_env.Backend",
        "NAME": "jinja2",
        "DIRS": [SRC_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "coachcare.home.jinja_env.environment",
            "autoescape": True,
            "context_processors": [
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coachcare.home.context_processors.navigation",
            ],
        },
    },
]

# Database: DATABASE_URL (sqlite:///path or postgres://user@host:port/name);
# without it, an embedded SQLite file in the project.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'coachcare.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parallel query plans per connection (PostgreSQL's max_parallel_workers_per_gather). Web and API
    # requests are short and many run at once: a parallel plan spends more CPU in workers than it
    # saves, and on a small server the planner chooses one for queries that an index answers in a few
    # ms (a caseload's appointments: 40 ms parallel, 4 ms not). 0 turns them off for the app's
    # connections; a reporting or batch process may set a higher value.
    _parallel = env_int("DATABASE_PARALLEL_WORKERS", 0)
    # JIT compilation of query plans (PostgreSQL's jit): it pays off for analytic queries that run for
    # many seconds; for a dashboard's aggregate over a municipality it costs 400-560 ms of compiling
    # per query (measured on the national synthetic database, issue 17.8) against a query of 1 s.
    _jit = "on" if env_bool("DATABASE_JIT", False) else "off"
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c max_parallel_workers_per_gather={_parallel} -c jit={_jit}"
    ).strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first: refuses locked-out logins
    # Django's password backend, refusing service accounts (module-vendor) that must not log in.
    "coachcare.accounts.backends.ScreenModelBackend",
    # DigiD through an OIDC broker; only the broker's callback reaches it, and only when configured.
    "coachcare.accounts.backends.DigidBackend",
    "django_otp_webauthn.backends.WebAuthnBackend",  # passkey login of young people and parents
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login rate limiting and lock-out (django-axes)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
# Lock an account name after too many failures (an attacker rotating addresses still hits it), and
# an address + browser combination (password spraying over many names). Not the bare address: a
# school or family behind one IP is not locked out together. A login without a username (DigiD)
# counts by address + browser only (coachcare.accounts.lockout).
AXES_LOCKOUT_PARAMETERS = "coachcare.accounts.lockout.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed login is kept (docs/legal-basis.md: every login is logged)
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# Two-factor (django-otp)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "coachcare")
# The admin never shows a device's TOTP secret or QR code (the page would let an administrator log in
# as someone else); its config and QR code pages answer 403.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# DigiD for young people and parents through an OpenID Connect broker (docs/configuration.md,
# docs/operations.md "Connecting a DigiD broker"). Off (no button) unless a client id and the
# broker's discovery URL (or its authorization and token endpoints) are set.
COACHCARE_OIDC_DISCOVERY_URL = env_str("COACHCARE_OIDC_DISCOVERY_URL", "")
COACHCARE_OIDC_ISSUER = env_str("COACHCARE_OIDC_ISSUER", "")
COACHCARE_OIDC_AUTHORIZATION_ENDPOINT = env_str("COACHCARE_OIDC_AUTHORIZATION_ENDPOINT", "")
COACHCARE_OIDC_TOKEN_ENDPOINT = env_str("COACHCARE_OIDC_TOKEN_ENDPOINT", "")
COACHCARE_OIDC_USERINFO_ENDPOINT = env_str("COACHCARE_OIDC_USERINFO_ENDPOINT", "")
COACHCARE_OIDC_JWKS_URI = env_str("COACHCARE_OIDC_JWKS_URI", "")
COACHCARE_OIDC_CLIENT_ID = env_str("COACHCARE_OIDC_CLIENT_ID", "")
COACHCARE_OIDC_CLIENT_SECRET = env_str("COACHCARE_OIDC_CLIENT_SECRET", "")
COACHCARE_OIDC_SCOPES = env_str("COACHCARE_OIDC_SCOPES", "openid")
COACHCARE_OIDC_SIGN_ALGO = env_str("COACHCARE_OIDC_SIGN_ALGO", "RS256")
COACHCARE_OIDC_BSN_CLAIM = env_str("COACHCARE_OIDC_BSN_CLAIM", "bsn")
COACHCARE_OIDC_LOA_CLAIM = env_str("COACHCARE_OIDC_LOA_CLAIM", "acr")
COACHCARE_OIDC_MIN_LOA = env_str("COACHCARE_OIDC_MIN_LOA", "substantieel")
COACHCARE_OIDC_LOA_MAPPING = env_str("COACHCARE_OIDC_LOA_MAPPING", "")
COACHCARE_OIDC_ACR_VALUES = env_str("COACHCARE_OIDC_ACR_VALUES", "auto")
COACHCARE_OIDC_USE_PKCE = env_bool("COACHCARE_OIDC_USE_PKCE", True)
COACHCARE_OIDC_TIMEOUT = env_int("COACHCARE_OIDC_TIMEOUT", 10)

# Encryption at rest: Fernet keys (urlsafe base64, 32 bytes), comma-separated; the first
# encrypts, all decrypt (key rotation). HASH key: HMAC key for the BSN lookup hash.
COACHCARE_ENCRYPTION_KEYS = env_list("COACHCARE_ENCRYPTION_KEYS")
COACHCARE_HASH_KEY = env_str("COACHCARE_HASH_KEY")

# The address people use to reach coachcare, for links in e-mails (notifications carry no content).
# localhost rather than 127.0.0.1 by default: browsers refuse an IP address as a passkey's relying party.
COACHCARE_BASE_URL = env_str("COACHCARE_BASE_URL", "http://localhost:8000")

# Passkeys (django-otp-webauthn) for young people and parents (coachcare.accounts.passkeys): the
# relying party is the host of COACHCARE_BASE_URL and its origin the only one accepted. Its start-up
# checks refuse an origin that is not https:// (or http://localhost).
_BASE = urllib.parse.urlsplit(COACHCARE_BASE_URL)
OTP_WEBAUTHN_RP_ID = _BASE.hostname or ""
OTP_WEBAUTHN_RP_NAME = "coachcare"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"{_BASE.scheme}://{_BASE.netloc}"]
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = True

# Validate every FHIR resource with fhir.resources at run time (development, tests); production
# skips it for speed — the test suite validates every response in both modes.
COACHCARE_FHIR_VALIDATE = env_bool("COACHCARE_FHIR_VALIDATE", DEBUG)

# GAS baseline convention for new trajectories (recorded on each): standard, baseline-2 or
# with-deterioration; see docs/measures.md.
COACHCARE_GAS_CONVENTION = env_str("COACHCARE_GAS_CONVENTION", "standard")
# A trajectory ended temporarily (JZ588 20 "tijdelijk beëindigd") can be resumed this many days
# after its closure (trajectories.services.trajectory_resume); later, refer the young person again.
COACHCARE_TEMPORARY_END_RESUME_DAYS = env_int("COACHCARE_TEMPORARY_END_RESUME_DAYS", 91)

# Monitoring (docs/indicators.md): the research export's pseudonym key (HMAC-SHA256; distinct from
# COACHCARE_HASH_KEY; empty: no research export) and the forecast deviation that raises an alert.
COACHCARE_RESEARCH_KEY = env_str("COACHCARE_RESEARCH_KEY", "")
COACHCARE_FORECAST_DEVIATION = env_float("COACHCARE_FORECAST_DEVIATION", 0.10)
# The waiting-time norm municipalities hold providers to: first contact and first module within this
# many working days (Monday to Friday) of the referral (docs/indicators.md, "Waiting times").
COACHCARE_WAITING_NORM_WORKING_DAYS = env_int("COACHCARE_WAITING_NORM_WORKING_DAYS", 10)
if COACHCARE_WAITING_NORM_WORKING_DAYS < 0:
    raise ImproperlyConfigured("COACHCARE_WAITING_NORM_WORKING_DAYS must be 0 or more working days.")
# The coach's norms per trajectory step in working days, as overrides of the documented defaults in
# trajectories/deadlines.py (docs/trajectories.md, "When a step is due"): "intake=8,agree_plan=15".
COACHCARE_STEP_NORMS_WORKING_DAYS: dict[str, int] = {}
for _item in env_list("COACHCARE_STEP_NORMS_WORKING_DAYS"):
    _step, _sep, _days = _item.partition("=")
    if not _sep or not _days.strip().isdigit():
        raise ImproperlyConfigured("COACHCARE_STEP_NORMS_WORKING_DAYS: write step=working days, e.g. intake=8.")
    COACHCARE_STEP_NORMS_WORKING_DAYS[_step.strip()] = int(_days)

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
# A provider's own look (docs/theming.md): a directory holding coachcare/theme/tokens.css (and any
# other static file to replace, such as coachcare/css/...), found before the built-in files.
COACHCARE_THEME_DIR = env_str("COACHCARE_THEME_DIR", "")
STATICFILES_DIRS = [*([Path(COACHCARE_THEME_DIR)] if COACHCARE_THEME_DIR else []), SRC_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# Content Security Policy (Django's built-in): no inline scripts or styles anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Cache: CACHE_URL (redis://127.0.0.1:6379/0 in production; default: memory of each process, so
# `make demo` needs no Redis). Sessions live in the database; with a shared cache (Redis) they are
# read from the cache and written through to the database (cached_db): one query less per request.
# A per-process cache cannot hold sessions: another worker would read a stale copy.
CACHE_URL = env_str("CACHE_URL", "locmem://")
CACHES = {"default": cache_config(CACHE_URL)}
SESSION_ENGINE = env_str(
    "SESSION_ENGINE",
    "django.contrib.sessions.backends.cached_db"
    if CACHES["default"]["BACKEND"] == REDIS_CACHE
    else "django.contrib.sessions.backends.db",
)
# How long the user and verified second-factor device of a session are kept in the cache, read
# once per request (coachcare.accounts.identity; forgotten on every change of either). 0 = off.
# On by default only with a shared cache: a per-process cache cannot be told of another's change.
IDENTITY_CACHE_SECONDS = env_int("IDENTITY_CACHE_SECONDS", 300 if CACHES["default"]["BACKEND"] == REDIS_CACHE else 0)
if IDENTITY_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("IDENTITY_CACHE_SECONDS must be 0 or more seconds.")

# Background tasks (django.tasks). "db" keeps them in the database (django-tasks-db).
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# E-mail (Django 6.1 MAILERS), from one variable: EMAIL_URL (smtp://, smtp+tls://, smtp+ssl://,
# console://, locmem://; docs/configuration.md). E-mails never carry client content (docs/security.md).
MAILERS = {"default": mailer_config(env_str("EMAIL_URL", "smtp://localhost:25"))}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "coachcare <noreply@localhost>")

# Logging: structured enough to operate, never a BSN or clinical text (see docs/security.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "coachcare.core.logging.RedactSensitiveFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Third-party chatter at INFO (PDF layout steps, font subsetting) stays out of the logs.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
