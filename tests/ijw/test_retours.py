"""Retours on our own messages (JW306/308/316/318): each record accepted or refused, the refused
ones in the provider administration's worklist (with the held messages of the export)."""

import dataclasses
import datetime
import html
import pathlib
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.contracts.models import Allocation, AllocationChangeRequest
from coachcare.ijw import services
from coachcare.ijw.messages import Retour, RetourItem, header_for
from coachcare.ijw.models import HeldMessage, IncomingMessage, RetourRecord
from coachcare.ijw.selectors import ijw_worklist_for
from coachcare.ijw.xml import parse, render
from tests.contracts.conftest import Contracted
from tests.contracts.factories import AllocationFactory
from tests.ijw import samples
from tests.ijw.conftest import sent_message

Login = Callable[[User], HttpClient]
WORKLIST = reverse("ijw:worklist")


@dataclasses.dataclass
class Sent:
    """One message of each kind sent to municipality A, and the key of its one record."""

    allocation: Allocation
    keys: dict[str, str]  # message name -> record key
    identifications: dict[str, str]  # message name -> identification sent


@pytest.fixture
def sent(contracted: Contracted) -> Sent:
    world = contracted.world
    allocation = AllocationFactory.create(approved=True, client=world.own, product=contracted.first)
    assert allocation.toewijzing_nummer is not None and allocation.end_date is not None
    requested = AllocationFactory.create(client=world.own, product=contracted.next)
    change = AllocationChangeRequest.objects.create(
        allocation=allocation,
        volume=3,
        volume_before=allocation.volume,
        end_date_before=allocation.end_date,
        reason="Meer modules nodig.",
        requested_by=world.coach,
        requested_at=datetime.datetime(2025, 2, 10, 10, tzinfo=datetime.UTC),
    )
    keys = {
        "JW305": allocation.toewijzing_nummer,
        "JW307": allocation.toewijzing_nummer,
        "JW315": str(requested.public_id),
        "JW317": str(change.public_id),
    }
    identifications = {}
    for index, (name, key) in enumerate(keys.items(), 1):
        identification = f"CC000000010{index}"
        sent_message(samples.from_provider(name).berichtcode, [key], identification=identification)
        identifications[name] = identification
    return Sent(allocation=allocation, keys=keys, identifications=identifications)


def _retour(
    contracted: Contracted, name: str, referentie: str, codes: list[str], items: list[RetourItem], ident: str = "G1"
) -> Retour:
    return Retour(
        header=header_for(
            name,
            afzender=contracted.world.municipality_a.code,
            ontvanger=contracted.world.provider.agb_code,
            identificatie=ident,
            dagtekening=samples.DAY,
        ),
        referentie=referentie,
        retourcodes=codes,
        items=items,
    )


RETOURS = [("JW306", "JW305"), ("JW308", "JW307"), ("JW316", "JW315"), ("JW318", "JW317")]


@pytest.mark.parametrize(("name", "answered"), RETOURS)
def test_a_retour_records_each_record_accepted_or_refused(
    contracted: Contracted, sent: Sent, name: str, answered: str
) -> None:
    key = sent.keys[answered]
    retour = _retour(
        contracted,
        name,
        sent.identifications[answered],
        ["0200"],
        [RetourItem(sleutel=key, retourcodes=["TR307", "0001"])],
    )
    data = render(retour)
    assert parse(data) == retour  # round trip
    result = services.ijw_import(data=data)
    assert result.notes == [f"{answered} {sent.identifications[answered]}: 1 record(s) refused"]
    records = list(RetourRecord.objects.order_by("id").values_list("record_key", "retour_codes", "accepted"))
    assert records == [("", ["0200"], True), (key, ["TR307", "0001"], False)]
    record = RetourRecord.objects.get(accepted=False)
    assert (record.answered_message_name, record.answered_identification) == (
        answered,
        sent.identifications[answered],
    )


@pytest.mark.parametrize(("name", "answered"), RETOURS)
def test_an_accepted_retour_leaves_nothing_refused(
    contracted: Contracted, sent: Sent, name: str, answered: str
) -> None:
    key = sent.keys[answered]
    retour = _retour(
        contracted, name, sent.identifications[answered], ["0200"], [RetourItem(sleutel=key, retourcodes=["0200"])]
    )
    services.ijw_import(data=render(retour))
    assert not RetourRecord.objects.filter(accepted=False).exists()
    assert RetourRecord.objects.count() == 2


