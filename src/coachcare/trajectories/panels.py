"""The trajectory panel of the client file: what the file shows of the current trajectory and the
form of the coach's next step.

This is the trajectories app's public presentation module: the client file (clients app) embeds
it, and the step views build their forms with the same builders. Which step is possible is the
state machine's business; a form shown here can still be refused, with the reasons.
"""

import datetime
from typing import Any

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coachcare.access.consent import AGE_CONSENT_ALONE, AGE_CONSENT_WITH_PARENTS
from coachcare.contracts import selectors as contract_selectors
from coachcare.core.dates import age_on, today
from coachcare.measures.gas import GasConvention
from coachcare.measures.selectors import closure_responses_get
from coachcare.safeguarding import selectors as safeguarding_selectors
from coachcare.trajectories import selectors, services, state_machine
from coachcare.trajectories.forms import (
    AgreementForm,
    AllocationRequestForm,
    CloseForm,
    DecisionForm,
    EvaluationScoresForm,
    FollowUpForm,
    GoalForm,
    GoalScoresForm,
    ModuleStartForm,
    RegisseurForm,
    ResumeForm,
    StepForm,
    modules_of,
)
from coachcare.trajectories.models import (
    Agreement,
    ConsentException,
    Evaluation,
    FollowUp,
    Goal,
    ModuleRun,
    Trajectory,
)

#: The JZ588 end reason "tijdelijk beëindigd": the only closure that can be resumed (state machine ``resume``).
TEMPORARY_END_REASON = "20"

# --- form builders (also used by the step views) ------------------------------------------------------


def allocation_form(trajectory: Trajectory, data: Any = None, *, default_code: str = "") -> AllocationRequestForm:
    modules = modules_of(trajectory)
    return AllocationRequestForm(
        data, modules=modules, default_code=default_code or (modules[0].code if modules else "")
    )


def agreement_form(trajectory: Trajectory, data: Any = None, *, default_kind: str = "") -> AgreementForm:
    return AgreementForm(
        data, trajectory=trajectory, client_name=trajectory.client.full_name, default_kind=default_kind
    )


def goal_form(trajectory: Trajectory, data: Any = None) -> GoalForm:
    domains = [(item["code"], item["name"]) for item in trajectory.method_version.goal_domains or []]
    return GoalForm(data, convention=GasConvention(trajectory.gas_convention), domains=domains)


def scores_form(trajectory: Trajectory, data: Any = None, *, goals: list[Goal] | None = None) -> GoalScoresForm:
    """The coach's intake form (GAS levels), with every informant's intake ratings (three queries)."""
    if goals is None:
        goals = list(trajectory.goals.order_by("order"))
        for goal in goals:
            goal.scale_levels = selectors._scale(goal)  # type: ignore[attr-defined]
    gas = {
        goal.pk: score.gas for goal in goals for score in getattr(goal, "score_list", []) if score.module_run_id is None
    }
    return GoalScoresForm(
        data,
        goals=goals,
        convention=GasConvention(trajectory.gas_convention),
        ratings=selectors.goal_ratings_overview(trajectory=trajectory, run=None),
        gas=gas,
    )


def evaluation_form(
    trajectory: Trajectory, data: Any = None, *, goals: list[Goal] | None = None
) -> EvaluationScoresForm:
    """The coach's evaluation form, with every informant's ratings of the module just finished."""
    if goals is None:
        goals = list(trajectory.goals.order_by("order"))
        for goal in goals:
            goal.scale_levels = selectors._scale(goal)  # type: ignore[attr-defined]
    ratings = selectors.goal_ratings_overview(trajectory=trajectory, run=services.current_run(trajectory))
    return EvaluationScoresForm(data, goals=goals, convention=GasConvention(trajectory.gas_convention), ratings=ratings)


def module_start_form(trajectory: Trajectory, data: Any = None, *, default_code: str = "") -> ModuleStartForm:
    modules = modules_of(trajectory)
    return ModuleStartForm(data, modules=modules, default_code=default_code or (modules[0].code if modules else ""))


