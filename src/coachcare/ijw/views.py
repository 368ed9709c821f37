"""The provider administration's iJw pages: the worklist (held outgoing messages and refused
records) and the change requests (JW317)."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coachcare.access import policy
from coachcare.accounts.http import actor_of
from coachcare.audit.services import AccessPoint
from coachcare.contracts.models import AllocationChangeRequest
from coachcare.core.forms import service_errors_to_form
from coachcare.core.http import page_number
from coachcare.ijw import selectors, services
from coachcare.ijw.codes import code_description
from coachcare.ijw.forms import ChangeRequestForm


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_see_ijw_worklist(actor):
        return HttpResponseForbidden(_("You have no access to the iJw worklist."))
    found = selectors.ijw_worklist_for(actor=actor)
    held = [
        {
            "message": held.message_name,
            "municipality": held.municipality_code,
            "period": held.period,
            "clients": held.client_public_ids,
            "violations": [(rule, path, code_description(rule)) for rule, path in held.violations],
            "since": held.first_held_at,
        }
        for held in found.held
    ]
    refused = [
        {
            "message": record.answered_message_name,
            "identification": record.answered_identification,
            "record": record.record_key,
            "codes": [(code, code_description(code)) for code in record.retour_codes],
            "received": record.incoming.received_at,
        }
        for record in found.refused
    ]
    mandate_page, mandate_rows = selectors.ijw_mandate_starts_for(actor=actor, page=page_number(request))
    return render(
        request,
        "ijw/worklist.html",
        {"held": held, "refused": refused, "mandate_page": mandate_page, "mandate_rows": mandate_rows},
    )


def _codes(row: selectors.ChangeRequestRow) -> list[tuple[str, str]]:
    return [(code, code_description(code)) for record in row.retour for code in record.retour_codes]


@login_required
@require_http_methods(["GET", "POST"])
def change_request_list(request: HttpRequest) -> HttpResponse:
    """The change requests of the provider and the form to ask one (the JW317 goes with the export)."""
    actor = actor_of(request)
    if not policy.can_see_ijw_change_requests(actor):
        return HttpResponseForbidden(_("You have no access to the change requests."))
    form = ChangeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.ijw_change_request_ask(
                actor=actor, access_point=AccessPoint.from_request(request), **form.cleaned_data
            )
        except policy.AccessDenied:
            form.add_error(None, _("Only the young person's coach or team leader asks for a change."))
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(request, _("The change request has been recorded; the next export sends it (JW317)."))
            return redirect("ijw:change_request_detail", public_id=change.public_id)
    page, rows = selectors.ijw_change_requests_for(actor=actor, page=page_number(request))
    return render(
        request,
        "ijw/change_request_list.html",
        {"page": page, "rows": [(row, _codes(row)) for row in rows], "form": form},
    )


@login_required
@require_GET
def change_request_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    if not policy.can_see_ijw_change_requests(actor):
        return HttpResponseForbidden(_("You have no access to the change requests."))
    try:
        row = selectors.ijw_change_request_get(
            actor=actor, public_id=public_id, access_point=AccessPoint.from_request(request)
        )
    except AllocationChangeRequest.DoesNotExist:
        raise Http404 from None
    message = services.change_request_message_build(change=row.change)
    return render(
        request,
        "ijw/change_request_detail.html",
        {
            "row": row,
            "change": row.change,
            "item": message.items[0],
            "retour": [
                (record, [(code, code_description(code)) for code in record.retour_codes]) for record in row.retour
            ],
        },
    )
