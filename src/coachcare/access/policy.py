"""Who may see what: roles × kinds of data × the client's age on the day of access.

Kinds of data (``DataKind``):

- ADMINISTRATIVE: name, date of birth, municipality, provider, team, coach, referral date.
- IDENTITY: the BSN.
- CLINICAL: notes, messages, answers, goal texts, scores: everything said or written in care.
- ACCESS_LOG: the NEN 7513 "who opened my file" list.

Rules (docs/legal-basis.md; Jeugdwet 7.3.4/7.3.5):

- coach: clients on their own caseload or their team's caseload: everything.
- teamleider: clients of their team: everything.
- gemeente-toegang: residents of their own municipality: ADMINISTRATIVE and IDENTITY (the BSN is
  needed for allocations, iJw OP079), never CLINICAL. Decides on allocation requests
  (toewijzingen) of its residents (``can_decide_allocations``).
- gemeente-beleid: no individual files; aggregated figures only.
- beheerder: ADMINISTRATIVE of every client (to manage organisations and accounts) and the
  ACCESS_LOG (security officer); never IDENTITY or CLINICAL.
- jongere: their own file, everything.
- ouder with gezag: gezag counts on the days it is recorded for (``gezag_on``: from
  ``gezag_from``, until the day ``gezag_ends_on``), so a recorded change or end takes effect that
  day. A parent without gezag gets general information from the coach only (BW 1:377c), never
  any part of the file. Parental authority ends at 18. While it lasts, ADMINISTRATIVE always; IDENTITY
  and CLINICAL when the young person is under 12, or 12 to 15 unless the coach restricted it
  (harm, with a reason), or 16 and older only with the young person's consent. From 18 on only
  with the young person's consent. The age is computed on the day of access, so the day a client
  turns 16 the parent's clinical access ends without anyone editing anything.
- module-vendor (service account of an e-health module): no file at all through these rules; its
  API token reads only the FHIR Tasks assigned to it (see the API section at the end).
"""

import datetime
import enum
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from coachcare.accounts.models import MUNICIPALITY_ROLES, PROVIDER_ROLES, Invitation, Role, User
from coachcare.api.models import ModuleVendorAccount
from coachcare.clients.models import Client, GezagRelation, ParentAccessDecision
from coachcare.coaching.models import Appointment
from coachcare.contracts.models import Allocation, AllocationSystem, Contract
from coachcare.core.dates import age_on, today, years_before
from coachcare.declarations.models import Declaration
from coachcare.messaging.models import Thread
from coachcare.providers.models import Team
from coachcare.trajectories.models import ModuleRun


class DataKind(enum.StrEnum):
    ADMINISTRATIVE = "administrative"
    IDENTITY = "identity"
    CLINICAL = "clinical"
    ACCESS_LOG = "access_log"


ALL_KINDS = frozenset(DataKind)
NO_KINDS: frozenset[DataKind] = frozenset()

#: Age (in years) at which parental consent/inzage rules change (Jeugdwet 7.3.4).
AGE_INZAGE_WITH_RESTRICTION = 12
AGE_INZAGE_ONLY_WITH_CONSENT = 16
AGE_OF_MAJORITY = 18


class AccessDenied(Exception):
    """Raised when a user asks for data the policy does not allow.

    Deliberately not a ``PermissionError``: that is an ``OSError``, which every ``except`` for a
    failed e-mail or file (``core.mail.MAIL_ERRORS``) would swallow as a technical failure.

    Leaving a view it becomes the 404 page (``access.middleware``): an outsider does not learn
    whether the client file, trajectory or message exists."""


class Refused(AccessDenied):
    """A refusal the user may be told about, with the reason: the actor can see the thing (or
    knowing it exists tells nothing) but may not do this with it. Leaving a view it becomes the
    403 page showing ``message`` (``access.middleware``); everywhere else it is an ``AccessDenied``
    (the API answers 404, a command fails, the admin shows the message)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def refusing(message: str) -> Iterator[None]:
    """Within the block, an ``AccessDenied`` becomes a ``Refused`` with ``message`` (the 403 page
    with that reason), for a view whose refusal is said in the view's own words. A ``Refused`` from
    the service keeps its own message."""
    try:
        yield
    except Refused:
        raise
    except AccessDenied as exc:
        raise Refused(message) from exc


def clients_visible_to(user: User, *, on: datetime.date | None = None) -> QuerySet[Client]:
    """Clients whose file (at least its administrative part) the user may open on ``on`` (default: today).

    Must agree with ``kinds_visible``: a client is in this queryset exactly when ADMINISTRATIVE
    is among the kinds the user may see.
    """
    clients = Client.objects.all()
    if not user.is_authenticated or not user.is_active:
        return clients.none()
    match user.role:
        case Role.COACH:
            return clients.filter(Q(coach=user) | Q(team_id=user.team_id))
        case Role.TEAMLEIDER if user.team_id is not None:
            return clients.filter(team_id=user.team_id)
        case Role.GEMEENTE_TOEGANG if user.municipality_id is not None:
            return clients.filter(municipality_id=user.municipality_id)
        case Role.BEHEERDER:
            return clients
        case Role.JONGERE:
            return clients.filter(user=user)
        case Role.OUDER:
            # Parental authority ends at 18: from then on only with the young person's consent.
            adult_on_or_before = years_before(on or today(), AGE_OF_MAJORITY)
            consented = ParentAccessDecision.objects.filter(
                parent=user, kind=ParentAccessDecision.Kind.CONSENTED, revoked_at__isnull=True
            ).values("client_id")
            return clients.filter(
                Q(birth_date__gt=adult_on_or_before) | Q(pk__in=consented),
                gezag_q(on or today(), prefix="gezag_relations__"),
                gezag_relations__parent=user,
            ).distinct()
    return clients.none()


# --- who is who: the role facts other apps branch on (never ``user.role`` outside this module) ------
#
# Views, selectors and templates' Python side ask these, or a ``can_…`` function below, instead of
# comparing ``user.role`` themselves (tests/access/test_role_gates.py fails on a comparison elsewhere).


def _has_role(user: User | AnonymousUser | None, roles: Iterable[str]) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "role", None) in set(roles))


def is_young_person(user: User | AnonymousUser | None) -> bool:
    """A young person's own account (jongere)."""
    return _has_role(user, {Role.JONGERE})


def is_parent(user: User | AnonymousUser | None) -> bool:
    """A parent's account (ouder), with or without gezag today."""
    return _has_role(user, {Role.OUDER})


def is_family(user: User | AnonymousUser | None) -> bool:
    """A young person or a parent: the people the file is about, not professionals."""
    return _has_role(user, {Role.JONGERE, Role.OUDER})


def is_coach(user: User | AnonymousUser | None) -> bool:
    return _has_role(user, {Role.COACH})


def is_team_lead(user: User | AnonymousUser | None) -> bool:
    return _has_role(user, {Role.TEAMLEIDER})


def is_care_professional(user: User | AnonymousUser | None) -> bool:
    """A provider's coach or team lead (the ones who treat clients)."""
    return _has_role(user, PROVIDER_ROLES)


def is_municipality_user(user: User | AnonymousUser | None) -> bool:
    """An account of a municipality (gemeente-toegang or gemeente-beleid), outside the provider."""
    return _has_role(user, MUNICIPALITY_ROLES)


