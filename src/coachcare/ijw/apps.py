from django.apps import AppConfig


class IjwConfig(AppConfig):
    name = "coachcare.ijw"
    label = "ijw"
