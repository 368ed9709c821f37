"""Two people opening the same invitation at the same moment: one account, never two.

Needs real concurrent transactions: PostgreSQL only (SQLite serialises every write anyway). The data
is committed outside a test transaction and removed row by row afterwards (as in
tests/contracts/test_concurrency.py). A staff invitation: accepting it writes no access-log entry,
which could not be removed again."""

import datetime
import threading
from collections.abc import Iterator

import pytest
from django.db import connection
from django.utils import timezone

from coachcare.accounts.models import Invitation, Role, User
from coachcare.accounts.services import InvitationUnusable, invitation_accept, invitation_token_hash
from coachcare.audit.services import AccessPoint
from coachcare.providers.models import Provider, Team
from tests.providers.factories import TeamFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

WORKERS = 6
TOKEN = "concurrent-acceptance-token"


@pytest.fixture
def committed(django_db_setup: None, django_db_blocker) -> Iterator[Invitation]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        team = TeamFactory.create()
        now = timezone.now()
        invitation = Invitation.objects.create(
            token_hash=invitation_token_hash(TOKEN),
            kind=Invitation.Kind.STAFF,
            role=Role.COACH,
            first_name="Kim",
            email="kim.concurrent@example.org",
            team=team,
            provider_id=team.provider_id,
            created_at=now,
            expires_at=now + datetime.timedelta(days=7),
        )
        try:
            yield invitation
        finally:
            Invitation.objects.filter(pk=invitation.pk).delete()
            User.objects.filter(username="kim.concurrent@example.org").delete()
            Team.objects.filter(pk=team.pk).delete()
            Provider.objects.filter(pk=team.provider_id).delete()


def test_concurrent_acceptance_makes_one_account(committed: Invitation, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(WORKERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept() -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            invitation_accept(
                token=TOKEN, password="a long walk on the beach 42", access_point=AccessPoint.command("test")
            )
            outcome = "ok"
        except InvitationUnusable as exc:
            outcome = f"unusable: {exc.state}"
        except Exception as exc:  # noqa: BLE001 - reported as a failure below
            outcome = f"error: {exc!r}"
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(outcome)

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=accept) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["ok"] + ["unusable: used"] * (WORKERS - 1), outcomes
        assert User.objects.filter(username="kim.concurrent@example.org").count() == 1
        committed.refresh_from_db()
        assert committed.used_at is not None
