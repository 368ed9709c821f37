"""Form helpers shared by every app's views."""

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Submitted[T]:
    """A form that ``form_submit`` carried through its service: ``result`` is what the service returned."""

    result: T


def form_submit[T](
    form: forms.BaseForm,
    call: Callable[[], T],
    *,
    within: AbstractContextManager[object] | None = None,
    rename: Mapping[str, str] | None = None,
) -> Submitted[T] | None:
    """A view's "post a form, call the service, on a refusal show the form again": when ``form`` is
    valid, run ``call`` (the service, reading ``form.cleaned_data``) inside ``within`` (for example
    ``policy.refusing(message)``) and give its result as ``Submitted``; ``None`` when the form is
    invalid or the service raised ``ValidationError`` (put on the form by ``service_errors_to_form``
    with ``rename``). Any other exception (a refusal) leaves as it came."""
    if not form.is_valid():
        return None
    try:
        with within if within is not None else nullcontext():
            return Submitted(call())
    except ValidationError as error:
        service_errors_to_form(form, error, rename=rename)
        return None


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
