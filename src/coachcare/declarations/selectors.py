"""Reads of declarations: the municipality's and the provider's lists, one declaration with its
lines, the budget figures, and the plain values the iJw export builds its messages from (the
money flows one way, contracts → declarations → ijw: this app knows no iJw message type).

Screens show administrative data only (client name and date of birth to the access team, product,
period, volume, amounts, return codes). Every list is a fixed number of queries.
"""

import dataclasses
import datetime
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.coaching import selectors as coaching_selectors
from coachcare.contracts.selectors import BudgetLine, budget_overview
from coachcare.declarations.models import CareStart, CareStop, Declaration, DeclarationLine, DeclarationStatus
from coachcare.declarations.services import DELIVERED_STATES, period_parse
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider
from coachcare.trajectories.models import ModuleRun

DECLARATION_PAGE_SIZE = 50
#: Values per ``IN (...)`` query (a declaration of a large municipality holds many lines).
LINE_CHUNK = 1000


def declaration_list_for(*, actor: User, page: int = 1) -> Page[Any]:
    """A page of the declarations the actor may see, newest month first, with the number of lines.

    Two queries (count and page) whatever the number of declarations or lines.
    """
    if not policy.can_see_declarations(actor):
        raise policy.AccessDenied("No access to declarations.")
    declarations = (
        policy.declarations_visible_to(actor)
        .select_related("municipality", "provider")
        .annotate(line_count=Count("lines"))
        .order_by("-period_start", "municipality__name", "declaratienummer")
    )
    return Paginator(declarations, DECLARATION_PAGE_SIZE).get_page(page)


def declarations_visible(*, actor: User, status: str | None = None) -> QuerySet[Declaration]:
    """The declarations the actor may see (``policy.declarations_visible_to``) with municipality
    and provider, optionally of one status; unordered. Money and periods, no client data."""
    declarations = policy.declarations_visible_to(actor).select_related("municipality", "provider")
    return declarations.filter(status=status) if status else declarations


def declaration_get(*, actor: User, public_id: UUID) -> Declaration:
    """One declaration the actor may see; ``AccessDenied`` for anything else (no existence leak)."""
    if not policy.can_see_declarations(actor):
        raise policy.AccessDenied("No such declaration, or no access.")
    declaration = (
        policy.declarations_visible_to(actor)
        .select_related("municipality", "provider")
        .filter(public_id=public_id)
        .first()
    )
    if declaration is None or not (
        policy.is_team_lead(actor) or policy.can_see_declarations(actor, declaration.municipality_id)
    ):
        raise policy.AccessDenied("No such declaration, or no access.")
    return declaration


def declaration_lines_for(*, actor: User, declaration: Declaration, access_point: AccessPoint) -> list[DeclarationLine]:
    """The lines of a declaration with client, allocation and product, in one query (plus the access
    log when the actor sees the clients' names)."""
    lines = list(
        DeclarationLine.objects.filter(declaration=declaration)
        .select_related("client", "allocation", "product")
        .defer("client__bsn", "client__bsn_hash")
        .order_by("client__family_name", "client__given_name", "begindatum", "id")
    )
    if policy.can_see_declaration_clients(actor) and lines:
        access_log_record(
            actor=actor,
            event=Event.READ,
            action="declaration.detail",
            client_ids=sorted({line.client.public_id for line in lines}),
            access_point=access_point,
        )
    return lines


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeclaredBudgetLine:
    """A contract's budget line with what was declared and awarded in the year, in cents."""

    budget: BudgetLine
    declared_cents: int
    awarded_cents: int


def declaration_budget_overview(*, actor: User, year: int) -> list[DeclaredBudgetLine]:
    """Per contract: yearly budget, granted, used (``budget_overview``) and declared/awarded in
    ``year`` (lines delivered in that year). Two queries; no personal data."""
    budget_lines = budget_overview(actor=actor, year=year)
    declared: dict[int, dict[str, Any]] = (
        {
            row["allocation__contract_id"]: dict(row)
            for row in DeclarationLine.objects.filter(
                allocation__contract_id__in=[line.contract.pk for line in budget_lines], einddatum__year=year
            )
            .values("allocation__contract_id")
            .annotate(declared=Sum("amount_cents"), awarded=Sum("awarded_cents"))
        }
        if budget_lines
        else {}
    )
    return [
        DeclaredBudgetLine(
            budget=line,
            declared_cents=int(declared.get(line.contract.pk, {}).get("declared") or 0),
            awarded_cents=int(declared.get(line.contract.pk, {}).get("awarded") or 0),
        )
        for line in budget_lines
    ]


