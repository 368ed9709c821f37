import factory

from coachcare.municipalities.models import Municipality, Region
from tests.factories import nl


class MunicipalityFactory(factory.django.DjangoModelFactory[Municipality]):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{9000 + n % 1000:04d}")
    name = nl("city")
    is_active = True


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Jeugdregio {n + 1}")
    lead_municipality = factory.SubFactory(MunicipalityFactory)
