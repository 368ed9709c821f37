"""Referral (aanmelding), notes, parental authority and parent access decisions."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from coachcare.access import policy
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint
from coachcare.clients import services
from coachcare.clients.models import Client, ParentAccessDecision
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory, GezagRelationFactory, ParentAccessDecisionFactory
from tests.conftest import World
from tests.factories import birth_date_for_age, years_before
from tests.providers.factories import TeamFactory

AP = AccessPoint.command("tests")
ON = datetime.date(2026, 3, 10)


def refer(world: World, **overrides: object) -> Client:
    arguments: dict[str, object] = {
        "actor": world.coach,
        "bsn": "111222333",
        "given_name": "Sem",
        "family_name": "Verwijzingstest",
        "birth_date": birth_date_for_age(14, ON),
        "municipality": world.municipality_a,
        "referred_on": ON,
        "access_point": AP,
    }
    arguments.update(overrides)
    return services.client_refer(**arguments)  # type: ignore[arg-type]


def test_referral_saves_client_with_hash_and_logs(world: World) -> None:
    client = refer(world)

    client.refresh_from_db()
    assert client.bsn == "111222333"
    assert client.bsn_hash == services.bsn_hash("111222333")
    assert client.coach == world.coach
    assert client.team == world.team_1
    assert client.provider == world.provider
    assert client.referred_on == ON
    assert AccessLogEntry.objects.filter(action="client.referral", client_public_id=client.public_id).count() == 1


def test_referral_accepts_formatted_bsn(world: World) -> None:
    assert refer(world, bsn="1112.22.333").bsn == "111222333"


@pytest.mark.parametrize("bsn", ["123456789", "12345678", "1234567890", "abcdefghi", "", "000000000"])
def test_invalid_bsn_is_refused_and_nothing_saved(world: World, bsn: str) -> None:
    clients_before = Client.objects.count()
    log_before = AccessLogEntry.objects.count()

    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        refer(world, bsn=bsn)

    assert exc_info.value.message_dict["bsn"] == [
        "This is not a valid BSN: it must have 9 digits and pass the 11-proof."
    ]
    assert Client.objects.count() == clients_before
    assert AccessLogEntry.objects.count() == log_before


def test_duplicate_bsn_is_refused(world: World) -> None:
    refer(world)
    clients_before = Client.objects.count()

    with pytest.raises(ValidationError) as exc_info:
        refer(world, bsn="111 222 333", given_name="Ander")

    assert "bsn" in exc_info.value.message_dict
    assert Client.objects.count() == clients_before


def test_a_bsn_in_care_at_another_provider_does_not_stop_a_referral(world: World) -> None:
    elsewhere = ClientFactory.create(bsn="111222333", team=TeamFactory.create())  # another provider's file
    assert elsewhere.provider != world.provider

    client = refer(world)

    assert client.provider == world.provider
    assert Client.objects.filter(bsn_hash=services.bsn_hash("111222333")).count() == 2


def test_a_refused_referral_says_nothing_about_other_providers(world: World) -> None:
    """Whatever team is passed in, only the actor's own organisation is asked about the BSN."""
    other_team = TeamFactory.create()
    ClientFactory.create(bsn="111222333", team=other_team)

    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        refer(world, team=other_team)
    assert "bsn" not in exc_info.value.message_dict
    assert "team" in exc_info.value.message_dict

    refer(world)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        refer(world, given_name="Ander")
    assert exc_info.value.message_dict["bsn"] == [
        "A young person with this BSN is already registered at your organisation."
    ]


def test_concurrent_duplicate_is_reported_as_a_bsn_error(world: World) -> None:
    refer(world)
    with (
        mock.patch("coachcare.clients.services.Client.objects.filter") as filter_,
        pytest.raises(ValidationError) as exc_info,
    ):
        filter_.return_value.exists.return_value = False  # the check raced with another registration
        refer(world, given_name="Gelijktijdig")

    assert "bsn" in exc_info.value.message_dict