class StartPage(enum.StrEnum):
    """Which start page ``/`` shows a signed-in account (home.views.home dispatches on it)."""

    PORTAL = "portal"  # the young person's portal (or "no file yet")
    CASELOAD = "caseload"  # a coach's own caseload, a team lead's team caseload
    RESIDENTS = "residents"  # the municipality's access team: its residents in care
    FAMILY = "family"  # a parent: their children's files
    POLICY = "policy"  # the municipality's policy officer: aggregates only
    ADMIN = "admin"  # the functional administrator
    NONE = "none"  # an account without a role-specific page


_START_PAGES: dict[str, StartPage] = {
    Role.JONGERE: StartPage.PORTAL,
    Role.COACH: StartPage.CASELOAD,
    Role.TEAMLEIDER: StartPage.CASELOAD,
    Role.GEMEENTE_TOEGANG: StartPage.RESIDENTS,
    Role.OUDER: StartPage.FAMILY,
    Role.GEMEENTE_BELEID: StartPage.POLICY,
    Role.BEHEERDER: StartPage.ADMIN,
}


def start_page_of(user: User | AnonymousUser | None) -> StartPage:
    """The start page of an account, by its role (the one place that maps roles to start pages)."""
    if user is None or not user.is_authenticated:
        return StartPage.NONE
    return _START_PAGES.get(getattr(user, "role", ""), StartPage.NONE)


def can_see_own_access_log(user: User | AnonymousUser | None) -> bool:
    """The young person's page "who opened my file" (NEN 7513)."""
    return is_young_person(user)


def can_use_data_rights(user: User | AnonymousUser | None) -> bool:
    """The "privacy and my data" pages (consent, download, destruction request): young people and parents."""
    return is_family(user)


def can_review_destruction_requests(user: User | AnonymousUser | None) -> bool:
    """The list of requests to destroy a file, for the treating professionals (each request is then
    checked with ``can_see_destruction_requests`` / ``can_decide_destruction``)."""
    return is_care_professional(user)


def can_use_admin_site(user: User | AnonymousUser | None) -> bool:
    """Django's admin site (organisations, accounts, the access log): the active beheerder."""
    return bool(user is not None and user.is_active and _has_role(user, {Role.BEHEERDER}))


#: Roles that see the clinical part of every client they see at all (``clinical_clients_visible_to``).
_CLINICAL_FOR_ALL_VISIBLE = frozenset({Role.COACH, Role.TEAMLEIDER, Role.JONGERE})


def clinical_clients_visible_to(user: User) -> QuerySet[Client]:
    """Clients whose clinical file ``user`` may see today (a queryset, for filters); agrees with
    ``can_see(user, client, DataKind.CLINICAL)``."""
    if _has_role(user, _CLINICAL_FOR_ALL_VISIBLE):
        # A subquery, not a list of ids: the database starts from the caseload's clients (index on
        # coach/team, then client_id) in the same statement, and planning a page query with a few
        # hundred literal ids cost more than running it.
        return clients_visible_to(user)
    if is_parent(user):
        visible = clients_visible_to(user)
        ids = [c.pk for c in visible.defer("bsn") if can_see(user, c, DataKind.CLINICAL)]
        return Client.objects.filter(pk__in=ids)
    return Client.objects.none()


# --- family and gezag (clients.GezagRelation: the family members of a young person) -----------------


def gezag_q(on: datetime.date, *, prefix: str = "") -> Q:
    """The family members (``GezagRelation`` rows, or rows related through ``prefix``) who have
    gezag on ``on``: ``has_gezag`` and ``on`` within ``gezag_from`` up to (not including)
    ``gezag_ends_on``. Dates left empty do not limit. Keep in step with ``gezag_on``."""
    return (
        Q(**{f"{prefix}has_gezag": True})
        & (Q(**{f"{prefix}gezag_from__isnull": True}) | Q(**{f"{prefix}gezag_from__lte": on}))
        & (Q(**{f"{prefix}gezag_ends_on__isnull": True}) | Q(**{f"{prefix}gezag_ends_on__gt": on}))
    )


def gezag_on(relation: GezagRelation, on: datetime.date) -> bool:
    """Whether this family member has gezag on ``on`` (the same rule as ``gezag_q``)."""
    return (
        relation.has_gezag
        and (relation.gezag_from is None or relation.gezag_from <= on)
        and (relation.gezag_ends_on is None or relation.gezag_ends_on > on)
    )


def gezag_relations_on(*, client: Client, on: datetime.date) -> list[GezagRelation]:
    """The family members of ``client`` with gezag on ``on``, in the order they were recorded."""
    return list(GezagRelation.objects.filter(gezag_q(on), client=client).select_related("parent").order_by("id"))


def parent_has_gezag(*, parent: User, client: Client, on: datetime.date) -> bool:
    """Whether the parent account ``parent`` is linked to a family member with gezag on ``on``."""
    return GezagRelation.objects.filter(gezag_q(on), client=client, parent=parent).exists()


def parent_has_any_gezag(*, parent: User, on: datetime.date) -> bool:
    """Whether the parent account ``parent`` has gezag over any client on ``on`` (for example, who
    may log in as a parent at all)."""
    return GezagRelation.objects.filter(gezag_q(on), parent=parent).exists()


def can_manage_family(user: User, client: Client) -> bool:
    """The treating professionals record family members, their gezag and contact details."""
    return can_write_clinical(user, client)


def can_record_consent_exception(user: User, client: Client) -> bool:
    """The treating coach records the exception of Jeugdwet art. 7.3.4 lid 4 (with the reason)."""
    return can_write_clinical(user, client)


def can_decide_consent_exception(user: User, client: Client) -> bool:
    """The team lead of the client's team approves or rejects the exception; only then it counts."""
    return can_approve_gate_decision(user, client)


def can_review_consent_exceptions(user: User) -> bool:
    """Whether the user has a queue of consent exceptions to decide on at all (navigation)."""
    return can_review_gate_decisions(user)


def _is_own_file(user: User, client: Client) -> bool:
    """The user is the young person whose file this is (their account is linked to the client)."""
    return client.user_id is not None and client.user_id == user.pk


