"""Who sees the young person's own work, appointments and parenting goals (rules.md, on the day)."""

import datetime

import pytest

from coachcare.access import policy
from coachcare.clients.models import Client
from coachcare.core.dates import today, years_before
from tests.conftest import World

OWN_WORK = {
    "jongere": True,
    "coach": True,
    "colleague": True,
    "teamleider": True,
    "jongere_other": False,
    "coach_other_team": False,
    "teamleider_other_team": False,
    "ouder": False,
    "ouder_zonder_gezag": False,
    "toegang": False,
    "beleid": False,
    "beheerder": False,
    "inactive_coach": False,
}


@pytest.mark.parametrize(("who", "allowed"), list(OWN_WORK.items()))
def test_diary_and_answers_only_for_the_young_person_and_their_professionals(
    world: World, who: str, allowed: bool
) -> None:
    assert policy.can_see_young_persons_own_work(world.user(who), world.own) is allowed


@pytest.mark.parametrize(
    ("who", "scope"),
    [
        ("jongere", policy.AppointmentScope.ALL),
        ("coach", policy.AppointmentScope.ALL),
        ("ouder", policy.AppointmentScope.WITH_PARENTS),
        ("ouder_zonder_gezag", policy.AppointmentScope.NONE),
        ("jongere_other", policy.AppointmentScope.NONE),
        ("coach_other_team", policy.AppointmentScope.NONE),
        ("toegang", policy.AppointmentScope.NONE),
        ("beheerder", policy.AppointmentScope.NONE),
    ],
)
def test_appointments_scope(world: World, who: str, scope: policy.AppointmentScope) -> None:
    assert policy.appointment_scope(world.user(who), world.own) == scope


def test_only_the_young_person_writes_own_work(world: World) -> None:
    assert policy.can_write_own_work(world.jongere, world.own)
    for who in ("coach", "ouder", "jongere_other", "teamleider", "beheerder"):
        assert not policy.can_write_own_work(world.user(who), world.own)


def test_parent_never_sees_own_work_even_with_clinical_access(world: World) -> None:
    assert policy.can_see(world.ouder, world.own, policy.DataKind.CLINICAL)
    assert not policy.can_see_young_persons_own_work(world.ouder, world.own)


def test_birthday_rule_parent_loses_parenting_goals_at_16(world: World) -> None:
    """On the day before the 16th birthday the parent sees the parenting goals; on the birthday not."""
    birthday = today() + datetime.timedelta(days=10)
    Client.objects.filter(pk=world.own.pk).update(birth_date=years_before(birthday, 16))
    client = Client.objects.get(pk=world.own.pk)
    day_before = birthday - datetime.timedelta(days=1)
    assert policy.can_see_parenting_goals(world.ouder, client, on=day_before)
    assert not policy.can_see_parenting_goals(world.ouder, client, on=birthday)
    # Invited appointments remain visible: the parent keeps administrative access until 18.
    assert policy.appointment_scope(world.ouder, client, on=birthday) == policy.AppointmentScope.WITH_PARENTS
    assert policy.can_see_parenting_goals(world.jongere, client, on=birthday)
    assert policy.can_see_parenting_goals(world.coach, client, on=birthday)
