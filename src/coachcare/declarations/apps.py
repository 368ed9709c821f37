from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "coachcare.declarations"
    label = "declarations"
