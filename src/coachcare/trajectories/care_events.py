"""The one door from the method to the money's start and stop of care.

A module that starts or stops is a care event: the declarations app derives the iJw start and stop
of care (JW305/JW307) from the module runs. The trajectory services call ``care_events_changed()``
inside their transaction; the declarations app installs what happens then when it is ready
(``DeclarationsConfig.ready``: enqueue its idempotent sync task on commit). So no arrow runs from the
method up to the money, the same way as ``outcome_inputs`` for monitoring (docs/architecture.md).

No signals, and nothing degrades silently: calling it before a listener was installed raises.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_listener: list[Callable[[], None]] = []


def care_events_listener_install(*, listener: Callable[[], None]) -> None:
    """Install what a care event sets off (called once, by ``DeclarationsConfig.ready``; idempotent)."""
    _listener[:] = [listener]


def care_events_changed() -> None:
    """A module started or stopped in this transaction."""
    if not _listener:
        raise ImproperlyConfigured("No care-event listener is installed (is coachcare.declarations installed?).")
    _listener[0]()
