from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coachcare.trajectories.outcome_inputs import outcome_refresher_install


class MonitoringConfig(AppConfig):
    name = "coachcare.monitoring"
    label = "monitoring"
    verbose_name = _("monitoring")

    def ready(self) -> None:
        # Installs the outcome summary's refresh behind the one door that the method and the money
        # call when an outcome input changes (trajectories/outcome_inputs.py; no signals involved).
        # Imported here, not at module level: services import models, which need the app registry.
        from coachcare.monitoring import services

        outcome_refresher_install(refresher=services.trajectory_outcomes_refresh)
