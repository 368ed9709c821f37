"""The API's reads: secure messages (``threads_visible_to`` / ``can_read_thread`` as on screen)."""

import dataclasses
from uuid import UUID

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.api.selectors._shared import POLICY_CLIENT_FIELDS, USER_NAME_FIELDS, prefixed
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.messaging import selectors as messaging_selectors
from coachcare.messaging.models import Message, Thread

# --- secure messages (``threads_visible_to`` / ``can_read_thread`` as on screen) -------------------


def thread_page(*, actor: User, access_point: AccessPoint, cursor: str | None, limit: int) -> CursorPage[Thread]:
    """The threads the actor may read, with the last message time and the actor's unread count."""
    rows = (
        messaging_selectors.threads_with_counts(Thread.objects.all(), actor)
        .select_related("client", "parent")
        .only(
            "public_id",
            "kind",
            "created_at",
            "client",
            *prefixed("client__", POLICY_CLIENT_FIELDS),
            *prefixed("parent__", USER_NAME_FIELDS),
        )
    )
    threads = policy.threads_visible_to(actor)
    page = cursor_paginate(threads, keys=["created_at", "id"], cursor=cursor, limit=limit, rows=rows)
    page = dataclasses.replace(page, items=[t for t in page.items if policy.can_read_thread(actor, t)])
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.thread.list",
        client_ids=dict.fromkeys(t.client.public_id for t in page.items),
        access_point=access_point,
    )
    return page


def thread_get(*, actor: User, public_id: UUID) -> Thread:
    """A thread the actor may read (``can_read_thread``); no log: the caller logs what it reads."""
    return messaging_selectors.thread_get(actor=actor, public_id=public_id)


def message_page(
    *, actor: User, thread: Thread, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[Message]:
    """The messages of one thread, oldest first (clinical content, logged)."""
    if not policy.can_read_thread(actor, thread):
        raise policy.AccessDenied("No such conversation, or no access.")
    messages = (
        messaging_selectors.messages_readable(actor=actor, thread=thread)
        .select_related("author")
        .only("public_id", "body", "created_at", "author", *prefixed("author__", USER_NAME_FIELDS))
        .prefetch_related("attachments")
    )
    page = cursor_paginate(messages, keys=["created_at", "id"], cursor=cursor, limit=limit)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.message.list",
        client_ids=dict.fromkeys([thread.client.public_id]),
        access_point=access_point,
    )
    return page
