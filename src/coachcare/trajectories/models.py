"""A trajectory: one young person's way through the Coach & Care method.

Its status only changes through ``coachcare.trajectories.state_machine`` (transitions and their
guards in one place); every change is kept as a ``TrajectoryTransition`` (who, when, why). Goal
texts, scale descriptions and reasons are clinical content and encrypted at rest.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coachcare.core.fields import EncryptedTextField


class Status(models.TextChoices):
    REFERRED = "referred", _("referred")
    ALLOCATED = "allocated", _("allocated")
    INTAKE = "intake", _("intake")
    MODULE_RUNNING = "module_running", _("module running")
    MODULE_EVALUATION = "module_evaluation", _("module evaluation")
    CLOSED = "closed", _("closed")
    FOLLOW_UP = "follow_up", _("follow-up")
    ARCHIVED = "archived", _("archived")


ACTIVE_STATUSES = frozenset(
    {Status.REFERRED, Status.ALLOCATED, Status.INTAKE, Status.MODULE_RUNNING, Status.MODULE_EVALUATION}
)


class NextAction(models.TextChoices):
    """What the coach has to do next on a trajectory; with its due date it orders the caseload."""

    REQUEST_ALLOCATION = "request_allocation", _("request an allocation")
    AWAIT_ALLOCATION = "await_allocation", _("waiting for the allocation")
    INTAKE = "intake", _("intake")
    AGREE_PLAN = "agree_plan", _("set goals, agree the plan, start the first module")
    EVALUATE_MODULE = "evaluate_module", _("evaluate the module")
    DECIDE = "decide", _("take the gate decision")
    AWAIT_APPROVAL = "await_approval", _("waiting for the team lead's approval")
    START_MODULE = "start_module", _("start the next module")
    CLOSE = "close", _("close the trajectory")
    FOLLOW_UP = "follow_up", _("follow-up contact")
    NONE = "", _("nothing")


class ReferrerKind(models.TextChoices):
    """Who referred the young person: the legal referrers of the Jeugdwet (art. 2.6 lid 1 onder g),
    as the iJw code list JZ021 "Verwijzer" names them (the JW315 code per kind is in
    ``coachcare.ijw.codes.VERWIJZER_TYPE``). School, the neighbourhood team or the family themselves
    are no legal referrers: they reach youth care through the municipality (``GEMEENTE``), and the
    route is kept in ``Trajectory.referral_route``."""

    GEMEENTE = "gemeente", _("municipality (gemeente, access team)")
    HUISARTS = "huisarts", _("general practitioner (huisarts)")
    JEUGDARTS = "jeugdarts", _("youth doctor (jeugdarts)")
    GI = "gi", _("certified institution (gecertificeerde instelling)")
    MEDISCH_SPECIALIST = "medisch_specialist", _("medical specialist (medisch specialist)")
    RECHTER = "rechter", _("court, Child Protection Board or public prosecutor")


class ReferralRoute(models.TextChoices):
    """Through which route the municipality referred (only with ``ReferrerKind.GEMEENTE``)."""

    WIJKTEAM = "wijkteam", _("neighbourhood team (wijkteam)")
    SCHOOL = "school", _("school")
    ZELF = "zelf", _("the young person or family themselves")
    OTHER = "other", _("other")


class EndReason(models.TextChoices):
    """iJw reden beëindiging (JZ588), the codes that can end a Coach & Care trajectory."""

    DECEASED = "02", _("02 deceased")
    TEMPORARILY = "20", _("20 temporarily ended")
    ACCORDING_TO_PLAN = "31", _("31 ended according to plan")
    EARLY_BY_CLIENT = "32", _("32 ended early, one-sidedly by the client")
    EARLY_BY_PROVIDER = "33", _("33 ended early, one-sidedly by the provider")
    EARLY_MUTUAL = "34", _("34 ended early, by mutual agreement")
    EARLY_EXTERNAL = "35", _("35 ended early, by external circumstances")
    BY_MUNICIPALITY = "36", _("36 initiated by the municipality")
    CHANGE_REQUEST = "37", _("37 change request")
    OTHER_PROVIDER = "38", _("38 continued at another provider")
    OTHER_DOMAIN = "39", _("39 outflow to another domain")


class Trajectory(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="trajectories")
    # The young person's municipality at referral, copied from the client by ``trajectory_open``: the
    # municipality responsible for this care. Counting a municipality's trajectories per status then
    # reads one index (70,000 trajectories of the largest municipality) instead of joining every
    # trajectory in the country with the clients.
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trajectories",
        verbose_name=_("coach (contact person)"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REFERRED)
    referrer_kind = models.CharField(_("referred by"), max_length=20, choices=ReferrerKind.choices)
    referral_route = models.CharField(
        _("route through the municipality"),
        max_length=20,
        choices=ReferralRoute.choices,
        blank=True,
        default="",
        db_default="",
        help_text="Only when the municipality referred: school, wijkteam, the family themselves or other.",
    )
    referrer_name = models.CharField(_("name of the referrer"), max_length=200, blank=True)
    referred_on = models.DateField(_("referral date"))
    method_version = models.ForeignKey(
        "method.MethodVersion",
        on_delete=models.PROTECT,
        related_name="trajectories",
        verbose_name=_("method version"),
    )
    gas_convention = models.CharField(_("GAS baseline convention"), max_length=30, default="standard")
    plan_revision = models.PositiveIntegerField(default=0, help_text="Goes up whenever goals change.")
    next_action = models.CharField(_("next action"), max_length=40, blank=True, choices=NextAction.choices)
    next_action_due = models.DateField(_("due"), null=True, blank=True)
    # The municipality's regisseur (access team contact) for this young person: administrative
    # contact data, told without content at a step up and at closure (safeguarding.RegisseurNotice).
    regisseur_name = models.CharField(
        _("regisseur of the municipality"), max_length=200, blank=True, default="", db_default=""
    )
    regisseur_organisation = models.CharField(
        _("organisation or role of the regisseur"), max_length=200, blank=True, default="", db_default=""
    )
    regisseur_email = models.EmailField(_("e-mail of the regisseur"), blank=True, default="", db_default="")
    regisseur_phone = models.CharField(
        _("phone of the regisseur"), max_length=30, blank=True, default="", db_default=""
    )
    end_reason = models.CharField(_("end reason (JZ588)"), max_length=2, choices=EndReason.choices, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    final_gas_t = models.FloatField(_("final GAS T-score"), null=True, blank=True)
    final_gbo_mean = models.FloatField(_("final mean GBO"), null=True, blank=True)
    satisfaction_score = models.FloatField(
        _("satisfaction at closure"),
        null=True,
        blank=True,
        help_text="Mean score of the young person's own satisfaction questionnaire at closure (1 to 5); empty "
        "when not answered.",
    )
    # The outcome answers at closure per informant (CBS type informant, docs/indicators.md): copied at
    # closure from the young person's and a parent's own questionnaire answers; the professional's
    # judgement from the closing form. Empty when that informant gave no answer.
    useful_youth = models.FloatField(
        _("usefulness of the help, young person"),
        null=True,
        blank=True,
        help_text="The young person's answer (1 to 5) to 'Ik heb iets aan de hulp gehad' at closure.",
    )
    useful_parent = models.FloatField(
        _("usefulness of the help, parent"),
        null=True,
        blank=True,
        help_text="A parent's answer (1 to 5) to 'Mijn kind heeft iets aan de hulp gehad' at closure.",
    )
    without_help_youth = models.BooleanField(
        _("carries on without help, young person"),
        null=True,
        blank=True,
        help_text="The young person agreed (4 or 5) with 'Ik kan nu zonder hulp verder' at closure.",
    )
    without_help_parent = models.BooleanField(
        _("carries on without help, parent"),
        null=True,
        blank=True,
        help_text="A parent agreed (4 or 5) with 'Mijn kind kan nu zonder hulp verder' at closure.",
    )
    without_help_professional = models.BooleanField(_("carries on without help, professional"), null=True, blank=True)
    not_answered_reason = models.TextField(
        _("why the young person did not answer"),
        blank=True,
        help_text="Recorded by the coach at closure when the young person did not fill in the satisfaction "
        "questionnaire.",
    )
    version = models.PositiveIntegerField(default=0, help_text="Optimistic lock: goes up with every transition.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["next_action_due", "id"]
        verbose_name = _("trajectory")
        verbose_name_plural = _("trajectories")
        indexes = [
            models.Index(fields=["coach", "status", "next_action_due"], name="trajectory_coach_due_idx"),
            models.Index(fields=["client", "-created_at"], name="trajectory_client_idx"),
            models.Index(fields=["status", "next_action_due"], name="trajectory_status_due_idx"),
            models.Index(fields=["municipality", "status"], name="trajectory_municipality_idx"),
        ]

    def __str__(self) -> str:
        return f"trajectory {self.public_id} ({self.status})"


class TrajectoryTransition(models.Model):
    """The record of every status change: who, when, why."""

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_role = models.CharField(max_length=20)
    at = models.DateTimeField()
    reason = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.from_status} -> {self.to_status}"


class ModuleRun(models.Model):
    """One module of the method followed within a trajectory (an iJw product, declared on its own)."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished, to evaluate")
        EVALUATED = "evaluated", _("evaluated")
        #: Running when the trajectory ended temporarily (JZ588 20) and then resumed, or when the young
        #: person moved to another municipality: not delivered, not declared; its stop (JW307) has
        #: reason ``stop_reason`` (empty: 20) on ``finished_on`` (the closure date, or the day before the move).
        INTERRUPTED = "interrupted", _("interrupted (temporary end or move)")

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="module_runs")
    module = models.ForeignKey("method.Module", on_delete=models.PROTECT, related_name="runs")
    sequence = models.PositiveSmallIntegerField()
    allocation = models.ForeignKey(
        "contracts.Allocation", null=True, blank=True, on_delete=models.PROTECT, related_name="module_runs"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.RUNNING)
    started_on = models.DateField()
    due_on = models.DateField()
    finished_on = models.DateField(null=True, blank=True)
    #: The JZ588 reason of an interrupted run's stop (JW307): empty is 20 (a temporary end); 35
    #: when the young person moved to another municipality (``trajectories.services.client_move``).
    stop_reason = models.CharField(
        _("reason of the stop (JZ588)"), max_length=2, choices=EndReason.choices, blank=True, default="", db_default=""
    )

    class Meta:
        ordering = ["trajectory", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "sequence"], name="module_run_unique_sequence"),
        ]

    def __str__(self) -> str:
        return f"module run {self.sequence} of trajectory {self.trajectory_id}"


