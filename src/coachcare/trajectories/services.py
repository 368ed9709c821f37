"""Writes on trajectories: referral, allocation, consent, goals, modules, the gate, closure, follow-up.

Each service checks the access policy, changes the status only through the state machine, and
writes the NEN 7513 access log, in one transaction.
"""

import calendar
import dataclasses
import datetime
import functools
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.access.consent import AGE_CONSENT_ALONE, AGE_CONSENT_WITH_PARENTS
from coachcare.accounts.models import Role, User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients import services as client_services
from coachcare.clients.models import Client, GezagRelation
from coachcare.contracts import selectors as contract_selectors
from coachcare.contracts import services as contract_services
from coachcare.core.dates import age_on, today
from coachcare.measures.gas import GasConvention, gas_levels_validate, gbo_rating_validate
from coachcare.measures.models import Informant
from coachcare.measures.selectors import closure_responses_get
from coachcare.messaging.services import attachment_check, decrypt_bytes, encrypt_bytes
from coachcare.method import selectors as method_selectors
from coachcare.method.models import Module
from coachcare.trajectories import gate
from coachcare.trajectories.models import (
    ACTIVE_STATUSES,
    Advice,
    Agreement,
    ConsentException,
    Evaluation,
    FollowUp,
    Goal,
    GoalScore,
    ModuleRun,
    ReferrerKind,
    Status,
    Trajectory,
)
from coachcare.trajectories.state_machine import StaleTrajectory, consent_gap_for, transition_apply

FIRST_ACTION_DAYS = 5
FOLLOW_UP_MONTHS = (6, 12)


def _require_writer(actor: User, client: Client) -> None:
    if not policy.can_write_clinical(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))


def _log(
    actor: User, trajectory: Trajectory, action: str, access_point: AccessPoint, event: str = Event.UPDATE
) -> None:
    access_log_record(
        actor=actor, event=event, action=action, client_ids=[trajectory.client.public_id], access_point=access_point
    )


def _locked(trajectory: Trajectory, expected_version: int | None = None) -> Trajectory:
    """The trajectory re-read under a row lock, so concurrent steps queue instead of overwriting.

    ``expected_version`` (default: the version of the object passed in) is the version the person
    saw when they opened the form; if someone saved a change since, nothing is written and they
    are told (``StaleTrajectory``).
    """
    fresh = Trajectory.objects.select_for_update().select_related("client__municipality").get(pk=trajectory.pk)
    expected = trajectory.version if expected_version is None else expected_version
    if fresh.version != expected:
        raise StaleTrajectory(_("Someone else changed this trajectory in the meantime. Reload and try again."))
    return fresh


def _claim(trajectory: Trajectory, expected_version: int | None = None) -> None:
    """For a change without a status change: lock, check the version (see ``_locked``) and move
    it on, so a form opened before this change can no longer overwrite it."""
    locked = _locked(trajectory, expected_version)
    Trajectory.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    trajectory.version = locked.version + 1


def _care_events_changed() -> None:
    """A module started or stopped: after commit, the declarations app derives the iJw start and
    stop of care (JW305/JW307) in the background (idempotent; the monthly run repeats it)."""
    from coachcare.declarations.tasks import care_events_sync_task

    transaction.on_commit(care_events_sync_task.enqueue)


def _module(trajectory: Trajectory, code: str) -> Module:
    try:
        return method_selectors.module_get(version=trajectory.method_version.version, code=code)
    except Module.DoesNotExist as exc:
        raise ValidationError(
            {"module_code": [_("Module %(code)s is not part of this method version.") % {"code": code}]}
        ) from exc


def _catalogue_order(trajectory: Trajectory) -> list[str]:
    return list(
        Module.objects.filter(method_version=trajectory.method_version)
        .order_by("sequence", "code")
        .values_list("code", flat=True)
    )


# --- referral and allocation ----------------------------------------------------------------------


