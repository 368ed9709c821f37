"""Writes of the API app: tokens and module progress reported through FHIR Task updates."""

import dataclasses
import datetime
import functools
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from coachcare.access import policy
from coachcare.accounts.models import Role, User
from coachcare.api.models import ApiToken, ModuleProgress, ModuleVendorAccount
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.core.validators import text_without_nul
from coachcare.method.models import Module
from coachcare.providers.models import Provider
from coachcare.trajectories.models import ModuleRun

TOKEN_PREFIX = "cc_"
DEFAULT_TOKEN_DAYS = 90
#: The longest a token may live: a token that never expires is a password that is never changed.
MAX_TOKEN_DAYS = 366
#: How often ``last_used_at`` is written at most (one UPDATE per request would be wasteful).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclasses.dataclass(frozen=True, kw_only=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


def api_token_create(*, user: User, name: str = "", days: int = DEFAULT_TOKEN_DAYS) -> IssuedToken:
    """A new bearer token for ``user``, valid ``days`` days. Only its SHA-256 is stored.

    Only for accounts that may hold one (``policy.can_hold_api_token``): professionals, who log in
    with a second factor, and module-vendor service accounts; never young people or parents.
    """
    if days < 1:
        raise ValueError("A token is valid for at least one day.")
    if days > MAX_TOKEN_DAYS:
        raise ValueError(f"A token is valid for at most {MAX_TOKEN_DAYS} days: issue a new one when it expires.")
    if not user.is_active:
        raise ValueError("The user is not active.")
    if not policy.can_hold_api_token(user):
        raise ValueError(
            "No API token for this account: tokens are for professionals (who log in with a second factor) "
            "and e-health module accounts (manage.py create_module_vendor), never for young people or parents."
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name or "api",
        key_hash=token_hash(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 8],
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return IssuedToken(token=token, raw=raw)


def api_token_revoke(*, prefix: str) -> ApiToken:
    """Revoke the token with this display prefix; raises ``ApiToken.DoesNotExist``."""
    token = ApiToken.objects.get(prefix=prefix)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, raw: str) -> User | None:
    """The active user of a valid (known, unexpired, unrevoked) token, else None; also None when
    the user may no longer hold a token (``policy.can_hold_api_token``: deactivated, or a role
    without a second factor).

    Every request reads the token row from the database, so a revocation, an expiry or a change of
    the user counts from the very next request (no cache could be told of every change): in one
    hand-written statement (``_token_row``) instead of a queryset built and compiled anew each
    time, about 3,000 Python calls less per API request."""
    if not raw or len(raw) > 200:
        return None
    now = timezone.now()
    found = _token_row(key_hash=token_hash(raw), now=now)
    if found is None:
        return None
    token_id, stale, user = found
    if not policy.can_hold_api_token(user):
        return None
    if stale:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


_USER_FIELDS = tuple(User._meta.concrete_fields)
_ACCOUNT_FIELDS = tuple(ModuleVendorAccount._meta.concrete_fields)
_USER_NAMES = [field.attname for field in _USER_FIELDS]
_ACCOUNT_NAMES = [field.attname for field in _ACCOUNT_FIELDS]


@functools.cache
def _token_sql(vendor: str) -> str:
    """The statement of ``ApiToken.objects.select_related("user", "user__module_vendor_account")
    .filter(key_hash=..., revoked_at__isnull=True, expires_at__gt=now)``, plus whether
    ``last_used_at`` is older than ``LAST_USED_RESOLUTION`` (``key_hash`` is unique: one row at most)."""
    q = connection.ops.quote_name

    def columns(alias: str, fields: tuple[Any, ...]) -> str:
        return ", ".join(f"{alias}.{q(field.column)}" for field in fields)

    token, account = ApiToken._meta, ModuleVendorAccount._meta
    last_used = q("last_used_at")
    # Quoted model and column names only; every value is a parameter.
    select = f"SELECT t.{q('id')}, (t.{last_used} IS NULL OR t.{last_used} < %s), "
    joins = (
        f"FROM {q(token.db_table)} t INNER JOIN {q(User._meta.db_table)} u ON u.{q('id')} = t.{q('user_id')} "
        f"LEFT OUTER JOIN {q(account.db_table)} a ON a.{q('user_id')} = u.{q('id')} "
    )
    where = f"WHERE t.{q('key_hash')} = %s AND t.{q('revoked_at')} IS NULL AND t.{q('expires_at')} > %s"
    return f"{select}{columns('u', _USER_FIELDS)}, {columns('a', _ACCOUNT_FIELDS)} {joins}{where}"


