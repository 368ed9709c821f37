"""Data rights of the monitoring app (``core/data_rights.py``): no export section (the summary holds
numbers, dates and codes only, aggregated before anything is shown), and one destroyer.

The summary copies outcome values (final GAS/GBO, satisfaction, intake GBO, follow-up answers)
and gate decisions that the trajectories app's ``trajectory_content`` destroyer empties or deletes
at the source, and the first contact from the appointments that the coaching destroyer deletes.
This destroyer refreshes the client's rows from the emptied sources, so nothing destroyed stays
behind. Destroyers run in ``INSTALLED_APPS`` order, so it runs after the trajectories' and the
coaching destroyers in the same transaction (tested).
"""

from coachcare.clients.models import Client
from coachcare.core.data_rights import destroyer_register
from coachcare.monitoring.services import trajectory_outcomes_refresh
from coachcare.trajectories.models import Trajectory


def destroy_outcome_summary(client: Client) -> dict[str, int]:
    trajectories = Trajectory.objects.filter(client=client).values_list("pk", flat=True)
    return {"monitoring.TrajectoryOutcome": trajectory_outcomes_refresh(trajectory_ids=trajectories)}


destroyer_register(
    key="monitoring_outcomes",
    covers=("monitoring.TrajectoryOutcome", "monitoring.GateDecision", "monitoring.TrajectoryWaiting"),
    function=destroy_outcome_summary,
)
