"""The parent's own thread after the 16th birthday (docs/security.md, "Secure messages"): the
parent keeps writing to the coach and reads their own messages and what the coach writes from the
birthday on, but no longer the coach's earlier messages, unless the young person allows it."""

import datetime

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from coachcare.access import policy
from coachcare.clients.models import ParentAccessDecision
from coachcare.core.dates import today, years_before
from coachcare.messaging import selectors
from coachcare.messaging.models import Message, Thread, ThreadRead
from tests.conftest import World
from tests.messaging.conftest import POINT, Login, post

TEN_DAYS = datetime.timedelta(days=10)


def _sixteen_ten_days_ago(world: World) -> datetime.datetime:
    """``world.own`` turned 16 ten days ago; the start of that day (local time)."""
    birthday = today() - TEN_DAYS
    world.own.birth_date = years_before(birthday, 16)
    world.own.save()
    return datetime.datetime.combine(birthday, datetime.time.min, tzinfo=timezone.get_default_timezone())


def _at(message: Message, moment: datetime.datetime) -> Message:
    Message.objects.filter(pk=message.pk).update(created_at=moment)
    message.refresh_from_db()
    return message


def _bodies(world: World, parent_thread: Thread) -> list[str]:
    window = selectors.thread_window(actor=world.ouder, thread=parent_thread, access_point=POINT)
    return [m.body for m in window.messages]


def test_the_coachs_earlier_messages_are_hidden_from_the_16th_birthday(
    world: World, parent_thread: Thread, login: Login
) -> None:
    birthday = _sixteen_ten_days_ago(world)
    hidden = _at(post(world.coach, parent_thread, "Old news about your child"), birthday - datetime.timedelta(days=30))
    _at(post(world.ouder, parent_thread, "My own old question"), birthday - datetime.timedelta(days=29))
    _at(post(world.coach, parent_thread, "Just before midnight"), birthday - datetime.timedelta(minutes=1))
    _at(post(world.coach, parent_thread, "Written on the birthday"), birthday + datetime.timedelta(hours=9))
    assert _bodies(world, parent_thread) == ["My own old question", "Written on the birthday"]
    # The coach keeps the whole conversation.
    coach = selectors.thread_window(actor=world.coach, thread=parent_thread, access_point=POINT)
    assert len(coach.messages) == 4
    # The page says why, the parent still writes, and nothing hidden counts as unread.
    http = login(world.ouder)
    url = reverse("messaging:thread", kwargs={"public_id": parent_thread.public_id})
    cache.clear()
    ThreadRead.objects.filter(user=world.ouder).delete()  # posting marked the thread read: never opened
    assert selectors.unread_count(actor=world.ouder) == 1
    inbox = selectors.inbox_for(actor=world.ouder, access_point=POINT)
    assert [thread.unread for thread in inbox.object_list] == [1]
    page = http.get(url).content.decode()
    assert "Old news" not in page and "Just before midnight" not in page and "Written on the birthday" in page
    assert 'id="hidden-before"' in page
    assert http.post(url, {"body": "Can we talk?"}).status_code == 302
    assert Message.objects.filter(thread=parent_thread, author=world.ouder).count() == 2
    # A poll or a window anchored on a hidden message gives nothing.
    assert http.get(url, {"before": str(hidden.public_id)}).status_code == 404


def test_the_young_person_allows_the_parent_to_read_everything_again(world: World, parent_thread: Thread) -> None:
    birthday = _sixteen_ten_days_ago(world)
    _at(post(world.coach, parent_thread, "Old news about your child"), birthday - datetime.timedelta(days=30))
    assert _bodies(world, parent_thread) == []
    ParentAccessDecision.objects.create(
        client=world.own, parent=world.ouder, kind=ParentAccessDecision.Kind.CONSENTED, recorded_by=world.jongere
    )
    assert _bodies(world, parent_thread) == ["Old news about your child"]
    assert policy.parent_thread_hidden_before(world.ouder, parent_thread) is None


def test_the_rule_starts_on_the_birthday_itself(world: World, parent_thread: Thread) -> None:
    birthday = today() + TEN_DAYS
    world.own.birth_date = years_before(birthday, 16)
    world.own.save()
    assert (
        policy.parent_thread_hidden_before(world.ouder, parent_thread, on=birthday - datetime.timedelta(days=1)) is None
    )
    moment = policy.parent_thread_hidden_before(world.ouder, parent_thread, on=birthday)
    assert moment is not None and timezone.localtime(moment, timezone.get_default_timezone()).date() == birthday
    with timezone.override("UTC"):  # the day starts in Amsterdam whatever zone is active
        assert policy.parent_thread_hidden_before(world.ouder, parent_thread, on=birthday) == moment
    # Only the parent of their own parent thread is concerned.
    assert policy.parent_thread_hidden_before(world.coach, parent_thread, on=birthday) is None
