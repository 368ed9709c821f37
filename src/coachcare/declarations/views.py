"""Declarations (invoices) for the municipality (access and policy staff) and the provider's team leads."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint
from coachcare.core.dates import today
from coachcare.core.http import page_number
from coachcare.declarations import selectors


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
