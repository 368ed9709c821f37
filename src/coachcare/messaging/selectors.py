"""Reads of secure messages. Each selector checks the access policy and writes the access log."""

import dataclasses
import datetime
import functools
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce

from coachcare.access import policy
from coachcare.accounts.models import Role, User
from coachcare.accounts.selectors import user_name_fields
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients import selectors as client_selectors
from coachcare.coaching.models import FormDraft
from coachcare.core.files import decrypt_bytes
from coachcare.core.prepared import PreparedQuery
from coachcare.messaging.models import Attachment, Message, Thread, ThreadRead

#: "Never read": every message counts as unread.
_NEVER = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def messages_readable(*, actor: User, thread: Thread) -> QuerySet[Message]:
    """The messages of ``thread`` the actor may read: all of them, except for a parent whose child
    turned 16 without allowing them clinical access (``policy.parent_thread_hidden_before``):
    their own messages and the coach's messages from the 16th birthday on."""
    messages = Message.objects.filter(thread=thread)
    hidden_before = policy.parent_thread_hidden_before(actor, thread)
    if hidden_before is not None:
        messages = messages.filter(Q(author=actor) | Q(created_at__gte=hidden_before))
    return messages


def _hidden_from(actor: User) -> Q | None:
    """The messages of others the actor may not read in their threads (see ``messages_readable``),
    as one condition for counts over several threads; ``None`` when nothing is hidden."""
    condition = None
    for thread_id, moment in policy.parent_threads_hidden_before(actor).items():
        part = Q(thread_id=thread_id, created_at__lt=moment)
        condition = part if condition is None else condition | part
    return condition


def _read_at(actor: User, thread_ref: str) -> Coalesce:
    last_read = ThreadRead.objects.filter(thread=OuterRef(thread_ref), user=actor).values("last_read_at")[:1]
    return Coalesce(Subquery(last_read), Value(_NEVER), output_field=DateTimeField())


def _with_counts(threads: QuerySet[Thread], actor: User) -> QuerySet[Thread]:
    """Last message time and the actor's unread count per thread, in the same query."""
    messages = Message.objects.filter(thread=OuterRef("pk")).order_by()
    hidden = _hidden_from(actor)
    if hidden is not None:
        messages = messages.exclude(~Q(author=actor) & hidden)
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


def threads_readable(*, actor: User) -> QuerySet[Thread]:
    """The threads the actor takes part in (``policy.threads_visible_to``); unordered, no log."""
    return policy.threads_visible_to(actor)


def thread_rows(*, actor: User) -> QuerySet[Thread]:
    """A narrow read of threads for lists outside the screens (REST): the last message time and the
    actor's unread count (``threads_with_counts``), the client fields the policy reads and the
    parent's name."""
    return (
        _with_counts(Thread.objects.all(), actor)
        .select_related("client", "parent")
        .only(
            "public_id",
            "kind",
            "created_at",
            "client",
            *client_selectors.client_policy_fields(prefix="client__"),
            *user_name_fields(prefix="parent__"),
        )
    )


def thread_rows_allowed(*, actor: User, rows: list[Thread]) -> list[Thread]:
    """Defence in depth after ``threads_readable``: every row checked with ``policy.can_read_thread``."""
    return [thread for thread in rows if policy.can_read_thread(actor, thread)]


def message_rows_readable(*, actor: User, thread: Thread) -> QuerySet[Message]:
    """The messages of ``thread`` the actor may read (``messages_readable``), read narrowly for
    lists outside the screens (REST): body, time, author's name (their attachments:
    ``message_attachments``); unordered, no log.
    ``AccessDenied`` when the actor may not read the thread."""
    if not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No such conversation, or no access.")
    return (
        messages_readable(actor=actor, thread=thread)
        .select_related("author")
        .only("public_id", "body", "created_at", "author", *user_name_fields(prefix="author__"))
    )


#: The attachments of a thread's messages written between two moments (``message_attachments``),
#: the SQL compiled once per process (``core.prepared``).
_api_attachments_between = PreparedQuery(
    lambda thread_id, since, until: (
        Attachment.objects.filter(
            message__thread_id=thread_id, message__created_at__gte=since, message__created_at__lte=until
        )
        .only("public_id", "message", "original_name", "content_type", "size")
        .order_by("id")
    ),
    thread_id=int,
    since=datetime.datetime,
    until=datetime.datetime,
)