def _parent_kinds(user: User, client: Client, on: datetime.date) -> frozenset[DataKind]:
    if not parent_has_gezag(parent=user, client=client, on=on):
        return NO_KINDS
    decisions = set(
        ParentAccessDecision.objects.filter(client=client, parent=user, revoked_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    consented = ParentAccessDecision.Kind.CONSENTED in decisions
    restricted = ParentAccessDecision.Kind.RESTRICTED in decisions
    age = age_on(client.birth_date, on)
    full = frozenset({DataKind.ADMINISTRATIVE, DataKind.IDENTITY, DataKind.CLINICAL})
    if age >= AGE_OF_MAJORITY:
        return full if consented else NO_KINDS
    if age >= AGE_INZAGE_ONLY_WITH_CONSENT:
        return full if consented else frozenset({DataKind.ADMINISTRATIVE})
    if age >= AGE_INZAGE_WITH_RESTRICTION and restricted:
        return frozenset({DataKind.ADMINISTRATIVE})
    return full


def kinds_visible(user: User, client: Client, *, on: datetime.date | None = None) -> frozenset[DataKind]:
    """The kinds of data of ``client`` that ``user`` may see on date ``on`` (default: today)."""
    on = on or today()
    if not user.is_authenticated or not user.is_active:
        return NO_KINDS
    match user.role:
        case Role.COACH:
            if client.coach_id == user.pk or client.team_id == user.team_id:
                return frozenset({DataKind.ADMINISTRATIVE, DataKind.IDENTITY, DataKind.CLINICAL})
        case Role.TEAMLEIDER:
            if client.team_id == user.team_id:
                return frozenset({DataKind.ADMINISTRATIVE, DataKind.IDENTITY, DataKind.CLINICAL})
        case Role.GEMEENTE_TOEGANG:
            if client.municipality_id == user.municipality_id:
                return frozenset({DataKind.ADMINISTRATIVE, DataKind.IDENTITY})
        case Role.BEHEERDER:
            return frozenset({DataKind.ADMINISTRATIVE, DataKind.ACCESS_LOG})
        case Role.JONGERE:
            if client.user_id == user.pk:
                return ALL_KINDS
        case Role.OUDER:
            return _parent_kinds(user, client, on)
    return NO_KINDS


def can_see(user: User, client: Client, kind: DataKind, *, on: datetime.date | None = None) -> bool:
    return kind in kinds_visible(user, client, on=on)


def require(user: User, client: Client, kinds: Iterable[DataKind], *, on: datetime.date | None = None) -> None:
    """Raise ``AccessDenied`` unless the user may see every kind in ``kinds``."""
    allowed = kinds_visible(user, client, on=on)
    missing = set(kinds) - allowed
    if missing:
        raise AccessDenied(f"Not allowed: {', '.join(sorted(missing))}.")


def can_write_clinical(user: User, client: Client) -> bool:
    """Only the professionals who treat the client write clinical content."""
    return user.role in {Role.COACH, Role.TEAMLEIDER} and can_see(user, client, DataKind.CLINICAL)


def can_refer(user: User) -> bool:
    """Who may register a new client (aanmelding): the provider's coaches and team leads."""
    return user.is_authenticated and user.role in {Role.COACH, Role.TEAMLEIDER}


def can_log_in_with_digid(user: User) -> bool:
    """DigiD is for citizens: an active young person's account, or a parent's with gezag over a
    client. Professionals never (they log in with password and TOTP)."""
    if not user.is_active:
        return False
    if user.role == Role.JONGERE:
        return True
    if user.role == Role.OUDER:
        return parent_has_any_gezag(parent=user, on=today())
    return False


def can_manage_parent_access(user: User, client: Client) -> bool:
    """The coach or team lead records a restriction; the young person gives consent."""
    return can_write_clinical(user, client)


def can_see_aggregates(user: User) -> bool:
    return user.is_authenticated and user.role in {
        Role.GEMEENTE_BELEID,
        Role.GEMEENTE_TOEGANG,
        Role.TEAMLEIDER,
        Role.BEHEERDER,
    }


def can_export_clients(user: User) -> bool:
    """A list of one's own clients (administrative fields) for provider and municipality access staff."""
    return user.is_authenticated and user.role in {Role.COACH, Role.TEAMLEIDER, Role.GEMEENTE_TOEGANG}


def can_answer_questionnaire(
    user: User,
    client: Client,
    respondent: str,
    *,
    informant_only: bool = False,
    on: datetime.date | None = None,
) -> bool:
    """Who may submit a questionnaire about ``client`` that is meant for ``respondent``.

    ``respondent`` is the definition's respondent: "jongere", "ouder" or "coach".

    - The treating professionals (``can_write_clinical``) may enter any questionnaire, for example
      answers given on paper in a session, except one that is ``informant_only`` (the respondent's
      own judgement of the care, such as satisfaction: docs/measures.md) meant for the young person
      or a parent.
    - "jongere": the young person themself, through their own account.
    - "ouder": a parent with gezag who may see the clinical file on ``on`` (default: today). Answers
      become part of the clinical file, so the same age, restriction and consent rules apply
      (project judgement): a parent of a 16-year-old answers only with the young person's consent.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if can_write_clinical(user, client):
        return respondent == Role.COACH or not informant_only
    if respondent == Role.JONGERE:
        return user.role == Role.JONGERE and _is_own_file(user, client)
    if respondent == Role.OUDER:
        return user.role == Role.OUDER and can_see(user, client, DataKind.CLINICAL, on=on)
    return False


def can_approve_gate_decision(user: User, client: Client) -> bool:
    """A decision that deviates from the module gate's advice is approved by the client's team lead."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.TEAMLEIDER
        and user.team_id is not None
        and client.team_id == user.team_id
    )


def can_review_gate_decisions(user: User) -> bool:
    """Whether the user has a queue of deviating gate decisions to approve at all (navigation)."""
    return user.is_authenticated and user.is_active and user.role == Role.TEAMLEIDER and user.team_id is not None


def can_request_allocations(user: User, client: Client) -> bool:
    """The professionals who treat the client ask the municipality for an allocation (iJw JW315)."""
    return can_write_clinical(user, client)


def can_move_client(user: User, client: Client) -> bool:
    """A move to another municipality (woonplaatsbeginsel, ``trajectories.services.client_move``) is
    recorded by the professionals who treat the young person: they end the allocations at the old
    municipality and request at the new one (the same people who request allocations). The
    municipality's own staff, the family and the administrator do not change the residence."""
    return bool(user.is_authenticated and user.is_active) and can_request_allocations(user, client)


def can_record_regisseur(user: User, client: Client) -> bool:
    """The municipality's regisseur of a trajectory (name and contact) is recorded by the
    professionals who treat the client or by the access team of the client's municipality."""
    return can_write_clinical(user, client) or can_decide_allocations(user, client)


def can_resume_trajectory(user: User, client: Client) -> bool:
    """A trajectory ended temporarily (JZ588 20) is resumed by the professionals who treat the
    client (the state machine decides whether it still can: ``temporarily_ended_within_period``)."""
    return can_write_clinical(user, client)


def can_record_attendance(user: User, client: Client) -> bool:
    """Whether a session took place (aanwezig / niet aanwezig) is recorded by the professionals who
    treat the client: the delivery evidence of the municipality's materiële controle."""
    return can_write_clinical(user, client)


def can_set_gate_approvals(user: User, provider_id: int | None = None) -> bool:
    """Which gate decisions against the advice wait for the team lead is a setting of the provider,
    chosen by its team leads (who approve them) or its administrator (functioneel beheer).

    Without ``provider_id``: whether the user keeps this setting of their own provider (navigation)."""
    if not (_active(user) and user.role in {Role.TEAMLEIDER, Role.BEHEERDER} and user.provider_id is not None):
        return False
    return provider_id is None or provider_id == user.provider_id


def can_decide_allocations(user: User, client: Client | None = None) -> bool:
    """Only the municipality's access team grants or refuses allocations, for its own residents.

    Without ``client``: whether the user decides on allocations at all (navigation, lists).
    """
    if not (
        user.is_authenticated
        and user.is_active
        and user.role == Role.GEMEENTE_TOEGANG
        and user.municipality_id is not None
    ):
        return False
    return client is None or client.municipality_id == user.municipality_id


def can_decide_allocation_in_app(user: User, allocation: Allocation) -> bool:
    """Grant or refuse this allocation in coachcare (the portal's forms): the access team of the
    client's municipality, and only when its contract has the municipality decide in coachcare
    (``Contract.allocation_system``). Where the municipality decides in its own system the
    decision arrives as a JW301; ``contracts.services`` refuses the in-app decision too."""
    return (
        can_decide_allocations(user, allocation.client)
        and allocation.contract.allocation_system == AllocationSystem.COACHCARE
    )


def can_see_budgets(user: User) -> bool:
    """Budget figures per contract: money, no personal data (see ``contracts_visible_to``)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role in {Role.GEMEENTE_TOEGANG, Role.GEMEENTE_BELEID, Role.TEAMLEIDER, Role.BEHEERDER}
    )


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    """Contracts (and their budget figures: money, no personal data) a user may look at.

    Municipality staff: their municipality's contracts. Team leads: their provider's. The
    administrator: all. Nobody else.
    """
    contracts = Contract.objects.all()
    if not can_see_budgets(user):
        return contracts.none()
    match user.role:
        case Role.GEMEENTE_TOEGANG | Role.GEMEENTE_BELEID if user.municipality_id is not None:
            return contracts.filter(municipality_id=user.municipality_id)
        case Role.TEAMLEIDER if user.provider_id is not None:
            return contracts.filter(provider_id=user.provider_id)
        case Role.BEHEERDER:
            return contracts
    return contracts.none()


def can_see_declarations(user: User, municipality_id: int | None = None) -> bool:
    """Declarations (invoices) and their answers: the municipality's access and policy staff for
    their own municipality, the provider's team leads for their provider (``declarations_visible_to``).

    With ``municipality_id``: whether the user may see that municipality's declarations.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if user.role in {Role.GEMEENTE_TOEGANG, Role.GEMEENTE_BELEID} and user.municipality_id is not None:
        return municipality_id is None or municipality_id == user.municipality_id
    return user.role == Role.TEAMLEIDER and user.provider_id is not None and municipality_id is None


def can_see_declaration_clients(user: User) -> bool:
    """Names and dates of birth on declaration lines: the municipality's access team only (it
    grants the allocations); policy staff and team leads see the lines without the person."""
    return can_see_declarations(user) and user.role == Role.GEMEENTE_TOEGANG


def can_see_delivery_evidence(user: User) -> bool:
    """Evidence of delivery per declared module for the municipality's *materiële controle* (the
    dates of the sessions and whether they were attended): whoever may see the declaration
    (``declaration_get`` checks which). Administrative data only, never content; the client's name
    only for the access team (``can_see_declaration_clients``)."""
    return can_see_declarations(user)


def can_see_ijw_worklist(user: User) -> bool:
    """The iJw worklist of the provider's administration (messages held back by the export, records
    the municipality refused in a retour): the provider side of ``can_see_declarations``, i.e. the
    provider's team leads, for their own provider only (``ijw.selectors.ijw_worklist_for``)."""
    return can_see_declarations(user) and user.role == Role.TEAMLEIDER and user.provider_id is not None


def can_see_ijw_change_requests(user: User) -> bool:
    """The change requests (JW317) of the provider's administration, with what the exchange did
    with them (``ijw.selectors.ijw_change_requests_for``): the same people as the iJw worklist, the
    provider's team leads, for their own provider only. Asking a change is
    ``can_request_allocations`` (the client's coach or team lead)."""
    return can_see_ijw_worklist(user)


def can_download_production_statement(user: User) -> bool:
    """The productieverantwoording (production statement per municipality and year, for the
    accountant under the accountantsprotocol Jeugdwet) on the declarations screen: the provider's
    administration, i.e. the provider's team leads (as for the iJw worklist), for their own
    provider only. Aggregates per product, no client data (``declarations.selectors.production_statement_for``)."""
    return can_see_ijw_worklist(user)


def declarations_visible_to(user: User) -> "QuerySet[Declaration]":
    """The declarations a user may look at (see ``can_see_declarations``)."""
    declarations = Declaration.objects.all()
    if not can_see_declarations(user):
        return declarations.none()
    if user.role in {Role.GEMEENTE_TOEGANG, Role.GEMEENTE_BELEID} and user.municipality_id is not None:
        return declarations.filter(municipality_id=user.municipality_id)
    if user.role == Role.TEAMLEIDER and user.provider_id is not None:
        return declarations.filter(provider_id=user.provider_id)
    return declarations.none()


# --- data rights: consent screens, "download my data", destruction (privacy app) ------------------

#: Jeugdwet 7.3.9: a child under 12 cannot ask for destruction of their file.
AGE_DESTRUCTION_REQUEST = 12


def can_give_consent(user: User, client: Client) -> bool:
    """Who gives consent for themselves on the consent screen: the young person for their own file,
    and a parent with gezag while parental authority lasts (under 18). Whether their consent is
    *needed* is a matter of age on the day (``access.consent.consent_parties_required``)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.JONGERE:
        return _is_own_file(user, client)
    if user.role == Role.OUDER:
        return age_on(client.birth_date, today()) < AGE_OF_MAJORITY and parent_has_gezag(
            parent=user, client=client, on=today()
        )
    return False


def consent_clients(user: User, *, on: datetime.date) -> QuerySet[Client]:
    """The files for which ``user`` gives consent themself on ``on``, in one query: the set form of
    ``can_give_consent`` (keep them in step)."""
    clients = Client.objects.all()
    if not user.is_authenticated or not user.is_active:
        return clients.none()
    if user.role == Role.JONGERE:
        return clients.filter(user=user)
    if user.role == Role.OUDER:
        ids = GezagRelation.objects.filter(gezag_q(on), parent=user).values("client_id")
        return clients.filter(pk__in=ids, birth_date__gt=years_before(on, AGE_OF_MAJORITY))
    return clients.none()


def can_export_client_data(user: User, client: Client, *, on: datetime.date | None = None) -> bool:
    """ "Download my data": the young person for their own file; a parent only while the policy
    gives them the CLINICAL part of the file on that day (age, restriction, consent)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.JONGERE:
        return _is_own_file(user, client)
    if user.role == Role.OUDER:
        return DataKind.CLINICAL in kinds_visible(user, client, on=on)
    return False


def can_request_destruction(user: User, client: Client) -> bool:
    """Who may ask for destruction of a file (Jeugdwet 7.3.9): the young person themself.

    The age limit (12) is checked by the service, which explains it; a parent asks only for a
    child under 12, whom this method does not serve.
    """
    return user.is_authenticated and user.is_active and user.role == Role.JONGERE and _is_own_file(user, client)


def can_see_destruction_requests(user: User, client: Client) -> bool:
    """The client's coach and team (and team lead) see the requests, with their deadline."""
    return can_write_clinical(user, client)


def destruction_request_clients(user: User) -> QuerySet[Client]:
    """The clients whose open destruction requests ``user`` is shown in their list: the clients on
    the professional's own caseload or their team's (each row is then checked with
    ``can_see_destruction_requests``)."""
    if not is_care_professional(user) or user.team_id is None:
        return Client.objects.none()
    return Client.objects.filter(Q(coach=user) | Q(team_id=user.team_id))


def provider_figures_owner(user: User) -> dict[str, int | None]:
    """The part of the provider a provider user's aggregated figures cover: a team lead their team,
    the administrator of a provider that provider, the platform administrator everything."""
    if is_team_lead(user):
        return {"team_id": user.team_id}
    return {"provider_id": user.provider_id} if user.provider_id else {}


def can_decide_destruction(user: User, client: Client) -> bool:
    """The team lead of the client's team executes or refuses a destruction request."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.TEAMLEIDER
        and user.team_id is not None
        and client.team_id == user.team_id
    )


def can_manage_retention_holds(user: User, client: Client) -> bool:
    """Keep a file longer than the retention period (a legal hold): the team lead of the client's
    team (who also decides on destruction requests) or the administrator (who works through the
    admin site, on the privacy officer's instruction)."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.role == Role.BEHEERDER or can_decide_destruction(user, client))
    )


# --- safeguarding: crisis help, meldcode, warm hand-off ------------------------------------------------


def sees_crisis_entry(user: User | AnonymousUser | None) -> bool:
    """The "Need help? Right now" entry: on every page of young people and parents, and on every
    page without a login (the login page, invitations, error pages). Professionals do not get it."""
    if user is None or not user.is_authenticated:
        return True
    return getattr(user, "role", None) in {Role.JONGERE, Role.OUDER}


def can_use_meldcode(user: User, client: Client) -> bool:
    """The Meldcode huiselijk geweld en kindermishandeling of a client: read and recorded only by the
    professionals who treat the client (their coach, the team's coaches and team lead). Never the
    young person, a parent, the municipality or the administrator: not even that a case exists."""
    return user.is_authenticated and user.is_active and can_write_clinical(user, client)


def can_be_meldcode_team_lead(user: User, client: Client) -> bool:
    """The team lead involved in a meldcode decision: an active team lead of the client's team."""
    return (
        user.is_active and user.role == Role.TEAMLEIDER and user.team_id is not None and user.team_id == client.team_id
    )


def access_team_of(client: Client) -> QuerySet[User]:
    """Who is told of a warm hand-off (a step up to other care): the active access-team staff
    (gemeente-toegang) of the client's municipality. They see the administrative file already."""
    return User.objects.filter(
        role=Role.GEMEENTE_TOEGANG, municipality_id=client.municipality_id, is_active=True
    ).exclude(email="")


# --- the young person's portal (coaching) ------------------------------------------------------------


def can_see_young_persons_own_work(user: User, client: Client, *, on: datetime.date | None = None) -> bool:
    """Assignment answers and diary check-ins: the young person and the professionals who treat them.

    Never a parent, whatever their clinical access: what a young person writes for themselves and
    their coach is theirs (project judgement on docs/legal-basis.md, so they can write freely). Never the
    municipality or the administrator.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.JONGERE:
        return _is_own_file(user, client)
    return can_write_clinical(user, client)


def can_write_own_work(user: User, client: Client) -> bool:
    """Only the young person themself answers assignments and writes in their diary."""
    return user.is_authenticated and user.is_active and user.role == Role.JONGERE and _is_own_file(user, client)


def can_keep_draft(user: User, client: Client) -> bool:
    """Text a user sent from a form of this client's file after their session expired is kept for
    them (and handed back after login) while they may still see the file."""
    return user.is_active and clients_visible_to(user).filter(pk=client.pk).exists()


def can_give_feedback(user: User, client: Client) -> bool:
    """The treating professionals give feedback on submitted answers."""
    return can_write_clinical(user, client)


def can_manage_appointments(user: User, client: Client) -> bool:
    """The treating professionals plan appointments."""
    return can_write_clinical(user, client)


class AppointmentScope(enum.StrEnum):
    ALL = "all"
    WITH_PARENTS = "with_parents"
    NONE = "none"


def appointment_scope(user: User, client: Client, *, on: datetime.date | None = None) -> AppointmentScope:
    """Which appointments of ``client`` the user may see on ``on``.

    The young person and their professionals: all. A parent who may open the file (gezag, the age
    rules): only the appointments they are invited to (``with_parents``). Nobody else.
    """
    if not user.is_authenticated or not user.is_active:
        return AppointmentScope.NONE
    if can_see_young_persons_own_work(user, client, on=on):
        return AppointmentScope.ALL
    if user.role == Role.OUDER and can_see(user, client, DataKind.ADMINISTRATIVE, on=on):
        return AppointmentScope.WITH_PARENTS
    return AppointmentScope.NONE


def can_see_parenting_goals(user: User, client: Client, *, on: datetime.date | None = None) -> bool:
    """Parenting goals (``Goal.Kind.PARENTING``) are clinical: whoever has CLINICAL access on the day.

    For a parent this follows the age rules: the day the young person turns 16 it ends, unless
    the young person consents.
    """
    return can_see(user, client, DataKind.CLINICAL, on=on)


# --- secure messages (messaging app) --------------------------------------------------------------
#
# Project decision (docs/legal-basis.md, issue 4): the youth thread is the young person's private channel with
# their coach. Parents never read it, whatever their access to the file: the law lets a parent of a
# 12-15-year-old see the file unless the coach restricts it, but "not the young person's private
# messages unless the rules allow it" is safest as "never" (a 16+ young person's messages would need
# consent, a 12-15-year-old's would depend on a restriction the coach may not have thought of yet).
# A parent has their own parent thread with the coach instead, while the policy gives them at least
# the ADMINISTRATIVE part of the file (gezag, under 18 or with consent). Municipality staff and the
# administrator never read messages.

THREAD_YOUTH = "youth"
THREAD_PARENT = "parent"


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_message_about(user: User, client: Client, kind: str, *, parent: User | None = None) -> bool:
    """Whether ``user`` may open (and so create) the ``kind`` thread of ``client`` (with ``parent``)."""
    if not _active(user):
        return False
    if kind == THREAD_YOUTH:
        if user.role == Role.JONGERE:
            return _is_own_file(user, client)
        return can_write_clinical(user, client)
    if kind == THREAD_PARENT and parent is not None:
        if user.role == Role.OUDER:
            return parent.pk == user.pk and DataKind.ADMINISTRATIVE in kinds_visible(user, client)
        return (
            can_write_clinical(user, client)
            and parent.role == Role.OUDER
            and parent_has_gezag(parent=parent, client=client, on=today())
        )
    return False


def _birthday(birth_date: datetime.date, years: int) -> datetime.date:
    """The day someone turns ``years`` (``age_on``: born on 29 February, a year older on 1 March)."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:
        return datetime.date(birth_date.year + years, 3, 1)


def parent_thread_hidden_before(
    user: User, thread: "Thread", *, on: datetime.date | None = None
) -> datetime.datetime | None:
    """The moment before which the parent no longer reads the coach's messages in their own parent
    thread; ``None``: the parent reads the whole thread (or this is not their parent thread).

    Messages are clinical (docs/security.md, "Secure messages"): what the coach wrote to the parent
    before the young person turned 16 concerns the young person and was written while the parent
    had clinical access. From the 16th birthday the parent keeps the thread (they keep writing to
    the coach, and read their own messages and everything the coach writes from then on), but the
    coach's earlier messages are hidden, unless the young person allows the parent access
    (``ParentAccessDecision`` CONSENTED: the parent sees CLINICAL again, and the whole thread).
    """
    if not _active(user) or user.role != Role.OUDER:
        return None
    if thread.kind != THREAD_PARENT or thread.parent_id != user.pk:
        return None
    on = on or today()
    client = thread.client
    if age_on(client.birth_date, on) < AGE_INZAGE_ONLY_WITH_CONSENT or can_see(user, client, DataKind.CLINICAL, on=on):
        return None
    birthday = _birthday(client.birth_date, AGE_INZAGE_ONLY_WITH_CONSENT)
    # Midnight of the birthday in the deployment's zone (Amsterdam), whatever zone is active.
    return datetime.datetime.combine(birthday, datetime.time.min, tzinfo=timezone.get_default_timezone())


def parent_threads_hidden_before(user: User, *, on: datetime.date | None = None) -> dict[int, datetime.datetime]:
    """``parent_thread_hidden_before`` for every parent thread of ``user`` (thread id -> moment);
    empty for everyone else, without a query."""
    if not _active(user) or user.role != Role.OUDER:
        return {}
    hidden = {}
    for thread in threads_visible_to(user).select_related("client").defer("client__bsn"):
        moment = parent_thread_hidden_before(user, thread, on=on)
        if moment is not None:
            hidden[thread.pk] = moment
    return hidden


def can_read_thread(user: User, thread: "Thread") -> bool:
    """The participants of a thread: see the decision above. Agrees with ``threads_visible_to``.

    The treating professionals keep reading a parent thread after the parent lost gezag (it is
    part of the file); the parent does not.
    """
    if _active(user) and user.role in {Role.COACH, Role.TEAMLEIDER}:
        return can_write_clinical(user, thread.client)
    return can_message_about(user, thread.client, thread.kind, parent=thread.parent)


def can_post_in_thread(user: User, thread: "Thread") -> bool:
    """The participants may answer while the thread could be opened today (gezag, age, consent)."""
    return can_message_about(user, thread.client, thread.kind, parent=thread.parent)


def has_message_threads(user: User) -> bool:
    """Roles that take part in secure messages at all (navigation)."""
    return _active(user) and user.role in {Role.JONGERE, Role.OUDER, Role.COACH, Role.TEAMLEIDER}


def appointments_visible_to(user: User) -> "QuerySet[Appointment]":
    """The young person and the treating professionals: all of the client's appointments; a parent
    (gezag, age rules): those they are invited to; nobody else. The set form of
    ``appointment_scope`` (every row is still checked with it)."""
    appointments = Appointment.objects.all()
    if is_care_professional(user):
        return appointments.filter(client__in=clinical_clients_visible_to(user))
    if is_young_person(user):
        return appointments.filter(client__user=user)
    if is_parent(user):
        return appointments.filter(client__in=clients_visible_to(user), with_parents=True)
    return appointments.none()


def allocations_visible_to(user: User) -> QuerySet[Allocation]:
    """The municipality's access team: the allocations under its own contracts
    (``can_decide_allocations``), so after a move the old municipality keeps its own period and the
    new one sees only what it granted; the treating professionals: their clients' (``can_request_allocations``)."""
    allocations = Allocation.objects.all()
    if can_decide_allocations(user) and user.municipality_id is not None:
        return allocations.filter(contract__municipality_id=user.municipality_id)
    if is_care_professional(user):
        return allocations.filter(client__in=clients_visible_to(user))
    return allocations.none()


def can_see_allocation(user: User, allocation: Allocation) -> bool:
    """One allocation: the access team of the municipality whose contract it falls under (also after
    the young person moved away), or a professional who may request it."""
    if can_decide_allocations(user) and user.municipality_id is not None:
        return bool(allocation.contract.municipality_id == user.municipality_id)
    return can_request_allocations(user, allocation.client)


def can_see_practitioner(user: User, practitioner: User) -> bool:
    """A professional (administrative data only: the name) ``user`` works with: a coach or team lead
    of a client ``user`` may see, a colleague of ``user``'s own team, or ``user`` themself."""
    if not is_care_professional(practitioner):
        return False
    same_team = user.team_id is not None and practitioner.team_id == user.team_id
    return same_team or user.pk == practitioner.pk or clients_visible_to(user).filter(coach=practitioner).exists()


def threads_visible_to(user: User) -> "QuerySet[Thread]":
    """The threads a user may read, as one queryset (inbox, unread badge)."""
    threads = Thread.objects.all()
    if not has_message_threads(user):
        return threads.none()
    match user.role:
        case Role.COACH | Role.TEAMLEIDER:
            return threads.filter(client__in=clients_visible_to(user))
        case Role.JONGERE:
            return threads.filter(kind=THREAD_YOUTH, client__user=user)
        case Role.OUDER:
            return threads.filter(
                kind=THREAD_PARENT,
                parent=user,
                client__in=clients_visible_to(user),
            )
    return threads.none()


# --- monitoring (issue 6): aggregated, non-identifiable figures ----------------------------------


def can_see_municipality_dashboard(user: User, municipality_id: int | None = None) -> bool:
    """Policy and access staff of a municipality see its aggregated figures (small cells suppressed).

    With ``municipality_id``: whether the user may see that municipality's dashboard.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if user.role not in {Role.GEMEENTE_BELEID, Role.GEMEENTE_TOEGANG} or user.municipality_id is None:
        return False
    return municipality_id is None or municipality_id == user.municipality_id


def can_view_region_dashboard(user: User, lead_municipality_id: int) -> bool:
    """A jeugdregio's dashboard (its members side by side, small cells suppressed as on every
    municipality dashboard): the policy and access staff of the region's lead municipality
    (centrumgemeente), which contracts on the region's behalf."""
    return can_see_municipality_dashboard(user, lead_municipality_id)