def trajectory_open(
    *,
    actor: User,
    client: Client,
    referrer_kind: str,
    referrer_name: str = "",
    referred_on: datetime.date | None = None,
    access_point: AccessPoint,
) -> Trajectory:
    """Start a trajectory for a registered young person (aanmelding) on the current method version."""
    _require_writer(actor, client)
    if referrer_kind not in ReferrerKind.values:
        raise ValidationError({"referrer_kind": [_("Choose who referred the young person.")]})
    if Trajectory.objects.filter(client=client, status__in=ACTIVE_STATUSES).exists():
        raise ValidationError(_("This young person already has an active trajectory."))
    method_version = method_selectors.method_version_current()
    if method_version is None:
        raise ValidationError(_("No method version is installed: import a method package first."))
    referred_on = referred_on or today()
    client_services.client_eligibility_check(birth_date=client.birth_date, on=referred_on)
    with transaction.atomic():
        trajectory = Trajectory.objects.create(
            client=client,
            municipality_id=client.municipality_id,
            coach=client.coach,
            referrer_kind=referrer_kind,
            referrer_name=referrer_name.strip(),
            referred_on=referred_on,
            method_version=method_version,
            gas_convention=GasConvention(settings.COACHCARE_GAS_CONVENTION).value,
            next_action="request_allocation",
            next_action_due=referred_on + datetime.timedelta(days=FIRST_ACTION_DAYS),
        )
        _log(actor, trajectory, "trajectory.referral", access_point, Event.CREATE)
    return trajectory


def referral_register(
    *,
    actor: User,
    bsn: str,
    given_name: str,
    family_name: str,
    birth_date: datetime.date,
    municipality: Any,
    referrer_kind: str,
    referrer_name: str = "",
    email: str = "",
    mobile: str = "",
    access_point: AccessPoint,
) -> Trajectory:
    """Register a new young person and open their trajectory, all or nothing."""
    with transaction.atomic():
        client = client_services.client_refer(
            actor=actor,
            bsn=bsn,
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            municipality=municipality,
            email=email,
            mobile=mobile,
            access_point=access_point,
        )
        return trajectory_open(
            actor=actor,
            client=client,
            referrer_kind=referrer_kind,
            referrer_name=referrer_name,
            access_point=access_point,
        )


def first_module_code(trajectory: Trajectory) -> str:
    order = _catalogue_order(trajectory)
    if not order:
        raise ValidationError(_("The method version has no modules."))
    return order[0]


def trajectory_request_allocation(
    *, actor: User, trajectory: Trajectory, module_code: str | None = None, access_point: AccessPoint
) -> Any:
    """Ask the municipality for an allocation (JW315) for the next module; under a mandate it is
    granted at once, and a referred trajectory moves on to 'allocated'."""
    _require_writer(actor, trajectory.client)
    code = module_code or (first_module_code(trajectory) if trajectory.status == Status.REFERRED else "")
    if not code:
        raise ValidationError({"module_code": [_("Choose the module.")]})
    _module(trajectory, code)
    with transaction.atomic():
        allocation = contract_services.allocation_request(
            actor=actor, client=trajectory.client, module_code=code, access_point=access_point
        )
        if trajectory.status == Status.REFERRED:
            locked = _locked(trajectory)
            if contract_selectors.allocation_covering(client=locked.client, module_code=code, on=today()):
                transition_apply(
                    trajectory=locked, name="allocate", actor=actor, on=today(), params={"module_code": code}
                )
            else:
                Trajectory.objects.filter(pk=locked.pk).update(next_action="await_allocation")
            trajectory.refresh_from_db()
    return allocation


def trajectory_allocate(*, actor: User, trajectory: Trajectory, access_point: AccessPoint) -> Trajectory:
    """The allocation for the first module has been granted: move on to the intake."""
    _require_writer(actor, trajectory.client)
    with transaction.atomic():
        locked = _locked(trajectory)
        transition_apply(
            trajectory=locked,
            name="allocate",
            actor=actor,
            on=today(),
            params={"module_code": first_module_code(locked)},
        )
        _log(actor, locked, "trajectory.allocate", access_point)
    return locked


# --- consent, intake, goals and the plan -------------------------------------------------------------


