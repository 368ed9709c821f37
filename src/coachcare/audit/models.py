import uuid

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from coachcare.audit.actions import action_label, role_label


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
    entry_id = models.UUIDField(_("entry id"), default=uuid.uuid4, unique=True, editable=False)
    timestamp = models.DateTimeField(_("when"), db_index=True)
    event = models.CharField(_("what happened"), max_length=10, choices=Event.choices)
    action = models.CharField(
        _("action code"), max_length=100, help_text=_("What was accessed, as a code, e.g. 'client.file'.")
    )
    client_public_id = models.UUIDField(_("client number"), null=True, blank=True)
    user_id = models.BigIntegerField(_("user number"), null=True, blank=True)
    username = models.CharField(_("user name"), max_length=150)
    user_display_name = models.CharField(_("name"), max_length=300, blank=True)
    role = models.CharField(_("role"), max_length=20)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=150, blank=True)
    channel = models.CharField(_("via"), max_length=10, choices=Channel.choices)
    access_point = models.CharField(
        _("access point"), max_length=200, help_text=_("IP address or host the access came from.")
    )

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["client_public_id", "-timestamp"], name="accesslog_client_idx")]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        when = formats.date_format(timezone.localtime(self.timestamp), "j F Y, H:i:s")
        return f"{when} {self.username}: {self.get_event_display()} {self.action_label}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log is append-only.")

    @property
    def action_label(self) -> str:
        """What was accessed, in words (``coachcare.audit.actions``), never the raw code."""
        return action_label(self.action)

    @property
    def role_label(self) -> str:
        """The role in words; a role that no longer exists (or "system") as stored."""
        return role_label(self.role)
