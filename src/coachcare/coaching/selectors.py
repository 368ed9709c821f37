"""Reads of the portal. Each selector checks the access policy and writes the NEN 7513 access log,
and runs a fixed number of queries whatever the number of goals, answers, entries or appointments.
"""

import dataclasses
import datetime
import json
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlencode
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Exists, F, Max, Min, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.access.consent import carer_has_consented, consent_parties_of
from coachcare.accounts.models import User
from coachcare.accounts.selectors import user_name_fields
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients import selectors as client_selectors
from coachcare.clients.models import Client
from coachcare.coaching.chart import LineChart, gbo_chart
from coachcare.coaching.models import Appointment, AssignmentAnswer, Attendance, DiaryEntry
from coachcare.core.dates import age_on, local_date, today
from coachcare.core.prepared import PreparedQuery
from coachcare.measures.engine import item_scale
from coachcare.measures.models import Informant, QuestionnaireDefinition, QuestionnaireResponse
from coachcare.measures.selectors import questionnaire_definition_get
from coachcare.messaging.selectors import unread_oldest_at
from coachcare.method.models import Assignment, Lesson
from coachcare.trajectories import selectors as trajectory_selectors
from coachcare.trajectories.models import (
    ACTIVE_STATUSES,
    Agreement,
    FollowUp,
    Goal,
    GoalRating,
    GoalScore,
    ModuleRun,
    NextAction,
    Status,
    Trajectory,
    TrajectoryTransition,
)

RECENT_DIARY = 5
SESSION_FEEDBACK = "sessie-feedback"
SATISFACTION = "tevredenheid"
#: The parents' version of the satisfaction questionnaire, due for a parent when the child's trajectory closes.
SATISFACTION_PARENT = "tevredenheid-ouder"
SESSION_FEEDBACK_DAYS = 14
OVERVIEW_LIMIT = 50


# The portal's hot reads as prepared querysets (``core.prepared``): their SQL is compiled once per
# process, each request runs it with its own values (the same rows as the queryset would give).

#: The young person's own file. ``user`` is one-to-one: no ordering.
_OWN_CLIENT = PreparedQuery(
    lambda user_id: Client.objects.select_related("coach").filter(user_id=user_id).order_by()[:1], user_id=int
)
_LATEST_TRAJECTORY = PreparedQuery(
    lambda client_id: (
        Trajectory.objects.filter(client_id=client_id)
        .exclude(status=Status.ARCHIVED)
        .select_related("method_version")
        .order_by("-created_at", "-id")[:1]
    ),
    client_id=int,
)


def own_client(*, actor: User) -> Client:
    """The young person's own file; ``AccessDenied`` for anyone without one."""
    client = _OWN_CLIENT.first(user_id=actor.pk) if actor.pk else None
    if client is None or not policy.can_write_own_work(actor, client):
        raise policy.AccessDenied("No file of your own.")
    return client


def _latest_trajectory(client: Client) -> Trajectory | None:
    return _LATEST_TRAJECTORY.first(client_id=client.pk)


# --- goals and the chart ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class GoalLevel:
    """One step of a goal's scale in the words written at intake; ``current``: the latest score."""

    level: int
    text: str
    current: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class GoalProgress:
    goal: Goal
    chart: LineChart
    #: The goal's steps, best first, with the one the young person stands on now.
    levels: list[GoalLevel] = dataclasses.field(default_factory=list)

    @property
    def points(self) -> list[Any]:
        return self.chart.points


def _moment_label(sequence: int | None) -> str:
    """The moment of a score: the intake, or the module run's sequence number."""
    if sequence is None:
        return _("intake")
    return _("module %(number)s") % {"number": sequence}


def _goal_levels(goal: Goal, current: int | None) -> list[GoalLevel]:
    try:
        scale = json.loads(goal.scale or "{}")
    except ValueError:
        return []
    if not isinstance(scale, dict):
        return []
    levels = []
    for key, text in scale.items():
        try:
            level = int(key)
        except (TypeError, ValueError):
            continue
        levels.append(GoalLevel(level=level, text=str(text), current=level == current))
    return sorted(levels, key=lambda item: -item.level)


#: A goal's score as the chart needs it: (module run's sequence or None at intake, GBO, GAS).
ScoreRow = tuple[int | None, int | None, int | None]


def _progress_of(goal: Goal, scores: list[ScoreRow]) -> GoalProgress:
    """``scores`` in the order they were given (scored_at, id); the intake first, then by module."""
    scores = sorted(scores, key=lambda score: (score[0] is not None, score[0] or 0))
    chart = gbo_chart([(_moment_label(sequence), gbo) for sequence, gbo, _gas in scores if gbo is not None])
    current = scores[-1][2] if scores else None
    return GoalProgress(goal=goal, chart=chart, levels=_goal_levels(goal, current))


def _goal_progress(goals: list[Goal]) -> list[GoalProgress]:
    return [
        _progress_of(
            goal,
            [
                (score.module_run.sequence if score.module_run else None, score.gbo, score.gas)
                for score in goal.scores.all()
            ],
        )
        for goal in goals
    ]


def _portal_goal_progress(trajectory: Trajectory | None) -> list[GoalProgress]:
    """``_goal_progress(_goals(trajectory))`` in two plain queries: the scores as rows, not instances
    through the prefetch machinery (the same scores in the same order)."""
    if trajectory is None:
        return []
    goals = _TRAJECTORY_GOALS.all(trajectory_id=trajectory.pk)
    if not goals:
        return []
    scores: dict[int, list[ScoreRow]] = {goal.pk: [] for goal in goals}
    for goal_id, sequence, gbo, gas in _TRAJECTORY_SCORES.all(trajectory_id=trajectory.pk):
        scores[goal_id].append((sequence, gbo, gas))
    return [_progress_of(goal, scores[goal.pk]) for goal in goals]


_TRAJECTORY_GOALS = PreparedQuery(
    lambda trajectory_id: Goal.objects.filter(trajectory_id=trajectory_id).order_by("order"), trajectory_id=int
)
#: The scores of every goal of a trajectory (those of ``_TRAJECTORY_GOALS``), as rows.
_TRAJECTORY_SCORES: PreparedQuery[tuple[int, int | None, int | None, int | None]] = PreparedQuery(
    lambda trajectory_id: (
        GoalScore.objects.filter(goal__trajectory_id=trajectory_id)
        .order_by("scored_at", "id")
        .values_list("goal_id", "module_run__sequence", "gbo", "gas")
    ),
    trajectory_id=int,
)


def _goals(trajectory: Trajectory | None, *, kind: str | None = None) -> list[Goal]:
    if trajectory is None:
        return []
    goals = Goal.objects.filter(trajectory=trajectory).prefetch_related(
        Prefetch("scores", queryset=GoalScore.objects.select_related("module_run"))
    )
    if kind is not None:
        goals = goals.filter(kind=kind)
    return list(goals.order_by("order"))


# --- due questionnaires -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class DueQuestionnaire:
    code: str
    context: str
    reason: str
    trajectory_public_id: UUID | None
    #: The day it became due (the appointment's end; the day closing was planned).
    since: datetime.date


