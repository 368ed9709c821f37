from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from coachcare.accounts.models import User
from coachcare.core.dates import today
from coachcare.safeguarding.models import MeldcodeCase, MeldcodeStep

YES_NO = [("", _("not answered")), ("yes", _("yes")), ("no", _("no"))]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _yes_no_field(name: str) -> forms.TypedChoiceField:
    """An optional yes/no question of the afwegingskader, labelled as ``MeldcodeStep.<name>``."""
    field = MeldcodeStep._meta.get_field(name)
    assert isinstance(field, models.Field)
    return forms.TypedChoiceField(
        label=field.verbose_name,
        choices=YES_NO,
        coerce=_yes_no,
        empty_value=None,
        required=False,
    )


class TeamLeadField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class MeldcodeStepForm(forms.Form):
    """One step of the meldcode. Only the shape of the input; the rules are in the service."""

    step = forms.TypedChoiceField(label=_("Step"), choices=[("", ""), *MeldcodeStep.Step.choices], coerce=int)
    performed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000)
    consulted = forms.ChoiceField(
        label=_("Consulted (step 2)"), choices=[("", ""), *MeldcodeStep.Consulted.choices], required=False
    )
    consulted_name = forms.CharField(label=_("Name of who was consulted"), max_length=200, required=False)
    suspicion = _yes_no_field("suspicion")
    unsafe = _yes_no_field("unsafe")
    can_help = _yes_no_field("can_help")
    help_accepted = _yes_no_field("help_accepted")
    lasting_safety = _yes_no_field("lasting_safety")
    decision = forms.ChoiceField(
        label=_("Decision (step 5)"), choices=[("", ""), *MeldcodeCase.Decision.choices], required=False
    )
    team_lead = TeamLeadField(
        label=_("Team lead involved (step 5)"), queryset=User.objects.none(), required=False
    )  # fmt: skip

    def __init__(self, *args: Any, team_leads: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"performed_on": today()})
        super().__init__(*args, **kwargs)
        field = self.fields["team_lead"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[user.pk for user in team_leads])
