"""Who may read and write which thread (access.policy), through the pages."""

import pytest
from django.urls import reverse

from coachcare.access import policy
from coachcare.clients.models import ParentAccessDecision
from coachcare.core.dates import today
from coachcare.messaging import services
from coachcare.messaging.models import Thread
from tests.conftest import World
from tests.factories import birth_date_for_age
from tests.messaging.conftest import Login

YOUTH_READERS = {"jongere", "coach", "colleague", "teamleider"}
PARENT_READERS = {"ouder", "coach", "colleague", "teamleider"}
EVERYONE = [
    "jongere",
    "jongere_other",
    "ouder",
    "ouder_zonder_gezag",
    "coach",
    "colleague",
    "coach_other_team",
    "teamleider",
    "teamleider_other_team",
    "toegang",
    "toegang_other",
    "beleid",
    "beheerder",
    "inactive_coach",
]


@pytest.mark.parametrize("username", EVERYONE)
def test_youth_thread_is_for_the_young_person_and_their_professionals_only(
    world: World, youth_thread: Thread, login: Login, username: str
) -> None:
    user = world.user(username)
    allowed = username in YOUTH_READERS
    assert policy.can_read_thread(user, youth_thread) is allowed
    assert policy.can_post_in_thread(user, youth_thread) is allowed
    if user.is_active:
        response = login(user).get(reverse("messaging:thread", kwargs={"public_id": youth_thread.public_id}))
        assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize("username", EVERYONE)
def test_parent_thread_is_for_that_parent_and_the_professionals_only(
    world: World, parent_thread: Thread, login: Login, username: str
) -> None:
    user = world.user(username)
    allowed = username in PARENT_READERS
    assert policy.can_read_thread(user, parent_thread) is allowed
    if user.is_active:
        response = login(user).get(reverse("messaging:thread", kwargs={"public_id": parent_thread.public_id}))
        assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize("username", EVERYONE)
def test_threads_visible_to_agrees_with_can_read_thread(
    world: World, youth_thread: Thread, parent_thread: Thread, username: str
) -> None:
    user = world.user(username)
    other = services.thread_for(actor=world.coach_other_team, client=world.other_team, kind=Thread.Kind.YOUTH)
    visible = set(policy.threads_visible_to(user))
    for thread in (youth_thread, parent_thread, other):
        assert (thread in visible) is policy.can_read_thread(user, thread), thread


def test_parent_of_a_15_year_old_with_full_access_still_never_opens_the_youth_thread(
    world: World, youth_thread: Thread, login: Login
) -> None:
    assert policy.can_see(world.ouder, world.own, policy.DataKind.CLINICAL)
    http = login(world.ouder)
    inbox = http.get(reverse("messaging:inbox"))
    assert inbox.status_code == 200
    threads = list(inbox.context["threads"])
    assert [thread.kind for thread in threads] == [Thread.Kind.PARENT]
    assert str(youth_thread.public_id) not in inbox.content.decode()
    assert http.get(reverse("messaging:thread", kwargs={"public_id": youth_thread.public_id})).status_code == 404
    poll = reverse("messaging:thread_new", kwargs={"public_id": youth_thread.public_id})
    assert http.get(poll).status_code == 404


def test_parent_without_gezag_gets_no_thread(world: World, login: Login) -> None:
    assert not policy.can_message_about(world.ouder_zonder_gezag, world.own, "parent", parent=world.ouder_zonder_gezag)
    with pytest.raises(policy.AccessDenied):
        services.thread_for(
            actor=world.coach, client=world.own, kind=Thread.Kind.PARENT, parent=world.ouder_zonder_gezag
        )
    inbox = login(world.ouder_zonder_gezag).get(reverse("messaging:inbox"))
    assert list(inbox.context["threads"]) == []


def test_parent_of_an_adult_without_consent_loses_the_parent_thread(world: World, parent_thread: Thread) -> None:
    world.own.birth_date = birth_date_for_age(18, today())
    world.own.save()
    assert not policy.can_read_thread(world.ouder, parent_thread)
    assert parent_thread not in policy.threads_visible_to(world.ouder)
    # The professionals keep the conversation in the file but cannot write to the parent any more.
    assert policy.can_read_thread(world.coach, parent_thread)
    ParentAccessDecision.objects.create(
        client=world.own, parent=world.ouder, kind=ParentAccessDecision.Kind.CONSENTED, recorded_by=world.jongere
    )
    assert policy.can_read_thread(world.ouder, parent_thread)


def test_parent_of_a_16_year_old_keeps_their_own_thread_but_not_the_youth_thread(
    world: World, youth_thread: Thread, parent_thread: Thread
) -> None:
    world.own.birth_date = birth_date_for_age(16, today())
    world.own.save()
    assert policy.can_read_thread(world.ouder, parent_thread)
    assert not policy.can_read_thread(world.ouder, youth_thread)


@pytest.mark.parametrize("username", ["toegang", "beleid", "beheerder"])
def test_municipality_and_administrator_have_no_messages(world: World, login: Login, username: str) -> None:
    assert login(world.user(username)).get(reverse("messaging:inbox")).status_code == 404


def test_young_person_cannot_open_another_young_persons_thread_nor_a_parent_thread(world: World, login: Login) -> None:
    with pytest.raises(policy.AccessDenied):
        services.thread_for(actor=world.jongere_other, client=world.own, kind=Thread.Kind.YOUTH)
    with pytest.raises(policy.AccessDenied):
        services.thread_for(actor=world.jongere, client=world.own, kind=Thread.Kind.PARENT, parent=world.ouder)
