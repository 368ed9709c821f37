from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "coachcare.accounts"
    verbose_name = _("accounts")
    label = "accounts"

    def ready(self) -> None:
        # In ready(), not at module level: the app registry must be ready (apps.py loads before models).
        from coachcare.accounts import checks  # noqa: F401  (registers the DigiD settings check)

        # Second-factor devices are read-only in the admin, whichever django-otp plugin registered them.
        from coachcare.accounts.admin import device_admins_read_only

        device_admins_read_only()

        # The cached identity of a request (user and verified device) is forgotten when either changes.
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_delete, post_save

        from coachcare.accounts import identity

        post_save.connect(identity.forget_on_change, dispatch_uid="accounts-identity-save")
        post_delete.connect(identity.forget_on_change, dispatch_uid="accounts-identity-delete")
        user_logged_out.connect(identity.forget_on_logout, dispatch_uid="accounts-identity-logout")
