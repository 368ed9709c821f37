"""The client pages, always through the access policy: what each role gets to see in the HTML."""

import datetime
from collections.abc import Callable
from unittest import mock

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory, ClientNoteFactory, GezagRelationFactory
from tests.conftest import World
from tests.factories import birth_date_for_age
from tests.pages import shows

Login = Callable[[User], HttpClient]
NOTE = "Gesprek over school en thuis; vertrouwelijk-7f3a"


def detail_url(client: Client) -> str:
    return reverse("clients:detail", kwargs={"public_id": client.public_id})


@pytest.fixture
def noted(world: World) -> World:
    ClientNoteFactory.create(client=world.own, author=world.coach, text=NOTE)
    return world


def test_coach_sees_notes_and_bsn_of_caseload_client(noted: World, login: Login) -> None:
    response = login(noted.coach).get(detail_url(noted.own))

    assert response.status_code == 200
    content = response.content.decode()
    assert shows(noted.own.full_name, content)
    assert NOTE in content
    assert noted.own.bsn in content
    assert response.context["file"].bsn == noted.own.bsn
    assert response.context["note_form"] is not None


def test_colleague_in_the_team_sees_the_file(noted: World, login: Login) -> None:
    response = login(noted.colleague).get(detail_url(noted.own))

    assert response.status_code == 200
    assert NOTE in response.content.decode()


def test_coach_of_another_team_gets_404(noted: World, login: Login) -> None:
    response = login(noted.coach_other_team).get(detail_url(noted.own))

    assert response.status_code == 404
    assert NOTE not in response.content.decode()


def test_unknown_public_id_is_404_like_a_forbidden_one(noted: World, login: Login) -> None:
    response = login(noted.coach).get(
        reverse("clients:detail", kwargs={"public_id": "00000000-0000-4000-8000-000000000000"})
    )

    assert response.status_code == 404


def test_toegang_sees_administrative_page_and_bsn_but_not_notes(noted: World, login: Login) -> None:
    response = login(noted.toegang).get(detail_url(noted.own))

    assert response.status_code == 200
    content = response.content.decode()
    assert shows(noted.own.full_name, content)
    assert NOTE not in content
    assert response.context["file"].notes is None
    assert noted.own.bsn in content  # IDENTITY: needed for allocations (iJw OP079)
    assert response.context["note_form"] is None


def test_toegang_of_another_municipality_gets_404(noted: World, login: Login) -> None:
    assert login(noted.toegang_other).get(detail_url(noted.own)).status_code == 404


@pytest.mark.parametrize("client_key", ["own", "team", "other_team"])
def test_beleid_gets_404_on_every_client_file(world: World, login: Login, client_key: str) -> None:
    assert login(world.beleid).get(detail_url(world.client(client_key))).status_code == 404


def test_beheerder_sees_administrative_part_only(noted: World, login: Login) -> None:
    response = login(noted.beheerder).get(detail_url(noted.own))

    assert response.status_code == 200
    content = response.content.decode()
    assert NOTE not in content
    assert noted.own.bsn not in content
    assert response.context["file"].bsn is None


def test_parent_of_15_year_old_sees_note(noted: World, login: Login) -> None:
    response = login(noted.ouder).get(detail_url(noted.own))

    assert response.status_code == 200
    assert NOTE in response.content.decode()
    assert response.context["note_form"] is None


def test_parent_of_16_year_old_does_not_see_note(db: None, login: Login) -> None:
    client = ClientFactory.create(age=16)
    ClientNoteFactory.create(client=client, text=NOTE)
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)

    response = login(parent).get(detail_url(client))

    assert response.status_code == 200
    content = response.content.decode()
    assert NOTE not in content
    assert client.bsn not in content