def _due_questionnaires(client: Client, trajectory: Trajectory | None) -> list[DueQuestionnaire]:
    """Session feedback after an appointment of the last two weeks; satisfaction when closing."""
    now = timezone.now()
    past = _PAST_SESSIONS.all(client_id=client.pk, now=now, since=now - datetime.timedelta(days=SESSION_FEEDBACK_DAYS))
    answered = set(_ANSWERED.all(client_id=client.pk))
    answered_contexts = {(code, context) for code, context, _trajectory in answered}
    due = [
        DueQuestionnaire(
            code=SESSION_FEEDBACK,
            context=f"session:{public_id}",
            reason=_("After your appointment of %(date)s")
            % {"date": timezone.localtime(starts_at).strftime("%d-%m-%Y")},
            trajectory_public_id=trajectory.public_id if trajectory else None,
            since=timezone.localdate(ends_at),
        )
        for public_id, starts_at, ends_at in past
        if (SESSION_FEEDBACK, f"session:{public_id}") not in answered_contexts
    ]
    if (
        trajectory is not None
        and trajectory.next_action == NextAction.CLOSE
        and (SATISFACTION, "closure", trajectory.public_id) not in answered
    ):
        due.append(
            DueQuestionnaire(
                code=SATISFACTION,
                context="closure",
                reason=_("Your trajectory is coming to an end"),
                trajectory_public_id=trajectory.public_id,
                since=_closing_since(trajectory),
            )
        )
    return due


def _closing_since(trajectory: Trajectory) -> datetime.date:
    """When closing came up: the latest status change of the trajectory (or its start)."""
    moment = _LATEST_TRANSITION_AT.first(trajectory_id=trajectory.pk)
    return timezone.localdate(moment or trajectory.created_at)


#: The sessions of the last two weeks that ended (``_due_questionnaires``), the latest three.
_PAST_SESSIONS: PreparedQuery[tuple[UUID, datetime.datetime, datetime.datetime]] = PreparedQuery(
    lambda client_id, now, since: (
        Appointment.objects.filter(
            client_id=client_id,
            ends_at__lte=now,
            ends_at__gte=since,
            cancelled_at__isnull=True,  # a cancelled session asks no feedback
        )
        .order_by("-starts_at")
        .values_list("public_id", "starts_at", "ends_at")[:3]
    ),
    client_id=int,
    now=datetime.datetime,
    since=datetime.datetime,
)
#: The session feedback and satisfaction questionnaires the young person submitted (a set: no ordering).
_ANSWERED: PreparedQuery[tuple[str, str, UUID | None]] = PreparedQuery(
    lambda client_id: (
        QuestionnaireResponse.objects.filter(
            client_id=client_id,
            definition__code__in=[SESSION_FEEDBACK, SATISFACTION],
            status=QuestionnaireResponse.Status.SUBMITTED,
        )
        .order_by()
        .values_list("definition__code", "context", "trajectory_public_id")
    ),
    client_id=int,
)
_LATEST_TRANSITION_AT: PreparedQuery[datetime.datetime] = PreparedQuery(
    lambda trajectory_id: (
        TrajectoryTransition.objects.filter(trajectory_id=trajectory_id)
        .order_by("-at", "-id")
        .values_list("at", flat=True)[:1]
    ),
    trajectory_id=int,
)


# --- the young person's portal ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Portal:
    client: Client
    trajectory: Trajectory | None
    goals: list[GoalProgress]
    current_run: ModuleRun | None
    appointments: list[Appointment]
    diary: list[DiaryEntry]
    due: list[DueQuestionnaire]

    @property
    def ended(self) -> bool:
        return self.trajectory is not None and self.trajectory.status in {Status.CLOSED, Status.FOLLOW_UP}


def _current_run(trajectory: Trajectory | None) -> ModuleRun | None:
    if trajectory is None or trajectory.status != Status.MODULE_RUNNING:
        return None
    return _RUNNING_RUN.first(trajectory_id=trajectory.pk)


_RUNNING_RUN = PreparedQuery(
    lambda trajectory_id: (
        ModuleRun.objects.filter(trajectory_id=trajectory_id, state=ModuleRun.State.RUNNING)
        .select_related("module", "trajectory__client")
        .order_by("-sequence")[:1]
    ),
    trajectory_id=int,
)
_UPCOMING_APPOINTMENTS = PreparedQuery(
    lambda client_id, now: Appointment.objects.filter(client_id=client_id, ends_at__gte=now).order_by("starts_at")[:10],
    client_id=int,
    now=datetime.datetime,
)
_RECENT_DIARY = PreparedQuery(
    lambda client_id: DiaryEntry.objects.filter(client_id=client_id).order_by("-created_at", "-id")[:RECENT_DIARY],
    client_id=int,
)


