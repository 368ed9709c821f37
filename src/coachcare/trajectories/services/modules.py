"""Modules and the gate: a module starts and finishes, the evaluation is scored, decided and approved."""

import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.contracts import selectors as contract_selectors
from coachcare.contracts import services as contract_services
from coachcare.contracts.models import FundingModel
from coachcare.core.dates import today
from coachcare.measures.gas import GasConvention, gas_levels_validate, gbo_rating_validate
from coachcare.measures.models import Informant
from coachcare.providers.models import GateDeviation, Provider
from coachcare.trajectories import gate
from coachcare.trajectories.deadlines import step_due
from coachcare.trajectories.models import (
    Advice,
    Evaluation,
    GoalRating,
    GoalScore,
    ModuleRun,
    Status,
    Trajectory,
)
from coachcare.trajectories.outcome_inputs import outcome_inputs_changed
from coachcare.trajectories.services._shared import (
    _care_events_changed,
    _catalogue,
    _claim,
    _domain_names,
    _locked,
    _measurements,
    _module,
    _reliable_change,
    _require_writer,
)
from coachcare.trajectories.services.move import module_run_allocation_link
from coachcare.trajectories.state_machine import transition_apply


class _NotGranted(Exception):
    pass


def _allocation_under_mandate(
    *, actor: User, trajectory: Trajectory, module_code: str, on: datetime.date, access_point: AccessPoint
) -> None:
    """After the gate, a contract with a mandate lets the next module start without a new request:
    the allocation is granted at once (and the municipality informed). Without a mandate, or over
    budget, nothing is requested here and the state machine's allocation guard says what is missing."""
    if contract_selectors.allocation_covering(client=trajectory.client, module_code=module_code, on=on):
        return
    if contract_selectors.contract_product_for(
        client=trajectory.client, module_code=module_code, on=on, funding_model=FundingModel.TASK
    ):
        return  # task-based: no allocation per young person
    try:
        with transaction.atomic():
            allocation = contract_services.allocation_request(
                actor=actor, client=trajectory.client, module_code=module_code, access_point=access_point
            )
            if not allocation.via_mandate:
                raise _NotGranted
    except (_NotGranted, ValidationError):
        return


