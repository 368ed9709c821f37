"""Reading the access log: "who opened my file", in plain words."""

import dataclasses
import datetime
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client

#: Entries per page of "who opened my file".
ACCESS_LOG_PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessLogPerson:
    """Someone who appears in a file's log (filter choice): their username, name and role."""

    username: str
    name: str
    role: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessLogFilter:
    """Narrow the log to one role or one person (by username) and to a period (dates inclusive)."""

    role: str = ""
    username: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessLog:
    """One page of a file's log, newest first. For the young person their own visits are not in
    the page but counted (``own_visits``, ``own_last``): "you yourself, 58 times"."""

    page: Page[AccessLogEntry]
    own_visits: int
    own_last: datetime.datetime | None

    @property
    def entries(self) -> list[AccessLogEntry]:
        return list(self.page.object_list)


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the deployment's zone (Amsterdam), whatever zone is active."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def _filtered(entries: QuerySet[AccessLogEntry], chosen: AccessLogFilter) -> QuerySet[AccessLogEntry]:
    if chosen.role:
        entries = entries.filter(role=chosen.role)
    if chosen.username:
        entries = entries.filter(username=chosen.username)
    if chosen.date_from is not None:
        entries = entries.filter(timestamp__gte=_day_start(chosen.date_from))
    if chosen.date_to is not None:
        entries = entries.filter(timestamp__lt=_day_start(chosen.date_to + datetime.timedelta(days=1)))
    return entries


def access_log_people(*, actor: User, client: Client) -> list[AccessLogPerson]:
    """Everyone who appears in a client's log (one query), for the filter; not logged by itself
    (``access_log_for_client`` logs the look)."""
    policy.require(actor, client, [policy.DataKind.ACCESS_LOG])
    rows = (
        AccessLogEntry.objects.filter(client_public_id=client.public_id)
        .order_by("user_display_name", "username", "role")
        .values("username", "user_display_name", "role")
        .distinct()
    )
    return [
        AccessLogPerson(username=row["username"], name=row["user_display_name"] or row["username"], role=row["role"])
        for row in rows
    ]


def access_log_entries_of(*, actor: User, client: Client) -> QuerySet[AccessLogEntry]:
    """The access-log entries of one client's file, unordered and unlogged, for those the policy
    gives ACCESS_LOG (``AccessDenied`` otherwise): the caller pages them and logs the look."""
    policy.require(actor, client, [policy.DataKind.ACCESS_LOG])
    return AccessLogEntry.objects.filter(client_public_id=client.public_id)


def access_log_entry_get(*, actor: User, entry_id: UUID) -> tuple[AccessLogEntry, Client]:
    """One access-log entry about a client's file, with that client, for those who may open the
    client and see its log; ``AccessDenied`` otherwise (no existence leak). No log: the caller logs."""
    entry = AccessLogEntry.objects.filter(entry_id=entry_id, client_public_id__isnull=False).first()
    if entry is None or entry.client_public_id is None:
        raise policy.AccessDenied("No such entry, or no access.")
    client = policy.clients_visible_to(actor).filter(public_id=entry.client_public_id).first()
    if client is None or not policy.can_see(actor, client, policy.DataKind.ACCESS_LOG):
        raise policy.AccessDenied("No such entry, or no access.")
    return entry, client


def access_log_for_client(
    *,
    actor: User,
    client: Client,
    access_point: AccessPoint,
    page: int | str = 1,
    chosen: AccessLogFilter | None = None,
    page_size: int = ACCESS_LOG_PAGE_SIZE,
) -> AccessLog:
    """One page of the access-log entries of a client's file, for those who may see them.

    The whole log, page by page (nothing cut off), narrowed by ``chosen``. When the young person
    looks at their own file, their own visits are grouped into one count instead of listed.
    A fixed number of queries whatever the size of the log: the own visits' count, the page's
    count and rows, and the log line of this look.

    Looking at the log is itself an access to the file, so it is logged too (after reading, so
    the list shows what happened before this look).
    """
    log = access_log_entries_of(actor=actor, client=client)
    chosen = chosen or AccessLogFilter()
    entries = _filtered(log, chosen).order_by("-timestamp", "-id")
    own_visits, own_last = 0, None
    if client.user_id is not None and client.user_id == actor.pk:
        own = entries.filter(user_id=actor.pk).aggregate(n=Count("pk"), last=Max("timestamp"))
        own_visits, own_last = own["n"], own["last"]
        entries = entries.exclude(user_id=actor.pk)
    page_obj = Paginator(entries, page_size).get_page(page)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="client.access_log",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return AccessLog(page=page_obj, own_visits=own_visits, own_last=own_last)