def can_see_provider_dashboard(user: User) -> bool:
    """Team leads see their team's figures; the administrator sees the whole provider side."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (user.role == Role.TEAMLEIDER and user.team_id is not None) or user.role == Role.BEHEERDER


def can_annotate_figures(user: User) -> bool:
    """Whoever sees a dashboard may add the story behind its numbers (administrative commentary)."""
    return can_see_municipality_dashboard(user) or can_see_provider_dashboard(user)


def can_set_reference_cost(user: User, municipality_id: int | None = None) -> bool:
    """The budget holder (policy staff) enters the municipality's reference cost."""
    return can_see_municipality_dashboard(user, municipality_id) and user.role == Role.GEMEENTE_BELEID


def can_share_annotation_with(user: User, municipality_id: int) -> bool:
    """A provider's team lead or administrator shares the story behind its figures with a
    municipality it has a contract with."""
    if not can_see_provider_dashboard(user) or user.provider_id is None:
        return False
    return Contract.objects.filter(provider_id=user.provider_id, municipality_id=municipality_id).exists()


# --- Pilots (docs/pilots.md) ----------------------------------------------------------------------


def can_confirm_pilot_for_municipality(user: User, municipality_id: int) -> bool:
    """The municipality's policy staff confirm a pilot's definition on its behalf."""
    return can_set_reference_cost(user, municipality_id)


