"""Reads of trajectories: the caseload, the client file as a timeline, the team lead's queue.

Each selector checks the access policy and writes the NEN 7513 access log; each runs a fixed
number of queries whatever the number of clients or events.
"""

import dataclasses
import datetime
import functools
import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Model, Prefetch, Q, QuerySet
from django.db.models.expressions import Col
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import localize
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from markupsafe import Markup

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.accounts.selectors import user_name_fields
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients import selectors as client_selectors
from coachcare.clients.models import Client
from coachcare.clients.selectors import ClientFile
from coachcare.contracts import selectors as contract_selectors
from coachcare.contracts.models import AllocationStatus
from coachcare.core.dates import age_on, today
from coachcare.core.prepared import PreparedQuery
from coachcare.measures.models import Informant
from coachcare.method.models import Module
from coachcare.trajectories.deadlines import StepDeadline, step_deadline
from coachcare.trajectories.models import (
    ACTIVE_STATUSES,
    Agreement,
    ConsentException,
    Evaluation,
    FollowUp,
    Goal,
    GoalRating,
    GoalRatingSkipped,
    GoalScore,
    ModuleRun,
    Status,
    Trajectory,
    TrajectoryTransition,
)

CASELOAD_PAGE_SIZE = 50

#: The gate's rules (``trajectories.gate``) in words, shown next to the advice.
ADVICE_RULE_TEXTS = {
    "deterioration": _(
        "A goal's GBO score or the GAS T-score went down since the previous measurement: the young person may "
        "need more specialised care."
    ),
    "no_progress": _(
        "After two or more modules the mean GBO score is not higher than two measurements ago: no progress "
        "over two modules."
    ),
    "goals_reached": _("Every goal is at least at the expected level (GAS 0) and has a GBO score of 8 or more."),
    "final_module": _("This was the method's final module (continuing on your own)."),
    "next_module": _(
        "The goals are not reached yet, and the method has a next module this young person has not followed."
    ),
    "no_module_left": _("The goals are not reached yet, and no module of the method is left."),
    "fits_open_goals": _("The advised module serves the goals that are not reached yet."),
    "final_next": _(
        "No other module of the method serves the goals that are still open: finish with the final module."
    ),
}


def advice_rule_text(rule: str, detail: dict[str, Any] | None = None, next_module: str = "") -> str:
    """The rule that gave an advice, in words a coach (and a team lead) understands; for a module
    that fits the open goals, in one sentence why (its domains and the open goals it serves)."""
    goals = [localize(order) for order in (detail or {}).get("open_goals", [])]
    domains = [str(name) for name in (detail or {}).get("domains", [])]
    if rule == "fits_open_goals" and goals and domains and next_module:
        return ngettext(
            "%(module)s works on %(domains)s, the domain of open goal %(goals)s.",
            "%(module)s works on %(domains)s, the domains of the open goals %(goals)s.",
            len(goals),
        ) % {
            "module": next_module,
            "domains": get_text_list(domains, str(_("and"))),
            "goals": get_text_list(goals, str(_("and"))),
        }
    return str(ADVICE_RULE_TEXTS.get(rule, rule))


def youth_ratings_of(*, trajectory: Trajectory) -> dict[int, int]:
    """The young person's own marks (goal id to 0-10) for the module that reached its evaluation;
    shown to the coach on the evaluation form (the page that shows it logs the read)."""
    run = ModuleRun.objects.filter(trajectory=trajectory).order_by("-sequence").first()
    if run is None:
        return {}
    return dict(GoalRating.objects.filter(module_run=run, informant=Informant.JONGERE).values_list("goal_id", "rating"))


# --- GBO: the goals rated by the young person (and a parent) in the portal --------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class RatingMoment:
    """When the goals are rated (GBO) now: at the intake (``run`` None, the baseline: "hoe sta je
    er nu voor?") or before the evaluation of the module ``run``."""

    run: ModuleRun | None

    @property
    def at_intake(self) -> bool:
        return self.run is None


def goal_rating_moment(*, trajectory: Trajectory | None) -> RatingMoment | None:
    """The moment the young person (and a parent) rate the goals now, or None: at the intake once
    goals exist, and once a module is finished until the coach scores its evaluation. One query."""
    if trajectory is None:
        return None
    if trajectory.status == Status.INTAKE:
        return RatingMoment(run=None) if Goal.objects.filter(trajectory=trajectory).exists() else None
    if trajectory.status == Status.MODULE_EVALUATION:
        run = (
            ModuleRun.objects.filter(trajectory=trajectory, state=ModuleRun.State.FINISHED)
            .select_related("module")
            .order_by("-sequence")
            .first()
        )
        return RatingMoment(run=run) if run is not None else None
    return None


@dataclasses.dataclass(frozen=True, kw_only=True)
class GivenRating:
    """One informant's mark of one goal: who (informant, the account's name) and when."""

    rating: int
    informant: str
    rated_by: str
    rated_at: datetime.datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class GoalRatings:
    """One goal at one moment with the young person's and the parent's marks side by side."""

    order: int
    text: str
    young_person: GivenRating | None
    parents: list[GivenRating]

    #: Kept for the evaluation form's table (``_youth_ratings.html``).
    @property
    def rating(self) -> int | None:
        return self.young_person.rating if self.young_person else None


@dataclasses.dataclass(frozen=True, kw_only=True)
class RatingsOverview:
    """What the coach sees of the goals' GBO at a moment: every informant's marks (never a form to
    type them) and, when the young person did not rate, the reason the coach recorded."""

    moment: RatingMoment
    goals: list[GoalRatings]
    skipped: GoalRatingSkipped | None

    @property
    def young_person_done(self) -> bool:
        return all(goal.young_person is not None for goal in self.goals)


