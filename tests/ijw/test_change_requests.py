"""Change requests (JW317): the provider administration's page, the service that asks one by
allocation number, the JW317 it becomes (round trip) and what the exchange did with it."""

import dataclasses
import datetime
import html
import pathlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.contracts.models import Allocation, AllocationChangeRequest
from coachcare.core.dates import today
from coachcare.ijw import services
from coachcare.ijw.messages import ChangeRequest, Retour, RetourItem, header_for
from coachcare.ijw.validation import validate
from coachcare.ijw.xml import parse, render
from tests.contracts.conftest import Contracted
from tests.contracts.factories import AllocationFactory, ContractProductFactory
from tests.ijw import samples

pytestmark = pytest.mark.django_db
Login = Callable[[User], HttpClient]
LIST = reverse("ijw:change_request_list")
AP = AccessPoint.system("test")


def _detail(change: AllocationChangeRequest) -> str:
    return reverse("ijw:change_request_detail", args=[change.public_id])


@pytest.fixture
def allocation(contracted: Contracted) -> Allocation:
    return AllocationFactory.create(approved=True, client=contracted.world.own, product=contracted.first, volume=2)


def _ask(
    contracted: Contracted,
    allocation: Allocation,
    *,
    volume: int | None = 4,
    end_date: datetime.date | None = None,
    reason: str = "Meer sessies nodig volgens plan.",
) -> AllocationChangeRequest:
    assert allocation.toewijzing_nummer is not None
    return services.ijw_change_request_ask(
        actor=contracted.world.teamleider,
        toewijzing_nummer=allocation.toewijzing_nummer,
        volume=volume,
        end_date=end_date,
        reason=reason,
        access_point=AP,
    )


def test_the_team_lead_asks_a_change_on_the_page_and_sees_it(
    contracted: Contracted, allocation: Allocation, login: Login
) -> None:
    world = contracted.world
    http = login(world.teamleider)
    assert http.get(LIST).status_code == 200
    response = http.post(
        LIST,
        {"toewijzing_nummer": allocation.toewijzing_nummer, "volume": "5", "end_date": "", "reason": "Extra sessies."},
    )
    change = AllocationChangeRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(change)
    assert (change.volume, change.volume_before, change.end_date) == (5, 2, None)
    page = html.unescape(http.get(_detail(change)).content.decode())
    assert allocation.toewijzing_nummer is not None
    assert allocation.toewijzing_nummer in page and "Extra sessies." in page
    assert world.own.bsn not in page and world.own.family_name not in page
    assert AccessLogEntry.objects.filter(action="ijw.change_request", client_public_id=world.own.public_id).exists()
    listing = html.unescape(http.get(LIST).content.decode())
    assert allocation.toewijzing_nummer in listing and "Extra sessies." not in listing  # no reason in the list


def test_an_unknown_or_foreign_allocation_number_is_refused(
    contracted: Contracted, allocation: Allocation, login: Login
) -> None:
    foreign = AllocationFactory.create(approved=True, product=ContractProductFactory.create())  # another provider
    http = login(contracted.world.teamleider)
    for number in ("0000000000", foreign.toewijzing_nummer):
        response = http.post(LIST, {"toewijzing_nummer": number, "volume": "5", "reason": "Extra."})
        assert response.status_code == 200
        assert response.context["form"].errors["toewijzing_nummer"]
    assert not AllocationChangeRequest.objects.exists()


@pytest.mark.parametrize(
    ("fields", "error"),
    [({"volume": None}, "__all__"), ({"volume": 4, "reason": " "}, "reason"), ({"volume": 2}, "__all__")],
)
def test_the_service_rules_hold_on_the_page(
    contracted: Contracted, allocation: Allocation, fields: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        _ask(contracted, allocation, **fields)
    assert error in raised.value.message_dict


@pytest.mark.parametrize("who", ["coach", "toegang", "beleid", "beheerder", "jongere", "ouder"])
def test_only_the_provider_administration_sees_change_requests(
    contracted: Contracted, allocation: Allocation, login: Login, who: str
) -> None:
    change = _ask(contracted, allocation)
    http = login(contracted.world.user(who))
    assert http.get(LIST).status_code == 403
    assert http.get(_detail(change)).status_code == 403


def test_the_list_takes_the_same_number_of_queries_for_more_rows(
    contracted: Contracted, login: Login, allocation: Allocation
) -> None:
    http = login(contracted.world.teamleider)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get(LIST).status_code == 200
        return len(captured)

    _ask(contracted, allocation)
    queries()  # the first page of a session reads a little more (session, navigation)
    one = queries()
    for _ in range(5):
        other = AllocationFactory.create(approved=True, client=contracted.world.own, product=contracted.first, volume=2)
        _ask(contracted, other)
    assert len(http.get(LIST).context["rows"]) == 6
    assert queries() == one


def test_the_export_sends_the_asked_change_and_the_page_shows_the_jw317_and_its_retour(
    contracted: Contracted, allocation: Allocation, login: Login, tmp_path: pathlib.Path
) -> None:
    assert allocation.end_date is not None
    change = _ask(contracted, allocation, volume=None, end_date=allocation.end_date + datetime.timedelta(days=30))
    period = today().strftime("%Y-%m")
    result = services.ijw_export(
        municipality=contracted.world.municipality_a, period=period, out_dir=tmp_path, access_point=AP
    )
    [path] = [path for path in result.files if path.name.startswith("486_")]
    message = parse(path.read_bytes())
    assert isinstance(message, ChangeRequest)
    [item] = message.items
    assert (item.referentie_aanbieder, item.toewijzingnummer) == (str(change.public_id), allocation.toewijzing_nummer)
    assert (item.volume, item.einddatum) == (2, change.end_date)
    identification = message.header.identificatie
    retour = Retour(
        header=header_for(
            "JW318",
            afzender=contracted.world.municipality_a.code,
            ontvanger=contracted.world.provider.agb_code,
            identificatie="G18",
            dagtekening=today(),
        ),
        referentie=identification,
        retourcodes=["0200"],
        items=[RetourItem(sleutel=str(change.public_id), retourcodes=["TR308"])],
    )
    services.ijw_import(data=render(retour))
    http = login(contracted.world.teamleider)
    listing = html.unescape(http.get(LIST).content.decode())
    assert identification in listing and "TR308" in listing
    detail = html.unescape(http.get(_detail(change)).content.decode())
    assert identification in detail and "TR308" in detail


def test_the_jw317_of_a_change_round_trips_and_is_valid(contracted: Contracted, allocation: Allocation) -> None:
    change = _ask(contracted, allocation)
    message = services.change_request_message_build(change=change)
    header = header_for(
        "JW317",
        afzender=contracted.world.provider.agb_code,
        ontvanger=contracted.world.municipality_a.code,
        identificatie="CC0000000099",
        dagtekening=samples.DAY,
    )
    message = dataclasses.replace(message, header=header)
    data = render(message)
    assert parse(data) == message
    assert validate(data) == []
    assert b"Meer sessies" not in data  # the reason is not sent
