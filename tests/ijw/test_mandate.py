"""The mandate done right, in both systems of record (issue 18.3).

A module started under the mandate gets no number of coachcare's own: its JW315 goes out with the
next export, the declaration run holds it ("waiting for the municipality's allocation") and it is
declared under the number the municipality issues (the JW301 that answers the JW315, or, where the
municipality decides in coachcare, the access team's grant there). Every message goes through the
XML codec and the validation.
"""

import dataclasses
import datetime
import pathlib
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from coachcare.audit.services import AccessPoint
from coachcare.contracts import services as contract_services
from coachcare.contracts.models import Allocation, AllocationNotice, AllocationStatus, AllocationSystem
from coachcare.core.dates import today
from coachcare.declarations import services as declaration_services
from coachcare.declarations.models import DeclarationLine
from coachcare.ijw import selectors, services
from coachcare.ijw.messages import (
    AllocatedProduct,
    AllocationRequest,
    Declaration,
    Message,
    RequestAnswer,
    header_for,
)
from coachcare.ijw.models import OutgoingMessage
from coachcare.ijw.schema import BERICHTCODES
from coachcare.ijw.validation import validate
from coachcare.ijw.xml import parse, render
from coachcare.municipalities.models import Municipality
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.contracts.conftest import FIRST, NEXT, TARIFF_NEXT, Contracted
from tests.contracts.factories import AllocationFactory
from tests.ijw import samples

WEB = AccessPoint(channel="web", address="127.0.0.1")
SYSTEM = AccessPoint.system("test")
MUNICIPALITY_NUMBER = "4400000001"