def goal_ratings_overview(*, trajectory: Trajectory, run: ModuleRun | None) -> RatingsOverview:
    """The marks of every goal at the intake (``run`` None) or before the evaluation of ``run``, per
    informant, for the coach's forms (the page that shows it logs the read). Three queries."""
    goals = list(Goal.objects.filter(trajectory=trajectory).order_by("order"))
    ratings = GoalRating.objects.filter(goal__in=goals).select_related("rated_by").order_by("rated_at", "id")
    ratings = ratings.filter(module_run__isnull=True) if run is None else ratings.filter(module_run=run)
    by_goal: dict[int, list[GoalRating]] = {}
    for rating in ratings:
        by_goal.setdefault(rating.goal_id, []).append(rating)
    rows = []
    for goal in goals:
        given = [
            GivenRating(
                rating=item.rating,
                informant=item.informant,
                rated_by=item.rated_by.get_full_name() or item.rated_by.get_username(),
                rated_at=item.rated_at,
            )
            for item in by_goal.get(goal.pk, [])
        ]
        rows.append(
            GoalRatings(
                order=goal.order,
                text=goal.text,
                young_person=next((item for item in given if item.informant == Informant.JONGERE), None),
                parents=[item for item in given if item.informant == Informant.OUDER],
            )
        )
    skipped = GoalRatingSkipped.objects.filter(trajectory=trajectory)
    skipped = skipped.filter(module_run__isnull=True) if run is None else skipped.filter(module_run=run)
    return RatingsOverview(moment=RatingMoment(run=run), goals=rows, skipped=skipped.first())


def evaluation_explain(evaluation: Evaluation) -> str:
    """``advice_rule_text`` for a stored evaluation."""
    return advice_rule_text(evaluation.advice_rule, evaluation.advice_detail, evaluation.advice_next_module_code)


#: What a caseload row shows: the young person (name, age, link), the trajectory's status and next
#: action, and for a team lead the coach. Read as plain values (``values_list``): building three
#: model instances per row cost more than the rest of the page.
CASELOAD_COLUMNS = (
    "public_id",
    "status",
    "next_action",
    "next_action_due",
    "client_id",
    "client__public_id",
    "client__given_name",
    "client__family_name",
    "client__birth_date",
    "coach__username",
    "coach__first_name",
    "coach__last_name",
)


@dataclasses.dataclass(slots=True, kw_only=True)
class CaseloadRow:
    """One trajectory on the caseload, with what the row shows (no model instances)."""

    public_id: UUID
    client_id: int
    client_public_id: UUID
    client_name: str
    age: int
    status: str
    status_label: str
    next_action: str
    next_action_label: str
    deadline: StepDeadline
    overdue: bool
    #: The coach's name (``User.display_name``), ``None`` without a coach.
    coach_name: str | None
    #: The client file's address (``clients:detail``).
    url: str
    #: The due date as ``home/includes/desk.html``'s ``deadline_text`` words it ("by 5 December
    #: 2026", "overdue since ..."), "" without a due date.
    due_text: str
    #: What is new since the actor last opened the file (``home.selectors.signals_attach``).
    signals: Any = None
    #: ``signals`` as the desk's list prints them (``home.selectors.signals_attach(lines=True)``).
    signal_lines: Any = None


@functools.cache
def _choice_labels(field_name: str) -> dict[str, Any]:
    """A choice field's labels (lazy: they follow the request's language), built once per process."""
    return dict(Trajectory._meta.get_field(field_name).flatchoices)  # type: ignore[union-attr]


#: Stands for the client's id in the client file's address, reversed once per page.
_ID_MARK = "00000000-0000-0000-0000-000000000000"


class _DueTexts:
    """A due date in the words of ``home/includes/desk.html``'s ``deadline_text``, each date
    worded once per request: the ``date`` filter's "j F Y" (``home.jinja_env.date``: the day, the
    month's name in the request's language, the year) in the translated sentence, filled in as
    Jinja's i18n fills it (the translation trusted, the date escaped)."""

    def __init__(self) -> None:
        self.done: dict[tuple[datetime.date, bool], str] = {}
        self.months: dict[int, str] = {}
        self.sentences: dict[bool, Markup] = {}

    def __call__(self, due: datetime.date | None, overdue: bool) -> str:
        if due is None:
            return ""
        found = self.done.get((due, overdue))
        if found is None:
            month = self.months.get(due.month)
            if month is None:
                month = self.months[due.month] = str(MONTHS[due.month])
            sentence = self.sentences.get(overdue)
            if sentence is None:
                text = gettext("overdue since %(date)s") if overdue else gettext("by %(date)s")
                sentence = self.sentences[overdue] = Markup(text)  # noqa: S704 - a translation, trusted as Jinja's i18n trusts it
            found = self.done[(due, overdue)] = sentence % {"date": f"{due.day} {month} {due.year:04d}"}
        return found


class _Labels:
    """A choice field's labels translated once per request, only for the values met."""

    def __init__(self, field_name: str) -> None:
        self.lazy = _choice_labels(field_name)
        self.done: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        found = self.done.get(value)
        if found is None:
            found = self.done[value] = str(self.lazy.get(value, value))
        return found


#: The models and fields of ``CASELOAD_COLUMNS``, in that order (``_caseload_sql``).
_CASELOAD_FIELDS = (
    *((Trajectory, name) for name in ("public_id", "status", "next_action", "next_action_due", "client")),
    *((Client, name) for name in ("public_id", "given_name", "family_name", "birth_date")),
    *((User, name) for name in ("username", "first_name", "last_name")),
)


def _quoted(model: type[Model], field: str | None = None) -> str:
    if field is None:
        return str(connection.ops.quote_name(model._meta.db_table))
    return str(connection.ops.quote_name(str(model._meta.get_field(field).column)))  # type: ignore[union-attr]