def _giver_role(*, actor: User, client: Client, given_by: User) -> str:
    """Check who records whose consent; the role the consent is given in ("jongere" or "ouder")."""
    if given_by == actor and actor.role == Role.JONGERE and client.user_id == actor.pk:
        pass
    elif given_by == actor and actor.role == Role.OUDER:
        if not policy.can_see(actor, client, policy.DataKind.ADMINISTRATIVE):
            raise policy.AccessDenied(_("You cannot change this file."))
    else:
        _require_writer(actor, client)
    if given_by.role == Role.JONGERE:
        if client.user_id != given_by.pk:
            raise ValidationError(_("Only this young person can give their own consent."))
        return "jongere"
    if given_by.role == Role.OUDER:
        if not policy.parent_has_gezag(parent=given_by, client=client, on=today()):
            raise ValidationError(_("Only a parent with gezag can consent."))
        return "ouder"
    raise ValidationError(_("Consent is given by the young person or a parent with gezag."))


def _carer_consent_check(*, actor: User, client: Client, carer: GezagRelation, how: str) -> None:
    """The coach records the consent a family member gave in person or on paper."""
    _require_writer(actor, client)
    if carer.client_id != client.pk or not policy.gezag_on(carer, today()):
        raise ValidationError({"given_by": [_("Only a family member with gezag can consent.")]})
    if how not in {Agreement.How.IN_PERSON, Agreement.How.ON_PAPER}:
        raise ValidationError({"given_how": [_("Say whether the consent was given in person or on paper.")]})


def agreement_record(
    *,
    actor: User,
    trajectory: Trajectory,
    kind: str,
    given_by: User | None,
    carer: GezagRelation | None = None,
    how: str = "",
    scan: UploadedFile | None = None,
    access_point: AccessPoint,
) -> Agreement:
    """Record consent (care, closing summary) or agreement to the plan, given by the young person or a
    family member with gezag, recorded by themselves or by the coach who heard it or has it on paper.

    ``given_by`` None and no ``carer``: the young person, heard by the coach, who has no account
    (yet). The row then names the young person's account if there is one, otherwise the coach who
    recorded it (``given_as`` says it was the young person's consent either way).

    ``carer``: a family member with gezag (a parent, a voogd, a GI) whose consent the coach records,
    ``how`` in person or on paper, with an optional ``scan`` of the paper (checked like a message
    attachment, stored encrypted). The row names their account if they have one, otherwise the coach.
    """
    client = trajectory.client
    checked = None
    if carer is not None:
        _carer_consent_check(actor=actor, client=client, carer=carer, how=how)
        giver = carer.parent if carer.parent is not None else actor
        given_as = "ouder"
    elif given_by is None:
        _require_writer(actor, client)
        giver = client.user if client.user is not None else actor
        given_as = "jongere"
        how = how or Agreement.How.IN_PERSON
    else:
        giver = given_by
        given_as = _giver_role(actor=actor, client=client, given_by=given_by)
        if given_as == "ouder":
            carer = GezagRelation.objects.filter(policy.gezag_q(today()), client=client, parent=given_by).first()
        how = Agreement.How.PORTAL if given_by == actor else (how or Agreement.How.IN_PERSON)
    if kind not in Agreement.Kind.values:
        raise ValidationError(_("Unknown kind of consent."))
    if how not in Agreement.How.values:
        raise ValidationError({"given_how": [_("Say how the consent was given.")]})
    if scan is not None:
        if how != Agreement.How.ON_PAPER:
            raise ValidationError({"scan": [_("A scan goes with a consent given on paper.")]})
        try:
            checked = attachment_check(upload=scan)
        except ValidationError as error:
            raise ValidationError({"scan": error.message_dict.get("attachment", error.messages)}) from error
    with transaction.atomic():
        agreement = Agreement(
            trajectory=trajectory,
            kind=kind,
            plan_revision=trajectory.plan_revision if kind == Agreement.Kind.PLAN else None,
            given_by=giver,
            given_as=given_as,
            carer=carer,
            given_how=how,
            recorded_by=actor,
            given_at=timezone.now(),
        )
        if checked is not None:
            content_type, name, data = checked
            agreement.scan_name = name
            agreement.scan_content_type = content_type
            agreement.scan.save("scan", ContentFile(encrypt_bytes(data)), save=False)
        agreement.save()
        _log(actor, trajectory, f"trajectory.agreement.{kind}", access_point)
    return agreement


