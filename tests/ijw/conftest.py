import pytest

from coachcare.contracts.models import Allocation
from coachcare.ijw.models import OutgoingMessage
from tests.contracts.conftest import Contracted, contracted, mandated  # noqa: F401 - the contracted world fixtures
from tests.contracts.factories import AllocationFactory
from tests.ijw import samples


def sent_message(berichtcode: str, keys: list[str], identification: str = "CC0000000007") -> OutgoingMessage:
    """The record of a message sent to municipality A (0344) about ``keys`` (what ``ijw_export`` keeps)."""
    return OutgoingMessage.objects.create(
        berichtcode=berichtcode,
        identification=identification,
        dagtekening=samples.DAY,
        municipality_code="0344",
        period="2025-02",
        content_key=identification,
        sha256="0" * 64,
        toewijzing_nummers=keys,
    )


@pytest.fixture
def started(contracted: Contracted) -> tuple[Allocation, OutgoingMessage]:  # noqa: F811
    """An approved allocation of municipality A and the JW305 sent for it (what a retour answers)."""
    allocation = AllocationFactory.create(approved=True, client=contracted.world.own, product=contracted.first)
    assert allocation.toewijzing_nummer is not None
    return allocation, sent_message(samples.from_provider("JW305").berichtcode, [allocation.toewijzing_nummer])
