"""Form helpers shared by every app's views."""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # typing only: django-stubs is a dev requirement


def service_errors_to_form(
    form: forms.BaseForm, error: ValidationError, *, rename: Mapping[str, str] | None = None
) -> None:
    """Put a service's ``ValidationError`` on ``form``: each message on its field when the form has
    that field (after ``rename``: service field name → form field name), else at the top of the form.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, field_errors in error.message_dict.items():
        name = (rename or {}).get(field, field)
        form.add_error(name if name in form.fields else None, field_errors)


def email_field(*, label: "StrOrPromise") -> forms.CharField:
    """An optional e-mail address (the young person's, a family member's): the shape only; the
    address is checked by the service (``clients.services``)."""
    return forms.CharField(
        label=label,
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off", "inputmode": "email"}),
    )


def mobile_field(*, label: "StrOrPromise") -> forms.CharField:
    """An optional mobile number: the shape only; the number is checked by the service."""
    return forms.CharField(
        label=label,
        max_length=30,
        required=False,
        help_text=_("For example 06 12345678, or with the country code: +32 470 12 34 56."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
