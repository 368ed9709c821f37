from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coachcare.coaching"
    verbose_name = _("coaching and portal")
    label = "coaching"
