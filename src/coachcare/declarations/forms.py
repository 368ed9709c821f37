"""The form of the production statement download: only the shape of the input; who may and which
municipalities are checked by ``selectors.production_statement_for_actor``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.municipalities.models import Municipality


class ProductionStatementForm(forms.Form):
    municipality = forms.ChoiceField(label=_("Municipality"))
    year = forms.IntegerField(label=_("Year"), min_value=2015, max_value=9999)
    format = forms.ChoiceField(
        label=_("File"),
        choices=[("pdf", _("PDF, to sign")), ("csv", _("CSV, for a spreadsheet"))],
        initial="pdf",
    )

    def __init__(self, *args: object, municipalities: list[Municipality], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["municipality"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(item.code, f"{item.name} ({item.code})") for item in municipalities]
