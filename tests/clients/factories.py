import factory

from coachcare.clients.models import Client, ClientNote, GezagRelation, ParentAccessDecision
from coachcare.clients.services import bsn_hash
from coachcare.core.dates import today
from tests.accounts.factories import UserFactory
from tests.factories import birth_date_for_age, next_bsn, nl
from tests.municipalities.factories import MunicipalityFactory
from tests.providers.factories import TeamFactory


class ClientFactory(factory.django.DjangoModelFactory[Client]):
    """A young person in care. ``age`` (default 15) is their age today; pass ``birth_date`` to pin it."""

    class Meta:
        model = Client

    class Params:
        age = 15

    bsn = factory.LazyFunction(next_bsn)
    bsn_hash = factory.LazyAttribute(lambda o: bsn_hash(o.bsn))
    given_name = nl("first_name")
    family_name = nl("last_name")
    birth_date = factory.LazyAttribute(lambda o: birth_date_for_age(o.age, today()))
    municipality = factory.SubFactory(MunicipalityFactory)
    coach = None
    team = factory.Maybe(
        "coach",
        yes_declaration=factory.SelfAttribute("coach.team"),
        no_declaration=factory.SubFactory(TeamFactory),
    )
    provider = factory.SelfAttribute("team.provider")
    user = None
    referred_on = factory.LazyFunction(today)


class GezagRelationFactory(factory.django.DjangoModelFactory[GezagRelation]):
    """A family member linked to a parent account (they use the portal)."""

    class Meta:
        model = GezagRelation

    client = factory.SubFactory(ClientFactory)
    parent = factory.SubFactory(UserFactory, ouder=True)
    kind = GezagRelation.Kind.PARENT
    given_name = factory.LazyAttribute(lambda o: o.parent.first_name if o.parent else "")
    family_name = factory.LazyAttribute(lambda o: o.parent.last_name if o.parent else "")
    has_gezag = True
    uses_portal = True


class CarerFactory(GezagRelationFactory):
    """A family member without an account (consents in person or on paper)."""

    parent = None  # type: ignore[assignment]
    kind = GezagRelation.Kind.MOTHER
    given_name = nl("first_name")
    family_name = nl("last_name")
    uses_portal = False


class ParentAccessDecisionFactory(factory.django.DjangoModelFactory[ParentAccessDecision]):
    class Meta:
        model = ParentAccessDecision

    client = factory.SubFactory(ClientFactory)
    parent = factory.SubFactory(UserFactory, ouder=True)
    kind = ParentAccessDecision.Kind.RESTRICTED
    reason = "Inzage zou de jongere schaden (vastgelegd door de coach)."
    recorded_by = factory.SubFactory(UserFactory, coach=True)
    revoked_at = None


class ClientNoteFactory(factory.django.DjangoModelFactory[ClientNote]):
    class Meta:
        model = ClientNote

    client = factory.SubFactory(ClientFactory)
    author = factory.SubFactory(UserFactory, coach=True)
    text = nl("paragraph")
