"""Writes on secure messages: opening a thread, posting, marking read, the e-mail notice.

Each service checks the access policy (``access.policy.can_*thread*``) and writes the NEN 7513
access log. Message text is stored as typed (no markup is interpreted anywhere: templates always
escape it) and encrypted at rest; attachments are checked by their real content and stored
encrypted under MEDIA_ROOT.
"""

import datetime
import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client
from coachcare.core.files import MAX_UPLOAD_BYTES, encrypt_bytes, upload_check
from coachcare.messaging.badge import badge_forget
from coachcare.messaging.models import Attachment, Message, Thread, ThreadRead

MAX_BODY_LENGTH = 5000
MAX_ATTACHMENT_BYTES = MAX_UPLOAD_BYTES


def attachment_check(*, upload: UploadedFile[bytes]) -> tuple[str, str, bytes]:
    """(content type, clean original name, bytes) of an allowed attachment (``core.files.upload_check``)."""
    return upload_check(upload=upload)


def thread_for(
    *, actor: User, client: Client, kind: str, parent: User | None = None, access_point: AccessPoint | None = None
) -> Thread:
    """The ``kind`` thread of ``client`` (with ``parent`` for a parent thread), created if needed."""
    if kind == Thread.Kind.YOUTH:
        parent = None
    if not policy.can_message_about(actor, client, kind, parent=parent):
        raise policy.AccessDenied(_("You cannot open this conversation."))
    thread, created = Thread.objects.select_related("client", "parent").get_or_create(
        client=client, kind=kind, parent=parent
    )
    if created and access_point is not None:
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="messaging.thread",
            client_ids=[thread.client.public_id],
            access_point=access_point,
        )
    return thread


@functools.cache
def _mark_read_sql(vendor: str) -> str:
    """``thread_mark_read``'s update for this database: the read mark moves forward only (names
    from the model's metadata; SQLite's two-argument ``MAX`` is its ``GREATEST``)."""
    quote = connection.ops.quote_name
    table = quote(ThreadRead._meta.db_table)
    columns = {field.name: str(field.column) for field in ThreadRead._meta.concrete_fields}
    last_read_at, thread_id, user_id = (quote(columns[name]) for name in ("last_read_at", "thread", "user"))
    greatest = "MAX" if vendor == "sqlite" else "GREATEST"
    return (
        f"UPDATE {table} SET {last_read_at} = {greatest}({last_read_at}, %s) "  # noqa: S608 - names, not values
        f"WHERE {thread_id} = %s AND {user_id} = %s"
    )


def thread_mark_read(*, actor: User, thread: Thread, until: datetime.datetime | None = None) -> None:
    """Remember that ``actor`` has read ``thread`` up to ``until`` (default: now)."""
    moment = until or timezone.now()
    badge_forget(user_id=actor.pk)
    # Every thread page and every poll that shows something: one short statement written out here
    # (as the ORM's ``update(last_read_at=Greatest(F("last_read_at"), moment))`` writes it).
    with connection.cursor() as cursor:
        cursor.execute(
            _mark_read_sql(connection.vendor),
            [ThreadRead._meta.get_field("last_read_at").get_db_prep_value(moment, connection), thread.pk, actor.pk],
        )
        updated = cursor.rowcount
    if not updated:
        ThreadRead.objects.get_or_create(thread=thread, user=actor, defaults={"last_read_at": moment})


def message_post(
    *,
    actor: User,
    thread: Thread,
    body: str,
    attachment: UploadedFile[bytes] | None = None,
    access_point: AccessPoint,
) -> Message:
    if not policy.can_post_in_thread(actor, thread):
        raise policy.AccessDenied(_("You cannot write in this conversation."))
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({"body": _("Write a message.")})
    if len(text) > MAX_BODY_LENGTH:
        raise ValidationError({"body": _("A message has at most %(max)d characters.") % {"max": MAX_BODY_LENGTH}})
    checked = attachment_check(upload=attachment) if attachment is not None else None
    from coachcare.messaging.tasks import message_notify_task  # late: the task module imports this one

    with transaction.atomic():
        message = Message.objects.create(thread=thread, author=actor, body=text)
        if checked is not None:
            content_type, name, data = checked
            stored = Attachment(message=message, original_name=name, content_type=content_type, size=len(data))
            stored.file.save("attachment", ContentFile(encrypt_bytes(data)), save=False)
            stored.save()
        thread_mark_read(actor=actor, thread=thread, until=message.created_at)
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="messaging.message",
            client_ids=[thread.client.public_id],
            access_point=access_point,
        )
        transaction.on_commit(functools.partial(message_notify_task.enqueue, message.pk))
    return message


def _recipients(message: Message) -> list[User]:
    thread = message.thread
    client = thread.client
    candidates = [client.coach, client.user if thread.kind == Thread.Kind.YOUTH else thread.parent]
    seen: set[int] = set()
    recipients = []
    for user in candidates:
        if user is None or user.pk == message.author_id or user.pk in seen or not user.email:
            continue
        seen.add(user.pk)
        if policy.can_read_thread(user, thread):
            recipients.append(user)
    return recipients


def message_notify(*, message_id: int) -> int:
    """E-mail the other participants that there is a new message. Idempotent (``notified_at``).

    The e-mail says only that there is a message and where to log in: never the text, the
    sender's words, the client's name or BSN (docs/legal-basis.md: the BSN never in an e-mail).
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("thread__client__coach", "thread__client__user", "thread__parent")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.notified_at is not None:
            return 0
        link = settings.COACHCARE_BASE_URL.rstrip("/") + reverse("messaging:inbox")
        sent = 0
        for user in _recipients(message):
            send_mail(
                _("New message in coachcare"),
                _(
                    "Hello,\n\nThere is a new message for you in coachcare.\n"
                    "Log in to read it: %(link)s\n\nThis e-mail was sent automatically."
                )
                % {"link": link},
                None,
                [user.email],
            )
            sent += 1
        message.notified_at = timezone.now()
        message.save(update_fields=["notified_at"])
    return sent
