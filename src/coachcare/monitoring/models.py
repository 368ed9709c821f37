"""Monitoring: the outcome summary, the story behind the numbers, forecast alerts and the
municipality's reference cost.

Nothing here holds personal text: the outcome summary holds numbers, dates and codes per closed
trajectory (no BSN, no names, no birth date, no free text), annotations are administrative or
aggregate commentary (plain text, escaped on output), alerts name a municipality and a month,
reference costs are money.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Annotation(models.Model):
    """Commentary on one indicator over one period, by municipality or provider staff."""

    municipality = models.ForeignKey(
        "municipalities.Municipality",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("municipality"),
    )
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("provider"),
    )
    indicator_code = models.CharField(_("indicator"), max_length=40)
    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period until"))
    text = models.TextField(
        _("comment"),
        max_length=2000,
        help_text=_("Administrative or aggregate commentary only: never anything about an individual young person."),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    #: A provider's annotation "gedeeld met de gemeente": shown on that municipality's dashboard and
    #: report too, with who wrote it (docs/indicators.md, "The story behind the numbers").
    shared_with = models.ForeignKey(
        "municipalities.Municipality",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("shared with the municipality"),
    )

    class Meta:
        ordering = ["indicator_code", "-period_to", "-created_at"]
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        indexes = [
            models.Index(fields=["municipality", "period_to"], name="annotation_municipality_idx"),
            models.Index(fields=["provider", "period_to"], name="annotation_provider_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_to__gte=models.F("period_from")), name="annotation_period_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(municipality__isnull=False) | models.Q(provider__isnull=False),
                name="annotation_has_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(shared_with__isnull=True) | models.Q(provider__isnull=False),
                name="annotation_shared_by_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.period_from}–{self.period_to}"


class ForecastAlert(models.Model):
    """Spending deviated from the forecast in one month: at most one per municipality and month."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="forecast_alerts"
    )
    month = models.DateField(help_text="First day of the month.")
    expected_cents = models.BigIntegerField()
    actual_cents = models.BigIntegerField()
    deviation = models.FloatField(help_text="(actual - expected) / expected")
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month"], name="forecast_alert_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"forecast alert {self.municipality_id} {self.month:%Y-%m}"