@functools.cache
def _caseload_sql(vendor: str) -> str:
    """The caseload page's statement around the policy's subquery (``{clients}``: the clients the
    actor may see): the ``CASELOAD_COLUMNS`` of a page of the non-archived trajectories in the
    order of ``caseload_list`` and, in the same statement, how many there are (a window count,
    counted before the limit). Names from the models' metadata, values as parameters (the policy's,
    the archived status, limit and offset). Written out: the same query through the ORM
    (building, compiling, and a second statement for the count) cost a sixth of the page's calls."""
    t, c, u = "t", "c", "u"
    columns = ", ".join(
        f"{ {Trajectory: t, Client: c, User: u}[model] }.{_quoted(model, name)}" for model, name in _CASELOAD_FIELDS
    )
    return (
        f"SELECT {columns}, COUNT(*) OVER () "  # noqa: S608 - names from the models' metadata, values as parameters
        f"FROM {_quoted(Trajectory)} {t} INNER JOIN {_quoted(Client)} {c}"
        f" ON {t}.{_quoted(Trajectory, 'client')} = {c}.{_quoted(Client, 'id')}"
        f" LEFT OUTER JOIN {_quoted(User)} {u} ON {t}.{_quoted(Trajectory, 'coach')} = {u}.{_quoted(User, 'id')}"
        f" WHERE {t}.{_quoted(Trajectory, 'client')} IN ({{clients}})"
        f" AND NOT ({t}.{_quoted(Trajectory, 'status')} = %s)"
        f" ORDER BY {t}.{_quoted(Trajectory, 'next_action_due')} ASC NULLS LAST, {t}.{_quoted(Trajectory, 'id')} ASC"
        " LIMIT %s OFFSET %s"
    )


@functools.cache
def _caseload_columns() -> tuple[Col, ...]:
    return tuple(model._meta.get_field(name).get_col(model._meta.db_table) for model, name in _CASELOAD_FIELDS)  # type: ignore[union-attr]


def _caseload_page_rows(*, actor: User, number: int) -> tuple[list[tuple[Any, ...]], int] | None:
    """Page ``number`` of the actor's caseload (tuples of ``CASELOAD_COLUMNS``) and the number of
    trajectories, in one statement; ``None`` for a page past the end (``Paginator.get_page`` then
    picks the last page) and when the policy gives no clients at all (``none()``: no SQL)."""
    try:
        clients_sql, clients_params = policy.clients_visible_to(actor).order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None
    sql = _caseload_sql(connection.vendor).format(clients=clients_sql)
    params = [*clients_params, Status.ARCHIVED.value, CASELOAD_PAGE_SIZE, (number - 1) * CASELOAD_PAGE_SIZE]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if not found:
        return ([], 0) if number == 1 else None
    # The values as the ORM gives them (SQLite: UUIDs and dates from text).
    converters = [
        (index, converter, column)
        for index, column in enumerate(_caseload_columns())
        for converter in [*connection.ops.get_db_converters(column), *column.field.get_db_converters(connection)]
    ]
    if not converters:
        return [row[:-1] for row in found], found[0][-1]
    rows = []
    for row in found:
        values = list(row[:-1])
        for index, converter, column in converters:
            values[index] = converter(values[index], column, connection)
        rows.append(tuple(values))
    return rows, found[0][-1]


def _caseload_page_orm(*, actor: User, page: int, search: str) -> Page[Any]:
    """``caseload_list``'s page through the ORM: tuples of ``CASELOAD_COLUMNS``."""
    trajectories = Trajectory.objects.filter(client__in=policy.clients_visible_to(actor)).exclude(
        status=Status.ARCHIVED
    )
    if search.strip():
        term = search.strip()
        trajectories = trajectories.filter(
            Q(client__family_name__icontains=term) | Q(client__given_name__icontains=term)
        )
    ordered = trajectories.order_by(F("next_action_due").asc(nulls_last=True), "id").values_list(*CASELOAD_COLUMNS)
    return Paginator(ordered, CASELOAD_PAGE_SIZE).get_page(page)


def caseload_list(*, actor: User, access_point: AccessPoint, page: int = 1, search: str = "") -> Page[CaseloadRow]:
    """Trajectories of the clients the actor may see, most urgent first (overdue at the top).

    Ordered by the next action's due date: an overdue action has the earliest date, so it comes
    first; trajectories without a due date come last. A page in range without a search term is
    one statement (``_caseload_sql``); a search or a page number out of range goes through the ORM
    and ``Paginator.get_page`` (tests/trajectories/test_selectors.py: the same rows either way).
    """
    fast = _caseload_page_rows(actor=actor, number=page) if page >= 1 and not search.strip() else None
    if fast is not None:
        page_obj: Page[Any] = Paginator(range(fast[1]), CASELOAD_PAGE_SIZE).page(page)
        page_obj.object_list = fast[0]
    else:
        page_obj = _caseload_page_orm(actor=actor, page=page, search=search)
    on = today()
    status_label, next_action_label, due_text = _Labels("status"), _Labels("next_action"), _DueTexts()
    url_start, _mark, url_end = reverse("clients:detail", kwargs={"public_id": _ID_MARK}).partition(_ID_MARK)
    rows: list[CaseloadRow] = []
    for (
        public_id,
        status,
        next_action,
        due,
        client_id,
        client_public_id,
        given_name,
        family_name,
        birth_date,
        coach_username,
        coach_first_name,
        coach_last_name,
    ) in page_obj.object_list:
        deadline = step_deadline(due=due, on=on)
        if coach_username is None:
            coach_name = None
        else:  # User.display_name: the full name, else the username
            coach_name = f"{coach_first_name} {coach_last_name}".strip() or coach_username
        rows.append(
            CaseloadRow(
                public_id=public_id,
                client_id=client_id,
                client_public_id=client_public_id,
                client_name=f"{given_name} {family_name}",  # Client.full_name
                age=age_on(birth_date, on),
                status=status,
                status_label=status_label(status),
                next_action=next_action,
                next_action_label=next_action_label(next_action) if next_action else "",
                deadline=deadline,
                overdue=deadline.overdue,
                coach_name=coach_name,
                url=f"{url_start}{client_public_id}{url_end}",
                due_text=due_text(due, deadline.overdue),
            )
        )
    page_obj.object_list = rows
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="client.caseload",
        client_ids=[row.client_public_id for row in rows],
        access_point=access_point,
    )
    return page_obj


