"""The coach's step forms on a trajectory and the team lead's approval queue.

Each POST calls exactly one service; the rules live there and in the state machine. A refused
step (``TransitionRefused``, ``ValidationError``, ``StaleTrajectory``) shows its reasons on the
step page with the form as it was filled in; no access (``AccessDenied``) is a 404. URLs carry
the trajectory's ``public_id``, never a BSN.
"""

import dataclasses
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.core.forms import service_errors_to_form
from coachcare.core.http import int_param
from coachcare.providers.models import DEFAULT_GATE_APPROVALS, GateDeviation, Provider
from coachcare.trajectories import selectors, services
from coachcare.trajectories.forms import (
    YOUNG_PERSON,
    AgreementForm,
    ApprovalForm,
    CloseForm,
    ConsentExceptionDecisionForm,
    ConsentExceptionForm,
    EvaluationScoresForm,
    FollowUpForm,
    GateApprovalsForm,
    GoalForm,
    GoalScoresForm,
    RegisseurForm,
    StepForm,
)
from coachcare.trajectories.models import Agreement, ConsentException, EndReason, Evaluation, FollowUp, Trajectory
from coachcare.trajectories.panels import (
    agreement_form,
    allocation_form,
    close_form,
    decision_form,
    evaluation_form,
    goal_form,
    module_start_form,
    regisseur_form,
    resume_form,
    scores_form,
)
from coachcare.trajectories.state_machine import StaleTrajectory, TransitionRefused

Perform = Callable[[User, Trajectory, forms.Form, AccessPoint], object]
FormBuilder = Callable[[Trajectory, Any], forms.Form]


def _trajectory(request: HttpRequest, public_id: UUID, page: str) -> Trajectory:
    """The trajectory of a page (``page`` names it in the access log); 404 without access."""
    return selectors.trajectory_get_for_actor(
        actor=actor_of(request),
        public_id=public_id,
        action=f"trajectory.page.{page}",
        access_point=AccessPoint.from_request(request),
    )


def _file_url(trajectory: Trajectory) -> str:
    return reverse("clients:detail", kwargs={"public_id": trajectory.client.public_id}) + "#next-step"


@dataclasses.dataclass(frozen=True)
class Step:
    page: str  # the page's name in the access log: ``trajectory.page.<page>``
    title: Any
    intro: Any
    button: Any
    success: Any
    build: FormBuilder
    perform: Perform
    #: A step that cannot be undone asks to confirm (server-side, a page of its own) before it is
    #: performed: the function gives the question and the warnings for this trajectory and form.
    confirm: "Callable[[Trajectory, forms.Form], Confirmation] | None" = None
    #: Who may take the step (a policy function); the service checks it again.
    allowed: Callable[[User, Client], bool] = policy.can_write_clinical


@dataclasses.dataclass(frozen=True, kw_only=True)
class Confirmation:
    question: str
    warnings: list[str]
    button: str


CONFIRMED_FIELD = "confirmed"


def _posted_version(request: HttpRequest) -> int | None:
    """The trajectory version the form was made from (hidden field), to detect concurrent edits."""
    if request.method != "POST":
        return None
    # A new trajectory is at version 0 (the field's default), so 0 is a valid version.
    return int_param(request.POST, "trajectory_version", minimum=0)


