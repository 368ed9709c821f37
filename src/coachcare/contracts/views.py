"""The municipality access team's portal: allocation requests, granting and refusing them."""

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint
from coachcare.contracts import selectors, services
from coachcare.contracts.forms import (
    ApproveForm,
    BudgetYearForm,
    InstalmentForm,
    PayForm,
    RejectForm,
    ScheduleForm,
    SharesForm,
)
from coachcare.contracts.models import Allocation, AllocationStatus, Contract, FundingModel, LumpSumInstalment
from coachcare.core.dates import today
from coachcare.core.forms import form_submit
from coachcare.core.http import page_number

#: Service field names that the forms call differently.
FIELD_NAMES = {"budget_cents": "budget"}
#: The years a budget page answers for (the budget forms' range too).
YEARS = range(2000, 2101)
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
    context: dict[str, Any] = {
        "allocation": allocation,
        "decision": decision,
        "may_record_regisseur": policy.can_record_regisseur(actor_of(request), allocation.client),
    }
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
    if form_submit(
        form,
        lambda: services.allocation_approve(
            actor=actor_of(request),
            allocation=allocation,
            access_point=AccessPoint.from_request(request),
            **form.service_arguments(),
        ),
        within=policy.refusing(_("Only a municipality access team decides on allocations.")),
        rename=FIELD_NAMES,
    ):
        messages.success(
            request, _("The allocation for %(name)s has been granted.") % {"name": allocation.client.full_name}
        )
        return redirect("contracts:allocation_list")
    return _render_detail(request, allocation, approve_form=form, status=400)


@login_required
@require_POST
def allocation_reject(request: HttpRequest, public_id: UUID) -> HttpResponse:
    allocation = _get(request, public_id)
    form = RejectForm(request.POST)
    if form_submit(
        form,
        lambda: services.allocation_reject(
            actor=actor_of(request),
            allocation=allocation,
            reason=form.cleaned_data["reason"],
            access_point=AccessPoint.from_request(request),
        ),
        within=policy.refusing(_("Only a municipality access team decides on allocations.")),
        rename=FIELD_NAMES,
    ):
        messages.success(
            request, _("The request for %(name)s has been rejected.") % {"name": allocation.client.full_name}
        )
        return redirect("contracts:allocation_list")
    return _render_detail(request, allocation, reject_form=form, status=400)


# --- the back office's budget screens (issue 18.1) ------------------------------------------------------


@login_required
@require_GET
def contract_budget_list(request: HttpRequest) -> HttpResponse:
    """The contracts whose budget the municipality keeps (its own and the regional contracts of the
    regions it leads), each linking to its budget page."""
    actor = actor_of(request)
    if not policy.can_see_contract_budgets(actor):
        return HttpResponseForbidden(_("Only the municipality's staff see its contracts and budgets."))
    return render(
        request, "contracts/contract_budget_list.html", {"lines": selectors.contract_budget_list(actor=actor)}
    )


