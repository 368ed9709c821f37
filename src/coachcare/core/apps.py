from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coachcare.core"
    label = "core"