def message_attachments(*, actor: User, thread: Thread, messages: list[Message]) -> dict[int, list[Attachment]]:
    """The attachments of ``messages`` (rows of ``message_rows_readable`` of ``thread``) by message
    id: one query over the time span of the messages, kept for these messages only (what
    ``prefetch_related("attachments")`` gave, without building that query on every request).
    ``AccessDenied`` when the actor may not read the thread."""
    if not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No such conversation, or no access.")
    found: dict[int, list[Attachment]] = {message.pk: [] for message in messages}
    if not messages:
        return found
    moments = [message.created_at for message in messages]
    for attachment in _api_attachments_between.all(thread_id=thread.pk, since=min(moments), until=max(moments)):
        if attachment.message_id in found:
            found[attachment.message_id].append(attachment)
    return found


#: Conversations per inbox page. A coach's inbox spans the team's caseload (300 young people and
#: their parents); a page of 25 keeps the page light and its access-log entries to what is shown.
INBOX_PAGE_SIZE = 25


def _inbox_threads(actor: User) -> QuerySet[Thread]:
    """The threads of ``inbox_for``, ordered: unread first, then by the last message."""
    unread_exists = (
        Message.objects.filter(thread=OuterRef("pk"), created_at__gt=OuterRef("read_at"))
        .exclude(author=actor)
        .order_by()
    )
    hidden = _hidden_from(actor)
    if hidden is not None:
        unread_exists = unread_exists.exclude(hidden)
    return (
        _with_counts(policy.threads_visible_to(actor), actor)
        .annotate(has_unread=Exists(unread_exists))
        .select_related("client", "parent")
        # What the list shows and the policy reads: not the client's whole record (its BSN would be
        # decrypted for every row) nor the parent's.
        .only(
            "public_id",
            "kind",
            "created_at",
            "client",
            "parent",
            *client_selectors.client_policy_fields(prefix="client__"),
            "client__given_name",
            "client__family_name",
            *user_name_fields(prefix="parent__"),
        )
        .order_by(
            Case(When(has_unread=True, then=Value(0)), default=Value(1), output_field=IntegerField()),
            F("last_message_at").desc(nulls_last=True),
            "-created_at",
            "-id",
        )
    )


def _inbox_first_page(actor: User) -> QuerySet[Thread]:
    """The first page of ``_inbox_threads``, each row with the number of all of them (``inbox_total``)."""
    return _inbox_threads(actor).annotate(inbox_total=Window(Count("pk")))[:INBOX_PAGE_SIZE]


#: ``inbox_for``'s first page (the threads and their number in one query) for the roles whose
#: visible threads have the same shape for every user (as ``_UNREAD_OF_COACH`` …), compiled once
#: per process; parents and the further pages by the ORM.
_INBOX_OF_COACH, _INBOX_OF_TEAM_LEAD = (
    PreparedQuery(
        lambda user_id, team_id, role=role: _inbox_first_page(_stand_in(role=role, user_id=user_id, team_id=team_id)),
        user_id=int,
        team_id=int,
    )
    for role in (Role.COACH, Role.TEAMLEIDER)
)
_INBOX_OF_YOUNG_PERSON = PreparedQuery(
    lambda user_id: _inbox_first_page(_stand_in(role=Role.JONGERE, user_id=user_id)), user_id=int
)


@dataclasses.dataclass(frozen=True, slots=True)
class _CountedRows:
    """The rows of a first page and the number of all rows, for ``Paginator`` (no count query)."""

    rows: list[Thread]
    total: int

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: slice) -> list[Thread]:
        return self.rows[index]


def _inbox_first_page_read(actor: User) -> list[Thread] | None:
    """``_inbox_first_page`` by its prepared query; ``None`` when there is none for the actor."""
    if actor.team_id is not None and (policy.is_coach(actor) or policy.is_team_lead(actor)):
        in_team = _INBOX_OF_COACH if policy.is_coach(actor) else _INBOX_OF_TEAM_LEAD
        return in_team.all(user_id=actor.pk, team_id=actor.team_id)
    if policy.is_young_person(actor):
        return _INBOX_OF_YOUNG_PERSON.all(user_id=actor.pk)
    return None


