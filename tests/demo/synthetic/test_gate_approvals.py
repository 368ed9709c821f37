"""The synthetic country applies the app's gate rule: a decision against the advice waits for (or
got) the team lead's approval only when ``trajectories.gate.gate_deviations`` meets the
provider's ``gate_approval_required`` (the default for generated providers); other deviations are
recorded as deviations that need no approval, as ``evaluation_decide`` records them."""

import pytest

from coachcare.demo.synthetic.population import population_generate
from coachcare.providers.models import DEFAULT_GATE_APPROVALS
from coachcare.trajectories.gate import gate_deviations
from coachcare.trajectories.models import Evaluation, Status, Trajectory

pytestmark = pytest.mark.django_db


def test_only_the_deviations_the_provider_names_need_approval() -> None:
    population_generate(youths=250, seed=1)
    needed = set(DEFAULT_GATE_APPROVALS)
    decided = Evaluation.objects.exclude(decision="").values_list(
        "advice", "advice_next_module_code", "decision", "decision_next_module_code", "deviates", "approval"
    )
    assert decided
    for advice, advice_next, decision, decision_next, deviates, approval in decided:
        kinds = gate_deviations(advice=advice, advice_next=advice_next, decision=decision, decision_next=decision_next)
        assert deviates == bool(kinds)
        if kinds & needed:
            assert approval in {Evaluation.Approval.PENDING, Evaluation.Approval.APPROVED}
        else:
            assert approval == Evaluation.Approval.NOT_NEEDED
    # A trajectory that waits for the team lead has a decision that needs it.
    waiting = Trajectory.objects.filter(status=Status.MODULE_EVALUATION, next_action="await_approval")
    for trajectory in waiting:
        last = Evaluation.objects.filter(module_run__trajectory=trajectory).order_by("-module_run__sequence").first()
        assert last is not None and last.approval == Evaluation.Approval.PENDING
