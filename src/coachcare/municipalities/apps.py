from django.apps import AppConfig


class MunicipalitiesConfig(AppConfig):
    name = "coachcare.municipalities"
    label = "municipalities"