def inbox_for(*, actor: User, access_point: AccessPoint, page: int = 1) -> Page[Any]:
    """One page of the threads the actor takes part in (for a coach: across their caseload and
    team), unread first, then the most recent conversation first.

    Ordering asks per thread only whether anything is unread (the first message after the read
    mark, an index probe); the unread count is computed for the rows of the page. Queries: the
    number of threads, the page, the log (only the clients on the page are shown, so logged); on
    the first page of a coach, team lead or young person the number comes with the page's rows.
    """
    first = _inbox_first_page_read(actor) if page == 1 else None
    page_obj: Page[Any]
    if first is not None:
        total = int(getattr(first[0], "inbox_total", 0)) if first else 0
        page_obj = Paginator(_CountedRows(first, total), INBOX_PAGE_SIZE).get_page(1)  # type: ignore[arg-type]
    else:
        page_obj = Paginator(_inbox_threads(actor), INBOX_PAGE_SIZE).get_page(page)
    client_ids = list(dict.fromkeys(thread.client.public_id for thread in page_obj.object_list))
    if client_ids:
        access_log_record(
            actor=actor, event=Event.READ, action="messaging.inbox", client_ids=client_ids, access_point=access_point
        )
    return page_obj


def threads_for_young_person(*, actor: User, access_point: AccessPoint, page: int = 1) -> Page[Any]:
    """The young person's own thread(s) with their coach (the policy limits the list to those)."""
    return inbox_for(actor=actor, access_point=access_point, page=page)


def threads_for_parent(*, actor: User, access_point: AccessPoint, page: int = 1) -> Page[Any]:
    """A parent's own parent threads, one per child they have gezag over and may contact about."""
    return inbox_for(actor=actor, access_point=access_point, page=page)


def _thread_with_client(public_id: UUID) -> QuerySet[Thread]:
    return Thread.objects.select_related("client", "parent").defer("client__bsn").filter(public_id=public_id)


#: ``thread_get``'s query, compiled once per process (``core.prepared``).
_THREAD_BY_PUBLIC_ID = PreparedQuery(_thread_with_client, public_id=UUID)


def thread_get(*, actor: User, public_id: UUID) -> Thread:
    """A thread the actor may read; ``AccessDenied`` for everyone else (no existence leak).

    With its client and parent, which the policy reads (the poll asks for it every few seconds:
    nothing else joined in, the BSN not decrypted).
    """
    thread = _THREAD_BY_PUBLIC_ID.first(public_id=public_id)
    if thread is None or not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No such conversation, or no access.")
    return thread


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ThreadPage:
    """What a thread page reads of its thread in one query (``thread_page_get``)."""

    thread: Thread
    #: A draft of the page's message form is kept for the actor (``coaching.drafts``).
    draft_kept: bool


#: ``thread_get`` for the thread page, compiled once per process: also whether a draft of the
#: page's message form (``draft_form``) is kept for the reader, so the page asks the drafts only
#: when there is one.
_THREAD_PAGE = PreparedQuery(
    lambda public_id, user_id, draft_form: _thread_with_client(public_id).annotate(
        draft_kept=Exists(FormDraft.objects.filter(user_id=user_id, form=draft_form))
    ),
    public_id=UUID,
    user_id=int,
    draft_form=str,
)


def thread_page_get(*, actor: User, public_id: UUID, draft_form: str) -> ThreadPage:
    """``thread_get`` for the thread page, with whether the actor has a kept draft of ``draft_form``
    (one query for both)."""
    thread = _THREAD_PAGE.first(public_id=public_id, user_id=actor.pk, draft_form=draft_form)
    if thread is None or not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No such conversation, or no access.")
    return ThreadPage(thread=thread, draft_kept=bool(getattr(thread, "draft_kept", False)))


def _thread_narrow(*fields: str) -> PreparedQuery[Thread]:
    """A thread by its public id with the client fields the policy reads and ``fields``, compiled once
    per process (``core.prepared``)."""
    return PreparedQuery(
        lambda public_id: (
            Thread.objects.select_related("client", "parent")
            .only(
                "public_id",
                "client",
                "kind",
                "parent",
                *client_selectors.client_policy_fields(prefix="client__"),
                "parent__is_active",
                *fields,
            )
            .filter(public_id=public_id)
        ),
        public_id=UUID,
    )


def _thread_readable(query: PreparedQuery[Thread], *, actor: User, public_id: UUID) -> Thread:
    """The thread ``query`` reads, when ``policy.can_read_thread``; ``AccessDenied`` for everyone
    else (no existence leak)."""
    thread = query.first(public_id=public_id)
    if thread is None or not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No such conversation, or no access.")
    return thread


