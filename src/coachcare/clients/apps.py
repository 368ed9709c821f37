from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "coachcare.clients"
    label = "clients"
