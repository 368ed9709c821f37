"""Reads for the privacy screens: consent status in plain words, destruction requests, records;
and for the retention job: which files are due for destruction on a given day."""

import dataclasses
import datetime
from uuid import UUID

from django.db.models import DateField, Exists, Max, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.access.consent import AGE_CONSENT_ALONE, AGE_CONSENT_WITH_PARENTS, carer_has_consented, consent_parties
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients.models import Client, GezagRelation, ParentAccessDecision
from coachcare.core.dates import age_on, today, years_before
from coachcare.core.prepared import PreparedQuery
from coachcare.privacy.models import DestructionRecord, DestructionRequest, RetentionHold
from coachcare.trajectories.models import ACTIVE_STATUSES, Agreement, Goal, Trajectory


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConsentParty:
    user: User | None
    name: str
    role: str  # "jongere" or "ouder"
    is_you: bool
    care: Agreement | None
    plan: Agreement | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ParentAccessChoice:
    relation: GezagRelation
    decision: ParentAccessDecision | None

    @property
    def allowed(self) -> bool:
        return self.decision is not None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConsentStatus:
    client: Client
    trajectory: Trajectory | None
    age: int
    rule: str
    parties: list[ConsentParty]
    goals: list[Goal] | None
    you: ConsentParty | None
    parent_access: list[ParentAccessChoice]

    @property
    def care_missing(self) -> list[str]:
        return [party.name for party in self.parties if party.care is None]

    @property
    def plan_missing(self) -> list[str]:
        return [party.name for party in self.parties if party.plan is None]


def _rule_text(age: int, *, name: str, is_you: bool) -> str:
    """The consent rule for the age, about the young person by name (or "you": the page is for the
    young person and their parents, never in the words of a professional file)."""
    if age >= AGE_CONSENT_ALONE:
        if is_you:
            return _(
                "You are %(age)s. From 16 on, you decide alone: only your consent is needed, "
                "and your parents only see your file when you allow it."
            ) % {"age": age}
        return _(
            "%(name)s is %(age)s. From 16 on, %(name)s decides alone: only their consent is needed, "
            "and parents only see the file when %(name)s allows it."
        ) % {"age": age, "name": name}
    if age >= AGE_CONSENT_WITH_PARENTS:
        if is_you:
            return _(
                "You are %(age)s. Between 12 and 16, both you and every parent with parental "
                "authority (gezag) have to agree before care can start."
            ) % {"age": age}
        return _(
            "%(name)s is %(age)s. Between 12 and 16, both %(name)s and every parent with parental "
            "authority (gezag) have to agree before care can start."
        ) % {"age": age, "name": name}
    return _("Under 12, the parents with parental authority decide.")


def _given_by_carer(agreement: Agreement, carer: GezagRelation) -> bool:
    return carer_has_consented(carer, {(agreement.given_by_id, agreement.given_as, agreement.carer_id)})


def consent_clients_for(*, actor: User) -> list[Client]:
    """The files whose consent screen the actor may open: their own, or their children's."""
    return list(policy.consent_clients(actor, on=today()).order_by("given_name", "id"))


def _current_trajectory(client: Client) -> Trajectory | None:
    return (
        Trajectory.objects.filter(client=client, status__in=ACTIVE_STATUSES)
        .select_related("client")
        .order_by("-created_at", "-id")
        .first()
    )