RUNNING_CARE = services.EarlierCare(kind="started", on=ON - datetime.timedelta(days=9 * 365), source="beschikking")


@pytest.mark.parametrize(
    ("age", "accepted"), [(11, False), (12, True), (17, True), (18, False), (22, True), (23, False)]
)
def test_age_on_referral_date(world: World, age: int, accepted: bool) -> None:
    """12 to 17 always; from 18 only with youth care before 18 (given here from 18 on); at 23 the
    Jeugdwet no longer applies, whatever the evidence."""
    birth_date = birth_date_for_age(age, ON)
    earlier = services.EarlierCare(kind="started", on=years_before(ON, age - 14), source="beschikking")
    if age == 18:
        with pytest.raises(ValidationError):
            refer(world, birth_date=birth_date)  # no evidence: refused
        assert refer(world, birth_date=birth_date, earlier_care=earlier).birth_date == birth_date
        return
    if accepted:
        assert refer(world, birth_date=birth_date, earlier_care=earlier if age >= 18 else None).birth_date == birth_date
    else:
        with pytest.raises(ValidationError) as exc_info:
            refer(world, birth_date=birth_date, earlier_care=earlier if age >= 18 else None)
        assert "birth_date" in exc_info.value.message_dict
        assert not Client.objects.filter(family_name="Verwijzingstest").exists()


def test_age_limits_on_the_exact_birthdays(world: World) -> None:
    with pytest.raises(ValidationError):
        refer(world, birth_date=years_before(ON, 12) + datetime.timedelta(days=1))  # 12 tomorrow
    assert refer(world, birth_date=years_before(ON, 12)).pk  # 12 today
    with pytest.raises(ValidationError):  # 23 today: no longer a jeugdige
        refer(world, bsn="123456782", birth_date=years_before(ON, 23), earlier_care=RUNNING_CARE)
    assert refer(
        world, bsn="123456782", birth_date=years_before(ON, 23) + datetime.timedelta(days=1), earlier_care=RUNNING_CARE
    ).pk


def test_all_errors_are_reported_together(world: World) -> None:
    with pytest.raises(ValidationError) as exc_info:
        refer(world, bsn="123456789", birth_date=birth_date_for_age(30, ON), given_name=" ")

    assert {"bsn", "birth_date", "family_name"} <= set(exc_info.value.message_dict)


def test_team_of_another_provider_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc_info:
        refer(world, team=TeamFactory.create())

    assert "team" in exc_info.value.message_dict


def test_coach_of_another_provider_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc_info:
        refer(world, actor=world.teamleider, coach=UserFactory.create(coach=True))

    assert "coach" in exc_info.value.message_dict


def test_teamleider_refers_without_coach(world: World) -> None:
    client = refer(world, actor=world.teamleider)

    assert client.coach is None
    assert client.team == world.team_1


@pytest.mark.parametrize("actor_key", ["toegang", "beleid", "beheerder", "jongere", "ouder"])
def test_only_coaches_and_team_leads_refer(world: World, actor_key: str) -> None:
    with pytest.raises(policy.AccessDenied):
        refer(world, actor=world.user(actor_key))
    assert not Client.objects.filter(family_name="Verwijzingstest").exists()


def test_referral_date_defaults_to_today(world: World) -> None:
    with mock.patch("coachcare.clients.services.today", return_value=ON):
        client = refer(world, referred_on=None)

    assert client.referred_on == ON


# --- Notes ---------------------------------------------------------------------------------------


def test_note_add(world: World) -> None:
    note = services.client_note_add(actor=world.coach, client=world.own, text="  Goed gesprek. ", access_point=AP)

    assert note.text == "Goed gesprek."
    assert AccessLogEntry.objects.filter(action="client.note").count() == 1


def test_empty_note_is_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        services.client_note_add(actor=world.coach, client=world.own, text="  ", access_point=AP)
    assert not world.own.notes.exists()
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("actor_key", ["coach_other_team", "toegang", "beheerder", "jongere", "ouder"])
def test_note_add_refused_for_non_treating_users(world: World, actor_key: str) -> None:
    with pytest.raises(policy.AccessDenied):
        services.client_note_add(actor=world.user(actor_key), client=world.own, text="x", access_point=AP)
    assert not world.own.notes.exists()