def agreement_scan_get(*, actor: User, agreement: Agreement, access_point: AccessPoint) -> tuple[Agreement, bytes]:
    """The decrypted scan of a consent on paper, for the professionals who treat the young person."""
    trajectory = agreement.trajectory
    _require_writer(actor, trajectory.client)
    if not agreement.scan:
        raise ValidationError(_("This consent has no scan."))
    with agreement.scan.open("rb") as handle:
        data = decrypt_bytes(handle.read())
    _log(actor, trajectory, "trajectory.agreement.scan", access_point, event=Event.READ)
    return agreement, data


# --- the exception of Jeugdwet art. 7.3.4 lid 4 --------------------------------------------------------


def consent_exception_record(
    *, actor: User, trajectory: Trajectory, ground: str, reason: str, access_point: AccessPoint
) -> ConsentException:
    """The coach records care without the parents' consent (art. 7.3.4 lid 4) for a young person of
    12 to 15, with the ground and the reason; it counts once the team lead approves it."""
    client = trajectory.client
    if not policy.can_record_consent_exception(actor, client):
        raise policy.AccessDenied(_("You cannot change this file."))
    errors: dict[str, list[str]] = {}
    if ground not in ConsentException.Ground.values:
        errors["ground"] = [_("Choose the ground of the exception.")]
    if not reason.strip():
        errors["reason"] = [_("Describe why care cannot wait for the parents' consent.")]
    age = age_on(client.birth_date, today())
    if not AGE_CONSENT_WITH_PARENTS <= age < AGE_CONSENT_ALONE:
        errors.setdefault("ground", []).append(_("The exception is only for a young person of 12 to 15."))
    if trajectory.status not in ACTIVE_STATUSES:
        errors.setdefault("ground", []).append(_("The trajectory is closed."))
    if ConsentException.objects.filter(
        trajectory=trajectory,
        status__in=[ConsentException.Status.PENDING, ConsentException.Status.APPROVED],
    ).exists():
        errors.setdefault("ground", []).append(_("An exception is already recorded for this trajectory."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        exception = ConsentException.objects.create(
            trajectory=trajectory, ground=ground, reason=reason.strip(), recorded_by=actor
        )
        _log(actor, trajectory, "trajectory.consent_exception", access_point)
    return exception


def consent_exception_decide(
    *, actor: User, exception: ConsentException, approve: bool, note: str = "", access_point: AccessPoint
) -> ConsentException:
    """The team lead of the client's team approves (it counts from now on) or rejects the exception."""
    trajectory = exception.trajectory
    if not policy.can_decide_consent_exception(actor, trajectory.client):
        raise policy.AccessDenied(_("Only the team lead of this team decides on the exception."))
    if not approve and not note.strip():
        raise ValidationError({"note": [_("Say why you do not approve.")]})
    with transaction.atomic():
        updated = ConsentException.objects.filter(pk=exception.pk, status=ConsentException.Status.PENDING).update(
            status=ConsentException.Status.APPROVED if approve else ConsentException.Status.REJECTED,
            decided_by=actor,
            decided_at=timezone.now(),
            decision_note=note.strip(),
        )
        if not updated:
            raise ValidationError(_("This exception is not waiting for a decision."))
        _log(actor, trajectory, "trajectory.consent_exception.decision", access_point)
    exception.refresh_from_db()
    return exception


def agreement_revoke(*, actor: User, agreement: Agreement, access_point: AccessPoint) -> None:
    """Withdraw a consent or agreement: by the person who gave it, or recorded by the treating coach.

    The row stays (when it was given and when withdrawn is the record); from now on it no longer
    counts, so steps that need it are blocked again by the state machine.
    """
    trajectory = agreement.trajectory
    if agreement.given_by_id != actor.pk:
        _require_writer(actor, trajectory.client)
    with transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        _log(actor, trajectory, f"trajectory.agreement.{agreement.kind}.revoke", access_point)


def trajectory_start_intake(*, actor: User, trajectory: Trajectory, access_point: AccessPoint) -> Trajectory:
    _require_writer(actor, trajectory.client)
    with transaction.atomic():
        locked = _locked(trajectory)
        transition_apply(trajectory=locked, name="start_intake", actor=actor, on=today())
        _log(actor, locked, "trajectory.intake", access_point)
    return locked


def _scale_clean(scale: Mapping[int, str], convention: GasConvention) -> dict[str, str]:
    cleaned = {str(level): (scale.get(level) or "").strip() for level in convention.levels}
    missing = [level for level, text in cleaned.items() if not text]
    if missing:
        raise ValidationError(
            {"scale": [_("Describe every level of the GAS scale (%(levels)s).") % {"levels": ", ".join(missing)}]}
        )
    return cleaned


def goal_add(
    *,
    actor: User,
    trajectory: Trajectory,
    text: str,
    scale: Mapping[int, str],
    weight: float = 1.0,
    kind: str = Goal.Kind.PERSONAL,
    access_point: AccessPoint,
) -> Goal:
    """Add a goal written with the young person, with its GAS scale. The plan changes, so it must be agreed again."""
    _require_writer(actor, trajectory.client)
    if trajectory.status not in {Status.INTAKE, Status.MODULE_EVALUATION}:
        raise ValidationError(_("Goals are set at the intake or at a module evaluation."))
    if not text.strip():
        raise ValidationError({"text": [_("Write the goal.")]})
    if weight <= 0:
        raise ValidationError({"weight": [_("The weight must be positive.")]})
    cleaned = _scale_clean(scale, GasConvention(trajectory.gas_convention))
    with transaction.atomic():
        locked = _locked(trajectory)
        order = (locked.goals.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        goal = Goal.objects.create(
            trajectory=locked, order=order, kind=kind, text=text.strip(), scale=json.dumps(cleaned), weight=weight
        )
        Trajectory.objects.filter(pk=locked.pk).update(plan_revision=locked.plan_revision + 1, version=F("version") + 1)
        _log(actor, locked, "trajectory.goal", access_point, Event.CREATE)
    trajectory.refresh_from_db()
    return goal


def goal_scores_record(
    *,
    actor: User,
    trajectory: Trajectory,
    scores: Mapping[int, tuple[int, int]],
    module_run: ModuleRun | None,
    access_point: AccessPoint,
) -> list[GoalScore]:
    """GAS level and GBO score per goal id, at intake (``module_run`` None) or at a module evaluation."""
    _require_writer(actor, trajectory.client)
    goals = list(trajectory.goals.all())
    if not goals:
        raise ValidationError(_("Write at least one goal with the young person."))
    missing = [goal.order for goal in goals if goal.pk not in scores]
    if missing:
        raise ValidationError(
            _("Score every goal (missing: goal %(goals)s).") % {"goals": ", ".join(map(str, missing))}
        )
    convention = GasConvention(trajectory.gas_convention)
    try:
        gas_levels_validate(scores=[scores[goal.pk][0] for goal in goals], convention=convention)
        for goal in goals:
            gbo_rating_validate(scores[goal.pk][1])
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        _claim(trajectory)
        GoalScore.objects.filter(goal__in=goals, module_run=module_run).delete()
        created = GoalScore.objects.bulk_create(
            [
                GoalScore(
                    goal=goal,
                    module_run=module_run,
                    gas=scores[goal.pk][0],
                    gbo=scores[goal.pk][1],
                    convention=convention.value,
                    scored_by=actor,
                )
                for goal in goals
            ]
        )
        _log(actor, trajectory, "trajectory.scores", access_point)
    return created


# --- modules and the gate ---------------------------------------------------------------------------


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
        if ModuleRun.objects.filter(trajectory=locked, module=module).exists():
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
        assert allocation is not None  # guarded by the transition
        contract_services.allocation_consume(allocation=allocation, on=on)
        sequence = ModuleRun.objects.filter(trajectory=locked).count() + 1
        run = ModuleRun.objects.create(
            trajectory=locked, module=module, sequence=sequence, allocation=allocation, started_on=on, due_on=due
        )
        _log(actor, locked, "trajectory.module_start", access_point)
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
        transition_apply(trajectory=locked, name="finish_module", actor=actor, on=on)
        ModuleRun.objects.filter(pk=run.pk).update(state=ModuleRun.State.FINISHED, finished_on=on)
        _log(actor, locked, "trajectory.module_finish", access_point)
        _care_events_changed()
    trajectory.refresh_from_db()
    run.refresh_from_db()
    return run


def _measurements(trajectory: Trajectory) -> list[gate.Measurement]:
    goals = list(trajectory.goals.order_by("order"))
    scores = GoalScore.objects.filter(goal__in=goals).select_related("module_run")
    by_moment: dict[int, dict[int, GoalScore]] = {}
    for score in scores:
        moment = score.module_run.sequence if score.module_run else 0
        by_moment.setdefault(moment, {})[score.goal_id] = score
    measurements = []
    for moment in sorted(by_moment):
        at = by_moment[moment]
        present = [goal for goal in goals if goal.pk in at]
        measurements.append(
            gate.Measurement(
                gas=[at[goal.pk].gas for goal in present],
                gbo=[at[goal.pk].gbo for goal in present],
                weights=[goal.weight for goal in present],
            )
        )
    return measurements


def evaluation_score(
    *, actor: User, trajectory: Trajectory, scores: Mapping[int, tuple[int, int]], access_point: AccessPoint
) -> Evaluation:
    """Score the goals after a module; the system gives its advice (documented in ``gate``)."""
    from coachcare.monitoring import services as monitoring_services  # above trajectories: imported late

    _require_writer(actor, trajectory.client)
    if trajectory.status != Status.MODULE_EVALUATION:
        raise ValidationError(_("Finish the module before evaluating it."))
    run = current_run(trajectory)
    assert run is not None
    with transaction.atomic():
        goal_scores_record(actor=actor, trajectory=trajectory, scores=scores, module_run=run, access_point=access_point)
        done = list(
            ModuleRun.objects.filter(trajectory=trajectory).order_by("sequence").values_list("module__code", flat=True)
        )
        advice = gate.gate_advise(
            measurements=_measurements(trajectory),
            modules_done=done,
            current_is_final=run.module.is_final,
            catalogue_order=_catalogue_order(trajectory),
        )
        evaluation, _created = Evaluation.objects.update_or_create(
            module_run=run,
            defaults={
                "advice": advice.advice,
                "advice_rule": advice.rule,
                "advice_next_module_code": advice.next_module_code,
                "advice_gas_t": advice.gas_t,
                "advice_gbo_mean": advice.gbo_mean,
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
        monitoring_services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])
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
    from coachcare.monitoring import services as monitoring_services  # above trajectories: imported late

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
    deviates = decision != evaluation.advice or (
        decision == Advice.CONTINUE and next_module_code != evaluation.advice_next_module_code
    )
    with transaction.atomic():
        _claim(trajectory, expected_version)
        Evaluation.objects.filter(pk=evaluation.pk).update(
            decision=decision,
            decision_next_module_code=next_module_code,
            decided_by=actor,
            decided_at=timezone.now(),
            deviates=deviates,
            approval=Evaluation.Approval.PENDING if deviates else Evaluation.Approval.NOT_NEEDED,
            approved_by=None,
            approved_at=None,
        )
        evaluation.refresh_from_db()
        evaluation.decision_reason = reason.strip()
        evaluation.save(update_fields=["decision_reason"])
        Trajectory.objects.filter(pk=trajectory.pk).update(
            next_action="await_approval" if deviates else ("start_module" if decision == Advice.CONTINUE else "close")
        )
        _log(actor, trajectory, "trajectory.gate_decision", access_point)
        monitoring_services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])
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
        Trajectory.objects.filter(pk=trajectory.pk).update(next_action=next_action)
        _log(actor, trajectory, "trajectory.gate_approval", access_point)
    return evaluation


# --- closure and follow-up ---------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


SATISFACTION_QUESTIONNAIRE = "tevredenheid"
#: The parents' version of the satisfaction questionnaire (``measures/data/tevredenheid-ouder.json``).
SATISFACTION_QUESTIONNAIRE_PARENT = "tevredenheid-ouder"
CLOSURE_QUESTIONNAIRES = (SATISFACTION_QUESTIONNAIRE, SATISFACTION_QUESTIONNAIRE_PARENT)
#: An answer of 4 or 5 ("mee eens", "helemaal mee eens") to "… kan nu zonder hulp verder" counts as yes.
WITHOUT_HELP_FROM = 4


def _closure_outcomes(trajectory: Trajectory) -> dict[str, Any]:
    """The outcome answers the young person and a parent gave themselves at closure
    (``measures.selectors.closure_responses_get``): the satisfaction score, the usefulness item
    ("nut") and whether they can carry on without help, per informant."""
    responses = closure_responses_get(trajectory_public_id=trajectory.public_id, codes=CLOSURE_QUESTIONNAIRES)
    youth, parent = responses.get(Informant.JONGERE), responses.get(Informant.OUDER)

    def without_help(response: Any) -> bool | None:
        value = response.subscales.get("zonder-hulp") if response is not None else None
        return None if value is None else value >= WITHOUT_HELP_FROM

    return {
        "satisfaction_score": youth.total if youth is not None else None,
        "useful_youth": youth.subscales.get("nut") if youth is not None else None,
        "useful_parent": parent.subscales.get("nut") if parent is not None else None,
        "without_help_youth": without_help(youth),
        "without_help_parent": without_help(parent),
    }


def trajectory_close(
    *,
    actor: User,
    trajectory: Trajectory,
    end_reason: str,
    access_point: AccessPoint,
    without_help: bool | None = None,
    not_answered_reason: str = "",
    reason: str = "",
) -> Trajectory:
    """Close with the iJw end reason; keep the final scores and the outcome answers the young
    person and a parent gave themselves in the portal (the coach never enters them: answers a
    professional entered do not count); schedule the 6- and 12-month follow-ups.

    ``without_help`` is the coach's own judgement whether the young person can carry on without
    help (indicator 3.1, informant professional); ``not_answered_reason`` why the young person did
    not fill in the satisfaction questionnaire."""
    from coachcare.monitoring import services as monitoring_services  # above trajectories: imported late
    from coachcare.safeguarding import services as safeguarding_services  # above trajectories: imported late
    from coachcare.trajectories.tasks import follow_up_due_task

    _require_writer(actor, trajectory.client)
    on = today()
    with transaction.atomic():
        locked = _locked(trajectory)
        measurements = _measurements(locked)
        final = measurements[-1] if measurements else None
        first_due = _add_months(on, FOLLOW_UP_MONTHS[0])
        transition_apply(
            trajectory=locked,
            name="close",
            reason=reason,
            actor=actor,
            on=on,
            params={"end_reason": end_reason},
            next_action_due=first_due,
        )
        outcomes = _closure_outcomes(locked)
        Trajectory.objects.filter(pk=locked.pk).update(
            **outcomes,
            without_help_professional=without_help,
            not_answered_reason="" if outcomes["satisfaction_score"] is not None else not_answered_reason.strip(),
            end_reason=end_reason,
            closed_on=on,
            final_gas_t=round(final.gas_t, 2) if final else None,
            final_gbo_mean=round(final.gbo_mean, 2) if final else None,
        )
        follow_ups = FollowUp.objects.bulk_create(
            [FollowUp(trajectory=locked, months=months, due_on=_add_months(on, months)) for months in FOLLOW_UP_MONTHS]
        )
        for follow_up in follow_ups:
            run_after = timezone.make_aware(datetime.datetime.combine(follow_up.due_on, datetime.time(7, 0)))
            transaction.on_commit(
                functools.partial(follow_up_due_task.using(run_after=run_after).enqueue, follow_up.pk)
            )
        _log(actor, locked, "trajectory.close", access_point)
        _care_events_changed()
        # A step up (38/39): the municipality's access team is told after commit (warm hand-off).
        safeguarding_services.handoff_record(trajectory_id=locked.pk, end_reason=end_reason)
        monitoring_services.trajectory_outcomes_refresh(trajectory_ids=[locked.pk])
    locked.refresh_from_db()
    return locked


def follow_up_mark_due(*, follow_up_id: int, on: datetime.date | None = None) -> bool:
    """Background task body: the follow-up contact is due. Idempotent: running it twice changes nothing."""
    on = on or today()
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().select_related("trajectory").filter(pk=follow_up_id).first()
        if follow_up is None or follow_up.state != FollowUp.State.SCHEDULED or follow_up.due_on > on:
            return False
        FollowUp.objects.filter(pk=follow_up.pk).update(state=FollowUp.State.DUE)
        trajectory = Trajectory.objects.select_for_update().get(pk=follow_up.trajectory_id)
        if trajectory.status == Status.CLOSED:
            transition_apply(
                trajectory=trajectory, name="begin_follow_up", actor=None, on=on, next_action_due=follow_up.due_on
            )
        else:
            Trajectory.objects.filter(pk=trajectory.pk).update(
                next_action="follow_up", next_action_due=follow_up.due_on
            )
    return True


def follow_up_record(
    *, actor: User, follow_up: FollowUp, needed_care_again: bool, access_point: AccessPoint
) -> FollowUp:
    """The coach records whether the young person needed care again; after the last one, archive."""
    from coachcare.monitoring import services as monitoring_services  # above trajectories: imported late

    trajectory = follow_up.trajectory
    _require_writer(actor, trajectory.client)
    if follow_up.state != FollowUp.State.DUE:
        raise ValidationError(_("This follow-up contact is not due yet."))
    with transaction.atomic():
        FollowUp.objects.filter(pk=follow_up.pk).update(
            state=FollowUp.State.DONE,
            needed_care_again=needed_care_again,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        locked = _locked(trajectory)
        remaining = FollowUp.objects.filter(trajectory=locked).exclude(state=FollowUp.State.DONE)
        if not remaining.exists():
            transition_apply(trajectory=locked, name="archive", actor=actor, on=today())
        else:
            nxt = remaining.order_by("due_on").first()
            assert nxt is not None
            Trajectory.objects.filter(pk=locked.pk).update(next_action="follow_up", next_action_due=nxt.due_on)
        _log(actor, locked, "trajectory.follow_up", access_point)
        monitoring_services.trajectory_outcomes_refresh(trajectory_ids=[locked.pk])
    follow_up.refresh_from_db()
    return follow_up


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClosingSummary:
    released: bool
    missing_consent: list[str]
    text: str


def closing_summary_get(*, actor: User, trajectory: Trajectory, access_point: AccessPoint) -> ClosingSummary:
    """A short summary for the referrer, released only with the consent the age rules require."""
    _require_writer(actor, trajectory.client)
    if trajectory.status not in {Status.CLOSED, Status.FOLLOW_UP, Status.ARCHIVED}:
        raise ValidationError(_("The closing summary exists once the trajectory is closed."))
    gap = consent_gap_for(trajectory, Agreement.Kind.SUMMARY, today())
    missing = []
    if gap.young_person:
        missing.append(trajectory.client.full_name)
    missing += [carer.display_name for carer in gap.carers]
    if gap.nobody_with_gezag:
        missing.append(_("a parent or voogd with gezag"))
    runs = list(ModuleRun.objects.filter(trajectory=trajectory).select_related("module").order_by("sequence"))
    lines = [
        _("Closing summary for the referrer"),
        _("Young person: %(name)s, referred on %(date)s.")
        % {"name": trajectory.client.full_name, "date": trajectory.referred_on.isoformat()},
        _("Modules followed: %(modules)s.") % {"modules": ", ".join(run.module.name for run in runs) or "-"},
        _("Ended on %(date)s, reason: %(reason)s.")
        % {
            "date": trajectory.closed_on.isoformat() if trajectory.closed_on else "-",
            "reason": trajectory.get_end_reason_display(),
        },
        _("Goals: %(count)s; final mean GBO score %(gbo)s (0 to 10), final GAS T-score %(gas)s (50 = as expected).")
        % {
            "count": trajectory.goals.count(),
            "gbo": trajectory.final_gbo_mean if trajectory.final_gbo_mean is not None else "-",
            "gas": trajectory.final_gas_t if trajectory.final_gas_t is not None else "-",
        },
    ]
    _log(actor, trajectory, "trajectory.closing_summary", access_point, Event.READ)
    return ClosingSummary(released=not missing, missing_consent=missing, text="\n".join(lines))
