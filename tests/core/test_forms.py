"""``service_errors_to_form``: one way to put a service's ValidationError on a form; ``form_submit``:
the view's "post a form, call the service, on a refusal show the form again"."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django import forms
from django.core.exceptions import ValidationError

from coachcare.core.forms import form_submit, service_errors_to_form


class _Form(forms.Form):
    name = forms.CharField()
    end_time = forms.TimeField()


def _bound() -> _Form:
    form = _Form(data={"name": "x", "end_time": "10:00"})
    assert form.is_valid()
    return form


def test_field_errors_land_on_their_field_and_unknown_fields_at_the_top() -> None:
    form = _bound()
    service_errors_to_form(form, ValidationError({"name": ["Too short."], "bsn": ["Not a BSN."]}))
    assert form.errors["name"] == ["Too short."]
    assert form.non_field_errors() == ["Not a BSN."]


def test_rename_maps_a_service_field_onto_a_form_field() -> None:
    form = _bound()
    service_errors_to_form(form, ValidationError({"ends_at": ["Before the start."]}), rename={"ends_at": "end_time"})
    assert form.errors["end_time"] == ["Before the start."]
    assert not form.non_field_errors()


def test_an_error_without_fields_goes_to_the_top() -> None:
    form = _bound()
    service_errors_to_form(form, ValidationError(["One.", "Two."]))
    assert form.non_field_errors() == ["One.", "Two."]


class _AmountForm(forms.Form):
    amount = forms.IntegerField()


def test_form_submit_gives_the_result_of_a_valid_form() -> None:
    form = _AmountForm({"amount": "3"})
    done = form_submit(form, lambda: form.cleaned_data["amount"] * 2)
    assert done is not None and done.result == 6


def test_form_submit_does_not_call_the_service_for_an_invalid_form() -> None:
    called: list[bool] = []
    assert form_submit(_AmountForm({"amount": "x"}), lambda: called.append(True)) is None
    assert called == []


def test_form_submit_puts_a_refusal_on_the_form_and_runs_within() -> None:
    entered: list[str] = []

    @contextmanager
    def around() -> Iterator[None]:
        entered.append("in")
        yield

    def refuse() -> None:
        raise ValidationError({"amount_cents": "Too much."})

    form = _AmountForm({"amount": "3"})
    assert form_submit(form, refuse, within=around(), rename={"amount_cents": "amount"}) is None
    assert entered == ["in"] and form.errors == {"amount": ["Too much."]}


def test_form_submit_lets_other_exceptions_leave() -> None:
    def fail() -> None:
        raise LookupError("not a refusal on the form")

    with pytest.raises(LookupError):
        form_submit(_AmountForm({"amount": "3"}), fail)
