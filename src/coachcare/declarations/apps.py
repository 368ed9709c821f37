from django.apps import AppConfig
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coachcare.trajectories.care_events import care_events_listener_install


def _care_events_sync_on_commit() -> None:
    """After commit, derive the iJw start and stop of care in the background (idempotent)."""
    # Late: apps.py loads before the app registry is ready, and the task module imports models.
    from coachcare.declarations.tasks import care_events_sync_task

    transaction.on_commit(care_events_sync_task.enqueue)


class DeclarationsConfig(AppConfig):
    name = "coachcare.declarations"
    verbose_name = _("declarations")
    label = "declarations"

    def ready(self) -> None:
        # The trajectory services call trajectories.care_events.care_events_changed() when a module
        # starts or stops; this app decides what follows (no signals, no import from the method up).
        care_events_listener_install(listener=_care_events_sync_on_commit)