#: ``thread_get_polled``'s query: the parent's role, nothing the poll does not show.
_THREAD_POLLED = _thread_narrow("parent__role")


def thread_get_polled(*, actor: User, public_id: UUID) -> Thread:
    """``thread_get`` for the poll (every open thread page, every 3 seconds): the same thread and the
    same ``policy.can_read_thread``, read narrowly: the thread, the client fields the policy reads
    and the parent's role and activation, nothing the poll does not show (building the query for
    every column of the client and the parent was most of a poll's Python work: 3,400 of its 5,500
    calls; now compiled once per process)."""
    return _thread_readable(_THREAD_POLLED, actor=actor, public_id=public_id)


#: ``thread_readers``' candidates of a client with a coach and a team, compiled once per process.
_READERS_OF_TEAM = PreparedQuery(
    lambda coach_id, team_id: User.objects.filter(Q(pk=coach_id) | Q(team_id=team_id), is_active=True).order_by(
        "first_name", "last_name"
    ),
    coach_id=int,
    team_id=int,
)


#: The thread of the API's message list: what ``thread_get_polled`` reads, with the parent's name
#: and the thread's creation time.
_api_thread_by_public_id = _thread_narrow("created_at", *user_name_fields(prefix="parent__"))


def thread_api_get(*, actor: User, public_id: UUID) -> Thread:
    """``thread_get_polled`` for the API's message list: the same narrow read and the same
    ``policy.can_read_thread``; ``AccessDenied`` for everyone else (no existence leak)."""
    return _thread_readable(_api_thread_by_public_id, actor=actor, public_id=public_id)


def thread_readers(*, thread: Thread) -> list[User]:
    """The professionals who can read ``thread`` today, as the thread page names them.

    Exactly the active users for whom ``policy.can_read_thread`` holds among those who could (the
    client's coach and the coaches and team lead of the client's team), so the sentence "who can
    read this" on the page cannot drift from the access rules. The young person (youth thread) or
    the parent (parent thread) is not listed: the page says so in words.
    """
    client = thread.client
    if client.team_id and client.coach_id:
        candidates = _READERS_OF_TEAM.all(coach_id=client.coach_id, team_id=client.team_id)
    else:
        nearby = Q(pk=client.coach_id) | Q(team_id=client.team_id) if client.team_id else Q(pk=client.coach_id)
        candidates = list(User.objects.filter(nearby, is_active=True).order_by("first_name", "last_name"))
    readers = [user for user in candidates if policy.can_read_thread(user, thread)]
    return sorted(readers, key=lambda user: user.pk != client.coach_id)  # the own coach first


def _beside(thread: Thread, message_id: UUID, *, newer: bool, readable: QuerySet[Message]) -> QuerySet[Message]:
    """The message ``message_id`` of this thread and the messages after (``newer``) or before it,
    in the order of (created_at, id): one query, the anchor's position read in a subquery.

    Ordered ``created_at, id`` for ``newer`` (``-created_at, -id`` otherwise), the anchor comes
    first; ``_without_anchor`` takes it off and raises ``AccessDenied`` when it is not in this
    thread (then nothing matches at all).
    """
    anchor = Message.objects.filter(thread=thread, public_id=message_id)
    at = Subquery(anchor.values("created_at")[:1])
    pk = Subquery(anchor.values("pk")[:1])
    side = "gt" if newer else "lt"
    return readable.filter(
        Q(public_id=message_id) | Q(**{f"created_at__{side}": at}) | Q(created_at=at, **{f"pk__{side}": pk})
    )


@functools.cache
def _newer_than_sql(vendor: str) -> str:
    """The statement of ``_newer_than`` for this database (names from the model's metadata)."""
    quote = connection.ops.quote_name
    columns = {field.name: str(field.column) for field in Message._meta.concrete_fields}
    table = quote(Message._meta.db_table)
    thread_id, created_at, pk, public_id = (
        quote(columns[name]) for name in ("thread", "created_at", "id", "public_id")
    )
    # Names from the model's metadata, values as parameters:
    return (
        f"SELECT EXISTS (SELECT 1 FROM {table} m WHERE m.{thread_id} = a.{thread_id} AND (m.{created_at} > "  # noqa: S608
        f"a.{created_at} OR (m.{created_at} = a.{created_at} AND m.{pk} > a.{pk}))) "
        f"FROM {table} a WHERE a.{thread_id} = %s AND a.{public_id} = %s"
    )


