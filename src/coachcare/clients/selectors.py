"""Reads of client data. Each selector checks the access policy and writes the access log."""

import dataclasses
import enum
from collections.abc import Callable, Iterator
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.accounts.selectors import user_name_fields
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client, ClientNote, GezagChange, GezagRelation
from coachcare.core import suppression
from coachcare.core.dates import age_on, today, years_before
from coachcare.core.prepared import PreparedQuery

CASELOAD_PAGE_SIZE = 50

#: What the access policy reads of a client (``kinds_visible``, ``appointment_scope``,
#: ``can_read_thread``): narrowed reads load at least these, so that checking a row never costs
#: a query of its own (a deferred field would be loaded row by row).
POLICY_CLIENT_FIELDS = ("public_id", "birth_date", "coach", "team", "municipality", "user", "provider")


def client_policy_fields(*, prefix: str = "") -> list[str]:
    """``POLICY_CLIENT_FIELDS`` of the client behind ``prefix`` (``"trajectory__client__"``), for ``only()``."""
    return [f"{prefix}{name}" for name in POLICY_CLIENT_FIELDS]


def client_rows_clinical[T](*, actor: User, rows: list[T], client_of: Callable[[T], Client]) -> list[T]:
    """Defence in depth after a visibility filter: drop any row whose client the policy does not
    give CLINICAL today."""
    on = today()
    return [row for row in rows if policy.can_see(actor, client_of(row), policy.DataKind.CLINICAL, on=on)]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientFile:
    """What one user may see of one client's file today. Absent kinds are simply not loaded."""

    client: Client
    kinds: frozenset[policy.DataKind]
    age: int
    bsn: str | None
    notes: list[ClientNote] | None

    @property
    def shows_clinical(self) -> bool:
        return policy.DataKind.CLINICAL in self.kinds

    @property
    def shows_access_log(self) -> bool:
        return policy.DataKind.ACCESS_LOG in self.kinds


def client_get_for_actor(*, actor: User, public_id: UUID) -> Client:
    """A client the actor may open; raises ``AccessDenied`` for everyone else (no existence leak)."""
    client = (
        policy.clients_visible_to(actor)
        .select_related("municipality", "provider", "team", "coach")
        .filter(public_id=public_id)
        .first()
    )
    if client is None or not policy.kinds_visible(actor, client):
        raise policy.AccessDenied("No such client file, or no access.")
    return client


#: The file's latest notes, compiled once per process (``core.prepared``): read on every opening.
_client_notes = PreparedQuery(
    lambda client_id: ClientNote.objects.filter(client_id=client_id).select_related("author")[:100],
    client_id=int,
)


def client_file_get(
    *, actor: User, public_id: UUID, access_point: AccessPoint, action: str = "client.file"
) -> ClientFile:
    client = client_get_for_actor(actor=actor, public_id=public_id)
    on = today()
    kinds = policy.kinds_visible(actor, client, on=on)
    notes = _client_notes.all(client_id=client.pk) if policy.DataKind.CLINICAL in kinds else None
    access_log_record(
        actor=actor, event=Event.READ, action=action, client_ids=[client.public_id], access_point=access_point
    )
    return ClientFile(
        client=client,
        kinds=kinds,
        age=age_on(client.birth_date, on),
        bsn=client.bsn if policy.DataKind.IDENTITY in kinds else None,
        notes=notes,
    )


def client_list(
    *, actor: User, access_point: AccessPoint, page: int = 1, search: str = "", action: str = "client.list"
) -> Page[Client]:
    """A page of the clients the actor may see (caseload, residents), administrative fields only.

    A fixed number of queries whatever the number of clients: one count, one page, one log insert.
    """
    # Lists never load the BSN (it is not shown, and not decrypted for nothing).
    clients = clients_visible(actor=actor, search=search).select_related("municipality", "coach", "team").defer("bsn")
    page_obj = Paginator(clients.order_by("family_name", "given_name", "id"), CASELOAD_PAGE_SIZE).get_page(page)
    on = today()
    for client in page_obj.object_list:
        client.age = age_on(client.birth_date, on)  # type: ignore[attr-defined]
    access_log_record(
        actor=actor,
        event=Event.READ,
        action=action,
        client_ids=[client.public_id for client in page_obj.object_list],
        access_point=access_point,
    )
    return page_obj