def can_confirm_pilot_for_provider(user: User, provider_id: int) -> bool:
    """A team lead or the administrator of the provider confirms a pilot's definition on its behalf."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.role in {Role.TEAMLEIDER, Role.BEHEERDER} and user.provider_id == provider_id


def can_define_pilot(user: User, *, municipality_id: int, provider_id: int) -> bool:
    """Either side of a pilot may propose or change its definition (until it starts)."""
    return can_confirm_pilot_for_municipality(user, municipality_id) or can_confirm_pilot_for_provider(
        user, provider_id
    )


def can_see_pilot(user: User, *, municipality_id: int, provider_id: int) -> bool:
    """A pilot's definition and its aggregated comparison: the municipality's staff and the provider's leads."""
    if can_see_municipality_dashboard(user, municipality_id):
        return True
    return can_confirm_pilot_for_provider(user, provider_id)


def can_import_pilot_comparison(user: User, *, municipality_id: int) -> bool:
    """The usual-care comparison group of a pilot (a pseudonymised CSV of other providers'
    trajectories) is the municipality's data: its policy staff upload it."""
    return can_set_reference_cost(user, municipality_id)


def can_record_quarterly_review(user: User, *, municipality_id: int, provider_id: int) -> bool:
    """The parties of a kwartaalgesprek record it and follow up its actions: the municipality's
    policy staff, or a team lead or the administrator of the provider; only under a contract."""
    if not can_define_pilot(user, municipality_id=municipality_id, provider_id=provider_id):
        return False
    return Contract.objects.filter(provider_id=provider_id, municipality_id=municipality_id).exists()


