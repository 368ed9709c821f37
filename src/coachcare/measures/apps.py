from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "coachcare.measures"
    label = "measures"
    verbose_name = _("outcome measures")

    def ready(self) -> None:
        # In ready(), not at module level: the app registry must be ready (apps.py loads before models).
        from coachcare.measures import checks  # noqa: F401  (registers the GAS convention check)
