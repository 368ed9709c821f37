from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.coaching.models import Appointment, DiaryEntry


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Your answer"), required=False, widget=forms.Textarea(attrs={"rows": 6}))


class DiaryForm(forms.Form):
    mood = forms.TypedChoiceField(
        label=_("How do you feel today?"), choices=DiaryEntry.Mood.choices, coerce=int, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Do you want to write something about it? (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FeedbackForm(forms.Form):
    feedback = forms.CharField(label=_("Your feedback"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class AppointmentForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Appointment.Kind.choices)
    location = forms.CharField(
        label=_("Location"),
        required=False,
        max_length=200,
        help_text=_('For example "Video" or an address. No clinical content: it goes into the calendar file.'),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_('For example "Talk with your coach". No clinical content: it goes into the calendar file.'),
    )
    with_parents = forms.BooleanField(label=_("Invite the parents"), required=False)


class AppointmentMoveForm(forms.Form):
    """Move an appointment: the new date and times, online or in person, and the place."""

    prefix = "move"
    date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Appointment.Kind.choices)
    location = forms.CharField(
        label=_("Location"),
        required=False,
        max_length=200,
        help_text=_('For example "Video" or an address. No clinical content: it goes into the calendar file.'),
    )


def questionnaire_form(items: list[Any], data: Any = None) -> forms.Form:
    """A form with one required choice per questionnaire item (rendered as radio buttons)."""
    form = forms.Form(data)
    for item in items:
        form.fields[item.id] = forms.TypedChoiceField(
            label=item.text, choices=item.options, coerce=int, widget=forms.RadioSelect
        )
    return form


class GoalRatingForm(forms.Form):
    """ "Hoe ver ben je met je doel?": one mark from 0 to 10 per goal, the goal in the young person's words."""

    def __init__(self, *args: Any, goals: list[tuple[int, str, int | None]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goal_ids = [goal_id for goal_id, _text, _rating in goals]
        choices = [
            (value, _("%(mark)s: not started yet") % {"mark": value}) if value == 0 else
            (value, _("%(mark)s: fully reached") % {"mark": value}) if value == 10 else
            (value, str(value))
            for value in range(11)
        ]  # fmt: skip
        for goal_id, text, rating in goals:
            self.fields[f"goal_{goal_id}"] = forms.TypedChoiceField(
                label=text, choices=choices, coerce=int, widget=forms.RadioSelect, initial=rating
            )

    def ratings(self) -> dict[int, int]:
        return {goal_id: self.cleaned_data[f"goal_{goal_id}"] for goal_id in self.goal_ids}
