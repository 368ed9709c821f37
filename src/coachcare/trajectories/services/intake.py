"""Consent, the exception of Jeugdwet art. 7.3.4 lid 4, the intake, goals and the plan."""

import json
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.access.consent import AGE_CONSENT_ALONE, AGE_CONSENT_WITH_PARENTS
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client, GezagRelation
from coachcare.core.dates import age_on, today
from coachcare.core.files import decrypt_bytes, encrypt_bytes, upload_check
from coachcare.measures.gas import GasConvention, gas_levels_validate
from coachcare.trajectories import state_machine
from coachcare.trajectories.models import (
    ACTIVE_STATUSES,
    Agreement,
    ConsentException,
    Goal,
    GoalRating,
    GoalScore,
    Status,
    Trajectory,
)
from coachcare.trajectories.services._shared import _claim, _locked, _require_writer
from coachcare.trajectories.services.ratings import GBO_INFORMANT, goal_ratings_skipped_record
from coachcare.trajectories.state_machine import transition_apply


def _giver_role(*, actor: User, client: Client, given_by: User) -> str:
    """Check who records whose consent; the role the consent is given in ("jongere" or "ouder")."""
    if given_by == actor and policy.is_young_person(actor) and client.user_id == actor.pk:
        pass
    elif given_by == actor and policy.is_parent(actor):
        if not policy.can_see(actor, client, policy.DataKind.ADMINISTRATIVE):
            raise policy.AccessDenied(_("You cannot change this file."))
    else:
        _require_writer(actor, client)
    if policy.is_young_person(given_by):
        if client.user_id != given_by.pk:
            raise ValidationError(_("Only this young person can give their own consent."))
        return "jongere"
    if policy.is_parent(given_by):
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
    scan: UploadedFile[bytes] | None = None,
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
    if kind == Agreement.Kind.PLAN:
        no_goal = state_machine.plan_has_goal(trajectory, today(), {})
        if no_goal:
            raise ValidationError(no_goal)
    if how not in Agreement.How.values:
        raise ValidationError({"given_how": [_("Say how the consent was given.")]})
    if scan is not None:
        if how != Agreement.How.ON_PAPER:
            raise ValidationError({"scan": [_("A scan goes with a consent given on paper.")]})
        try:
            checked = upload_check(upload=scan)
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
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action=f"trajectory.agreement.{kind}",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
    return agreement


def agreement_scan_get(*, actor: User, agreement: Agreement, access_point: AccessPoint) -> tuple[Agreement, bytes]:
    """The decrypted scan of a consent on paper, for the professionals who treat the young person."""
    trajectory = agreement.trajectory
    _require_writer(actor, trajectory.client)
    if not agreement.scan:
        raise ValidationError(_("This consent has no scan."))
    with agreement.scan.open("rb") as handle:
        data = decrypt_bytes(handle.read())
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="trajectory.agreement.scan",
        client_ids=[trajectory.client.public_id],
        access_point=access_point,
    )
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
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.consent_exception",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
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
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.consent_exception.decision",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
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
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action=f"trajectory.agreement.{agreement.kind}.revoke",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )


def trajectory_start_intake(*, actor: User, trajectory: Trajectory, access_point: AccessPoint) -> Trajectory:
    _require_writer(actor, trajectory.client)
    with transaction.atomic():
        locked = _locked(trajectory)
        transition_apply(trajectory=locked, name="start_intake", actor=actor, on=today())
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.intake",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
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
    domain: str = "",
    access_point: AccessPoint,
) -> Goal:
    """Add a goal written with the young person, with its GAS scale. The plan changes, so it must be agreed again.

    ``domain``: a goal domain of the trajectory's method version (the gate proposes the module that
    serves the open goals' domains); a goal without one fits every module. The goal form asks for
    it whenever the method names domains."""
    _require_writer(actor, trajectory.client)
    if trajectory.status not in {Status.INTAKE, Status.MODULE_EVALUATION}:
        raise ValidationError(_("Goals are set at the intake or at a module evaluation."))
    if not text.strip():
        raise ValidationError({"text": [_("Write the goal.")]})
    if weight <= 0:
        raise ValidationError({"weight": [_("The weight must be positive.")]})
    domains = {item["code"] for item in trajectory.method_version.goal_domains or []}
    if domain and domain not in domains:
        raise ValidationError({"domain": [_("Choose a domain of this method version.")]})
    cleaned = _scale_clean(scale, GasConvention(trajectory.gas_convention))
    with transaction.atomic():
        locked = _locked(trajectory)
        order = (locked.goals.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        goal = Goal.objects.create(
            trajectory=locked,
            order=order,
            kind=kind,
            domain=domain,
            text=text.strip(),
            scale=json.dumps(cleaned),
            weight=weight,
        )
        Trajectory.objects.filter(pk=locked.pk).update(plan_revision=locked.plan_revision + 1, version=F("version") + 1)
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="trajectory.goal",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
    trajectory.refresh_from_db()
    return goal


def goal_scores_record(
    *,
    actor: User,
    trajectory: Trajectory,
    gas: Mapping[int, int],
    not_rated_choice: str = "",
    not_rated_reason: str = "",
    access_point: AccessPoint,
) -> list[GoalScore]:
    """The baseline of every goal at the intake: the coach's GAS level (goal id to level, the
    professional score). The GBO score of the baseline is the young person's own intake rating from
    the portal (``services.ratings.goal_ratings_submit``), copied now or as soon as they give it;
    the coach never types it. For goals the young person has not rated the coach may record why
    (``not_rated_choice`` and a short ``not_rated_reason``, "niet beantwoord, omdat …"); the plan
    cannot be agreed until every goal has the young person's rating or that reason.

    A baseline the coach typed before GBO came from the portal (informant "professional") stays."""
    _require_writer(actor, trajectory.client)
    goals = list(trajectory.goals.all())
    if not goals:
        raise ValidationError(_("Write at least one goal with the young person."))
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
    with transaction.atomic():
        _claim(trajectory)
        ratings = dict(
            GoalRating.objects.filter(goal__in=goals, module_run__isnull=True, informant=GBO_INFORMANT).values_list(
                "goal_id", "rating"
            )
        )
        earlier = {
            score.goal_id: score
            for score in GoalScore.objects.filter(goal__in=goals, module_run__isnull=True, gbo__isnull=False)
        }
        GoalScore.objects.filter(goal__in=goals, module_run__isnull=True).delete()
        created = []
        for goal in goals:
            gbo, informant = None, ""
            if goal.pk in ratings:
                gbo, informant = ratings[goal.pk], GBO_INFORMANT
            elif goal.pk in earlier:  # typed by the coach before issue 16.2
                gbo, informant = earlier[goal.pk].gbo, earlier[goal.pk].gbo_informant
            created.append(
                GoalScore(
                    goal=goal,
                    module_run=None,
                    gas=gas[goal.pk],
                    gbo=gbo,
                    gbo_informant=informant,
                    convention=convention.value,
                    scored_by=actor,
                )
            )
        created = GoalScore.objects.bulk_create(created)
        if not_rated_choice and any(score.gbo is None for score in created):
            goal_ratings_skipped_record(
                actor=actor,
                trajectory=trajectory,
                module_run=None,
                reason=not_rated_choice,
                note=not_rated_reason,
                access_point=access_point,
            )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.scores",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
    return created
