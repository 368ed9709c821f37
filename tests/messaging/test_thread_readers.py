"""Private means private (issue 16.10): the thread page names exactly who can read the conversation.

The team lead of the client's team reads the youth thread (docs/security.md, "Secure messages"), so
the page says so, by name; people outside the team, parents and municipality staff are not named
because they cannot read it.
"""

from django.urls import reverse

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.messaging import selectors
from coachcare.messaging.models import Thread
from tests.conftest import World
from tests.messaging.conftest import Login


def _readers_named_on_page(page: str, users: list[User]) -> set[str]:
    section = page[page.index('id="thread-readers-heading"') : page.index("</section>")]
    return {user.username for user in users if user.display_name in section}


def test_readers_are_exactly_those_the_policy_lets_read(world: World, youth_thread: Thread) -> None:
    everyone = list(User.objects.filter(is_active=True))
    expected = {user.pk for user in everyone if policy.can_read_thread(user, youth_thread)}
    readers = selectors.thread_readers(thread=youth_thread)

    # The young person reads their own thread but is addressed as "you", not listed.
    assert {user.pk for user in readers} == expected - {world.jongere.pk}
    assert readers[0] == world.coach  # the own coach first
    assert world.teamleider in readers
    for outsider in (world.teamleider_other_team, world.coach_other_team, world.ouder, world.toegang, world.beheerder):
        assert outsider not in readers


def test_the_young_person_sees_who_reads_their_thread(world: World, youth_thread: Thread, login: Login) -> None:
    url = reverse("messaging:thread", kwargs={"public_id": youth_thread.public_id})
    page = login(world.jongere).get(url).content.decode()

    assert "Who can read this conversation" in page
    named = _readers_named_on_page(
        page, [world.coach, world.colleague, world.teamleider, world.teamleider_other_team, world.ouder]
    )
    assert named == {world.coach.username, world.colleague.username, world.teamleider.username}
    assert "Your parents cannot read it." in page
    assert "private conversation between the young person and their coach" not in page


def test_the_parent_thread_names_its_readers_too(world: World, parent_thread: Thread, login: Login) -> None:
    url = reverse("messaging:thread", kwargs={"public_id": parent_thread.public_id})
    page = login(world.ouder).get(url).content.decode()

    named = _readers_named_on_page(page, [world.coach, world.teamleider, world.coach_other_team])
    assert named == {world.coach.username, world.teamleider.username}
    assert "is separate and is not shown here" in page
