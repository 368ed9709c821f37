"""Declarations (invoices) for the municipality (access and policy staff) and the provider's team leads."""

import csv
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint
from coachcare.core.dates import today
from coachcare.core.http import page_number
from coachcare.declarations import selectors, statement
from coachcare.declarations.forms import ProductionStatementForm


@login_required
@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_see_declarations(actor):
        return HttpResponseForbidden(_("You have no access to declarations."))
    year = today().year
    return render(
        request,
        "declarations/declaration_list.html",
        {
            "page": selectors.declaration_list_for(actor=actor, page=page_number(request)),
            "budget_lines": selectors.declaration_budget_overview(actor=actor, year=year),
            "year": year,
            "can_download_statement": policy.can_download_production_statement(actor),
        },
    )


@login_required
@require_GET
def declaration_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_see_declarations(actor):
        return HttpResponseForbidden(_("You have no access to declarations."))
    declaration = selectors.declaration_get(actor=actor, public_id=public_id)
    lines = selectors.declaration_lines_for(
        actor=actor, declaration=declaration, access_point=AccessPoint.from_request(request)
    )
    return render(
        request,
        "declarations/declaration_detail.html",
        {"declaration": declaration, "lines": lines, "show_clients": policy.can_see_declaration_clients(actor)},
    )


#: The CSV of the evidence of delivery: one row per session (a module without sessions: one row).
EVIDENCE_CSV_COLUMNS = [
    "reference",
    "client",
    "allocation_number",
    "product",
    "module_started",
    "module_ended",
    "session_date",
    "attendance",
]


@login_required
@require_GET
def declaration_evidence(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Evidence of delivery for the materiële controle: per declared module the session dates,
    attended or not; as a page, or as CSV with ``?format=csv``. Never content."""
    actor = actor_of(request)
    if not policy.can_see_delivery_evidence(actor):
        return HttpResponseForbidden(_("You have no access to declarations."))
    with policy.refusing(_("You have no access to declarations.")):
        declaration = selectors.declaration_get(actor=actor, public_id=public_id)
    evidence = selectors.delivery_evidence_for(
        actor=actor, declaration=declaration, access_point=AccessPoint.from_request(request)
    )
    show_clients = policy.can_see_declaration_clients(actor)
    labels = {
        "attended": pgettext("session", "attended"),
        "not_attended": pgettext("session", "not attended"),
        "none": pgettext("session", "not recorded"),
    }
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="evidence-{declaration.declaratienummer}.csv"'
        writer = csv.writer(response, delimiter=";")
        writer.writerow(
            [
                "reference",
                "client",
                "allocation_number",
                "product",
                "delivered_from",
                "delivered_until",
                "session_date",
                "attendance",
            ]
        )
        for item in evidence:
            line = item.line
            client = str(line.client.public_id)
            sessions: list[selectors.SessionEvidence | None] = list(item.sessions) or [None]
            for session in sessions:
                writer.writerow(
                    [
                        line.reference,
                        client,
                        line.allocation.toewijzing_nummer,
                        line.product.ijw_product_code,
                        item.module_started.isoformat(),
                        item.module_ended.isoformat(),
                        session.on.isoformat() if session else "",
                        session.attendance if session else "",
                    ]
                )
        return response
    return render(
        request,
        "declarations/declaration_evidence.html",
        {"declaration": declaration, "evidence": evidence, "show_clients": show_clients, "labels": labels},
    )


@login_required
@require_GET
def production_statement(request: HttpRequest) -> HttpResponse:
    """The productieverantwoording of the user's provider for one municipality and year: the form,
    and with its fields filled the PDF or CSV as a download. Aggregates only, no client data."""
    actor = actor_of(request)
    if not policy.can_download_production_statement(actor):
        return HttpResponseForbidden(_("You have no access to the production statement."))
    municipalities = selectors.production_statement_municipalities(actor=actor)
    form = ProductionStatementForm(
        request.GET if "year" in request.GET else None,
        municipalities=municipalities,
        initial={"year": today().year - 1, "format": "pdf"},
    )
    mismatch: list[str] = []
    if form.is_bound and form.is_valid():
        code, year, kind = form.cleaned_data["municipality"], form.cleaned_data["year"], form.cleaned_data["format"]
        try:
            found = selectors.production_statement_for_actor(
                actor=actor, municipality_code=code, year=year, prepared_on=today()
            )
        except selectors.StatementMismatch as exc:
            mismatch = exc.problems
        else:
            name = f"productieverantwoording-{code}-{year}"
            if kind == "csv":
                response = HttpResponse(
                    statement.production_statement_csv(statement=found), content_type="text/csv; charset=utf-8"
                )
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
                return response
            response = HttpResponse(statement.production_statement_pdf(statement=found), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
            return response
    return render(
        request,
        "declarations/production_statement_form.html",
        {"form": form, "mismatch": mismatch, "has_municipalities": bool(municipalities)},
    )
