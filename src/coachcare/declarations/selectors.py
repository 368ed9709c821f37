"""Reads of declarations: the municipality's and the provider's lists, one declaration with its
lines, the budget figures, and the JW323 messages the iJw export writes.

Screens show administrative data only (client name and date of birth to the access team, product,
period, volume, amounts, return codes). Every list is a fixed number of queries.
"""

import dataclasses
import datetime
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Sum

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.contracts.selectors import BudgetLine, budget_overview
from coachcare.core.dates import today
from coachcare.declarations.models import CareStart, CareStop, Declaration, DeclarationLine, DeclarationStatus
from coachcare.declarations.services import period_parse
from coachcare.ijw.messages import Declaration as Jw323
from coachcare.ijw.messages import DeclarationLine as Jw323Line
from coachcare.ijw.messages import header_for
from coachcare.municipalities.models import Municipality

DECLARATION_PAGE_SIZE = 50


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


# --- the JW323 messages for the iJw export -----------------------------------------------------------


def declaration_messages_build(*, declarations: list[Declaration], on: datetime.date | None = None) -> list[Jw323]:
    """JW323 messages for ``declarations`` (with ``municipality`` and ``provider`` loaded): one query
    for all their lines. Only BSN, allocation number, product, dates, volume and amounts."""
    dagtekening = on or today()
    by_declaration: dict[int, list[Jw323Line]] = {declaration.pk: [] for declaration in declarations}
    rows = (
        DeclarationLine.objects.filter(declaration__in=[declaration.pk for declaration in declarations])
        .order_by("declaration_id", "id")
        .values_list(
            "declaration_id",
            "reference",
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
    for declaration_id, reference, bsn, number, category, code, begin, end, volume, unit, tariff, amount in rows:
        by_declaration[declaration_id].append(
            Jw323Line(
                referentie=reference,
                bsn=bsn,
                toewijzingnummer=number or "",
                categorie=category,
                code=code,
                begindatum=begin,
                einddatum=end,
                geleverd_volume=volume,
                eenheid=unit,
                product_tarief_cents=tariff,
                ingediend_bedrag_cents=amount,
            )
        )
    return [
        Jw323(
            header=header_for(
                "JW323",
                afzender=declaration.provider.agb_code,
                ontvanger=declaration.municipality.code,
                identificatie=declaration.declaratienummer,
                dagtekening=dagtekening,
            ),
            declaratienummer=declaration.declaratienummer,
            periode_begin=declaration.period_start,
            periode_eind=declaration.period_end,
            totaal_bedrag_cents=declaration.total_cents,
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


def declaration_messages_for(*, municipality: Municipality, period: str) -> list[Jw323]:
    """The JW323 messages of ``municipality``'s declarations for ``period`` ("YYYY-MM") that are
    not answered yet (draft or submitted); two queries. The export marks them submitted with
    ``services.declaration_submit`` once the files are written."""
    return declaration_messages_build(declarations=list(declarations_for(municipality=municipality, period=period)))


def care_events_in_period(
    *, municipality: Municipality, first: datetime.date, last: datetime.date
) -> tuple[list[CareStart], list[CareStop]]:
    """The starts (JW305) begun and stops (JW307) ended in a period, for the iJw export.

    ``services.care_events_sync`` is the one place that decides which starts and stops exist.
    """
    related = ("allocation__product", "allocation__client", "allocation__contract__provider")
    starts = list(
        CareStart.objects.filter(
            allocation__contract__municipality=municipality, begindatum__gte=first, begindatum__lte=last
        )
        .select_related(*related)
        .order_by("begindatum", "id")
    )
    stops = list(
        CareStop.objects.filter(
            allocation__contract__municipality=municipality, einddatum__gte=first, einddatum__lte=last
        )
        .select_related(*related)
        .order_by("einddatum", "id")
    )
    return starts, stops
