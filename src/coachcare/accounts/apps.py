from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "coachcare.accounts"
    label = "accounts"
