"""Writes of the API app: tokens and module progress reported through FHIR Task updates."""

import dataclasses
import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.models import ApiToken, ModuleProgress
from coachcare.audit.services import AccessPoint, Event, access_log_record
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
    """A new bearer token for ``user``, valid ``days`` days. Only its SHA-256 is stored."""
    if days < 1:
        raise ValueError("A token is valid for at least one day.")
    if days > MAX_TOKEN_DAYS:
        raise ValueError(f"A token is valid for at most {MAX_TOKEN_DAYS} days: issue a new one when it expires.")
    if not user.is_active:
        raise ValueError("The user is not active.")
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
    """The active user of a valid (known, unexpired, unrevoked) token, else None."""
    if not raw or len(raw) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


#: FHIR Task status -> what it means for the run, for the record only: coachcare's own state
#: (running, finished, evaluated) changes through the trajectory screens, never from outside.
TASK_STATUSES = frozenset(ModuleProgress.Status.values)


def module_progress_record(
    *, actor: User, run: ModuleRun, status: str, business_status: str, access_point: AccessPoint
) -> ModuleProgress:
    """Record the status an external module reports for a module run (FHIR Task update).

    Allowed for whoever may write the client's clinical file (the coach, the team lead, or a
    service account with the coach role in that team): the same rule as the screens.
    """
    client = run.trajectory.client
    if not policy.can_write_clinical(actor, client):
        raise policy.AccessDenied("No such task, or no access.")
    if status not in TASK_STATUSES:
        raise ValueError(f"Unknown task status: {status}.")
    with transaction.atomic():
        progress, _created = ModuleProgress.objects.update_or_create(
            module_run=run,
            defaults={
                "status": status,
                "business_status": business_status[:200],
                "updated_at": timezone.now(),
                "updated_by": actor,
            },
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="fhir.task.status",
            client_ids=[client.public_id],
            access_point=access_point,
        )
    return progress