def approval_queue(*, actor: User, access_point: AccessPoint) -> list[Evaluation]:
    """Gate decisions of the team lead's team that deviate from the advice and wait for approval."""
    if actor.team_id is None:
        return []
    evaluations = list(
        Evaluation.objects.filter(
            approval=Evaluation.Approval.PENDING, module_run__trajectory__client__team_id=actor.team_id
        )
        .select_related("module_run__module", "module_run__trajectory__client", "decided_by")
        .order_by("decided_at", "id")
    )
    evaluations = [e for e in evaluations if policy.can_approve_gate_decision(actor, e.module_run.trajectory.client)]
    for evaluation in evaluations:
        evaluation.rule_text = evaluation_explain(evaluation)  # type: ignore[attr-defined]
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="trajectory.approval_queue",
        client_ids=[e.module_run.trajectory.client.public_id for e in evaluations],
        access_point=access_point,
    )
    return evaluations


def approval_queue_count(*, actor: User) -> int:
    """How many decisions (gate decisions and consent exceptions) wait for this team lead (a number
    only: no client data, no log entry)."""
    if actor.team_id is None or not policy.can_review_gate_decisions(actor):
        return 0
    return (
        Evaluation.objects.filter(
            approval=Evaluation.Approval.PENDING, module_run__trajectory__client__team_id=actor.team_id
        ).count()
        + ConsentException.objects.filter(
            status=ConsentException.Status.PENDING, trajectory__client__team_id=actor.team_id
        ).count()
    )


def consent_exception_queue(*, actor: User, access_point: AccessPoint) -> list[ConsentException]:
    """Exceptions of art. 7.3.4 lid 4 of the team lead's team that wait for their decision."""
    if actor.team_id is None or not policy.can_review_consent_exceptions(actor):
        return []
    exceptions = [
        exception
        for exception in ConsentException.objects.filter(
            status=ConsentException.Status.PENDING, trajectory__client__team_id=actor.team_id
        )
        .select_related("trajectory__client", "recorded_by")
        .order_by("recorded_at", "id")
        if policy.can_decide_consent_exception(actor, exception.trajectory.client)
    ]
    if exceptions:
        access_log_record(
            actor=actor,
            event=Event.READ,
            action="trajectory.consent_exception_queue",
            client_ids=[exception.trajectory.client.public_id for exception in exceptions],
            access_point=access_point,
        )
    return exceptions


def consent_exceptions_of(*, trajectory: Trajectory) -> list[ConsentException]:
    """Every exception recorded for a trajectory (the client file shows them to the treating coach)."""
    return list(
        ConsentException.objects.filter(trajectory=trajectory)
        .select_related("recorded_by", "decided_by")
        .order_by("id")
    )


def evaluation_current(*, trajectory: Trajectory) -> Evaluation | None:
    """The evaluation of the trajectory's latest module run (None before it is scored)."""
    run = ModuleRun.objects.filter(trajectory=trajectory).order_by("-sequence").first()
    if run is None:
        return None
    return Evaluation.objects.filter(module_run=run).select_related("module_run__module").first()


@dataclasses.dataclass(frozen=True, kw_only=True)
class TimelineEvent:
    at: datetime.datetime | datetime.date
    kind: str  # transition, goal, score, module, evaluation, agreement, follow_up, note
    trajectory: Trajectory | None
    item: object


@dataclasses.dataclass(slots=True, kw_only=True)
class TransitionRow:
    """A status change as the timeline shows it: plain values, no model instances (issue 19)."""

    from_label: str  # the statuses' labels, in the language of the request
    to_label: str
    by_name: str  # the display name of who changed it ("" when nobody, e.g. a deleted account)
    reason: str


@dataclasses.dataclass(slots=True, kw_only=True)
class ScoreRow:
    """A goal's score as the file shows it (``goal.score_list``): plain values and its module run."""

    module_run_id: int | None
    module_run: ModuleRun | None  # None: the intake score
    gas: int
    gbo: int | None
    gbo_informant: str
    scored_at: datetime.datetime


#: Who changed a status: the columns of ``User.display_name``.
_BY_NAME = ("by__first_name", "by__last_name", "by__username")


@functools.cache
def _status_labels() -> dict[str, Any]:
    return dict(Status.choices)


