"""The method catalogue: versions of the Coach & Care method, their modules and online content.

A version is immutable once imported. A newer package creates a new ``MethodVersion`` with new
``Module`` rows; a trajectory points at the ``Module`` row of the version it started with, so an
import never changes or deletes anything of an older version. Writes go through
``coachcare.method.services`` only.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coachcare.method.codes import Unit


class MethodVersion(models.Model):
    """One imported method package (for example "coach-and-care" version "2026.1")."""

    name = models.CharField(_("package name"), max_length=100)
    version = models.CharField(_("version"), max_length=20, unique=True)
    description = models.TextField(_("description"), blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    #: For the young person: what goals are and how the five levels of a goal work (B1, "je").
    youth_goals_text = models.TextField(_("goals explained to the young person (Markdown)"), blank=True)
    #: The smallest drop that the module gate treats as a real deterioration (docs/measures.md).
    reliable_change_gbo = models.FloatField(
        _("reliable change of a GBO rating (points)"),
        default=3.0,
        db_default=3.0,
        help_text=_("A smaller drop of one goal's GBO rating does not advise a step up."),
    )
    reliable_change_gas_t = models.FloatField(
        _("reliable change of the GAS T-score (points)"),
        default=10.0,
        db_default=10.0,
        help_text=_("A smaller drop of the GAS T-score does not advise a step up."),
    )
    #: The goal domains of the method (``[{"code", "name"}]``): every goal gets one, and each
    #: module names the domains it serves, so the gate can propose the module that fits the open goals.
    goal_domains = models.JSONField(_("goal domains"), default=list, blank=True, db_default=[])
    is_current = models.BooleanField(
        _("current"), default=False, help_text=_("New trajectories start on the modules of the current version.")
    )

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("method version")
        verbose_name_plural = _("method versions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="method_version_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class Module(models.Model):
    """A unit of coaching with its own content, duration and price, separately payable (iJw product)."""

    class Kind(models.TextChoices):
        ONLINE = "online", _("online")
        OFFLINE = "offline", _("offline")
        BLENDED = "blended", _("blended (online and offline)")

    method_version = models.ForeignKey(
        MethodVersion, on_delete=models.PROTECT, related_name="modules", verbose_name=_("method version")
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    expected_sessions = models.PositiveSmallIntegerField(_("expected sessions"))
    expected_weeks = models.PositiveSmallIntegerField(_("expected weeks"))
    coach_manual = models.JSONField(
        _("coach's manual"),
        default=dict,
        help_text=_('Session plans ({"sessions": [{"session", "title", "plan"}]}) and a "watch_for" list.'),
    )
    ijw_product_category = models.CharField(_("iJw product category (JZ020)"), max_length=2)
    ijw_product_code = models.CharField(_("iJw product code"), max_length=5)
    unit = models.CharField(_("unit (WJ756)"), max_length=2, choices=Unit.choices, default=Unit.PIECES_OUTPUT)
    sequence = models.PositiveSmallIntegerField(_("suggested order"))
    #: The young person's texts (B1, "je"); the portal never shows ``name``'s professional ``purpose``.
    youth_title = models.CharField(_("title for the young person"), max_length=200, blank=True)
    youth_intro = models.TextField(_("introduction for the young person (Markdown)"), blank=True)
    is_final = models.BooleanField(_("final module"), default=False)
    #: Codes of the goal domains (``MethodVersion.goal_domains``) this module works on.
    goal_domains = models.JSONField(_("goal domains served"), default=list, blank=True, db_default=[])

    class Meta:
        ordering = ["method_version", "sequence", "code"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        constraints = [
            models.UniqueConstraint(fields=["method_version", "code"], name="method_module_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Lesson(models.Model):
    """Online reading material of a module (Markdown)."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("module"))
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    youth_title = models.CharField(_("title for the young person"), max_length=200, blank=True)
    youth_text = models.TextField(_("text for the young person (Markdown)"), blank=True)

    class Meta:
        ordering = ["module", "order"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [
            models.UniqueConstraint(fields=["module", "order"], name="method_lesson_unique_order"),
        ]

    def __str__(self) -> str:
        return self.title


class Assignment(models.Model):
    """An online assignment the young person answers, as free text or by choosing an option."""

    class AnswerKind(models.TextChoices):
        TEXT = "text", _("free text")
        CHOICE = "choice", _("choice")

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("module"))
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"))
    youth_title = models.CharField(_("title for the young person"), max_length=200, blank=True)
    youth_text = models.TextField(_("instructions for the young person (Markdown)"), blank=True)
    answer_kind = models.CharField(_("answer kind"), max_length=10, choices=AnswerKind.choices, default=AnswerKind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        ordering = ["module", "order"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["module", "order"], name="method_assignment_unique_order"),
        ]

    def __str__(self) -> str:
        return self.title