class ForecastFigure(models.Model):
    """One month of a municipality's forecast against actual, as the scheduled check computed it.

    ``manage.py forecast_check`` (nightly) replaces a municipality's rows; the dashboard reads them
    (one small query) instead of computing the forecast from every allocation and module run of the
    municipality on each request. Money and months only.
    """

    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First day of the month.")
    expected_cents = models.BigIntegerField()
    actual_cents = models.BigIntegerField()
    complete = models.BooleanField(help_text="The month was over when it was computed.")
    completion_rate = models.FloatField()
    computed_on = models.DateField()

    class Meta:
        ordering = ["municipality", "month"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month"], name="forecast_figure_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"forecast {self.municipality_id} {self.month:%Y-%m}"


class ReferenceCost(models.Model):
    """What a successful trajectory costs elsewhere (the municipality's own benchmark, in cents)."""

    municipality = models.OneToOneField(
        "municipalities.Municipality",
        on_delete=models.CASCADE,
        related_name="reference_cost",
        verbose_name=_("municipality"),
    )
    amount_cents = models.PositiveBigIntegerField(_("reference cost per successful trajectory (cents)"))
    description = models.CharField(
        _("source of the reference"), max_length=300, blank=True, help_text=_("For example: regular youth care, 2025.")
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reference cost")
        verbose_name_plural = _("reference costs")

    def __str__(self) -> str:
        return f"reference cost {self.municipality_id}"


class TrajectoryScope(models.Model):
    """The key columns a derived per-trajectory row (``TrajectoryOutcome``, ``TrajectoryWaiting``)
    copies from its client and trajectory: the scopes a dashboard filters on, the age on the
    referral date and the referral date. Abstract: each table has these columns of its own.

    No database constraints on the relations: the rows are derived (a rebuild writes 500,000 of
    them and would otherwise run four key checks per row at commit). A row goes with its
    trajectory through the ORM's cascade; the scopes are copied from the client, whose own
    foreign keys protect them."""

    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    team = models.ForeignKey(
        "providers.Team", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    age_at_referral = models.SmallIntegerField(help_text="Age in whole years on the referral date.")
    referred_on = models.DateField()

    class Meta:
        abstract = True


class TrajectoryOutcome(TrajectoryScope):
    """One closed trajectory as the outcome indicators need it (docs/indicators.md).

    A denormalised copy, so that a dashboard aggregates one narrow table instead of running
    subqueries per trajectory. Written only by ``monitoring.services.trajectory_outcomes_refresh``
    (called in the same transaction by the services that change an input: closure, a follow-up
    answer, a declaration submitted or answered, destruction of a file) and
    ``trajectory_outcomes_rebuild``. Numbers, dates and codes only: no BSN, no names, no birth
    date (only the age on the referral date), no free text.
    """

    # No database constraint on the trajectory either (see ``TrajectoryScope``).
    trajectory = models.OneToOneField(
        "trajectories.Trajectory",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="outcome",
        db_constraint=False,
    )
    closed_on = models.DateField()
    duration_days = models.IntegerField(help_text="Days from the referral date to the closing date.")
    end_reason = models.CharField(max_length=2, blank=True)
    satisfaction_score = models.FloatField(null=True)
    # The outcome answers at closure per CBS type informant (``Trajectory.useful_youth`` and so on):
    # only answers the informant gave themself.
    useful_youth = models.FloatField(null=True, help_text="The young person's 'nut' answer at closure (1 to 5).")
    useful_parent = models.FloatField(null=True, help_text="A parent's 'nut' answer at closure (1 to 5).")
    without_help_youth = models.BooleanField(null=True, help_text="3.1 at closure according to the young person.")
    without_help_parent = models.BooleanField(null=True, help_text="3.1 at closure according to a parent.")
    without_help_professional = models.BooleanField(null=True, help_text="3.1 at closure according to the coach.")
    final_gas_t = models.FloatField(null=True)
    final_gbo_mean = models.FloatField(null=True)
    intake_gbo_mean = models.FloatField(null=True, help_text="Mean GBO of the goals scored at intake.")
    has_intake = models.BooleanField(help_text="At least one goal was scored at intake.")
    n_modules = models.IntegerField(help_text="Module runs started.")
    module_codes = models.TextField(
        blank=True, help_text="Catalogue codes of the modules followed, each between '|' (the module filter)."
    )
    cost_cents = models.BigIntegerField(help_text="Declared amount per module run, else its contract tariff.")
    fu6 = models.BooleanField(null=True, help_text="6-month follow-up: needed care again (empty: not recorded).")
    fu12 = models.BooleanField(null=True, help_text="12-month follow-up: needed care again (empty: not recorded).")
    fu6_open_due = models.DateField(null=True, help_text="Due date of the 6-month follow-up while unanswered.")
    fu12_open_due = models.DateField(null=True, help_text="Due date of the 12-month follow-up while unanswered.")

    class Meta:
        verbose_name = _("trajectory outcome")
        verbose_name_plural = _("trajectory outcomes")
        indexes = [
            models.Index(fields=["municipality", "closed_on"], name="outcome_municipality_idx"),
            models.Index(fields=["provider", "closed_on"], name="outcome_provider_idx"),
            models.Index(fields=["team", "closed_on"], name="outcome_team_idx"),
        ]

    def __str__(self) -> str:
        return f"outcome of trajectory {self.trajectory_id}"


class TrajectoryWaiting(TrajectoryScope):
    """One trajectory (running or closed) as the waiting-time figures need it (docs/indicators.md,
    "Waiting times"): referral, first contact and first module start.

    Like ``TrajectoryOutcome`` a derived copy, so the waiting times of a municipality read one narrow
    table by an index instead of finding every referral's first appointment and first module.
    Written only by ``monitoring.services.trajectory_outcomes_refresh`` (called in the same
    transaction by the services that change an input: the referral, a module start, an
    appointment planned, moved or cancelled, a move or a municipal merger, destruction of a file)
    and the rebuilds. Dates, day counts, codes and an age only.
    """

    # No database constraints on the relations (derived rows, see ``TrajectoryOutcome``).
    trajectory = models.OneToOneField(
        "trajectories.Trajectory",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="waiting",
        db_constraint=False,
    )
    first_contact_at = models.DateTimeField(
        null=True,
        help_text="Start of the first appointment that was not cancelled (it counts once it has started).",
    )
    contact_days = models.IntegerField(
        null=True, help_text="Working days from the referral date to the local date of the first appointment."
    )
    first_module_on = models.DateField(null=True, help_text="Start of the first module run.")
    module_days = models.IntegerField(null=True, help_text="Working days from the referral date to the first module.")
    module_codes = models.TextField(
        blank=True, help_text="Catalogue codes of the modules started, each between '|' (the module filter)."
    )

    class Meta:
        verbose_name = _("trajectory waiting time")
        verbose_name_plural = _("trajectory waiting times")
        indexes = [
            models.Index(fields=["municipality", "referred_on"], name="waiting_municipality_idx"),
            models.Index(fields=["provider", "referred_on"], name="waiting_provider_idx"),
            models.Index(fields=["team", "referred_on"], name="waiting_team_idx"),
        ]

    def __str__(self) -> str:
        return f"waiting times of trajectory {self.trajectory_id}"


class GateDecision(models.Model):
    """One module gate decision as the gate statistics need it (docs/indicators.md).

    Like ``TrajectoryOutcome`` a derived copy, so the gate statistics of a municipality read one
    narrow table by an index instead of joining evaluation, module run, trajectory and client. Kept
    current by the same services (``trajectory_outcomes_refresh`` on a gate decision, a new
    evaluation of the module, destruction; ``trajectory_outcomes_rebuild``). Codes, dates and an age
    only.
    """

    # Goes with its evaluation through the ORM's cascade (and so with its module run and trajectory).
    evaluation = models.OneToOneField(
        "trajectories.Evaluation", primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    team = models.ForeignKey(
        "providers.Team", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    module_code = models.CharField(max_length=40)
    age_at_referral = models.SmallIntegerField(help_text="Age in whole years on the trajectory's referral date.")
    decided_on = models.DateField(help_text="Local date of the decision.")
    advice = models.CharField(max_length=10)
    deviated = models.BooleanField(help_text="The decision differs from the advice (or was flagged as deviating).")

    class Meta:
        verbose_name = _("gate decision")
        verbose_name_plural = _("gate decisions")
        indexes = [
            models.Index(fields=["municipality", "decided_on"], name="gate_decision_municipality_idx"),
            models.Index(fields=["provider", "decided_on"], name="gate_decision_provider_idx"),
            models.Index(fields=["team", "decided_on"], name="gate_decision_team_idx"),
        ]

    def __str__(self) -> str:
        return f"gate decision of evaluation {self.evaluation_id}"


class Pilot(models.Model):
    """A pilot agreed between a municipality (or a jeugdregio) and a provider, compared with usual
    care (docs/pilots.md).

    Exactly one of ``municipality`` and ``region`` owns it. A region's pilot is signed for the
    region by the policy staff of its lead municipality, and its population is the trajectories of
    the region's member municipalities during their membership. Both sides confirm the same
    definition (its SHA-256); at the start the canonical JSON of the definition is stored with that
    hash, and nothing of the definition changes after that.
    """

    municipality = models.ForeignKey(
        "municipalities.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
    )
    region = models.ForeignKey(
        "municipalities.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("youth care region"),
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=200)
    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period until"))
    target_group = models.CharField(_("target group"), max_length=500)
    age_min = models.PositiveSmallIntegerField(_("minimum age at referral"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age at referral"), null=True, blank=True)
    planned_young_people = models.PositiveIntegerField(_("planned number of young people"))
    primary_outcomes = models.JSONField(_("primary outcomes"), default=list)
    secondary_outcomes = models.JSONField(_("secondary outcomes"), default=list, blank=True)
    #: indicator code → the planned difference (pilot minus comparison): a proportion for rates
    #: (−0.10 is ten percentage points lower), days or cents for means.
    planned_effects = models.JSONField(_("planned effects"), default=dict, blank=True)
    reference_cost_cents = models.PositiveBigIntegerField(
        _("reference cost per successful trajectory (cents)"), null=True, blank=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    municipality_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    municipality_confirmed_sha256 = models.CharField(max_length=64, blank=True)
    provider_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider_confirmed_sha256 = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    definition_json = models.TextField(blank=True, help_text="The canonical JSON of the definition at the start.")
    definition_sha256 = models.CharField(max_length=64, blank=True)
    comparison_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the imported file.")
    comparison_imported_at = models.DateTimeField(null=True, blank=True)
    #: The comparison is either the imported group above or a set of national reference figures
    #: (``pilot_reference_choose``); choosing one clears the other.
    reference_set = models.ForeignKey(
        "ReferenceFigureSet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("national reference figures"),
    )

    class Meta:
        ordering = ["-period_from", "name"]
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_to__gte=models.F("period_from")), name="pilot_period_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(municipality__isnull=False, region__isnull=True)
                | models.Q(municipality__isnull=True, region__isnull=False),
                name="pilot_municipality_xor_region",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ComparisonTrajectory(models.Model):
    """One pseudonymised trajectory of usual care (another provider), imported for a pilot."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="comparison_trajectories")
    line = models.PositiveIntegerField(help_text="Line in the imported file.")
    started_on = models.DateField()
    ended_on = models.DateField()
    end_reason = models.CharField(max_length=2, help_text="iJw JZ588")
    product_category = models.CharField(max_length=2)
    cost_cents = models.BigIntegerField()

    class Meta:
        ordering = ["pilot", "line"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "line"], name="comparison_trajectory_line_unique"),
        ]

    def __str__(self) -> str:
        return f"comparison {self.pilot_id}:{self.line}"


class ReferenceFigureSet(models.Model):
    """National reference figures from one published source and year (``load_reference_figures``,
    docs/pilots.md "National reference figures"). One set per publisher, title and year."""

    publisher = models.CharField(_("publisher"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("address"), max_length=500)
    year = models.PositiveSmallIntegerField(_("year"))
    #: An example file (docs/examples/): never real figures; the report says so in capitals.
    example = models.BooleanField(_("example"), default=False)
    file_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the loaded file.")
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-year", "publisher", "title"]
        verbose_name = _("set of national reference figures")
        verbose_name_plural = _("sets of national reference figures")
        constraints = [
            models.UniqueConstraint(fields=["publisher", "title", "year"], name="reference_set_source_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.publisher}, {self.title} ({self.year})"


class ReferenceFigure(models.Model):
    """One national figure of a set, for one indicator of the set in ``indicators.md``."""

    figure_set = models.ForeignKey(ReferenceFigureSet, on_delete=models.CASCADE, related_name="figures")
    indicator_code = models.CharField(max_length=40)
    #: In the indicator's unit: a share as a fraction (0.21), days, or cents.
    value = models.FloatField()
    denominator = models.PositiveIntegerField(null=True, blank=True, help_text="The national number, where known.")

    class Meta:
        ordering = ["figure_set", "indicator_code"]
        constraints = [
            models.UniqueConstraint(fields=["figure_set", "indicator_code"], name="reference_figure_indicator_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.value}"


class QuarterlyReview(models.Model):
    """A kwartaalgesprek between a municipality and a provider about the figures (no client data)."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    held_on = models.DateField(_("date of the review"))
    participants = models.TextField(_("participants"), max_length=1000, help_text=_("Names and roles."))
    summary = models.TextField(_("summary"), max_length=4000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-created_at"]
        verbose_name = _("quarterly review")
        verbose_name_plural = _("quarterly reviews")
        indexes = [models.Index(fields=["municipality", "held_on"], name="review_municipality_idx")]

    def __str__(self) -> str:
        return f"review {self.municipality_id}/{self.provider_id} {self.held_on}"


class ReviewAction(models.Model):
    """An action agreed in a quarterly review, with its owner, due date and follow-up."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    review = models.ForeignKey(QuarterlyReview, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("agreed action"), max_length=500)
    owner = models.CharField(_("owner"), max_length=200, help_text=_("Who carries it out (name, organisation)."))
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    follow_up = models.TextField(_("follow-up"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["review", "due_on", "pk"]
        verbose_name = _("agreed action")
        verbose_name_plural = _("agreed actions")

    def __str__(self) -> str:
        return self.description