def decision_form(trajectory: Trajectory, data: Any = None, *, evaluation: Evaluation | None = None) -> DecisionForm:
    return DecisionForm(
        data,
        modules=modules_of(trajectory),
        advice=evaluation.advice if evaluation else "",
        advice_next=evaluation.advice_next_module_code if evaluation else "",
    )


def close_form(trajectory: Trajectory, data: Any = None, *, default_reason: str = "") -> CloseForm:
    """The closing form, with the result of the satisfaction questionnaires the young person and a
    parent filled in themselves (one query)."""
    answers = closure_responses_get(trajectory_public_id=trajectory.public_id, codes=services.CLOSURE_QUESTIONNAIRES)
    return CloseForm(data, default_reason=default_reason, answers=answers)


def resume_form(trajectory: Trajectory, data: Any = None) -> ResumeForm:
    return ResumeForm(data)


def regisseur_form(trajectory: Trajectory, data: Any = None) -> RegisseurForm:
    """The regisseur form, filled with what the trajectory records so far."""
    return RegisseurForm(
        data,
        initial={
            "name": trajectory.regisseur_name,
            "organisation": trajectory.regisseur_organisation,
            "email": trajectory.regisseur_email,
            "phone": trajectory.regisseur_phone,
        },
    )


def _consent_panel(trajectory: Trajectory) -> dict[str, Any]:
    """Before care starts: exactly what consent is still missing (the state machine's own words),
    the exceptions of art. 7.3.4 lid 4 recorded so far, and whether the coach may record one."""
    on = today()
    missing = state_machine.consent_for_care(trajectory, on, {})
    exceptions = selectors.consent_exceptions_of(trajectory=trajectory)
    age = age_on(trajectory.client.birth_date, on)
    open_exception = any(
        exception.status in {ConsentException.Status.PENDING, ConsentException.Status.APPROVED}
        for exception in exceptions
    )
    return {
        "consent_missing": missing,
        "consent_exceptions": exceptions,
        "may_record_exception": AGE_CONSENT_WITH_PARENTS <= age < AGE_CONSENT_ALONE and not open_exception,
    }


def _scored_at_intake(goal: Goal) -> bool:
    """The goal has its baseline (loaded by the timeline as ``score_list``; else one query)."""
    scores = getattr(goal, "score_list", None)
    if scores is None:
        return goal.scores.filter(module_run__isnull=True).exists()
    return any(score.module_run_id is None for score in scores)


def _intake_open(trajectory: Trajectory, goals: list[Goal], form: GoalScoresForm) -> bool:
    """The coach still has something to do at the intake: a goal without its GAS level, or the
    young person has not rated every goal and no reason is recorded."""
    if any(not _scored_at_intake(goal) for goal in goals):
        return True
    return form.ratings_skipped is None and any(row.young_person is None for row in form.youth_ratings)


def _plan_agreement_open(trajectory: Trajectory) -> bool:
    """Someone (the young person, a parent with gezag) still has to agree to the current plan."""
    gap = state_machine.consent_gap_for(trajectory, Agreement.Kind.PLAN, today())
    return bool(gap.young_person or gap.carers or gap.nobody_with_gezag)


def file_context(*, timeline: selectors.ClientTimeline, can_write: bool) -> dict[str, Any]:
    """What the client file shows of the trajectory to those who may see clinical content.

    Built from the timeline the selector already loaded; the forms of the coach's next step add a
    fixed number of queries (modules, parents), whatever the number of events.
    """
    current = timeline.active or (timeline.trajectories[0] if timeline.trajectories else None)
    if current is None:
        return {"current": None}
    current.client = timeline.file.client  # the same row: no query for the client's name
    mine = [e for e in timeline.events if e.trajectory is not None and e.trajectory.pk == current.pk]
    runs = sorted((e.item for e in mine if isinstance(e.item, ModuleRun)), key=lambda r: r.sequence)
    evaluations = {e.item.module_run_id: e.item for e in mine if isinstance(e.item, Evaluation)}
    run = runs[-1] if runs else None
    evaluation = evaluations.get(run.pk) if run is not None else None
    goals = [goal for goal in timeline.goals if goal.trajectory_id == current.pk]
    follow_ups = sorted((e.item for e in mine if isinstance(e.item, FollowUp)), key=lambda f: f.months)
    agreements = [e.item for e in mine if isinstance(e.item, Agreement)]
    context: dict[str, Any] = {
        "current": current,
        "current_goals": goals,
        "current_run": run,
        "current_evaluation": evaluation,
        "current_follow_ups": follow_ups,
        "current_agreements": agreements,
        "panel": None,
    }
    if can_write:
        context["panel"] = _panel(current, goals, run, evaluation, follow_ups)
        # The municipality's regisseur and the content-free notices sent to them (one query).
        context["regisseur_notices"] = safeguarding_selectors.regisseur_notices_of(trajectory_id=current.pk)
    return context


