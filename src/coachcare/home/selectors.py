import dataclasses
import datetime
import functools
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count, DateTimeField, F, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from markupsafe import Markup

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client, FileSeen
from coachcare.coaching.models import Appointment, AssignmentAnswer, DiaryEntry
from coachcare.core.dates import today
from coachcare.measures.models import QuestionnaireResponse
from coachcare.messaging.models import Message, Thread, ThreadRead
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider, Team
from coachcare.trajectories.deadlines import step_deadline
from coachcare.trajectories.models import ACTIVE_STATUSES, Agreement, Trajectory


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrganisationOverview:
    municipalities: int
    providers: int
    teams: int
    users: int
    clients: int


def organisation_overview() -> OrganisationOverview:
    """Counts for the administrator's start page (administrative, no client data)."""
    return OrganisationOverview(
        municipalities=Municipality.objects.count(),
        providers=Provider.objects.count(),
        teams=Team.objects.count(),
        users=User.objects.count(),
        clients=Client.objects.count(),
    )


# --- the coach's desk: what is new since the professional last opened a file -----------------------

#: "Never opened": everything counts as new.
_NEVER = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientSignals:
    """What happened in one client's file since the professional last opened it (counts only)."""

    answers: int = 0
    checkins: int = 0
    messages: int = 0
    questionnaires: int = 0
    consents: int = 0

    @property
    def total(self) -> int:
        return self.answers + self.checkins + self.messages + self.questionnaires + self.consents


def _column(model: type[Model], field: str) -> str:
    return str(connection.ops.quote_name(str(model._meta.get_field(field).column)))  # type: ignore[union-attr]


def _table(model: type[Model]) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


@functools.cache
def _signals_sql(vendor: str) -> str:
    """The statement of ``client_signals`` around the two policy subqueries (``{clients}``: the
    clients whose clinical file the actor may see, ``{threads}``: the threads they may read) and
    the placeholders of the asked clients' ids (``{ids}``).
    Names from the models' metadata, values as parameters (in the order of ``_signals_params``).
    Written out: building it with the ORM (five correlated count subqueries on an annotated
    "seen" moment) cost more Python calls than the rest of the caseload page."""
    c, fs, aa, de, m, t, tr, qr, ag, tj = (
        _table(model)
        for model in (
            Client,
            FileSeen,
            AssignmentAnswer,
            DiaryEntry,
            Message,
            Thread,
            ThreadRead,
            QuestionnaireResponse,
            Agreement,
            Trajectory,
        )
    )
    col = _column
    pk = col(Client, "id")
    not_actor = "({0} IS NULL OR {0} <> %s)"
    return (
        f"SELECT s.pk, "  # noqa: S608 - names from the models' metadata, values as parameters
        f"(SELECT COUNT(*) FROM {aa} x WHERE x.{col(AssignmentAnswer, 'client')} = s.pk"
        f" AND x.{col(AssignmentAnswer, 'status')} = %s AND x.{col(AssignmentAnswer, 'submitted_at')} > s.seen), "
        f"(SELECT COUNT(*) FROM {de} x WHERE x.{col(DiaryEntry, 'client')} = s.pk"
        f" AND {not_actor.format('x.' + col(DiaryEntry, 'created_by'))}"
        f" AND x.{col(DiaryEntry, 'created_at')} > s.seen), "
        f"(SELECT COUNT(*) FROM {m} x INNER JOIN {t} th ON th.{col(Thread, 'id')} = x.{col(Message, 'thread')}"
        f" WHERE th.{col(Thread, 'client')} = s.pk AND x.{col(Message, 'thread')} IN ({{threads}})"
        f" AND x.{col(Message, 'created_at')} > s.seen AND {not_actor.format('x.' + col(Message, 'author'))}"
        f" AND x.{col(Message, 'created_at')} > COALESCE((SELECT r.{col(ThreadRead, 'last_read_at')} FROM {tr} r"
        f" WHERE r.{col(ThreadRead, 'thread')} = x.{col(Message, 'thread')} AND r.{col(ThreadRead, 'user')} = %s"
        f" LIMIT 1), %s)), "
        f"(SELECT COUNT(*) FROM {qr} x WHERE x.{col(QuestionnaireResponse, 'client')} = s.pk"
        f" AND x.{col(QuestionnaireResponse, 'status')} = %s"
        f" AND x.{col(QuestionnaireResponse, 'submitted_at')} > s.seen"
        f" AND {not_actor.format('x.' + col(QuestionnaireResponse, 'submitted_by'))}), "
        f"(SELECT COUNT(*) FROM {ag} x INNER JOIN {tj} tj"
        f" ON tj.{col(Trajectory, 'id')} = x.{col(Agreement, 'trajectory')}"
        f" WHERE tj.{col(Trajectory, 'client')} = s.pk AND x.{col(Agreement, 'revoked_at')} IS NULL"
        f" AND x.{col(Agreement, 'given_at')} > s.seen AND {not_actor.format('x.' + col(Agreement, 'recorded_by'))}) "
        f"FROM (SELECT cl.{pk} AS pk, COALESCE((SELECT f.{col(FileSeen, 'seen_at')} FROM {fs} f"
        f" WHERE f.{col(FileSeen, 'user')} = %s AND f.{col(FileSeen, 'client')} = cl.{pk} LIMIT 1), %s) AS seen"
        f" FROM {c} cl WHERE cl.{pk} IN ({{ids}}) AND cl.{pk} IN ({{clients}})) s"
    )