def _newer_than(thread: Thread, message_id: UUID) -> bool:
    """Whether the thread has messages after ``message_id`` in the order of (created_at, id);
    ``AccessDenied`` when that message is not in this thread.

    The poll asks this every few seconds of every open thread page, and nearly always the answer
    is no: one short statement written out here (the ORM took more CPU to build the query than
    PostgreSQL to run it), the full query only when there is something to show.
    """
    anchor = Message._meta.get_field("public_id").get_db_prep_value(message_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(_newer_than_sql(connection.vendor), [thread.pk, anchor])
        row = cursor.fetchone()
    if row is None:
        raise policy.AccessDenied("No such message in this conversation.")
    return bool(row[0])


def _without_anchor(rows: "list[MessageRow]", message_id: UUID) -> "list[MessageRow]":
    if not rows or rows[0].public_id != message_id:
        raise policy.AccessDenied("No such message in this conversation.")
    return rows[1:]


#: Messages on a thread page: the newest ones, older ones a link away. A conversation of a year
#: has hundreds of messages; decrypting and rendering them all on every visit costs the reader
#: time and the server CPU (30 messages: 8 ms; 120: 25 ms).
THREAD_PAGE_SIZE = 30


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class AttachmentRow:
    """An attachment as a thread page lists it (the file itself only through ``attachment_get``)."""

    public_id: UUID
    original_name: str
    size: int


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class MessageRow:
    """A message as a thread page and its poll show it: read as plain values, no model instances
    (the page shows up to ``THREAD_PAGE_SIZE`` of them, on every visit and poll)."""

    pk: int
    public_id: UUID
    author_id: int
    #: ``User.display_name`` of the author: the full name, else the username.
    author_name: str
    body: str
    created_at: datetime.datetime
    attachments: tuple[AttachmentRow, ...] = ()


#: The columns of a ``MessageRow`` (author: ``USER_NAME_FIELDS``' names), in the order it reads them.
_MESSAGE_COLUMNS = (
    "pk",
    "public_id",
    "author_id",
    "author__first_name",
    "author__last_name",
    "author__username",
    "body",
    "created_at",
)


#: The newest ``THREAD_PAGE_SIZE`` messages of a thread and one more (whether there are earlier
#: ones), as ``_message_rows`` reads them: the thread page's usual read, compiled once per process.
_NEWEST_MESSAGES = PreparedQuery(
    lambda thread_id: (
        Message.objects.filter(thread_id=thread_id)
        .order_by("-created_at", "-id")
        .values_list(*_MESSAGE_COLUMNS)[: THREAD_PAGE_SIZE + 1]
    ),
    thread_id=int,
)


def _message_rows(
    messages: QuerySet[Message] | None = None, *, limit: int | None = None, newest_of: int | None = None
) -> list[MessageRow]:
    """``messages`` (ordered) as ``MessageRow``s without attachments: one query, no instances.
    ``newest_of`` (a thread id) instead: ``_NEWEST_MESSAGES`` of that thread."""
    rows: Any
    if newest_of is not None:
        rows = _NEWEST_MESSAGES.all(thread_id=newest_of)
    else:
        assert messages is not None
        values = messages.values_list(*_MESSAGE_COLUMNS)
        rows = values[:limit] if limit is not None else values
    return [
        MessageRow(
            pk=pk,
            public_id=public_id,
            author_id=author_id,
            author_name=f"{first} {last}".strip() or username,
            body=body,
            created_at=created_at,
        )
        for pk, public_id, author_id, first, last, username, body, created_at in rows
    ]


#: The attachments of a thread's messages from a moment on (``_with_attachments``), compiled once.
_ATTACHMENTS_SINCE = PreparedQuery(
    lambda thread_id, since: (
        Attachment.objects.filter(message__thread_id=thread_id, message__created_at__gte=since)
        .order_by("pk")
        .values_list("message_id", "public_id", "original_name", "size")
    ),
    thread_id=int,
    since=datetime.datetime,
)


def _with_attachments(rows: list[MessageRow], *, thread_id: int) -> list[MessageRow]:
    """``rows`` (messages of the thread ``thread_id``) with their attachments: one query (none when
    there are no rows): the thread's attachments from the oldest row on, those of ``rows`` kept."""
    if not rows:
        return rows
    shown = {row.pk for row in rows}
    found: dict[int, list[AttachmentRow]] = {}
    since = min(row.created_at for row in rows)
    for message_id, public_id, original_name, size in _ATTACHMENTS_SINCE.all(thread_id=thread_id, since=since):
        if message_id not in shown:
            continue
        found.setdefault(message_id, []).append(
            AttachmentRow(public_id=public_id, original_name=original_name, size=size)
        )
    if not found:
        return rows
    return [dataclasses.replace(row, attachments=tuple(found.get(row.pk, ()))) for row in rows]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThreadWindow:
    """A thread page's messages, oldest first."""

    messages: list[MessageRow]
    #: The oldest message shown when there are older ones (the page links to ``?before=`` it).
    earlier: MessageRow | None
    #: The window ends with the newest message: the page polls for new ones and marks them read.
    latest: bool
    #: For a parent: the coach's messages before this moment (the 16th birthday) are not shown.
    hidden_before: datetime.datetime | None = None


def thread_window(
    *, actor: User, thread: Thread, access_point: AccessPoint, before: UUID | None = None, size: int = THREAD_PAGE_SIZE
) -> ThreadWindow:
    """The newest ``size`` messages of a thread, or the ``size`` before the message ``before``.

    Two queries (messages, attachments) and the log entry, however long the conversation.
    """
    if not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No access to this conversation.")
    hidden_before = policy.parent_thread_hidden_before(actor, thread)
    if before is None and hidden_before is None and size == THREAD_PAGE_SIZE:  # the usual page: compiled once
        newest_first = _message_rows(newest_of=thread.pk)
    else:
        readable = messages_readable(actor=actor, thread=thread)
        messages = _beside(thread, before, newer=False, readable=readable) if before is not None else readable
        extra = 1 if before is None else 2  # one more than shown tells whether there are earlier ones; and the anchor
        newest_first = _message_rows(messages.order_by("-created_at", "-id"), limit=size + extra)
    if before is not None:
        newest_first = _without_anchor(newest_first, before)
    shown = _with_attachments(newest_first[:size][::-1], thread_id=thread.pk)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="messaging.thread",
        client_ids=[thread.client.public_id],
        access_point=access_point,
    )
    return ThreadWindow(
        messages=shown,
        earlier=shown[0] if len(newest_first) > size else None,
        latest=before is None,
        hidden_before=hidden_before,
    )


