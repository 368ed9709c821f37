"""Posting, reading, escaping, attachments, notices, unread counts, the poll and query counts."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.tasks import default_task_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coachcare.audit.models import AccessLogEntry
from coachcare.messaging import badge, selectors, services
from coachcare.messaging.models import Attachment, Message, Thread
from coachcare.messaging.tasks import message_notify_task
from tests.clients.factories import ClientFactory
from tests.conftest import World
from tests.messaging.conftest import POINT, Login, post

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def thread_url(thread: Thread, name: str = "messaging:thread") -> str:
    return reverse(name, kwargs={"public_id": thread.public_id})


def test_post_and_read_through_the_pages(world: World, youth_thread: Thread, login: Login) -> None:
    http = login(world.jongere)
    response = http.post(thread_url(youth_thread), {"body": "Hoi coach,\ntot dinsdag!"})
    assert response.status_code == 302
    message = Message.objects.get(thread=youth_thread)
    assert message.body == "Hoi coach,\ntot dinsdag!"
    page = login(world.coach).get(thread_url(youth_thread)).content.decode()
    assert "Hoi coach,<br>tot dinsdag!" in page
    assert 'aria-live="polite"' in page
    assert 'hx-trigger="every 3s"' in page
    assert f"?after={message.public_id}" in page


def test_message_text_is_always_escaped(world: World, youth_thread: Thread, login: Login) -> None:
    post(world.jongere, youth_thread, "<script>alert(1)</script> <b>vet</b>")
    page = login(world.coach).get(thread_url(youth_thread)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;vet&lt;/b&gt;" in page
    poll = login(world.coach).get(thread_url(youth_thread, "messaging:thread_new")).content.decode()
    assert "<script>alert(1)" not in poll
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in poll


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 5001])
def test_empty_or_too_long_messages_are_refused(world: World, youth_thread: Thread, body: str) -> None:
    with pytest.raises(ValidationError):
        post(world.jongere, youth_thread, body)
    assert not Message.objects.exists()


def test_a_message_of_5000_characters_is_fine(world: World, youth_thread: Thread) -> None:
    assert len(post(world.jongere, youth_thread, "x" * 5000).body) == 5000


def test_form_shows_an_error_for_an_empty_message(world: World, youth_thread: Thread, login: Login) -> None:
    response = login(world.jongere).post(thread_url(youth_thread), {"body": "  "})
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_access_log_for_inbox_thread_post_and_poll(world: World, youth_thread: Thread, login: Login) -> None:
    http = login(world.coach)
    http.post(thread_url(youth_thread), {"body": "Hallo"})
    http.get(reverse("messaging:inbox"))
    http.get(thread_url(youth_thread))
    first = Message.objects.get()
    login(world.jongere).post(thread_url(youth_thread), {"body": "Hoi"})
    http = login(world.coach)
    http.get(thread_url(youth_thread, "messaging:thread_new") + f"?after={first.public_id}")
    entries = AccessLogEntry.objects.filter(client_public_id=world.own.public_id)
    actions = {(entry.username, entry.action, entry.event) for entry in entries}
    assert ("coach", "messaging.message", "create") in actions
    assert ("coach", "messaging.inbox", "read") in actions
    assert ("coach", "messaging.thread", "read") in actions
    assert ("jongere", "messaging.message", "create") in actions
    assert ("coach", "messaging.thread.poll", "read") in actions


def test_unread_counts_and_mark_read(world: World, youth_thread: Thread, login: Login) -> None:
    post(world.coach, youth_thread, "Een")
    post(world.coach, youth_thread, "Twee")
    assert selectors.unread_count(actor=world.jongere) == 2
    assert selectors.unread_count(actor=world.coach) == 0  # one's own messages are read
    [thread] = selectors.threads_for_young_person(actor=world.jongere, access_point=POINT).object_list
    assert thread.unread == 2
    http = login(world.jongere)
    home = http.get(reverse("core:home"), follow=True).content.decode()
    assert reverse("messaging:inbox") in home
    assert 'class="coachcare-badge">2<' in home
    http.get(thread_url(youth_thread))
    assert selectors.unread_count(actor=world.jongere) == 0
    post(world.jongere, youth_thread, "Drie")
    assert selectors.unread_count(actor=world.coach) == 1
    assert selectors.unread_count(actor=world.colleague) == 3  # the team shares the inbox
    assert selectors.unread_count(actor=world.toegang) == 0


def test_badge_counts_up_to_99_then_says_99_plus(world: World, youth_thread: Thread, login: Login) -> None:
    for index in range(selectors.UNREAD_BADGE_MAX + 6):
        Message.objects.create(thread=youth_thread, author=world.coach, body=f"bericht {index}")
    assert selectors.unread_count(actor=world.jongere, at_most=None) == 105
    assert selectors.unread_count(actor=world.jongere) == selectors.UNREAD_BADGE_MAX + 1
    home = login(world.jongere).get(reverse("core:home"), follow=True).content.decode()
    assert 'class="coachcare-badge">99+<' in home
    services.thread_mark_read(actor=world.jongere, thread=youth_thread)
    assert selectors.unread_count(actor=world.jongere) == 0
    Message.objects.create(thread=youth_thread, author=world.coach, body="nieuw")
    assert selectors.unread_count(actor=world.jongere) == 1  # after the read mark
    assert selectors.unread_count(actor=world.colleague, at_most=None) == 106  # never opened: every message


def test_badge_is_kept_briefly_and_forgotten_when_the_user_reads(
    world: World, youth_thread: Thread, login: Login
) -> None:
    http = login(world.jongere)
    home = reverse("core:home")
    post(world.coach, youth_thread, "Een")
    assert 'class="coachcare-badge">1<' in http.get(home, follow=True).content.decode()
    post(world.coach, youth_thread, "Twee")  # counted again only after BADGE_SECONDS ...
    assert 'class="coachcare-badge">1<' in http.get(home, follow=True).content.decode()
    badge.badge_forget(user_id=world.jongere.pk)  # ... or when the number is forgotten
    assert 'class="coachcare-badge">2<' in http.get(home, follow=True).content.decode()
    http.get(thread_url(youth_thread))  # reading the thread forgets it at once
    assert "coachcare-badge" not in http.get(home, follow=True).content.decode()


def test_inbox_lists_unread_threads_first(world: World, youth_thread: Thread, parent_thread: Thread) -> None:
    post(world.coach, parent_thread, "Aan ouder")
    post(world.jongere, youth_thread, "Van jongere")
    post(world.coach, parent_thread, "Nog een aan ouder")  # newest, but read by the coach
    threads = selectors.inbox_for(actor=world.coach, access_point=POINT).object_list
    assert [thread.pk for thread in threads] == [youth_thread.pk, parent_thread.pk]
    assert [thread.unread for thread in threads] == [1, 0]


def test_poll_returns_only_newer_messages(world: World, youth_thread: Thread, login: Login) -> None:
    first = post(world.coach, youth_thread, "eerste bericht")
    post(world.coach, youth_thread, "tweede bericht")
    third = post(world.coach, youth_thread, "derde bericht")
    http = login(world.jongere)
    url = thread_url(youth_thread, "messaging:thread_new")
    body = http.get(f"{url}?after={first.public_id}").content.decode()
    assert "eerste bericht" not in body
    assert "tweede bericht" in body and "derde bericht" in body
    assert f"?after={third.public_id}" in body and 'hx-swap-oob="true"' in body
    nothing_new = http.get(f"{url}?after={third.public_id}")
    assert nothing_new.status_code == 204 and nothing_new.content == b""
    assert "no-store" in nothing_new["Cache-Control"]
    assert http.get(f"{url}?after=not-a-uuid").status_code == 400
    other = post(
        world.coach_other_team,
        services.thread_for(actor=world.coach_other_team, client=world.other_team, kind=Thread.Kind.YOUTH),
        "elders",
    )
    assert http.get(f"{url}?after={other.public_id}").status_code == 404


def test_poll_with_nothing_new_is_one_query_and_same_second_messages_keep_their_order(
    world: World, youth_thread: Thread
) -> None:
    first = post(world.coach, youth_thread, "eerste")
    second = post(world.jongere, youth_thread, "tweede")
    third = post(world.coach, youth_thread, "derde")
    Message.objects.filter(pk__in=[first.pk, second.pk, third.pk]).update(created_at=first.created_at)  # one instant
    with CaptureQueriesContext(connection) as nothing_new:
        assert (
            selectors.thread_messages(
                actor=world.jongere, thread=youth_thread, access_point=POINT, after=third.public_id
            )
            == []
        )
    assert len(nothing_new.captured_queries) == 1  # the anchor and what follows it: no attachments, no log entry
    newer = selectors.thread_messages(
        actor=world.jongere, thread=youth_thread, access_point=POINT, after=first.public_id
    )
    assert [m.pk for m in newer] == [second.pk, third.pk]  # ties on created_at: by id
    window = selectors.thread_window(
        actor=world.jongere, thread=youth_thread, access_point=POINT, before=third.public_id
    )
    assert [m.pk for m in window.messages] == [first.pk, second.pk] and window.earlier is None


def test_notice_by_e_mail_carries_no_content(
    world: World, youth_thread: Thread, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    world.coach.email = "coach@example.org"
    world.coach.save()
    with django_capture_on_commit_callbacks(execute=True):
        message = post(world.jongere, youth_thread, "Geheim: ik voel me niet goed")
    enqueued = [r for r in default_task_backend.results if r.task.name == "message_notify_task"]  # type: ignore[attr-defined]
    assert enqueued and enqueued[-1].args == [message.pk]
    assert message_notify_task.call(message.pk) == 1
    assert message_notify_task.call(message.pk) == 0  # idempotent
    [sent] = mail.outbox
    assert sent.to == ["coach@example.org"]
    text = f"{sent.subject}\n{sent.body}"
    assert "/messages/" in sent.body
    for secret in ("Geheim", "niet goed", world.own.bsn, world.own.given_name, world.own.family_name):
        assert secret not in text
    message.refresh_from_db()
    assert message.notified_at is not None


def test_notice_goes_to_the_young_person_and_never_to_the_parent(world: World, youth_thread: Thread) -> None:
    world.jongere.email = "jongere@example.org"
    world.jongere.save()
    world.ouder.email = "ouder@example.org"
    world.ouder.save()
    message = post(world.coach, youth_thread, "Hoi")
    services.message_notify(message_id=message.pk)
    assert [m.to for m in mail.outbox] == [["jongere@example.org"]]


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_exe_renamed_to_pdf_is_refused(world: World, youth_thread: Thread, login: Login) -> None:
    exe = b"MZ\x90\x00" + b"\x00" * 200
    response = login(world.jongere).post(
        thread_url(youth_thread), {"body": "Zie bijlage", "attachment": upload("rapport.pdf", exe)}
    )
    assert response.status_code == 400
    assert "Only PDF, PNG and JPEG" in response.content.decode()
    assert not Message.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"), [("foto.pdf", PNG), ("rapport.png", PDF), ("rapport.html", PDF), ("rapport", PDF)]
)
def test_extension_must_match_the_content(world: World, youth_thread: Thread, name: str, data: bytes) -> None:
    with pytest.raises(ValidationError):
        services.message_post(
            actor=world.jongere, thread=youth_thread, body="x", attachment=upload(name, data), access_point=POINT
        )


def test_six_megabytes_is_refused(world: World, youth_thread: Thread) -> None:
    big = PDF + b"0" * (6 * 1024 * 1024)
    with pytest.raises(ValidationError):
        services.message_post(
            actor=world.jongere, thread=youth_thread, body="x", attachment=upload("groot.pdf", big), access_point=POINT
        )


def test_pdf_is_stored_encrypted_and_downloadable_only_by_participants(
    world: World, youth_thread: Thread, login: Login
) -> None:
    response = login(world.jongere).post(
        thread_url(youth_thread), {"body": "Mijn rooster", "attachment": upload("rooster.pdf", PDF, "text/html")}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "rooster.pdf"
    with connection.cursor() as cursor:  # the file name is encrypted at rest too: it can say what the file is
        cursor.execute("SELECT original_name FROM messaging_attachment WHERE id = %s", [attachment.pk])
        assert "rooster" not in cursor.fetchone()[0]
    assert attachment.size == len(PDF)
    assert "rooster" not in str(attachment.file.name)
    with attachment.file.open("rb") as handle:
        assert not handle.read().startswith(b"%PDF")  # encrypted at rest
    url = reverse(
        "messaging:attachment",
        kwargs={"public_id": youth_thread.public_id, "attachment_public_id": attachment.public_id},
    )
    assert url in login(world.coach).get(thread_url(youth_thread)).content.decode()
    for user in (world.jongere, world.coach, world.teamleider):
        download = login(user).get(url)
        assert download.status_code == 200
        assert download.content == PDF
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Content-Type-Options"] == "nosniff"
    for user in (world.ouder, world.coach_other_team, world.toegang, world.beheerder, world.jongere_other):
        assert login(user).get(url).status_code == 404
    assert AccessLogEntry.objects.filter(action="messaging.attachment", username="coach").exists()


def test_coach_opens_threads_from_the_client_file(world: World, login: Login) -> None:
    http = login(world.coach)
    detail = http.get(reverse("clients:detail", kwargs={"public_id": world.own.public_id})).content.decode()
    assert reverse("messaging:open", kwargs={"client_public_id": world.own.public_id}) in detail
    open_url = reverse("messaging:open", kwargs={"client_public_id": world.own.public_id})
    response = http.post(open_url, {"kind": "youth"})
    thread = Thread.objects.get(client=world.own, kind=Thread.Kind.YOUTH)
    assert response["Location"] == thread_url(thread)
    assert http.post(open_url, {"kind": "youth"})["Location"] == thread_url(thread)  # the same thread
    relation = world.own.gezag_relations.get(parent=world.ouder)
    response = http.post(open_url, {"kind": "parent", "relation": relation.pk})
    assert Thread.objects.filter(client=world.own, kind=Thread.Kind.PARENT, parent=world.ouder).exists()
    no_gezag = world.own.gezag_relations.get(parent=world.ouder_zonder_gezag)
    assert http.post(open_url, {"kind": "parent", "relation": no_gezag.pk}).status_code == 404
    other_url = reverse("messaging:open", kwargs={"client_public_id": world.other_team.public_id})
    assert http.post(other_url, {"kind": "youth"}).status_code == 404


def test_young_person_and_parent_get_their_thread_on_the_inbox(world: World, login: Login) -> None:
    login(world.jongere).get(reverse("messaging:inbox"))
    login(world.ouder).get(reverse("messaging:inbox"))
    assert set(Thread.objects.values_list("kind", "parent")) == {
        (Thread.Kind.YOUTH, None),
        (Thread.Kind.PARENT, world.ouder.pk),
    }


def _caseload_threads(world: World, count: int) -> None:
    for index in range(count):
        client = ClientFactory.create(coach=world.coach)
        thread = services.thread_for(actor=world.coach, client=client, kind=Thread.Kind.YOUTH)
        Message.objects.create(thread=thread, author=world.coach, body=f"bericht {index}")
        Message.objects.create(thread=thread, author=world.jongere, body=f"antwoord {index}")


def _inbox_queries(world: World, login: Login) -> int:
    http = login(world.coach)
    badge.badge_forget(user_id=world.coach.pk)  # both measurements count the badge
    with CaptureQueriesContext(connection) as context:
        response = http.get(reverse("messaging:inbox"))
    assert response.status_code == 200
    return len(context.captured_queries)


def test_inbox_query_count_does_not_grow_with_the_number_of_threads(world: World, login: Login) -> None:
    _caseload_threads(world, 3)
    few = _inbox_queries(world, login)
    _caseload_threads(world, 27)
    assert selectors.inbox_for(actor=world.coach, access_point=POINT).paginator.count == 30
    assert _inbox_queries(world, login) == few


def test_inbox_is_paginated_unread_first_and_logs_only_what_it_shows(
    world: World, youth_thread: Thread, login: Login
) -> None:
    _caseload_threads(world, 30)  # the young person's answer is the last message: all unread
    for thread in Thread.objects.exclude(pk=youth_thread.pk):
        services.thread_mark_read(
            actor=world.coach, thread=thread, until=thread.thread_messages.latest("created_at").created_at
        )
    post(world.jongere, youth_thread, "Nog een vraag")  # the one unread conversation
    first = selectors.inbox_for(actor=world.coach, access_point=POINT, page=1)
    assert first.paginator.count == 31 and len(first.object_list) == selectors.INBOX_PAGE_SIZE
    assert first.object_list[0].pk == youth_thread.pk and first.object_list[0].unread == 1
    assert all(thread.unread == 0 for thread in first.object_list[1:])
    second = selectors.inbox_for(actor=world.coach, access_point=POINT, page=2)
    assert len(second.object_list) == 31 - selectors.INBOX_PAGE_SIZE
    assert {t.pk for t in first.object_list}.isdisjoint({t.pk for t in second.object_list})
    logged = AccessLogEntry.objects.filter(action="messaging.inbox", username=world.coach.username)
    assert logged.count() == 31  # every client once, each from the page that showed it
    page_two = login(world.coach).get(reverse("messaging:inbox") + "?page=2").content.decode()
    assert "Page 2 of 2" in page_two or "Pagina 2 van 2" in page_two


def test_thread_page_shows_the_newest_messages_and_links_to_earlier_ones(
    world: World, youth_thread: Thread, login: Login
) -> None:
    for index in range(selectors.THREAD_PAGE_SIZE + 5):
        post(world.jongere, youth_thread, f"bericht-{index:02d}.")
    http = login(world.coach)
    newest = http.get(thread_url(youth_thread)).content.decode()
    assert "bericht-34." in newest and "bericht-05." in newest and "bericht-04." not in newest
    assert 'id="message-poll"' in newest
    window = selectors.thread_window(actor=world.coach, thread=youth_thread, access_point=POINT)
    assert window.earlier is not None and window.latest
    assert f"?before={window.earlier.public_id}" in newest
    earlier = http.get(f"{thread_url(youth_thread)}?before={window.earlier.public_id}").content.decode()
    assert "bericht-00." in earlier and "bericht-04." in earlier and "bericht-05." not in earlier
    assert 'id="message-poll"' not in earlier and 'href="?before=' not in earlier  # history: no poll, nothing older
    assert http.get(f"{thread_url(youth_thread)}?before=not-a-message").status_code == 400
    other = Message.objects.exclude(thread=youth_thread).values_list("public_id", flat=True).first()
    if other is not None:
        assert http.get(f"{thread_url(youth_thread)}?before={other}").status_code == 404


def test_thread_query_count_does_not_grow_with_the_number_of_messages(
    world: World, youth_thread: Thread, login: Login
) -> None:
    def count() -> int:
        http = login(world.coach)
        with CaptureQueriesContext(connection) as context:
            http.get(thread_url(youth_thread))
        return len(context.captured_queries)

    for index in range(3):
        post(world.jongere, youth_thread, f"bericht {index}")
    count()  # the first visit remembers where the coach is
    few = count()
    for index in range(27):
        post(world.jongere, youth_thread, f"nog {index}")
    assert count() == few
