"""The Meldcode huiselijk geweld en kindermishandeling as a recorded workflow per client (issue 7):
the five steps, the afwegingskader, consultation, decision with the team lead; only for the client's
professionals; every read and write in the access log; destroyed with the file; encrypted at rest."""

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as HttpClient
from django.utils import translation

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.core.dates import today
from coachcare.privacy.registry import CLIENT_CONTENT_DESTROYERS
from coachcare.safeguarding import services
from coachcare.safeguarding.models import MeldcodeCase, MeldcodeStep
from coachcare.safeguarding.services import afwegingskader_advice
from tests.conftest import World
from tests.safeguarding.factories import MeldcodeCaseFactory, MeldcodeStepFactory

AP = AccessPoint(channel="web", address="127.0.0.1")
Login = Callable[[User], HttpClient]
ALL_YES = {"suspicion": True, "unsafe": False, "can_help": True, "help_accepted": True, "lasting_safety": True}


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def record(world: World, case: MeldcodeCase, step: int, **kwargs: object) -> MeldcodeStep:
    defaults: dict[str, object] = {"performed_on": today(), "notes": f"Stap {step}: geheime notitie"}
    defaults.update(kwargs)
    return services.meldcode_step_record(actor=world.coach, case=case, step=step, access_point=AP, **defaults)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("actor_key", "allowed"),
    [
        ("coach", True),
        ("colleague", True),
        ("teamleider", True),
        ("coach_other_team", False),
        ("teamleider_other_team", False),
        ("jongere", False),
        ("ouder", False),
        ("toegang", False),
        ("beleid", False),
        ("beheerder", False),
        ("inactive_coach", False),
    ],
)
def test_only_the_clients_professionals_use_the_meldcode(
    world: World, login: Login, actor_key: str, allowed: bool
) -> None:
    actor = world.user(actor_key)
    assert policy.can_use_meldcode(actor, world.own) is allowed
    case = MeldcodeCaseFactory.create(client=world.own, opened_by=world.coach)
    if actor.is_active:
        http = login(actor)
        for url in (f"/meldcode/clients/{world.own.public_id}/", f"/meldcode/{case.public_id}/"):
            assert http.get(url).status_code == (200 if allowed else 404)
        file_page = http.get(f"/clients/{world.own.public_id}/").content.decode()
        assert (f"/meldcode/clients/{world.own.public_id}/" in file_page) is allowed
    if not allowed:
        with pytest.raises(policy.AccessDenied):
            services.meldcode_case_open(actor=actor, client=world.own, access_point=AP)


def test_the_five_steps_recorded_and_the_decision_closes_the_case(world: World) -> None:
    case = services.meldcode_case_open(actor=world.coach, client=world.own, access_point=AP)
    record(world, case, 1)
    record(world, case, 2, consulted="veilig_thuis", consulted_name="Adviseur VT")
    record(world, case, 3)
    record(world, case, 4, answers={**ALL_YES, "unsafe": True})
    record(world, case, 5, decision="report_and_help", team_lead=world.teamleider)
    case.refresh_from_db()
    assert not case.is_open and case.decision == "report_and_help" and case.team_lead == world.teamleider
    assert list(case.steps.values_list("step", flat=True)) == [1, 2, 3, 4, 5]
    consult = case.steps.get(step=2)
    assert (consult.consulted, consult.consulted_name) == ("veilig_thuis", "Adviseur VT")
    with pytest.raises(ValidationError, match="closed"):
        record(world, case, 1)
    entries = AccessLogEntry.objects.filter(client_public_id=world.own.public_id, action__startswith="meldcode.")
    assert entries.filter(event="create").count() == 6  # the case and its five steps


def test_clinical_text_is_encrypted_at_rest(world: World) -> None:
    case = services.meldcode_case_open(actor=world.coach, client=world.own, access_point=AP)
    step = record(world, case, 2, consulted="colleague", consulted_name="Collega Jansen")
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes, consulted_name FROM safeguarding_meldcodestep WHERE id = %s", [step.pk])
        notes, name = cursor.fetchone()
    assert "geheime" not in notes and "Jansen" not in name


