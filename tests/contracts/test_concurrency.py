"""Coaches starting a module at the same moment cannot use more than the allocated volume.

Needs real concurrent transactions: PostgreSQL only (SQLite serialises every write anyway). The
data is committed outside a test transaction and removed row by row afterwards: a transactional
test would end with a TRUNCATE of every table, which the append-only access log refuses.
"""

import threading
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.contracts.models import Allocation, Contract, ContractProduct
from coachcare.contracts.services import allocation_consume
from coachcare.core.dates import today
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider, Team
from tests.contracts.factories import AllocationFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

WORKERS = 6
VOLUME = 2


def _remove(allocation: Allocation) -> None:
    client = Client.objects.select_related("team").get(pk=allocation.client_id)
    requester = User.objects.select_related("team").get(pk=allocation.requested_by_id)
    contract = Contract.objects.get(pk=allocation.contract_id)
    teams = [team for team in (client.team, requester.team) if team is not None]
    Allocation.objects.filter(pk=allocation.pk).delete()
    ContractProduct.objects.filter(contract=contract).delete()
    Contract.objects.filter(pk=contract.pk).delete()
    Client.objects.filter(pk=client.pk).delete()
    User.objects.filter(pk=requester.pk).delete()
    Team.objects.filter(pk__in=[team.pk for team in teams]).delete()
    Provider.objects.filter(pk__in=[contract.provider_id, *(team.provider_id for team in teams)]).delete()
    Municipality.objects.filter(pk=contract.municipality_id or 0).delete()


@pytest.fixture
def committed(django_db_setup: None, django_db_blocker) -> Iterator[Allocation]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        allocation = AllocationFactory.create(approved=True, volume=VOLUME)
        try:
            yield allocation
        finally:
            _remove(allocation)


def test_concurrent_consumption_never_exceeds_the_volume(committed: Allocation, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(WORKERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def consume() -> None:
        from django.db import connection as thread_connection

        try:
            own = Allocation.objects.get(pk=committed.pk)
            barrier.wait(timeout=10)
            allocation_consume(allocation=own, on=today())
            outcome = "ok"
        except ValidationError:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - reported as a failure below
            outcome = f"error: {exc!r}"
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(outcome)

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=consume) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        committed.refresh_from_db()

    assert sorted(outcomes) == ["ok"] * VOLUME + ["refused"] * (WORKERS - VOLUME)
    assert committed.volume_used == VOLUME