def client_signals(*, actor: User, client_ids: Iterable[int]) -> dict[int, ClientSignals]:
    """Per client (by primary key): submitted assignment answers, check-ins, messages of others,
    submitted questionnaires and given consents after the actor last opened the file (and, for
    messages, after they last read the conversation). One query, whatever the number of clients
    (a count subquery per kind on each client row); only clients whose clinical file the actor
    may see (``policy.clinical_clients_visible_to``), messages only of threads they may read
    (``policy.threads_visible_to``), and only for those who have a desk
    (``policy.can_see_desk_signals``)."""
    ids = list(client_ids)
    if not ids or not policy.can_see_desk_signals(actor):
        return {}
    # The ids as placeholders of the statement itself: a ``pk__in`` filter on the policy's queryset
    # would resolve every id as a lookup value (some ten Python calls each).
    clients_sql, clients_params = (
        policy.clinical_clients_visible_to(actor).order_by().values("pk").query.sql_with_params()
    )
    threads_sql, threads_params = policy.threads_visible_to(actor).order_by().values("pk").query.sql_with_params()
    never = connection.ops.adapt_datetimefield_value(_NEVER)
    params = [
        AssignmentAnswer.Status.SUBMITTED.value,
        actor.pk,
        *threads_params,
        actor.pk,
        actor.pk,
        never,
        QuestionnaireResponse.Status.SUBMITTED.value,
        actor.pk,
        actor.pk,
        actor.pk,
        never,
        *ids,
        *clients_params,
    ]
    sql = _signals_sql(connection.vendor).format(
        ids=", ".join(["%s"] * len(ids)), clients=clients_sql, threads=threads_sql
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = {
        pk: ClientSignals(answers=a, checkins=c, messages=m, questionnaires=q, consents=g) for pk, a, c, m, q, g in rows
    }
    return {pk: found.get(pk, ClientSignals()) for pk in ids}


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class SignalLines:
    """``ClientSignals`` as ``home/includes/desk.html``'s ``signals_list`` words them: per kind its
    translated line ("3 nieuwe berichten"), filled in as Jinja's i18n fills it (the translation
    trusted, the number escaped), or "" when there is none of that kind. For a list page that
    prints the list's markup itself (the caseload): no macro call and translation per row."""

    messages: str
    answers: str
    checkins: str
    questionnaires: str
    consents: str


#: The msgids of each kind's line, as ``signals_list`` in ``home/includes/desk.html`` has them (and
#: makemessages extracts them from there).
_MESSAGES = ("%(counter)s new message", "%(counter)s new messages")
_ANSWERS = ("%(counter)s answer submitted", "%(counter)s answers submitted")
_CHECKINS = ("%(counter)s check-in", "%(counter)s check-ins")
_QUESTIONNAIRES = ("%(counter)s questionnaire completed", "%(counter)s questionnaires completed")
_CONSENTS = ("%(counter)s consent given", "%(counter)s consents given")


class _SignalWords:
    """The lines of ``SignalLines`` in the request's language, each (kind, count) worded once."""

    def __init__(self) -> None:
        self.done: dict[tuple[str, int], str] = {}

    def line(self, msgids: tuple[str, str], count: int) -> str:
        if not count:
            return ""
        found = self.done.get((msgids[0], count))
        if found is None:
            sentence = Markup(ngettext(msgids[0], msgids[1], count))  # noqa: S704 - a translation, trusted as Jinja's i18n trusts it
            found = self.done[(msgids[0], count)] = sentence % {"counter": count}
        return found

    def __call__(self, signals: ClientSignals) -> SignalLines:
        line = self.line
        return SignalLines(
            messages=line(_MESSAGES, signals.messages),
            answers=line(_ANSWERS, signals.answers),
            checkins=line(_CHECKINS, signals.checkins),
            questionnaires=line(_QUESTIONNAIRES, signals.questionnaires),
            consents=line(_CONSENTS, signals.consents),
        )


def signal_lines(signals: ClientSignals) -> SignalLines:
    """The lines of ``signals`` in the request's language (the msgids of ``signals_list``)."""
    return _SignalWords()(signals)


def signals_attach(*, actor: User, rows: Iterable[Any], lines: bool = False) -> None:
    """Give each row (a trajectory or anything with ``client_id``) its ``signals`` (one query), and
    with ``lines`` its ``signal_lines`` (``None`` when nothing is new), each line worded once."""
    rows = list(rows)
    signals = client_signals(actor=actor, client_ids={row.client_id for row in rows})
    words = _SignalWords()
    worded: dict[tuple[int, ...], SignalLines] = {}
    for row in rows:
        found = row.signals = signals.get(row.client_id)
        if lines:
            if found is None or not found.total:
                row.signal_lines = None
                continue
            counts = (found.messages, found.answers, found.checkins, found.questionnaires, found.consents)
            line = worded.get(counts)
            if line is None:
                line = worded[counts] = words(found)
            row.signal_lines = line


# --- "vandaag": what needs the coach today --------------------------------------------------------

#: At most this many rows per part of the "vandaag" page (a coach has some 40 clients).
TODAY_LIMIT = 50


@dataclasses.dataclass(frozen=True, kw_only=True)
class WaitingThread:
    """A conversation whose latest message came from the young person or a parent."""

    thread: Thread
    client: Client
    since: datetime.datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class Today:
    """The coach's day, most pressing first: today's appointments, late steps, steps due today,
    conversations waiting for an answer, and files with something new since the last opening."""

    on: datetime.date
    appointments: list[Appointment]
    overdue: list[Trajectory]
    due_today: list[Trajectory]
    waiting: list[WaitingThread]
    new: list[Trajectory]

    @property
    def empty(self) -> bool:
        return not (self.appointments or self.overdue or self.due_today or self.waiting or self.new)


def _own_clients(actor: User) -> QuerySet[Client]:
    """The clients the actor coaches themselves (client.coach) among those they may see."""
    return policy.clinical_clients_visible_to(actor).filter(coach=actor)


def today_for(*, actor: User, access_point: AccessPoint) -> Today:
    """What needs ``actor`` today on their own caseload. A fixed number of queries (appointments,
    active trajectories, waiting conversations, the signals and one access-log insert),
    whatever the number of clients."""
    if not policy.can_use_today_view(actor):
        raise policy.AccessDenied(_("Only coaches and team leads have a day overview."))
    on = today()
    own = _own_clients(actor).values("pk")
    start = datetime.datetime.combine(on, datetime.time.min, tzinfo=timezone.get_default_timezone())
    appointments = list(
        policy.appointments_visible_to(actor)
        .filter(client__in=own, starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1))
        .select_related("client")
        .order_by("starts_at", "id")[:TODAY_LIMIT]
    )
    trajectories = list(
        Trajectory.objects.filter(client__in=own, status__in=ACTIVE_STATUSES)
        .select_related("client")
        .only(*_TODAY_TRAJECTORY_COLUMNS)
        .order_by(F("next_action_due").asc(nulls_last=True), "id")
    )
    for trajectory in trajectories:
        trajectory.deadline = step_deadline(due=trajectory.next_action_due, on=on)  # type: ignore[attr-defined]
    overdue = [t for t in trajectories if t.deadline.overdue][:TODAY_LIMIT]  # type: ignore[attr-defined]
    due_today = [t for t in trajectories if t.next_action_due == on][:TODAY_LIMIT]
    signals_attach(actor=actor, rows=trajectories)
    new = [t for t in trajectories if t.signals and t.signals.total][:TODAY_LIMIT]  # type: ignore[attr-defined]
    waiting = threads_waiting_for_answer(actor=actor, clients=own)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="client.today",
        client_ids={
            *(a.client.public_id for a in appointments),
            *(t.client.public_id for t in [*overdue, *due_today, *new]),
            *(w.client.public_id for w in waiting),
        },
        access_point=access_point,
    )
    return Today(on=on, appointments=appointments, overdue=overdue, due_today=due_today, waiting=waiting, new=new)