def test_parent_loses_note_on_the_16th_birthday(db: None, login: Login) -> None:
    birthday = datetime.date(2026, 5, 20)
    client = ClientFactory.create(birth_date=datetime.date(2010, 5, 20))
    ClientNoteFactory.create(client=client, text=NOTE)
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)
    http = login(parent)

    with mock.patch("django.utils.timezone.localdate", return_value=birthday - datetime.timedelta(days=1)):
        assert NOTE in http.get(detail_url(client)).content.decode()
    with mock.patch("django.utils.timezone.localdate", return_value=birthday):
        assert NOTE not in http.get(detail_url(client)).content.decode()


def test_parent_without_gezag_gets_404(noted: World, login: Login) -> None:
    assert login(noted.ouder_zonder_gezag).get(detail_url(noted.own)).status_code == 404


def test_parent_of_adult_gets_404_and_no_listing(db: None, login: Login) -> None:
    client = ClientFactory.create(age=19, family_name="Volwassen-Kindnaam")
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)
    http = login(parent)

    assert http.get(detail_url(client)).status_code == 404
    home = http.get(reverse("core:home"))
    assert home.status_code == 200
    assert "Volwassen-Kindnaam" not in home.content.decode()


def test_jongere_sees_own_file_and_404_on_another(noted: World, login: Login) -> None:
    http = login(noted.jongere)

    own = http.get(detail_url(noted.own))
    assert own.status_code == 200
    assert NOTE in own.content.decode()
    assert http.get(detail_url(noted.other_team)).status_code == 404