class Goal(models.Model):
    """A goal written with the young person, with its 5-level GAS scale (clinical, encrypted)."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("the young person's own goal")
        PARENTING = "parenting", _("parenting goal (opvoedkundig doel)")

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="goals")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    #: The goal domain (a code of the method version's ``goal_domains``); the gate proposes the
    #: module that serves the domains of the open goals. Empty for goals written before domains.
    domain = models.CharField(_("goal domain"), max_length=40, blank=True, default="", db_default="")
    text = EncryptedTextField(_("goal"))
    scale = EncryptedTextField(_("GAS scale"), help_text="JSON: level (as text) -> description.")
    weight = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trajectory", "order"]
        constraints = [models.UniqueConstraint(fields=["trajectory", "order"], name="goal_unique_order")]

    def __str__(self) -> str:
        return f"goal {self.order} of trajectory {self.trajectory_id}"


class GoalScore(models.Model):
    """GAS level and GBO score of one goal at one moment: the intake or a module evaluation.

    At a module evaluation the GAS level is the coach's (professional) score and the GBO score is
    the young person's own rating from the portal (``GoalRating``), copied when the coach scores
    the evaluation; ``gbo`` is empty when the young person did not rate the goal (the coach gave
    the reason: ``Evaluation.gbo_not_rated_reason``)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="scores")
    module_run = models.ForeignKey(ModuleRun, null=True, blank=True, on_delete=models.CASCADE, related_name="scores")
    gas = models.SmallIntegerField(_("GAS level"))
    gbo = models.PositiveSmallIntegerField(_("GBO score (0 to 10)"), null=True, blank=True)
    #: Who gave the GBO score (CBS type informant, ``measures.Informant``): "jongere" for the young
    #: person's own rating in the portal, "professional" for a score the coach entered (the intake).
    gbo_informant = models.CharField(max_length=12, blank=True, default="professional", db_default="professional")
    convention = models.CharField(max_length=30)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["goal", "scored_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "module_run"], name="goal_score_once_per_moment"),
            models.UniqueConstraint(
                fields=["goal"], condition=models.Q(module_run__isnull=True), name="goal_score_once_at_intake"
            ),
            models.CheckConstraint(condition=models.Q(gbo__lte=10), name="goal_score_gbo_range"),
            models.CheckConstraint(condition=models.Q(gas__gte=-3, gas__lte=2), name="goal_score_gas_range"),
        ]

    def __str__(self) -> str:
        return f"score of goal {self.goal_id}"


