from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "coachcare.providers"
    label = "providers"
