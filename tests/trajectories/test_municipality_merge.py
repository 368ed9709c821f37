"""A municipal merger (herindeling): ``municipality_merge --from CODES --into CODE --on DATE`` moves
residents, active trajectories, contracts and open allocations to the new municipality, all or
nothing (docs/legal-basis.md, "Herindeling")."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import Client, MunicipalityChange
from coachcare.contracts.models import Allocation, Contract
from coachcare.core.dates import today
from coachcare.municipalities.models import Municipality, MunicipalityMerger
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.conftest import World
from tests.municipalities.factories import MunicipalityFactory
from tests.trajectories.test_temporary_end import running

DAY = datetime.timedelta(days=1)


def _merge(*args: str) -> str:
    out = io.StringIO()
    call_command("municipality_merge", *args, stdout=out)
    return out.getvalue()


def test_a_merger_moves_residents_trajectories_contracts_and_open_allocations(contracted: World) -> None:
    world = contracted
    trajectory = running(world)
    run = ModuleRun.objects.get(trajectory=trajectory)
    old = world.municipality_a
    new = MunicipalityFactory.create(code="1999", name="Nieuwgemeente")
    old_contract = Contract.objects.get(municipality=old)

    output = _merge("--from", old.code, "--into", new.code, "--on", today().isoformat())

    assert f"{old.code} {old.name} -> 1999 Nieuwgemeente: 2 clients, 1 active trajectories" in output
    assert "Merged 1 municipalities into 1999" in output and "1 open allocations moved" in output
    assert set(Client.objects.filter(municipality=new).values_list("pk", flat=True)) == {world.own.pk, world.team.pk}
    assert Client.objects.get(pk=world.other_team.pk).municipality == world.municipality_b  # not merged
    change = MunicipalityChange.objects.get(client=world.own)
    assert (change.kind, change.from_municipality, change.to_municipality, change.effective_on) == (
        "merger",
        old,
        new,
        today(),
    )
    assert Trajectory.objects.get(pk=trajectory.pk).municipality == new
    old_contract.refresh_from_db()
    assert old_contract.valid_to == today() - DAY
    successor = Contract.objects.get(municipality=new)
    assert (successor.valid_from, successor.mandate) == (today(), old_contract.mandate)
    assert sorted(successor.products.values_list("module_code", "tariff_cents")) == sorted(
        old_contract.products.values_list("module_code", "tariff_cents")
    )
    assert run.allocation is not None
    allocation = Allocation.objects.select_related("product").get(pk=run.allocation.pk)
    assert (allocation.contract, allocation.product.contract) == (successor, successor)
    assert allocation.toewijzing_nummer == run.allocation.toewijzing_nummer  # the successor takes it over
    assert MunicipalityMerger.objects.get(old=old).new == new
    assert not Municipality.objects.get(pk=old.pk).is_active
    assert AccessLogEntry.objects.filter(action="client.municipality_merge").count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "0344", "9998", "--into", "1999"], "9998 is unknown"),
        (["--from", "0344", "--into", "0344"], "cannot be one of the old ones"),
        (["--from", "34x", "--into", "1999"], "is not a CBS municipality code"),
    ],
)
def test_a_wrong_merger_changes_nothing(contracted: World, args: list[str], message: str) -> None:
    world = contracted
    MunicipalityFactory.create(code="1999", name="Nieuwgemeente")
    assert world.municipality_a.code == "0344"

    with pytest.raises(CommandError) as exc_info:
        _merge(*args, "--on", today().isoformat())

    assert message in str(exc_info.value)
    assert not MunicipalityMerger.objects.exists() and not MunicipalityChange.objects.exists()
    assert Client.objects.filter(municipality=world.municipality_a).count() == 2


def test_a_merger_in_the_future_is_refused(contracted: World) -> None:
    MunicipalityFactory.create(code="1999", name="Nieuwgemeente")
    with pytest.raises(CommandError, match="not in advance"):
        _merge("--from", "0344", "--into", "1999", "--on", (today() + DAY).isoformat())