@functools.cache
def _converting(vendor: str, fields: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    """The positions among ``fields`` whose values the backend or the field converts (on
    PostgreSQL only the JSON field; SQLite also dates and booleans), with their column."""
    return tuple(
        (i, field.cached_col)
        for i, field in enumerate(fields)
        if connection.ops.get_db_converters(field.cached_col) + field.cached_col.get_db_converters(connection)
    )


def _converted(fields: tuple[Any, ...], values: tuple[Any, ...]) -> list[Any]:
    """``values`` as the ORM would hand them to the model (its converters, ``_converting``)."""
    converted = list(values)
    for i, col in _converting(connection.vendor, fields):
        for converter in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            converted[i] = converter(converted[i], col, connection)
    return converted


def _token_row(*, key_hash: str, now: datetime.datetime) -> tuple[int, bool, User] | None:
    """The id of the valid token with this hash, whether its ``last_used_at`` is due to be written,
    and its user with ``module_vendor_account`` loaded (``None`` when it has none), as the
    ``select_related`` queryset gives them; None without a valid token."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [adapt(now - LAST_USED_RESOLUTION), key_hash, adapt(now)])
        row = cursor.fetchone()
    if row is None:
        return None
    split = 2 + len(_USER_FIELDS)
    user = User.from_db(connection.alias, _USER_NAMES, _converted(_USER_FIELDS, row[2:split]))
    account = None
    if row[split] is not None:
        account_values = _converted(_ACCOUNT_FIELDS, row[split:])
        account = ModuleVendorAccount.from_db(connection.alias, _ACCOUNT_NAMES, account_values)
        ModuleVendorAccount._meta.get_field("user").set_cached_value(account, user)
    User._meta.get_field("module_vendor_account").set_cached_value(user, account)
    return int(row[0]), bool(row[1]), user


def module_vendor_create(
    *, username: str, provider: Provider, module_codes: list[str], display_name: str = ""
) -> ModuleVendorAccount:
    """The service account of an external e-health module: a user with role ``module-vendor`` and
    no usable password (it never logs in to the screens), tied to ``provider`` and the modules it
    serves. Give it a token with ``api_token_create`` (``manage.py create_api_token``)."""
    codes = sorted({code.strip() for code in module_codes if code.strip()})
    if not codes:
        raise ValidationError({"module_codes": ["Name at least one module the e-health module serves."]})
    known = set(Module.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError({"module_codes": [f"Unknown module code(s): {', '.join(unknown)}."]})
    user = User(username=username, role=Role.MODULE_VENDOR, first_name=display_name[:150])
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        return ModuleVendorAccount.objects.create(user=user, provider=provider, module_codes=codes)


#: FHIR Task status -> what it means for the run, for the record only: coachcare's own state
#: (running, finished, evaluated) changes through the trajectory screens, never from outside.
TASK_STATUSES = frozenset(ModuleProgress.Status.values)


#: The longest business status text a module may report (a short progress line, not a report).
BUSINESS_STATUS_MAX_LENGTH = 200


def business_status_clean(text: str) -> str:
    """The business status text as reported, or ``ValidationError`` (keyed ``businessStatus``):
    no NUL character (the web forms' rule, ``core.validators``) and at most
    ``BUSINESS_STATUS_MAX_LENGTH`` characters; never cut short."""
    try:
        text_without_nul(text)
    except ValidationError as error:
        raise ValidationError({"businessStatus": error.messages}) from error
    if len(text) > BUSINESS_STATUS_MAX_LENGTH:
        raise ValidationError(
            {"businessStatus": [f"At most {BUSINESS_STATUS_MAX_LENGTH} characters; this text has {len(text)}."]}
        )
    return text


def module_progress_record(
    *, actor: User, run: ModuleRun, status: str, business_status: str | None = None, access_point: AccessPoint
) -> ModuleProgress:
    """Record the status an external module reports for a module run (FHIR Task update).

    Allowed for whoever may write the client's clinical file (the coach, the team lead) and for the
    e-health module the run is assigned to (``policy.can_report_module_progress``); the module's
    service account changes only the status (``policy.task_fields_writable``).
    ``business_status``: the new text, or ``None`` to keep the one recorded.
    """
    client = run.trajectory.client
    if not policy.can_report_module_progress(actor, run):
        raise policy.AccessDenied("No such task, or no access.")
    if status not in TASK_STATUSES:
        raise ValueError(f"Unknown task status: {status}.")
    if business_status is not None:
        business_status = business_status_clean(business_status)
    writable = policy.task_fields_writable(actor)
    if "status" not in writable or (business_status is not None and "businessStatus" not in writable):
        raise PermissionDenied("This account may change only: " + ", ".join(sorted(writable)) + ".")
    defaults: dict[str, object] = {"status": status, "updated_at": timezone.now(), "updated_by": actor}
    if business_status is not None:
        defaults["business_status"] = business_status
    with transaction.atomic():
        progress, _created = ModuleProgress.objects.update_or_create(module_run=run, defaults=defaults)
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="fhir.task.status",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return progress