_TODAY_TRAJECTORY_COLUMNS = (
    "public_id",
    "status",
    "next_action",
    "next_action_due",
    "client__public_id",
    "client__given_name",
    "client__family_name",
)


def threads_waiting_for_answer(*, actor: User, clients: QuerySet[Any]) -> list[WaitingThread]:
    """Conversations of ``clients`` whose latest message is from the young person or a parent (no
    professional answered yet), longest waiting first. One query."""
    latest = Message.objects.filter(thread=OuterRef("pk")).order_by("-created_at", "-id")
    threads = (
        policy.threads_visible_to(actor)
        .filter(client__in=clients)
        .annotate(
            last_at=Subquery(latest.values("created_at")[:1]),
            last_role=Subquery(latest.values("author__role")[:1]),
        )
        .filter(last_role__in=policy.FAMILY_ROLES)
        .select_related("client")
        .order_by("last_at", "id")[:TODAY_LIMIT]
    )
    return [WaitingThread(thread=thread, client=thread.client, since=thread.last_at) for thread in threads]


# --- the team lead's desk: workload per coach -----------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class CoachWorkload:
    coach: User
    clients: int
    overdue: int
    unread: int


def team_workload(*, actor: User) -> list[CoachWorkload]:
    """Per coach of the team lead's team: active trajectories, late next steps and messages of
    others unread by that coach in their own clients' conversations. Numbers only (no client
    data, no log entry); one query, whatever the number of coaches or clients."""
    on = today()
    mark = ThreadRead.objects.filter(thread=OuterRef("thread_id"), user=OuterRef(OuterRef("pk"))).values(
        "last_read_at"
    )[:1]
    unread = (
        Message.objects.filter(thread__client__coach=OuterRef("pk"))
        .exclude(author=OuterRef("pk"))
        .annotate(mark=Coalesce(Subquery(mark), Value(_NEVER), output_field=DateTimeField()))
        .filter(created_at__gt=F("mark"))
        .order_by()
        .values("thread__client__coach")
        .annotate(n=Count("pk"))
        .values("n")
    )
    active = Q(trajectories__status__in=ACTIVE_STATUSES)
    coaches = (
        policy.team_coaches(actor)
        .annotate(
            active_clients=Count("trajectories", filter=active),
            late=Count("trajectories", filter=active & Q(trajectories__next_action_due__lt=on)),
            unread_messages=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
        )
        .order_by("-late", "last_name", "first_name", "id")
    )
    return [
        CoachWorkload(
            coach=coach,
            clients=coach.active_clients,
            overdue=coach.late,
            unread=coach.unread_messages,
        )
        for coach in coaches
    ]
