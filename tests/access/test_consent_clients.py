"""``policy.consent_clients`` is the set form of ``policy.can_give_consent``: the same files."""

import datetime

from coachcare.access import policy
from coachcare.core.dates import today
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory, GezagRelationFactory
from tests.conftest import World


def test_consent_clients_agrees_with_can_give_consent(world: World) -> None:
    parent = UserFactory.create(ouder=True)
    young = ClientFactory.create(age=13)
    adult = ClientFactory.create(age=18)
    ended = ClientFactory.create(age=14)
    without_gezag = ClientFactory.create(age=14)
    GezagRelationFactory.create(client=young, parent=parent)
    GezagRelationFactory.create(client=adult, parent=parent)
    GezagRelationFactory.create(client=ended, parent=parent, gezag_ends_on=today() - datetime.timedelta(days=1))
    GezagRelationFactory.create(client=without_gezag, parent=parent, has_gezag=False)
    users = [parent, world.jongere, world.ouder, world.ouder_zonder_gezag, world.coach, world.toegang]
    for user in users:
        expected = {client.pk for client in (young, adult, ended, without_gezag, world.own, world.team)}
        expected = {pk for pk in expected if policy.can_give_consent(user, type(world.own).objects.get(pk=pk))}
        assert set(policy.consent_clients(user, on=today()).values_list("pk", flat=True)) == expected, user
    assert set(policy.consent_clients(parent, on=today()).values_list("pk", flat=True)) == {young.pk}
    world.jongere.is_active = False
    assert not policy.consent_clients(world.jongere, on=today()).exists()