def clients_visible(*, actor: User, search: str = "") -> QuerySet[Client]:
    """The clients the actor may see (``policy.clients_visible_to``) whose family or given name
    contains ``search``; no log (the caller logs the rows it reads), no ordering."""
    clients = policy.clients_visible_to(actor)
    if search.strip():
        term = search.strip()
        clients = clients.filter(Q(family_name__icontains=term) | Q(given_name__icontains=term))
    return clients


def client_rows() -> QuerySet[Client]:
    """A narrow read of clients for lists outside the screens (REST): the administrative fields
    the API shows and what the policy reads, never the BSN. The municipality's code and the team's
    name come as the annotations ``municipality_code`` and ``team_name`` (two model instances less
    per row)."""
    return (
        Client.objects.select_related("coach")
        .only(*POLICY_CLIENT_FIELDS, "given_name", "family_name", "referred_on", *user_name_fields(prefix="coach__"))
        .annotate(municipality_code=F("municipality__code"), team_name=F("team__name"))
    )


def client_rows_allowed(*, actor: User, rows: list[Client]) -> list[Client]:
    """Defence in depth after ``clients_visible``: the rows whose administrative data the policy
    gives the actor today."""
    on = today()
    return [client for client in rows if policy.DataKind.ADMINISTRATIVE in policy.kinds_visible(actor, client, on=on)]


def client_served_get(*, actor: User, public_id: UUID) -> Client:
    """A client of a module run (FHIR Task) assigned to an e-health module's account
    (``policy.clients_served_by``); ``AccessDenied`` otherwise. No log: the caller logs."""
    client = policy.clients_served_by(actor).filter(public_id=public_id).first()
    if client is None:
        raise policy.AccessDenied("No such client, or no access.")
    return client


#: One client of the API's reads by its public id (``client_with_kinds_get``, ``client_clinical_get``):
#: what the API and FHIR show of it (the administrative fields, the BSN, the municipality's code, the
#: team's name, the coach's name) and what the policy reads, the SQL compiled once per process
#: (``core.prepared``: ~600 Python calls instead of ~5,000 for the screens' full read).
_api_client_by_public_id = PreparedQuery(
    lambda public_id: (
        Client.objects.select_related("municipality", "team", "coach")
        .only(
            *POLICY_CLIENT_FIELDS,
            "bsn",
            "given_name",
            "family_name",
            "referred_on",
            "municipality__code",
            "team__name",
            *user_name_fields(prefix="coach__"),
        )
        .filter(public_id=public_id)
    ),
    public_id=UUID,
)


def _api_client_get(*, actor: User, public_id: UUID) -> tuple[Client, frozenset[policy.DataKind]]:
    """A client the actor may open, with the kinds of data the policy gives; ``AccessDenied`` for
    everyone else (no existence leak). The same decision as ``client_get_for_actor``: the client is
    read by its id alone and kept only when ``policy.kinds_visible`` gives ADMINISTRATIVE, which is
    exactly when ``policy.clients_visible_to`` holds it (``tests/access/test_policy_matrix.py``)."""
    client = _api_client_by_public_id.first(public_id=public_id)
    kinds = policy.kinds_visible(actor, client) if client is not None else policy.NO_KINDS
    if client is None or policy.DataKind.ADMINISTRATIVE not in kinds:
        raise policy.AccessDenied("No such client file, or no access.")
    return client, kinds


def client_with_kinds_get(*, actor: User, public_id: UUID) -> tuple[Client, frozenset[policy.DataKind]]:
    """A client the actor may open (the decision of ``client_get_for_actor``) with the kinds of data
    the policy gives; an e-health module's account only the client of a Task assigned to it,
    administrative part only (``policy.MODULE_VENDOR_PATIENT_KINDS``). No log: the caller logs what
    it reads. For the API: a narrow read (``_api_client_get``)."""
    if policy.api_scope(actor) == policy.ApiScope.MODULE_TASKS:
        return client_served_get(actor=actor, public_id=public_id), policy.MODULE_VENDOR_PATIENT_KINDS
    return _api_client_get(actor=actor, public_id=public_id)


def client_clinical_get(*, actor: User, public_id: UUID) -> Client:
    """A client whose clinical file the actor may see (no log: the caller logs what it reads). For
    the API: a narrow read (``_api_client_get``)."""
    client, kinds = _api_client_get(actor=actor, public_id=public_id)
    if policy.DataKind.CLINICAL not in kinds:
        raise policy.AccessDenied(f"Not allowed: {policy.DataKind.CLINICAL}.")
    return client


