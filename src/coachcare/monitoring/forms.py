import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.monitoring import indicators as ind
from coachcare.monitoring.models import ReviewAction


class FilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    module = forms.ChoiceField(label=_("Module"), required=False)
    age_band = forms.ChoiceField(
        label=_("Age at referral"),
        required=False,
        choices=[("", _("All ages")), *((code, label) for code, (label, _lo, _hi) in ind.AGE_BANDS.items())],
    )

    def __init__(self, *args: object, modules: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["module"].choices = [("", _("All modules")), *modules]  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"filter-{name}")

    def period(self, on: datetime.date) -> tuple[datetime.date, datetime.date]:
        """Default: the last four quarters, the current one included."""
        data = self.cleaned_data if self.is_valid() else {}
        default_from, _today = ind.default_period(on)
        date_to = data.get("date_to") or on
        date_from = data.get("date_from") or default_from
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        return date_from, date_to


class AnnotationForm(forms.Form):
    indicator_code = forms.ChoiceField(label=_("Figure"), choices=[(i.code, i.name) for i in ind.INDICATORS])
    period_from = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label=_("Period until"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label=_("The story behind the number"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Administrative or aggregate commentary only; never anything about an individual young person."),
    )
    shared_with = forms.TypedChoiceField(
        label=_("Shared with the municipality"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "The municipality's staff read a shared comment beside the figure, with your name and organisation. "
            "Write no client details in it: no names, ages, dates or events of a young person or family."
        ),
    )

    def __init__(self, *args: object, share_choices: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # the names translated once per language (``by_code_translated``): the same options
        self.fields["indicator_code"].choices = [(code, i.name) for code, i in ind.by_code_translated().items()]  # type: ignore[attr-defined]
        if share_choices:
            self.fields["shared_with"].choices = [("", _("Not shared")), *share_choices]  # type: ignore[attr-defined]
        else:
            del self.fields["shared_with"]


class ReferenceCostForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Reference cost per successful trajectory (euro)"), min_value=1, decimal_places=2, max_digits=12
    )
    description = forms.CharField(label=_("Source of the reference"), max_length=300, required=False)


#: Agreed actions on the review form (blank rows are ignored; more can follow in the next review).
REVIEW_ACTION_ROWS = 3


class QuarterlyReviewForm(forms.Form):
    counterpart = forms.TypedChoiceField(label=_("With"), coerce=int)
    held_on = forms.DateField(label=_("Date of the review"), widget=forms.DateInput(attrs={"type": "date"}))
    participants = forms.CharField(
        label=_("Participants"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Names and roles of those present."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("About the figures and the work only: write no client details."),
    )

    def __init__(self, *args: object, counterparts: list[tuple[int, str]], counterpart_label: str, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["counterpart"].choices = [("", ""), *counterparts]  # type: ignore[attr-defined]
        self.fields["counterpart"].label = counterpart_label
        for n in range(1, REVIEW_ACTION_ROWS + 1):
            self.fields[f"action_{n}"] = forms.CharField(
                label=_("Agreed action %(n)s") % {"n": n}, max_length=500, required=False
            )
            self.fields[f"owner_{n}"] = forms.CharField(
                label=_("Owner of action %(n)s") % {"n": n}, max_length=200, required=False
            )
            self.fields[f"due_{n}"] = forms.DateField(
                label=_("Due date of action %(n)s") % {"n": n},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def action_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"action_{n}"], self[f"owner_{n}"], self[f"due_{n}"]) for n in range(1, REVIEW_ACTION_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, REVIEW_ACTION_ROWS + 1):
            filled = [data.get(f"action_{n}"), data.get(f"owner_{n}"), data.get(f"due_{n}")]
            if any(filled) and not all(filled):
                self.add_error(f"action_{n}", _("Give the action, its owner and its due date."))
        return data


class ActionFollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReviewAction.Status.choices)
    follow_up = forms.CharField(
        label=_("Follow-up"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PilotForm(forms.Form):
    """The definition of a pilot (docs/pilots.md); the outcomes come from the indicator set."""

    counterpart = forms.TypedChoiceField(label=_("With"), coerce=int)
    name = forms.CharField(label=_("Name of the pilot"), max_length=200)
    period_from = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label=_("Period until"), widget=forms.DateInput(attrs={"type": "date"}))
    target_group = forms.CharField(label=_("Target group"), max_length=500)
    age_min = forms.IntegerField(label=_("Minimum age at referral"), min_value=0, max_value=30, required=False)
    age_max = forms.IntegerField(label=_("Maximum age at referral"), min_value=0, max_value=30, required=False)
    planned_young_people = forms.IntegerField(label=_("Planned number of young people"), min_value=1)
    primary_outcomes = forms.MultipleChoiceField(label=_("Primary outcomes"), widget=forms.CheckboxSelectMultiple)
    secondary_outcomes = forms.MultipleChoiceField(
        label=_("Secondary outcomes"), widget=forms.CheckboxSelectMultiple, required=False
    )
    planned_effect = forms.DecimalField(
        label=_("Planned effect on the first primary outcome"),
        required=False,
        max_digits=9,
        decimal_places=2,
        help_text=_(
            "Pilot minus usual care: percentage points for a share (−10 is ten points lower), "
            "days for a duration, euros for a cost."
        ),
    )
    reference_cost = forms.DecimalField(
        label=_("Reference cost per successful trajectory (euro)"),
        required=False,
        min_value=1,
        max_digits=12,
        decimal_places=2,
    )

    def __init__(
        self, *args: object, counterparts: list[tuple[int, str]], counterpart_label: str, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["counterpart"].choices = [("", ""), *counterparts]  # type: ignore[attr-defined]
        self.fields["counterpart"].label = counterpart_label
        outcomes = [(i.code, i.name) for i in ind.INDICATORS if i.unit in PILOT_UNITS]
        self.fields["primary_outcomes"].choices = outcomes  # type: ignore[attr-defined]
        self.fields["secondary_outcomes"].choices = outcomes  # type: ignore[attr-defined]

    def definition(self) -> dict[str, Any]:
        """The cleaned data as the fields of ``Pilot`` (planned effect per its unit, money in cents)."""
        data = self.cleaned_data
        primary = list(data["primary_outcomes"])
        effects: dict[str, float] = {}
        if data.get("planned_effect") is not None and primary:
            unit = ind.BY_CODE[primary[0]].unit
            effect = float(data["planned_effect"])
            effects[primary[0]] = (
                effect / 100 if unit == ind.Unit.RATE else effect * 100 if unit == ind.Unit.CENTS else effect
            )
        cost = data.get("reference_cost")
        return {
            "name": data["name"],
            "period_from": data["period_from"],
            "period_to": data["period_to"],
            "target_group": data["target_group"],
            "age_min": data.get("age_min"),
            "age_max": data.get("age_max"),
            "planned_young_people": data["planned_young_people"],
            "primary_outcomes": primary,
            "secondary_outcomes": list(data.get("secondary_outcomes") or []),
            "planned_effects": effects,
            "reference_cost_cents": int(cost * 100) if cost is not None else None,
        }


#: The units of the outcomes a pilot is judged on (``monitoring.services.pilots.PILOT_OUTCOME_UNITS``).
PILOT_UNITS = frozenset({ind.Unit.RATE, ind.Unit.MEAN, ind.Unit.DAYS, ind.Unit.CENTS})


class ComparisonUploadForm(forms.Form):
    """The usual-care comparison group of a pilot as a CSV file (columns in docs/pilots.md)."""

    file = forms.FileField(
        label=_("CSV file with the comparison group"),
        help_text=_(
            "Columns start,end,end_reason,product_category,cost; dates as YYYY-MM-DD, cost in euros "
            "(for example 1234.50). At most 5 MB. A correct file replaces the previous comparison group."
        ),
    )