def _run_step(request: HttpRequest, public_id: UUID, step: Step) -> HttpResponse:
    actor = actor_of(request)
    trajectory = _trajectory(request, public_id, step.page)
    if not step.allowed(actor, trajectory.client):
        # A step form is the professionals' (its words are theirs): a young person or parent who
        # may read the file reads it on the file, not on a form they cannot send.
        raise Http404(_("No such trajectory."))
    posted = _posted_version(request)
    if posted is not None:
        trajectory.version = posted  # services compare it under a row lock
    form = step.build(trajectory, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_multipart():
        form.files = request.FILES  # the scan of a consent on paper
    if (
        request.method == "POST"
        and step.confirm is not None
        and request.POST.get(CONFIRMED_FIELD) != "yes"
        and form.is_valid()
    ):
        return _confirm_page(request, trajectory, step, step.confirm(trajectory, form))
    if request.method == "POST" and form.is_valid():
        try:
            step.perform(actor, trajectory, form, AccessPoint.from_request(request))
        except TransitionRefused as refused:
            for reason in refused.reasons:
                form.add_error(None, reason)
        except StaleTrajectory as stale:
            form.add_error(None, str(stale))
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(request, str(step.success))
            return redirect(_file_url(trajectory))
    return render(
        request,
        "trajectories/step.html",
        {
            "trajectory": trajectory,
            "client": trajectory.client,
            "form": form,
            "title": step.title,
            "intro": step.intro,
            "button": step.button,
            "action": request.path,
        },
    )


def _confirm_page(request: HttpRequest, trajectory: Trajectory, step: Step, confirmation: Confirmation) -> HttpResponse:
    """Ask to confirm a step that cannot be undone: the posted values go along in hidden fields."""
    hidden = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in {"csrfmiddlewaretoken", CONFIRMED_FIELD}
        for value in values
    ]
    context = {
        "trajectory": trajectory,
        "client": trajectory.client,
        "title": step.title,
        "confirmation": confirmation,
        "hidden": hidden,
        "confirmed_field": CONFIRMED_FIELD,
        "action": request.path,
    }
    return render(request, "trajectories/confirm.html", context)


def _confirm_module_finish(trajectory: Trajectory, form: forms.Form) -> Confirmation:
    drafts = selectors.module_unsubmitted_drafts(trajectory=trajectory)
    warnings = []
    if drafts:
        warnings.append(
            ngettext(
                "The young person has %(count)d answer in this module that is saved but not submitted. "
                "After you finish the module it can no longer be submitted.",
                "The young person has %(count)d answers in this module that are saved but not submitted. "
                "After you finish the module they can no longer be submitted.",
                drafts,
            )
            % {"count": drafts}
        )
    return Confirmation(
        question=gettext("Do you want to finish the module? This cannot be undone."),
        warnings=warnings,
        button=gettext("Yes, finish the module"),
    )


def _confirm_close(trajectory: Trajectory, form: forms.Form) -> Confirmation:
    reason = dict(EndReason.choices).get(form.cleaned_data.get("end_reason", ""), "")
    return Confirmation(
        question=gettext("Do you want to close the trajectory? This cannot be undone."),
        warnings=[gettext("End reason: %(reason)s.") % {"reason": reason}] if reason else [],
        button=gettext("Yes, close the trajectory"),
    )


def _confirm_resume(trajectory: Trajectory, form: forms.Form) -> Confirmation:
    return Confirmation(
        question=gettext("Do you want to resume the trajectory?"),
        warnings=[
            gettext(
                "The trajectory returns to the intake. The module that was running counts as interrupted: it is "
                "not declared and can be started again. The follow-up contacts are cancelled."
            )
        ],
        button=gettext("Yes, resume the trajectory"),
    )


def _step_form(trajectory: Trajectory, data: Any = None) -> StepForm:
    return StepForm(data)


# --- the steps ------------------------------------------------------------------------------------------


