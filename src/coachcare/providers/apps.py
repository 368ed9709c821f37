from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "coachcare.providers"
    verbose_name = _("care providers")
    label = "providers"
