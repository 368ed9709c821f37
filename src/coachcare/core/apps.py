from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coachcare.core"
    label = "core"

    def ready(self) -> None:
        from coachcare.core import checks  # noqa: F401  (registers the system checks)
