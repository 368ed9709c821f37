"""The municipality access team's portal: allocation requests, granting and refusing them."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint
from coachcare.contracts import selectors, services
from coachcare.contracts.forms import ApproveForm, RejectForm
from coachcare.contracts.models import Allocation, AllocationStatus
from coachcare.core.dates import today
from coachcare.core.forms import service_errors_to_form
from coachcare.core.http import page_number

#: Service field names that the forms call differently.
FIELD_NAMES = {"budget_cents": "budget"}
#: The list's filter value for the modules started under the mandate (next to the statuses).
MANDATE_FILTER = "mandate"


@login_required
@require_GET
def allocation_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_decide_allocations(actor):
        return HttpResponseForbidden(_("Only a municipality access team decides on allocations."))
    status = request.GET.get("status", "")
    status = status if status in AllocationStatus.values or status == MANDATE_FILTER else ""
    page = selectors.allocation_list_for_municipality(
        actor=actor,
        access_point=AccessPoint.from_request(request),
        status=status if status in AllocationStatus.values else None,
        via_mandate=status == MANDATE_FILTER,
        page=page_number(request),
    )
    year = today().year
    return render(
        request,
        "contracts/allocation_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [*AllocationStatus.choices, (MANDATE_FILTER, _("started under the mandate"))],
            "budget_lines": selectors.budget_overview(actor=actor, year=year),
            "budget_paths": [row for rows in selectors.budget_paths(actor=actor).values() for row in rows],
            "instalments": selectors.lump_sum_instalments_for(actor=actor, year=year),
            "year": year,
        },
    )


def _get(request: HttpRequest, public_id: UUID) -> Allocation:
    return selectors.allocation_get_for_decision(
        actor=actor_of(request), public_id=public_id, access_point=AccessPoint.from_request(request)
    )


def _render_detail(
    request: HttpRequest,
    allocation: Allocation,
    *,
    approve_form: ApproveForm | None = None,
    reject_form: RejectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    decision = selectors.allocation_decision_for(actor=actor_of(request), allocation=allocation)
    context: dict[str, Any] = {"allocation": allocation, "decision": decision}
    if decision.decide:
        context["approve_form"] = approve_form or ApproveForm.with_defaults(volume=allocation.volume)
        context["reject_form"] = reject_form or RejectForm()
    elif decision.confirm_mandate_start:
        context["approve_form"] = approve_form or ApproveForm.for_mandate_start(allocation)
    return render(request, "contracts/allocation_detail.html", context, status=status)


@login_required
@require_GET
def allocation_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _render_detail(request, _get(request, public_id))


@login_required
@require_POST
def allocation_approve(request: HttpRequest, public_id: UUID) -> HttpResponse:
    allocation = _get(request, public_id)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            with policy.refusing(_("Only a municipality access team decides on allocations.")):
                services.allocation_approve(
                    actor=actor_of(request),
                    allocation=allocation,
                    access_point=AccessPoint.from_request(request),
                    **form.service_arguments(),
                )
        except ValidationError as error:
            service_errors_to_form(form, error, rename=FIELD_NAMES)
        else:
            messages.success(
                request,
                _("The allocation for %(name)s has been granted.") % {"name": allocation.client.full_name},
            )
            return redirect("contracts:allocation_list")
    return _render_detail(request, allocation, approve_form=form, status=400)


@login_required
@require_POST
def allocation_reject(request: HttpRequest, public_id: UUID) -> HttpResponse:
    allocation = _get(request, public_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            with policy.refusing(_("Only a municipality access team decides on allocations.")):
                services.allocation_reject(
                    actor=actor_of(request),
                    allocation=allocation,
                    reason=form.cleaned_data["reason"],
                    access_point=AccessPoint.from_request(request),
                )
        except ValidationError as error:
            service_errors_to_form(form, error, rename=FIELD_NAMES)
        else:
            messages.success(
                request,
                _("The request for %(name)s has been rejected.") % {"name": allocation.client.full_name},
            )
            return redirect("contracts:allocation_list")
    return _render_detail(request, allocation, reject_form=form, status=400)
