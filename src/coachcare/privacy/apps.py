from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "coachcare.privacy"
    verbose_name = _("privacy")
    label = "privacy"

    def ready(self) -> None:
        # Every app that holds client data declares its export sections and destroyers in its own
        # data_rights.py (declared against core/data_rights.py), found here as the admin finds admin.py.
        autodiscover_modules("data_rights")
