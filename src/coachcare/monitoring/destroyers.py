"""Destruction of a client's file (Jeugdwet 7.3.9) reaches the monitoring summary too.

The summary copies outcome values (final GAS/GBO, satisfaction, intake GBO, follow-up answers)
and gate decisions that the privacy app's ``trajectory_content`` destroyer empties or deletes at
the source. This destroyer refreshes the client's rows from the emptied sources, so nothing
destroyed stays behind. It is
registered when the monitoring app is ready, after the privacy app (``INSTALLED_APPS`` order),
so it runs after the built-in destroyers in the same transaction (tested).
"""

from coachcare.clients.models import Client
from coachcare.privacy.registry import register_destroyer


@register_destroyer("monitoring_outcomes", covers=("monitoring.TrajectoryOutcome", "monitoring.GateDecision"))
def destroy_outcome_summary(client: Client) -> dict[str, int]:
    from coachcare.monitoring.services import trajectory_outcomes_refresh
    from coachcare.trajectories.models import Trajectory

    trajectories = Trajectory.objects.filter(client=client).values_list("pk", flat=True)
    return {"monitoring.TrajectoryOutcome": trajectory_outcomes_refresh(trajectory_ids=trajectories)}
