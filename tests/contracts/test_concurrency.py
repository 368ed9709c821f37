"""Coaches starting a module at the same moment cannot use more than the allocated volume.

Needs real concurrent transactions: PostgreSQL only (SQLite serialises every write anyway). The
data is committed outside a test transaction and removed row by row afterwards: a transactional
test would end with a TRUNCATE of every table, which the append-only access log refuses.
"""

import dataclasses
import datetime
import threading
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.contracts import services
from coachcare.contracts.models import Allocation, Contract, ContractProduct
from coachcare.contracts.services import allocation_approve, allocation_consume
from coachcare.core.dates import today
from coachcare.municipalities.models import Municipality, Region, RegionMembership
from coachcare.providers.models import Provider, Team
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory
from tests.contracts.factories import AllocationFactory, ContractProductFactory

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


# --- the regional remainder (issue 18.2): members without a share draw on it at once ----------------

REGIONAL_TARIFF = 125_000
REGIONAL_BUDGET = 2 * REGIONAL_TARIFF  # the remainder covers two modules, whichever member asks


@dataclasses.dataclass
class RegionalRequests:
    requests: list[Allocation]
    deciders: dict[int, User]  # per municipality id: its access team


@pytest.fixture
def regional_requests(django_db_setup: None, django_db_blocker) -> Iterator[RegionalRequests]:  # type: ignore[no-untyped-def]
    """A regional contract of two members without budget shares, and WORKERS open requests for one
    module each, alternately of a young person of either member (committed: the threads see them)."""
    with django_db_blocker.unblock():
        first = AllocationFactory.create()  # the requester, a provider and its team
        provider = Contract.objects.get(pk=first.contract_id).provider
        members = [Municipality.objects.create(code=f"{8100 + i}", name=f"Lid {i}") for i in range(2)]
        region = Region.objects.create(name="Regio Gelijktijdig", lead_municipality=members[0])
        for member in members:
            RegionMembership.objects.create(region=region, municipality=member, valid_from=datetime.date(2000, 1, 1))
        regional = services.regional_contract_create(
            region=region,
            provider=provider,
            valid_from=datetime.date(today().year, 1, 1),
            yearly_budget_cents=REGIONAL_BUDGET,
        )
        product = ContractProductFactory.create(contract=regional, tariff_cents=REGIONAL_TARIFF)
        parts = list(regional.parts.order_by("municipality__code"))
        team = Team.objects.create(provider=provider, name="Team regio")
        clients = [ClientFactory.create(municipality=m, team=team) for m in members]
        deciders = {m.pk: UserFactory.create(toegang=True, municipality=m) for m in members}
        requests = [
            Allocation.objects.create(
                client=clients[i % 2],
                contract=parts[i % 2],
                product=product,
                requested_by_id=first.requested_by_id,
                requested_at=first.requested_at,
            )
            for i in range(WORKERS)
        ]
        try:
            yield RegionalRequests(requests=requests, deciders=deciders)
        finally:
            Allocation.objects.filter(pk__in=[a.pk for a in requests]).delete()
            ContractProduct.objects.filter(pk=product.pk).delete()
            Contract.objects.filter(part_of=regional).delete()
            Contract.objects.filter(pk=regional.pk).delete()
            Client.objects.filter(pk__in=[c.pk for c in clients]).delete()
            Team.objects.filter(pk=team.pk).delete()
            User.objects.filter(pk__in=[u.pk for u in deciders.values()]).delete()
            RegionMembership.objects.filter(region=region).delete()
            Region.objects.filter(pk=region.pk).delete()
            Municipality.objects.filter(pk__in=[m.pk for m in members]).delete()
            _remove(first)


def test_concurrent_grants_on_the_regional_remainder_never_overspend(  # type: ignore[no-untyped-def]
    regional_requests: RegionalRequests, django_db_blocker
) -> None:
    """Two members without a share draw on one regional remainder. Each grant locks its member's
    part; without also locking the regional contract's row, grants of the two members would be
    checked at the same moment and together pass the budget."""
    barrier = threading.Barrier(WORKERS)
    outcomes: list[str] = []
    lock = threading.Lock()
    web = AccessPoint(channel="web", address="127.0.0.1")

    def grant(allocation_pk: int) -> None:
        from django.db import connection as thread_connection

        try:
            allocation = Allocation.objects.select_related("client", "product", "contract").get(pk=allocation_pk)
            actor = regional_requests.deciders[allocation.client.municipality_id]
            barrier.wait(timeout=10)
            allocation_approve(
                actor=actor,
                allocation=allocation,
                volume=1,
                start_date=today(),
                end_date=today(),
                access_point=web,
            )
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
        threads = [threading.Thread(target=grant, args=(a.pk,)) for a in regional_requests.requests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        pks = [a.pk for a in regional_requests.requests]
        granted = Allocation.objects.filter(pk__in=pks, status="approved").aggregate(total=Sum("budget_cents"))

    assert sorted(outcomes) == ["ok"] * 2 + ["refused"] * (WORKERS - 2)
    assert granted["total"] == REGIONAL_BUDGET
