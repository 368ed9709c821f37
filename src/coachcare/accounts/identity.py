"""Who is asking: the user and the verified second-factor device of a request, read once per request
from one cached structure instead of two queries (issue 19).

Django's ``AuthenticationMiddleware`` loads the user of the session from the database on every
request and django-otp's ``OTPMiddleware`` the device the session was verified with, each behind a
lazy proxy. ``identity_of`` answers the same question from the shared cache (Redis in production):
one entry per user holding the user as loaded from the database and the device last seen with it;
``RequireTwoFactorMiddleware`` (installed in the place of those two) puts its answer on the request.
Every check Django and django-otp make on each request is still made on the cached copies:

- the session names a configured authentication backend, and that backend would accept the user
  (``user_can_authenticate``: active, not a service account);
- the session's hash of the password still matches (a password change elsewhere logs out);
- the device belongs to the user and is confirmed, else it is dropped from the session.

The entry is forgotten whenever what it holds changes: any save or delete of the user (password,
role, team, municipality, activation: every role or assignment change saves the user) or of one of
the user's second-factor devices (``post_save``/``post_delete`` receivers below, connected when
``AccountsConfig.ready`` imports this module), and at logout. Bulk updates that bypass ``save()`` call
``identity_forget`` themselves (the reminder's mark in ``coaching.services.reminders_send``, the load-test
accounts); a test reads the source and fails on any function that ``update()``s users or devices
without it (``tests/accounts/test_identity.py``). Its lifetime (``IDENTITY_CACHE_SECONDS``, 0 = off) bounds what any
missed change could leave; off by default without a shared cache, since a per-process cache cannot
be told of a change made in another process.
"""

import functools
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from coachcare.accounts.models import User

#: Bump when the shape of an entry changes (a deployment must not read the old shape).
_VERSION = 1


def _key(user_id: Any) -> str:
    return f"accounts:identity:v{_VERSION}:{user_id}"


def identity_forget(*, user_ids: Iterable[Any]) -> None:
    """Forget the cached identity of these users (after a change that bypasses ``save()``)."""
    keys = [_key(user_id) for user_id in user_ids]
    if keys:
        cache.delete_many(keys)


def _user_loaded(request: HttpRequest) -> User | AnonymousUser:
    """The user of the session, with the checks of ``django.contrib.auth.get_user``, from the cache
    when it holds the user; ``AnonymousUser`` when there is none or a check fails."""
    session = request.session
    user_id = session.get(SESSION_KEY)
    backend_path = session.get(BACKEND_SESSION_KEY)
    if user_id is None or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    seconds = settings.IDENTITY_CACHE_SECONDS
    entry = cache.get(_key(user_id)) if seconds else None
    backend = load_backend(backend_path)
    if isinstance(entry, dict) and isinstance(entry.get("user"), User):
        user: User | None = entry["user"]
        if not getattr(backend, "user_can_authenticate", lambda _user: True)(user):
            user = None
    else:
        entry = None
        user = backend.get_user(User._meta.pk.to_python(user_id))
        if user is not None and seconds:
            entry = {"user": user, "device_id": None, "device": None}
            cache.set(_key(user_id), entry, timeout=seconds)
    if user is None:
        return AnonymousUser()
    session_hash = session.get(HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, _session_auth_hash(user)):
        # Rare (a rotated SECRET_KEY, a changed password, or a copy cached by a request that read the
        # user just before a password change): Django's own path, with its fallbacks, on the
        # database's user. A user it accepts gets its device like any other; the cached copy goes.
        from django.contrib.auth import get_user

        checked = get_user(request)
        if not isinstance(checked, User):
            return AnonymousUser()
        if entry is not None:
            identity_forget(user_ids=[checked.pk])
        _device_attach(request, checked, None)
        return checked
    _device_attach(request, user, entry)
    return user


#: ``user.get_session_auth_hash()`` by user, password (hash) and secret key, as this process computed
#: it: an HMAC of the password hash under the secret key, the same for the same three (issue 19: ~25
#: calls per request). A new password or key is a new entry; the table is emptied when it is full.
_session_hashes: dict[tuple[Any, str, str], str] = {}
_SESSION_HASHES_MAX = 10_000


def _session_auth_hash(user: User) -> str:
    key = (user.pk, user.password, settings.SECRET_KEY)
    value = _session_hashes.get(key)
    if value is None:
        if len(_session_hashes) >= _SESSION_HASHES_MAX:
            _session_hashes.clear()
        value = _session_hashes[key] = user.get_session_auth_hash()
    return value


def _device_attach(request: HttpRequest, user: User, entry: dict[str, Any] | None) -> None:
    """``user.otp_device`` and ``user.is_verified()`` as django-otp's middleware sets them."""
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    device = None
    if persistent_id:
        if entry is not None and entry.get("device_id") == persistent_id:
            device = entry["device"]
        else:
            device = Device.from_persistent_id(persistent_id)
            if entry is not None and device is not None:
                entry["device_id"], entry["device"] = persistent_id, device
                cache.set(_key(user.pk), entry, timeout=settings.IDENTITY_CACHE_SECONDS)
    if device is not None and (device.user_id != user.pk or not device.confirmed):
        device = None
    if device is None and DEVICE_ID_SESSION_KEY in request.session:
        del request.session[DEVICE_ID_SESSION_KEY]
    user.otp_device = device  # type: ignore[attr-defined]
    user.is_verified = functools.partial(_is_verified, user)  # type: ignore[attr-defined]


def _is_verified(user: Any) -> bool:
    return user.otp_device is not None


def identity_of(request: HttpRequest) -> User | AnonymousUser:
    """The user of this request with ``otp_device`` and ``is_verified()``; the same answer as
    ``request.user`` after Django's and django-otp's middleware, without their two queries when the
    cache holds it. Requests without a session (``/api/``, ``/fhir/``: a bearer token) keep what
    their own authentication sets."""
    if not hasattr(request, "session"):
        return AnonymousUser()
    user = _user_loaded(request)
    if isinstance(user, AnonymousUser):
        user.otp_device = None  # type: ignore[attr-defined]
        user.is_verified = functools.partial(_is_verified, user)  # type: ignore[attr-defined]
    return user


def forget_on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` receiver: a saved or deleted user or second-factor device
    invalidates that user's cached identity (cache upkeep only: no rule lives here)."""
    if isinstance(instance, User):
        identity_forget(user_ids=[instance.pk])
    elif isinstance(instance, Device):
        identity_forget(user_ids=[instance.user_id])


def forget_on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_out`` receiver."""
    if user is not None and getattr(user, "pk", None) is not None:
        identity_forget(user_ids=[user.pk])


# Connected per model (the user and every installed second-factor device model), never for all
# senders: a receiver without a sender would make every ``QuerySet.delete()`` in the project collect
# its rows first (Django's fast delete is off when a delete signal has receivers) and every save call it.
_WATCHED: list[type[Model]] = [User, *(model for model in apps.get_models() if issubclass(model, Device))]
for _model in _WATCHED:
    post_save.connect(
        forget_on_change, sender=_model, dispatch_uid=f"accounts-identity-save-{_model._meta.label_lower}"
    )
    post_delete.connect(
        forget_on_change, sender=_model, dispatch_uid=f"accounts-identity-delete-{_model._meta.label_lower}"
    )
user_logged_out.connect(forget_on_logout, dispatch_uid="accounts-identity-logout")
