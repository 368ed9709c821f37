from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the platform: backups and restores (later: retention jobs, health)."""

    name = "coachcare.operations"
    label = "operations"
