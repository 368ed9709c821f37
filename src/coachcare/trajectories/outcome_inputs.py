"""The one door from the method and the money to the monitoring summary.

A service that changes an input of the outcome summary (closure, follow-up answer, gate decision,
evaluation, a declaration submitted or answered, a destroyed file) or of the waiting times (the
referral, a module start, an appointment planned, moved or cancelled, a move or a municipal merger)
calls
``outcome_inputs_changed(trajectory_ids=...)`` inside its own transaction, so the summary commits or
rolls back with the change. This module sits below both callers (trajectories and declarations)
and knows nothing of monitoring: the monitoring app installs its refresh here when it is ready
(``MonitoringConfig.ready``), so no arrow runs from the method or the money up to monitoring.

No signals, and nothing degrades silently: calling it before a refresher was installed raises.
"""

from collections.abc import Iterable
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class OutcomeRefresher(Protocol):
    """``trajectory_ids`` may be a list or a ``values_list(..., flat=True)`` queryset; returns rows written."""

    def __call__(self, *, trajectory_ids: Iterable[int]) -> int: ...


_refresher: list[OutcomeRefresher] = []


def outcome_refresher_install(*, refresher: OutcomeRefresher) -> None:
    """Install the summary's refresh (called once, by ``MonitoringConfig.ready``; idempotent)."""
    _refresher[:] = [refresher]


def outcome_inputs_changed(*, trajectory_ids: Iterable[int]) -> int:
    """The outcome inputs of these trajectories changed: bring the summary up to date in this transaction."""
    if not _refresher:
        raise ImproperlyConfigured("No outcome summary refresher is installed (is coachcare.monitoring installed?).")
    return _refresher[0](trajectory_ids=trajectory_ids)
