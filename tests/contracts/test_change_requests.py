"""Change requests (iJw JW317): asked by the coach on an approved allocation, decided by the municipality."""

import datetime
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from coachcare.access import policy
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.contracts import services
from coachcare.contracts.models import Allocation, AllocationChangeRequest, ChangeRequestStatus
from coachcare.core.dates import today
from tests.contracts.conftest import TARIFF_FIRST, Contracted
from tests.contracts.factories import AllocationFactory

WEB = AccessPoint(channel="web", address="127.0.0.1")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def granted(contracted: Contracted) -> Allocation:
    return AllocationFactory.create(approved=True, client=contracted.world.own, product=contracted.first, volume=1)


def _ask(c: Contracted, allocation: Allocation, **fields: object) -> AllocationChangeRequest:
    arguments: dict[str, object] = {"volume": 3, "reason": "Meer modules nodig volgens plan."}
    arguments.update(fields)
    return services.allocation_change_request(
        actor=c.world.coach,
        allocation=allocation,
        access_point=WEB,
        **arguments,  # type: ignore[arg-type]
    )


def test_coach_asks_for_a_change_logged(contracted: Contracted, granted: Allocation) -> None:
    change = _ask(contracted, granted)
    assert change.status == ChangeRequestStatus.REQUESTED
    assert (change.volume, change.volume_before, change.end_date_before) == (3, 1, granted.end_date)
    assert AccessLogEntry.objects.filter(action="allocation.change_request").exists()


def test_only_the_coach_of_the_client_asks(contracted: Contracted, granted: Allocation) -> None:
    for actor in (contracted.world.coach_other_team, contracted.world.toegang):
        with pytest.raises(policy.AccessDenied):
            services.allocation_change_request(actor=actor, allocation=granted, volume=2, reason="x", access_point=WEB)
    assert not AllocationChangeRequest.objects.exists()


def test_change_needs_an_approved_allocation_a_change_and_a_reason(contracted: Contracted) -> None:
    requested = AllocationFactory.create(client=contracted.world.own, product=contracted.first)
    with pytest.raises(ValidationError, match="approved allocation"):
        _ask(contracted, requested)
    granted = AllocationFactory.create(approved=True, client=contracted.world.own, product=contracted.first)
    with pytest.raises(ValidationError, match="at least one change"):
        _ask(contracted, granted, volume=None)
    with pytest.raises(ValidationError, match="reason"):
        _ask(contracted, granted, reason="  ")
    with pytest.raises(ValidationError, match="no change"):
        _ask(contracted, granted, volume=granted.volume)
    with pytest.raises(ValidationError):
        _ask(contracted, granted, volume=None, end_date=today() - datetime.timedelta(days=1))


def test_approval_updates_volume_end_date_and_budget(contracted: Contracted, granted: Allocation) -> None:
    later = today() + datetime.timedelta(days=300)
    change = _ask(contracted, granted, volume=3, end_date=later)
    decided = services.allocation_change_decide(
        actor=contracted.world.toegang, change=change, approve=True, access_point=WEB
    )
    assert decided.status == ChangeRequestStatus.APPROVED
    assert decided.decided_by == contracted.world.toegang
    granted.refresh_from_db()
    assert (granted.volume, granted.end_date, granted.budget_cents) == (3, later, 3 * TARIFF_FIRST)
    with pytest.raises(ValidationError, match="already been decided"):
        services.allocation_change_decide(
            actor=contracted.world.toegang, change=change, approve=False, access_point=WEB
        )


def test_rejection_leaves_the_allocation(contracted: Contracted, granted: Allocation) -> None:
    change = _ask(contracted, granted)
    services.allocation_change_decide(actor=contracted.world.toegang, change=change, approve=False, access_point=WEB)
    change.refresh_from_db()
    granted.refresh_from_db()
    assert change.status == ChangeRequestStatus.REJECTED
    assert granted.volume == 1
    assert AccessLogEntry.objects.filter(action="allocation.change_reject").exists()


def test_only_the_clients_municipality_decides(contracted: Contracted, granted: Allocation) -> None:
    change = _ask(contracted, granted)
    for actor in (contracted.world.toegang_other, contracted.world.coach):
        with pytest.raises(policy.AccessDenied):
            services.allocation_change_decide(actor=actor, change=change, approve=True, access_point=WEB)


def test_approval_respects_the_yearly_budget(mandated: Contracted) -> None:
    allocation = AllocationFactory.create(approved=True, client=mandated.world.own, product=mandated.first)
    change = _ask(mandated, allocation, volume=1000)
    with pytest.raises(ValidationError, match="remaining yearly budget"):
        services.allocation_change_decide(actor=mandated.world.toegang, change=change, approve=True, access_point=WEB)
    allocation.refresh_from_db()
    assert allocation.volume == 1