def module_start(*, actor: User, trajectory: Trajectory, module_code: str, access_point: AccessPoint) -> ModuleRun:
    """Start a module: needs consent, an agreed plan, an allocation covering it and (after a module) the gate."""
    _require_writer(actor, trajectory.client)
    module = _module(trajectory, module_code)
    on = today()
    with transaction.atomic():
        locked = _locked(trajectory)
        name = "start_module" if locked.status == Status.INTAKE else "continue_module"
        if (
            ModuleRun.objects.filter(trajectory=locked, module=module)
            .exclude(state=ModuleRun.State.INTERRUPTED)
            .exists()
        ):
            raise ValidationError(_("This module was already followed in this trajectory."))
        due = on + datetime.timedelta(weeks=module.expected_weeks)
        if name == "continue_module":
            _allocation_under_mandate(
                actor=actor, trajectory=locked, module_code=module_code, on=on, access_point=access_point
            )
        transition_apply(
            trajectory=locked,
            name=name,
            actor=actor,
            on=on,
            params={"module_code": module_code},
            next_action_due=due,
        )
        allocation = contract_selectors.allocation_covering(client=locked.client, module_code=module_code, on=on)
        if allocation is not None:
            contract_services.allocation_consume(allocation=allocation, on=on)
        # else: a task-based module (paid from the contract's lump sum; guarded by the transition):
        # no allocation, the start and stop of care are still reported (declarations.care_events_sync).
        sequence = ModuleRun.objects.filter(trajectory=locked).count() + 1
        run = ModuleRun.objects.create(
            trajectory=locked, module=module, sequence=sequence, allocation=allocation, started_on=on, due_on=due
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.module_start",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
        _care_events_changed()
    trajectory.refresh_from_db()
    return run


def current_run(trajectory: Trajectory) -> ModuleRun | None:
    return ModuleRun.objects.filter(trajectory=trajectory).select_related("module").order_by("-sequence").first()


def module_finish(*, actor: User, trajectory: Trajectory, access_point: AccessPoint) -> ModuleRun:
    _require_writer(actor, trajectory.client)
    on = today()
    with transaction.atomic():
        locked = _locked(trajectory)
        run = current_run(locked)
        if run is None:
            raise ValidationError(_("No module is running."))
        run = module_run_allocation_link(run=run, on=on)  # a module that ran on after a move
        transition_apply(trajectory=locked, name="finish_module", actor=actor, on=on)
        ModuleRun.objects.filter(pk=run.pk).update(state=ModuleRun.State.FINISHED, finished_on=on)
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.module_finish",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
        _care_events_changed()
    trajectory.refresh_from_db()
    run.refresh_from_db()
    return run


#: Who rates the goals (GBO) before a module evaluation: the respondent of the method's GBO
#: questionnaire (``measures/data/gbo.json``: the young person).
GBO_INFORMANT = Informant.JONGERE


def goal_ratings_submit(
    *, actor: User, trajectory: Trajectory, ratings: Mapping[int, int], access_point: AccessPoint
) -> list[GoalRating]:
    """The young person rates every goal (0 to 10) in the portal once the module has reached its
    evaluation, until the coach scores it; a new rating replaces their earlier one. Stored with
    the informant; the coach never enters these ratings."""
    client = trajectory.client
    if not policy.can_answer_questionnaire(actor, client, GBO_INFORMANT, informant_only=True):
        raise policy.AccessDenied(_("Only the young person rates their own goals."))
    run = current_run(trajectory)
    if trajectory.status != Status.MODULE_EVALUATION or run is None or run.state != ModuleRun.State.FINISHED:
        raise ValidationError(_("There is nothing to rate now: your coach has not finished a module with you."))
    goals = list(trajectory.goals.order_by("order"))
    missing = [goal.order for goal in goals if goal.pk not in ratings]
    if missing:
        raise ValidationError(
            _("Give every goal a mark (missing: goal %(goals)s).") % {"goals": ", ".join(map(str, missing))}
        )
    try:
        for goal in goals:
            gbo_rating_validate(ratings[goal.pk])
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(trajectory, trajectory.version)
        if not ModuleRun.objects.filter(pk=run.pk, state=ModuleRun.State.FINISHED).exists():
            raise ValidationError(_("Your coach has already discussed this module with you."))
        GoalRating.objects.filter(module_run=run, informant=GBO_INFORMANT).delete()
        created = GoalRating.objects.bulk_create(
            GoalRating(
                goal=goal,
                module_run=run,
                informant=GBO_INFORMANT,
                rating=ratings[goal.pk],
                rated_by=actor,
                rated_at=now,
            )
            for goal in goals
        )
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="portal.goal_rating",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
    return created


def evaluation_score(
    *,
    actor: User,
    trajectory: Trajectory,
    gas: Mapping[int, int],
    not_rated_reason: str = "",
    access_point: AccessPoint,
) -> Evaluation:
    """Score the goals after a module; the system gives its advice (documented in ``gate``).

    The coach gives the GAS level of every goal (``gas``: goal id to level, the professional
    score); the GBO score of each goal is the young person's own rating from the portal
    (``goal_ratings_submit``). A goal the young person did not rate keeps no GBO score at this
    moment, and the coach says why (``not_rated_reason``, "niet ingevuld, omdat …")."""

    _require_writer(actor, trajectory.client)
    if trajectory.status != Status.MODULE_EVALUATION:
        raise ValidationError(_("Finish the module before evaluating it."))
    run = current_run(trajectory)
    assert run is not None
    goals = list(trajectory.goals.order_by("order"))
    missing = [goal.order for goal in goals if goal.pk not in gas]
    if missing:
        raise ValidationError(
            _("Score every goal (missing: goal %(goals)s).") % {"goals": ", ".join(map(str, missing))}
        )
    convention = GasConvention(trajectory.gas_convention)
    try:
        gas_levels_validate(scores=[gas[goal.pk] for goal in goals], convention=convention)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    ratings = dict(GoalRating.objects.filter(module_run=run, informant=GBO_INFORMANT).values_list("goal_id", "rating"))
    unrated = [goal.order for goal in goals if goal.pk not in ratings]
    if unrated and not not_rated_reason.strip():
        raise ValidationError(
            {
                "not_rated_reason": [
                    _(
                        "The young person has not rated goal %(goals)s: ask them to do it in the portal, "
                        "or say why it was not filled in."
                    )
                    % {"goals": ", ".join(map(str, unrated))}
                ]
            }
        )
    with transaction.atomic():
        _claim(trajectory)
        GoalScore.objects.filter(goal__in=goals, module_run=run).delete()
        GoalScore.objects.bulk_create(
            GoalScore(
                goal=goal,
                module_run=run,
                gas=gas[goal.pk],
                gbo=ratings.get(goal.pk),
                gbo_informant=GBO_INFORMANT if goal.pk in ratings else "",
                convention=convention.value,
                scored_by=actor,
            )
            for goal in goals
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.scores",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
        done = list(
            ModuleRun.objects.filter(trajectory=trajectory).order_by("sequence").values_list("module__code", flat=True)
        )
        advice = gate.gate_advise(
            measurements=_measurements(trajectory),
            modules_done=done,
            current_is_final=run.module.is_final,
            catalogue=_catalogue(trajectory),
            goal_domains=[goal.domain for goal in goals],
            reliable_change=_reliable_change(trajectory),
        )
        names = _domain_names(trajectory)
        detail = (
            {
                "fitting": list(advice.fitting_modules),
                "open_goals": list(advice.open_goals),
                "domains": [names.get(code, code) for code in advice.domains],
            }
            if advice.fitting_modules
            else {}
        )
        evaluation, _created = Evaluation.objects.update_or_create(
            module_run=run,
            defaults={
                "advice": advice.advice,
                "advice_rule": advice.rule,
                "advice_next_module_code": advice.next_module_code,
                "advice_gas_t": advice.gas_t,
                "advice_gbo_mean": advice.gbo_mean,
                "advice_detail": detail,
                "gbo_not_rated_reason": not_rated_reason.strip() if unrated else "",
                "decision": "",
                "decision_next_module_code": "",
                "decision_reason": "",
                "decided_by": None,
                "decided_at": None,
                "deviates": False,
                "approval": Evaluation.Approval.NOT_NEEDED,
            },
        )
        ModuleRun.objects.filter(pk=run.pk).update(state=ModuleRun.State.EVALUATED)
        outcome_inputs_changed(trajectory_ids=[trajectory.pk])
    return evaluation


def evaluation_decide(
    *,
    actor: User,
    evaluation: Evaluation,
    decision: str,
    next_module_code: str = "",
    reason: str,
    access_point: AccessPoint,
    expected_version: int | None = None,
) -> Evaluation:
    """The coach decides, with a reason. A decision that deviates from the advice waits for the team lead.

    ``expected_version``: the trajectory version the coach saw; a decision saved meanwhile by
    someone else is never silently overwritten (``StaleTrajectory``)."""

    trajectory = evaluation.module_run.trajectory
    _require_writer(actor, trajectory.client)
    if decision not in Advice.values:
        raise ValidationError({"decision": [_("Choose stop, continue or step up.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for your decision.")]})
    if decision == Advice.CONTINUE:
        if not next_module_code:
            raise ValidationError({"next_module_code": [_("Name the next module.")]})
        _module(trajectory, next_module_code)
    else:
        next_module_code = ""
    kinds = gate.gate_deviations(
        advice=evaluation.advice,
        advice_next=evaluation.advice_next_module_code,
        decision=decision,
        decision_next=next_module_code,
        fitting=(evaluation.advice_detail or {}).get("fitting", []),
    )
    deviates = bool(kinds)
    # Which deviations wait for the team lead is the provider's setting (docs/trajectories.md).
    needs_approval = bool(kinds & set(trajectory.client.provider.gate_approval_required or []))
    with transaction.atomic():
        _claim(trajectory, expected_version)
        Evaluation.objects.filter(pk=evaluation.pk).update(
            decision=decision,
            decision_next_module_code=next_module_code,
            decided_by=actor,
            decided_at=timezone.now(),
            deviates=deviates,
            approval=Evaluation.Approval.PENDING if needs_approval else Evaluation.Approval.NOT_NEEDED,
            approved_by=None,
            approved_at=None,
        )
        evaluation.refresh_from_db()
        evaluation.decision_reason = reason.strip()
        evaluation.save(update_fields=["decision_reason"])
        next_action = (
            "await_approval" if needs_approval else ("start_module" if decision == Advice.CONTINUE else "close")
        )
        Trajectory.objects.filter(pk=trajectory.pk).update(
            next_action=next_action, next_action_due=step_due(next_action=next_action, since=today())
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.gate_decision",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
        outcome_inputs_changed(trajectory_ids=[trajectory.pk])
    return evaluation


def evaluation_approve(
    *, actor: User, evaluation: Evaluation, approve: bool, note: str = "", access_point: AccessPoint
) -> Evaluation:
    """The team lead approves or rejects a decision that deviates from the advice."""
    trajectory = evaluation.module_run.trajectory
    if not policy.can_approve_gate_decision(actor, trajectory.client):
        raise policy.AccessDenied(_("Only the team lead of this team approves deviating decisions."))
    if evaluation.approval != Evaluation.Approval.PENDING:
        raise ValidationError(_("This decision is not waiting for approval."))
    if not approve and not note.strip():
        raise ValidationError({"note": [_("Say why you do not approve.")]})
    with transaction.atomic():
        Evaluation.objects.filter(pk=evaluation.pk, approval=Evaluation.Approval.PENDING).update(
            approval=Evaluation.Approval.APPROVED if approve else Evaluation.Approval.REJECTED,
            approved_by=actor,
            approved_at=timezone.now(),
        )
        evaluation.refresh_from_db()
        evaluation.approval_note = note.strip()
        evaluation.save(update_fields=["approval_note"])
        next_action = "decide"
        if approve:
            next_action = "start_module" if evaluation.decision == Advice.CONTINUE else "close"
        Trajectory.objects.filter(pk=trajectory.pk).update(
            next_action=next_action, next_action_due=step_due(next_action=next_action, since=today())
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.gate_approval",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
    return evaluation


# --- the provider's setting of the gate ------------------------------------------------------------


def provider_gate_approvals_set(*, actor: User, provider: Provider, kinds: list[str]) -> Provider:
    """Choose which gate decisions against the advice wait for the team lead
    (``Provider.gate_approval_required``; ``policy.can_set_gate_approvals``). The others are still
    recorded as deviations, but need no approval. Applies to decisions taken from now on.

    The setting is stored on the provider but belongs to the gate, so it is written here: a service
    in ``providers`` asking the policy would make ``providers`` and ``access``/``accounts`` import
    each other (docs/house-metrics.md)."""
    if not policy.can_set_gate_approvals(actor, provider.pk):
        raise policy.AccessDenied(_("Only a team lead or the administrator of the provider changes this setting."))
    unknown = sorted(set(kinds) - set(GateDeviation.values))
    if unknown:
        raise ValidationError({"kinds": [_("Unknown kind of deviation: %(codes)s.") % {"codes": ", ".join(unknown)}]})
    chosen = [value for value in GateDeviation.values if value in set(kinds)]  # in the list's own order
    with transaction.atomic():
        Provider.objects.filter(pk=provider.pk).update(gate_approval_required=chosen)
    provider.refresh_from_db()
    return provider