# --- Parental authority and parent access --------------------------------------------------------


def test_gezag_relation_add_only_for_parent_accounts(world: World) -> None:
    parent = UserFactory.create(ouder=True)
    relation = services.gezag_relation_add(actor=world.coach, client=world.team, parent=parent, access_point=AP)
    assert relation.has_gezag

    with pytest.raises(ValidationError):
        services.gezag_relation_add(actor=world.coach, client=world.team, parent=world.jongere, access_point=AP)
    with pytest.raises(policy.AccessDenied):
        services.gezag_relation_add(actor=world.toegang, client=world.team, parent=parent, access_point=AP)


def test_gezag_relation_add_restores_authority(world: World) -> None:
    relation = services.gezag_relation_add(
        actor=world.coach, client=world.own, parent=world.ouder_zonder_gezag, access_point=AP
    )

    assert relation.has_gezag
    assert policy.can_see(world.ouder_zonder_gezag, world.own, policy.DataKind.CLINICAL)


def test_coach_restricts_and_revokes_parent_access(world: World) -> None:
    decision = services.parent_access_restrict(
        actor=world.coach, client=world.own, parent=world.ouder, reason="Schadelijk voor de jongere", access_point=AP
    )
    assert policy.kinds_visible(world.ouder, world.own) == {policy.DataKind.ADMINISTRATIVE}
    assert ParentAccessDecision.objects.get(pk=decision.pk).reason == "Schadelijk voor de jongere"

    services.parent_access_revoke(actor=world.coach, decision=decision, access_point=AP)

    assert policy.can_see(world.ouder, world.own, policy.DataKind.CLINICAL)
    assert AccessLogEntry.objects.filter(action="client.parent_access").count() == 2


def test_restriction_needs_a_reason(world: World) -> None:
    with pytest.raises(ValidationError):
        services.parent_access_restrict(
            actor=world.coach, client=world.own, parent=world.ouder, reason=" ", access_point=AP
        )


@pytest.mark.parametrize("actor_key", ["jongere", "ouder", "toegang", "coach_other_team"])
def test_restriction_only_by_treating_professionals(world: World, actor_key: str) -> None:
    with pytest.raises(policy.AccessDenied):
        services.parent_access_restrict(
            actor=world.user(actor_key), client=world.own, parent=world.ouder, reason="x", access_point=AP
        )


def test_young_person_consents_and_revokes(db: None) -> None:
    jongere = UserFactory.create(jongere=True)
    client = ClientFactory.create(age=17, user=jongere)
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)
    assert policy.kinds_visible(parent, client) == {policy.DataKind.ADMINISTRATIVE}

    decision = services.parent_access_consent(actor=jongere, client=client, parent=parent, access_point=AP)
    assert policy.can_see(parent, client, policy.DataKind.CLINICAL)

    services.parent_access_revoke(actor=jongere, decision=decision, access_point=AP)
    assert policy.kinds_visible(parent, client) == {policy.DataKind.ADMINISTRATIVE}


def test_only_the_young_person_consents(world: World) -> None:
    for actor_key in ["coach", "ouder", "jongere_other"]:
        with pytest.raises(policy.AccessDenied):
            services.parent_access_consent(
                actor=world.user(actor_key), client=world.own, parent=world.ouder, access_point=AP
            )


def test_parent_cannot_revoke_a_restriction(world: World) -> None:
    decision = ParentAccessDecisionFactory.create(client=world.own, parent=world.ouder, recorded_by=world.coach)

    with pytest.raises(policy.AccessDenied):
        services.parent_access_revoke(actor=world.ouder, decision=decision, access_point=AP)
    with pytest.raises(policy.AccessDenied):
        services.parent_access_revoke(actor=world.jongere, decision=decision, access_point=AP)
    decision.refresh_from_db()
    assert decision.revoked_at is None
