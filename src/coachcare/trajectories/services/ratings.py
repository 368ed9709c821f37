"""GBO: the goals rated by the young person and a parent in the portal, at the intake and before
every module evaluation; the coach records why the young person did not rate ("niet beantwoord,
omdat …") but never enters a rating (issue 16.2)."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.measures.gas import gbo_rating_validate
from coachcare.measures.models import Informant
from coachcare.trajectories.models import GoalRating, GoalRatingSkipped, GoalScore, ModuleRun, Trajectory
from coachcare.trajectories.selectors import goal_rating_moment
from coachcare.trajectories.services._shared import _locked, _require_writer

#: Whose rating the gate, the baseline and the indicators use: the young person's own. A parent's
#: rating (informant "ouder") is a second view, shown to the coach next to it.
GBO_INFORMANT = Informant.JONGERE


def rating_informant(*, actor: User, trajectory: Trajectory) -> str:
    """The informant ``actor`` rates the goals of ``trajectory`` as: "jongere" for the young person
    themself, "ouder" for a parent who may answer for the file on the day (clinical access: gezag
    and the age rules, a 16+ young person's consent: ``policy.can_answer_questionnaire``).
    ``AccessDenied`` for everyone else, the professionals included."""
    client = trajectory.client
    if policy.can_answer_questionnaire(actor, client, Informant.JONGERE, informant_only=True):
        return Informant.JONGERE
    if policy.is_parent(actor) and policy.can_answer_questionnaire(actor, client, Informant.OUDER, informant_only=True):
        return Informant.OUDER
    raise policy.AccessDenied(_("Only the young person or a parent rates the goals."))


def goal_ratings_submit(
    *, actor: User, trajectory: Trajectory, ratings: Mapping[int, int], access_point: AccessPoint
) -> list[GoalRating]:
    """The young person (or a parent, as second informant) rates every goal (0 to 10) in the portal:
    at the intake once goals exist ("hoe sta je er nu voor?", the baseline) and once a module has
    reached its evaluation, until the coach scores it; a new rating replaces their earlier one.

    Stored with the informant. The young person's rating becomes the GBO score of the moment
    (``GoalScore.gbo``, informant "jongere") as soon as the coach's GAS levels of that moment exist;
    a parent's rating never does."""
    informant = rating_informant(actor=actor, trajectory=trajectory)
    moment = goal_rating_moment(trajectory=trajectory)
    if moment is None:
        raise ValidationError(_("There is nothing to rate now."))
    run = moment.run
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
        if goal_rating_moment(trajectory=locked) != moment:
            raise ValidationError(_("Your coach has already discussed this with you."))
        at_moment = GoalRating.objects.filter(goal__in=goals, informant=informant)
        at_moment = at_moment.filter(module_run__isnull=True) if run is None else at_moment.filter(module_run=run)
        at_moment.delete()
        created = GoalRating.objects.bulk_create(
            GoalRating(
                goal=goal,
                module_run=run,
                informant=informant,
                rating=ratings[goal.pk],
                rated_by=actor,
                rated_at=now,
            )
            for goal in goals
        )
        if run is None and informant == GBO_INFORMANT:
            # The baseline: the coach may have saved the intake GAS levels already.
            for goal in goals:
                GoalScore.objects.filter(goal=goal, module_run__isnull=True).update(
                    gbo=ratings[goal.pk], gbo_informant=GBO_INFORMANT
                )
        access_log_record(
            actor=actor,
            event=Event.CREATE,
            action="portal.goal_rating",
            client_ids=[locked.client.public_id],
            access_point=access_point,
        )
    return created


def goal_ratings_skipped_record(
    *,
    actor: User,
    trajectory: Trajectory,
    module_run: ModuleRun | None,
    reason: str,
    note: str = "",
    access_point: AccessPoint,
) -> GoalRatingSkipped:
    """The coach records why the young person did not rate their goals at the intake
    (``module_run`` None) or before the evaluation of ``module_run``: a content-free reason and a
    short note ("niet beantwoord, omdat …"). It replaces an earlier record of the same moment.
    Called inside the coach's scoring services, in their transaction."""
    _require_writer(actor, trajectory.client)
    note = note.strip()
    if reason not in GoalRatingSkipped.Reason.values:
        raise ValidationError({"not_rated_choice": [_("Choose why the young person did not rate their goals.")]})
    if reason == GoalRatingSkipped.Reason.OTHER and not note:
        raise ValidationError({"not_rated_reason": [_("Say in a few words why.")]})
    if len(note) > GoalRatingSkipped.NOTE_MAX:
        too_long = _("Keep it short (at most %(max)d characters).") % {"max": GoalRatingSkipped.NOTE_MAX}
        raise ValidationError({"not_rated_reason": [too_long]})
    with transaction.atomic():
        GoalRatingSkipped.objects.filter(trajectory=trajectory, module_run=module_run).delete()
        if module_run is None:
            GoalRatingSkipped.objects.filter(trajectory=trajectory, module_run__isnull=True).delete()
        skipped = GoalRatingSkipped.objects.create(
            trajectory=trajectory,
            module_run=module_run,
            reason=reason,
            note=note,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        access_log_record(
            actor=actor,
            event=Event.UPDATE,
            action="trajectory.ratings_skipped",
            client_ids=[trajectory.client.public_id],
            access_point=access_point,
        )
    return skipped
