import factory

from coachcare.providers.models import Provider, Team
from tests.factories import nl


class ProviderFactory(factory.django.DjangoModelFactory[Provider]):
    class Meta:
        model = Provider

    agb_code = factory.Sequence(lambda n: f"{90_000_000 + n:08d}")
    name = nl("company")


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