def portal_get(*, actor: User, access_point: AccessPoint) -> Portal:
    """The young person's start page: goals and progress, the module, diary, appointments, questionnaires."""
    client = own_client(actor=actor)
    trajectory = _latest_trajectory(client)
    goals = _portal_goal_progress(trajectory)
    run = _current_run(trajectory)
    appointments = _UPCOMING_APPOINTMENTS.all(client_id=client.pk, now=timezone.now())
    diary = _RECENT_DIARY.all(client_id=client.pk)
    due = _due_questionnaires(client, trajectory)
    for action in ("portal.goals", "portal.diary", "portal.appointment"):
        access_log_record(
            actor=actor, event=Event.READ, action=action, client_ids=[client.public_id], access_point=access_point
        )
    return Portal(
        client=client,
        trajectory=trajectory,
        goals=goals,
        current_run=run,
        appointments=appointments,
        diary=diary,
        due=due,
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class AssignmentWithAnswer:
    assignment: Assignment
    answer: AssignmentAnswer | None

    @property
    def submitted(self) -> bool:
        return self.answer is not None and self.answer.status == AssignmentAnswer.Status.SUBMITTED


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModulePage:
    client: Client
    run: ModuleRun | None
    lessons: list[Lesson]
    assignments: list[AssignmentWithAnswer]


_MODULE_LESSONS = PreparedQuery(
    lambda module_id: Lesson.objects.filter(module_id=module_id).order_by("order"), module_id=int
)
_MODULE_ASSIGNMENTS = PreparedQuery(
    lambda module_id: Assignment.objects.filter(module_id=module_id).order_by("order"), module_id=int
)
_RUN_ANSWERS = PreparedQuery(
    lambda module_run_id: AssignmentAnswer.objects.filter(module_run_id=module_run_id).select_related("feedback_by"),
    module_run_id=int,
)


def module_page_get(*, actor: User, access_point: AccessPoint) -> ModulePage:
    """The current module: its lessons and its assignments with the young person's answers."""
    client = own_client(actor=actor)
    run = _current_run(_latest_trajectory(client))
    if run is None:
        access_log_record(
            actor=actor,
            event=Event.READ,
            action="portal.module",
            client_ids=[client.public_id],
            access_point=access_point,
        )
        return ModulePage(client=client, run=None, lessons=[], assignments=[])
    lessons = _MODULE_LESSONS.all(module_id=run.module_id)
    answers = {answer.assignment_id: answer for answer in _RUN_ANSWERS.all(module_run_id=run.pk)}
    assignments = [
        AssignmentWithAnswer(assignment=assignment, answer=answers.get(assignment.pk))
        for assignment in _MODULE_ASSIGNMENTS.all(module_id=run.module_id)
    ]
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="portal.assignment",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return ModulePage(client=client, run=run, lessons=lessons, assignments=assignments)


def current_assignment_get(*, actor: User, order: int) -> tuple[ModuleRun, Assignment]:
    """The assignment ``order`` of the young person's running module; ``AccessDenied`` if there is none."""
    client = own_client(actor=actor)
    run = _current_run(_latest_trajectory(client))
    assignment = Assignment.objects.filter(module_id=run.module_id, order=order).first() if run else None
    if run is None or assignment is None:
        raise policy.AccessDenied("No such assignment in your module.")
    return run, assignment


def diary_list(*, actor: User, access_point: AccessPoint, limit: int = 30) -> tuple[Client, list[DiaryEntry]]:
    """The young person's own recent diary entries."""
    client = own_client(actor=actor)
    entries = list(DiaryEntry.objects.filter(client=client).order_by("-created_at", "-id")[:limit])
    access_log_record(
        actor=actor, event=Event.READ, action="portal.diary", client_ids=[client.public_id], access_point=access_point
    )
    return client, entries


def _parent_due(actor: User, clients: list[Client], on: datetime.date) -> list[tuple[Client, DueQuestionnaire]]:
    """The parents' satisfaction questionnaire of each child of ``actor`` whose trajectory is about
    to close and that no parent has filled in themself yet, where the parent may answer it
    (``policy.can_answer_questionnaire``). Two queries, plus the policy check of the children at
    closure."""
    children = {client.pk: client for client in clients if client.user_id != actor.pk}
    if not policy.is_parent(actor) or not children:
        return []
    closing = list(
        Trajectory.objects.filter(
            client_id__in=children, status__in=ACTIVE_STATUSES, next_action=NextAction.CLOSE
        ).order_by("client_id", "-created_at", "-id")
    )
    if not closing:
        return []
    answered = set(
        QuestionnaireResponse.objects.filter(
            trajectory_public_id__in=[trajectory.public_id for trajectory in closing],
            definition__code=SATISFACTION_PARENT,
            context="closure",
            informant=Informant.OUDER,
            status=QuestionnaireResponse.Status.SUBMITTED,
        ).values_list("trajectory_public_id", flat=True)
    )
    due, seen = [], set()
    for trajectory in closing:
        client = children[trajectory.client_id]
        if client.pk in seen or trajectory.public_id in answered:
            continue
        seen.add(client.pk)
        if not policy.can_answer_questionnaire(actor, client, Informant.OUDER, informant_only=True, on=on):
            continue
        due.append(
            (
                client,
                DueQuestionnaire(
                    code=SATISFACTION_PARENT,
                    context="closure",
                    reason=_("The help for %(name)s is coming to an end") % {"name": client.given_name},
                    trajectory_public_id=trajectory.public_id,
                    since=_closing_since(trajectory),
                ),
            )
        )
    return due


# --- GBO: the young person (and a parent) rate the goals at the intake and before each evaluation ----


@dataclasses.dataclass(frozen=True, kw_only=True)
class RatingGoal:
    """One goal to rate: its text and steps in the young person's words, the mark so far."""

    goal: Goal
    levels: list[GoalLevel]
    #: The mark given at this moment (it may be changed until the coach scores the moment).
    rating: int | None
    #: The same informant's latest mark before this one (intake or an earlier module), for comparison.
    previous: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class GoalRatingTask:
    client: Client
    trajectory: Trajectory
    #: None: the intake ("hoe sta je er nu voor?"); otherwise the module that reached its evaluation.
    run: ModuleRun | None
    #: "jongere" for the young person themself, "ouder" for a parent (the second informant).
    informant: str
    goals: list[RatingGoal]

    @property
    def at_intake(self) -> bool:
        return self.run is None

    @property
    def by_parent(self) -> bool:
        return self.informant == Informant.OUDER

    @property
    def rated(self) -> bool:
        return bool(self.goals) and all(goal.rating is not None for goal in self.goals)


def _intake_since(trajectory: Trajectory) -> datetime.date:
    """The day the intake rating started waiting: the first goal was written (one query)."""
    first = Goal.objects.filter(trajectory=trajectory).aggregate(first=Min("created_at"))["first"]
    return local_date(first) if first is not None else today()


def _rating_informant(actor: User, client: Client) -> str | None:
    """Who ``actor`` rates the goals of ``client`` as (``trajectories.services.rating_informant``)."""
    if policy.can_answer_questionnaire(actor, client, Informant.JONGERE, informant_only=True):
        return Informant.JONGERE
    if policy.is_parent(actor) and policy.can_answer_questionnaire(actor, client, Informant.OUDER, informant_only=True):
        return Informant.OUDER
    return None


def _ratings_at(trajectory: Trajectory, run: ModuleRun | None, informant: str) -> "models.QuerySet[GoalRating]":
    ratings = GoalRating.objects.filter(goal__trajectory=trajectory, informant=informant)
    return ratings.filter(module_run__isnull=True) if run is None else ratings.filter(module_run=run)


def _ratings_missing(trajectory: Trajectory, run: ModuleRun | None, informant: str) -> bool:
    """Some goal has no mark of ``informant`` at this moment (two queries)."""
    return _ratings_at(trajectory, run, informant).count() < Goal.objects.filter(trajectory=trajectory).count()


def goal_rating_task_get(*, actor: User, client_public_id: str = "", access_point: AccessPoint) -> GoalRatingTask:
    """The goals to rate now (0 to 10), with their steps and the marks so far: the young person's
    own goals, or for a parent (``client_public_id``) their child's goals as second informant, where
    the parent may answer for the file on the day (gezag, the age rules, a 16+ young person's
    consent). At the intake once goals exist and once a module is finished until the coach scores
    it. ``AccessDenied`` when nothing is to be rated or for anyone else. Logged."""
    if policy.is_parent(actor):
        found = policy.consent_clients(actor, on=today()).filter(public_id__in=_uuids(client_public_id)).first()
        if found is None:
            raise policy.AccessDenied("Not a child of this parent.")
        client = found
    else:
        client = own_client(actor=actor)
    informant = _rating_informant(actor, client)
    trajectory = _latest_trajectory(client)
    moment = trajectory_selectors.goal_rating_moment(trajectory=trajectory)
    if trajectory is None or moment is None or informant is None:
        raise policy.AccessDenied("Nothing to rate now.")
    run = moment.run
    goals = _goals(trajectory)
    ratings = dict(_ratings_at(trajectory, run, informant).values_list("goal_id", "rating"))
    previous: dict[int, int] = {}
    if run is not None:  # nothing comes before the intake; the latest earlier mark wins
        earlier = GoalRating.objects.filter(goal__trajectory=trajectory, informant=informant).exclude(module_run=run)
        previous = dict(earlier.order_by("rated_at", "id").values_list("goal_id", "rating"))
    items = []
    for goal in goals:
        current = max(
            goal.scores.all(), key=lambda score: score.module_run.sequence if score.module_run else 0, default=None
        )
        items.append(
            RatingGoal(
                goal=goal,
                levels=_goal_levels(goal, current.gas if current else None),
                rating=ratings.get(goal.pk),
                previous=previous.get(goal.pk),
            )
        )
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="portal.goal_rating",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return GoalRatingTask(client=client, trajectory=trajectory, run=run, informant=informant, goals=items)


def _parent_ratings_due(actor: User, clients: list[Client]) -> list[tuple[Client, ModuleRun | None, datetime.date]]:
    """The children of a parent whose goals wait for the parent's own marks now, where the parent
    may answer for the file. One query for all children; a few more per child whose goals are
    being rated (at the intake or before an evaluation)."""
    children = {client.pk: client for client in clients if client.user_id != actor.pk}
    if not policy.is_parent(actor) or not children:
        return []
    latest: dict[int, Trajectory] = {}
    for found in (
        Trajectory.objects.filter(client_id__in=children)
        .exclude(status=Status.ARCHIVED)
        .order_by("client_id", "-created_at", "-id")
    ):
        latest.setdefault(found.client_id, found)
    due = []
    for client_id, client in children.items():
        trajectory = latest.get(client_id)
        if trajectory is None or trajectory.status not in {Status.INTAKE, Status.MODULE_EVALUATION}:
            continue
        if _rating_informant(actor, client) != Informant.OUDER:
            continue
        moment = trajectory_selectors.goal_rating_moment(trajectory=trajectory)
        if moment is None or not _ratings_missing(trajectory, moment.run, Informant.OUDER):
            continue
        run = moment.run
        since = (run.finished_on or run.started_on) if run is not None else _intake_since(trajectory)
        due.append((client, run, since))
    return due


def due_questionnaire_get(
    *, actor: User, code: str, context: str, client_public_id: str = ""
) -> tuple[Client, DueQuestionnaire, QuestionnaireDefinition]:
    """A questionnaire that is due for the young person (about themself) or for a parent (about
    the child ``client_public_id``) now; ``AccessDenied`` otherwise."""

    if policy.is_parent(actor):
        clients = list(policy.consent_clients(actor, on=today()).filter(public_id__in=_uuids(client_public_id)))
        pairs = _parent_due(actor, clients, today())
        client = clients[0] if clients else None
        dues = [item for _client, item in pairs]
    else:
        client = own_client(actor=actor)
        dues = _due_questionnaires(client, _latest_trajectory(client))
    due = next((item for item in dues if item.code == code and item.context == context), None)
    if due is None or client is None:
        raise policy.AccessDenied("This questionnaire is not due.")
    try:
        definition = questionnaire_definition_get(code=code)
    except QuestionnaireDefinition.DoesNotExist as exc:
        raise policy.AccessDenied("This questionnaire is not installed.") from exc
    return client, due, definition


def _uuids(value: str) -> list[UUID]:
    try:
        return [UUID(value)]
    except ValueError:
        return []


def _localised(texts: Any) -> str:
    if not isinstance(texts, dict):
        return str(texts or "")
    language = (translation.get_language() or "nl")[:2]
    return str(texts.get(language) or texts.get("nl") or next(iter(texts.values()), ""))


@dataclasses.dataclass(frozen=True, kw_only=True)
class QuestionnaireItem:
    id: str
    text: str
    options: list[tuple[int, str]]


def questionnaire_items(definition: QuestionnaireDefinition) -> tuple[str, str, list[QuestionnaireItem]]:
    """The definition's name, instructions and items with their answer options, in the active language."""
    data = definition.definition
    items = []
    for item in data["items"]:
        scale = item_scale(definition=data, item=item)
        if "choices" in scale:
            options = [(int(choice["value"]), _localised(choice.get("label"))) for choice in scale["choices"]]
        else:
            low, high, step = int(scale["min"]), int(scale["max"]), int(scale.get("step", 1))
            options = []
            for value in range(low, high + 1, step):
                label = str(value)
                if value == low and scale.get("min_label"):
                    label = f"{value} ({_localised(scale['min_label'])})"
                elif value == high and scale.get("max_label"):
                    label = f"{value} ({_localised(scale['max_label'])})"
                options.append((value, label))
        items.append(QuestionnaireItem(id=str(item["id"]), text=_localised(item.get("text")), options=options))
    return _localised(data.get("name")) or definition.name, _localised(data.get("instructions")), items


# --- calendar ---------------------------------------------------------------------------------------


def _in_scope(scope: policy.AppointmentScope, appointment: Appointment) -> bool:
    """Whether ``appointment`` falls within what ``policy.appointment_scope`` gives of its client."""
    return scope == policy.AppointmentScope.ALL or (
        scope == policy.AppointmentScope.WITH_PARENTS and appointment.with_parents
    )


def appointments_visible(*, actor: User, client: UUID | None = None) -> "models.QuerySet[Appointment]":
    """The appointments the actor may see (``policy.appointments_visible_to``), optionally of one
    client; unordered, no log (the caller logs the rows it reads)."""
    appointments = policy.appointments_visible_to(actor)
    if client:
        appointments = appointments.filter(client__public_id=client)
    return appointments


def appointment_rows(appointments: "models.QuerySet[Appointment] | None" = None) -> "models.QuerySet[Appointment]":
    """A narrow read of ``appointments`` (default: all) for lists outside the screens (REST): what
    the API shows and the policy reads, nothing more."""
    appointments = Appointment.objects.all() if appointments is None else appointments
    return appointments.select_related("client", "trajectory", "created_by").only(
        "public_id",
        "starts_at",
        "ends_at",
        "kind",
        "location",
        "title",
        "with_parents",
        "created_at",
        "client",
        *client_selectors.client_policy_fields(prefix="client__"),
        "trajectory__public_id",
        *user_name_fields(prefix="created_by__"),
    )


def appointment_rows_allowed(*, actor: User, rows: list[Appointment]) -> list[Appointment]:
    """Defence in depth after ``appointments_visible``: every row checked with
    ``policy.appointment_scope`` (once per client)."""
    scopes: dict[int, policy.AppointmentScope] = {}
    on = today()
    for row in rows:
        if row.client_id not in scopes:
            scopes[row.client_id] = policy.appointment_scope(actor, row.client, on=on)
    return [row for row in rows if _in_scope(scopes[row.client_id], row)]


def appointment_visible_get(*, actor: User, public_id: UUID) -> Appointment:
    """One appointment the actor may see, read narrowly (``appointment_rows``); ``AccessDenied``
    otherwise. No log: the caller logs."""
    appointment = appointment_rows(appointments_visible(actor=actor)).filter(public_id=public_id).first()
    if appointment is None or not appointment_rows_allowed(actor=actor, rows=[appointment]):
        raise policy.AccessDenied("No such appointment, or no access.")
    return appointment


def appointment_for_calendar(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Appointment:
    """One appointment the actor may see (young person, professionals; parents when invited)."""
    appointment = Appointment.objects.select_related("client").filter(public_id=public_id).first()
    if appointment is None:
        raise policy.AccessDenied("No such appointment.")
    if not _in_scope(policy.appointment_scope(actor, appointment.client), appointment):
        raise policy.AccessDenied("No such appointment.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="portal.appointment.ics",
        client_ids=[appointment.client.public_id],
        access_point=access_point,
    )
    return appointment


def appointment_for_change(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Appointment:
    """One appointment the actor may move or cancel (the treating professionals)."""
    appointment = Appointment.objects.select_related("client").filter(public_id=public_id).first()
    if appointment is None or not policy.can_manage_appointments(actor, appointment.client):
        raise policy.AccessDenied("No such appointment.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="portal.appointment",
        client_ids=[appointment.client.public_id],
        access_point=access_point,
    )
    return appointment


# --- parents ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChildHelp:
    """The course of a child's help as the parent may follow it: the modules (names and dates, never
    the young person's answers or the coach's feedback) and, after closure, what happens next."""

    trajectory: Trajectory
    runs: list[ModuleRun]
    follow_ups: list[FollowUp]

    @property
    def ended(self) -> bool:
        return self.trajectory.status in {Status.CLOSED, Status.FOLLOW_UP}


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChildView:
    client: Client
    age: int
    appointments: list[Appointment]
    parenting_goals: list[GoalProgress] | None
    #: With clinical access on the day (as for the parenting goals); ``None`` otherwise.
    help: ChildHelp | None = None


def parent_portal_get(*, actor: User, access_point: AccessPoint) -> list[ChildView]:
    """Per child: the appointments the parent is invited to and, with clinical access on the day,
    the parenting goals. Never the young person's diary or assignment answers."""
    if not policy.is_parent(actor):
        raise policy.AccessDenied("Only for parents.")
    on = today()
    children = []
    for client in policy.clients_visible_to(actor, on=on).select_related("provider").order_by("given_name", "id"):
        scope = policy.appointment_scope(actor, client, on=on)
        if scope == policy.AppointmentScope.NONE:
            continue
        appointments = list(
            Appointment.objects.filter(client=client, with_parents=True, ends_at__gte=timezone.now()).order_by(
                "starts_at"
            )[:10]
        )
        goals = None
        help_ = None
        if policy.can_see_parenting_goals(actor, client, on=on):
            trajectory = _latest_trajectory(client)
            goals = _goal_progress(_goals(trajectory, kind=Goal.Kind.PARENTING))
            access_log_record(
                actor=actor,
                event=Event.READ,
                action="portal.goals",
                client_ids=[client.public_id],
                access_point=access_point,
            )
            if trajectory is not None:
                help_ = ChildHelp(
                    trajectory=trajectory,
                    runs=list(
                        ModuleRun.objects.filter(trajectory=trajectory).select_related("module").order_by("sequence")
                    ),
                    follow_ups=list(FollowUp.objects.filter(trajectory=trajectory).order_by("due_on", "months")),
                )
                access_log_record(
                    actor=actor,
                    event=Event.READ,
                    action="portal.trajectory",
                    client_ids=[client.public_id],
                    access_point=access_point,
                )
        access_log_record(
            actor=actor,
            event=Event.READ,
            action="portal.appointment",
            client_ids=[client.public_id],
            access_point=access_point,
        )
        children.append(
            ChildView(
                client=client,
                age=age_on(client.birth_date, on),
                appointments=appointments,
                parenting_goals=goals,
                help=help_,
            )
        )
    return children


# --- the coach's side -------------------------------------------------------------------------------


class OverviewClient(NamedTuple):
    """A young person on the coach's overview: the name (as ``Client.full_name``) and the link."""

    public_id: UUID
    full_name: str
    #: Their page on the coach's side (``coaching:coach_client``).
    url: str


class OverviewAnswer(NamedTuple):
    """A submitted answer waiting for feedback, as the overview shows it (no answer text);
    ``submitted``: when, as the template's ``|date("j F Y, H:i")`` prints it."""

    public_id: UUID
    submitted: str
    client: OverviewClient
    assignment_title: str
    module_name: str


class OverviewEntry(NamedTuple):
    """A diary check-in as the overview shows it; ``created``: when, as the template's
    ``|date("j F Y, H:i")`` prints it; ``mood_line``: "Mood: Good (4 of 5)", translated."""

    created: str
    client: OverviewClient
    mood_line: str
    text: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class CoachOverview:
    waiting: list[OverviewAnswer]
    diary: list[OverviewEntry]


#: What the coach's overview shows of a waiting answer and of a check-in, as rows: no answer
#: texts, feedback or BSN (100 rows of up to four models would be 100 instances and their relations).
_OVERVIEW_CLIENT_COLUMNS = ("client__public_id", "client__given_name", "client__family_name")
_OVERVIEW_ANSWER_COLUMNS = (
    "public_id",
    "submitted_at",
    *_OVERVIEW_CLIENT_COLUMNS,
    "assignment__title",
    "module_run__module__name",
)
_OVERVIEW_DIARY_COLUMNS = ("created_at", *_OVERVIEW_CLIENT_COLUMNS, "mood", "text")
#: A stand-in for a client's public id in the link to the coach's page of a client.
_LINK_MARKER = UUID(int=0)


def _overview_clients() -> Callable[[UUID, str, str], OverviewClient]:
    """One ``OverviewClient`` per young person, the link made from one ``reverse`` (the same URL)."""
    head, tail = reverse("coaching:coach_client", kwargs={"public_id": _LINK_MARKER}).split(str(_LINK_MARKER))
    known: dict[UUID, OverviewClient] = {}

    def client(public_id: UUID, given_name: str, family_name: str) -> OverviewClient:
        found = known.get(public_id)
        if found is None:
            found = known[public_id] = OverviewClient(
                public_id, f"{given_name} {family_name}", f"{head}{public_id}{tail}"
            )
        return found

    return client


def _moment_texts() -> Callable[[datetime.datetime | None], str]:
    """A moment as the templates' ``|date("j F Y, H:i")`` prints it ("5 december 2026, 21:36": local
    time, the month's name in the request's language; "" for none), for a list of up to 100 rows:
    the time zone looked up and each month's name translated once, not per row."""
    zone = timezone.get_current_timezone()
    months: dict[int, str] = {}

    def text(moment: datetime.datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(zone)
        month = months.get(local.month)
        if month is None:
            month = months[local.month] = str(MONTHS[local.month])
        return f"{local.day} {month} {local.year:04d}, {local.hour:02d}:{local.minute:02d}"

    return text


def coach_overview_get(*, actor: User, access_point: AccessPoint) -> CoachOverview:
    """Across the caseload: submitted answers waiting for feedback, and recent diary entries."""
    if not policy.is_care_professional(actor):
        raise policy.AccessDenied("Only for coaches and team leads.")
    clients = policy.clients_visible_to(actor)
    client = _overview_clients()
    moment = _moment_texts()
    waiting = [
        OverviewAnswer(public_id, moment(submitted_at), client(client_id, given, family), title, module)
        for public_id, submitted_at, client_id, given, family, title, module in AssignmentAnswer.objects.filter(
            client__in=clients, status=AssignmentAnswer.Status.SUBMITTED, feedback_at__isnull=True
        )
        .order_by("submitted_at", "id")
        .values_list(*_OVERVIEW_ANSWER_COLUMNS)[:OVERVIEW_LIMIT]
    ]
    labels = dict(DiaryEntry.Mood.choices)
    mood_lines: dict[int, str] = {}
    diary = []
    for created_at, client_id, given, family, mood, text in (
        DiaryEntry.objects.filter(client__in=clients)
        .order_by("-created_at", "-id")
        .values_list(*_OVERVIEW_DIARY_COLUMNS)[:OVERVIEW_LIMIT]
    ):
        if mood not in mood_lines:
            mood_lines[mood] = _("Mood: %(mood)s (%(number)s of 5)") % {
                "mood": labels.get(mood, mood),
                "number": mood,
            }
        diary.append(OverviewEntry(moment(created_at), client(client_id, given, family), mood_lines[mood], text))
    client_ids = sorted(
        {answer.client.public_id for answer in waiting} | {entry.client.public_id for entry in diary}, key=str
    )
    access_log_record(
        actor=actor, event=Event.READ, action="portal.coach_overview", client_ids=client_ids, access_point=access_point
    )
    return CoachOverview(waiting=waiting, diary=diary)


#: Sessions lacking attendance per page on the coach's view of a young person's portal.
ATTENDANCE_PAGE_SIZE = 20
#: How long a past session stays in the coach's list of appointments once its attendance is recorded.
RECENT_APPOINTMENT_DAYS = 30


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentRow:
    """An appointment on the coach's list with what the coach may do with it now (the policy's
    answer: the template holds no rule)."""

    appointment: Appointment
    can_move: bool
    can_record_attendance: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientWork:
    client: Client
    trajectory: Trajectory | None
    answers: list[AssignmentAnswer]
    diary: list[DiaryEntry]
    #: Upcoming appointments, the one going on now and those of the last 30 days that are settled
    #: (attendance recorded, or cancelled), oldest first.
    appointments: list[AppointmentRow]
    #: Every past session still lacking attendance, however old, oldest first: one page of them.
    attendance_missing: list[AppointmentRow]
    attendance_page: Page[Appointment]


def client_work_get(*, actor: User, public_id: UUID, access_point: AccessPoint, page: int = 1) -> ClientWork:
    """For the treating professionals: the young person's submitted answers, diary and appointments,
    with every past session still lacking attendance (paginated). A fixed number of queries."""
    client = client_selectors.client_get_for_actor(actor=actor, public_id=public_id)
    if not policy.can_give_feedback(actor, client):
        raise policy.AccessDenied("No access to the young person's own work.")
    answers = list(
        AssignmentAnswer.objects.filter(client=client, status=AssignmentAnswer.Status.SUBMITTED)
        .select_related("assignment", "module_run__module", "feedback_by")
        .order_by("-submitted_at", "-id")
    )
    diary = list(DiaryEntry.objects.filter(client=client).order_by("-created_at", "-id")[:OVERVIEW_LIMIT])
    now = timezone.now()
    missing = Q(ends_at__lt=now, cancelled_at__isnull=True, attendance="")
    mine = Appointment.objects.filter(client=client).select_related("client")
    recent = list(
        mine.filter(ends_at__gte=now - datetime.timedelta(days=RECENT_APPOINTMENT_DAYS))
        .exclude(missing)
        .order_by("starts_at", "id")
    )
    attendance_page = Paginator(mine.filter(missing).order_by("starts_at", "id"), ATTENDANCE_PAGE_SIZE).get_page(page)

    def row(appointment: Appointment) -> AppointmentRow:
        return AppointmentRow(
            appointment=appointment,
            can_move=policy.can_move_appointment(actor, appointment, now=now),
            can_record_attendance=policy.can_record_attendance_of(actor, appointment, now=now),
        )

    access_log_record(
        actor=actor,
        event=Event.READ,
        action="portal.coach_client",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return ClientWork(
        client=client,
        trajectory=_latest_trajectory(client),
        answers=answers,
        diary=diary,
        appointments=[row(appointment) for appointment in recent],
        attendance_missing=[row(appointment) for appointment in attendance_page],
        attendance_page=attendance_page,
    )


def answer_for_feedback_get(*, actor: User, public_id: UUID) -> AssignmentAnswer:
    answer = AssignmentAnswer.objects.select_related("client").filter(public_id=public_id).first()
    if answer is None or not policy.can_give_feedback(actor, answer.client):
        raise policy.AccessDenied("No such answer.")
    return answer


# --- waiting for you: the top of the young person's portal and the parent's start page ---------------


class WaitingKind:
    CONSENT = "consent"
    PLAN = "plan"
    QUESTIONNAIRE = "questionnaire"
    GOALS = "goals"
    MODULE = "module"
    FEEDBACK = "feedback"
    MESSAGES = "messages"


@dataclasses.dataclass(frozen=True, kw_only=True)
class WaitingItem:
    """One thing that waits for the person themself: one tap (``url``) to do it."""

    kind: str
    label: str
    url: str
    #: The day it started waiting (the reminder e-mail goes out when the oldest is 3 days old).
    since: datetime.date


def _questionnaire_title(code: str) -> str:
    if code == SESSION_FEEDBACK:
        return _("How did the session go?")
    if code == SATISFACTION_PARENT:
        return _("What did you think of the help for your child?")
    return _("What did you think of the help?")


def _new_feedback(client: Client | int) -> Q:
    """The answers with feedback the young person has not seen yet (``client``: or its id)."""
    return (
        Q(client=client, feedback_at__isnull=False)
        & ~Q(module_run__trajectory__status=Status.ARCHIVED)
        & (Q(feedback_read_at__isnull=True) | Q(feedback_read_at__lt=F("feedback_at")))
    )


def new_feedback_answers(*, client: Client, running_only: bool = False) -> "models.QuerySet[AssignmentAnswer]":
    """The answers with feedback the young person has not seen yet (also of a finished module, which
    they read on "my trajectory"); ``running_only``: only those of the running module."""
    answers = AssignmentAnswer.objects.filter(_new_feedback(client))
    if running_only:
        answers = answers.filter(module_run__state=ModuleRun.State.RUNNING)
    return answers


_LATEST_ACTIVE_TRAJECTORY = PreparedQuery(
    lambda client_id: Trajectory.objects.filter(client_id=client_id, status__in=ACTIVE_STATUSES).order_by(
        "-created_at", "-id"
    )[:1],
    client_id=int,
)
_CONSENT_AGREEMENTS = PreparedQuery(
    lambda trajectory_id: Agreement.objects.filter(
        trajectory_id=trajectory_id,
        revoked_at__isnull=True,
        kind__in=[Agreement.Kind.CARE, Agreement.Kind.PLAN],
    ),
    trajectory_id=int,
)
_PLAN_WRITTEN_AT: PreparedQuery[datetime.datetime | None] = PreparedQuery(
    lambda trajectory_id: (
        Goal.objects.filter(trajectory_id=trajectory_id)
        .values("trajectory")
        .annotate(latest=Max("created_at"))
        .values_list("latest", flat=True)
    ),
    trajectory_id=int,
)


def _active_trajectories(clients: list[Client], portal: "Portal | None") -> dict[int, Trajectory]:
    """The latest active trajectory of each client that has one. For one client (a young person),
    a prepared query, or none when the portal of this request already read it: the latest
    trajectory that is not archived, when active, is also the latest active one."""
    if len(clients) == 1:
        (client,) = clients
        known = portal.trajectory if portal is not None and portal.client.pk == client.pk else None
        if known is not None and known.status in ACTIVE_STATUSES:
            return {client.pk: known}
        found = _LATEST_ACTIVE_TRAJECTORY.first(client_id=client.pk)
        return {client.pk: found} if found is not None else {}
    trajectories: dict[int, Trajectory] = {}
    for trajectory in Trajectory.objects.filter(client__in=clients, status__in=ACTIVE_STATUSES).order_by(
        "client_id", "-created_at", "-id"
    ):
        trajectories.setdefault(trajectory.client_id, trajectory)
    return trajectories


_NEW_FEEDBACK_IDS: PreparedQuery[int] = PreparedQuery(
    lambda client_id: AssignmentAnswer.objects.filter(_new_feedback(client_id)).order_by().values_list("pk", flat=True),
    client_id=int,
)
_NEW_FEEDBACK_RUNNING_IDS: PreparedQuery[int] = PreparedQuery(
    lambda client_id: (
        AssignmentAnswer.objects.filter(_new_feedback(client_id), module_run__state=ModuleRun.State.RUNNING)
        .order_by()
        .values_list("pk", flat=True)
    ),
    client_id=int,
)


def new_feedback_answer_ids(*, client: Client, running_only: bool = False) -> list[int]:
    """The ids of ``new_feedback_answers(client=client, running_only=running_only)``, by a prepared
    query (the module page asks on every visit; mostly there are none)."""
    prepared = _NEW_FEEDBACK_RUNNING_IDS if running_only else _NEW_FEEDBACK_IDS
    return prepared.all(client_id=client.pk)


#: ``new_feedback_answers(client=...)`` as (module run's state, feedback_at) rows, unordered.
_NEW_FEEDBACK_ROWS: PreparedQuery[tuple[str, datetime.datetime | None]] = PreparedQuery(
    lambda client_id: (
        AssignmentAnswer.objects.filter(_new_feedback(client_id))
        .order_by()
        .values_list("module_run__state", "feedback_at")
    ),
    client_id=int,
)


def _consent_items(
    actor: User, clients: list[Client], on: datetime.date, portal: "Portal | None" = None
) -> tuple[set[int], list[WaitingItem]]:
    """Consent to care and agreement to the plan, where the actor's own consent is still missing.
    Four queries, however many children or agreements (for one client prepared ones; the portal's
    trajectory and goals are not read again). Also returns the ids of the clients whose trajectory
    was read (for the access log)."""
    trajectories = _active_trajectories(clients, portal)
    if not trajectories:
        return set(), []
    agreements: dict[int, list[Agreement]] = {}
    plans: dict[int, datetime.datetime] = {}
    if len(trajectories) == 1:
        (trajectory,) = trajectories.values()
        for agreement in _CONSENT_AGREEMENTS.all(trajectory_id=trajectory.pk):
            agreements.setdefault(agreement.trajectory_id, []).append(agreement)
        if portal is not None and portal.trajectory is not None and portal.trajectory.pk == trajectory.pk:
            # The portal read every goal of this trajectory (``_portal_goal_progress``).
            written = [progress.goal.created_at for progress in portal.goals]
        else:
            written = [at for at in _PLAN_WRITTEN_AT.all(trajectory_id=trajectory.pk) if at is not None]
        if written:
            plans[trajectory.pk] = max(written)
    else:
        for agreement in Agreement.objects.filter(
            trajectory__in=trajectories.values(),
            revoked_at__isnull=True,
            kind__in=[Agreement.Kind.CARE, Agreement.Kind.PLAN],
        ):
            agreements.setdefault(agreement.trajectory_id, []).append(agreement)
        plans = {
            row["trajectory"]: row["latest"]
            for row in Goal.objects.filter(trajectory__in=trajectories.values())
            .values("trajectory")
            .annotate(latest=Max("created_at"))
        }
    consent_url = reverse("privacy:consent")
    all_parties = consent_parties_of(clients=[client for client in clients if client.pk in trajectories], on=on)
    items = []
    for client in clients:
        current = trajectories.get(client.pk)
        if current is None:
            continue
        trajectory = current
        parties = all_parties[client.pk]
        mine = [carer for carer in parties.carers if carer.parent_id == actor.pk]
        if policy.is_young_person(actor) and not parties.young_person:
            continue
        if policy.is_parent(actor) and not mine:
            continue
        active = agreements.get(trajectory.pk, [])

        def missing(given: list[Agreement]) -> bool:
            if policy.is_young_person(actor):
                return not any(agreement.given_as == "jongere" for agreement in given)
            keys = {(agreement.given_by_id, agreement.given_as, agreement.carer_id) for agreement in given}
            return not all(carer_has_consented(carer, keys) for carer in mine)  # noqa: B023 - used at once

        url = f"{consent_url}#consent-{client.public_id}"
        name = client.given_name
        care = [agreement for agreement in active if agreement.kind == Agreement.Kind.CARE]
        if missing(care):
            items.append(
                WaitingItem(
                    kind=WaitingKind.CONSENT,
                    label=_("Your consent is needed")
                    if policy.is_young_person(actor)
                    else _("Your consent is needed for %(name)s") % {"name": name},
                    url=url,
                    since=timezone.localdate(trajectory.created_at),
                )
            )
        plan = [
            agreement
            for agreement in active
            if agreement.kind == Agreement.Kind.PLAN and agreement.plan_revision == trajectory.plan_revision
        ]
        if trajectory.pk in plans and missing(plan):
            items.append(
                WaitingItem(
                    kind=WaitingKind.PLAN,
                    label=_("Agree to your plan")
                    if policy.is_young_person(actor)
                    else _("Agree to the plan for %(name)s") % {"name": name},
                    url=url,
                    since=timezone.localdate(plans[trajectory.pk]),
                )
            )
    return set(trajectories), items


def _open_assignments(run: ModuleRun) -> "models.QuerySet[Assignment]":
    """The assignments of the running module the young person has not submitted yet."""
    submitted = AssignmentAnswer.objects.filter(
        module_run=run, assignment=OuterRef("pk"), status=AssignmentAnswer.Status.SUBMITTED
    )
    return Assignment.objects.filter(module_id=run.module_id).exclude(Exists(submitted))


def waiting_for(
    *, actor: User, access_point: AccessPoint, on: datetime.date | None = None, portal: Portal | None = None
) -> list[WaitingItem]:
    """What waits for the young person or parent themself, most important first: their consent to
    care, their agreement to the plan, questionnaires that are due, assignments of the running module
    not submitted yet, new feedback from the coach, unread messages. Empty for everyone else.

    A fixed number of queries whatever the number of items (for a parent, a few per child).
    ``portal``: the young person's portal of this request (``portal_get``), whose latest trajectory,
    running module and due questionnaires are then not read again.
    """
    if not policy.is_family(actor) or not actor.is_active:
        return []
    on = on or today()
    if portal is not None and policy.is_young_person(actor) and policy.can_give_consent(actor, portal.client):
        # A young person gives consent for their own file only: ``consent_clients``' one row is
        # the portal's client (``user`` is one-to-one), not read again.
        clients = [portal.client]
    else:
        clients = list(policy.consent_clients(actor, on=on).order_by("given_name", "id"))
    with_trajectory, items = _consent_items(actor, clients, on, portal)
    own = next((client for client in clients if client.user_id == actor.pk), None)
    if own is not None:
        reuse = portal is not None and portal.client.pk == own.pk
        latest = portal.trajectory if portal is not None and reuse else _latest_trajectory(own)
        dues = portal.due if portal is not None and reuse else _due_questionnaires(own, latest)
        for due in dues:
            url = reverse("coaching:questionnaire", kwargs={"code": due.code})
            items.append(
                WaitingItem(
                    kind=WaitingKind.QUESTIONNAIRE,
                    label=f"{_questionnaire_title(due.code)} {due.reason}",
                    url=f"{url}?{urlencode({'context': due.context})}",
                    since=due.since,
                )
            )
        moment = trajectory_selectors.goal_rating_moment(trajectory=latest)
        if (
            latest is not None
            and moment is not None
            and _ratings_missing(latest, moment.run, Informant.JONGERE)
            and _rating_informant(actor, own) == Informant.JONGERE
        ):
            to_rate = moment.run
            items.append(
                WaitingItem(
                    kind=WaitingKind.GOALS,
                    label=_("Intake: how are you doing now? Give each goal a mark")
                    if to_rate is None
                    else _("How far along are you with your goals? Give each goal a mark"),
                    url=reverse("coaching:goal_rating"),
                    since=_intake_since(latest) if to_rate is None else to_rate.finished_on or to_rate.started_on,
                )
            )
        run = portal.current_run if portal is not None and reuse else _current_run(latest)
        if run is not None and _open_assignments(run).exists():
            items.append(
                WaitingItem(
                    kind=WaitingKind.MODULE,
                    label=_("Assignments are waiting for you in your module"),
                    url=reverse("coaching:module"),
                    since=run.started_on,
                )
            )
        # One row per unread feedback (a handful): cheaper to compile than an aggregate with a filter.
        feedback = [
            (state, at)
            for state, at in _NEW_FEEDBACK_ROWS.all(client_id=own.pk)
            if at is not None  # always: the filter asks for feedback_at
        ]
        if feedback:
            # Feedback in the running module is read there; on a finished module, on "my trajectory".
            everything_running = all(state == ModuleRun.State.RUNNING for state, _at in feedback)
            items.append(
                WaitingItem(
                    kind=WaitingKind.FEEDBACK,
                    label=_("Read the new feedback from your coach"),
                    url=reverse("coaching:module") if everything_running else reverse("coaching:trajectory"),
                    since=timezone.localdate(min(at for _state, at in feedback)),
                )
            )
    for child, run, since in _parent_ratings_due(actor, clients):
        items.append(
            WaitingItem(
                kind=WaitingKind.GOALS,
                label=(
                    _("Intake: how is %(name)s doing now? Give each goal a mark")
                    if run is None
                    else _("How far along is %(name)s with the goals? Give each goal a mark")
                )
                % {"name": child.given_name},
                url=f"{reverse('coaching:goal_rating')}?{urlencode({'client': str(child.public_id)})}",
                since=since,
            )
        )
        with_trajectory.add(child.pk)
    for child, due in _parent_due(actor, clients, on):
        url = reverse("coaching:questionnaire", kwargs={"code": due.code})
        items.append(
            WaitingItem(
                kind=WaitingKind.QUESTIONNAIRE,
                label=f"{_questionnaire_title(due.code)} {due.reason}",
                url=f"{url}?{urlencode({'context': due.context, 'client': str(child.public_id)})}",
                since=due.since,
            )
        )
        with_trajectory.add(child.pk)
    unread_since = unread_oldest_at(actor=actor)
    if unread_since is not None:
        items.append(
            WaitingItem(
                kind=WaitingKind.MESSAGES,
                label=_("Read your new messages"),
                url=reverse("messaging:inbox"),
                since=timezone.localdate(unread_since),
            )
        )
    read = [client.public_id for client in clients if client.pk in with_trajectory or client == own]
    if read:
        access_log_record(
            actor=actor, event=Event.READ, action="portal.waiting", client_ids=read, access_point=access_point
        )
    return items


# --- my trajectory: every module done and running, with the young person's own work -----------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModuleWork:
    """One module of the trajectory with its lessons and the young person's answers and feedback."""

    run: ModuleRun
    lessons: list[Lesson]
    assignments: list[AssignmentWithAnswer]

    @property
    def running(self) -> bool:
        return self.run.state == ModuleRun.State.RUNNING


@dataclasses.dataclass(frozen=True, kw_only=True)
class MyTrajectory:
    client: Client
    #: The latest trajectory that is not archived (an archived file is no longer shown).
    trajectory: Trajectory | None
    modules: list[ModuleWork]
    #: The follow-up contacts planned after closure (6 and 12 months), earliest first.
    follow_ups: list[FollowUp]

    @property
    def ended(self) -> bool:
        return self.trajectory is not None and self.trajectory.status in {Status.CLOSED, Status.FOLLOW_UP}


def my_trajectory_get(*, actor: User, access_point: AccessPoint) -> MyTrajectory:
    """ "My trajectory": every module done and running, each with its lessons, the young person's own
    answers and the coach's feedback, readable until the file is archived; after closure the planned
    follow-up contacts. Six queries whatever the number of modules, lessons or answers."""
    client = own_client(actor=actor)
    trajectory = (
        Trajectory.objects.filter(client=client)
        .exclude(status=Status.ARCHIVED)
        .select_related("method_version", "client__provider")
        .order_by("-created_at", "-id")
        .first()
    )
    if trajectory is None:
        access_log_record(
            actor=actor,
            event=Event.READ,
            action="portal.trajectory",
            client_ids=[client.public_id],
            access_point=access_point,
        )
        return MyTrajectory(client=client, trajectory=None, modules=[], follow_ups=[])
    runs = list(ModuleRun.objects.filter(trajectory=trajectory).select_related("module").order_by("sequence"))
    module_ids = {run.module_id for run in runs}
    lessons: dict[int, list[Lesson]] = {}
    for lesson in Lesson.objects.filter(module_id__in=module_ids).order_by("module_id", "order"):
        lessons.setdefault(lesson.module_id, []).append(lesson)
    assignments: dict[int, list[Assignment]] = {}
    for assignment in Assignment.objects.filter(module_id__in=module_ids).order_by("module_id", "order"):
        assignments.setdefault(assignment.module_id, []).append(assignment)
    answers = {
        (answer.module_run_id, answer.assignment_id): answer
        for answer in AssignmentAnswer.objects.filter(client=client, module_run__in=runs).select_related("feedback_by")
    }
    modules = [
        ModuleWork(
            run=run,
            lessons=lessons.get(run.module_id, []),
            assignments=[
                AssignmentWithAnswer(assignment=assignment, answer=answers.get((run.pk, assignment.pk)))
                for assignment in assignments.get(run.module_id, [])
            ],
        )
        for run in runs
    ]
    follow_ups = list(FollowUp.objects.filter(trajectory=trajectory).order_by("due_on", "months"))
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="portal.trajectory",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return MyTrajectory(client=client, trajectory=trajectory, modules=modules, follow_ups=follow_ups)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionValues:
    """A session as evidence of delivery: its date and whether it was attended, nothing else."""

    trajectory_id: int
    on: datetime.date
    attendance: str  # Attendance value, "" when not recorded


def sessions_of(*, trajectory_ids: list[int], first: datetime.date, last: datetime.date) -> list[SessionValues]:
    """The sessions (appointments) of these trajectories that began between ``first`` and ``last``
    (Amsterdam dates) and are in the past, oldest first. One query; reads no title, location or
    other text, so no content can leave through it."""
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = min(timezone.make_aware(datetime.datetime.combine(last, datetime.time.max)), timezone.now())
    rows = (
        Appointment.objects.filter(
            trajectory_id__in=trajectory_ids, starts_at__gte=start, starts_at__lte=end, cancelled_at__isnull=True
        )
        .order_by("starts_at", "id")
        .values_list("trajectory_id", "starts_at", "attendance")
    )
    return [
        SessionValues(trajectory_id=trajectory_id, on=local_date(starts_at), attendance=attendance)
        for trajectory_id, starts_at, attendance in rows
        if trajectory_id is not None
    ]


@dataclasses.dataclass(frozen=True, kw_only=True)
class HeldSession:
    """A session held (attended) as a unit of delivered time: its date and length, nothing else."""

    trajectory_id: int
    on: datetime.date
    minutes: int


def sessions_held_of(*, trajectory_ids: list[int], first: datetime.date, last: datetime.date) -> list[HeldSession]:
    """The attended sessions of these trajectories that began between ``first`` and ``last``
    (Amsterdam dates), with their length in minutes, oldest first: what an effort-based
    (inspanningsgericht) product declares. One query; reads no title, location or other text."""
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(last, datetime.time.max))
    rows = (
        Appointment.objects.filter(
            trajectory_id__in=trajectory_ids,
            starts_at__gte=start,
            starts_at__lte=end,
            cancelled_at__isnull=True,
            attendance=Attendance.ATTENDED,
        )
        .order_by("starts_at", "id")
        .values_list("trajectory_id", "starts_at", "ends_at")
    )
    return [
        HeldSession(
            trajectory_id=trajectory_id,
            on=local_date(starts_at),
            minutes=max(1, round((ends_at - starts_at).total_seconds() / 60)),
        )
        for trajectory_id, starts_at, ends_at in rows
        if trajectory_id is not None
    ]
