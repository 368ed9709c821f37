from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "coachcare.accounts"
    verbose_name = _("accounts")
    label = "accounts"

    def ready(self) -> None:
        # In ready(), not at module level: the app registry must be ready (apps.py loads before models).
        # checks: registers the DigiD settings check; identity: connects the receivers that forget a
        # cached identity (user and verified device) when either changes.
        from coachcare.accounts import checks, identity  # noqa: F401

        # Second-factor devices are read-only in the admin, whichever django-otp plugin registered them.
        from coachcare.accounts.admin import device_admins_read_only

        device_admins_read_only()
