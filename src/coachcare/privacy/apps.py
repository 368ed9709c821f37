from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "coachcare.privacy"
    verbose_name = _("privacy")
    label = "privacy"

    def ready(self) -> None:
        # Registers the built-in export sections and destroyers (no signals involved).
        from coachcare.privacy import sections  # noqa: F401
