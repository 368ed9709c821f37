from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo and synthetic-data wing: ``seed_demo``, ``generate_population``, ``loadtest_prepare``
    and the demo installers. It writes through the domain apps; no domain app imports it."""

    name = "coachcare.demo"
    label = "demo"
