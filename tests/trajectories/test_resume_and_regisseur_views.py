"""The screens behind the temporary end and the regisseur (issue 18.9): "Traject hervatten" on the
client file of a trajectory ended with JZ588 20 within the resume period (a reason, then a confirm
step), not offered after it; the regisseur form on the trajectory, shown on the client file with
the content-free notices sent."""

import datetime
import re
from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from coachcare.core.dates import today
from coachcare.safeguarding.models import RegisseurNotice
from coachcare.trajectories import services
from coachcare.trajectories.models import Status, Trajectory
from tests.conftest import World, log_in
from tests.trajectories.test_flow import refresh
from tests.trajectories.test_temporary_end import AP, running


def _file(http: HttpClient, trajectory: Trajectory) -> str:
    with translation.override("nl"):
        response = http.get(reverse("clients:detail", kwargs={"public_id": trajectory.client.public_id}))
    assert response.status_code == 200
    return response.content.decode()


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def _closed_temporarily(world: World) -> Trajectory:
    return services.trajectory_close(actor=world.coach, trajectory=running(world), end_reason="20", access_point=AP)


def test_the_coach_resumes_a_temporary_end_with_a_reason_and_a_confirmation(contracted: World) -> None:
    closed = _closed_temporarily(contracted)
    http = log_in(HttpClient(), contracted.coach)
    page = _file(http, closed)
    url = reverse("trajectories:resume", kwargs={"public_id": closed.public_id})
    assert f'action="{url}"' in page and "Traject hervatten" in page

    with translation.override("nl"):
        missing = http.post(url, {"trajectory_version": closed.version, "resume-reason": " "})
    assert missing.status_code == 200
    assert 'id="id_resume-reason_error"' in missing.content.decode()  # the error sits next to the field

    with translation.override("nl"):
        asked = http.post(url, {"trajectory_version": closed.version, "resume-reason": "Terug uit opname"})
    page = asked.content.decode()
    assert asked.status_code == 200 and "Ja, traject hervatten" in page
    assert refresh(closed).status == Status.CLOSED  # nothing happened before the confirmation

    with translation.override("nl"):
        done = http.post(url, _hidden(page))
    assert done.status_code == 302
    resumed = refresh(closed)
    assert (resumed.status, resumed.end_reason) == (Status.INTAKE, "")
    assert resumed.transitions.filter(name="resume").exists()


def test_after_the_resume_period_it_is_not_offered_and_refused_with_a_message(contracted: World, settings: Any) -> None:
    settings.COACHCARE_TEMPORARY_END_RESUME_DAYS = 91
    closed = _closed_temporarily(contracted)
    Trajectory.objects.filter(pk=closed.pk).update(closed_on=today() - datetime.timedelta(days=92))
    http = log_in(HttpClient(), contracted.coach)
    page = _file(http, closed)
    url = reverse("trajectories:resume", kwargs={"public_id": closed.public_id})
    assert f'action="{url}"' not in page
    assert "meer dan 91 dagen geleden" in page
    with translation.override("nl"):
        response = http.post(url, {"trajectory_version": closed.version, "resume-reason": "Terug", "confirmed": "yes"})
    assert response.status_code == 200 and "meer dan 91 dagen geleden" in response.content.decode()
    assert refresh(closed).status == Status.CLOSED


def test_another_end_reason_offers_no_resume(contracted: World) -> None:
    closed = services.trajectory_close(
        actor=contracted.coach, trajectory=running(contracted), end_reason="32", access_point=AP
    )
    page = _file(log_in(HttpClient(), contracted.coach), closed)
    assert reverse("trajectories:resume", kwargs={"public_id": closed.public_id}) not in page


def test_the_regisseur_is_recorded_changed_and_shown_with_the_notices(contracted: World) -> None:
    trajectory = running(contracted)
    http = log_in(HttpClient(), contracted.coach)
    url = reverse("trajectories:regisseur", kwargs={"public_id": trajectory.public_id})
    assert url in _file(http, trajectory)
    with translation.override("nl"):
        refused = http.post(url, {"regisseur-name": "R. Regie"})
    assert refused.status_code == 200
    assert 'id="id_regisseur-email_error"' in refused.content.decode()  # e-mail or phone is needed

    with translation.override("nl"):
        saved = http.post(
            url,
            {
                "regisseur-name": "R. Regie",
                "regisseur-organisation": "Toegangsteam Noord",
                "regisseur-email": "regie@gemeente.example",
            },
        )
    assert saved.status_code == 302
    with translation.override("nl"):
        form = http.get(url).content.decode()
    assert 'value="Toegangsteam Noord"' in form  # the form shows what is recorded, to change it

    services.trajectory_close(actor=contracted.coach, trajectory=refresh(trajectory), end_reason="32", access_point=AP)
    assert RegisseurNotice.objects.filter(trajectory=trajectory).count() == 1
    page = _file(http, trajectory)
    assert "R. Regie" in page and "Toegangsteam Noord" in page
    assert "Berichten aan de regisseur" in page


def test_the_access_team_records_the_regisseur_and_outsiders_get_404(contracted: World) -> None:
    trajectory = running(contracted)
    url = reverse("trajectories:regisseur", kwargs={"public_id": trajectory.public_id})
    access = log_in(HttpClient(), contracted.toegang)
    response = access.post(url, {"regisseur-name": "A. Toegang", "regisseur-phone": "030 123 45 67"})
    assert response.status_code == 302
    assert refresh(trajectory).regisseur_phone == "030 123 45 67"
    for outsider in (contracted.toegang_other, contracted.beleid, contracted.jongere):
        assert log_in(HttpClient(), outsider).get(url).status_code == 404
