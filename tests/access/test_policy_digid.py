"""Who may log in with DigiD (``policy.can_log_in_with_digid``)."""

import pytest

from coachcare.access import policy
from tests.accounts.factories import UserFactory
from tests.clients.factories import GezagRelationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["coach", "teamleider", "toegang", "beleid", "beheerder"])
def test_professionals_never(role: str) -> None:
    assert not policy.can_log_in_with_digid(UserFactory.create(**{role: True}))


def test_young_person_while_active() -> None:
    assert policy.can_log_in_with_digid(UserFactory.create(jongere=True))
    assert not policy.can_log_in_with_digid(UserFactory.create(jongere=True, is_active=False))


def test_parent_only_with_gezag() -> None:
    with_gezag = GezagRelationFactory.create(has_gezag=True).parent
    without_gezag = GezagRelationFactory.create(has_gezag=False).parent
    no_relation = UserFactory.create(ouder=True)

    assert policy.can_log_in_with_digid(with_gezag)
    assert not policy.can_log_in_with_digid(without_gezag)
    assert not policy.can_log_in_with_digid(no_relation)
