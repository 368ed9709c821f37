"""A contracted world with delivered modules: municipality A buys two modules from the provider."""

import dataclasses
import datetime

import pytest

from coachcare.clients.models import Client
from coachcare.contracts.models import Allocation, AllocationStatus, ContractProduct
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.conftest import World
from tests.contracts.conftest import Contracted, _contracted
from tests.contracts.factories import AllocationFactory

PERIOD = "2025-03"
IN_PERIOD = datetime.date(2025, 3, 10)
ALLOCATION_START = datetime.date(2025, 1, 1)
ALLOCATION_END = datetime.date(2025, 12, 31)


@dataclasses.dataclass
class Delivering:
    contracted: Contracted

    @property
    def world(self) -> World:
        return self.contracted.world

    def allocation(self, client: Client, product: ContractProduct | None = None, **fields: object) -> Allocation:
        product = product or self.contracted.first
        values: dict[str, object] = {
            "status": AllocationStatus.APPROVED,
            "start_date": ALLOCATION_START,
            "end_date": ALLOCATION_END,
            "volume": 1,
            "budget_cents": product.tariff_cents,
        }
        values.update(fields)
        return AllocationFactory.create(
            approved=True, client=client, product=product, contract=product.contract, **values
        )

    def trajectory(self, client: Client) -> Trajectory:
        return Trajectory.objects.create(
            client=client,
            municipality_id=client.municipality_id,
            coach=client.coach,
            referrer_kind="gemeente",
            referred_on=ALLOCATION_START,
            method_version=self.contracted.modules[0].method_version,
        )

    def run(
        self,
        *,
        allocation: Allocation | None,
        trajectory: Trajectory | None = None,
        client: Client | None = None,
        started_on: datetime.date = datetime.date(2025, 2, 1),
        finished_on: datetime.date | None = IN_PERIOD,
        state: str | None = None,
        sequence: int = 1,
        module_index: int = 0,
    ) -> ModuleRun:
        owner = client or (allocation.client if allocation else self.world.own)
        trajectory = trajectory or self.trajectory(owner)
        if state is None:
            state = ModuleRun.State.EVALUATED if finished_on else ModuleRun.State.RUNNING
        return ModuleRun.objects.create(
            trajectory=trajectory,
            module=self.contracted.modules[module_index],
            sequence=sequence,
            allocation=allocation,
            state=state,
            started_on=started_on,
            due_on=started_on + datetime.timedelta(weeks=8),
            finished_on=finished_on,
        )

    def delivered(self, client: Client | None = None, **run_fields: object) -> ModuleRun:
        """A module evaluated on ``IN_PERIOD`` under its own approved allocation."""
        allocation = self.allocation(client or self.world.own)
        return self.run(allocation=allocation, **run_fields)  # type: ignore[arg-type]


@pytest.fixture
def delivering(world: World) -> Delivering:
    return Delivering(contracted=_contracted(world))