def _render_budget(
    request: HttpRequest,
    contract: Contract,
    *,
    budget_form: BudgetYearForm | None = None,
    instalment_form: InstalmentForm | None = None,
    schedule_form: ScheduleForm | None = None,
    pay_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    year = today().year
    lines = selectors.contract_budget_years(contract=contract, last_year=year + 1)
    task_based = FundingModel.TASK.value in (lines[0].funding_models if lines else ())
    context: dict[str, Any] = {
        "contract": contract,
        "lines": lines,
        "task_based": task_based,
        "instalments": [
            (instalment, (pay_errors or {}).get(instalment.pk, []))
            for instalment in (selectors.contract_instalments(contract=contract) if task_based else [])
        ],
        "can_manage": policy.can_manage_contract_budget(actor, contract),
        "is_regional": contract.region_id is not None,
        "share_years": [line.year for line in lines],
        "budget_form": budget_form or BudgetYearForm(initial={"year": year}),
        "instalment_form": instalment_form or InstalmentForm(),
        "schedule_form": schedule_form or ScheduleForm(initial={"year": year}),
        "pay_form": PayForm(initial={"paid_on": today()}),
    }
    return render(request, "contracts/contract_budget.html", context, status=status)


def _budget_contract(request: HttpRequest, pk: int) -> Contract:
    return selectors.contract_budget_get(actor=actor_of(request), pk=pk)


@login_required
@require_GET
def contract_budget(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_budget(request, _budget_contract(request, pk))


@login_required
@require_POST
def contract_budget_year(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _budget_contract(request, pk)
    form = BudgetYearForm(request.POST)
    done = form_submit(
        form,
        lambda: services.contract_budget_year_set(
            actor=actor_of(request),
            contract=contract,
            access_point=AccessPoint.from_request(request),
            **form.service_arguments(),
        ),
        within=policy.refusing(_("Only the municipality's policy staff plan the budget.")),
        rename={"planned_cents": "planned"},
    )
    if done:
        messages.success(request, _("The budget of %(year)s has been planned.") % {"year": done.result.year})
        return redirect("contracts:contract_budget", pk=contract.pk)
    return _render_budget(request, contract, budget_form=form, status=400)


@login_required
@require_POST
def contract_instalment_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _budget_contract(request, pk)
    form = InstalmentForm(request.POST)
    if form_submit(
        form,
        lambda: services.lump_sum_instalment_add(
            actor=actor_of(request),
            contract=contract,
            access_point=AccessPoint.from_request(request),
            **form.service_arguments(),
        ),
        within=policy.refusing(_("Only the municipality's policy staff plan instalments.")),
        rename={"amount_cents": "amount"},
    ):
        messages.success(request, _("The instalment has been planned."))
        return redirect("contracts:contract_budget", pk=contract.pk)
    return _render_budget(request, contract, instalment_form=form, status=400)


@login_required
@require_POST
def contract_instalments_plan(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _budget_contract(request, pk)
    form = ScheduleForm(request.POST)
    done = form_submit(
        form,
        lambda: services.lump_sum_schedule_plan(
            actor=actor_of(request),
            contract=contract,
            year=form.cleaned_data["year"],
            instalments=form.cleaned_data["instalments"],
            access_point=AccessPoint.from_request(request),
        ),
        within=policy.refusing(_("Only the municipality's policy staff plan instalments.")),
    )
    if done:
        messages.success(request, _("%(count)s instalments have been planned.") % {"count": len(done.result)})
        return redirect("contracts:contract_budget", pk=contract.pk)
    return _render_budget(request, contract, schedule_form=form, status=400)


@login_required
@require_POST
def contract_instalment_pay(request: HttpRequest, pk: int, instalment_pk: int) -> HttpResponse:
    contract = _budget_contract(request, pk)
    instalment = get_object_or_404(LumpSumInstalment, pk=instalment_pk, contract=contract)
    form = PayForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            with policy.refusing(_("Only the municipality's policy staff record payments.")):
                services.lump_sum_instalment_pay(
                    actor=actor_of(request),
                    instalment=instalment,
                    paid_on=form.cleaned_data["paid_on"],
                    access_point=AccessPoint.from_request(request),
                )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The instalment has been marked as paid."))
            return redirect("contracts:contract_budget", pk=contract.pk)
    else:
        errors = [str(message) for field_errors in form.errors.values() for message in field_errors]
    return _render_budget(request, contract, pay_errors={instalment.pk: errors}, status=400)


@login_required
def contract_shares(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """The members' budget shares of a regional contract in one year (the lead municipality's back office)."""
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    actor = actor_of(request)
    if not YEARS.start <= year < YEARS.stop:
        raise Http404("No such year.")
    contract = _budget_contract(request, pk)
    if contract.region_id is None:
        raise policy.AccessDenied("Budget shares belong to a regional contract.")
    lines = selectors.regional_share_lines(contract=contract, year=year)
    members = [line.municipality for line in lines]
    can_manage = policy.can_manage_contract_budget(actor, contract)
    status = 200
    if request.method == "POST":
        form = SharesForm(request.POST, members=members)
        if form_submit(
            form,
            lambda: services.regional_budget_shares_save(
                actor=actor,
                contract=contract,
                year=year,
                shares=form.shares(),
                access_point=AccessPoint.from_request(request),
            ),
            within=policy.refusing(_("Only the policy staff of the region's lead municipality set the shares.")),
        ):
            messages.success(request, _("The budget shares of %(year)s have been saved.") % {"year": year})
            return redirect("contracts:contract_shares", pk=contract.pk, year=year)
        status = 400
    else:
        form = SharesForm(
            members=members,
            initial={
                key: value
                for line in lines
                for key, value in (
                    (
                        f"amount_{line.municipality.pk}",
                        None if line.amount_cents is None else Decimal(line.amount_cents) / 100,
                    ),
                    (f"percentage_{line.municipality.pk}", line.percentage),
                )
            },
        )
    budget = next(
        (line for line in selectors.contract_budget_years(contract=contract, last_year=year) if line.year == year), None
    )
    return render(
        request,
        "contracts/contract_shares.html",
        {
            "contract": contract,
            "year": year,
            "lines": lines,
            "form": form,
            "can_manage": can_manage,
            "budget_cents": budget.yearly_budget_cents if budget is not None else None,
            "shared_cents": sum(line.share_cents or 0 for line in lines),
        },
        status=status,
    )