def client_task_patient_get(*, actor: User, public_id: UUID) -> Client:
    """The client a search of module runs (FHIR Tasks) is narrowed to: one whose runs the actor
    may read (an e-health module's account: ``client_served_get``; anyone else: ``client_clinical_get``)."""
    if policy.api_scope(actor) == policy.ApiScope.MODULE_TASKS:
        return client_served_get(actor=actor, public_id=public_id)
    return client_clinical_get(actor=actor, public_id=public_id)


@dataclasses.dataclass(frozen=True, kw_only=True)
class AgeBandCount:
    label: str
    count: int | None  # None: suppressed (fewer than SMALL_CELL_THRESHOLD)


#: Counts below this are never shown outside the provider (the rule: ``core.suppression``).
SMALL_CELL_THRESHOLD = suppression.COUNT_BELOW
AGE_BANDS: list[tuple[str, int, int]] = [("12-15", 12, 15), ("16-17", 16, 17), ("18-23", 18, 23)]


def suppress(count: int) -> int | None:
    """A lone count (no published total to subtract it from): ``core.suppression``'s primary rule."""
    return suppression.count_shown(count)


def client_counts_by_age_band(*, actor: User, municipality_id: int | None = None) -> list[AgeBandCount]:
    """Aggregated numbers of young people per age band (one query), suppressed below 5."""
    if not policy.can_see_aggregates(actor):
        raise policy.AccessDenied("No access to aggregated figures.")
    clients = Client.objects.all()
    if actor.municipality_id is not None:
        clients = clients.filter(municipality_id=actor.municipality_id)
    elif actor.team_id is not None:
        clients = clients.filter(team_id=actor.team_id)
    elif municipality_id is not None:
        clients = clients.filter(municipality_id=municipality_id)
    on = today()
    aggregates = {}
    for label, low, high in AGE_BANDS:
        born_after = years_before(on, high + 1)
        born_on_or_before = years_before(on, low)
        # Counting birth_date (not id) lets the (municipality|team, birth_date) index answer alone.
        aggregates[label] = Count("birth_date", filter=Q(birth_date__gt=born_after, birth_date__lte=born_on_or_before))
    result = clients.aggregate(**aggregates)
    outside_provider = policy.is_municipality_user(actor)
    return [
        AgeBandCount(label=label, count=suppress(result[label]) if outside_provider else result[label])
        for label, _low, _high in AGE_BANDS
    ]


#: The column headers of the CSV export, in the reader's language (Dutch by default).
EXPORT_HEADER = [
    _("Client number"),
    _("Given name"),
    _("Family name"),
    _("Date of birth"),
    _("Municipality code"),
    _("Team"),
    _("Coach"),
    _("Referred on"),
]
EXPORT_CHUNK = 2000


def client_export_rows(*, actor: User, access_point: AccessPoint) -> Iterator[list[str]]:
    """CSV rows (administrative fields only, never the BSN) of every client the actor may see.

    Streams in chunks; each chunk writes its NEN 7513 export entries before its rows are sent.
    """
    if not policy.can_export_clients(actor):
        raise policy.AccessDenied("No export for this role.")
    yield [str(header) for header in EXPORT_HEADER]
    clients = (
        policy.clients_visible_to(actor)
        .select_related("municipality", "team", "coach")
        .order_by("id")
        .only(
            "id",
            "public_id",
            "given_name",
            "family_name",
            "birth_date",
            "referred_on",
            "municipality__code",
            "team__name",
            "coach__username",
        )
    )
    last_id = 0
    while True:
        chunk = list(clients.filter(id__gt=last_id)[:EXPORT_CHUNK])
        if not chunk:
            return
        access_log_record(
            actor=actor,
            event=Event.EXPORT,
            action="client.export",
            client_ids=[client.public_id for client in chunk],
            access_point=access_point,
        )
        for client in chunk:
            yield [
                str(client.public_id),
                client.given_name,
                client.family_name,
                client.birth_date.isoformat(),
                client.municipality.code,
                client.team.name,
                client.coach.username if client.coach else "",
                client.referred_on.isoformat(),
            ]
        last_id = chunk[-1].id


# --- DigiD: whose account a BSN from a DigiD login is (accounts.digid) ---


@dataclasses.dataclass(frozen=True)
class DigidMatch:
    """Whom a BSN from a DigiD login belongs to: one account, or why there is none."""

    class Outcome(enum.StrEnum):
        FOUND = "found"
        NO_ACCOUNT = "no_account"  # a young person's file with this BSN, but no account linked to it
        # the policy does not allow this account (inactive, a professional, a parent without gezag),
        # or the BSN matches more than one account
        NOT_ALLOWED = "not_allowed"
        UNKNOWN = "unknown"

    outcome: Outcome
    user: User | None = None