def delivered_awaiting_allocation(*, allocation_ids: list[int]) -> dict[int, int]:
    """Per allocation: the delivered modules the declaration run holds because the allocation has no
    number of the municipality yet (started under the mandate, no JW301 yet). One query."""
    if not allocation_ids:
        return {}
    rows = (
        ModuleRun.objects.filter(
            allocation_id__in=allocation_ids,
            allocation__toewijzing_nummer__isnull=True,
            state__in=DELIVERED_STATES,
            declaration_line__isnull=True,
        )
        .values("allocation_id")
        .annotate(count=Count("pk"))
    )
    return {row["allocation_id"]: row["count"] for row in rows}


# --- plain values for the iJw export (ijw builds the JW305, JW307 and JW323 messages from these) ----


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeclarationLineValues:
    """One declared module: administrative data only (BSN, allocation number, product, dates, amounts)."""

    reference: str
    client_public_id: UUID
    bsn: str
    toewijzing_nummer: str
    product_category: str
    product_code: str
    begindatum: datetime.date
    einddatum: datetime.date
    volume: int
    unit: str
    tariff_cents: int
    amount_cents: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeclarationValues:
    """A declaration (draft or submitted) as the export needs it."""

    declaratienummer: str
    provider_agb: str
    municipality_code: str
    period_start: datetime.date
    period_end: datetime.date
    total_cents: int
    lines: list[DeclarationLineValues]


def declaration_values_build(*, declarations: list[Declaration]) -> list[DeclarationValues]:
    """The values of ``declarations`` (with ``municipality`` and ``provider`` loaded): one query for
    all their lines."""
    by_declaration: dict[int, list[DeclarationLineValues]] = {declaration.pk: [] for declaration in declarations}
    rows = (
        DeclarationLine.objects.filter(declaration__in=[declaration.pk for declaration in declarations])
        .order_by("declaration_id", "id")
        .values_list(
            "declaration_id",
            "reference",
            "client__public_id",
            "client__bsn",
            "allocation__toewijzing_nummer",
            "product__ijw_product_category",
            "product__ijw_product_code",
            "begindatum",
            "einddatum",
            "volume",
            "unit",
            "tariff_cents",
            "amount_cents",
        )
    )
    for (
        declaration_id,
        reference,
        client_id,
        bsn,
        number,
        category,
        code,
        begin,
        end,
        volume,
        unit,
        tariff,
        amount,
    ) in rows:
        by_declaration[declaration_id].append(
            DeclarationLineValues(
                reference=reference,
                client_public_id=client_id,
                bsn=bsn,
                toewijzing_nummer=number or "",
                product_category=category,
                product_code=code,
                begindatum=begin,
                einddatum=end,
                volume=volume,
                unit=unit,
                tariff_cents=tariff,
                amount_cents=amount,
            )
        )
    return [
        DeclarationValues(
            declaratienummer=declaration.declaratienummer,
            provider_agb=declaration.provider.agb_code,
            municipality_code=declaration.municipality.code,
            period_start=declaration.period_start,
            period_end=declaration.period_end,
            total_cents=declaration.total_cents,
            lines=by_declaration[declaration.pk],
        )
        for declaration in declarations
    ]


def declarations_for(*, municipality: Municipality, period: str) -> QuerySet[Declaration]:
    first, _last = period_parse(period)
    return (
        Declaration.objects.filter(municipality=municipality, period_start=first)
        .exclude(status=DeclarationStatus.ANSWERED)
        .select_related("municipality", "provider")
        .order_by("declaratienummer")
    )


def declaration_values_for(*, municipality: Municipality, period: str) -> list[DeclarationValues]:
    """The values of ``municipality``'s declarations for ``period`` ("YYYY-MM") that are not answered
    yet (draft or submitted); two queries. The export marks them submitted with
    ``services.declarations_submit`` once the files are written."""
    return declaration_values_build(declarations=list(declarations_for(municipality=municipality, period=period)))