def _display_name(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """``User.display_name`` from the columns: the full name, else the username ("" without a user)."""
    return f"{first_name or ''} {last_name or ''}".strip() or username or ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientTimeline:
    file: ClientFile
    trajectories: list[Trajectory]
    active: Trajectory | None
    goals: list[Goal]
    events: list[TimelineEvent]


def _scale(goal: Goal) -> list[tuple[int, str]]:
    try:
        data = json.loads(goal.scale)
    except (TypeError, ValueError):
        return []
    return sorted(((int(level), text) for level, text in data.items()), reverse=True)


@functools.cache
def _agreement_columns() -> tuple[str, ...]:
    """What the timeline and the trajectory panel read of a consent: its own columns, the names of
    who gave and recorded it, and of the family member (``GezagRelation.display_name``). Each
    column of a joined table costs the ORM calls to compile and to load (issue 19): the accounts'
    other columns (password, flags, dates) are not read."""
    return (
        *(field.name for field in Agreement._meta.concrete_fields),
        *user_name_fields(prefix="given_by__"),
        *user_name_fields(prefix="recorded_by__"),
        "carer__kind",
        "carer__organisation_name",
        "carer__given_name",
        "carer__family_name",
        "carer__parent",
        *user_name_fields(prefix="carer__parent__"),
    )


@functools.cache
def _evaluation_columns() -> tuple[str, ...]:
    """An evaluation's own columns and the names of who decided and approved (as ``_agreement_columns``)."""
    return (
        *(field.name for field in Evaluation._meta.concrete_fields),
        *user_name_fields(prefix="decided_by__"),
        *user_name_fields(prefix="approved_by__"),
    )


# The timeline's reads, each compiled once per process (``core.prepared``) and run with the client's
# id: the same rows as the querysets (all trajectories of one young person), without building and
# compiling them on every opening of a file (issue 19.1, docs/performance.md).
_timeline_trajectories = PreparedQuery(
    lambda client_id: (
        Trajectory.objects.filter(client_id=client_id).select_related("coach", "method_version").order_by("-created_at")
    ),
    client_id=int,
)
_timeline_transitions = PreparedQuery(
    lambda client_id: (
        TrajectoryTransition.objects.filter(trajectory__client_id=client_id)
        .order_by("at", "id")
        .values_list("trajectory_id", "at", "from_status", "to_status", *_BY_NAME, "reason")
    ),
    client_id=int,
)
_timeline_runs = PreparedQuery(
    lambda client_id: (
        ModuleRun.objects.filter(trajectory__client_id=client_id)
        .select_related("module", "progress")
        .order_by("sequence")
    ),
    client_id=int,
)
_timeline_goals = PreparedQuery(
    lambda client_id: Goal.objects.filter(trajectory__client_id=client_id).order_by("trajectory_id", "order"),
    client_id=int,
)
_timeline_scores = PreparedQuery(
    lambda client_id: (
        GoalScore.objects.filter(goal__trajectory__client_id=client_id)
        .order_by("scored_at", "id")
        .values_list("goal_id", "module_run_id", "gas", "gbo", "gbo_informant", "scored_at")
    ),
    client_id=int,
)
_timeline_evaluations = PreparedQuery(
    lambda client_id: (
        Evaluation.objects.filter(module_run__trajectory__client_id=client_id)
        .select_related("decided_by", "approved_by")
        .only(*_evaluation_columns())
    ),
    client_id=int,
)
# Ordered by their own columns: the models' default ordering ("trajectory", ...) would join
# the trajectory (and sort by its next step) only to be sorted again below.
_timeline_agreements = PreparedQuery(
    lambda client_id: (
        Agreement.objects.filter(trajectory__client_id=client_id)
        .select_related("given_by", "recorded_by", "carer__parent")
        .only(*_agreement_columns())
        .order_by("trajectory_id", "given_at", "id")
    ),
    client_id=int,
)
_timeline_follow_ups = PreparedQuery(
    lambda client_id: FollowUp.objects.filter(trajectory__client_id=client_id).order_by("trajectory_id", "months"),
    client_id=int,
)


def client_timeline(*, actor: User, public_id: UUID, access_point: AccessPoint) -> ClientTimeline:
    """The client file as a timeline: goals, modules, sessions, evaluations, decisions, notes.

    Administrative roles get the file without clinical events (the policy decides).
    """
    file = client_selectors.client_file_get(actor=actor, public_id=public_id, access_point=access_point)
    client_id = file.client.pk
    trajectories = _timeline_trajectories.all(client_id=client_id)
    active = next((t for t in trajectories if t.status in ACTIVE_STATUSES), None)
    if not file.shows_clinical:
        return ClientTimeline(file=file, trajectories=trajectories, active=active, goals=[], events=[])
    by_id = {t.pk: t for t in trajectories}
    # A read whose rows hang on rows that are not there (no trajectory, goal or run) is not run.
    events: list[TimelineEvent] = []
    labels = _status_labels()
    names: dict[str, str] = {}  # each status's label translated once, not at every mention
    # Plain values: the timeline only shows a status change (issue 19, docs/performance.md).
    for trajectory_id, at, from_status, to_status, first_name, last_name, username, reason in (
        _timeline_transitions.all(client_id=client_id) if trajectories else []
    ):
        row = TransitionRow(
            from_label=names.get(from_status)
            or names.setdefault(from_status, str(labels.get(from_status, from_status))),
            to_label=names.get(to_status) or names.setdefault(to_status, str(labels.get(to_status, to_status))),
            by_name=_display_name(first_name, last_name, username),
            reason=reason,
        )
        events.append(TimelineEvent(at=at, kind="transition", trajectory=by_id[trajectory_id], item=row))
    # The module runs first: the scores and evaluations point at them, so they need no join of
    # their own (each joined table costs the ORM as much as a query: issue 19, docs/performance.md).
    # "progress": the status an external module reported through FHIR (coachcare.api), same query.
    runs = _timeline_runs.all(client_id=client_id) if trajectories else []
    runs_by_id = {run.pk: run for run in runs}
    goals = _timeline_goals.all(client_id=client_id) if trajectories else []
    for goal in goals:
        goal.scale_levels = _scale(goal)  # type: ignore[attr-defined]
        goal.score_list = []  # type: ignore[attr-defined]
        events.append(TimelineEvent(at=goal.created_at, kind="goal", trajectory=by_id[goal.trajectory_id], item=goal))
    goals_by_id = {goal.pk: goal for goal in goals}
    # Plain rows: the goal panels read the level, the mark and the moment of a score (issue 19).
    for goal_id, module_run_id, gas, gbo, gbo_informant, scored_at in (
        _timeline_scores.all(client_id=client_id) if goals else []
    ):
        goals_by_id[goal_id].score_list.append(  # type: ignore[attr-defined]
            ScoreRow(
                module_run_id=module_run_id,
                # a run of the same young person's trajectories: all of them are loaded above
                module_run=runs_by_id.get(module_run_id) if module_run_id is not None else None,
                gas=gas,
                gbo=gbo,
                gbo_informant=gbo_informant,
                scored_at=scored_at,
            )
        )
    for run in runs:
        events.append(TimelineEvent(at=run.started_on, kind="module", trajectory=by_id[run.trajectory_id], item=run))
    for evaluation in _timeline_evaluations.all(client_id=client_id) if runs else []:
        evaluation.module_run = runs_by_id[evaluation.module_run_id]
        at = evaluation.decided_at or evaluation.module_run.finished_on or evaluation.module_run.started_on
        evaluation.rule_text = evaluation_explain(evaluation)  # type: ignore[attr-defined]
        events.append(
            TimelineEvent(
                at=at, kind="evaluation", trajectory=by_id[evaluation.module_run.trajectory_id], item=evaluation
            )
        )
    for agreement in _timeline_agreements.all(client_id=client_id) if trajectories else []:
        agreement.trajectory = by_id[agreement.trajectory_id]
        events.append(
            TimelineEvent(
                at=agreement.given_at, kind="agreement", trajectory=by_id[agreement.trajectory_id], item=agreement
            )
        )
    for follow_up in _timeline_follow_ups.all(client_id=client_id) if trajectories else []:
        events.append(
            TimelineEvent(
                at=follow_up.due_on, kind="follow_up", trajectory=by_id[follow_up.trajectory_id], item=follow_up
            )
        )
    for note in file.notes or []:
        events.append(TimelineEvent(at=note.created_at, kind="note", trajectory=None, item=note))
    events.sort(
        key=lambda e: (
            e.at
            if isinstance(e.at, datetime.datetime)
            # a date-only event (a follow-up's due date) begins at midnight in Amsterdam
            else datetime.datetime.combine(e.at, datetime.time.min, tzinfo=timezone.get_default_timezone())
        ),
        reverse=True,
    )
    return ClientTimeline(file=file, trajectories=trajectories, active=active, goals=goals, events=events)


def trajectory_get_for_actor(*, actor: User, public_id: UUID, action: str, access_point: AccessPoint) -> Trajectory:
    """A trajectory whose clinical content the actor may see; ``AccessDenied`` otherwise.

    Every page of a trajectory shows its clinical content (goal texts, GAS scales, scores, the
    evaluation and its advice), so opening one is logged here, once, as a read with ``action``
    (e.g. ``trajectory.evaluation``): a new trajectory page cannot forget it (NEN 7513)."""
    trajectory = _clinical_get(
        Trajectory.objects.select_related("client", "client__municipality", "client__team", "method_version"),
        actor=actor,
        public_id=public_id,
    )
    client_ids = [trajectory.client.public_id]
    access_log_record(actor=actor, event=Event.READ, action=action, client_ids=client_ids, access_point=access_point)
    return trajectory


def trajectory_for_regisseur(*, actor: User, public_id: UUID, access_point: AccessPoint) -> Trajectory:
    """A trajectory whose regisseur the actor may record (``policy.can_record_regisseur``: the
    treating professionals or the access team of the client's municipality); ``AccessDenied``
    otherwise. Administrative data only; the read is logged."""
    trajectory = (
        Trajectory.objects.select_related("client", "client__municipality", "client__team")
        .filter(public_id=public_id, client__in=policy.clients_visible_to(actor))
        .first()
    )
    if trajectory is None or not policy.can_record_regisseur(actor, trajectory.client):
        raise policy.AccessDenied("No such trajectory, or no access.")
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="trajectory.page.regisseur",
        client_ids=[trajectory.client.public_id],
        access_point=access_point,
    )
    return trajectory


