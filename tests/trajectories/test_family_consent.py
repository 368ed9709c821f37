"""Consent that fits practice (Jeugdwet 7.3.4): every family member with gezag, the GI instead of the
parents, consent in person or on paper with an encrypted scan, the exception of lid 4 approved by
the team lead, and no care for a young person under 16 with nobody with gezag registered."""

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.access import policy
from coachcare.access.consent import consent_parties
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import GezagRelation
from coachcare.core.dates import today
from coachcare.trajectories import services
from coachcare.trajectories.models import Agreement, ConsentException, Status, Trajectory
from coachcare.trajectories.state_machine import TransitionRefused, consent_for_care
from tests.clients.factories import CarerFactory, ClientFactory
from tests.conftest import World
from tests.pages import shows
from tests.trajectories.test_flow import grant, refresh

AP = AccessPoint(channel="web", address="127.0.0.1")
Login = Callable[[User], HttpClient]
PDF = b"%PDF-1.4\n% signed consent form\n"


def allocated(world: World, client_key: str = "own") -> Trajectory:
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.client(client_key), referrer_kind="huisarts", access_point=AP
    )
    return grant(world, trajectory)


def new_client(world: World, *, age: int = 14) -> Trajectory:
    """A newly referred young person of the coach's caseload without any family member."""
    client = ClientFactory.create(coach=world.coach, municipality=world.municipality_a, age=age)
    trajectory = services.trajectory_open(actor=world.coach, client=client, referrer_kind="huisarts", access_point=AP)
    return grant(world, trajectory)


def young_person_consents(world: World, trajectory: Trajectory) -> None:
    services.agreement_record(actor=world.coach, trajectory=trajectory, kind="care", given_by=None, access_point=AP)


def test_under_16_with_nobody_with_gezag_cannot_start_care_and_the_file_says_what_is_missing(
    contracted: World,
) -> None:
    trajectory = new_client(contracted, age=15)
    young_person_consents(contracted, trajectory)
    reason = consent_for_care(trajectory, today(), {})
    assert reason is not None
    assert "No parent or voogd with gezag is registered" in reason
    assert "art. 7.3.4 lid 4" in reason
    with pytest.raises(TransitionRefused):
        services.trajectory_start_intake(actor=contracted.coach, trajectory=trajectory, access_point=AP)
    # 16 and older: the young person alone, nobody else needs to be registered.
    older = new_client(contracted, age=16)
    young_person_consents(contracted, older)
    assert consent_for_care(older, today(), {}) is None


def test_a_parent_without_portal_consents_on_paper_with_an_encrypted_scan(contracted: World) -> None:
    trajectory = new_client(contracted)
    mother = CarerFactory.create(client=trajectory.client)
    young_person_consents(contracted, trajectory)
    assert mother.display_name in (consent_for_care(trajectory, today(), {}) or "")

    agreement = services.agreement_record(
        actor=contracted.coach,
        trajectory=trajectory,
        kind="care",
        given_by=None,
        carer=mother,
        how=Agreement.How.ON_PAPER,
        scan=SimpleUploadedFile("toestemming.pdf", PDF),
        access_point=AP,
    )
    assert (agreement.given_as, agreement.carer_id, agreement.given_by_id) == ("ouder", mother.pk, contracted.coach.pk)
    assert consent_for_care(trajectory, today(), {}) is None
    with agreement.scan.open("rb") as stored:
        assert b"%PDF" not in stored.read()  # encrypted at rest
    _agreement, data = services.agreement_scan_get(actor=contracted.coach, agreement=agreement, access_point=AP)
    assert data == PDF
    with pytest.raises(policy.AccessDenied):
        services.agreement_scan_get(actor=contracted.toegang, agreement=agreement, access_point=AP)
    services.trajectory_start_intake(actor=contracted.coach, trajectory=trajectory, access_point=AP)
    assert refresh(trajectory).status == Status.INTAKE