def _municipality_of(allocation: Allocation) -> Municipality:
    """The allocation's municipality (a municipality's contract or a member's part always has one)."""
    municipality = allocation.contract.municipality
    assert municipality is not None
    return municipality


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(params=[AllocationSystem.COACHCARE, AllocationSystem.MUNICIPALITY])
def system(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@dataclasses.dataclass
class Started:
    contracted: Contracted
    allocation: Allocation
    run: ModuleRun

    @property
    def period(self) -> str:
        return today().strftime("%Y-%m")


def _mandate_start(mandated: Contracted, allocation_system: str) -> Started:
    """The first module granted by the municipality, then the next one started under the mandate
    and delivered today."""
    world = mandated.world
    mandated.contract.allocation_system = allocation_system
    mandated.contract.save(update_fields=["allocation_system"])
    AllocationFactory.create(approved=True, client=world.own, product=mandated.first)
    allocation = contract_services.allocation_request(
        actor=world.coach, client=world.own, module_code=NEXT, access_point=WEB
    )
    trajectory = Trajectory.objects.create(
        client=world.own,
        municipality_id=world.own.municipality_id,
        referrer_kind="gemeente",
        referred_on=today() - datetime.timedelta(days=30),
        method_version=mandated.modules[0].method_version,
    )
    contract_services.allocation_consume(allocation=allocation, on=today())
    run = ModuleRun.objects.create(
        trajectory=trajectory,
        module=mandated.modules[1],
        sequence=2,
        allocation=allocation,
        started_on=today(),
        due_on=today() + datetime.timedelta(weeks=8),
        finished_on=today(),
        state=ModuleRun.State.FINISHED,
    )
    return Started(contracted=mandated, allocation=allocation, run=run)


@pytest.fixture
def started(mandated: Contracted, system: str) -> Started:
    return _mandate_start(mandated, system)


def _jw301_answering(
    started: Started,
    *,
    reference: bool = True,
    number: str = MUNICIPALITY_NUMBER,
    ingangsdatum: datetime.date | None = None,
) -> bytes:
    """The municipality's JW301 answering the JW315 of the mandate start (by our reference, or
    by client, product and period only)."""
    allocation = started.allocation
    item = AllocatedProduct(
        toewijzingnummer=number,
        referentie_aanbieder=str(allocation.public_id) if reference else "",
        categorie=allocation.product.ijw_product_category,
        code=allocation.product.ijw_product_code,
        toewijzingsdatum=today(),
        ingangsdatum=ingangsdatum or today(),
        einddatum=today() + datetime.timedelta(days=180),
        volume=1,
        eenheid="82",
        frequentie="6",
        budget_cents=TARIFF_NEXT,
    )
    message = dataclasses.replace(
        samples.allocation(),
        header=header_for(
            "JW301",
            afzender=_municipality_of(allocation).code,
            ontvanger=allocation.contract.provider.agb_code,
            identificatie="G00000000301",
            dagtekening=today(),
        ),
        client=dataclasses.replace(samples.CLIENT, bsn=started.contracted.world.own.bsn),
        items=[item],
    )
    return render(message)


def _export(started: Started, out: pathlib.Path) -> list[pathlib.Path]:
    services.ijw_export(
        municipality=started.contracted.world.municipality_a, period=started.period, out_dir=out, access_point=SYSTEM
    )
    return sorted(out.glob("*.xml"))


def _messages(files: list[pathlib.Path]) -> list[Message]:
    """Every file parsed; each renders back to the same bytes and passes the validation."""
    found = []
    for path in files:
        data = path.read_bytes()
        message = parse(data)
        assert render(message) == data
        assert validate(data) == []
        found.append(message)
    return found


def test_a_mandate_start_may_begin_at_once_but_has_no_number_of_our_own(started: Started) -> None:
    allocation = started.allocation
    assert allocation.status == AllocationStatus.APPROVED
    assert allocation.via_mandate and allocation.toewijzing_nummer is None
    assert allocation.awaits_municipality_number
    assert allocation.volume_used == 1


def test_end_to_end_jw315_then_jw301_then_declared_under_the_municipality_number(
    started: Started, tmp_path: pathlib.Path
) -> None:
    municipality = started.contracted.world.municipality_a
    # The run holds the delivered module: no line under a number the municipality does not know.
    held = declaration_services.declaration_run(municipality=municipality, period=started.period)
    assert held.awaiting == [started.run.pk]
    assert held.lines_created == 0 and held.refusals == []
    assert not DeclarationLine.objects.exists()

    # The next export tells the municipality: a JW315 carrying our reference for the mandate start.
    messages = _messages(_export(started, tmp_path / "first"))
    requests = [m for m in messages if isinstance(m, AllocationRequest)]
    assert [str(started.allocation.public_id) in {i.referentie_aanbieder for i in r.items} for r in requests] == [True]
    assert not [m for m in messages if isinstance(m, Declaration)]
    assert AllocationNotice.objects.get(allocation=started.allocation).sent_at is not None

    # The municipality answers with a JW301; the allocation takes its number.
    services.ijw_import(data=_jw301_answering(started))
    started.allocation.refresh_from_db()
    assert started.allocation.toewijzing_nummer == MUNICIPALITY_NUMBER
    assert not started.allocation.awaits_municipality_number

    # The next run declares the module, under the municipality's number, and the export writes it.
    declared = declaration_services.declaration_run(municipality=municipality, period=started.period)
    assert declared.awaiting == [] and declared.lines_created == 1
    line = DeclarationLine.objects.get()
    assert (line.module_run_id, line.allocation.toewijzing_nummer) == (started.run.pk, MUNICIPALITY_NUMBER)
    declarations = [m for m in _messages(_export(started, tmp_path / "second")) if isinstance(m, Declaration)]
    assert [[item.toewijzingnummer for item in d.lines] for d in declarations] == [[MUNICIPALITY_NUMBER]]


def test_the_jw301_is_matched_by_client_product_and_period(started: Started) -> None:
    services.ijw_import(data=_jw301_answering(started, reference=False))
    started.allocation.refresh_from_db()
    assert started.allocation.toewijzing_nummer == MUNICIPALITY_NUMBER


def test_a_jw301_whose_period_misses_the_mandate_start_does_not_match(started: Started) -> None:
    data = _jw301_answering(started, reference=False, ingangsdatum=today() + datetime.timedelta(days=1))
    with pytest.raises(services.IjwRejected) as rejected:
        services.ijw_import(data=data)
    assert [v.rule for v in rejected.value.violations] == ["IMPORT"]
    started.allocation.refresh_from_db()
    assert started.allocation.awaits_municipality_number


def test_the_worklist_shows_whether_the_allocation_has_arrived(started: Started) -> None:
    world = started.contracted.world
    declaration_services.declaration_run(municipality=world.municipality_a, period=started.period)
    _page, rows = selectors.ijw_mandate_starts_for(actor=world.teamleider)
    assert [(row.allocation.pk, row.awaiting, row.delivered_waiting) for row in rows] == [
        (started.allocation.pk, True, 1)
    ]
    services.ijw_import(data=_jw301_answering(started))
    _page, rows = selectors.ijw_mandate_starts_for(actor=world.teamleider)
    assert [(row.awaiting, row.delivered_waiting, row.allocation.toewijzing_nummer) for row in rows] == [
        (False, 0, MUNICIPALITY_NUMBER)
    ]
    _page, rows = selectors.ijw_mandate_starts_for(actor=world.coach)  # not the administration
    assert rows == []


@pytest.mark.parametrize("system", [AllocationSystem.COACHCARE], indirect=True)
def test_worklist_of_mandate_starts_in_a_fixed_number_of_queries(started: Started) -> None:
    world = started.contracted.world

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            _page, rows = selectors.ijw_mandate_starts_for(actor=world.teamleider)
            for row in rows:
                str(row.allocation.client.public_id), _municipality_of(row.allocation).name
                str(row.allocation.product.module_code)
        return len(queries)

    one = count()
    for _ in range(4):
        AllocationFactory.create(
            approved=True,
            toewijzing_nummer=None,
            via_mandate=True,
            client=world.team,
            product=started.contracted.first,
        )
    assert count() == one


@pytest.mark.parametrize("system", [AllocationSystem.COACHCARE], indirect=True)
def test_in_coachcare_the_access_team_confirms_a_mandate_start_with_the_municipality_number(
    started: Started,
) -> None:
    """Where coachcare is the municipality's system of record, its number IS the municipality's."""
    world = started.contracted.world
    confirmed = contract_services.allocation_approve(
        actor=world.toegang,
        allocation=started.allocation,
        volume=1,
        start_date=today(),
        end_date=today() + datetime.timedelta(days=90),
        access_point=WEB,
    )
    assert confirmed.toewijzing_nummer and not confirmed.awaits_municipality_number
    result = declaration_services.declaration_run(municipality=world.municipality_a, period=started.period)
    assert result.lines_created == 1 and result.awaiting == []


@pytest.mark.parametrize("system", [AllocationSystem.COACHCARE], indirect=True)
def test_a_confirmation_must_hold_the_start_under_the_mandate(started: Started) -> None:
    with pytest.raises(ValidationError) as error:
        contract_services.allocation_approve(
            actor=started.contracted.world.toegang,
            allocation=started.allocation,
            volume=1,
            start_date=today() + datetime.timedelta(days=1),
            end_date=today() + datetime.timedelta(days=90),
            access_point=WEB,
        )
    assert "start_date" in error.value.message_dict


# --- the municipality decides in its own system: JW301 only ---------------------------------------


@pytest.fixture
def external(mandated: Contracted) -> Contracted:
    mandated.contract.allocation_system = AllocationSystem.MUNICIPALITY
    mandated.contract.save(update_fields=["allocation_system"])
    return mandated


def test_in_external_mode_the_in_app_decisions_are_refused(external: Contracted) -> None:
    world = external.world
    request = contract_services.allocation_request(
        actor=world.coach, client=world.own, module_code=FIRST, access_point=WEB
    )
    with pytest.raises(ValidationError) as approve:
        contract_services.allocation_approve(
            actor=world.toegang,
            allocation=request,
            volume=1,
            start_date=today(),
            end_date=today() + datetime.timedelta(days=90),
            access_point=WEB,
        )
    assert approve.value.code == "decided_elsewhere"
    assert "municipality's own system" in approve.value.messages[0]
    with pytest.raises(ValidationError) as reject:
        contract_services.allocation_reject(actor=world.toegang, allocation=request, reason="nee", access_point=WEB)
    assert reject.value.code == "decided_elsewhere"
    request.refresh_from_db()
    assert request.status == AllocationStatus.REQUESTED


def test_in_external_mode_the_request_goes_out_as_jw315_and_the_jw301_grants_it(
    external: Contracted, tmp_path: pathlib.Path
) -> None:
    world = external.world
    request = contract_services.allocation_request(
        actor=world.coach, client=world.own, module_code=FIRST, access_point=WEB
    )
    Trajectory.objects.create(
        client=world.own,
        municipality_id=world.own.municipality_id,
        referrer_kind="gemeente",
        referred_on=today(),
        method_version=external.modules[0].method_version,
    )
    services.ijw_export(
        municipality=world.municipality_a, period=today().strftime("%Y-%m"), out_dir=tmp_path, access_point=SYSTEM
    )
    [jw315] = [m for m in _messages(sorted(tmp_path.glob("*.xml"))) if isinstance(m, AllocationRequest)]
    assert [item.referentie_aanbieder for item in jw315.items] == [str(request.public_id)]
    started = Started(contracted=external, allocation=request, run=ModuleRun())
    services.ijw_import(data=_jw301_answering(started))
    request.refresh_from_db()
    assert (request.status, request.toewijzing_nummer) == (AllocationStatus.APPROVED, MUNICIPALITY_NUMBER)


@pytest.mark.parametrize("system", [AllocationSystem.MUNICIPALITY], indirect=True)
def test_a_jw319_refusing_the_jw315_of_a_mandate_start_rejects_it(started: Started, tmp_path: pathlib.Path) -> None:
    """Its delivered module is then refused (TR384), no longer held."""
    world = started.contracted.world
    _export(started, tmp_path)
    sent = OutgoingMessage.objects.get(berichtcode=BERICHTCODES["JW315"])
    answer = RequestAnswer(
        header=header_for(
            "JW319",
            afzender=world.municipality_a.code,
            ontvanger=world.provider.agb_code,
            identificatie="G00000000319",
            dagtekening=today(),
        ),
        referentie=sent.identification,
        verzoek_antwoord="2",
        reden_afwijzing="01",
    )
    data = render(answer)
    assert render(parse(data)) == data
    services.ijw_import(data=data)
    started.allocation.refresh_from_db()
    assert started.allocation.status == AllocationStatus.REJECTED
    result = declaration_services.declaration_run(municipality=world.municipality_a, period=started.period)
    assert result.awaiting == []
    assert [(refusal.module_run_id, refusal.rule) for refusal in result.refusals] == [(started.run.pk, "TR384")]
