from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "coachcare.core"
    verbose_name = _("general")
    label = "core"

    def ready(self) -> None:
        # In ready(), not at module level: the app registry must be ready (apps.py loads before models).
        from coachcare.core import checks  # noqa: F401  (registers the system checks)