def thread_messages(
    *, actor: User, thread: Thread, access_point: AccessPoint, after: UUID | None = None
) -> list[MessageRow]:
    """The messages of a thread, oldest first; with ``after`` only those newer than that message.

    Reading the thread is logged; a poll (``after``) is logged only when it returns messages, so
    an open page does not write an entry every few seconds while nothing is read.
    """
    if not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No access to this conversation.")
    if after is not None and not _newer_than(thread, after):
        return []
    readable = messages_readable(actor=actor, thread=thread)
    messages = _beside(thread, after, newer=True, readable=readable) if after is not None else readable
    found = _message_rows(messages.order_by("created_at", "id"))
    if after is not None:
        found = _without_anchor(found, after)
    found = _with_attachments(found, thread_id=thread.pk)  # no query when nothing is new
    if after is None or found:
        access_log_record(
            actor=actor,
            event=Event.READ,
            action="messaging.thread" if after is None else "messaging.thread.poll",
            client_ids=[thread.client.public_id],
            access_point=access_point,
        )
    return found


#: The navigation badge counts unread messages up to this number and then shows "99+": a team's
#: shared inbox can hold thousands of messages a colleague never opened, and counting them all on
#: every page (10 ms for a team of 300 young people) tells the coach nothing more than "many".
UNREAD_BADGE_MAX = 99


def _unread(actor: User) -> QuerySet[Message, Any]:
    """``unread_count``'s messages (their ids; see there), unordered: a union of two queries."""
    visible = policy.threads_visible_to(actor).order_by().values("pk")
    after_mark = (
        Message.objects.filter(thread__in=visible)
        .annotate(mark=FilteredRelation("thread__reads", condition=Q(thread__reads__user=actor)))
        .filter(created_at__gt=F("mark__last_read_at"))
        .exclude(author=actor)
        .order_by()
    )
    never_opened = (
        Message.objects.filter(thread__in=visible)
        .exclude(thread__in=ThreadRead.objects.filter(user=actor).values("thread"))
        .exclude(author=actor)
        .order_by()
    )
    hidden = _hidden_from(actor)
    if hidden is not None:
        after_mark, never_opened = after_mark.exclude(hidden), never_opened.exclude(hidden)
    return after_mark.values("pk").union(never_opened.values("pk"), all=True).order_by()