def can_see_quarterly_reviews(user: User) -> bool:
    """The municipality's staff and the provider's leads read the reviews of their own side."""
    if can_see_municipality_dashboard(user):
        return True
    return (
        user.is_authenticated
        and user.provider_id is not None
        and can_confirm_pilot_for_provider(user, user.provider_id)
    )


# --- Accounts: who changes whose account (four-eyes) --------------------------------------------
#
# Nobody changes their own role, organisation, staff or superuser flag or permissions, anywhere.
# A role or organisation change of another user, a password set by someone else and a
# second-factor reset are requested by one administrator and take effect only when a second
# administrator approves (accounts.models.UserChangeRequest). The superuser flag, the staff flag,
# permissions and groups follow from the role or are set on the server (manage.py createsuperuser),
# never through the web.

#: Fields of an account that change only through an approved ``UserChangeRequest`` (role and
#: organisation) or follow from the role (staff, permissions): read-only on every web page.
ACCOUNT_FIELDS_FOUR_EYES = ("role", "provider", "team", "municipality")
ACCOUNT_FIELDS_SERVER_ONLY = ("is_superuser", "is_staff", "groups", "user_permissions")
#: Where the account's recovery goes (the password-reset e-mail): nobody changes another person's
#: address on a page, or a password reset would hand their account (and, for a young person or a
#: parent without a second factor, their file) to whoever typed the new address.
ACCOUNT_FIELDS_RECOVERY = ("email",)


