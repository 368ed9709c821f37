import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    """Append-only: the ORM refuses bulk changes; the database refuses them too (triggers)."""

    def update(self, **kwargs: object) -> int:
        raise PermissionError("The access log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log is append-only.")


class AccessLogEntry(models.Model):
    """One NEN 7513 log line: who did what to which client file, when, in which role, from where.

    No foreign keys: the log must outlive users and destroyed client files, and it never holds
    the BSN or any clinical content, only the client's random public id.
    """

    class Event(models.TextChoices):
        READ = "read", _("viewed")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")

    class Channel(models.TextChoices):
        WEB = "web", _("web page")
        API = "api", _("API")
        ADMIN = "admin", _("administration")
        EXPORT = "export", _("export")
        COMMAND = "command", _("command")
        #: A background task run by the task worker (django.tasks), e.g. the daily retention job.
        TASK = "task", _("scheduled task")

    id = models.BigAutoField(primary_key=True)
    entry_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    timestamp = models.DateTimeField(db_index=True)
    event = models.CharField(max_length=10, choices=Event.choices)
    action = models.CharField(max_length=100, help_text="What was accessed, e.g. 'client.file'.")
    client_public_id = models.UUIDField(null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150)
    user_display_name = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=20)
    on_behalf_of = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    access_point = models.CharField(max_length=200, help_text="IP address or host the access came from.")

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["client_public_id", "-timestamp"], name="accesslog_client_idx")]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.username} {self.event} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log is append-only.")
