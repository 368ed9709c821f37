from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.messaging.services import MAX_BODY_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_BODY_LENGTH,
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        help_text=_("A PDF, PNG or JPEG file of at most 5 MB."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )
