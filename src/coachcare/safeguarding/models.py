"""Safeguarding: the Meldcode huiselijk geweld en kindermishandeling as a recorded workflow per client,
and the warm hand-off notice to the municipality's access team when care steps up.

Everything written in a meldcode step is clinical content (encrypted at rest, destroyed with the
file); the whole app is visible only to the client's coach, team coaches and team lead
(``access.policy.can_use_meldcode``). See ``docs/safeguarding.md``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coachcare.core.fields import EncryptedTextField


class MeldcodeCase(models.Model):
    """One run of the meldcode for one client: opened when signals are noticed, closed by the
    decision of step 5 (report to Veilig Thuis and/or organise help, or no suspicion remains)."""

    class Decision(models.TextChoices):
        REPORT = "report", _("report to Veilig Thuis")
        HELP = "help", _("organise help")
        REPORT_AND_HELP = "report_and_help", _("report to Veilig Thuis and organise help")
        NO_CONCERN = "no_concern", _("no suspicion remains: close without a report")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="meldcode_cases")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    team_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("team lead involved"),
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("meldcode case")
        verbose_name_plural = _("meldcode cases")

    def __str__(self) -> str:
        return f"meldcode case {self.pk} of client {self.client_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class MeldcodeStep(models.Model):
    """One recorded step of the meldcode (a step can be recorded more than once, e.g. two consultations)."""

    class Step(models.IntegerChoices):
        SIGNALS = 1, _("1 map the signals")
        CONSULT = 2, _("2 consult a colleague and, if needed, Veilig Thuis")
        CONVERSATION = 3, _("3 talk with the client")
        WEIGH = 4, _("4 weigh the violence or abuse (afwegingskader)")
        DECIDE = 5, _("5 decide: report to Veilig Thuis and/or organise help")

    class Consulted(models.TextChoices):
        COLLEAGUE = "colleague", _("a colleague")
        AANDACHTSFUNCTIONARIS = "aandachtsfunctionaris", _("the aandachtsfunctionaris")
        VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis (advice)")
        OTHER = "other", _("someone else")

    case = models.ForeignKey(MeldcodeCase, on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices)
    performed_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    notes = EncryptedTextField(_("notes"))
    consulted = models.CharField(_("consulted"), max_length=30, choices=Consulted.choices, blank=True)
    consulted_name = EncryptedTextField(_("name of who was consulted"), blank=True)
    # Step 4, the afwegingskader's five questions (None: not answered; 2-5 follow only on a suspicion).
    suspicion = models.BooleanField(_("1. Is there a suspicion of domestic violence or child abuse?"), null=True)
    unsafe = models.BooleanField(_("2. Is there acute or structural unsafety?"), null=True)
    can_help = models.BooleanField(_("3. Am I able to offer or organise effective help?"), null=True)
    help_accepted = models.BooleanField(_("4. Do the people involved accept the help?"), null=True)
    lasting_safety = models.BooleanField(_("5. Does the help lead to lasting safety?"), null=True)

    class Meta:
        ordering = ["case", "performed_on", "recorded_at", "id"]
        verbose_name = _("meldcode step")
        verbose_name_plural = _("meldcode steps")

    def __str__(self) -> str:
        return f"meldcode step {self.step} of case {self.case_id}"


class HandoffNotice(models.Model):
    """The warm hand-off: a trajectory closed because care steps up (JZ588 38 or 39); the
    municipality's access team is told, without clinical content. One per trajectory."""

    trajectory = models.OneToOneField(
        "trajectories.Trajectory", on_delete=models.CASCADE, related_name="handoff_notice"
    )
    end_reason = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"hand-off notice of trajectory {self.trajectory_id}"


class RegisseurNotice(models.Model):
    """The municipality's regisseur of a trajectory (``Trajectory.regisseur_email``) is told,
    without content, that the trajectory closed: at a step up (JZ588 38/39) or at any other
    closure. One per closure (its ``TrajectoryTransition``), so a resumed and closed-again
    trajectory gives a second notice."""

    class Kind(models.TextChoices):
        STEP_UP = "step_up", _("step up")
        CLOSURE = "closure", _("closure")

    trajectory = models.ForeignKey("trajectories.Trajectory", on_delete=models.CASCADE, related_name="+")
    transition = models.OneToOneField(
        "trajectories.TrajectoryTransition", on_delete=models.CASCADE, related_name="regisseur_notice"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    end_reason = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"regisseur notice ({self.kind}) of trajectory {self.trajectory_id}"
