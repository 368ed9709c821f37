"""The referral form: it collects client and trajectory fields, so it lives above both apps."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.clients.models import EarlierCareKind
from coachcare.core.forms import email_field, mobile_field
from coachcare.municipalities.models import Municipality
from coachcare.trajectories.models import ReferralRoute, ReferrerKind


class ReferralForm(forms.Form):
    """Registering a young person (aanmelding). The rules live in clients.services.client_refer."""

    bsn = forms.CharField(
        label=_("BSN"), max_length=11, widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"})
    )
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=150)
    birth_date = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    municipality = forms.ModelChoiceField(
        label=_("Municipality of residence"), queryset=Municipality.objects.filter(is_active=True)
    )
    referrer_kind = forms.ChoiceField(label=_("Referred by"), choices=[("", ""), *ReferrerKind.choices])
    referral_route = forms.ChoiceField(
        label=_("Route through the municipality (optional)"),
        choices=[("", ""), *ReferralRoute.choices],
        required=False,
        help_text=_(
            "School, the neighbourhood team or the family themselves are no legal referrers: choose "
            '"municipality" above and the route here.'
        ),
    )
    referrer_name = forms.CharField(
        label=_("Name of the referrer (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example the name of the general practitioner or the school."),
    )
    email = email_field(label=_("E-mail address of the young person (optional)"))
    mobile = mobile_field(label=_("Mobile number of the young person (optional)"))
    earlier_care_kind = forms.ChoiceField(
        label=_("Youth care before 18 (from 18 required)"),
        choices=[("", ""), *EarlierCareKind.choices],
        required=False,
        help_text=_(
            "From 18, youth care is only possible as verlengde jeugdhulp: care that started or was decided "
            "before the 18th birthday. Leave empty for a young person under 18."
        ),
    )
    earlier_care_on = forms.DateField(
        label=_("Started or decided on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    earlier_care_ended_on = forms.DateField(
        label=_("Ended on (optional)"),
        required=False,
        help_text=_("Empty when that care still runs. Ended care can resume within half a year."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    earlier_care_source = forms.CharField(
        label=_("Source of the youth care before 18 (optional)"),
        max_length=300,
        required=False,
        help_text=_("For example: decision of the municipality of 12-03-2024, or the earlier provider."),
    )


class MoveForm(forms.Form):
    """A move to another municipality (woonplaatsbeginsel). The rules live in
    ``trajectories.services.client_move``."""

    municipality = forms.ModelChoiceField(
        label=_("New municipality of residence"), queryset=Municipality.objects.filter(is_active=True)
    )
    on = forms.DateField(
        label=_("Lives there from"),
        help_text=_("The first day in the new municipality, as registered in the BRP."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, current: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Municipality.objects.filter(is_active=True).exclude(pk=current.pk)