def declaration_parties(*, declaratienummer: str) -> set[tuple[str, str]]:
    """(municipality code, provider AGB) of the declaration with this number; empty when there is none."""
    return set(
        Declaration.objects.filter(declaratienummer=declaratienummer).values_list(
            "municipality__code", "provider__agb_code"
        )
    )


def declaration_line_client_ids(*, declaratienummer: str, references: list[str]) -> set[UUID]:
    """The public ids of the clients of these lines of declaration ``declaratienummer`` (for the access log)."""
    found: set[UUID] = set()
    for start in range(0, len(references), LINE_CHUNK):
        found.update(
            DeclarationLine.objects.filter(
                declaration__declaratienummer=declaratienummer, reference__in=references[start : start + LINE_CHUNK]
            ).values_list("client__public_id", flat=True)
        )
    return found


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientValues:
    """The client block of an iJw message: administrative data only."""

    public_id: UUID
    bsn: str
    birth_date: datetime.date
    family_name: str
    given_name: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class CareEventValues:
    """A start (JW305) or stop (JW307) of care for an allocation that has a toewijzing number."""

    provider_id: int
    provider_agb: str
    client_id: int
    client: ClientValues
    toewijzing_nummer: str
    product_category: str
    product_code: str
    begindatum: datetime.date
    #: a stop only: its end date and JZ588 reason
    einddatum: datetime.date | None = None
    reden: str = ""


def _care_event_values(event: CareStart | CareStop) -> CareEventValues:
    """The values of one start or stop: under an allocation (its number), or of a task-based
    product (no allocation, no number: the product says which care)."""
    allocation = event.allocation
    if allocation is not None:
        client = allocation.client
        product = allocation.product
        contract = allocation.contract
        number = allocation.toewijzing_nummer or ""
    else:
        assert event.product is not None  # care_start_has_allocation_or_product
        client = event.module_run.trajectory.client
        product = event.product
        contract = product.contract
        number = ""
    return CareEventValues(
        provider_id=contract.provider_id,
        provider_agb=contract.provider.agb_code,
        client_id=client.pk,
        client=ClientValues(
            public_id=client.public_id,
            bsn=client.bsn,
            birth_date=client.birth_date,
            family_name=client.family_name,
            given_name=client.given_name,
        ),
        toewijzing_nummer=number,
        product_category=product.ijw_product_category,
        product_code=product.ijw_product_code,
        begindatum=event.begindatum,
        einddatum=event.einddatum if isinstance(event, CareStop) else None,
        reden=event.reden if isinstance(event, CareStop) else "",
    )


#: Allocated care with a toewijzing number, or task-based care (no allocation, its product).
_REPORTABLE = (Q(allocation__toewijzing_nummer__isnull=False) & ~Q(allocation__toewijzing_nummer="")) | Q(
    allocation__isnull=True, product__isnull=False
)


def _of_municipality(municipality: Municipality) -> Q:
    return Q(allocation__contract__municipality=municipality) | Q(
        allocation__isnull=True, product__contract__municipality=municipality
    )


def care_events_in_period(
    *, municipality: Municipality, first: datetime.date, last: datetime.date
) -> tuple[list[CareEventValues], list[CareEventValues]]:
    """The starts (JW305) begun and stops (JW307) ended in a period, for the iJw export: those of
    allocations with a toewijzing number (nothing else can be reported) and those of task-based
    products (taakgericht: start and stop only, without a number). Two queries.

    ``services.care_events_sync`` is the one place that decides which starts and stops exist.
    """
    related = (
        "allocation__product",
        "allocation__client",
        "allocation__contract__provider",
        "product__contract__provider",
        "module_run__trajectory__client",
    )
    starts = (
        CareStart.objects.filter(
            _of_municipality(municipality), _REPORTABLE, begindatum__gte=first, begindatum__lte=last
        )
        .select_related(*related)
        .order_by("begindatum", "id")
    )
    stops = (
        CareStop.objects.filter(_of_municipality(municipality), _REPORTABLE, einddatum__gte=first, einddatum__lte=last)
        .select_related(*related)
        .order_by("einddatum", "id")
    )
    return [_care_event_values(start) for start in starts], [_care_event_values(stop) for stop in stops]


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionEvidence:
    on: datetime.date
    attendance: str  # coaching.Attendance value, "" when not recorded


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeliveryEvidence:
    """One declared module (a JW323 line) with the sessions held in its delivery period."""

    line: DeclarationLine
    module_started: datetime.date
    module_ended: datetime.date
    sessions: list[SessionEvidence]

    @property
    def attended(self) -> int:
        return sum(1 for session in self.sessions if session.attendance == "attended")

    @property
    def not_attended(self) -> int:
        return sum(1 for session in self.sessions if session.attendance == "not_attended")


