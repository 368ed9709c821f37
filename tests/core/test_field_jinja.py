"""The Jinja form field macro (``jinja2/includes/field.html``) writes the same HTML, byte for byte,
as the Django include ``templates/includes/field.html`` for every widget kind the Jinja pages use:
the label linked to the control, the help text and error ids in ``aria-describedby``, the required
marker, ``aria-invalid`` and the error message the error summary's focus leads to."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from coachcare.coaching.forms import DiaryForm

QUOTED = 'O\'Neil & "Sam" <b>'


class Kinds(forms.Form):
    name = forms.CharField(label="Name of 'the' \"person\"", max_length=20, help_text=QUOTED)
    email = forms.EmailField(label="E-mail", required=False)
    weight = forms.FloatField(label="Weight", initial=1.5, widget=forms.NumberInput(attrs={"step": "0.1"}))
    amount = forms.DecimalField(label="Amount", max_digits=8, decimal_places=2, min_value=0, initial=Decimal("1234.50"))
    count = forms.IntegerField(label="Count", required=False, min_value=0, max_value=30)
    on = forms.DateField(label="On", initial=datetime.date(2026, 12, 6), widget=forms.DateInput(attrs={"type": "date"}))
    since = forms.DateField(label="Since", widget=forms.DateInput(attrs={"type": "date", "id": "own-since"}))
    kind = forms.ChoiceField(label="Kind", choices=[("", ""), ("a", QUOTED), ("b", "B")], initial="b")
    plain = forms.ChoiceField(label="Plain", required=False, choices=[("x", "X"), ("y", "Y")])
    grouped = forms.ChoiceField(
        label="Grouped", choices=[("", ""), ("Group", [("g1", "G 1"), ("g2", "G 2")]), ("z", "Z")], initial="g2"
    )
    typed = forms.TypedChoiceField(label="Typed", choices=[("", ""), ("1", "One"), ("2", "Two")], coerce=int, initial=2)
    multiple = forms.MultipleChoiceField(label="Multiple", choices=[("m", "M"), ("n", "N")], required=False)
    text = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": QUOTED}),
        initial="line 1\nline 2 " + QUOTED,
    )
    note = forms.CharField(label=mark_safe("Note <em>safe</em>"), required=False, widget=forms.Textarea)
    scan = forms.FileField(label="Scan", required=False, help_text="PDF")
    secret = forms.CharField(label="Secret", widget=forms.PasswordInput(render_value=True), initial="x")
    agree = forms.BooleanField(label="Agree", required=False)
    hint = forms.CharField(
        label="Hint",
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "disabled": False, "maxlength": None}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["plain"].widget.attrs["id"] = "own-plain"


BOUND = {
    "name": "x" * 30 + QUOTED,
    "email": "not an e-mail",
    "weight": "abc",
    "amount": "-3",
    "count": "31",
    "on": "2026-13-01",
    "since": "",
    "kind": "c",
    "plain": "y",
    "grouped": "g1",
    "typed": "",
    "multiple": ["m", "n"],
    "text": "<script>alert('x')</script>",
    "note": "",
    "secret": "s",
    "agree": "on",
    "hint": QUOTED,
}


def django_html(field: forms.BoundField) -> str:
    return render_to_string("includes/field.html", {"field": field})


def jinja_html(field: forms.BoundField) -> str:
    source = '{% from "includes/field.html" import form_field %}{{ form_field(bound) }}'
    return str(engines["jinja2"].from_string(source).render({"bound": field}))


def radios_html(field: forms.BoundField, *, compact: bool = False) -> str:
    source = '{% from "includes/field.html" import radios %}{{ radios(bound, compact) }}'
    return str(engines["jinja2"].from_string(source).render({"bound": field, "compact": compact}))


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("bound", [False, True], ids=["unbound", "bound"])
@pytest.mark.parametrize("name", list(Kinds.base_fields))
def test_the_macro_writes_the_django_includes_html(name: str, bound: bool, language: str) -> None:
    with translation.override(language):
        form = Kinds(BOUND, prefix="p") if bound else Kinds(prefix="p")
        expected = django_html(form[name])
        assert jinja_html(form[name]).strip() == expected.strip()
    assert expected.count("<label") == 1


def test_the_comparison_covers_errors_help_texts_and_escaping() -> None:
    form = Kinds(BOUND)
    assert not form.is_valid()
    valid = {"since", "plain", "grouped", "multiple", "note", "secret", "agree", "hint", "typed", "text"}
    assert set(BOUND) - valid <= set(form.errors)
    html = jinja_html(form["name"])
    assert 'id="id_name_error"' in html and 'id="id_name_helptext"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert "O&#x27;Neil &amp; &quot;Sam&quot; &lt;b&gt;" in html
    assert "<script>" not in jinja_html(form["text"])


def page_forms() -> list[forms.Form]:
    """The forms whose fields the Jinja pages render, unbound and bound with invalid data."""
    from coachcare.accounts.forms import InvitationForm
    from coachcare.clients.forms import NoteForm
    from coachcare.coaching.forms import AnswerForm
    from coachcare.messaging.forms import MessageForm
    from coachcare.monitoring.forms import AnnotationForm, FilterForm, ReferenceCostForm
    from coachcare.trajectories.forms import FollowUpForm

    modules = [("m1", "Module 'één'"), ("m2", "Module <2>")]
    return [
        FilterForm(modules=modules),
        FilterForm({"date_from": "2026-01-01", "date_to": "x", "module": "m2", "age_band": "nope"}, modules=modules),
        AnnotationForm(share_choices=[(1, "Gemeente 's-Hertogenbosch")]),
        AnnotationForm({"indicator_code": "?", "text": QUOTED, "shared_with": "1"}, share_choices=[(1, "A & B")]),
        AnnotationForm(),
        ReferenceCostForm(),
        ReferenceCostForm({"amount": "12,5x", "description": QUOTED}),
        NoteForm(),
        NoteForm({"text": ""}),
        InvitationForm(initial={"first_name": QUOTED, "email": "sam@example.org"}),
        InvitationForm({"first_name": "", "email": "no"}),
        FollowUpForm(prefix="follow_up_6"),
        FollowUpForm({"follow_up_6-needed_care_again": "maybe"}, prefix="follow_up_6"),
        MessageForm(),
        MessageForm({"body": ""}),
        DiaryForm(),
        AnswerForm(initial={"text": QUOTED}),
    ]


@pytest.mark.django_db
def test_the_pages_forms_render_the_same_both_ways() -> None:
    compared = 0
    with translation.override("nl"):
        for form in page_forms():
            for bound in form.visible_fields():
                if bound.widget_type == "radioselect":
                    assert (
                        radios_html(bound).strip()
                        == render_to_string("coaching/_radios.html", {"field": bound}).strip()
                    )
                    continue
                assert jinja_html(bound).strip() == django_html(bound).strip(), bound.html_name
                compared += 1
    assert compared >= 25


@pytest.mark.parametrize(
    "template",
    [
        "monitoring/dashboard.html",
        "home/client_file.html",
        "trajectories/_trajectory.html",
        "messaging/thread.html",
        "coaching/home.html",
        "coaching/module.html",
    ],
)
def test_the_jinja_pages_use_the_macro(template: str) -> None:
    source = (Path(__file__).resolve().parents[2] / "src" / "coachcare" / "jinja2" / template).read_text()
    assert 'django_include("includes/field.html"' not in source
    assert 'django_include("coaching/_radios.html"' not in source


class Scales(forms.Form):
    mood = forms.TypedChoiceField(
        label="How 'do' you feel?", choices=[(1, "Bad"), (2, QUOTED), (3, "Good")], coerce=int, widget=forms.RadioSelect
    )
    scale = forms.ChoiceField(
        label="Scale", choices=[(str(n), f"Score {n}") for n in range(11)], widget=forms.RadioSelect, initial="7"
    )


@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("data", [None, {"mood": "9"}, {"mood": "2", "scale": "3"}])
@pytest.mark.parametrize("name", ["mood", "scale"])
def test_the_radios_macro_writes_the_django_includes_html(
    name: str, data: dict[str, str] | None, compact: bool
) -> None:
    with translation.override("nl"):
        for form in (Scales(data, prefix="p"), DiaryForm(data)):
            if name not in form.fields:
                continue
            bound = form[name]
            jinja = radios_html(bound, compact=compact)
            expected = render_to_string("coaching/_radios.html", {"field": bound, "compact": compact})
            assert jinja.strip() == expected.strip()