def _stand_in(*, role: str, user_id: int, team_id: int | None = None) -> User:
    """An active user of ``role`` with these ids, for building a prepared query the way the policy
    builds it for the real one (``policy.threads_visible_to`` reads only these of a coach, team
    lead or young person)."""
    return User(pk=user_id, role=role, team_id=team_id, is_active=True)


#: ``unread_count``'s badge query (up to ``UNREAD_BADGE_MAX`` + 1 ids) for the roles whose visible
#: threads have the same shape for every user: a coach or team lead in a team, a young person.
#: Compiled once per process; everyone else (parents, whose hidden messages depend on their
#: children) by the ORM.
_UNREAD_OF_COACH, _UNREAD_OF_TEAM_LEAD = (
    PreparedQuery(
        lambda user_id, team_id, role=role: _unread(_stand_in(role=role, user_id=user_id, team_id=team_id))[
            : UNREAD_BADGE_MAX + 1
        ],
        user_id=int,
        team_id=int,
    )
    for role in (Role.COACH, Role.TEAMLEIDER)
)
_UNREAD_OF_YOUNG_PERSON = PreparedQuery(
    lambda user_id: _unread(_stand_in(role=Role.JONGERE, user_id=user_id))[: UNREAD_BADGE_MAX + 1], user_id=int
)


def unread_count(*, actor: User, at_most: int | None = UNREAD_BADGE_MAX + 1) -> int:
    """Unread messages across all the actor's threads (navigation badge), counted up to ``at_most``
    (``None``: all of them).

    One query that stops after ``at_most`` rows: the messages after the actor's read mark in the
    threads they have a mark for (per thread an index range on (thread, created_at) from the mark),
    then the messages of others in the threads they never opened.
    """
    if not policy.has_message_threads(actor):
        return 0
    if at_most == UNREAD_BADGE_MAX + 1:  # the badge: for most roles compiled once (its ids, counted here)
        in_team = _UNREAD_OF_COACH if policy.is_coach(actor) else _UNREAD_OF_TEAM_LEAD
        if actor.team_id is not None and (policy.is_coach(actor) or policy.is_team_lead(actor)):
            return len(in_team.all(user_id=actor.pk, team_id=actor.team_id))
        if policy.is_young_person(actor):
            return len(_UNREAD_OF_YOUNG_PERSON.all(user_id=actor.pk))
    unread = _unread(actor)
    return unread.count() if at_most is None else unread[:at_most].count()


def unread_oldest_at(*, actor: User) -> datetime.datetime | None:
    """When the oldest message the actor has not read yet was written (``None``: nothing unread).

    The same messages as ``unread_count``; one query whatever the number of threads or messages.
    """
    if not policy.has_message_threads(actor):
        return None
    visible = policy.threads_visible_to(actor).order_by().values("pk")
    after_mark = (
        Message.objects.filter(thread__in=visible)
        .annotate(mark=FilteredRelation("thread__reads", condition=Q(thread__reads__user=actor)))
        .filter(created_at__gt=F("mark__last_read_at"))
        .exclude(author=actor)
    )
    never_opened = Message.objects.filter(thread__in=visible).exclude(
        thread__in=ThreadRead.objects.filter(user=actor).values("thread")
    )
    never_opened = never_opened.exclude(author=actor)
    hidden = _hidden_from(actor)
    if hidden is not None:
        after_mark, never_opened = after_mark.exclude(hidden), never_opened.exclude(hidden)
    oldest = (
        after_mark.order_by()
        .values_list("created_at", flat=True)
        .union(never_opened.order_by().values_list("created_at", flat=True), all=True)
        .order_by("created_at")
        .first()
    )
    return oldest


def attachment_get(
    *, actor: User, thread: Thread, public_id: UUID, access_point: AccessPoint
) -> tuple[Attachment, bytes]:
    """An attachment of a thread the actor may read, decrypted; the download is logged."""
    if not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No access to this conversation.")
    attachment = Attachment.objects.filter(
        message__in=messages_readable(actor=actor, thread=thread), public_id=public_id
    ).first()
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
