from django.apps import AppConfig


class TrajectoriesConfig(AppConfig):
    name = "coachcare.trajectories"
    label = "trajectories"
