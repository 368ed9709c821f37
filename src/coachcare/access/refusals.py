"""One way to say no outside a view: a policy refusal in a management command or the admin.

Views leave ``policy.AccessDenied``/``policy.Refused`` to ``access.middleware``. A management
command and an admin action have no middleware for it; these two helpers are the one place that
turns a refusal into their kind of answer, so no command or admin class writes its own ``except``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.http import HttpRequest

from coachcare.access import policy


@contextmanager
def refusals_as_command_errors() -> Iterator[None]:
    """Within the block, an ``AccessDenied`` becomes a ``CommandError`` with its message (the
    operator reads why, the command exits with status 1)."""
    try:
        yield
    except policy.AccessDenied as exc:
        raise CommandError(str(exc)) from exc


def admin_attempt(request: HttpRequest, action: Callable[[], object], *, subject: str) -> bool:
    """Runs ``action`` for an admin page; a refusal or a ``ValidationError`` becomes an admin error
    message ``"<subject>: <reason>"`` instead of an error page. True when the action succeeded."""
    try:
        action()
    except (ValidationError, policy.AccessDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, f"{subject}: {text}")
        return False
    return True