def regisseur_trajectory_of_client(*, actor: User, client_public_id: UUID) -> Trajectory:
    """The young person's current trajectory (the latest that is not archived) whose regisseur the
    actor may record: how the access team reaches the regisseur form from an allocation request.
    ``AccessDenied`` otherwise. Not logged: the form it leads to logs the read."""
    trajectory = (
        Trajectory.objects.select_related("client")
        .filter(client__public_id=client_public_id, client__in=policy.clients_visible_to(actor))
        .exclude(status=Status.ARCHIVED)
        .order_by("-created_at", "-id")
        .first()
    )
    if trajectory is None or not policy.can_record_regisseur(actor, trajectory.client):
        raise policy.AccessDenied("No such trajectory, or no access.")
    return trajectory


def _clinical_get(trajectories: QuerySet[Trajectory], *, actor: User, public_id: UUID) -> Trajectory:
    """The trajectory ``public_id`` among ``trajectories`` of a client the actor may open, when the
    policy gives CLINICAL; ``AccessDenied`` otherwise (no existence leak)."""
    trajectory = trajectories.filter(public_id=public_id, client__in=policy.clients_visible_to(actor)).first()
    if trajectory is None or not policy.can_see(actor, trajectory.client, policy.DataKind.CLINICAL):
        raise policy.AccessDenied("No such trajectory, or no access.")
    return trajectory


# --- narrow reads for the lists outside the screens (REST, FHIR): no log, the caller logs ----------


def trajectories_clinical(
    *,
    actor: User,
    status: str | None = None,
    client: UUID | None = None,
    created_since: datetime.datetime | None = None,
) -> QuerySet[Trajectory]:
    """The trajectories of clients whose clinical file the actor may see
    (``policy.clinical_clients_visible_to``), optionally of one status or client or created since a
    moment; unordered."""
    trajectories = Trajectory.objects.filter(client__in=policy.clinical_clients_visible_to(actor))
    if status:
        trajectories = trajectories.filter(status=status)
    if client:
        trajectories = trajectories.filter(client__public_id=client)
    if created_since:
        trajectories = trajectories.filter(created_at__gte=created_since)
    return trajectories


def trajectory_rows() -> QuerySet[Trajectory]:
    """Trajectories with what the REST and FHIR views show and the policy reads, nothing more."""
    return Trajectory.objects.select_related("client", "coach", "method_version").only(
        "public_id",
        "status",
        "next_action",
        "next_action_due",
        "referred_on",
        "closed_on",
        "end_reason",
        "created_at",
        "client",
        *client_selectors.client_policy_fields(prefix="client__"),
        "method_version__version",
        *user_name_fields(prefix="coach__"),
    )


def trajectory_rows_allowed(*, actor: User, rows: list[Trajectory]) -> list[Trajectory]:
    """Defence in depth after ``trajectories_clinical``: the rows whose client the policy gives CLINICAL today."""
    return client_selectors.client_rows_clinical(actor=actor, rows=rows, client_of=lambda trajectory: trajectory.client)


#: One trajectory of the API's reads by its public id, read narrowly (``trajectory_rows``), the SQL
#: compiled once per process (``core.prepared``).
_api_trajectory_by_public_id = PreparedQuery(
    lambda public_id: trajectory_rows().filter(public_id=public_id), public_id=UUID
)


