from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MethodConfig(AppConfig):
    name = "coachcare.method"
    label = "method"
    verbose_name = _("method catalogue")
