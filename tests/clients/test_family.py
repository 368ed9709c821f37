"""Contact details and the family (gezinsleden): validation, gezag with dates and source documents,
and the screens in the client file (for the treating professionals only)."""

import datetime
import html
from collections.abc import Callable, Iterator

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients import services
from coachcare.clients.models import Client, GezagChange, GezagRelation
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from tests.accounts.factories import UserFactory
from tests.clients.factories import CarerFactory
from tests.conftest import World
from tests.factories import birth_date_for_age

Login = Callable[[User], HttpClient]
AP = AccessPoint.command("tests")
MOTHER = services.CarerDetails(kind=GezagRelation.Kind.MOTHER, given_name="Ingrid", family_name="Jansen")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 12345678", "+31612345678"),
        ("+31 6 1234 5678", "+31612345678"),
        ("0031612345678", "+31612345678"),
        ("+32 470 12 34 56", "+32470123456"),
        ("", ""),
    ],
)
def test_mobile_numbers_are_stored_in_e164(typed: str, stored: str) -> None:
    assert services.mobile_clean(typed) == stored


@pytest.mark.parametrize("typed", ["030 123 4567", "12345", "06 1234", "bel me", "+31 20 123 4567"])
def test_a_landline_or_nonsense_is_not_a_mobile_number(typed: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.mobile_clean(typed)
    assert "mobile" in error.value.message_dict


@pytest.mark.parametrize("typed", ["sanne@", "sanne at voorbeeld.nl", "@voorbeeld.nl", "a@b"])
def test_invalid_email_addresses_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        services.email_clean(typed)
    assert services.email_clean(" Sanne@Voorbeeld.NL ") == "Sanne@voorbeeld.nl"


def test_referral_records_contact_details_and_refuses_bad_ones_without_saving(world: World) -> None:
    def refer(*, email: str = "", mobile: str = "") -> Client:
        return services.client_refer(
            actor=world.coach,
            bsn="111222333",
            given_name="Sem",
            family_name="Contact",
            birth_date=birth_date_for_age(15, today()),
            municipality=world.municipality_a,
            email=email,
            mobile=mobile,
            access_point=AP,
        )

    with pytest.raises(ValidationError) as error:
        refer(email="sem@", mobile="030 1234567")
    assert set(error.value.message_dict) == {"email", "mobile"}
    assert not Client.objects.filter(family_name="Contact").exists()
    client = refer(email="sem@voorbeeld.nl", mobile="06-12345678")
    client.refresh_from_db()
    assert (client.email, client.mobile) == ("sem@voorbeeld.nl", "+31612345678")


def test_contact_details_are_changed_by_the_treating_professionals_only(world: World) -> None:
    services.client_contact_update(actor=world.coach, client=world.own, email="", mobile="0612345678", access_point=AP)
    assert Client.objects.get(pk=world.own.pk).mobile == "+31612345678"
    assert AccessLogEntry.objects.filter(action="client.contact", client_public_id=world.own.public_id).exists()
    for outsider in (world.toegang, world.ouder, world.coach_other_team, world.jongere):
        with pytest.raises(policy.AccessDenied):
            services.client_contact_update(actor=outsider, client=world.own, email="", mobile="", access_point=AP)


def test_a_family_member_without_account_is_recorded_with_gezag_and_encrypted_bsn(world: World) -> None:
    relation = services.carer_add(
        actor=world.coach,
        client=world.own,
        details=services.CarerDetails(
            kind=GezagRelation.Kind.MOTHER,
            given_name="Ingrid",
            family_name="Jansen",
            email="ingrid@voorbeeld.nl",
            mobile="06 87654321",
            bsn="1112.22.333",
        ),
        has_gezag=True,
        gezag_from=world.own.birth_date,
        gezag_source="Uittreksel gezagsregister 3 maart 2026",
        access_point=AP,
    )
    relation.refresh_from_db()
    assert relation.parent is None and not relation.uses_portal
    assert (relation.bsn, relation.mobile) == ("111222333", "+31687654321")
    assert relation.bsn_hash == services.bsn_hash("111222333")
    with connection.cursor() as cursor:
        cursor.execute("SELECT bsn FROM clients_gezagrelation WHERE id = %s", [relation.pk])
        assert "111222333" not in cursor.fetchone()[0]
    assert policy.gezag_on(relation, today())
    change = GezagChange.objects.get(relation=relation)
    assert (change.has_gezag, change.effective_on, change.recorded_by) == (True, world.own.birth_date, world.coach)
    with pytest.raises(ValidationError) as twice:
        services.carer_add(
            actor=world.coach,
            client=world.own,
            details=services.CarerDetails(kind="father", family_name="Jansen", bsn="111222333"),
            has_gezag=False,
            gezag_from=None,
            gezag_source="",
            access_point=AP,
        )
    assert "bsn" in twice.value.message_dict


def test_a_family_member_is_refused_with_every_error_per_field_and_nothing_saved(world: World) -> None:
    before = GezagRelation.objects.count()
    with pytest.raises(ValidationError) as error:
        services.carer_add(
            actor=world.coach,
            client=world.own,
            details=services.CarerDetails(kind="mother", bsn="123456789", mobile="030 1234567"),
            has_gezag=True,
            gezag_from=None,
            gezag_source=" ",
            access_point=AP,
        )
    assert set(error.value.message_dict) == {"family_name", "bsn", "mobile", "gezag_from", "gezag_source"}
    with pytest.raises(ValidationError) as gi:
        services.carer_add(
            actor=world.coach,
            client=world.own,
            details=services.CarerDetails(kind="gi", bsn="111222333", uses_portal=True),
            has_gezag=False,
            gezag_from=None,
            gezag_source="",
            access_point=AP,
        )
    assert set(gi.value.message_dict) == {"organisation_name", "bsn", "uses_portal"}
    assert GezagRelation.objects.count() == before
    with pytest.raises(policy.AccessDenied):
        services.carer_add(
            actor=world.toegang,
            client=world.own,
            details=MOTHER,
            has_gezag=False,
            gezag_from=None,
            gezag_source="",
            access_point=AP,
        )


def test_ending_gezag_is_recorded_with_date_and_source_and_takes_effect_that_day(world: World) -> None:
    relation = world.own.gezag_relations.get(parent=world.ouder)
    end = today() + datetime.timedelta(days=7)
    with pytest.raises(ValidationError) as no_source:
        services.gezag_change(
            actor=world.coach, relation=relation, has_gezag=False, effective_on=end, source_document="", access_point=AP
        )
    assert "source_document" in no_source.value.message_dict

    services.gezag_change(
        actor=world.coach,
        relation=relation,
        has_gezag=False,
        effective_on=end,
        source_document="Beschikking rechtbank Midden-Nederland",
        access_point=AP,
    )
    relation.refresh_from_db()
    assert relation.gezag_ends_on == end
    assert policy.can_see(world.ouder, world.own, policy.DataKind.CLINICAL, on=end - datetime.timedelta(days=1))
    assert policy.kinds_visible(world.ouder, world.own, on=end) == frozenset()
    assert GezagChange.objects.filter(relation=relation, has_gezag=False, effective_on=end).exists()

    with pytest.raises(ValidationError):  # it cannot end twice
        services.gezag_change(
            actor=world.coach,
            relation=relation,
            has_gezag=False,
            effective_on=end,
            source_document="x",
            access_point=AP,
        )
    services.gezag_change(
        actor=world.coach,
        relation=relation,
        has_gezag=True,
        effective_on=end + datetime.timedelta(days=30),
        source_document="Beschikking hoger beroep",
        access_point=AP,
    )
    relation.refresh_from_db()
    assert not policy.gezag_on(relation, end + datetime.timedelta(days=29))
    assert policy.gezag_on(relation, end + datetime.timedelta(days=30))


def test_gezag_ending_before_it_began_never_counted(world: World) -> None:
    relation = CarerFactory.create(client=world.own, gezag_from=today() + datetime.timedelta(days=5))
    services.gezag_change(
        actor=world.coach,
        relation=relation,
        has_gezag=False,
        effective_on=today(),
        source_document="Herstel",
        access_point=AP,
    )
    relation.refresh_from_db()
    assert not relation.has_gezag and relation.gezag_from is None


def test_changing_details_keeps_the_bsn_and_a_portal_user_stays_one(world: World) -> None:
    relation = CarerFactory.create(client=world.own, bsn="111222333", bsn_hash=services.bsn_hash("111222333"))
    services.carer_update(
        actor=world.coach,
        relation=relation,
        details=services.CarerDetails(kind="mother", given_name="Ingrid", family_name="Smit", mobile="0612345678"),
        access_point=AP,
    )
    relation.refresh_from_db()
    assert (relation.family_name, relation.bsn, relation.mobile) == ("Smit", "111222333", "+31612345678")
    linked = world.own.gezag_relations.get(parent=world.ouder)
    with pytest.raises(ValidationError) as error:
        services.carer_update(
            actor=world.coach,
            relation=linked,
            details=services.CarerDetails(kind="parent", family_name="X", uses_portal=False),
            access_point=AP,
        )
    assert "uses_portal" in error.value.message_dict


# --- the screens ---------------------------------------------------------------------------------


def detail_url(client: Client) -> str:
    return reverse("clients:detail", kwargs={"public_id": client.public_id})


def test_the_coach_sees_the_family_section_and_others_do_not(world: World, login: Login) -> None:
    CarerFactory.create(client=world.own, given_name="Karin", family_name="Groot-Test", mobile="+31612345678")
    content = login(world.coach).get(detail_url(world.own)).content.decode()
    assert 'id="family"' in content and "Groot-Test" in content and "+31612345678" in content
    assert reverse("clients:carer_add", kwargs={"public_id": world.own.public_id}) in content
    for outsider in (world.ouder, world.toegang, world.jongere):
        content = login(outsider).get(detail_url(world.own)).content.decode()
        assert 'id="family"' not in content and "Groot-Test" not in content


def test_adding_a_family_member_through_the_screen_shows_errors_next_to_the_fields(world: World, login: Login) -> None:
    http = login(world.coach)
    url = reverse("clients:carer_add", kwargs={"public_id": world.own.public_id})
    assert http.get(url).status_code == 200
    data = {
        "kind": "gi",
        "organisation_name": "",
        "uses_portal": "no",
        "has_gezag": "yes",
        "gezag_from": "",
        "gezag_source": "",
        "mobile": "12",
    }
    response = http.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    form = response.context["form"]
    assert set(form.errors) >= {"organisation_name", "gezag_from", "gezag_source", "mobile"}
    assert 'id="id_organisation_name_error"' in content and 'aria-invalid="true"' in content
    assert not GezagRelation.objects.filter(client=world.own, kind="gi").exists()

    data.update(
        organisation_name="Samen Veilig Midden-Nederland",
        gezag_from=today().isoformat(),
        gezag_source="Beschikking voogdij 1 december 2026",
        mobile="",
    )
    response = http.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#family")
    gi = GezagRelation.objects.get(client=world.own, kind="gi")
    assert gi.display_name == "Samen Veilig Midden-Nederland" and policy.gezag_on(gi, today())


def test_gezag_change_and_contact_screens(world: World, login: Login) -> None:
    http = login(world.coach)
    relation = world.own.gezag_relations.get(parent=world.ouder)
    url = reverse("clients:gezag_change", kwargs={"public_id": world.own.public_id, "relation_id": relation.pk})
    response = http.post(url, {"has_gezag": "no", "effective_on": today().isoformat(), "source_document": ""})
    assert response.status_code == 200 and "source_document" in response.context["form"].errors
    response = http.post(
        url, {"has_gezag": "no", "effective_on": today().isoformat(), "source_document": "Beschikking 5 december"}
    )
    assert response.status_code == 302
    assert not policy.can_see(world.ouder, world.own, policy.DataKind.ADMINISTRATIVE)

    contact = reverse("clients:contact_edit", kwargs={"public_id": world.own.public_id})
    response = http.post(contact, {"email": "geen-adres", "mobile": ""})
    assert response.status_code == 200 and "email" in response.context["form"].errors
    assert http.post(contact, {"email": "sanne@voorbeeld.nl", "mobile": "0612345678"}).status_code == 302
    assert Client.objects.get(pk=world.own.pk).email == "sanne@voorbeeld.nl"


@pytest.mark.parametrize("actor_key", ["ouder", "toegang", "jongere", "coach_other_team", "beheerder"])
def test_family_screens_are_not_found_for_everyone_else(world: World, login: Login, actor_key: str) -> None:
    relation = world.own.gezag_relations.get(parent=world.ouder)
    http = login(world.user(actor_key))
    kwargs = {"public_id": world.own.public_id}
    for url in (
        reverse("clients:contact_edit", kwargs=kwargs),
        reverse("clients:carer_add", kwargs=kwargs),
        reverse("clients:carer_edit", kwargs={**kwargs, "relation_id": relation.pk}),
        reverse("clients:gezag_change", kwargs={**kwargs, "relation_id": relation.pk}),
    ):
        assert http.get(url).status_code == 404, url


def test_referral_form_takes_contact_details(world: World, login: Login) -> None:
    method_demo_package_install()
    data = {
        "bsn": "111222333",
        "given_name": "Sem",
        "family_name": "Contactscherm",
        "birth_date": birth_date_for_age(15, today()).isoformat(),
        "municipality": str(world.municipality_a.pk),
        "referrer_kind": "huisarts",
        "email": "sem@voorbeeld.nl",
        "mobile": "030 1234567",
    }
    response = login(world.coach).post(reverse("clients:refer"), data)
    assert response.status_code == 200
    assert html.escape(response.context["form"].errors["mobile"][0]) in response.content.decode()
    data["mobile"] = "06 12345678"
    assert login(world.coach).post(reverse("clients:refer"), data).status_code == 302
    assert Client.objects.get(family_name="Contactscherm").mobile == "+31612345678"


def test_a_family_member_is_linked_to_their_parent_account_once(world: World) -> None:
    mother = CarerFactory.create(client=world.own)
    account = UserFactory.create(ouder=True)
    services.carer_account_link(actor=world.coach, relation=mother, parent=account, access_point=AP)
    mother.refresh_from_db()
    assert mother.parent == account and mother.uses_portal
    assert policy.can_see(account, world.own, policy.DataKind.CLINICAL)
    with pytest.raises(ValidationError):  # the same account for a second family member
        services.carer_account_link(
            actor=world.coach, relation=CarerFactory.create(client=world.own), parent=account, access_point=AP
        )
    with pytest.raises(ValidationError):  # a young person's account is no parent account
        services.carer_account_link(
            actor=world.coach, relation=CarerFactory.create(client=world.own), parent=world.jongere, access_point=AP
        )
    with pytest.raises(policy.AccessDenied):
        services.carer_account_link(actor=world.toegang, relation=mother, parent=account, access_point=AP)


def test_the_family_section_invites_members_with_gezag_at_the_address_on_their_record(
    world: World, login: Login
) -> None:
    world.own.user = None
    world.own.email = "sanne@voorbeeld.nl"
    world.own.save(update_fields=["user", "email"])
    mother = CarerFactory.create(client=world.own, given_name="Ingrid", email="ingrid@voorbeeld.nl", uses_portal=True)
    no_email = CarerFactory.create(client=world.own, given_name="Kees", uses_portal=True)
    no_gezag = CarerFactory.create(
        client=world.own, given_name="Piet", email="piet@voorbeeld.nl", uses_portal=True, has_gezag=False
    )
    http = login(world.coach)
    http.cookies["django_language"] = "en"
    invite = reverse("clients:family_invite", kwargs={"public_id": world.own.public_id, "relation_id": mother.pk})
    content = http.get(detail_url(world.own)).content.decode()
    # The young person's invitation form is prefilled with the recorded address.
    assert 'value="sanne@voorbeeld.nl"' in content
    assert invite in content and "Not invited" in content
    assert "No e-mail address recorded." in content
    assert (
        reverse("clients:carer_edit", kwargs={"public_id": world.own.public_id, "relation_id": no_email.pk}) in content
    )
    assert "without gezag there is no portal account" in content
    for refused in (no_email, no_gezag):
        url = reverse("clients:family_invite", kwargs={"public_id": world.own.public_id, "relation_id": refused.pk})
        assert url not in content
        assert http.post(url).status_code == 302
    assert not mail.outbox

    response = http.post(invite)
    assert response.status_code == 302 and response["Location"].endswith("#family")
    assert mail.outbox[-1].to == ["ingrid@voorbeeld.nl"]
    content = http.get(detail_url(world.own)).content.decode()
    assert "Invited on" in content and invite not in content
    invitation = mother.invitations.get()
    revoke = reverse("clients:revoke", kwargs={"public_id": world.own.public_id, "pk": invitation.pk})
    assert revoke in content
    assert http.post(revoke)["Location"].endswith("#family")
    assert http.get(detail_url(world.own)).content.decode().count(invite) == 1


@pytest.mark.parametrize("actor_key", ["ouder", "toegang", "jongere", "coach_other_team"])
def test_others_cannot_invite_a_family_member(world: World, login: Login, actor_key: str) -> None:
    mother = CarerFactory.create(client=world.own, email="ingrid@voorbeeld.nl", uses_portal=True)
    url = reverse("clients:family_invite", kwargs={"public_id": world.own.public_id, "relation_id": mother.pk})
    assert login(world.user(actor_key)).post(url).status_code == 404
    assert not mail.outbox
