"""Nothing happens by accident: finishing a module and closing a trajectory ask to confirm on a page
of their own (server-side, not a JavaScript dialog); finishing warns about the young person's
unsubmitted answers."""

import re

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from coachcare.coaching import services as coaching_services
from coachcare.method.models import Assignment
from coachcare.trajectories import services
from coachcare.trajectories.models import ModuleRun, Status, Trajectory
from tests.coaching.conftest import AP, start_first_module
from tests.conftest import World, log_in
from tests.trajectories.ratings import evaluate


def _url(name: str, trajectory: Trajectory) -> str:
    return reverse(f"trajectories:{name}", kwargs={"public_id": trajectory.public_id})


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def test_finish_module_asks_to_confirm_and_warns_about_unsubmitted_answers(world: World) -> None:
    trajectory, run, _goal, _parenting = start_first_module(world)
    assignment = Assignment.objects.filter(module=run.module).order_by("order").first()
    assert assignment is not None
    coaching_services.assignment_answer_save(
        actor=world.jongere, module_run=run, assignment=assignment, text="half af", submit=False, access_point=AP
    )
    http = log_in(HttpClient(), world.coach)
    with translation.override("nl"):
        response = http.post(_url("module_finish", trajectory), {"trajectory_version": trajectory.version})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 antwoord in deze module dat is opgeslagen maar niet ingediend" in page
    assert "Ja, module afronden" in page
    run.refresh_from_db()
    assert run.state == ModuleRun.State.RUNNING  # nothing happened yet

    hidden = _hidden(page)
    assert hidden["confirmed"] == "yes" and hidden["trajectory_version"] == str(trajectory.version)
    response = http.post(_url("module_finish", trajectory), hidden)
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state != ModuleRun.State.RUNNING


def test_finish_module_without_drafts_asks_to_confirm_without_a_warning(world: World) -> None:
    trajectory, run, _goal, _parenting = start_first_module(world)
    http = log_in(HttpClient(), world.coach)
    page = http.post(_url("module_finish", trajectory)).content.decode()
    assert "Do you want to finish the module?" in page or "Wil je de module afronden?" in page
    assert "not submitted" not in page and "niet ingediend" not in page
    run.refresh_from_db()
    assert run.state == ModuleRun.State.RUNNING


def test_close_asks_to_confirm_with_the_end_reason(world: World) -> None:
    trajectory, _run, goal, parenting = start_first_module(world)
    services.module_finish(actor=world.coach, trajectory=trajectory, access_point=AP)
    trajectory = Trajectory.objects.select_related("client").get(pk=trajectory.pk)
    evaluation = evaluate(
        actor=world.coach, trajectory=trajectory, scores={goal.pk: (1, 8), parenting.pk: (1, 8)}, access_point=AP
    )
    services.evaluation_decide(
        actor=world.coach, evaluation=evaluation, decision=evaluation.advice, reason="Doel bereikt", access_point=AP
    )
    trajectory = Trajectory.objects.get(pk=trajectory.pk)
    http = log_in(HttpClient(), world.coach)
    with translation.override("nl"):
        response = http.post(
            _url("close", trajectory),
            {
                "close-end_reason": "31",
                "close-without_help": "yes",
                "close-not_answered_reason": "Niet bereikbaar",
                "trajectory_version": trajectory.version,
            },
        )
    page = response.content.decode()
    assert response.status_code == 200 and "Ja, traject afsluiten" in page
    assert Trajectory.objects.get(pk=trajectory.pk).status != Status.CLOSED
    hidden = _hidden(page)
    assert hidden["close-end_reason"] == "31" and hidden["close-not_answered_reason"] == "Niet bereikbaar"
    response = http.post(_url("close", trajectory), hidden)
    assert response.status_code == 302
    assert Trajectory.objects.get(pk=trajectory.pk).status == Status.CLOSED


def test_an_invalid_close_form_shows_its_errors_instead_of_asking(world: World) -> None:
    trajectory, _run, _goal, _parenting = start_first_module(world)
    http = log_in(HttpClient(), world.coach)
    response = http.post(_url("close", trajectory), {"close-end_reason": ""})
    assert "confirmed" not in _hidden(response.content.decode())
