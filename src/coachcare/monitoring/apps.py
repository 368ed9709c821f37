from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "coachcare.monitoring"
    label = "monitoring"
    verbose_name = _("monitoring")

    def ready(self) -> None:
        # Registers the outcome summary's destroyer with the privacy app (no signals involved).
        from coachcare.monitoring import destroyers  # noqa: F401
