"""includes/field.html: the label points at the control, also when a form gives its widget an own id."""

import re
from pathlib import Path

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


TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "coachcare" / "templates"
#: The one template that writes a field's error messages (the summary at the top lists them as links).
FIELD_ERRORS = {"includes/field_errors.html", "includes/error_summary.html"}


def test_a_fields_error_messages_are_written_in_one_template() -> None:
    """The per-field error ``<div>`` lives in ``includes/field_errors.html``; every other template
    includes it (issue 15 follow-up, item 4)."""
    writers = sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"{%\s*for error in field\.errors\s*%}", path.read_text(encoding="utf-8"))
    )
    assert [name for name in writers if name not in FIELD_ERRORS] == []


def test_the_jinja_pages_write_error_messages_in_one_macro() -> None:
    """The Jinja pages' one writer is the macro ``field_errors`` of ``jinja2/includes/field.html``
    (the same HTML as the Django include, ``tests/core/test_field_jinja.py``)."""
    jinja = TEMPLATES.parent / "jinja2"
    writers = sorted(
        str(path.relative_to(jinja))
        for path in jinja.rglob("*.html")
        if re.search(r"{%-?\s*for error in \w+\.errors\s*-?%}", path.read_text(encoding="utf-8"))
    )
    assert writers == ["includes/field.html"]


class Choices(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Kinds", choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )
    name = forms.CharField(label="Name")


@pytest.mark.parametrize(
    ("template", "name", "element_class"),
    [
        ("includes/field.html", "name", True),
        ("includes/checkboxes.html", "kinds", False),
    ],
)
def test_the_error_message_is_the_one_the_control_is_described_by(
    template: str, name: str, element_class: bool
) -> None:
    form = Choices(data={})
    html = render_to_string(template, {"field": form[name]})
    errors = re.findall(r'<div class="([^"]*)" id="id_' + name + r'_error">', html)
    assert len(errors) == 1
    assert ("utrecht-form-field__error-message" in errors[0]) is element_class
    assert f"id_{name}_error" in re.search(r'aria-describedby="([^"]+)"', html).group(1)  # type: ignore[union-attr]
