"""includes/field.html: the label points at the control, also when a form gives its widget an own id."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string


class FilterForm(forms.Form):
    who = forms.ChoiceField(label="Who", required=True, choices=[("", "Everyone"), ("a", "A")])
    since = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date", "id": "log-since"}))
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"id": "log-note"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["who"].widget.attrs["id"] = "log-who"


def render(form: forms.Form, name: str) -> str:
    return render_to_string("includes/field.html", {"field": form[name]})


@pytest.mark.parametrize(("name", "tag"), [("who", "select"), ("since", "input"), ("note", "textarea")])
def test_a_widget_with_its_own_id_is_the_control_the_label_points_to(name: str, tag: str) -> None:
    html = render(FilterForm(), name)

    label_for = re.search(r'<label [^>]*for="([^"]+)"', html)
    control = re.search(rf"<{tag} [^>]*>", html)
    assert label_for and control
    assert label_for.group(1) == f"log-{name}"
    assert re.findall(r'\bid="([^"]+)"', control.group(0)) == [f"log-{name}"]  # one id, the label's


def test_a_field_without_its_own_id_keeps_the_django_id() -> None:
    class Plain(forms.Form):
        name = forms.CharField(label="Name")

    html = render(Plain(), "name")

    assert 'for="id_name"' in html and re.findall(r'\bid="([^"]+)"', html) == ["id_name"]


def test_the_error_summary_links_to_the_control() -> None:
    form = FilterForm(data={"who": "", "since": "", "note": ""})
    assert not form.is_valid()

    summary = render_to_string("includes/error_summary.html", {"form": form})

    assert {"#log-who", "#log-since", "#log-note"} <= set(re.findall(r'href="([^"]+)"', summary))