def trajectory_clinical_get(*, actor: User, public_id: UUID) -> Trajectory:
    """A trajectory whose clinical content the actor may see (the decision of
    ``trajectory_get_for_actor``), read narrowly (``trajectory_rows``); ``AccessDenied`` otherwise.
    Read by its id alone and kept only when ``policy.kinds_visible`` gives its client ADMINISTRATIVE
    (exactly when ``policy.clients_visible_to`` holds the client, ``tests/access/test_policy_matrix.py``)
    and CLINICAL."""
    trajectory = _api_trajectory_by_public_id.first(public_id=public_id)
    kinds = policy.kinds_visible(actor, trajectory.client) if trajectory is not None else policy.NO_KINDS
    if trajectory is None or not {policy.DataKind.ADMINISTRATIVE, policy.DataKind.CLINICAL} <= kinds:
        raise policy.AccessDenied("No such trajectory, or no access.")
    return trajectory


def goal_list_for_trajectory(*, actor: User, trajectory: Trajectory) -> QuerySet[Goal]:
    """The goals of a trajectory with their scores in time order; ``AccessDenied`` without CLINICAL."""
    policy.require(actor, trajectory.client, [policy.DataKind.CLINICAL])
    return (
        Goal.objects.filter(trajectory=trajectory)
        .select_related("trajectory__client")
        .prefetch_related(
            Prefetch("scores", queryset=GoalScore.objects.select_related("module_run").order_by("scored_at", "id"))
        )
    )


def goal_list_for_client(*, actor: User, client: Client) -> QuerySet[Goal]:
    """The goals of every trajectory of a client, with their scores; ``AccessDenied`` without CLINICAL."""
    policy.require(actor, client, [policy.DataKind.CLINICAL])
    return (
        Goal.objects.filter(trajectory__client=client).select_related("trajectory__client").prefetch_related("scores")
    )


def goal_clinical_get(*, actor: User, trajectory_id: UUID, order: int) -> Goal:
    """Goal ``order`` of a trajectory whose client's clinical file the actor may see; ``AccessDenied`` otherwise."""
    goal = (
        Goal.objects.select_related("trajectory__client")
        .prefetch_related("scores")
        .filter(
            trajectory__public_id=trajectory_id,
            order=order,
            trajectory__client__in=policy.clinical_clients_visible_to(actor),
        )
        .first()
    )
    if goal is None or not policy.can_see(actor, goal.trajectory.client, policy.DataKind.CLINICAL):
        raise policy.AccessDenied("No such goal, or no access.")
    return goal


def _module_run_row_fields() -> list[str]:
    """What ``module_run_rows`` reads of a run, its trajectory, client and progress."""
    return [
        "trajectory",
        "module",
        "sequence",
        "state",
        "started_on",
        "due_on",
        "finished_on",
        "trajectory__public_id",
        "trajectory__coach",
        "trajectory__client",
        *client_selectors.client_policy_fields(prefix="trajectory__client__"),
        "progress__status",
        "progress__business_status",
        "progress__updated_at",
    ]


def module_run_rows(*, requester: bool = False) -> QuerySet[ModuleRun]:
    """Module runs with what the REST and FHIR views show and the policy reads, nothing more.

    The module (a small, immutable catalogue) comes in a second small query rather than two more
    joins: the planner's cost grows quickly with every joined table. ``requester``: also the
    trajectory's coach (FHIR Task.requester).
    """
    related = ["trajectory__client", "progress"]
    fields = _module_run_row_fields()
    if requester:
        related.append("trajectory__coach")
        fields += user_name_fields(prefix="trajectory__coach__")
    modules = Module.objects.select_related("method_version").only("code", "name", "method_version__version")
    return (
        ModuleRun.objects.select_related(*related).only(*fields).prefetch_related(Prefetch("module", queryset=modules))
    )


#: At most this many module runs of one trajectory in the API's trajectory detail.
TRAJECTORY_RUNS_SHOWN = 100

#: The module runs of one trajectory for the API's trajectory detail, in id order: what
#: ``module_run_rows`` reads, with the module joined (a trajectory has a handful of runs), the SQL
#: compiled once per process (``core.prepared``).
_api_runs_of_trajectory = PreparedQuery(
    lambda trajectory_id: (
        ModuleRun.objects.select_related("trajectory__client", "progress", "module__method_version")
        .only(
            *_module_run_row_fields(),
            "module__code",
            "module__name",
            "module__method_version__version",
        )
        .filter(trajectory_id=trajectory_id)
        .order_by("id")[:TRAJECTORY_RUNS_SHOWN]
    ),
    trajectory_id=int,
)


def module_runs_of_trajectory(*, actor: User, trajectory: Trajectory) -> list[ModuleRun]:
    """The first ``TRAJECTORY_RUNS_SHOWN`` module runs of a trajectory, in id order, when the actor
    sees its client's clinical file (``AccessDenied`` otherwise: the rule of
    ``module_runs_readable``, for one client); each row checked again (``module_run_rows_allowed``)."""
    policy.require(actor, trajectory.client, [policy.DataKind.CLINICAL])
    return module_run_rows_allowed(actor=actor, rows=_api_runs_of_trajectory.all(trajectory_id=trajectory.pk))


#: At most this many module runs of one client are read at once for a FHIR Task search by patient
#: (``module_runs_of_client``); a client with more is paged in the database.
CLIENT_RUNS_READ = 500

#: The module runs of one client (a FHIR Task search by patient), in id order, with the trajectory's
#: coach (Task.requester): what ``module_run_rows(requester=True)`` reads, with the module joined,
#: the SQL compiled once per process (``core.prepared``).
_api_runs_of_client = PreparedQuery(
    lambda client_id: (
        ModuleRun.objects.select_related(
            "trajectory__client", "trajectory__coach", "progress", "module__method_version"
        )
        .only(
            *_module_run_row_fields(),
            *user_name_fields(prefix="trajectory__coach__"),
            "module__code",
            "module__name",
            "module__method_version__version",
        )
        .filter(trajectory__client_id=client_id)
        .order_by("id")[:CLIENT_RUNS_READ]
    ),
    client_id=int,
)