def can_manage_accounts(user: User) -> bool:
    """The administrator (functioneel beheer) keeps accounts: the ones that may request and decide."""
    return _active(user) and user.role == Role.BEHEERDER and bool(user.is_staff)


def can_request_user_change(
    user: User, target: User, *, kind: str = "", role: str = "", team: Team | None = None
) -> bool:
    """An administrator may ask for a change of someone else's account, never of their own.

    A platform administrator may ask for any change. An organisation's administrator may only ask
    to move a coach or team lead of its own provider to another team of that provider, in the same
    role (the ``/staff/`` page)."""
    if target.pk == user.pk:
        return False
    if _is_platform_administrator(user):
        return True
    return _is_staff_team_change(user, target, kind=kind, role=role, team=team)


def _is_platform_administrator(user: User) -> bool:
    """An administrator of the platform: one that keeps accounts and belongs to no organisation
    (an organisation's administrator is held to its own organisation, even with admin access)."""
    return can_manage_accounts(user) and not can_manage_staff(user)


def _is_staff_team_change(user: User, target: User, *, kind: str, role: str, team: Team | None) -> bool:
    """A team change an organisation's administrator may request or decide: same role, a member
    of its own provider, a team of its own provider."""
    return (
        kind == "role"
        and target.role in PROVIDER_ROLES
        and role == target.role
        and can_manage_staff_member(user, target)
        and team is not None
        and team.provider_id == user.provider_id
    )


def can_decide_user_change(
    user: User,
    *,
    target_id: int,
    requested_by_id: int,
    approve: bool,
    target: User | None = None,
    kind: str = "",
    role: str = "",
    team: Team | None = None,
) -> bool:
    """A second administrator approves: not the one who asked, not the one whose account it is.

    The requester may withdraw (reject) their own request; nobody decides on their own account.
    An organisation's administrator decides only on team changes within its own provider (pass
    ``target``, ``kind``, ``role`` and ``team`` of the request).
    """
    if target_id == user.pk:
        return False
    if _is_platform_administrator(user):
        allowed = True
    else:
        allowed = target is not None and _is_staff_team_change(user, target, kind=kind, role=role, team=team)
    return allowed and (not approve or requested_by_id != user.pk)


# --- API tokens and module-vendor service accounts (api app) --------------------------------------
#
# A bearer token is a long-lived credential that skips the login and its second factor, so only
# accounts that log in with a second factor hold one, and they act with their screen rights
# (``ApiScope.FULL``). Young people and parents log in without a second factor: no token. The
# service account of an external e-health module (role ``module-vendor``, ``api.ModuleVendorAccount``)
# holds a token with the narrowest scope that module needs (``ApiScope.MODULE_TASKS``): read the
# FHIR Tasks (module runs) of its own modules at its own provider and the Patient they are for
# (administrative part only), and write ``Task.status``; no other FHIR resource, no REST endpoint.


class ApiScope(enum.StrEnum):
    FULL = "full"
    MODULE_TASKS = "module-tasks"


#: The FHIR resource types a ``module-vendor`` token may use.
MODULE_VENDOR_FHIR_RESOURCES = frozenset({"Task", "Patient"})
#: The elements of a FHIR Task each scope may change (``services.module_progress_record``).
TASK_FIELDS_WRITABLE = {
    ApiScope.FULL: frozenset({"status", "businessStatus"}),
    ApiScope.MODULE_TASKS: frozenset({"status"}),
}

#: Roles that hold no API token: they log in without a second factor.
_ROLES_WITHOUT_TOKEN = frozenset({Role.JONGERE, Role.OUDER})


def api_scope(user: User) -> ApiScope | None:
    """What an API token of ``user`` may do; ``None``: the user may not hold (or use) a token."""
    if not _active(user) or user.role in _ROLES_WITHOUT_TOKEN:
        return None
    if user.role == Role.MODULE_VENDOR:
        return ApiScope.MODULE_TASKS if _module_vendor_account(user) is not None else None
    return ApiScope.FULL


def can_use_screens(user: User) -> bool:
    """Whether ``user`` may have a browser session at all. A ``module-vendor`` account is a service
    account of an external e-health module: it acts through its API token only, never through a
    login form (it has no second factor), whatever password an administrator might give it."""
    return user.role != Role.MODULE_VENDOR


def can_hold_api_token(user: User) -> bool:
    return api_scope(user) is not None


def can_use_rest_api(user: User) -> bool:
    """The REST API (``/api/v1/``) is for full-scope tokens only."""
    return api_scope(user) == ApiScope.FULL