def consent_status(
    *, actor: User, client: Client, access_point: AccessPoint, on: datetime.date | None = None
) -> ConsentStatus:
    """Who still has to agree to care and to the plan of the active trajectory, computed by age on ``on``."""
    if not policy.can_give_consent(actor, client):
        raise policy.AccessDenied(_("This is not your file."))
    on = on or today()
    age = age_on(client.birth_date, on)
    trajectory = _current_trajectory(client)
    required = consent_parties(client=client, on=on)
    parties: list[ConsentParty] = []
    goals: list[Goal] | None = None
    if trajectory is not None:
        active = Agreement.objects.filter(trajectory=trajectory, revoked_at__isnull=True).order_by("-given_at")
        care = [a for a in active if a.kind == Agreement.Kind.CARE]
        plan = [a for a in active if a.kind == Agreement.Kind.PLAN and a.plan_revision == trajectory.plan_revision]
        if required.young_person:
            parties.append(
                ConsentParty(
                    user=client.user,
                    name=client.given_name if not policy.is_young_person(actor) else _("you"),
                    role="jongere",
                    is_you=policy.is_young_person(actor),
                    care=next((a for a in care if a.given_as == "jongere"), None),
                    plan=next((a for a in plan if a.given_as == "jongere"), None),
                )
            )
        for carer in required.carers:
            is_you = carer.parent_id is not None and carer.parent_id == actor.pk
            parties.append(
                ConsentParty(
                    user=carer.parent,
                    name=_("you") if is_you else carer.display_name,
                    role="ouder",
                    is_you=is_you,
                    care=next((a for a in care if _given_by_carer(a, carer)), None),
                    plan=next((a for a in plan if _given_by_carer(a, carer)), None),
                )
            )
        if policy.can_see(actor, client, policy.DataKind.CLINICAL, on=on):
            goals = list(Goal.objects.filter(trajectory=trajectory).order_by("order"))
    parent_access: list[ParentAccessChoice] = []
    if policy.is_young_person(actor) and age >= AGE_CONSENT_ALONE:
        consented = {
            decision.parent_id: decision
            for decision in ParentAccessDecision.objects.filter(
                client=client, kind=ParentAccessDecision.Kind.CONSENTED, revoked_at__isnull=True
            )
        }
        parent_access = [
            ParentAccessChoice(relation=relation, decision=consented.get(relation.parent_id or 0))
            for relation in GezagRelation.objects.filter(client=client, parent__isnull=False)
            .select_related("parent")
            .order_by("id")
        ]
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="privacy.consent",
        client_ids=[client.public_id],
        access_point=access_point,
    )
    return ConsentStatus(
        client=client,
        trajectory=trajectory,
        age=age,
        rule=_rule_text(age, name=client.given_name, is_you=policy.is_young_person(actor)),
        parties=parties,
        goals=goals,
        you=next((party for party in parties if party.is_you), None),
        parent_access=parent_access,
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class OpenRequest:
    request: DestructionRequest
    client: Client
    can_decide: bool

    @property
    def overdue(self) -> bool:
        return self.request.deadline < today()

    @property
    def days_left(self) -> int:
        return (self.request.deadline - today()).days


def destruction_requests_open(*, actor: User, access_point: AccessPoint) -> list[OpenRequest]:
    """Open destruction requests of the clients the actor treats, earliest deadline first."""
    visible = policy.destruction_request_clients(actor)
    if visible.query.is_empty():
        return []
    requests = list(DestructionRequest.objects.filter(status=DestructionRequest.Status.OPEN).order_by("deadline"))
    clients = {
        client.public_id: client
        for client in visible.filter(public_id__in=[request.client_public_id for request in requests]).select_related(
            "team"
        )
    }
    result = [
        OpenRequest(
            request=request,
            client=clients[request.client_public_id],
            can_decide=policy.can_decide_destruction(actor, clients[request.client_public_id]),
        )
        for request in requests
        if request.client_public_id in clients
        and policy.can_see_destruction_requests(actor, clients[request.client_public_id])
    ]
    if result:
        access_log_record(
            actor=actor,
            event=Event.READ,
            action="privacy.destruction_requests",
            client_ids=[item.client.public_id for item in result],
            access_point=access_point,
        )
    return result


def destruction_request_open_for(*, client_public_id: UUID) -> DestructionRequest | None:
    return DestructionRequest.objects.filter(
        client_public_id=client_public_id, status=DestructionRequest.Status.OPEN
    ).first()


def destruction_record_for(*, client_public_id: UUID) -> DestructionRecord | None:
    """The latest record that the file's clinical content was destroyed (no content, so no access check)."""
    return _destruction_record.first(client_public_id=client_public_id)


#: Compiled once per process (``core.prepared``): every client file asks it.
_destruction_record = PreparedQuery(
    lambda client_public_id: DestructionRecord.objects.filter(client_public_id=client_public_id).order_by(
        "-executed_at"
    )[:1],
    client_public_id=UUID,
)


# --- retention (Jeugdwet 7.3.8) ------------------------------------------------------------------

#: Jeugdwet 7.3.8: the file is kept at least 20 years from the end of care (15 until 2020).
RETENTION_YEARS = 20


def retention_cutoff(*, on: datetime.date) -> datetime.date:
    """Care that ended on or before this day has been kept ``RETENTION_YEARS`` years on ``on``.

    The 20th anniversary itself counts. Care that ended on 29 February reaches it on 29 February
    when that exists, else on 1 March (``years_before`` falls back to 28 February, as ``age_on``
    does for birthdays).
    """
    return years_before(on, RETENTION_YEARS)


def retention_due_clients(*, on: datetime.date, held: bool = False) -> QuerySet[Client]:
    """Files whose retention period has ended on ``on``, annotated with their ``end_of_care``.

    - end of care = the latest ``closed_on`` of the client's trajectories; a client with a
      trajectory that has no ``closed_on`` (still running, or never closed) is never due, and
      neither is a client without any trajectory (no end of care is known);
    - due when the end of care is on or before ``retention_cutoff(on=on)``;
    - not when the retention job already destroyed the file for this end of care (idempotent);
    - ``held=False`` (the default): without the files under a running ``RetentionHold``;
      ``held=True``: only those (they would be due but are kept longer).

    A queryset with correlated subqueries (no GROUP BY over the whole table): the caller walks it
    in primary-key batches.
    """
    last_closed = (
        Trajectory.objects.filter(client=OuterRef("pk"))
        .order_by()
        .values("client")
        .annotate(last=Max("closed_on"))
        .values("last")[:1]
    )
    running = Trajectory.objects.filter(client=OuterRef("pk"), closed_on__isnull=True)
    destroyed = DestructionRecord.objects.filter(
        client_public_id=OuterRef("public_id"),
        reason=DestructionRecord.Reason.RETENTION,
        end_of_care__gte=OuterRef("end_of_care"),
    )
    hold = RetentionHold.objects.filter(client_public_id=OuterRef("public_id"), until__gte=on)
    due = (
        Client.objects.annotate(end_of_care=Subquery(last_closed, output_field=DateField()))
        .filter(end_of_care__lte=retention_cutoff(on=on))
        .exclude(Exists(running))
        .exclude(Exists(destroyed))
    )
    return due.filter(Exists(hold)) if held else due.exclude(Exists(hold))


def destruction_requests_overdue(*, on: datetime.date) -> list[DestructionRequest]:
    """Open destruction requests whose three-month deadline (Jeugdwet 7.3.9) passed before ``on``."""
    return list(
        DestructionRequest.objects.filter(status=DestructionRequest.Status.OPEN, deadline__lt=on).order_by(
            "deadline", "id"
        )
    )
