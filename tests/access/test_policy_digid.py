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
    assert with_gezag is not None and without_gezag is not None  # family members with an account
    no_relation = UserFactory.create(ouder=True)

    assert policy.can_log_in_with_digid(with_gezag)
    assert not policy.can_log_in_with_digid(without_gezag)
    assert not policy.can_log_in_with_digid(no_relation)


def test_parent_whose_gezag_ended_no_longer() -> None:
    """Gezag is dated: once it has ended, DigiD no longer lets the parent in."""
    import datetime

    from coachcare.core.dates import today

    ended = GezagRelationFactory.create(has_gezag=True, gezag_ends_on=today() - datetime.timedelta(days=1)).parent
    assert ended is not None
    assert not policy.can_log_in_with_digid(ended)
