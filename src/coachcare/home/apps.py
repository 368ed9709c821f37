from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The top floor: pages composed from several domain apps (start page per role, navigation,
    client file, referral). It imports the domain apps; no domain app imports it."""

    name = "coachcare.home"
    label = "home"
