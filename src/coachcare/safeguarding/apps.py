from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafeguardingConfig(AppConfig):
    name = "coachcare.safeguarding"
    label = "safeguarding"
    verbose_name = _("Safeguarding")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the meldcode's destroyer with the privacy app (no signals involved).
        from coachcare.safeguarding import destroyers  # noqa: F401