def parent_user_ids_by_bsn_hash(*, bsn_hash: str) -> QuerySet[User, int]:
    """Ids of the parents' accounts known with this BSN (keyed hash): the family members
    (``GezagRelation``) recorded with this BSN and linked to a parent account. The one place a
    parent's BSN is matched; whether that parent may log in is the policy's question."""
    return (
        User.objects.filter(gezag_relations__bsn_hash=bsn_hash, gezag_relations__parent__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    )


def digid_account_for_bsn_hash(*, bsn_hash: str) -> DigidMatch:
    """The account a DigiD login with this BSN (keyed hash) may use: a young person's or a parent's.

    The young person's account is the one linked to the file with this BSN; a parent's is found by
    ``parent_user_ids_by_bsn_hash``. Exactly one account must match, and the policy must allow it
    (``policy.can_log_in_with_digid``: active, young person or parent with gezag; never a
    professional). Nothing is created; a young person's file without an account answers
    ``NO_ACCOUNT``. Not an access to a client file (nothing of the file is returned, only whose
    account it is), so no NEN 7513 entry: the login itself is logged (``accounts.backends``,
    django-axes).
    """
    young = User.objects.filter(client_record__bsn_hash=bsn_hash)
    parents = User.objects.filter(pk__in=parent_user_ids_by_bsn_hash(bsn_hash=bsn_hash))
    candidates = {user.pk: user for user in [*young, *parents]}
    if len(candidates) > 1:
        return DigidMatch(DigidMatch.Outcome.NOT_ALLOWED)
    if len(candidates) == 1:
        (user,) = candidates.values()
        if not policy.can_log_in_with_digid(user):
            return DigidMatch(DigidMatch.Outcome.NOT_ALLOWED)
        return DigidMatch(DigidMatch.Outcome.FOUND, user)
    if Client.objects.filter(bsn_hash=bsn_hash).exists():
        return DigidMatch(DigidMatch.Outcome.NO_ACCOUNT)
    return DigidMatch(DigidMatch.Outcome.UNKNOWN)


@dataclasses.dataclass(frozen=True, kw_only=True)
class FamilyMember:
    """A family member as the client file shows them to the treating professionals."""

    relation: GezagRelation
    gezag_today: bool
    changes: list[GezagChange]


def family_of(*, actor: User, client: Client) -> list[FamilyMember] | None:
    """The family members of ``client`` with their gezag today and its recorded changes, for the
    professionals who treat the young person (None for everyone else: a parent or the municipality
    does not see the family's details here). The file's own read is logged by the caller's selector."""
    if not policy.can_manage_family(actor, client):
        return None
    on = today()
    relations = _family_relations.all(client_id=client.pk)
    changes: dict[int, list[GezagChange]] = {}
    if relations:
        for change in _family_changes.all(client_id=client.pk):
            changes.setdefault(change.relation_id, []).append(change)
    return [
        FamilyMember(relation=relation, gezag_today=policy.gezag_on(relation, on), changes=changes.get(relation.pk, []))
        for relation in relations
    ]


# The family and its recorded gezag changes, each compiled once per process (``core.prepared``):
# the client file reads them on every opening. The changes in their own order per family member
# (``GezagChange.Meta.ordering`` after the member), with who recorded each (no query per change).
_family_relations = PreparedQuery(
    lambda client_id: GezagRelation.objects.filter(client_id=client_id).select_related("parent"),
    client_id=int,
)
_family_changes = PreparedQuery(
    lambda client_id: (
        GezagChange.objects.filter(relation__client_id=client_id)
        .select_related("recorded_by")  # the list names who recorded each change
        .order_by("relation_id", "effective_on", "id")
    ),
    client_id=int,
)


def family_member_get(*, actor: User, client: Client, relation_id: int) -> GezagRelation:
    """One family member of ``client`` for the treating professionals; ``AccessDenied`` otherwise."""
    if not policy.can_manage_family(actor, client):
        raise policy.AccessDenied("No such family member, or no access.")
    relation = GezagRelation.objects.filter(client=client, pk=relation_id).select_related("client", "parent").first()
    if relation is None:
        raise policy.AccessDenied("No such family member, or no access.")
    return relation
