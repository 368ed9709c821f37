import factory

from coachcare.safeguarding.models import MeldcodeCase, MeldcodeStep
from tests.clients.factories import ClientFactory


class MeldcodeCaseFactory(factory.django.DjangoModelFactory[MeldcodeCase]):
    class Meta:
        model = MeldcodeCase

    client = factory.SubFactory(ClientFactory)
    opened_by = factory.SelfAttribute("client.coach")


class MeldcodeStepFactory(factory.django.DjangoModelFactory[MeldcodeStep]):
    class Meta:
        model = MeldcodeStep

    case = factory.SubFactory(MeldcodeCaseFactory)
    step = MeldcodeStep.Step.SIGNALS
    performed_on = factory.Faker("past_date")
    recorded_by = factory.SelfAttribute("case.opened_by")
    notes = "Blauwe plekken op de arm gezien"