def test_jongere_home_redirects_to_the_portal(world: World, login: Login) -> None:
    """The young person's home is the portal (coaching), which links to their own file."""
    response = login(world.jongere).get(reverse("core:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:home")


def test_anonymous_is_sent_to_login(world: World, client: HttpClient) -> None:
    response = client.get(detail_url(world.own))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Writing: notes and referral ------------------------------------------------------------------


def test_coach_adds_a_note(world: World, login: Login) -> None:
    response = login(world.coach).post(
        reverse("clients:note_add", kwargs={"public_id": world.own.public_id}), {"text": "  Nieuwe afspraak  "}
    )

    assert response.status_code == 302
    assert response["Location"] == detail_url(world.own)
    assert [note.text for note in world.own.notes.all()] == ["Nieuwe afspraak"]


@pytest.mark.parametrize("actor_key", ["toegang", "jongere", "ouder", "beheerder"])
def test_who_may_read_but_not_treat_cannot_add_notes(world: World, login: Login, actor_key: str) -> None:
    response = login(world.user(actor_key)).post(
        reverse("clients:note_add", kwargs={"public_id": world.own.public_id}), {"text": "Mag niet"}
    )

    assert response.status_code == 403
    assert not world.own.notes.exists()


@pytest.mark.parametrize("actor_key", ["coach_other_team", "beleid", "toegang_other"])
def test_outsiders_get_404_when_adding_notes(world: World, login: Login, actor_key: str) -> None:
    response = login(world.user(actor_key)).post(
        reverse("clients:note_add", kwargs={"public_id": world.own.public_id}), {"text": "Mag niet"}
    )

    assert response.status_code == 404
    assert not world.own.notes.exists()


def test_empty_note_is_not_saved(world: World, login: Login) -> None:
    response = login(world.coach).post(
        reverse("clients:note_add", kwargs={"public_id": world.own.public_id}), {"text": "   "}
    )

    assert response.status_code == 302
    assert not world.own.notes.exists()


def test_note_add_refuses_get(world: World, login: Login) -> None:
    response = login(world.coach).get(reverse("clients:note_add", kwargs={"public_id": world.own.public_id}))

    assert response.status_code == 405


def referral_data(world: World, **overrides: str) -> dict[str, str]:
    data = {
        "bsn": "111222333",
        "given_name": "Fenna",
        "family_name": "Verwijzing",
        "birth_date": birth_date_for_age(14, today()).isoformat(),
        "municipality": str(world.municipality_a.pk),
        "referrer_kind": "huisarts",
    }
    data.update(overrides)
    return data


def test_coach_refers_a_young_person_and_is_redirected_by_public_id(world: World, login: Login) -> None:
    method_demo_package_install()  # the referral opens a trajectory on the current method version
    before = Client.objects.count()

    response = login(world.coach).post(reverse("clients:refer"), referral_data(world))

    assert response.status_code == 302
    client = Client.objects.get(family_name="Verwijzing")
    assert Client.objects.count() == before + 1
    assert response["Location"] == detail_url(client)
    assert "111222333" not in response["Location"]
    assert client.coach == world.coach
    assert client.team == world.team_1
    assert client.provider == world.provider
    assert client.trajectories.get().referrer_kind == "huisarts"


def test_referral_form_shows_bsn_error_and_saves_nothing(world: World, login: Login) -> None:
    before = Client.objects.count()

    response = login(world.coach).post(reverse("clients:refer"), referral_data(world, bsn="123456789"))

    assert response.status_code == 200
    assert Client.objects.count() == before
    form = response.context["form"]
    assert "BSN" in form.errors["bsn"][0]
    assert any(word in form.errors["bsn"][0] for word in ("11-proof", "elfproef", "11-proef"))
    assert shows(form.errors["bsn"][0], response.content.decode())


def test_referral_form_shows_age_error(world: World, login: Login) -> None:
    response = login(world.coach).post(
        reverse("clients:refer"), referral_data(world, birth_date=birth_date_for_age(11, today()).isoformat())
    )

    assert response.status_code == 200
    assert "birth_date" in response.context["form"].errors
    assert not Client.objects.filter(family_name="Verwijzing").exists()


@pytest.mark.parametrize("actor_key", ["toegang", "beleid", "beheerder", "jongere", "ouder"])
def test_only_coaches_and_team_leads_may_refer(world: World, login: Login, actor_key: str) -> None:
    http = login(world.user(actor_key))

    assert http.get(reverse("clients:refer")).status_code == 403
    assert http.post(reverse("clients:refer"), referral_data(world)).status_code == 403
    assert not Client.objects.filter(family_name="Verwijzing").exists()


def test_teamleider_can_open_the_referral_form(world: World, login: Login) -> None:
    assert login(world.teamleider).get(reverse("clients:refer")).status_code == 200


# --- The young person's access log ---------------------------------------------------------------


def test_jongere_sees_who_opened_their_file(world: World, login: Login) -> None:
    login(world.coach).get(detail_url(world.own))
    http = login(world.jongere)

    response = http.get(reverse("clients:my_access_log"), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("clients:access_log", kwargs={"public_id": world.own.public_id})
    usernames = [entry.username for entry in response.context["entries"]]
    assert "coach" in usernames
    assert shows(world.coach.display_name, response.content.decode())


@pytest.mark.parametrize("actor_key", ["coach", "toegang", "ouder", "jongere_other", "beleid"])
def test_access_log_page_is_only_for_the_young_person_and_the_security_officer(
    world: World, login: Login, actor_key: str
) -> None:
    url = reverse("clients:access_log", kwargs={"public_id": world.own.public_id})

    assert login(world.user(actor_key)).get(url).status_code == 404


def test_beheerder_sees_access_log_page(world: World, login: Login) -> None:
    url = reverse("clients:access_log", kwargs={"public_id": world.own.public_id})

    assert login(world.beheerder).get(url).status_code == 200


@pytest.mark.parametrize("actor_key", ["coach", "ouder"])
def test_my_access_log_is_404_without_own_file(world: World, login: Login, actor_key: str) -> None:
    assert login(world.user(actor_key)).get(reverse("clients:my_access_log")).status_code == 404


def test_jongere_sees_entries_written_by_the_system(world: World, login: Login, settings: object) -> None:
    from coachcare.audit.services import AccessPoint, Channel, access_log_record_system

    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    access_log_record_system(
        event="export",
        action="ijw.export.JW305",
        client_ids=[world.own.public_id],
        access_point=AccessPoint.system("ijw_export", channel=Channel.COMMAND),
    )

    response = login(world.jongere).get(reverse("clients:my_access_log"), follow=True)

    page = response.content.decode()
    assert "(the system) copied your details into an export via a system task." in " ".join(page.split())
