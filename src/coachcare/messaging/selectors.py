"""Reads of secure messages. Each selector checks the access policy and writes the access log."""

import datetime
from uuid import UUID

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.messaging.models import Attachment, Message, Thread, ThreadRead
from coachcare.messaging.services import decrypt_bytes

#: "Never read": every message counts as unread.
_NEVER = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def _read_at(actor: User, thread_ref: str) -> Coalesce:
    last_read = ThreadRead.objects.filter(thread=OuterRef(thread_ref), user=actor).values("last_read_at")[:1]
    return Coalesce(Subquery(last_read), Value(_NEVER), output_field=DateTimeField())


def _with_counts(threads: QuerySet[Thread], actor: User) -> QuerySet[Thread]:
    """Last message time and the actor's unread count per thread, in the same query."""
    messages = Message.objects.filter(thread=OuterRef("pk")).order_by()
    unread = (
        messages.exclude(author=actor)
        .filter(created_at__gt=OuterRef("read_at"))
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return threads.annotate(
        read_at=_read_at(actor, "pk"),
        last_message_at=Subquery(messages.order_by("-created_at", "-id").values("created_at")[:1]),
        unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
    )


def threads_with_counts(threads: QuerySet[Thread], actor: User) -> QuerySet[Thread]:
    """``threads`` annotated with ``last_message_at`` and the actor's ``unread`` count (no extra query)."""
    return _with_counts(threads, actor)


def inbox_for(*, actor: User, access_point: AccessPoint) -> list[Thread]:
    """All threads the actor takes part in (for a coach: across their caseload and team), unread
    first, then the most recent conversation first. One query for the threads, one for the log."""
    threads = list(
        _with_counts(policy.threads_visible_to(actor), actor)
        .select_related("client", "parent")
        .order_by(
            Case(When(unread__gt=0, then=Value(0)), default=Value(1), output_field=IntegerField()),
            F("last_message_at").desc(nulls_last=True),
            "-created_at",
            "-id",
        )
    )
    client_ids = list(dict.fromkeys(thread.client.public_id for thread in threads))
    if client_ids:
        access_log_record(
            actor=actor, event=Event.READ, action="messaging.inbox", client_ids=client_ids, access_point=access_point
        )
    return threads


def threads_for_young_person(*, actor: User, access_point: AccessPoint) -> list[Thread]:
    """The young person's own thread(s) with their coach (the policy limits the list to those)."""
    return inbox_for(actor=actor, access_point=access_point)


def threads_for_parent(*, actor: User, access_point: AccessPoint) -> list[Thread]:
    """A parent's own parent threads, one per child they have gezag over and may contact about."""
    return inbox_for(actor=actor, access_point=access_point)


def thread_get(*, actor: User, public_id: UUID) -> Thread:
    """A thread the actor may read; ``AccessDenied`` for everyone else (no existence leak)."""
    thread = (
        Thread.objects.select_related("client__coach", "client__team", "parent").filter(public_id=public_id).first()
    )
    if thread is None or not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No such conversation, or no access.")
    return thread


def thread_messages(
    *, actor: User, thread: Thread, access_point: AccessPoint, after: UUID | None = None
) -> list[Message]:
    """The messages of a thread, oldest first; with ``after`` only those newer than that message.

    Reading the thread is logged; a poll (``after``) is logged only when it returns messages, so
    an open page does not write an entry every few seconds while nothing is read.
    """
    if not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No access to this conversation.")
    messages = Message.objects.filter(thread=thread)
    if after is not None:
        last = Message.objects.filter(thread=thread, public_id=after).values("created_at", "pk").first()
        if last is None:
            raise policy.AccessDenied("No such message in this conversation.")
        messages = messages.filter(
            Q(created_at__gt=last["created_at"]) | Q(created_at=last["created_at"], pk__gt=last["pk"])
        )
    found = list(messages.select_related("author").prefetch_related("attachments").order_by("created_at", "id"))
    if after is None or found:
        access_log_record(
            actor=actor,
            event=Event.READ,
            action="messaging.thread" if after is None else "messaging.thread.poll",
            client_ids=[thread.client.public_id],
            access_point=access_point,
        )
    return found


def unread_count(*, actor: User) -> int:
    """Unread messages across all the actor's threads, in one query (navigation badge)."""
    if not policy.has_message_threads(actor):
        return 0
    # Per visible thread, count only the messages after the actor's read mark: with the
    # (thread, created_at) index that touches the unread messages, not a thread's whole history.
    read_at = ThreadRead.objects.filter(thread=OuterRef("pk"), user=actor).values("last_read_at")[:1]
    unread = (
        Message.objects.filter(thread=OuterRef("pk"), created_at__gt=OuterRef("read_at"))
        .exclude(author=actor)
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    total = (
        policy.threads_visible_to(actor)
        .order_by()
        .annotate(read_at=Coalesce(Subquery(read_at), Value(_NEVER), output_field=DateTimeField()))
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
        .aggregate(total=Sum("unread"))["total"]
    )
    return int(total or 0)


def attachment_get(
    *, actor: User, thread: Thread, public_id: UUID, access_point: AccessPoint
) -> tuple[Attachment, bytes]:
    """An attachment of a thread the actor may read, decrypted; the download is logged."""
    if not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No access to this conversation.")
    attachment = Attachment.objects.filter(message__thread=thread, public_id=public_id).first()
    if attachment is None:
        raise policy.AccessDenied("No such attachment.")
    with attachment.file.open("rb") as handle:
        data = decrypt_bytes(handle.read())
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="messaging.attachment",
        client_ids=[thread.client.public_id],
        access_point=access_point,
    )
    return attachment, data
