"""API tokens, public ids of professionals, and module progress reported by external modules.

- ``ApiToken``: a bearer token of one user. Only a SHA-256 of the token is stored; the token
  itself is shown once, when it is created (``manage.py create_api_token``).
- ``PractitionerRef``: the random public id of a professional (FHIR Practitioner id); users have
  no public id of their own and database ids never leave the server.
- ``ModuleVendorAccount``: what the service account of an external e-health module (role
  ``module-vendor``) serves: one provider and the codes of its modules. Its token reads only the
  FHIR Tasks of those modules at that provider and their Patient, and writes only ``Task.status``.
- ``ModuleProgress``: the status an external (Koppeltaal) module last reported for a module run
  (FHIR Task), shown in the client file.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coachcare.core.fields import EncryptedTextField


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the token (hex).")
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, help_text="First characters, for display.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class PractitionerRef(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practitioner_ref")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return str(self.public_id)


class ModuleVendorAccount(models.Model):
    """The scope of a ``module-vendor`` service account (``manage.py create_module_vendor``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_vendor_account"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="module_vendors", verbose_name=_("provider")
    )
    module_codes = models.JSONField(
        _("module codes"), default=list, help_text=_("The codes of the modules this e-health module serves.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-health module account")
        verbose_name_plural = _("e-health module accounts")

    def __str__(self) -> str:
        return f"{self.user_id}: {', '.join(self.module_codes)}"


class ModuleProgress(models.Model):
    """The FHIR Task status an external module last reported for a module run."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        READY = "ready", _("ready")
        IN_PROGRESS = "in-progress", _("in progress")
        ON_HOLD = "on-hold", _("on hold")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed")

    module_run = models.OneToOneField("trajectories.ModuleRun", on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(_("status reported by the module"), max_length=20, choices=Status.choices)
    #: Free text from the module ("lesson 2 of 3"): encrypted like other clinical free text, at most
    #: ``services.BUSINESS_STATUS_MAX_LENGTH`` characters, emptied when the file is destroyed.
    business_status = EncryptedTextField(_("business status"), blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("module progress")
        verbose_name_plural = _("module progress")

    def __str__(self) -> str:
        return f"{self.status} (module run {self.module_run_id})"