def delivery_evidence_for(
    *, actor: User, declaration: Declaration, access_point: AccessPoint
) -> list[DeliveryEvidence]:
    """Per declared module of ``declaration`` (see ``declaration_get``): allocation number,
    product, the module's start and end and the dates of the sessions between them, attended or not
    (``policy.can_see_delivery_evidence``). Never a session's title, location or any content.
    Two queries whatever the number of lines or sessions (plus the access log when the actor
    sees the clients' names, as on the declaration)."""
    if not policy.can_see_delivery_evidence(actor):
        raise policy.AccessDenied("No such declaration, or no access.")
    lines = declaration_lines_for(actor=actor, declaration=declaration, access_point=access_point)
    if not lines:
        return []
    runs = {
        pk: (trajectory_id, started_on, finished_on)
        for pk, trajectory_id, started_on, finished_on in DeclarationLine.objects.filter(
            pk__in=[line.pk for line in lines]
        ).values_list("pk", "module_run__trajectory_id", "module_run__started_on", "module_run__finished_on")
    }
    # The module's sessions: from its start to its end (a module is declared whole, in the month it ended).
    windows = {line.pk: (runs[line.pk][1], runs[line.pk][2] or line.einddatum) for line in lines}
    sessions = coaching_selectors.sessions_of(
        trajectory_ids=sorted({trajectory_id for trajectory_id, _s, _f in runs.values()}),
        first=min(first for first, _last in windows.values()),
        last=max(last for _first, last in windows.values()),
    )
    by_trajectory: dict[int, list[coaching_selectors.SessionValues]] = {}
    for session in sessions:
        by_trajectory.setdefault(session.trajectory_id, []).append(session)
    return [
        DeliveryEvidence(
            line=line,
            module_started=windows[line.pk][0],
            module_ended=windows[line.pk][1],
            sessions=[
                SessionEvidence(on=session.on, attendance=session.attendance)
                for session in by_trajectory.get(runs[line.pk][0], [])
                if windows[line.pk][0] <= session.on <= windows[line.pk][1]
            ],
        )
        for line in lines
    ]


# --- productieverantwoording (issue 18.7): per product declared, accepted, refused, pending ----------

#: WJ001 "no errors" on a JW325 line: the line is accepted (the same value as ``coachcare.ijw.codes.RETOUR_ACCEPTED``).
RETOUR_ACCEPTED = "0200"
#: The declarations that count as declared: their JW323 was sent (a draft was not declared yet).
DECLARED_STATUSES = (DeclarationStatus.SUBMITTED, DeclarationStatus.ANSWERED)


