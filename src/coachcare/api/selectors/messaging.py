"""The API's reads: secure messages (``threads_visible_to`` / ``can_read_thread`` as on screen).

Adapters over ``messaging.selectors``: cursor paging and the access log.
"""

from uuid import UUID

from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage
from coachcare.api.selectors.logged import page_logged
from coachcare.audit.services import AccessPoint
from coachcare.messaging import selectors as messaging_selectors
from coachcare.messaging.models import Attachment, Message, Thread

# --- secure messages (``threads_visible_to`` / ``can_read_thread`` as on screen) -------------------


def thread_page(*, actor: User, access_point: AccessPoint, cursor: str | None, limit: int) -> CursorPage[Thread]:
    """The threads the actor may read, with the last message time and the actor's unread count."""
    threads = messaging_selectors.threads_readable(actor=actor)
    rows = messaging_selectors.thread_rows(actor=actor)
    return page_logged(
        threads,
        actor=actor,
        access_point=access_point,
        action="api.thread.list",
        keys=["created_at", "id"],
        cursor=cursor,
        limit=limit,
        rows=rows,
        allowed=messaging_selectors.thread_rows_allowed,
        client_of=lambda thread: thread.client,
    )


def thread_get(*, actor: User, public_id: UUID) -> Thread:
    """A thread the actor may read (``can_read_thread``); no log: the caller logs what it reads."""
    return messaging_selectors.thread_get(actor=actor, public_id=public_id)


def thread_readable_get(*, actor: User, public_id: UUID) -> Thread:
    """``thread_get`` read narrowly, for the message list (``messaging.selectors.thread_api_get``)."""
    return messaging_selectors.thread_api_get(actor=actor, public_id=public_id)


def message_page(
    *, actor: User, thread: Thread, access_point: AccessPoint, cursor: str | None, limit: int
) -> CursorPage[Message]:
    """The messages of one thread, oldest first (clinical content, logged)."""
    messages = messaging_selectors.message_rows_readable(actor=actor, thread=thread)
    return page_logged(
        messages,
        actor=actor,
        access_point=access_point,
        action="api.message.list",
        keys=["created_at", "id"],
        cursor=cursor,
        limit=limit,
        client_of=thread.client,
    )


def message_attachments(*, actor: User, thread: Thread, messages: list[Message]) -> dict[int, list[Attachment]]:
    """The attachments of a page of ``message_page`` by message id (``messaging.selectors.message_attachments``)."""
    return messaging_selectors.message_attachments(actor=actor, thread=thread, messages=messages)
