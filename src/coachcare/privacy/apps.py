from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "coachcare.privacy"
    label = "privacy"
