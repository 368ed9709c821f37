"""Outcome measurement: questionnaire definitions (data files) and the answers given to them.

A definition is immutable once loaded (``questionnaire_load``); a changed instrument is a new
version, so every response keeps the exact items and scoring it was given with. Answers are
clinical content and stored encrypted; the total score and the raised flags are stored in the
clear because outcome figures are aggregated from them. Writes go through
``coachcare.measures.services`` only.
"""

import json
import uuid
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from coachcare.core.fields import EncryptedTextField


class Respondent(models.TextChoices):
    """Who answers a questionnaire."""

    JONGERE = "jongere", _("young person")
    OUDER = "ouder", _("parent")
    COACH = "coach", _("coach")


class Informant(models.TextChoices):
    """Who actually gave the answers of a response, following the CBS "type informant" of the
    outcome indicators (docs/indicators.md): the young person, a parent, or a professional who
    entered them (for example answers given on paper). Set from the submitting account's role."""

    JONGERE = "jongere", _("young person")
    OUDER = "ouder", _("parent")
    PROFESSIONAL = "professional", _("professional")


class QuestionnaireDefinition(models.Model):
    """One loaded version of a questionnaire; ``definition`` holds the whole definition file."""

    code = models.CharField(_("code"), max_length=50)
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("name"), max_length=200, help_text=_("The Dutch name from the definition file."))
    respondent = models.CharField(_("respondent"), max_length=10, choices=Respondent.choices)
    definition = models.JSONField(_("definition"))
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active versions are offered for new responses.")
    )
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)

    class Meta:
        ordering = ["code", "-loaded_at", "-id"]
        verbose_name = _("questionnaire definition")
        verbose_name_plural = _("questionnaire definitions")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="measures_definition_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"

    @property
    def informant_only(self) -> bool:
        """Answered only by the respondent themself (definition field ``informant_only``): no
        professional enters the answers for them."""
        return bool(self.definition.get("informant_only", False))

    @property
    def display_name(self) -> str:
        """The name in the active language (Dutch unless the user reads English)."""
        names = self.definition.get("name", {})
        language = (translation.get_language() or "nl")[:2]
        return str(names.get(language) or self.name)


#: Where in the care a response was given: "intake", "session", "closure", "evaluation:3", "follow-up:6".
CONTEXT_VALIDATOR = RegexValidator(
    r"^[a-z][a-z-]*(:[a-z0-9-]+)?$",
    _('Use a word such as "intake", "session" or "closure", optionally followed by ":" and a number.'),
)


class QuestionnaireResponse(models.Model):
    """One set of answers of one respondent about one client, with its score."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    definition = models.ForeignKey(
        QuestionnaireDefinition,
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("questionnaire"),
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="questionnaire_responses", verbose_name=_("client")
    )
    context = models.CharField(_("context"), max_length=50, validators=[CONTEXT_VALIDATOR])
    # The trajectories app links responses through the trajectory's public id, without a
    # migration dependency between the two apps.
    trajectory_public_id = models.UUIDField(_("trajectory"), null=True, blank=True, db_index=True)
    answers = EncryptedTextField(_("answers"), help_text=_("The answers as JSON (item id to value), encrypted."))
    total = models.FloatField(_("total score"), null=True, blank=True)
    subscales = models.JSONField(_("subscale scores"), default=dict, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True, help_text=_("Names of the cut-offs that were met."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    informant = models.CharField(
        _("informant"),
        max_length=12,
        choices=Informant.choices,
        default=Informant.PROFESSIONAL,
        help_text=_("Who gave the answers (CBS type informant): the young person, a parent or a professional."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        indexes = [models.Index(fields=["client", "-submitted_at"], name="measures_response_client_idx")]

    def __str__(self) -> str:
        return f"response {self.public_id}"

    @property
    def answer_values(self) -> dict[str, Any]:
        """The decrypted answers as a dictionary (item id to value)."""
        return json.loads(self.answers) if self.answers else {}
