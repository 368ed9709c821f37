from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "coachcare.messaging"
    label = "messaging"