def test_a_retour_refusing_the_whole_message_is_one_refused_header(contracted: Contracted, sent: Sent) -> None:
    retour = _retour(contracted, "JW306", sent.identifications["JW305"], ["TR056"], [])
    result = services.ijw_import(data=render(retour))
    assert result.notes == [f"JW305 {sent.identifications['JW305']} refused: TR056"]
    assert list(RetourRecord.objects.values_list("record_key", "accepted")) == [("", False)]


def test_a_retour_of_the_wrong_kind_is_refused(contracted: Contracted, sent: Sent) -> None:
    """A JW308 answers a JW307, not the JW305 it names."""
    retour = _retour(contracted, "JW308", sent.identifications["JW305"], ["0200"], [])
    with pytest.raises(services.IjwRejected) as rejected:
        services.ijw_import(data=render(retour))
    assert rejected.value.violations[0].rule == "IMPORT"
    assert not IncomingMessage.objects.exists() and not RetourRecord.objects.exists()


def test_a_retour_on_a_record_never_sent_is_refused(contracted: Contracted, sent: Sent) -> None:
    retour = _retour(
        contracted, "JW306", sent.identifications["JW305"], ["0200"], [RetourItem(sleutel="X999", retourcodes=["0200"])]
    )
    with pytest.raises(services.IjwRejected) as rejected:
        services.ijw_import(data=render(retour))
    [violation] = rejected.value.violations
    assert (violation.rule, violation.path) == ("IMPORT", "/Bericht/StartProducten/StartProduct[1]/ToewijzingNummer")
    assert not RetourRecord.objects.exists()


# --- the worklist page --------------------------------------------------------------------------


def _held(contracted: Contracted, agb: str) -> HeldMessage:
    now = datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC)
    return HeldMessage.objects.create(
        berichtcode="440",
        municipality_code="0344",
        provider_agb=agb,
        period="2025-02",
        subject_key=agb.ljust(64, "0"),
        client_public_ids=[str(contracted.world.own.public_id)],
        violations=[["OP072", "/Bericht/Client/StopProducten/StopProduct[1]/ToewijzingNummer"]],
        first_held_at=now,
        held_at=now,
    )


def test_the_team_lead_sees_held_and_refused_with_the_reason(
    contracted: Contracted, sent: Sent, login: Login, tmp_path: pathlib.Path
) -> None:
    world = contracted.world
    key = sent.keys["JW305"]
    retour = _retour(
        contracted, "JW306", sent.identifications["JW305"], ["0200"], [RetourItem(sleutel=key, retourcodes=["TR307"])]
    )
    services.ijw_import(data=render(retour))
    _held(contracted, world.provider.agb_code)
    _held(contracted, "99999999")  # another provider's
    response = login(world.teamleider).get(WORKLIST)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "iJw-werklijst" in page
    assert "OP072" in page and "een stop zonder eerder verstuurde start" in page
    assert str(world.own.public_id) in page
    assert world.own.bsn not in page and world.own.family_name not in page
    assert key in page and "TR307" in page and "de begindatum ligt buiten de toewijzingsperiode" in page
    assert len(response.context["held"]) == 1
    assert WORKLIST in page  # in the team lead's navigation


@pytest.mark.parametrize("who", ["coach", "toegang", "beleid", "beheerder", "jongere"])
def test_others_have_no_worklist(contracted: Contracted, login: Login, who: str) -> None:
    user = getattr(contracted.world, who)
    _held(contracted, contracted.world.provider.agb_code)
    assert login(user).get(WORKLIST).status_code == 403
    assert not ijw_worklist_for(actor=user).held.exists()


@pytest.mark.parametrize("whole_message", [False, True])
def test_a_refused_start_does_not_count_for_op072(contracted: Contracted, sent: Sent, whole_message: bool) -> None:
    from coachcare.ijw.selectors import validation_context_from_db

    number = sent.keys["JW305"]
    assert number in validation_context_from_db(direction="outgoing").started
    codes, items = (["TR056"], []) if whole_message else (["0200"], [RetourItem(sleutel=number, retourcodes=["TR307"])])
    services.ijw_import(data=render(_retour(contracted, "JW306", sent.identifications["JW305"], codes, items)))
    assert number not in validation_context_from_db(direction="outgoing").started