def step_check(trajectory: Trajectory, name: str, **params: Any) -> list[str]:
    """Why the state machine would refuse step ``name`` now (empty: the panel may offer it).

    The panel offers a step's button only when this is empty, and otherwise shows these reasons:
    the one place where what the panel says is derived from the transitions and their guards."""
    return state_machine.transition_check(trajectory=trajectory, name=name, on=today(), params=params)


def _without_plan(form: AgreementForm) -> AgreementForm:
    """The consent form without "plan": a plan without a goal cannot be agreed to (``plan_has_goal``)."""
    field = form.fields["kind"]
    field.choices = [choice for choice in field.choices if choice[0] != Agreement.Kind.PLAN]  # type: ignore[attr-defined]
    if form.initial.get("kind") == Agreement.Kind.PLAN or field.initial == Agreement.Kind.PLAN:
        field.initial = Agreement.Kind.CARE
        form.initial["kind"] = Agreement.Kind.CARE
    return form


def _panel(
    trajectory: Trajectory,
    goals: list[Goal],
    run: ModuleRun | None,
    evaluation: Evaluation | None,
    follow_ups: list[FollowUp],
) -> dict[str, Any]:
    """The forms of the step the coach is at. A step's form is offered only when the state
    machine's guards allow it (``step_check``); otherwise the panel says why (``refused``)."""
    status = trajectory.status
    panel: dict[str, Any] = {"status": status, "refused": {}, "advice": None}
    # A form is not offered once it no longer applies (tests/trajectories/test_panel_forms.py):
    # the allocation request while a request waits or an allocation covers the module, the consent
    # to care once nobody's consent is missing, the intake scores once every goal has them, the
    # plan agreement once everyone agreed to the current plan.
    consent = _consent_panel(trajectory) if status in {"referred", "allocated", "intake"} else {}
    if status == "referred":
        code = services.first_module_code(trajectory)
        waiting = trajectory.next_action == "await_allocation"
        still_to_request = not waiting or selectors.allocation_still_to_request(trajectory=trajectory, module_code=code)
        refused = step_check(trajectory, "allocate", module_code=code)
        # Requested and not yet granted: the panel waits, and neither requests again nor says "received".
        panel["allocation_waiting"] = waiting and bool(refused) and not still_to_request
        if refused:
            panel["refused"]["allocate"] = refused
            if still_to_request:
                panel["allocation_form"] = allocation_form(trajectory)
        else:
            panel["allocate_form"] = StepForm()
    elif status == "allocated":
        panel["agreement_form"] = (
            _without_plan(agreement_form(trajectory, default_kind="care")) if consent["consent_missing"] else None
        )
        refused = step_check(trajectory, "start_intake")
        if refused:
            panel["refused"]["start_intake"] = refused
        else:
            panel["intake_form"] = StepForm()
    elif status == "intake":
        panel["goal_form"] = goal_form(trajectory)
        # The intake form stays while a GAS level or the young person's rating (or why not) is missing.
        panel["scores_form"] = scores_form(trajectory, goals=goals) if goals else None
        if panel["scores_form"] is not None and not _intake_open(trajectory, goals, panel["scores_form"]):
            panel["scores_done"] = panel["scores_form"]
            panel["scores_form"] = None
        form = agreement_form(trajectory, default_kind="plan")
        if goals:
            panel["agreement_form"] = form if _plan_agreement_open(trajectory) else None
        else:
            panel["agreement_form"] = _without_plan(form)
        code = services.first_module_code(trajectory)
        _module_step(panel, trajectory, "start_module", code)
    elif status == "module_running":
        panel["finish_form"] = StepForm()
    elif status == "module_evaluation":
        panel["advice"] = evaluation
        if evaluation is None:
            panel["evaluation_form"] = evaluation_form(trajectory, goals=goals)
        elif not evaluation.decision or evaluation.approval == Evaluation.Approval.REJECTED:
            panel["decision_form"] = decision_form(trajectory, evaluation=evaluation)
        elif evaluation.approval == Evaluation.Approval.PENDING:
            panel["waiting_for_approval"] = True
        elif evaluation.decision == "continue":
            code = evaluation.decision_next_module_code
            panel["agreement_form"] = (
                agreement_form(trajectory, default_kind="plan") if _plan_agreement_open(trajectory) else None
            )
            _module_step(panel, trajectory, "continue_module", code)
        else:
            # A step up hands the young person over to other care: 38 by default, never 31.
            default_reason = "38" if evaluation.decision == "step_up" else "31"
            panel["close_form"] = close_form(trajectory, default_reason=default_reason)
    panel.update(consent)
    if status in {"referred", "allocated", "intake", "module_running", "module_evaluation"}:
        if "close_form" not in panel:
            panel["early_close_form"] = close_form(trajectory)
    else:
        panel["follow_up_forms"] = [
            (contact, FollowUpForm(prefix=f"follow_up_{contact.months}"))
            for contact in follow_ups
            if contact.state == FollowUp.State.DUE
        ]
        # Only a link to the summary page (which has the form): no form built here.
        panel["summary_link"] = True
        _resume_step(panel, trajectory)
    return panel