class StatementMismatch(Exception):
    """The statement does not reconcile with the JW323/JW325 traces: it must not be signed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True, kw_only=True)
class StatementRow:
    """One product (category, code, unit) of the statement, or the totals (empty product).

    Generic over declaration lines (product, unit, volume, amount, status): a new unit or funding
    model that declares lines just works. Amounts in cents, volumes in the line's unit."""

    product_category: str
    product_code: str
    unit: str
    lines: int
    declared_volume: int
    declared_cents: int
    accepted_volume: int
    accepted_cents: int
    awarded_cents: int
    refused_volume: int
    refused_cents: int
    pending_volume: int
    pending_cents: int

    @property
    def adds_up(self) -> bool:
        """Declared = accepted + refused + pending, in volume and in amount."""
        return (
            self.declared_volume == self.accepted_volume + self.refused_volume + self.pending_volume
            and self.declared_cents == self.accepted_cents + self.refused_cents + self.pending_cents
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class StatementDeclaration:
    """A declaration (JW323) counted in the statement: its reference, period and header totals."""

    declaratienummer: str
    period_start: datetime.date
    period_end: datetime.date
    status: str
    status_label: str
    #: the JW323's total as declared (header) and the sum of its lines
    total_cents: int
    lines_cents: int
    #: the JW325's awarded total (header) and the sum of the awarded amounts of its lines; None before the answer
    awarded_cents: int | None
    lines_awarded_cents: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReconciliationCheck:
    """One check of the statement against the message traces, shown on the statement."""

    label: str
    expected: int
    found: int
    #: an amount in cents (else a volume)
    is_amount: bool = True

    @property
    def ok(self) -> bool:
        return self.expected == self.found


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProductionStatement:
    """The productieverantwoording of one provider to one municipality over one year."""

    provider_name: str
    provider_agb: str
    municipality_name: str
    municipality_code: str
    year: int
    prepared_on: datetime.date
    rows: list[StatementRow]
    totals: StatementRow
    declarations: list[StatementDeclaration]
    checks: list[ReconciliationCheck]
    #: declarations of the year still in draft (not sent, so not in the figures)
    drafts: int


def _statement_row(values: dict[str, Any], *, category: str, code: str, unit: str) -> StatementRow:
    def number(key: str) -> int:
        return int(values.get(key) or 0)

    return StatementRow(
        product_category=category,
        product_code=code,
        unit=unit,
        lines=number("lines"),
        declared_volume=number("declared_volume"),
        declared_cents=number("declared_cents"),
        accepted_volume=number("accepted_volume"),
        accepted_cents=number("accepted_cents"),
        awarded_cents=number("awarded_cents"),
        refused_volume=number("refused_volume"),
        refused_cents=number("refused_cents"),
        pending_volume=number("pending_volume"),
        pending_cents=number("pending_cents"),
    )


def _line_aggregates() -> dict[str, Any]:
    accepted = Q(retourcode=RETOUR_ACCEPTED)
    pending = Q(retourcode="")
    refused = ~accepted & ~pending
    return {
        "lines": Count("id"),
        "declared_volume": Sum("volume"),
        "declared_cents": Sum("amount_cents"),
        "accepted_volume": Sum("volume", filter=accepted),
        "accepted_cents": Sum("amount_cents", filter=accepted),
        "awarded_cents": Sum("awarded_cents"),
        "refused_volume": Sum("volume", filter=refused),
        "refused_cents": Sum("amount_cents", filter=refused),
        "pending_volume": Sum("volume", filter=pending),
        "pending_cents": Sum("amount_cents", filter=pending),
    }


def production_statement_for(
    *, provider: Provider, municipality: Municipality, year: int, prepared_on: datetime.date
) -> ProductionStatement:
    """Per product (JZ020 category + product code, unit) the declared, accepted, refused and pending
    volumes and amounts of ``provider``'s declarations to ``municipality`` whose period lies in
    ``year``, reconciled with the traces of the messages (JW323 headers, JW325 answers).

    Raises ``StatementMismatch`` when anything does not add up. Aggregates only: no client, no line
    reference, so no access-log entry. Three queries whatever the number of lines.
    """
    declarations = Declaration.objects.filter(provider=provider, municipality=municipality, period_start__year=year)
    declared = declarations.filter(status__in=DECLARED_STATUSES)
    lines = DeclarationLine.objects.filter(declaration__in=declared.values("pk"))
    grouped = (
        lines.values("product__ijw_product_category", "product__ijw_product_code", "unit")
        .annotate(**_line_aggregates())
        .order_by("product__ijw_product_category", "product__ijw_product_code", "unit")
    )
    rows = [
        _statement_row(
            dict(row),
            category=row["product__ijw_product_category"],
            code=row["product__ijw_product_code"],
            unit=row["unit"],
        )
        for row in grouped
    ]
    headers = list(
        declarations.annotate(
            lines_cents=Sum("lines__amount_cents"), lines_awarded=Sum("lines__awarded_cents")
        ).order_by("period_start", "declaratienummer")
    )
    counted = [declaration for declaration in headers if declaration.status in DECLARED_STATUSES]
    statement_declarations = [
        StatementDeclaration(
            declaratienummer=declaration.declaratienummer,
            period_start=declaration.period_start,
            period_end=declaration.period_end,
            status=declaration.status,
            status_label=str(declaration.get_status_display()),
            total_cents=declaration.total_cents,
            lines_cents=int(getattr(declaration, "lines_cents", 0) or 0),
            awarded_cents=declaration.awarded_cents if declaration.status == DeclarationStatus.ANSWERED else None,
            lines_awarded_cents=int(getattr(declaration, "lines_awarded", 0) or 0),
        )
        for declaration in counted
    ]
    totals = _statement_row(
        {key: sum(getattr(row, key) for row in rows) for key in _line_aggregates()},
        category="",
        code="",
        unit="",
    )
    answered = [item for item in statement_declarations if item.awarded_cents is not None]
    checks = [
        ReconciliationCheck(
            label=str(_("Declared amount (sum of the JW323 totals) = sum of the declared lines")),
            expected=sum(item.total_cents for item in statement_declarations),
            found=totals.declared_cents,
        ),
        ReconciliationCheck(
            label=str(_("Declared amount = accepted + refused + not answered yet")),
            expected=totals.declared_cents,
            found=totals.accepted_cents + totals.refused_cents + totals.pending_cents,
        ),
        ReconciliationCheck(
            label=str(_("Declared volume = accepted + refused + not answered yet")),
            expected=totals.declared_volume,
            found=totals.accepted_volume + totals.refused_volume + totals.pending_volume,
            is_amount=False,
        ),
        ReconciliationCheck(
            label=str(_("Awarded amount (sum of the JW325 totals) = sum of the awarded lines")),
            expected=sum(item.awarded_cents or 0 for item in answered),
            found=sum(item.lines_awarded_cents for item in answered),
        ),
    ]
    problems = [f"{check.label}: {check.expected} != {check.found}" for check in checks if not check.ok]
    problems += [
        f"declaration {item.declaratienummer}: JW323 total {item.total_cents} != lines {item.lines_cents}"
        for item in statement_declarations
        if item.total_cents != item.lines_cents
    ]
    problems += [
        f"declaration {item.declaratienummer}: JW325 awarded {item.awarded_cents} != lines {item.lines_awarded_cents}"
        for item in answered
        if item.awarded_cents != item.lines_awarded_cents
    ]
    problems += [
        f"product {row.product_category} {row.product_code} ({row.unit}): declared != accepted + refused + pending"
        for row in rows
        if not row.adds_up
    ]
    if problems:
        raise StatementMismatch(problems)
    return ProductionStatement(
        provider_name=provider.name,
        provider_agb=provider.agb_code,
        municipality_name=municipality.name,
        municipality_code=municipality.code,
        year=year,
        prepared_on=prepared_on,
        rows=rows,
        totals=totals,
        declarations=statement_declarations,
        checks=checks,
        drafts=sum(1 for declaration in headers if declaration.status == DeclarationStatus.DRAFT),
    )


def production_statement_municipalities(*, actor: User) -> list[Municipality]:
    """The municipalities the actor's provider has a contract with (the statement's choices)."""
    if not policy.can_download_production_statement(actor) or actor.provider_id is None:
        return []
    return list(
        Municipality.objects.filter(contracts__provider_id=actor.provider_id).distinct().order_by("name", "code")
    )


def production_statement_for_actor(
    *, actor: User, municipality_code: str, year: int, prepared_on: datetime.date
) -> ProductionStatement:
    """The statement of the actor's own provider (``policy.can_download_production_statement``) to
    one of the municipalities it has a contract with; ``AccessDenied`` for anything else."""
    if not policy.can_download_production_statement(actor) or actor.provider_id is None:
        raise policy.AccessDenied("No access to the production statement.")
    municipality = next(
        (item for item in production_statement_municipalities(actor=actor) if item.code == municipality_code), None
    )
    if municipality is None:
        raise policy.AccessDenied("No contract with this municipality.")
    provider = Provider.objects.get(pk=actor.provider_id)
    return production_statement_for(provider=provider, municipality=municipality, year=year, prepared_on=prepared_on)


def production_statement_providers(*, municipality: Municipality) -> list[Provider]:
    """The providers with a contract with ``municipality`` (the command's choice when no AGB is given)."""
    return list(Provider.objects.filter(contracts__municipality=municipality).distinct().order_by("agb_code"))
