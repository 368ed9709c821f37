from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running the platform: backups and restores (later: retention jobs, health)."""

    name = "coachcare.operations"
    verbose_name = _("operations")
    label = "operations"