def test_paper_consent_refuses_a_bad_scan_a_missing_how_and_someone_without_gezag(contracted: World) -> None:
    trajectory = new_client(contracted)
    mother = CarerFactory.create(client=trajectory.client)
    father = CarerFactory.create(client=trajectory.client, kind=GezagRelation.Kind.FATHER, has_gezag=False)

    def record(**kwargs: object) -> Agreement:
        defaults: dict[str, object] = {"carer": mother, "how": Agreement.How.ON_PAPER}
        return services.agreement_record(
            actor=contracted.coach,
            trajectory=trajectory,
            kind="care",
            given_by=None,
            access_point=AP,
            **{**defaults, **kwargs},  # type: ignore[arg-type]
        )

    with pytest.raises(ValidationError) as bad_scan:
        record(scan=SimpleUploadedFile("toestemming.pdf", b"MZ not a pdf"))
    assert "scan" in bad_scan.value.message_dict
    with pytest.raises(ValidationError) as scan_in_person:
        record(how=Agreement.How.IN_PERSON, scan=SimpleUploadedFile("toestemming.pdf", PDF))
    assert "scan" in scan_in_person.value.message_dict
    with pytest.raises(ValidationError) as no_how:
        record(how="")
    assert "given_how" in no_how.value.message_dict
    with pytest.raises(ValidationError):
        record(carer=father)
    assert not Agreement.objects.filter(trajectory=trajectory).exists()


def test_every_family_member_with_gezag_consents_and_the_gi_instead_of_the_parents(contracted: World) -> None:
    trajectory = new_client(contracted)
    client = trajectory.client
    mother = CarerFactory.create(client=client)
    father = CarerFactory.create(client=client, kind=GezagRelation.Kind.FATHER)
    CarerFactory.create(client=client, kind=GezagRelation.Kind.FOSTER_CARER, has_gezag=False)
    assert consent_parties(client=client, on=today()).carers == [mother, father]

    gi = CarerFactory.create(
        client=client, kind=GezagRelation.Kind.GI, given_name="", family_name="", organisation_name="SAVE Utrecht"
    )
    assert consent_parties(client=client, on=today()).carers == [gi]
    young_person_consents(contracted, trajectory)
    assert "SAVE Utrecht" in (consent_for_care(trajectory, today(), {}) or "")
    services.agreement_record(
        actor=contracted.coach,
        trajectory=trajectory,
        kind="care",
        given_by=None,
        carer=gi,
        how=Agreement.How.ON_PAPER,
        access_point=AP,
    )
    assert consent_for_care(trajectory, today(), {}) is None


def test_an_end_of_gezag_counts_from_its_day_for_consent(contracted: World) -> None:
    trajectory = new_client(contracted)
    mother = CarerFactory.create(client=trajectory.client)
    father = CarerFactory.create(
        client=trajectory.client,
        kind=GezagRelation.Kind.FATHER,
        gezag_ends_on=today() + datetime.timedelta(days=10),
    )
    assert consent_parties(client=trajectory.client, on=today()).carers == [mother, father]
    assert consent_parties(client=trajectory.client, on=today() + datetime.timedelta(days=10)).carers == [mother]


def test_the_exception_of_lid_4_counts_only_once_the_team_lead_approves(contracted: World) -> None:
    trajectory = new_client(contracted)
    young_person_consents(contracted, trajectory)
    exception = services.consent_exception_record(
        actor=contracted.coach,
        trajectory=trajectory,
        ground=ConsentException.Ground.SERIOUS_HARM,
        reason="Acute zorgen over veiligheid thuis.",
        access_point=AP,
    )
    assert exception.status == ConsentException.Status.PENDING
    assert "waits for the team lead" in (consent_for_care(trajectory, today(), {}) or "")
    with pytest.raises(ValidationError):  # one open exception per trajectory
        services.consent_exception_record(
            actor=contracted.coach, trajectory=trajectory, ground="serious_harm", reason="Nog een.", access_point=AP
        )
    for outsider in (contracted.coach, contracted.teamleider_other_team):
        with pytest.raises(policy.AccessDenied):
            services.consent_exception_decide(actor=outsider, exception=exception, approve=True, access_point=AP)
    services.consent_exception_decide(actor=contracted.teamleider, exception=exception, approve=True, access_point=AP)
    assert consent_for_care(trajectory, today(), {}) is None
    services.trajectory_start_intake(actor=contracted.coach, trajectory=trajectory, access_point=AP)
    assert refresh(trajectory).status == Status.INTAKE


