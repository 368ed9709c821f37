"""The referral form: it collects client and trajectory fields, so it lives above both apps."""

from django import forms
from django.utils.translation import gettext_lazy as _

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
