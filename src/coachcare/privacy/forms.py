from django import forms
from django.utils.translation import gettext_lazy as _


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for refusing"),
        help_text=_("The legal provision, or the substantial interest of another person, that stands in the way."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