def test_the_exception_still_needs_the_young_persons_consent_and_a_rejection_a_note(contracted: World) -> None:
    trajectory = new_client(contracted)
    CarerFactory.create(client=trajectory.client)
    exception = services.consent_exception_record(
        actor=contracted.coach,
        trajectory=trajectory,
        ground=ConsentException.Ground.PERSISTENT_WISH,
        reason="Moeder weigert, jongere blijft hulp willen.",
        access_point=AP,
    )
    with pytest.raises(ValidationError):
        services.consent_exception_decide(
            actor=contracted.teamleider, exception=exception, approve=False, access_point=AP
        )
    services.consent_exception_decide(actor=contracted.teamleider, exception=exception, approve=True, access_point=AP)
    assert "the young person" in (consent_for_care(trajectory, today(), {}) or "")


def test_the_exception_is_only_for_12_to_15_and_needs_a_reason(contracted: World) -> None:
    older = new_client(contracted, age=16)
    with pytest.raises(ValidationError) as too_old:
        services.consent_exception_record(
            actor=contracted.coach, trajectory=older, ground="serious_harm", reason="Reden.", access_point=AP
        )
    assert "12 to 15" in str(too_old.value)
    trajectory = new_client(contracted)
    with pytest.raises(ValidationError) as no_reason:
        services.consent_exception_record(
            actor=contracted.coach, trajectory=trajectory, ground="serious_harm", reason=" ", access_point=AP
        )
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(policy.AccessDenied):
        services.consent_exception_record(
            actor=contracted.ouder, trajectory=trajectory, ground="serious_harm", reason="Reden.", access_point=AP
        )


# --- the screens ---------------------------------------------------------------------------------


def traj_url(name: str, trajectory: Trajectory, **kwargs: object) -> str:
    return reverse(f"trajectories:{name}", kwargs={"public_id": trajectory.public_id, **kwargs})


def test_the_file_says_what_is_missing_and_the_exception_goes_through_the_team_leads_queue(
    contracted: World, login: Login
) -> None:
    trajectory = new_client(contracted)
    http = login(contracted.coach)
    detail = reverse("clients:detail", kwargs={"public_id": trajectory.client.public_id})
    content = http.get(detail).content.decode()
    assert 'id="consent-missing"' in content
    assert traj_url("consent_exception", trajectory) in content

    response = http.post(traj_url("consent_exception", trajectory), {"exception-ground": "", "exception-reason": ""})
    assert response.status_code == 200 and set(response.context["form"].errors) == {"ground", "reason"}
    response = http.post(
        traj_url("consent_exception", trajectory),
        {"exception-ground": "serious_harm", "exception-reason": "Acute zorgen thuis-9c1e"},
    )
    assert response.status_code == 302
    exception = ConsentException.objects.get(trajectory=trajectory)

    lead = login(contracted.teamleider)
    queue = lead.get(reverse("trajectories:approvals")).content.decode()
    assert "Acute zorgen thuis-9c1e" in queue and traj_url("consent_exception_decide", trajectory) in queue
    assert lead.get(reverse("core:home")).context["approvals_waiting"] == 1
    response = lead.post(
        traj_url("consent_exception_decide", trajectory),
        {f"exception_{exception.pk}-note": "", "outcome": "approve"},
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert (exception.status, exception.decided_by) == (ConsentException.Status.APPROVED, contracted.teamleider)
    other = login(contracted.teamleider_other_team)
    assert "Acute zorgen thuis-9c1e" not in other.get(reverse("trajectories:approvals")).content.decode()


def test_the_coach_records_paper_consent_with_a_scan_through_the_screen(contracted: World, login: Login) -> None:
    trajectory = new_client(contracted)
    mother = CarerFactory.create(client=trajectory.client)
    http = login(contracted.coach)
    page = http.get(traj_url("agreement", trajectory)).content.decode()
    assert 'enctype="multipart/form-data"' in page and shows(mother.display_name, page)
    response = http.post(
        traj_url("agreement", trajectory),
        {
            "consent-kind": "care",
            "consent-given_by": str(mother.pk),
            "consent-given_how": "on_paper",
            "consent-scan": SimpleUploadedFile("toestemming.pdf", PDF),
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(trajectory=trajectory, carer=mother)
    assert agreement.given_how == Agreement.How.ON_PAPER and agreement.scan
    download = http.get(traj_url("agreement_scan", trajectory, agreement_id=agreement.pk))
    assert download.status_code == 200 and download.content == PDF
    assert (
        login(contracted.toegang).get(traj_url("agreement_scan", trajectory, agreement_id=agreement.pk)).status_code
        == 404
    )
