"""NEN 7513: ``manage.py declaration_run`` runs without a user, yet logs every client it declares or
reads (who: system, on behalf of the OS user; what; when; which client; from where)."""

import socket

from django.core.management import call_command

from coachcare.audit.models import AccessLogEntry
from coachcare.contracts.models import AllocationStatus
from coachcare.declarations import services
from coachcare.declarations.models import Declaration
from coachcare.ijw.messages import DeclarationAnswer, LineAnswer, header_for
from coachcare.ijw.system_log import ijw_message_client_ids
from tests.declarations.conftest import PERIOD, Delivering
from tests.declarations.test_services import ON


def answer_for(declaration: Declaration, codes: dict[str, tuple[str, int]]) -> DeclarationAnswer:
    return DeclarationAnswer(
        header=header_for(
            "JW325",
            afzender=declaration.municipality.code,
            ontvanger=declaration.provider.agb_code,
            identificatie="A1",
            dagtekening=ON,
        ),
        declaratienummer=declaration.declaratienummer,
        toegekend_bedrag_cents=sum(amount for _code, amount in codes.values()),
        lines=[
            LineAnswer(referentie=reference, retourcodes=[code], toegekend_bedrag_cents=amount)
            for reference, (code, amount) in codes.items()
        ],
    )


def _system_entries(**filters: object) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(username="system", **filters).order_by("id"))


def test_the_run_logs_declared_and_refused_clients(delivering: Delivering) -> None:
    world = delivering.world
    delivering.delivered(world.own)
    refused = delivering.allocation(world.team)
    type(refused).objects.filter(pk=refused.pk).update(status=AllocationStatus.DELETED)
    delivering.run(allocation=refused)  # TR384: read, not declared
    delivering.run(allocation=None, client=world.other_team)  # no allocation: never read by the run

    call_command("declaration_run", "--municipality", world.municipality_a.code, "--period", PERIOD)

    entries = _system_entries()
    assert {(entry.event, entry.action, entry.client_public_id) for entry in entries} == {
        ("create", "declarations.run", world.own.public_id),
        ("read", "declarations.run_refused", world.team.public_id),
    }
    for entry in entries:
        assert (entry.user_id, entry.role, entry.channel) == (None, "system", "command")
        assert entry.access_point == f"manage.py declaration_run on {socket.gethostname()}"
        assert entry.on_behalf_of.startswith("OS user ")


def test_the_run_for_all_municipalities_logs_too(delivering: Delivering) -> None:
    delivering.delivered(delivering.world.own)
    delivering.delivered(delivering.world.team)
    call_command("declaration_run", "--all-municipalities", "--period", PERIOD)
    assert {entry.client_public_id for entry in _system_entries(action="declarations.run")} == {
        delivering.world.own.public_id,
        delivering.world.team.public_id,
    }
    call_command("declaration_run", "--all-municipalities", "--period", PERIOD)  # nothing new: nothing declared
    assert len(_system_entries(action="declarations.run")) == 2


def test_a_jw325_answer_is_about_the_clients_of_its_lines(delivering: Delivering) -> None:
    delivering.delivered(delivering.world.own)
    delivering.delivered(delivering.world.team)
    declaration = services.declaration_run(municipality=delivering.world.municipality_a, period=PERIOD, on=ON)
    [created] = declaration.declarations
    own_line = created.lines.get(client=delivering.world.own)
    answer = answer_for(created, {own_line.reference: ("0200", own_line.amount_cents)})
    assert ijw_message_client_ids(message=answer) == {delivering.world.own.public_id}
