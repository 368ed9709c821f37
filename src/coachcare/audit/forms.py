"""The filter of "who opened my file": one role or one person, and a period."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.accounts.models import Role
from coachcare.audit.selectors import AccessLogFilter, AccessLogPerson


class AccessLogFilterForm(forms.Form):
    """``who``: ``role:<role>`` or ``person:<username>`` of someone in this file's log."""

    who = forms.ChoiceField(label=_("Who"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, people: list[AccessLogPerson], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        labels = dict(Role.choices)
        roles = sorted({person.role for person in people}, key=lambda role: str(labels.get(role, role)))
        self.fields["who"].choices = [  # type: ignore[attr-defined]
            ("", _("Everyone")),
            (_("Role"), [(f"role:{role}", labels.get(role, role)) for role in roles]),
            (
                _("Person"),
                [
                    (f"person:{person.username}", f"{person.name} ({labels.get(person.role, person.role)})")
                    for person in people
                ],
            ),
        ]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"log-{name}")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if isinstance(date_from, datetime.date) and isinstance(date_to, datetime.date) and date_to < date_from:
            self.add_error("date_to", _("The end of the period cannot be before its start."))
        return data

    def chosen(self) -> AccessLogFilter:
        """The filter of valid input; nothing narrowed while the form has errors."""
        if not self.is_bound or not self.is_valid():
            return AccessLogFilter()
        kind, _sep, value = str(self.cleaned_data.get("who") or "").partition(":")
        return AccessLogFilter(
            role=value if kind == "role" else "",
            username=value if kind == "person" else "",
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
        )
