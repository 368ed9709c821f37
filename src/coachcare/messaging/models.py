"""Secure messages between a young person or a parent and the coach (issue 4).

- ``Thread``: one conversation about one client. ``youth``: the young person and the professionals
  who treat them; ``parent``: one parent (with gezag) and those professionals. A parent never reads
  the youth thread (``access.policy.can_read_thread``).
- ``Message``: the text is clinical content, encrypted at rest; it is always shown escaped.
- ``ThreadRead``: up to when a user has read a thread, for unread counts.
- ``Attachment``: a PDF, PNG or JPEG of at most 5 MB, stored encrypted under MEDIA_ROOT with a
  random name and served only through a view that checks the policy and logs the access.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coachcare.core.fields import EncryptedTextField


class Thread(models.Model):
    class Kind(models.TextChoices):
        YOUTH = "youth", _("young person and coach")
        PARENT = "parent", _("parent and coach")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="message_threads")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("parent"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("message thread")
        verbose_name_plural = _("message threads")
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(kind="youth"), name="thread_one_youth_thread_per_client"
            ),
            models.UniqueConstraint(
                fields=["client", "parent"],
                condition=models.Q(kind="parent"),
                name="thread_one_parent_thread_per_parent",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="youth", parent__isnull=True) | models.Q(kind="parent", parent__isnull=False),
                name="thread_parent_only_on_parent_threads",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} thread {self.public_id}"


class Message(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="thread_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)
    #: When the other participants were told by e-mail (the task is idempotent on this).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["thread", "created_at", "id"], name="message_thread_time_idx")]

    def __str__(self) -> str:
        return f"message {self.public_id}"


class ThreadRead(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="thread_read_unique_user")]

    def __str__(self) -> str:
        return f"thread {self.thread_id} read by {self.user_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A random name: neither the original name nor the client appears on disk."""
    return f"messaging/{uuid.uuid4().hex}"


class Attachment(models.Model):
    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        PNG = "image/png", "PNG"
        JPEG = "image/jpeg", "JPEG"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    #: Encrypted bytes (Fernet) under MEDIA_ROOT; there is no public URL for MEDIA_ROOT.
    file = models.FileField(upload_to=attachment_path, max_length=200)
    #: Encrypted like the body: a file name can say what the file is about ("diagnose.pdf").
    original_name = EncryptedTextField(_("file name"))
    content_type = models.CharField(max_length=40, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"attachment {self.public_id}"