class GoalRating(models.Model):
    """An informant's own GBO rating of a goal at the intake (``module_run`` None: "hoe sta je er nu
    voor?", the baseline) or before a module evaluation ("Hoe ver ben je met je doel?"), 0 to 10,
    given in the portal by the young person (informant "jongere") or a parent with clinical access
    (informant "ouder", the second informant). The coach never enters it. The young person's rating
    is the one the gate and the indicators use: it is copied into ``GoalScore.gbo``."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    module_run = models.ForeignKey(ModuleRun, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings")
    informant = models.CharField(max_length=12, help_text="measures.Informant: jongere or ouder")
    rating = models.PositiveSmallIntegerField(_("rating (0 to 10)"))
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField()

    class Meta:
        ordering = ["module_run", "goal", "informant"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "module_run", "informant"], name="goal_rating_once_per_informant"),
            models.UniqueConstraint(
                fields=["goal", "informant"],
                condition=models.Q(module_run__isnull=True),
                name="goal_rating_once_per_informant_at_intake",
            ),
            models.CheckConstraint(condition=models.Q(rating__lte=10), name="goal_rating_range"),
        ]

    def __str__(self) -> str:
        return f"rating of goal {self.goal_id} by {self.informant}"


class GoalRatingSkipped(models.Model):
    """The coach's record that the young person did not rate their goals at a moment (the intake:
    ``module_run`` None, or a module evaluation): "niet beantwoord, omdat …". A content-free reason
    and a short note; never the ratings themselves, which only the young person (or a parent) gives."""

    class Reason(models.TextChoices):
        DECLINED = "declined", _("the young person did not want to")
        UNREACHABLE = "unreachable", _("the young person could not be reached")
        NOT_ABLE = "not_able", _("the young person cannot rate it (yet)")
        NO_ACCOUNT = "no_account", _("the young person has no portal account")
        OTHER = "other", _("another reason")

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="ratings_skipped")
    module_run = models.ForeignKey(
        ModuleRun, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings_skipped"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    #: A short explanation (at most ``NOTE_MAX`` characters); encrypted like every free text in the file.
    note = EncryptedTextField(blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    NOTE_MAX = 200

    class Meta:
        ordering = ["trajectory", "recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "module_run"], name="goal_rating_skipped_once"),
            models.UniqueConstraint(
                fields=["trajectory"],
                condition=models.Q(module_run__isnull=True),
                name="goal_rating_skipped_once_at_intake",
            ),
        ]

    def __str__(self) -> str:
        return f"ratings skipped in trajectory {self.trajectory_id}"


def consent_scan_path(instance: "Agreement", filename: str) -> str:
    """A random name: neither the original name nor the client appears on disk."""
    return f"consent/{uuid.uuid4().hex}"


class Agreement(models.Model):
    """Consent and agreement as the age rules require them, recorded with who and when.

    - CARE: consent to care (Jeugdwet 7.3.4: 12 to 15 the young person and the parents with
      gezag, 16 and older the young person alone).
    - PLAN: agreement to the plan (goals and modules) at a plan revision: the plan is the
      arrangement, no further paperwork.
    - SUMMARY: consent to send the closing summary to the referrer.
    """

    class Kind(models.TextChoices):
        CARE = "care", _("consent to care")
        PLAN = "plan", _("agreement to the plan")
        SUMMARY = "summary", _("consent to send the closing summary")

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    plan_revision = models.PositiveIntegerField(null=True, blank=True)

    class How(models.TextChoices):
        PORTAL = "portal", _("in the portal")
        IN_PERSON = "in_person", _("in person")
        ON_PAPER = "on_paper", _("on paper")

    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_as = models.CharField(max_length=20, help_text="jongere or ouder")
    #: The family member who consented (for ``given_as`` "ouder"); ``given_by`` is then their
    #: account, or the coach who recorded a consent given in person or on paper.
    carer = models.ForeignKey(
        "clients.GezagRelation", null=True, blank=True, on_delete=models.SET_NULL, related_name="agreements"
    )
    #: How the consent was given; empty for consents recorded before this was asked.
    given_how = models.CharField(max_length=12, choices=How.choices, blank=True, default="", db_default="")
    #: A scan of a consent on paper: checked like a message attachment, stored encrypted.
    scan = models.FileField(upload_to=consent_scan_path, max_length=200, blank=True, default="", db_default="")
    scan_name = EncryptedTextField(_("file name"), blank=True, default="", db_default="")
    scan_content_type = models.CharField(max_length=40, blank=True, default="", db_default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["trajectory", "given_at"]
        indexes = [models.Index(fields=["trajectory", "kind"], name="agreement_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.given_as} for trajectory {self.trajectory_id}"


class ConsentException(models.Model):
    """Care without the parents' consent (Jeugdwet art. 7.3.4 lid 4), for a young person of 12 to
    15: recorded by the coach with the ground and the reason, counting only once the team lead of
    the client's team approved it (``access.policy.can_decide_consent_exception``)."""

    class Ground(models.TextChoices):
        SERIOUS_HARM = "serious_harm", _("care is clearly needed to prevent serious harm to the young person")
        PERSISTENT_WISH = "persistent_wish", _("the young person keeps wanting care after the parents refused")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the team lead")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="consent_exceptions")
    ground = models.CharField(_("ground"), max_length=20, choices=Ground.choices)
    reason = EncryptedTextField(_("reason"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(_("note of the team lead"), blank=True)

    class Meta:
        ordering = ["trajectory", "recorded_at", "id"]
        indexes = [models.Index(fields=["status", "trajectory"], name="consent_exception_status_idx")]

    def __str__(self) -> str:
        return f"consent exception {self.pk} ({self.status}) for trajectory {self.trajectory_id}"


class Advice(models.TextChoices):
    STOP = "stop", _("stop: goals reached")
    CONTINUE = "continue", _("continue with the next module")
    STEP_UP = "step_up", _("step up: refer to more specialised care")


class Evaluation(models.Model):
    """The module gate: the system's advice, the coach's decision and, if they differ, approval."""

    class Approval(models.TextChoices):
        NOT_NEEDED = "not_needed", _("not needed")
        PENDING = "pending", _("waiting for the team lead")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    module_run = models.OneToOneField(ModuleRun, on_delete=models.CASCADE, related_name="evaluation")
    advice = models.CharField(max_length=10, choices=Advice.choices)
    advice_next_module_code = models.CharField(max_length=40, blank=True)
    advice_rule = models.CharField(max_length=40)
    advice_gas_t = models.FloatField(null=True)
    advice_gbo_mean = models.FloatField(null=True)
    #: Why the advised module: ``{"fitting": [module codes that serve an open goal], "open_goals":
    #: [goal orders], "domains": [domain names]}`` (``gate.GateAdvice``); empty before domains.
    advice_detail = models.JSONField(default=dict, blank=True, db_default={})
    #: Why the young person did not rate (some of) their goals before this evaluation ("niet
    #: ingevuld, omdat …"), given by the coach, who never enters the ratings themself.
    gbo_not_rated_reason = EncryptedTextField(blank=True, default="", db_default="")
    decision = models.CharField(max_length=10, choices=Advice.choices, blank=True)
    decision_next_module_code = models.CharField(max_length=40, blank=True)
    decision_reason = EncryptedTextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    deviates = models.BooleanField(default=False)
    approval = models.CharField(max_length=12, choices=Approval.choices, default=Approval.NOT_NEEDED)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = EncryptedTextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["approval"], name="evaluation_approval_idx")]

    def __str__(self) -> str:
        return f"evaluation of module run {self.module_run_id}"


class FollowUp(models.Model):
    """Contact 6 and 12 months after closure: did the young person need care again (herhaald beroep)?"""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        DUE = "due", _("due")
        DONE = "done", _("done")

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="follow_ups")
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    needed_care_again = models.BooleanField(null=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["trajectory", "months"]
        constraints = [models.UniqueConstraint(fields=["trajectory", "months"], name="follow_up_unique_moment")]

    def __str__(self) -> str:
        return f"follow-up {self.months} months of trajectory {self.trajectory_id}"