def test_the_rules_of_the_steps(world: World) -> None:
    case = services.meldcode_case_open(actor=world.coach, client=world.own, access_point=AP)
    with pytest.raises(ValidationError, match="already open"):
        services.meldcode_case_open(actor=world.colleague, client=world.own, access_point=AP)
    with pytest.raises(ValidationError) as error:
        record(world, case, 2, notes=" ", performed_on=today() + datetime.timedelta(days=1))
    assert set(error.value.message_dict) == {"notes", "performed_on", "consulted"}
    with pytest.raises(ValidationError) as error:
        record(world, case, 4, answers={"suspicion": True, "unsafe": False})
    assert set(error.value.message_dict) == {"can_help", "help_accepted", "lasting_safety"}
    record(world, case, 4, answers={"suspicion": False})  # no suspicion: the rest need no answer
    with pytest.raises(ValidationError) as error:
        record(world, case, 5, decision="help", team_lead=world.teamleider_other_team)
    assert set(error.value.message_dict) == {"team_lead"}
    with pytest.raises(ValidationError) as error:
        record(world, case, 5, decision="", team_lead=world.coach)
    assert set(error.value.message_dict) == {"decision", "team_lead"}


def test_no_decision_before_the_afwegingskader(world: World) -> None:
    case = services.meldcode_case_open(actor=world.coach, client=world.own, access_point=AP)
    record(world, case, 1)
    with pytest.raises(ValidationError, match="step 4"):
        record(world, case, 5, decision="help", team_lead=world.teamleider)


@pytest.mark.parametrize(
    ("answers", "advice"),
    [
        ({"suspicion": False}, "no_concern"),
        ({**ALL_YES, "unsafe": True}, "report"),
        ({**ALL_YES, "can_help": False}, "report"),
        ({**ALL_YES, "help_accepted": False}, "report"),
        ({**ALL_YES, "lasting_safety": False}, "report"),
        (ALL_YES, "help"),
    ],
)
def test_the_afwegingskader_advice(answers: dict[str, bool], advice: str) -> None:
    assert afwegingskader_advice(answers) == advice


def test_the_case_page_records_a_step_and_every_read_is_logged(world: World, login: Login) -> None:
    http = login(world.coach)
    response = http.post(f"/meldcode/clients/{world.own.public_id}/open/")
    case = MeldcodeCase.objects.get(client=world.own)
    assert response.status_code == 302 and response["Location"] == f"/meldcode/{case.public_id}/"
    before = AccessLogEntry.objects.filter(action="meldcode.case").count()
    page = http.get(f"/meldcode/{case.public_id}/").content.decode()
    assert "afwegingskader" in page
    assert AccessLogEntry.objects.filter(action="meldcode.case", event="read").count() == before + 1
    response = http.post(
        f"/meldcode/{case.public_id}/",
        {"step": "4", "performed_on": today().isoformat(), "notes": "Gewogen", "suspicion": "yes", "unsafe": "no",
         "can_help": "yes", "help_accepted": "yes", "lasting_safety": "no"},
    )  # fmt: skip
    assert response.status_code == 302
    page = http.get(f"/meldcode/{case.public_id}/").content.decode()
    assert "Gewogen" in page
    bad = http.post(f"/meldcode/{case.public_id}/", {"step": "5", "performed_on": today().isoformat(), "notes": "x"})
    assert bad.status_code == 200 and not MeldcodeStep.objects.filter(step=5).exists()
    assert AccessLogEntry.objects.filter(action="meldcode.list").count() == 0
    http.get(f"/meldcode/clients/{world.own.public_id}/")
    assert AccessLogEntry.objects.filter(action="meldcode.list", client_public_id=world.own.public_id).count() == 1


def test_the_meldcode_is_destroyed_with_the_file(world: World) -> None:
    step = MeldcodeStepFactory.create(case__client=world.own, case__opened_by=world.coach)
    other = MeldcodeStepFactory.create(case__client=world.team, case__opened_by=world.colleague)
    [destroyer] = [d for d in CLIENT_CONTENT_DESTROYERS if d.key == "meldcode"]
    assert destroyer.function(world.own) == {"safeguarding.MeldcodeStep": 1, "safeguarding.MeldcodeCase": 1}
    assert not MeldcodeStep.objects.filter(pk=step.pk).exists()
    assert not MeldcodeCase.objects.filter(client=world.own).exists()
    assert MeldcodeStep.objects.filter(pk=other.pk).exists()
