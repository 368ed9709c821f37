from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coachcare.coaching"
    label = "coaching"
