from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "coachcare.accounts"
    label = "accounts"

    def ready(self) -> None:
        from coachcare.accounts import checks  # noqa: F401  (registers the DigiD settings check)
