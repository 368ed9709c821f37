"""The form of the change request (JW317) page: the rules live in ``services.ijw_change_request_ask``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.contracts.services import CHANGE_REASON_MAX_LENGTH


class ChangeRequestForm(forms.Form):
    toewijzing_nummer = forms.CharField(
        label=_("Allocation number"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    volume = forms.IntegerField(label=_("New volume (optional)"), min_value=1, required=False)
    end_date = forms.DateField(
        label=_("New end date (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=CHANGE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Administrative only, never clinical content. The reason is not sent to the municipality."),
    )
