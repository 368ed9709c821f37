"""Form helpers shared by every app's views."""

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


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
