"""``service_errors_to_form``: one way to put a service's ValidationError on a form."""

from django import forms
from django.core.exceptions import ValidationError

from coachcare.core.forms import service_errors_to_form


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
