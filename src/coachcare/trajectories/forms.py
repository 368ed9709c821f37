"""Forms of the trajectory steps. They only collect input; the rules live in ``trajectories.services``.

Every form has its own prefix, so several can sit on the client file at once without clashing ids.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coachcare.access import policy
from coachcare.core.dates import today
from coachcare.measures.gas import GasConvention
from coachcare.measures.models import Informant
from coachcare.method import selectors as method_selectors
from coachcare.method.models import Module
from coachcare.providers.models import GateDeviation
from coachcare.trajectories.models import (
    Advice,
    Agreement,
    ConsentException,
    EndReason,
    Goal,
    GoalRatingSkipped,
    Trajectory,
)
from coachcare.trajectories.selectors import RatingsOverview

YOUNG_PERSON = "jongere"


def level_key(level: int) -> str:
    """A level as part of a field name: 2 -> "p2", -1 -> "m1", 0 -> "0"."""
    if level > 0:
        return f"p{level}"
    if level < 0:
        return f"m{-level}"
    return "0"


def level_label(level: int, convention: GasConvention) -> str:
    """The meaning of a GAS level in words, with the baseline and deterioration marked."""
    meanings = {
        2: _("much more than expected"),
        1: _("more than expected"),
        0: _("the expected outcome"),
        -1: _("less than expected"),
        -2: _("much less than expected"),
        -3: _("worse than at the intake"),
    }
    text = f"{level:+d}" if level else "0"
    label = f"{text}: {meanings[level]}"
    # Not in an f-string: makemessages cannot find a message inside one.
    if level == convention.baseline:
        return _("%(level)s (the situation at the intake)") % {"level": label}
    if level == convention.deterioration and level != -3:
        return _("%(level)s (worse than at the intake)") % {"level": label}
    return label


def modules_of(trajectory: Trajectory) -> list[Module]:
    return list(method_selectors.module_list(version=trajectory.method_version.version).order_by("sequence", "code"))


class StepForm(forms.Form):
    """A step without input (a button): start the intake, finish the module, allocation received."""


class ModuleForm(forms.Form):
    """Choose a module of the trajectory's method version (the first or advised one by default)."""

    module_code = forms.ChoiceField(label=_("Module"))

    def __init__(self, *args: Any, modules: Sequence[Module], default_code: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["module_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(module.code, f"{module.name} ({module.code})") for module in modules]
        if default_code:
            field.initial = default_code


class AllocationRequestForm(ModuleForm):
    prefix = "allocation"


class ModuleStartForm(ModuleForm):
    prefix = "module"


class AgreementForm(forms.Form):
    """Consent or agreement as heard by the coach, or given on paper: by the young person or a family
    member with gezag today (a parent, a voogd, a gecertificeerde instelling)."""

    prefix = "consent"

    kind = forms.ChoiceField(label=_("What is agreed"), choices=Agreement.Kind.choices)
    given_by = forms.ChoiceField(label=_("Given by"))
    given_how = forms.ChoiceField(
        label=_("How"),
        choices=[(Agreement.How.IN_PERSON, _("in person")), (Agreement.How.ON_PAPER, _("on paper"))],
        initial=Agreement.How.IN_PERSON,
    )
    scan = forms.FileField(
        label=_("Scan of the signed form (optional)"),
        required=False,
        help_text=_("PDF, PNG or JPEG, at most 5 MB. Stored encrypted."),
    )

    def __init__(
        self, *args: Any, trajectory: Trajectory, client_name: str, default_kind: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(YOUNG_PERSON, _("%(name)s (the young person)") % {"name": client_name})]
        self.carers = {
            str(carer.pk): carer for carer in policy.gezag_relations_on(client=trajectory.client, on=today())
        }
        choices += [
            (
                pk,
                _("%(name)s (%(relation)s, with gezag)")
                % {"name": carer.display_name, "relation": carer.get_kind_display()},
            )
            for pk, carer in self.carers.items()
        ]
        given_by = self.fields["given_by"]
        assert isinstance(given_by, forms.ChoiceField)
        given_by.choices = choices
        if default_kind:
            self.fields["kind"].initial = default_kind


class ConsentExceptionForm(forms.Form):
    """The exception of Jeugdwet art. 7.3.4 lid 4, recorded by the coach for the team lead."""

    prefix = "exception"

    ground = forms.ChoiceField(label=_("Ground"), choices=[("", ""), *ConsentException.Ground.choices])
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("Why care cannot wait for the parents' consent. The team lead reads this before approving."),
    )


class ConsentExceptionDecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note (required when you do not approve)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class GoalForm(forms.Form):
    """A goal with the five (or six) level descriptions of its GAS scale, per the trajectory's convention."""

    prefix = "goal"

    text = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    kind = forms.ChoiceField(label=_("Kind of goal"), choices=Goal.Kind.choices)
    weight = forms.FloatField(
        label=_("Weight"),
        initial=1,
        min_value=0.1,
        max_value=10,
        help_text=_("1 when all goals count the same."),
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )

    def __init__(
        self, *args: Any, convention: GasConvention, domains: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.convention = convention
        if domains:
            # The method's goal domains: the module gate proposes the module that serves the open goals.
            self.fields["domain"] = forms.ChoiceField(
                label=_("Domain of the goal"),
                choices=[("", ""), *domains],
                help_text=_("The module evaluation proposes the module that works on this domain."),
            )
        for level in sorted(convention.levels, reverse=True):
            self.fields[f"level_{level_key(level)}"] = forms.CharField(
                label=_("GAS level %(level)s") % {"level": level_label(level, convention)},
                max_length=500,
            )
        self.order_fields(
            [
                "text",
                *(["domain"] if domains else []),
                *[f"level_{level_key(level)}" for level in sorted(convention.levels, reverse=True)],
            ]
        )

    def scale(self) -> dict[int, str]:
        return {level: self.cleaned_data[f"level_{level_key(level)}"] for level in self.convention.levels}


def _gas_choices(goal: Goal, convention: GasConvention) -> list[tuple[str, str]]:
    descriptions = dict(getattr(goal, "scale_levels", []))
    choices = [("", "")]
    for level in sorted(convention.levels, reverse=True):
        text = f"{level:+d}" if level else "0"
        description = descriptions.get(level, "")
        choices.append((str(level), f"{text}: {description}" if description else text))
    return choices


def _not_rated_fields(form: forms.Form, ratings: RatingsOverview) -> None:
    """ "Niet beantwoord, omdat …": offered while the young person has not rated every goal."""
    if ratings.young_person_done:
        return
    skipped = ratings.skipped
    form.fields["not_rated_choice"] = forms.ChoiceField(
        label=_("Not answered by the young person, because …"),
        choices=[("", ""), *GoalRatingSkipped.Reason.choices],
        required=False,
        initial=skipped.reason if skipped else "",
        help_text=_("Only when the young person cannot or will not rate their goals in the portal."),
    )
    form.fields["not_rated_reason"] = forms.CharField(
        label=_("In a few words (optional)"),
        max_length=GoalRatingSkipped.NOTE_MAX,
        required=False,
        initial=skipped.note if skipped else "",
        help_text=_("No answers on the young person's behalf."),
    )


class GoalScoresForm(forms.Form):
    """The baseline at the intake: the GAS level of every goal (the coach's professional score,
    from the goal's own scale). The GBO score is the young person's own intake rating from the
    portal, shown above the form (``youth_ratings``, with a parent's next to it) and never typed
    here; while it is missing the coach may say why ("niet beantwoord, omdat …")."""

    prefix = "scores"

    def __init__(
        self,
        *args: Any,
        goals: Sequence[Goal],
        convention: GasConvention,
        ratings: RatingsOverview,
        gas: Mapping[int, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        self.youth_ratings = ratings.goals
        self.ratings_skipped = ratings.skipped
        for goal in self.goals:
            self.fields[f"gas_{goal.pk}"] = forms.TypedChoiceField(
                label=_("Goal %(order)s: GAS level (your professional score)") % {"order": goal.order},
                choices=_gas_choices(goal, convention),
                coerce=int,
                help_text=goal.text,
                initial=(gas or {}).get(goal.pk),
            )
        _not_rated_fields(self, ratings)

    def gas(self) -> dict[int, int]:
        return {goal.pk: self.cleaned_data[f"gas_{goal.pk}"] for goal in self.goals}


class EvaluationScoresForm(forms.Form):
    """The coach's evaluation: the GAS level of every goal (the professional score). The GBO score
    is the young person's own rating from the portal, shown above the form (``youth_ratings``, with
    a parent's next to it) and never typed here; for goals they did not rate, the coach says why
    ("niet beantwoord, omdat …")."""

    prefix = "scores"

    def __init__(
        self,
        *args: Any,
        goals: Sequence[Goal],
        convention: GasConvention,
        ratings: RatingsOverview,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        self.youth_ratings = ratings.goals
        self.ratings_skipped = ratings.skipped
        for goal in self.goals:
            self.fields[f"gas_{goal.pk}"] = forms.TypedChoiceField(
                label=_("Goal %(order)s: GAS level (your professional score)") % {"order": goal.order},
                choices=_gas_choices(goal, convention),
                coerce=int,
                help_text=goal.text,
            )
        _not_rated_fields(self, ratings)

    def gas(self) -> dict[int, int]:
        return {goal.pk: self.cleaned_data[f"gas_{goal.pk}"] for goal in self.goals}


class DecisionForm(forms.Form):
    prefix = "decision"

    decision = forms.ChoiceField(label=_("Your decision"), choices=[("", ""), *Advice.choices])
    next_module_code = forms.ChoiceField(
        label=_("Next module (when continuing)"), required=False, help_text=_("Only needed when you continue.")
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(
        self, *args: Any, modules: Sequence[Module], advice: str = "", advice_next: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["next_module_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", ""), *((module.code, f"{module.name} ({module.code})") for module in modules)]
        if advice:
            self.fields["decision"].initial = advice
        if advice_next:
            field.initial = advice_next


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClosureAnswer:
    """What the closing form shows of one informant's own satisfaction questionnaire: the result,
    never the answers themselves."""

    informant: str
    label: str
    answered: bool
    score: str = ""
    useful: str = ""


class CloseForm(forms.Form):
    """End reason and the coach's own judgement whether the young person can carry on without help.

    The satisfaction questionnaire is answered only by the young person (and a parent) in the
    portal: the form shows its result per informant (``answers``) or "nog niet ingevuld", and asks
    the coach why the young person did not fill it in, never the answers."""

    prefix = "close"

    end_reason = forms.ChoiceField(label=_("End reason (iJw JZ588)"), choices=[("", ""), *EndReason.choices])
    without_help = forms.TypedChoiceField(
        label=_("In your judgement, can the young person carry on without help after closure?"),
        choices=[("", ""), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )
    not_answered_reason = forms.CharField(
        label=_("Not filled in, because …"),
        help_text=_("Why the young person did not fill in the satisfaction questionnaire in the portal."),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, default_reason: str = "", answers: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if default_reason:
            self.fields["end_reason"].initial = default_reason
        answers = answers or {}
        self.youth_answered = Informant.JONGERE in answers
        self.answers = [
            self._answer(Informant.JONGERE, str(_("Young person")), answers.get(Informant.JONGERE)),
            self._answer(Informant.OUDER, str(_("Parent")), answers.get(Informant.OUDER)),
        ]
        if self.youth_answered:
            del self.fields["not_answered_reason"]

    @staticmethod
    def _answer(informant: str, label: str, response: Any) -> ClosureAnswer:
        if response is None:
            return ClosureAnswer(informant=informant, label=label, answered=False)
        useful = response.subscales.get("nut")
        return ClosureAnswer(
            informant=informant,
            label=label,
            answered=True,
            score=f"{response.total:.1f}" if response.total is not None else "",
            useful=f"{useful:g}" if useful is not None else "",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.youth_answered and not (cleaned.get("not_answered_reason") or "").strip():
            self.add_error(
                "not_answered_reason",
                _("The young person has not filled in the satisfaction questionnaire: say why."),
            )
        return cleaned


class FollowUpForm(forms.Form):
    """Prefix per moment (``follow_up_6``), given by the caller."""

    needed_care_again = forms.TypedChoiceField(
        label=_("Did the young person need care again?"),
        choices=[("", ""), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )


class ApprovalForm(forms.Form):
    """Prefix per evaluation (``approval_12``), given by the caller: the queue shows several."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you do not approve."),
    )


class ResumeForm(forms.Form):
    """Resume a trajectory ended temporarily (JZ588 20): why it goes on."""

    prefix = "resume"

    reason = forms.CharField(
        label=_("Why does the trajectory resume?"),
        help_text=_("For example: the young person is back from abroad and wants to go on."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RegisseurForm(forms.Form):
    """The municipality's regisseur of the young person: the access team's contact (administrative)."""

    prefix = "regisseur"

    name = forms.CharField(label=_("Name of the regisseur"), max_length=200)
    organisation = forms.CharField(
        label=_("Organisation or role"),
        help_text=_("For example: access team (wijkteam) of the municipality."),
        max_length=200,
        required=False,
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False)


class GateApprovalsForm(forms.Form):
    """Which gate decisions against the advice wait for the team lead (a provider setting)."""

    kinds = forms.MultipleChoiceField(
        label=_("Decisions that need the team lead's approval"),
        choices=GateDeviation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