def _request_allocation(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    return services.trajectory_request_allocation(
        actor=actor, trajectory=trajectory, module_code=form.cleaned_data["module_code"], access_point=access_point
    )


def _allocate(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    return services.trajectory_allocate(actor=actor, trajectory=trajectory, access_point=access_point)


def _agreement(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    assert isinstance(form, AgreementForm)
    chosen = form.cleaned_data["given_by"]
    return services.agreement_record(
        actor=actor,
        trajectory=trajectory,
        kind=form.cleaned_data["kind"],
        given_by=None,
        carer=None if chosen == YOUNG_PERSON else form.carers[chosen],
        how=form.cleaned_data["given_how"],
        scan=form.cleaned_data.get("scan") or None,
        access_point=access_point,
    )


def _consent_exception_form(trajectory: Trajectory, data: Any = None) -> ConsentExceptionForm:
    return ConsentExceptionForm(data)


def _consent_exception(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    return services.consent_exception_record(
        actor=actor,
        trajectory=trajectory,
        ground=form.cleaned_data["ground"],
        reason=form.cleaned_data["reason"],
        access_point=access_point,
    )


def _start_intake(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    return services.trajectory_start_intake(actor=actor, trajectory=trajectory, access_point=access_point)


def _goal_add(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    assert isinstance(form, GoalForm)
    return services.goal_add(
        actor=actor,
        trajectory=trajectory,
        text=form.cleaned_data["text"],
        scale=form.scale(),
        weight=form.cleaned_data["weight"],
        kind=form.cleaned_data["kind"],
        domain=form.cleaned_data.get("domain", ""),
        access_point=access_point,
    )


def _intake_scores(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    assert isinstance(form, GoalScoresForm)
    return services.goal_scores_record(
        actor=actor, trajectory=trajectory, scores=form.scores(), module_run=None, access_point=access_point
    )


def _module_start(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    return services.module_start(
        actor=actor, trajectory=trajectory, module_code=form.cleaned_data["module_code"], access_point=access_point
    )


def _module_finish(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    return services.module_finish(actor=actor, trajectory=trajectory, access_point=access_point)


def _evaluation_score(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    assert isinstance(form, EvaluationScoresForm)
    return services.evaluation_score(
        actor=actor,
        trajectory=trajectory,
        gas=form.gas(),
        not_rated_reason=form.cleaned_data.get("not_rated_reason", ""),
        access_point=access_point,
    )


def _close(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    assert isinstance(form, CloseForm)
    return services.trajectory_close(
        actor=actor,
        trajectory=trajectory,
        end_reason=form.cleaned_data["end_reason"],
        without_help=form.cleaned_data["without_help"],
        not_answered_reason=form.cleaned_data.get("not_answered_reason", ""),
        access_point=access_point,
    )


def _resume(actor: User, trajectory: Trajectory, form: forms.Form, access_point: AccessPoint) -> object:
    return services.trajectory_resume(
        actor=actor, trajectory=trajectory, reason=form.cleaned_data["reason"], access_point=access_point
    )


STEPS: dict[str, Step] = {
    "request_allocation": Step(
        "request_allocation",
        gettext_lazy("Request an allocation"),
        gettext_lazy(
            "Ask the municipality for an allocation (toewijzing) of a module. Under a mandate it is granted at once."
        ),
        gettext_lazy("Request allocation"),
        gettext_lazy("The allocation has been requested."),
        allocation_form,
        _request_allocation,
    ),
    "allocate": Step(
        "allocate",
        gettext_lazy("Allocation received"),
        gettext_lazy("The municipality granted the allocation for the first module: continue to the intake."),
        gettext_lazy("Allocation received, continue"),
        gettext_lazy("The trajectory is allocated: plan the intake."),
        _step_form,
        _allocate,
    ),
    "agreement": Step(
        "agreement",
        gettext_lazy("Record consent"),
        gettext_lazy("Record the consent or agreement you heard from the young person or a parent with gezag."),
        gettext_lazy("Record consent"),
        gettext_lazy("The consent has been recorded."),
        agreement_form,
        _agreement,
    ),
    "consent_exception": Step(
        "consent_exception",
        gettext_lazy("Care without the parents' consent (art. 7.3.4 lid 4)"),
        gettext_lazy(
            "For a young person of 12 to 15, care may start without the consent of the parents with gezag when "
            "it is clearly needed to prevent serious harm, or when the young person keeps wanting it after the "
            "parents refused. Record the ground and the reason: the exception counts once your team lead "
            "approves it. The young person's own consent is still needed."
        ),
        gettext_lazy("Send to the team lead"),
        gettext_lazy("The exception has been recorded and waits for the team lead's approval."),
        _consent_exception_form,
        _consent_exception,
    ),
    "start_intake": Step(
        "start_intake",
        gettext_lazy("Start the intake"),
        gettext_lazy("Start the intake once the consent to care is recorded."),
        gettext_lazy("Start intake"),
        gettext_lazy("The intake has started."),
        _step_form,
        _start_intake,
    ),
    "goal_add": Step(
        "goal_add",
        gettext_lazy("Add a goal"),
        gettext_lazy("Write the goal with the young person, and describe every level of its GAS scale in their words."),
        gettext_lazy("Add goal"),
        gettext_lazy("The goal has been added."),
        goal_form,
        _goal_add,
    ),
    "intake_scores": Step(
        "intake_scores",
        gettext_lazy("Score the goals at the intake"),
        gettext_lazy("The baseline: the GAS level and the GBO score of every goal at the intake."),
        gettext_lazy("Save scores"),
        gettext_lazy("The intake scores have been saved."),
        scores_form,
        _intake_scores,
    ),
    "module_start": Step(
        "module_start",
        gettext_lazy("Start a module"),
        gettext_lazy("Needs the consent to care, an agreed plan and an allocation that covers the module."),
        gettext_lazy("Start module"),
        gettext_lazy("The module has started."),
        module_start_form,
        _module_start,
    ),
    "module_finish": Step(
        "module_finish",
        gettext_lazy("Finish the module"),
        gettext_lazy("The module is done: evaluate it with the young person next."),
        gettext_lazy("Finish module"),
        gettext_lazy("The module is finished: evaluate it now."),
        _step_form,
        _module_finish,
        _confirm_module_finish,
    ),
    "evaluation": Step(
        "evaluation",
        gettext_lazy("Evaluate the module"),
        gettext_lazy(
            "Score the GAS level of every goal with the young person. Their own marks (GBO) come from the "
            "portal: you see them here and never fill them in yourself. The system then gives its advice."
        ),
        gettext_lazy("Save scores and see the advice"),
        gettext_lazy("The evaluation has been scored: see the advice and decide."),
        evaluation_form,
        _evaluation_score,
    ),
    "close": Step(
        "close",
        gettext_lazy("Close the trajectory"),
        gettext_lazy(
            "Choose the end reason and give your own judgement. The young person and a parent answer the "
            "satisfaction questionnaire themselves in the portal. The follow-up contacts after 6 and 12 "
            "months are scheduled."
        ),
        gettext_lazy("Close trajectory"),
        gettext_lazy("The trajectory is closed and the follow-ups are scheduled."),
        close_form,
        _close,
        _confirm_close,
    ),
    "resume": Step(
        "resume",
        gettext_lazy("Resume the trajectory"),
        gettext_lazy(
            "The trajectory was ended temporarily (end reason 20). Within the resume period it goes on where it "
            "stopped: the intake, then a module. Say why it resumes."
        ),
        gettext_lazy("Resume trajectory"),
        gettext_lazy("The trajectory has been resumed: agree the plan and start a module."),
        resume_form,
        _resume,
        _confirm_resume,
        policy.can_resume_trajectory,
    ),
}


def _step_view(name: str) -> Callable[[HttpRequest, UUID], HttpResponse]:
    step = STEPS[name]

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, public_id: UUID) -> HttpResponse:
        return _run_step(request, public_id, step)

    view.__name__ = name
    return view


request_allocation = _step_view("request_allocation")
allocate = _step_view("allocate")
agreement = _step_view("agreement")
consent_exception = _step_view("consent_exception")
start_intake = _step_view("start_intake")
goal_add = _step_view("goal_add")
intake_scores = _step_view("intake_scores")
module_start = _step_view("module_start")
module_finish = _step_view("module_finish")
evaluation = _step_view("evaluation")
close = _step_view("close")
resume = _step_view("resume")


@login_required
@require_http_methods(["GET", "POST"])
def regisseur(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Record or change the municipality's regisseur of the young person (the access team's
    contact): by the treating professionals or the access team (``policy.can_record_regisseur``)."""
    actor = actor_of(request)
    access_point = AccessPoint.from_request(request)
    trajectory = selectors.trajectory_for_regisseur(actor=actor, public_id=public_id, access_point=access_point)
    form = regisseur_form(trajectory, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        assert isinstance(form, RegisseurForm)
        data = form.cleaned_data
        try:
            services.trajectory_regisseur_set(
                actor=actor,
                trajectory=trajectory,
                name=data["name"],
                organisation=data["organisation"],
                email=data["email"],
                phone=data["phone"],
                access_point=access_point,
            )
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(request, _("The regisseur has been recorded."))
            return redirect(reverse("clients:detail", kwargs={"public_id": trajectory.client.public_id}) + "#regisseur")
    return render(
        request,
        "trajectories/step.html",
        {
            "trajectory": trajectory,
            "client": trajectory.client,
            "form": form,
            "title": _("Regisseur of the municipality"),
            "intro": _(
                "The regisseur is the contact of the municipality's access team for this young person. They are "
                "told, without any content, when the trajectory closes or steps up to other care."
            ),
            "button": _("Save regisseur"),
            "action": request.path,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The gate decision: the advice and its rule, then stop / continue / step up with a reason."""
    actor = actor_of(request)
    trajectory = _trajectory(request, public_id, "decision")
    if not policy.can_write_clinical(actor, trajectory.client):
        raise Http404(_("No such trajectory."))
    current = selectors.evaluation_current(trajectory=trajectory)
    if current is None:
        messages.error(request, _("Score the evaluation first: then the system gives its advice."))
        return redirect(_file_url(trajectory))
    form = decision_form(trajectory, request.POST if request.method == "POST" else None, evaluation=current)
    if request.method == "POST" and form.is_valid():
        try:
            decided = services.evaluation_decide(
                actor=actor,
                evaluation=current,
                decision=form.cleaned_data["decision"],
                next_module_code=form.cleaned_data["next_module_code"],
                reason=form.cleaned_data["reason"],
                access_point=AccessPoint.from_request(request),
                expected_version=_posted_version(request),
            )
        except StaleTrajectory as stale:
            form.add_error(None, str(stale))
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            if decided.approval == Evaluation.Approval.PENDING:
                messages.warning(
                    request, _("Your decision deviates from the advice: it waits for the team lead's approval.")
                )
            else:
                messages.success(request, _("Your decision has been saved."))
            return redirect(_file_url(trajectory))
    current.rule_text = selectors.evaluation_explain(current)  # type: ignore[attr-defined]
    return render(
        request,
        "trajectories/decide.html",
        {"trajectory": trajectory, "client": trajectory.client, "evaluation": current, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, public_id: UUID, months: int) -> HttpResponse:
    actor = actor_of(request)
    trajectory = _trajectory(request, public_id, "follow_up")
    contact = FollowUp.objects.filter(trajectory=trajectory, months=months).first()
    if contact is None:
        raise Http404(_("No such follow-up contact."))
    posted = _posted_version(request)
    if posted is not None:
        trajectory.version = posted
    contact.trajectory = trajectory
    form = FollowUpForm(request.POST if request.method == "POST" else None, prefix=f"follow_up_{months}")
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_record(
                actor=actor,
                follow_up=contact,
                needed_care_again=form.cleaned_data["needed_care_again"],
                access_point=AccessPoint.from_request(request),
            )
        except (TransitionRefused, StaleTrajectory, ValidationError) as error:
            reasons = error.reasons if isinstance(error, TransitionRefused) else [str(m) for m in _messages_of(error)]
            for reason in reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, _("The follow-up contact has been recorded."))
            return redirect(_file_url(trajectory))
    return render(
        request,
        "trajectories/step.html",
        {
            "trajectory": trajectory,
            "client": trajectory.client,
            "form": form,
            "title": _("Follow-up after %(months)s months") % {"months": months},
            "intro": _("Ask whether the young person needed care again since the closure."),
            "button": _("Save"),
            "action": request.path,
        },
    )


def _messages_of(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error)]


@login_required
@require_GET
def summary(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The closing summary for the referrer: its text only once everyone who must consent did."""
    actor = actor_of(request)
    trajectory = _trajectory(request, public_id, "summary")
    try:
        closing = services.closing_summary_get(
            actor=actor, trajectory=trajectory, access_point=AccessPoint.from_request(request)
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_file_url(trajectory))
    consent = agreement_form(trajectory, default_kind="summary")
    return render(
        request,
        "trajectories/summary.html",
        {"trajectory": trajectory, "client": trajectory.client, "summary": closing, "consent_form": consent},
    )


# --- the team lead ---------------------------------------------------------------------------------------


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_review_gate_decisions(actor):
        raise Http404(_("There is no approval queue for your role."))
    access_point = AccessPoint.from_request(request)
    queue = selectors.approval_queue(actor=actor, access_point=access_point)
    rows = [(evaluation, ApprovalForm(prefix=f"approval_{evaluation.pk}")) for evaluation in queue]
    exceptions = [
        (exception, ConsentExceptionDecisionForm(prefix=f"exception_{exception.pk}"))
        for exception in selectors.consent_exception_queue(actor=actor, access_point=access_point)
    ]
    return render(request, "trajectories/approvals.html", {"rows": rows, "exception_rows": exceptions})


@login_required
@require_http_methods(["GET", "POST"])
def gate_settings(request: HttpRequest) -> HttpResponse:
    """The provider's setting of which gate deviations wait for the team lead (issue 16.6): for its
    team leads and administrator (``policy.can_set_gate_approvals``)."""
    actor = actor_of(request)
    if not policy.can_set_gate_approvals(actor) or actor.provider_id is None:
        raise Http404(_("This setting is not for your role."))
    provider = Provider.objects.get(pk=actor.provider_id)
    current = list(provider.gate_approval_required or [])
    form = GateApprovalsForm(request.POST if request.method == "POST" else None, initial={"kinds": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_gate_approvals_set(actor=actor, provider=provider, kinds=form.cleaned_data["kinds"])
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(request, _("The setting has been saved. It applies to decisions taken from now on."))
            return redirect("trajectories:gate_settings")
    defaults = [GateDeviation(value).label for value in DEFAULT_GATE_APPROVALS]
    return render(
        request,
        "trajectories/gate_settings.html",
        {"form": form, "provider": provider, "defaults": defaults},
    )


@login_required
@require_POST
def consent_exception_decide(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The team lead approves or rejects the pending exception of art. 7.3.4 lid 4 of a trajectory."""
    actor = actor_of(request)
    trajectory = _trajectory(request, public_id, "consent_exception_decision")
    pending = ConsentException.objects.filter(trajectory=trajectory, status=ConsentException.Status.PENDING).first()
    if pending is None:
        raise Http404(_("No exception waits for a decision."))
    form = ConsentExceptionDecisionForm(request.POST, prefix=f"exception_{pending.pk}")
    outcome = request.POST.get("outcome")
    if not form.is_valid() or outcome not in {"approve", "reject"}:
        messages.error(request, _("Choose approve or reject."))
        return redirect("trajectories:approvals")
    try:
        services.consent_exception_decide(
            actor=actor,
            exception=pending,
            approve=outcome == "approve",
            note=form.cleaned_data["note"],
            access_point=AccessPoint.from_request(request),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"{trajectory.client.full_name}: {message}")
    else:
        name = trajectory.client.full_name
        if outcome == "approve":
            messages.success(request, _("The exception for %(name)s is approved.") % {"name": name})
        else:
            messages.success(request, _("The exception for %(name)s is not approved.") % {"name": name})
    return redirect("trajectories:approvals")


@login_required
@require_GET
def agreement_scan(request: HttpRequest, public_id: UUID, agreement_id: int) -> HttpResponse:
    """The scan of a consent given on paper, decrypted, for the professionals who treat the young person."""
    actor = actor_of(request)
    trajectory = _trajectory(request, public_id, "agreement_scan")
    agreement = Agreement.objects.filter(trajectory=trajectory, pk=agreement_id).first()
    if agreement is None or not agreement.scan:
        raise Http404(_("No such scan."))
    agreement, data = services.agreement_scan_get(
        actor=actor, agreement=agreement, access_point=AccessPoint.from_request(request)
    )
    response = HttpResponse(data, content_type=agreement.scan_content_type)
    response["Content-Disposition"] = content_disposition_header(True, agreement.scan_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def approve(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    trajectory = _trajectory(request, public_id, "approval")
    current = selectors.evaluation_current(trajectory=trajectory)
    if current is None:
        raise Http404(_("No decision waits for approval."))
    form = ApprovalForm(request.POST, prefix=f"approval_{current.pk}")
    outcome = request.POST.get("outcome")
    if not form.is_valid() or outcome not in {"approve", "reject"}:
        messages.error(request, _("Choose approve or reject."))
        return redirect("trajectories:approvals")
    try:
        services.evaluation_approve(
            actor=actor,
            evaluation=current,
            approve=outcome == "approve",
            note=form.cleaned_data["note"],
            access_point=AccessPoint.from_request(request),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"{trajectory.client.full_name}: {message}")
    else:
        if outcome == "approve":
            messages.success(
                request, _("The decision for %(name)s is approved.") % {"name": trajectory.client.full_name}
            )
        else:
            messages.success(
                request,
                _("The decision for %(name)s is not approved: the coach takes a new decision.")
                % {"name": trajectory.client.full_name},
            )
    return redirect("trajectories:approvals")


# --- the client file: the current trajectory and the coach's next step ---------------------------------
