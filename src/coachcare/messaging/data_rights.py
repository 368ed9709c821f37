"""Data rights of the messaging app (``core/data_rights.py``).

- The young person gets their own thread with the coach: the thread, its messages, read marks and
  attachments (the file's stored name). Never a parent's thread.
- A parent gets their own thread with the coach, and only their own: never the young person's
  thread, nor another parent's.
- Both only while the policy gives them the clinical file that day.
- Destruction deletes every thread of the client with its messages, read marks and attachments,
  and the attachments' encrypted files on disk after the commit.
"""

from django.db import models, transaction
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.core.data_rights import Rows, Section, destroyer_register, model_rows, section_register
from coachcare.messaging.models import Attachment, Message, Thread, ThreadRead


def _thread_rows(threads: models.QuerySet[Thread]) -> Rows:
    messages = Message.objects.filter(thread__in=threads).select_related("author", "thread")
    return [
        *model_rows(Thread, threads.select_related("parent").order_by("id"), leave_out="client", client_model=Client),
        *model_rows(Message, messages, leave_out="thread", client_model=Client),
        *model_rows(
            ThreadRead,
            ThreadRead.objects.filter(thread__in=threads).select_related("user").order_by("id"),
            leave_out="thread",
            client_model=Client,
        ),
        *model_rows(
            Attachment,
            Attachment.objects.filter(message__thread__in=threads).order_by("id"),
            leave_out="message",
            client_model=Client,
        ),
    ]


def messages_for_young_person(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    return _("Messages"), _thread_rows(Thread.objects.filter(client=client, kind=Thread.Kind.YOUTH))


def messages_for_parent(client: Client, requester: User) -> Section | None:
    if not policy.can_see(requester, client, policy.DataKind.CLINICAL):
        return None
    return _("Messages"), _thread_rows(Thread.objects.filter(client=client, kind=Thread.Kind.PARENT, parent=requester))


def destroy_messages(client: Client) -> dict[str, int]:
    attachments = Attachment.objects.filter(message__thread__client=client)
    files = [(attachment.file.storage, attachment.file.name) for attachment in attachments.exclude(file="")]
    counts: dict[str, int] = {}
    for queryset in (
        attachments,
        Message.objects.filter(thread__client=client),
        ThreadRead.objects.filter(thread__client=client),
        Thread.objects.filter(client=client),
    ):
        _total, per_model = queryset.delete()
        for label, count in per_model.items():
            counts[label] = counts.get(label, 0) + count

    def delete_files() -> None:
        for storage, name in files:
            if name:
                storage.delete(name)  # the encrypted file on disk is really removed, once the rows are gone

    if files:
        transaction.on_commit(delete_files)
        counts["messaging.files"] = len(files)
    return counts


section_register(key="messaging", order=140, young_person=messages_for_young_person, parent=messages_for_parent)
destroyer_register(
    key="messaging",
    covers=("messaging.Thread", "messaging.Message", "messaging.ThreadRead", "messaging.Attachment"),
    function=destroy_messages,
)
