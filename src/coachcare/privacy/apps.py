from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "coachcare.privacy"
    label = "privacy"

    def ready(self) -> None:
        # Registers the built-in export sections and destroyers (no signals involved).
        from coachcare.privacy import sections  # noqa: F401
