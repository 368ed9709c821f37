from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafeguardingConfig(AppConfig):
    name = "coachcare.safeguarding"
    label = "safeguarding"
    verbose_name = _("Safeguarding")
    default_auto_field = "django.db.models.BigAutoField"
