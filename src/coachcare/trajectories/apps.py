from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrajectoriesConfig(AppConfig):
    name = "coachcare.trajectories"
    verbose_name = _("trajectories")
    label = "trajectories"