def can_use_fhir_resource(user: User, resource_type: str | None) -> bool:
    """Whether ``user``'s token may use the FHIR endpoints of ``resource_type`` at all (each
    read still goes through the policy row by row)."""
    scope = api_scope(user)
    if scope == ApiScope.FULL:
        return True
    return scope == ApiScope.MODULE_TASKS and resource_type in MODULE_VENDOR_FHIR_RESOURCES


def _module_vendor_account(user: User) -> "ModuleVendorAccount | None":
    if user.role != Role.MODULE_VENDOR:
        return None
    try:
        return user.module_vendor_account  # cached on the user after the first access
    except ModuleVendorAccount.DoesNotExist:
        return None


def module_runs_served_by(user: User) -> "QuerySet[ModuleRun]":
    """The module runs (FHIR Tasks) assigned to a ``module-vendor`` account: runs of its modules
    (by code, any method version) for clients of its provider. Nobody else is served."""
    account = _module_vendor_account(user) if _active(user) else None
    if account is None:
        return ModuleRun.objects.none()
    return ModuleRun.objects.filter(
        trajectory__client__provider_id=account.provider_id, module__code__in=account.module_codes
    )


#: What a ``module-vendor`` token sees of the Patient of a Task assigned to it: name and date of
#: birth (to greet the young person), never the BSN or anything clinical.
MODULE_VENDOR_PATIENT_KINDS = frozenset({DataKind.ADMINISTRATIVE})


def clients_served_by(user: User) -> QuerySet[Client]:
    """The clients (FHIR Patients) of the module runs assigned to a ``module-vendor`` account."""
    return Client.objects.filter(pk__in=module_runs_served_by(user).values("trajectory__client_id"))


def serves_module_run(user: User, run: "ModuleRun") -> bool:
    """Whether ``run`` is assigned to ``user``'s ``module-vendor`` account (``module_runs_served_by``)."""
    account = _module_vendor_account(user) if _active(user) else None
    return (
        account is not None
        and run.trajectory.client.provider_id == account.provider_id
        and run.module.code in account.module_codes
    )


def can_read_task(user: User, run: "ModuleRun", *, on: datetime.date | None = None) -> bool:
    """A module run (FHIR Task): whoever sees the client's clinical file, or the e-health module
    it is assigned to."""
    return serves_module_run(user, run) or can_see(user, run.trajectory.client, DataKind.CLINICAL, on=on)


def can_report_module_progress(user: User, run: "ModuleRun") -> bool:
    """Record a module's progress (FHIR Task update): the treating professionals, or the e-health
    module the run is assigned to (``TASK_FIELDS_WRITABLE`` says which elements)."""
    return can_write_clinical(user, run.trajectory.client) or serves_module_run(user, run)


def task_fields_writable(user: User) -> frozenset[str]:
    scope = api_scope(user)
    return TASK_FIELDS_WRITABLE[scope] if scope is not None else frozenset()


# Invitations and staff accounts (docs/security.md, "Accounts and invitations").


def can_invite_for_client(user: User, client: Client) -> bool:
    """The coach or team lead who treats the client invites the young person and their parents to
    the portal, and resends or revokes those invitations."""
    return _active(user) and can_write_clinical(user, client)


def can_have_portal_account(relation: GezagRelation, *, on: datetime.date) -> bool:
    """A family member gets a portal account only with gezag on ``on``: a parent without gezag never
    gets the file (``can_view_client``), so an account would give them nothing. A gecertificeerde
    instelling (GI) does not use the portal."""
    return relation.kind != relation.Kind.GI and gezag_on(relation, on)


def can_invite_family_member(user: User, relation: GezagRelation) -> bool:
    """Whether the client file offers "Invite to the portal" for this family member: the treating
    professional, for a member with gezag today (their contact details are checked by the service)."""
    return can_invite_for_client(user, relation.client) and can_have_portal_account(relation, on=today())


def staff_roles_invitable(user: User) -> frozenset[Role]:
    """The roles an organisation's administrator manages: a beheerder linked to a provider manages
    its coaches and team leads, one linked to a municipality its access and policy staff. A
    beheerder without an organisation (functioneel beheer of the platform) manages none here."""
    if not _active(user) or user.role != Role.BEHEERDER:
        return frozenset()
    if user.provider_id is not None:
        return frozenset(PROVIDER_ROLES)
    if user.municipality_id is not None:
        return frozenset(MUNICIPALITY_ROLES)
    return frozenset()


def can_manage_staff(user: User) -> bool:
    """Whether the user administers the staff accounts of an organisation."""
    return bool(staff_roles_invitable(user))


def can_invite_staff(user: User, *, role: str, team: Team | None = None, municipality_id: int | None = None) -> bool:
    """An organisation's administrator invites a role it manages, into its own organisation only."""
    if role not in staff_roles_invitable(user):
        return False
    if role in PROVIDER_ROLES:
        return team is not None and team.provider_id == user.provider_id
    return municipality_id is not None and municipality_id == user.municipality_id


def can_manage_staff_member(user: User, member: User) -> bool:
    """Deactivate or reactivate ``member``: an administrator of the member's own organisation, for
    a role it manages, and never on their own account."""
    if member.pk == user.pk or member.role not in staff_roles_invitable(user):
        return False
    if member.role in PROVIDER_ROLES:
        return member.provider_id == user.provider_id
    return member.municipality_id == user.municipality_id


def can_manage_invitation(user: User, invitation: Invitation) -> bool:
    """Resend or revoke an invitation: whoever may invite that person now."""
    if invitation.kind == invitation.Kind.STAFF:
        if invitation.role in PROVIDER_ROLES:
            return invitation.role in staff_roles_invitable(user) and invitation.provider_id == user.provider_id
        return invitation.role in staff_roles_invitable(user) and invitation.municipality_id == user.municipality_id
    return invitation.client is not None and can_invite_for_client(user, invitation.client)


def can_use_passkeys(user: User) -> bool:
    """Young people and parents may log in with a passkey instead of a password. Professionals log
    in with a password and TOTP: a passkey login would count as their second factor."""
    return _active(user) and user.role in {Role.JONGERE, Role.OUDER}


# --- the coach's desk (issue 16.5): signals, "vandaag", the team lead's workload ---------------------


def can_see_desk_signals(user: User) -> bool:
    """Show "new since you last looked" on the caseload and the client file: the professionals who see the
    clinical file of every client on their caseload (counts only, never content)."""
    return _active(user) and user.role in {Role.COACH, Role.TEAMLEIDER}


def can_use_today_view(user: User) -> bool:
    """The "vandaag" page: what needs the professional today on the clients they coach themselves."""
    return _active(user) and user.role in {Role.COACH, Role.TEAMLEIDER}


def can_see_team_workload(user: User) -> bool:
    """Workload per coach of the team (clients, late steps, unread) with the approval queue: the
    team lead of a team."""
    return _active(user) and user.role == Role.TEAMLEIDER and user.team_id is not None


def team_coaches(user: User) -> QuerySet[User]:
    """The coaches whose workload ``user`` sees (their own team's coaches and team leads)."""
    if not can_see_team_workload(user) or user.team_id is None:
        return User.objects.none()
    return User.objects.filter(team_id=user.team_id, role__in=PROVIDER_ROLES, is_active=True)


#: The roles whose message waits for a professional's answer (the young person and parents).
FAMILY_ROLES = frozenset({Role.JONGERE, Role.OUDER})
