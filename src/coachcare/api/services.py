"""Writes of the API app: tokens and module progress reported through FHIR Task updates."""

import dataclasses
import datetime
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
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
    without a second factor)."""
    if not raw or len(raw) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__module_vendor_account")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not policy.can_hold_api_token(token.user):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


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
