from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.clients.models import GezagRelation
from coachcare.core.forms import email_field, mobile_field


class NoteForm(forms.Form):
    text = forms.CharField(label=_("New note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)


def _yes_no(value: str) -> bool:
    return value == "yes"


class ContactForm(forms.Form):
    """The young person's contact details. Validation lives in clients.services (contact_details)."""

    email = email_field(label=_("E-mail address (optional)"))
    mobile = mobile_field(label=_("Mobile number (optional)"))


class CarerForm(ContactForm):
    """A family member (gezinslid): the rules live in clients.services.carer_add / carer_update."""

    kind = forms.ChoiceField(label=_("Relation to the young person"), choices=[("", ""), *GezagRelation.Kind.choices])
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(
        label=_("Family name"),
        max_length=150,
        required=False,
        help_text=_("Not needed for a gecertificeerde instelling."),
    )
    organisation_name = forms.CharField(
        label=_("Name of the gecertificeerde instelling"),
        max_length=200,
        required=False,
        help_text=_("Only when a gecertificeerde instelling (GI) is the voogd."),
    )
    bsn = forms.CharField(
        label=_("BSN (optional)"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    uses_portal = forms.TypedChoiceField(
        label=_("Will they use the portal?"),
        choices=[
            ("yes", _("Yes: they get an account and consent in the portal")),
            ("no", _("No: they consent in person or on paper")),
        ],
        coerce=_yes_no,
        initial="no",
    )
    field_order = ["kind", "given_name", "family_name", "organisation_name", "email", "mobile", "bsn", "uses_portal"]


class CarerAddForm(CarerForm):
    has_gezag = forms.TypedChoiceField(
        label=_("Parental authority (gezag)"),
        choices=[("yes", _("With gezag")), ("no", _("Without gezag: general information only"))],
        coerce=_yes_no,
    )
    gezag_from = forms.DateField(
        label=_("Gezag from"),
        required=False,
        help_text=_(
            "With gezag: the day it applies from, for example the child's date of birth or the court decision."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    gezag_source = forms.CharField(
        label=_("Source document"),
        max_length=300,
        required=False,
        help_text=_(
            "With gezag: for example the extract from the gezagsregister or the court decision, with its date."
        ),
    )


class GezagChangeForm(forms.Form):
    """A change of gezag: from which day, on which document (clients.services.gezag_change)."""

    has_gezag = forms.TypedChoiceField(
        label=_("Change"),
        choices=[("no", _("Gezag ends")), ("yes", _("Gets gezag"))],
        coerce=_yes_no,
    )
    effective_on = forms.DateField(
        label=_("From"),
        help_text=_("The day the change takes effect; from that day the access rules follow it."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source_document = forms.CharField(
        label=_("Source document"),
        max_length=300,
        help_text=_(
            "For example the court decision (beschikking) or the extract from the gezagsregister, with its date."
        ),
    )