def module_runs_of_client(*, actor: User, client: Client) -> list[ModuleRun] | None:
    """Every module run of a client in id order, with the trajectory's coach, when the actor sees the
    client's clinical file (``AccessDenied`` otherwise: the rule of ``module_runs_readable`` for one
    client; each row checked again, ``module_run_rows_allowed``). ``None`` for an e-health module's
    account (``module_runs_readable`` narrows to the runs assigned to it) and for a client with
    ``CLIENT_RUNS_READ`` runs or more: page those in the database."""
    if policy.api_scope(actor) == policy.ApiScope.MODULE_TASKS:
        return None
    policy.require(actor, client, [policy.DataKind.CLINICAL])
    rows = _api_runs_of_client.all(client_id=client.pk)
    if len(rows) >= CLIENT_RUNS_READ:
        return None
    return module_run_rows_allowed(actor=actor, rows=rows)


def module_runs_readable(
    *,
    actor: User,
    runs: QuerySet[ModuleRun] | None = None,
    trajectory: Trajectory | None = None,
    client: Client | None = None,
    module_code: str | None = None,
    state: str | None = None,
) -> QuerySet[ModuleRun]:
    """``runs`` (default: all) narrowed to the module runs (FHIR Tasks) the actor may read: an
    e-health module's account those assigned to it (``policy.module_runs_served_by``), everyone
    else those of clients whose clinical file they see; optionally of one trajectory, client,
    module or state. Unordered."""
    runs = ModuleRun.objects.all() if runs is None else runs
    if policy.api_scope(actor) == policy.ApiScope.MODULE_TASKS:
        runs = runs.filter(pk__in=policy.module_runs_served_by(actor).values("pk"))
    else:
        runs = runs.filter(trajectory__client__in=policy.clinical_clients_visible_to(actor))
    if trajectory is not None:
        runs = runs.filter(trajectory=trajectory)
    if client is not None:
        runs = runs.filter(trajectory__client=client)
    if module_code:
        runs = runs.filter(module__code=module_code)
    if state:
        runs = runs.filter(state=state)
    return runs


def module_run_rows_allowed(*, actor: User, rows: list[ModuleRun]) -> list[ModuleRun]:
    """Defence in depth after ``module_runs_readable``: every row checked with ``policy.can_read_task``."""
    on = today()
    return [run for run in rows if policy.can_read_task(actor, run, on=on)]


def module_run_readable_get(*, actor: User, trajectory_id: UUID, sequence: int) -> ModuleRun:
    """Module run ``sequence`` of a trajectory, a FHIR Task the actor may read, with its requester;
    ``AccessDenied`` otherwise."""
    run = module_runs_readable(
        actor=actor, runs=module_run_rows(requester=True).filter(trajectory__public_id=trajectory_id, sequence=sequence)
    ).first()
    if run is None or not policy.can_read_task(actor, run):
        raise policy.AccessDenied("No such task, or no access.")
    return run


def trajectory_counts_by_status(*, municipality_id: int | None = None, team_id: int | None = None) -> dict[str, int]:
    """The number of trajectories per status (statuses without any are absent), of one
    municipality, of one team's clients, or of all. Aggregates only: no log.

    A municipality's are counted on the trajectory's own municipality (the client's at referral):
    an index-only scan of (municipality, status), not a join of every trajectory in the country
    with the clients."""
    trajectories = Trajectory.objects.all()
    if municipality_id is not None:
        trajectories = trajectories.filter(municipality_id=municipality_id)
    elif team_id is not None:
        trajectories = trajectories.filter(client__team_id=team_id)
    return dict(trajectories.order_by().values_list("status").annotate(n=Count("*")).values_list("status", "n"))


def trajectories_pending(*, on: datetime.date) -> QuerySet[FollowUp]:
    """Follow-ups that should have fallen due (a safety net if a deferred task was lost)."""
    return FollowUp.objects.filter(state=FollowUp.State.SCHEDULED, due_on__lte=on)


def module_unsubmitted_drafts(*, trajectory: Trajectory) -> int:
    """How many answers of the running module the young person saved as a draft and did not submit
    (including text kept after their session expired). The coach is warned before finishing the
    module. Read through the reverse relations of the coaching models (no import of coaching)."""
    run = ModuleRun.objects.filter(trajectory=trajectory, state=ModuleRun.State.RUNNING).order_by("-sequence").first()
    if run is None:
        return 0
    answers = run.assignment_answers.filter(status="draft").only("text")
    drafts = sum(1 for answer in answers if answer.text.strip())
    kept = trajectory.client.form_drafts.filter(form__startswith=f"answer:{run.pk}:").count()
    return int(drafts) + int(kept)


def allocation_still_to_request(*, trajectory: Trajectory, module_code: str) -> bool:
    """Whether asking the municipality for an allocation of ``module_code`` still makes sense: no
    request for it is waiting for an answer and no granted allocation covers it today. A refused
    request may be asked again. (The allocation form is not offered otherwise.)"""

    waiting = contract_selectors.allocation_list_for_client(client=trajectory.client).filter(
        status=AllocationStatus.REQUESTED, product__module_code=module_code
    )
    if waiting.exists():
        return False
    return contract_selectors.allocation_covering(client=trajectory.client, module_code=module_code, on=today()) is None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReferrerValues:
    """Who referred a young person (administrative: the kind, the route and the referrer's name)."""

    kind: str  # ReferrerKind
    route: str  # ReferralRoute, only with ReferrerKind.GEMEENTE
    name: str


def referrers_of(*, client_ids: Iterable[int]) -> dict[int, ReferrerValues]:
    """The referrer of each client's latest trajectory (for the JW315 Verwijzer); clients without
    a trajectory are missing from the result. One query."""
    result: dict[int, ReferrerValues] = {}
    rows = (
        Trajectory.objects.filter(client_id__in=list(client_ids))
        .order_by("client_id", "-referred_on", "-id")
        .values_list("client_id", "referrer_kind", "referral_route", "referrer_name")
    )
    for client_id, kind, route, name in rows:
        result.setdefault(client_id, ReferrerValues(kind=kind, route=route, name=name))
    return result