def _resume_step(panel: dict[str, Any], trajectory: Trajectory) -> None:
    """A trajectory ended temporarily (JZ588 20) offers "Traject hervatten" while the state
    machine's ``resume`` guards hold (within ``COACHCARE_TEMPORARY_END_RESUME_DAYS`` of the
    closure); after that the panel says why it no longer can (``resume_refused``)."""
    if trajectory.end_reason != TEMPORARY_END_REASON:
        return
    refused = step_check(trajectory, "resume")
    if refused:
        panel["resume_refused"] = refused
        return
    assert trajectory.closed_on is not None  # the guard holds: ended with 20 on a date
    until = trajectory.closed_on + datetime.timedelta(days=settings.COACHCARE_TEMPORARY_END_RESUME_DAYS)
    panel["resume_form"] = resume_form(trajectory)
    panel["resume_text"] = _(
        "The trajectory was ended temporarily on %(closed)s. Until %(until)s it can be resumed: it then returns "
        "to the intake, the module that was running counts as interrupted and can be started again, and the "
        "follow-up contacts are cancelled."
    ) % {"closed": date_format(trajectory.closed_on, "j F Y"), "until": date_format(until, "j F Y")}


def _module_step(panel: dict[str, Any], trajectory: Trajectory, name: str, code: str) -> None:
    """Starting the (next) module with ``code``: offered when the guards allow it. A missing
    allocation offers its request; after the gate a contract with a mandate grants it at once when
    the module starts (``services.module_start``), so there the allocation guard does not hold it back."""
    refused = step_check(trajectory, name, module_code=code)
    no_allocation = state_machine.allocation_for_module(trajectory, today(), {"module_code": code})
    mandate = _has_mandate(trajectory)
    panel["mandate"] = mandate
    panel["grant_at_start"] = bool(no_allocation and name == "continue_module" and mandate)
    if panel["grant_at_start"]:
        refused = [reason for reason in refused if reason != no_allocation]
    elif no_allocation and (not code or selectors.allocation_still_to_request(trajectory=trajectory, module_code=code)):
        # Not while a request for this module waits for the municipality's answer.
        panel["allocation_form"] = allocation_form(trajectory, default_code=code)
    if refused:
        panel["refused"][name] = refused
    else:
        panel["module_form"] = module_start_form(trajectory, default_code=code)


def _has_mandate(trajectory: Trajectory) -> bool:

    client = trajectory.client
    contract = contract_selectors.contract_valid_for(
        municipality=client.municipality, provider=client.provider, on=today()
    )
    return bool(contract is not None and contract.mandate)
